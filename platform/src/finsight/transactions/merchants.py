"""Merchant names from card and bank descriptors: deterministic, modest, fast.

"SQ *BLUE BOTTLE COFFEE OAKLAND CA" -> "Blue Bottle Coffee", "STARBUCKS STORE 12345 SEATTLE WA"
-> "Starbucks", "AMZN Mktp US*2K4LL0" -> "AMZN MKTP". The analytics issue builds the full cleaner;
this one strips what is plainly not the name: payment-processor prefixes, store numbers,
reference codes, phone numbers, dates, and a trailing city and US state. The importer calls it
for every row (a million in the benchmark): regexes are compiled once and results cached.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# "SQ *", "TST* ", "PP*", "PAYPAL *" ...: a processor's tag before the merchant's own name.
_PROCESSOR = re.compile(r"^(?:SQ|SQU|TST|PP|PAYPAL|SP|GOOGLE|APL|DD|IN|WPY|BT|PY)\s*\*\s*")
# Bank-side wrappers around a card purchase on checking statements.
_BANK_PREFIX = re.compile(
    r"^(?:(?:RECURRING\s+)?PURCHASE\s+AUTHORIZED\s+ON\s+\d{1,2}/\d{1,2}|DEBIT\s+CARD\s+PURCHASE"
    r"|POS\s+(?:DEBIT|PURCHASE)|POS|CHECKCARD(?:\s+\d{4})?|ORIG\s+CO\s+NAME:)\s*"
)
# "*2K4LL0" and anything after: a reference code glued on with an asterisk.
_STAR_REFERENCE = re.compile(r"\s*\*\s*(?=[A-Z]*\d)\S*.*$")
# Everything from the first of these (after the name's first word) is not the name: a
# " - " separator, references ("PPD ID:", "TRANSACTION#"), a store number ("#123",
# "STORE 123", "000123"), a phone number, a date, a masked account number ("...1234").
_TAIL = re.compile(
    r"(?<=\S)(?:\s+-\s+"
    r"|\s+(?:(?:PPD|WEB|CCD|TEL|ARC|BOC)\s+)?ID:"
    r"|\s+(?:ORIG|CO)\s+(?:ID|ENTRY)\b"
    r"|\s+\S+\.(?:COM|CO|NET|ORG)/"
    r"|\s+(?:TRANSACTION|CONF(?:IRMATION)?|REF(?:ERENCE)?|TRACE|ORDER)\s*(?:#|NO\b|NUMBER\b)"
    r"|\s*#\s*\d"
    r"|\s+(?:STORE|STR|STE|NO\.?|UNIT)\s*#?\s*\d"
    r"|\s+[A-Z]{0,2}\d{3,}\b"
    r"|\s+\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
    r"|\s*(?:\.{2,}|X{2,}|\*{2,})\d{2,}\b"
    r").*$"
)
_MARKETPLACE = re.compile(r"\bMKTP\s+US\b")
_BILLING_SUFFIX = re.compile(r"/BILL\b")
_ZIP = re.compile(r"\s+\d{5}(?:-\d{4})?$")
_EDGE_PUNCTUATION = re.compile(r"^[\s\-*#.,/:;]+|[\s\-*#.,/:;]+$")
_SPACES = re.compile(r"\s+")
_WORD_SEPARATORS = re.compile(r"[^\-/]+")

US_STATES = _words(
    """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
    NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU
    """
)
# First words of multi-word city names ("SAN JOSE", "SALT LAKE CITY", "ST LOUIS").
_CITY_LEADS = _words(
    """
    SAN SANTA LOS LAS NEW ST SAINT FORT FT EL PALO PORT SALT LAKE MOUNT MT MOUNTAIN GRAND LONG
    BATON CORPUS NORTH SOUTH EAST WEST OKLAHOMA KANSAS JERSEY CARSON CULVER DALY REDWOOD DES
    BEVERLY SIOUX ANN COLORADO VIRGINIA PALM CEDAR ELK DEL LA
    """
)
_VOWELS = frozenset("AEIOUY")
# Upper-case words with vowels that are still abbreviations.
_ABBREVIATIONS = frozenset({"AMZN", "ATM", "USA", "UPS", "AAA", "AMC", "IHOP", "ACH", "ATT"})


def clean_description(raw: str) -> str:
    """Whitespace collapsed to single spaces, trimmed; NUL characters (refused by PostgreSQL
    text) dropped."""
    return " ".join(raw.replace("\x00", "").split())


def _drop_city_and_state(words: list[str]) -> list[str]:
    if len(words) < 3 or words[-1] not in US_STATES:
        return words
    words = words[:-2]  # the state and the city's last word
    while len(words) > 1 and words[-1] in _CITY_LEADS:
        words.pop()
    return words


def _title_part(part: str) -> str:
    letters = [c for c in part if c.isalpha()]
    if part in _ABBREVIATIONS or (2 <= len(letters) <= 4 and not _VOWELS.intersection(letters)):
        return part  # "CVS", "MKT", "AMZN"
    return part[:1].upper() + part[1:].lower()


def _title(word: str) -> str:
    """Title case that leaves "McDonald's"-style apostrophes and abbreviations alone:
    "CVS/PHARMACY" -> "CVS/Pharmacy", "7-ELEVEN" -> "7-Eleven", "H&M" -> "H&M"."""
    if "&" in word:
        return word
    return _WORD_SEPARATORS.sub(lambda m: _title_part(m.group()), word)


@lru_cache(maxsize=131_072)
def normalize_merchant(description: str) -> str | None:
    """The merchant's name in a description, title-cased; None when none is left."""
    text = _SPACES.sub(" ", description.upper()).strip()
    text = _BANK_PREFIX.sub("", text)
    text = _PROCESSOR.sub("", text)
    text = _STAR_REFERENCE.sub("", text)
    text = _TAIL.sub("", text).replace("*", " ")
    text = _MARKETPLACE.sub("MKTP", text)
    text = _BILLING_SUFFIX.sub("", text)
    text = _ZIP.sub("", text)
    words = _drop_city_and_state(text.split())
    text = _EDGE_PUNCTUATION.sub("", " ".join(words))
    if not any(c.isalpha() for c in text):
        return None
    return " ".join(_title(word) for word in text.split())
