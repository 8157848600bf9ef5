"""Merchant names from real-looking card and bank descriptors (no servers)."""

from __future__ import annotations

import pytest

from finsight.transactions.merchants import clean_description, normalize_merchant


@pytest.mark.parametrize(
    ("descriptor", "merchant"),
    [
        ("SQ *BLUE BOTTLE COFFEE Oakland CA", "Blue Bottle Coffee"),
        ("TST* SWEETGREEN - FLATIRON NEW YORK NY", "Sweetgreen"),
        ("PP*APPLE.COM/BILL 866-712-7753 CA", "Apple.com"),
        ("PAYPAL *NETFLIX 4029357733 CA", "Netflix"),
        ("AMZN Mktp US*2K4LL0", "AMZN MKTP"),
        ("AMAZON.COM*2K4LL0 AMZN.COM/BILL WA", "Amazon.com"),
        ("STARBUCKS STORE 12345 SEATTLE WA", "Starbucks"),
        ("WHOLEFDS MKT #10234 SEATTLE WA", "Wholefds MKT"),
        ("SHELL OIL 57442659803 HOUSTON TX", "Shell Oil"),
        ("TARGET        00012345", "Target"),
        ("CHIPOTLE 1234 NEW YORK NY", "Chipotle"),
        ("MCDONALD'S F12345 SALT LAKE CITY UT", "Mcdonald's"),
        ("CVS/PHARMACY #01234", "CVS/Pharmacy"),
        ("7-ELEVEN 12345", "7-Eleven"),
        ("UBER *TRIP HELP.UBER.COM CA", "Uber Trip"),
        ("GOOGLE *YouTube TV g.co/helppay#CA", "Youtube TV"),
        ("COSTCO WHSE #0001 SAN FRANCISCO CA", "Costco Whse"),
        ("H&M 0123 NEW YORK NY", "H&M"),
        ("PURCHASE AUTHORIZED ON 01/05 SAFEWAY #1234 SAN JOSE CA S123456789 CARD 1234", "Safeway"),
        ("ORIG CO NAME:ACME PAYROLL ORIG ID:123456 DESC DATE:0105", "Acme Payroll"),
        ("ONLINE TRANSFER TO SAV ...1234 TRANSACTION#: 9876543210 01/05", "Online Transfer To Sav"),
        ("ZELLE PAYMENT TO JOHN SMITH 1234567890", "Zelle Payment To John Smith"),
        ("365 MARKET 1234", "365 Market"),
        ("Payment Thank You-Mobile", "Payment Thank You-Mobile"),
        ("NETFLIX.COM", "Netflix.com"),
        ("SPOTIFY USA", "Spotify USA"),
    ],
)
def test_normalize_merchant(descriptor: str, merchant: str):
    assert normalize_merchant(descriptor) == merchant


@pytest.mark.parametrize("descriptor", ["", "   ", "123456", "#1234", "*** 0001"])
def test_nothing_left_is_none(descriptor: str):
    assert normalize_merchant(descriptor) is None


def test_results_are_cached():
    normalize_merchant.cache_clear()
    for _ in range(3):
        normalize_merchant("SQ *RITUAL COFFEE SAN FRANCISCO CA")
    assert normalize_merchant.cache_info().hits == 2


def test_clean_description():
    assert clean_description("  SQ *BLUE   BOTTLE\tCOFFEE\n ") == "SQ *BLUE BOTTLE COFFEE"
    assert clean_description("NUL\x00 BYTE") == "NUL BYTE"
    assert clean_description("") == ""
