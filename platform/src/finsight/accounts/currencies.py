"""Active ISO 4217 currency codes (list One, 2025), for validating what accounts are held in.

Fund codes, precious metals, bond-market units and the testing/no-currency codes (XTS, XXX) are
left out: nobody keeps a bank account in them. Withdrawn codes (HRK, CUC, ZWL, SLL) are left out
too. Python has no such list built in, and a dependency for 150 strings is not worth it.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ISO_4217 = _words(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """
)


def normalize_currency(code: str) -> str:
    """Upper-case `code`; ValueError naming it when it is not an active ISO 4217 code."""
    upper = code.strip().upper()
    if upper not in ISO_4217:
        raise ValueError(
            f"{code.strip()!r} is not a currency code we know: use the three-letter code, such "
            "as USD, EUR or GBP"
        )
    return upper
