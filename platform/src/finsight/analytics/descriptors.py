"""A deterministic cleaner for bank descriptors.

`clean_descriptor("SQ *BLUE BOTTLE COFFEE #552 OAKLAND CA")` gives the display name
"Blue Bottle Coffee" and the key "blue bottle coffee". The rules are ordered on purpose: bank
and processor wrappers go first (they hide the merchant's first word), then the noise that
trails the name (codes, phone numbers, domains, store numbers, city and state).

The cleaner removes noise but never guesses: when a rule could eat the merchant's own name
(a descriptor that is only "SHELL OIL CA"), it keeps the words. Grouping (`merchants`) copes
with what is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "TRUNCATION_MIN",
    "CleanDescriptor",
    "clean_descriptor",
    "descriptor_key",
    "first_words_agree",
]

# Banks cut long descriptors: a first word of 4+ letters that starts another is taken as its
# truncation ("STARBUC" of "STARBUCKS").
TRUNCATION_MIN = 4


@dataclass(frozen=True)
class CleanDescriptor:
    display: str  # "Blue Bottle Coffee": for people
    key: str  # "blue bottle coffee": lower case, letters, digits and single spaces


# Whole-descriptor aliases for wrappers whose merchant word is itself abbreviated.
_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"^(AMZN|AMAZON)\s*(MKTP|MKTPL|MARKETPLACE|MKTPLACE)\b", "AMAZON MARKETPLACE"),
        (r"^AMZNMKTPLACE\b", "AMAZON MARKETPLACE"),
        (r"^(AMZN|AMAZON)\s*(PRIME|PRIM)\b", "AMAZON PRIME"),
        (r"^(AMZN|AMAZON)\s*(DIGITAL|DIGI)\b", "AMAZON DIGITAL"),
        (r"^AMZN\b", "AMAZON"),
        (r"^FACEBK\b", "FACEBOOK"),
        (r"^MSFT\b", "MICROSOFT"),
        (r"^WM SUPERCENTER\b|^WAL-MART\b|^WALMART\.COM\b", "WALMART"),
        (r"^WHOLEFDS\b", "WHOLE FOODS"),
        (r"^PGANDE\b|^PG ?& ?E\b|^PG AND E\b", "PG&E"),
    )
)

# Whole descriptors that name no merchant but say what happened: a card's payment as the card
# statement prints it ("INTERNET PAYMENT - THANK YOU", "AUTOPAY PAYMENT"), whose cleaned words
# would otherwise read "Internet". Matched after the bank's prefix is gone.
_NAMED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"^(?:INTERNET|ONLINE|MOBILE|ELECTRONIC|AUTOPAY|AUTOMATIC|AUTO|E-?|WEB)?\s*"
         r"(?:PAYMENT|PYMT|PMT)?\s*-?\s*(?:THANK\s*YOU|RECEIVED)\b", "Card Payment"),
        (r"^(?:INTERNET|ONLINE|MOBILE|ELECTRONIC|AUTOPAY|AUTOMATIC|E-?)\s*(?:PAYMENT|PYMT|PMT)$",
         "Card Payment"),
    )
)  # fmt: skip

# Month names (English and German, full and short) and what follows them (a day, a year) are
# when, not who: "PGANDE WEB ONLINE DEC 26", "GEHALT NOVEMBER" and "GEHALT OKTOBER" (one payer).
_LONG_MONTHS = (
    "JANUARY|JANUAR|FEBRUARY|FEBRUAR|MARCH|MAERZ|APRIL|JUNE|JUNI|JULY|JULI|AUGUST|SEPTEMBER"
    "|OCTOBER|OKTOBER|NOVEMBER|DECEMBER|DEZEMBER"
)
_SHORT_MONTHS = "JAN|FEB|MAR|APR|MAY|MAI|JUN|JUL|AUG|SEP|SEPT|OCT|OKT|NOV|DEC|DEZ"
# A long name alone is a month; a short one ("MAY", "MAR") only with a day after it.
_MONTH_DATE = re.compile(
    rf"(?<=\S)\s+(?:(?:{_LONG_MONTHS})\.?(?:\s+\d{{1,4}}\b)*"
    rf"|(?:{_SHORT_MONTHS})\.?(?:\s+\d{{1,4}}\b)+)(?=\s|$)"
)
# "ENDING IN 1234" after a card's name: which card, not who.
_ENDING_IN = re.compile(r"\s+ENDING(?:\s+IN)?\b.*$")
# A payment app's "PAYMENT" between its name and the person: "ZELLE PAYMENT TO SARAH KIM".
_APP_PAYMENT = re.compile(r"^(ZELLE|VENMO|CASH APP|PAYPAL)\s+(?:PAYMENT|PMT|TRANSFER|XFER)\b")
# Words joining the parts of a name, lower case inside it ("Zelle to Sarah Kim").
_JOINING = frozenset({"TO", "FROM", "OF", "FOR", "AND"})

# Bank wrappers before the merchant: "POS DEBIT", "CHECKCARD 0412", "PURCHASE AUTHORIZED ON 04/12".
_BANK_PREFIX = re.compile(
    r"^(?:(?:POS|DEBIT|CARD|VISA|DDA|PURCHASE|PUR|CHECKCARD|CHECK CARD|ACH|RECURRING|PAYMENT"
    r"|PREAUTHORIZED|PRE-AUTHORIZED|ONLINE|ELECTRONIC|WITHDRAWAL|AUTHORIZED|ON|TRANSACTION"
    r"|BILL PAY|BILLPAY)\b[\s:]*|\d{1,2}/\d{1,2}(?:/\d{2,4})?\s+|\d{4}\s+(?=\S))+"
)
# Payment processors and platforms that put their own code before the merchant's name.
_PROCESSOR_PREFIX = re.compile(
    r"^(?:SQ|SQU|SQSP|TST|PP|PAYPAL|SP|DNH|PY|BT|ZSK|IN|EB|IC|GOOGLE|APPLE\.COM/BILL|APLPAY"
    r"|PAYPAL\s+INST\s+XFER)\s*\*+\s*"
)
# Shopify's "SP " has no star: only when a name follows.
_SHOPIFY_PREFIX = re.compile(r"^SP\s+(?=[A-Z0-9])")
# Details a merchant appends after "*" that are not part of its name.
_STAR_DETAIL_WORDS = frozenset({"TRIP", "RIDE", "PENDING", "HOLD", "TEMPORARY", "ORDER", "BILL"})

_PHONE = re.compile(r"\+?\b1?[-. (]*\d{3}\)?[-. ]*\d{3}[-. ]*\d{4}\b|\+\d{8,}")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")
# "#552", "# 552", "STORE 123", "STR #0012", "NO. 12", "LOC 3"
_STORE_NUMBER = re.compile(
    r"(?:\b(?:STORE|STR|STO|NO\.?|LOC|UNIT)\s*)?#\s*\d+\b|\b(?:STORE|STR|NO\.?|LOC)\s*\d+\b"
)
_URL_PREFIX = re.compile(r"\b(?:HTTPS?://)?WWW\.")
_DOMAIN = re.compile(
    r"\b(?:[A-Z0-9-]+\.)*([A-Z0-9-]+)\.(?:COM|NET|ORG|IO|CO|US|APP|AI|XYZ|TV|ME|CO\.UK|DE)\b"
)
_LEGAL_SUFFIX = frozenset(
    {"INC", "LLC", "LTD", "CORP", "CO", "CORPORATION", "LIMITED", "PLC", "GMBH", "AG", "KG"}
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


US_STATES = _words(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC"
)
# First words of two-word city names ("SAN JOSE", "ST LOUIS"): removed with the city.
_CITY_PREFIX = _words(
    "SAN LOS LAS NEW SAINT ST FORT FT EL SANTA PALO SALT NORTH SOUTH EAST WEST PORT LAKE BATON "
    "GRAND CORPUS KANSAS OKLAHOMA JERSEY COLORADO MOUNT MT BEVERLY LONG VIRGINIA PALM DES BOCA "
    "CAPE HIGHLAND CEDAR BOWLING"
)
# Last words of city names ("SALT LAKE CITY", "PALM SPRINGS"): the word before goes too.
_CITY_SUFFIX = _words(
    "CITY SPRINGS BEACH HILLS HEIGHTS FALLS VALLEY ISLAND GROVE RAPIDS PARK LAKE ANGELES "
    "FRANCISCO DIEGO JOSE YORK VEGAS ORLEANS PAUL LOUIS WORTH LAUDERDALE ALTO"
)


_GAP = "|"  # where a code, phone or store number was


def _is_code(token: str) -> bool:
    """A reference, terminal or store code: digits, or letters mixed with digits."""
    bare = token.strip("#*-/.:")
    if not bare:
        return True
    digits = sum(ch.isdigit() for ch in bare)
    if bare.isdigit():
        return len(bare) >= 3
    if bare.isalnum():
        # "2K4LL0", "P38DDC3FD8", "J9JEEZEWUC"; short ones ("3M", "A1") can be names.
        return (digits >= 1 and len(bare) >= 6) or (digits >= 2 and len(bare) >= 4)
    # Hyphenated: "I0123-45" is a code, "7-ELEVEN" (one digit) is a name.
    return digits >= 2 and len(bare) >= 5


def _strip_star_detail(text: str) -> str:
    """ "UBER *TRIP" -> "UBER", "AMAZON PRIME*2K4LL0" -> "AMAZON PRIME", "UBER *EATS" stays."""
    if "*" not in text:
        return text
    head, _, tail = text.partition("*")
    tail_tokens = tail.replace("*", " ").split()
    kept = [t for t in tail_tokens if not _is_code(t) and t not in _STAR_DETAIL_WORDS]
    return " ".join([head.strip(), *kept]).strip()


def _strip_city_state(tokens: list[str]) -> list[str]:
    """Remove a trailing "<CITY> <ST>" while leaving at least one word of the name."""
    tokens = _strip_trailing_noise(tokens)
    if len(tokens) >= 3 and tokens[-1] in US_STATES and tokens[-2] == _GAP:
        # "UBER EATS 31361T CA", "DISNEY PLUS 888-905-7888 CA": a state right after a code or
        # a phone number has no city before it; the words before are the name.
        return _strip_trailing_noise(tokens[:-1])
    if len(tokens) >= 3 and tokens[-1] in _CITY_SUFFIX and tokens[-2] in _CITY_PREFIX:
        return tokens[:-2]  # "FIGMA SAN FRANCISCO": a two-word city without its state
    if len(tokens) < 3 or tokens[-1] not in US_STATES:
        # Two tokens ("SHELL CA") could be a name and a state or a name alone: keep the name.
        if len(tokens) == 2 and tokens[-1] in US_STATES:
            return tokens[:1]
        return tokens
    rest = tokens[:-1]
    dropped = rest.pop()  # the city's last word
    while len(rest) > 1 and (dropped in _CITY_SUFFIX or rest[-1] in _CITY_PREFIX):
        dropped = rest.pop()
    return _strip_trailing_noise(rest)  # "MERRY MAIDS OF <CITY> <ST>"


def _strip_trailing_noise(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and (tokens[-1] in _TRAILING_NOISE or tokens[-1] == _GAP):
        tokens = tokens[:-1]
    return tokens


# Words banks append after the name: "ACH DEBIT PG&E WEB ONLINE", "UBER EATS PENDING".
_TRAILING_NOISE = _words(
    "PENDING WEB ONLINE PPD CCD ID PMT PYMT PAYMENT AUTOPAY AUTO-PAY DEBIT ACH BILL INTERNET "
    "ECOMMERCE E-COMMERCE RECURRING PURCHASE POS US USA OF AT THE AND"
)


def _title(word: str) -> str:
    if "&" in word:
        return word  # "PG&E", "H&M", "AT&T"
    if len(word) <= 2 or (len(word) == 3 and not any(v in word for v in "AEIOUY")):
        # Short words without vowels are initials ("CVS", "BP", "TJ").
        return word
    # "MCDONALD'S" -> "Mcdonald's", "7-ELEVEN" -> "7-Eleven": only a part's first letter is upper.
    return "-".join(part[:1] + part[1:].lower() for part in word.split("-"))


def descriptor_key(name: str) -> str:
    """The comparison key of a cleaned name: lower case, letters and digits, single spaces."""
    text = name.lower().replace("'", "").replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def clean_descriptor(raw: str) -> CleanDescriptor:
    text = " ".join(raw.upper().split())
    # Comma-separated parts after the first are city, domain or country ("OPUS CLIP, PALO ALTO,
    # CA"); the first part is the merchant unless it is only a processor wrapper.
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts:
        text = parts[0]
    text = _BANK_PREFIX.sub("", text).strip()
    for _ in range(2):  # "PAYPAL *SQ *NAME" happens
        text = _PROCESSOR_PREFIX.sub("", text).strip()
    text = _SHOPIFY_PREFIX.sub("", text)
    for pattern, fixed in _NAMED:
        if pattern.search(text):
            return CleanDescriptor(display=fixed, key=descriptor_key(fixed))
    text = _APP_PAYMENT.sub(r"\1", text)
    # A leading "TO"/"FROM" is what is left of "PAYMENT TO CHASE CARD": the card is the name.
    text = re.sub(r"^(?:TO|FROM)\s+(?=\S)", "", text)
    text = _ENDING_IN.sub("", text)
    text = _MONTH_DATE.sub(" ", text)
    # A bank's "JOE S" is "JOE'S" with the apostrophe dropped: "TRADER JOE S" -> "Trader Joe's".
    text = re.sub(r"(?<=[A-Z]{2}) S\b", "'S", text)
    for pattern, name in _ALIASES:
        if pattern.search(text):
            text = name
            break
    # Removed noise leaves a gap marker until the city and state are handled (see there).
    text = _PHONE.sub(f" {_GAP} ", text)
    text = _DATE.sub(" ", text)
    text = _STORE_NUMBER.sub(f" {_GAP} ", text)
    text = _URL_PREFIX.sub("", text)
    # A domain as the first word is the name ("NETFLIX.COM"); later domains are noise
    # ("UBER *TRIP HELP.UBER.COM").
    first_domain = _DOMAIN.match(text)
    if first_domain:
        text = first_domain.group(1) + text[first_domain.end() :]
    text = _DOMAIN.sub(" ", text)
    text = _strip_star_detail(text)
    tokens = [t.strip("*-/.:_'") for t in re.split(r"[\s/_#]+", text)]
    # Codes are noise except as the first word ("76 GAS", "1800FLOWERS").
    tokens = [_GAP if i > 0 and _is_code(t) else t for i, t in enumerate(tokens) if t]
    # City and state first: "CO" is Colorado at the end, a company ("ACME CO") elsewhere.
    tokens = [t for t in _strip_city_state(tokens) if t != _GAP]
    tokens = [t for t in tokens if t not in _LEGAL_SUFFIX] or tokens
    # A city without a state ("NETFLIX.COM LOS GATOS") is left alone: it is indistinguishable
    # from a name word here. Grouping and user merges handle it.
    if not tokens:
        tokens = [t for t in re.split(r"\W+", raw.upper()) if t][:1] or ["UNKNOWN"]
    display = " ".join(
        t.lower() if 0 < i < len(tokens) - 1 and t in _JOINING else _title(t)
        for i, t in enumerate(tokens)
    )
    return CleanDescriptor(display=display, key=descriptor_key(display))


def first_words_agree(a: str, b: str) -> bool:
    """Equal first words, or one a truncation (4+ letters) of the other."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= TRUNCATION_MIN and long.startswith(short)
