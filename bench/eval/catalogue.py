"""The generator's merchants and how banks spell them (noisy descriptors).

A merchant has an identity (the truth grouping is measured against) and descriptor templates.
Placeholders: {store} a store number ("#0552", "STORE 552"), {city} a city and state, {ref} a
reference code, {phone} a phone number. A tenant's merchant gets 1-3 fixed store/city
combinations (people shop at a few branches); codes change with every transaction.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import cache

from solyanka.transaction_patterns import PatternsService  # type: ignore[import-untyped]

# Mostly common cities; a few ("ANN ARBOR", "BOISE") are not in any cleaner's city list.
CITIES = (
    ("SEATTLE", "WA"),
    ("SAN FRANCISCO", "CA"),
    ("AUSTIN", "TX"),
    ("NEW YORK", "NY"),
    ("LOS ANGELES", "CA"),
    ("CHICAGO", "IL"),
    ("DENVER", "CO"),
    ("PORTLAND", "OR"),
    ("SALT LAKE CITY", "UT"),
    ("ST LOUIS", "MO"),
    ("BOSTON", "MA"),
    ("MIAMI", "FL"),
    ("OAKLAND", "CA"),
    ("BROOKLYN", "NY"),
    ("PALO ALTO", "CA"),
    ("ATLANTA", "GA"),
    ("PHOENIX", "AZ"),
    ("ANN ARBOR", "MI"),
    ("BOISE", "ID"),
    ("FORT WORTH", "TX"),
)


@dataclass(frozen=True)
class Merchant:
    identity: str
    templates: tuple[str, ...]


# Habits and everyday spending: distractors for the recurring detector.
COFFEE = (
    Merchant("Starbucks", ("STARBUCKS STORE {store} {city}", "STARBUCKS #{store} {city}")),
    Merchant("Blue Bottle Coffee", ("SQ *BLUE BOTTLE COFFEE {city}", "BLUE BOTTLE COFFEE {city}")),
    Merchant("Peet's Coffee", ("PEET'S #{store} {city}", "PEETS COFFEE {store} {city}")),
)
GROCERIES = (
    Merchant("Whole Foods", ("WHOLE FOODS MKT #{store} {city}", "WHOLEFDS {store} {city}")),
    Merchant("Trader Joe's", ("TRADER JOE S #{store} {city}", "TRADER JOES #{store} {city}")),
    Merchant("Safeway", ("SAFEWAY #{store} {city}", "SAFEWAY STORE {store} {city}")),
    Merchant("Kroger", ("KROGER #{store} {city}", "KROGER {store} {city}")),
)
GAS = (
    Merchant("Shell", ("SHELL OIL {ref} {city}", "SHELL SERVICE STATION {city}")),
    Merchant("Chevron", ("CHEVRON {ref} {city}", "CHEVRON #{store} {city}")),
)
UBER = Merchant("Uber", ("UBER   *TRIP HELP.UBER.COM", "UBER *TRIP {ref} CA"))
UBER_EATS = Merchant("Uber Eats", ("UBER *EATS {ref}", "UBER EATS {ref} CA"))
AMAZON_MARKETPLACE = Merchant(
    "Amazon Marketplace", ("AMZN Mktp US*{ref}", "AMAZON MKTPL*{ref} Amzn.com/bill WA")
)
# Apple's app purchases and its iCloud plan share one descriptor: a stream inside a merchant.
APPLE = Merchant("Apple", ("APPLE.COM/BILL {phone} CA", "APPLE.COM/BILL ITUNES.COM"))

_RESTAURANT_WORDS = (
    "GOLDEN",
    "DRAGON",
    "MAPLE",
    "HARBOR",
    "LUCKY",
    "GREEN",
    "RED",
    "OAK",
    "SUNSET",
    "LITTLE",
    "BLUE",
    "RIVER",
    "STONE",
    "COPPER",
    "SILVER",
    "ROYAL",
)
_RESTAURANT_KINDS = ("TAQUERIA", "BAKERY", "PIZZA", "RAMEN", "DINER", "BISTRO", "GRILL", "CAFE")
_LOCAL_PREFIXES = ("SQ *", "TST* ", "SP ", "PAYPAL *", "")

# Subscriptions and bills: (merchant, cadence, base amount, amount noise, weekend shift).
# Noise: "fixed" price, "bill" ±15%, "usage" ±4%.
SUBSCRIPTIONS = (
    (
        Merchant("Netflix", ("NETFLIX.COM {phone} CA", "Netflix.com Los Gatos CA")),
        "monthly",
        15.49,
        "fixed",
        False,
    ),
    (
        Merchant("Spotify", ("Spotify USA {ref}", "SPOTIFY P{ref} NEW YORK NY")),
        "monthly",
        10.99,
        "fixed",
        False,
    ),
    (
        Merchant("Hulu", ("HULU 877-8244858 CA", "HULU.COM/BILL CA")),
        "monthly",
        7.99,
        "fixed",
        False,
    ),
    (
        Merchant("Disney Plus", ("DISNEY PLUS {phone} CA", "DisneyPLUS 888-9057888 CA")),
        "monthly",
        13.99,
        "fixed",
        False,
    ),
    (
        Merchant("YouTube", ("GOOGLE *YOUTUBE {phone} CA", "Google *youtube g.co/helppay#")),
        "monthly",
        13.99,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Planet Fitness", ("PLANET FITNESS #{store} {city}", "PLANET FIT CLUB FEES {phone}")
        ),
        "monthly",
        24.99,
        "fixed",
        True,
    ),
    (
        Merchant("Comcast", ("COMCAST CABLE COMM {phone} PA", "COMCAST CALIFORNIA {phone}")),
        "monthly",
        89.00,
        "usage",
        True,
    ),
    (
        Merchant("Verizon", ("VERIZON WRLS P{ref}-01 NJ", "VZWRLSS*APOCC VISB {phone} FL")),
        "monthly",
        75.00,
        "usage",
        True,
    ),
    (
        Merchant("Pg&e", ("PGANDE WEB ONLINE {ref}", "PG&E WEB ONLINE {ref}")),
        "monthly",
        120.00,
        "bill",
        True,
    ),
    (
        Merchant("Avalon Apartments", ("ACH DEBIT AVALON APTS {ref}", "AVALON APTS RENT {ref}")),
        "monthly",
        2150.00,
        "fixed",
        True,
    ),
    (
        Merchant("Toyota Financial", ("TOYOTA FINANCIAL SVC {ref}", "TOYOTA FIN ONLINE PMT {ref}")),
        "monthly",
        389.00,
        "fixed",
        True,
    ),
    (
        Merchant("State Farm", ("STATE FARM INSURANCE {phone} IL", "STATE FARM RO 27 {ref} IL")),
        "monthly",
        132.50,
        "fixed",
        True,
    ),
    (
        Merchant("New York Times", ("NYTIMES*NYTDIGITAL {phone} NY", "NYTIMES *NYTIMES.COM NY")),
        "monthly",
        17.00,
        "fixed",
        False,
    ),
    (
        Merchant("Patreon", ("PATREON* MEMBERSHIP {phone} CA", "PATREON* MEMBERSHIP INTERNET CA")),
        "monthly",
        5.00,
        "fixed",
        False,
    ),
    (
        Merchant("Adobe", ("ADOBE *CREATIVE CLOUD {phone} CA", "ADOBE *ADOBE {phone} CA")),
        "monthly",
        54.99,
        "fixed",
        False,
    ),
    (
        Merchant("Water Utility", ("CITY OF AUSTIN UTILITIES {ref}", "AUSTIN WATER UTIL {ref} TX")),
        "quarterly",
        180.00,
        "bill",
        True,
    ),
    (
        Merchant("Terminix", ("TERMINIX {ref} {phone}", "TERMINIX PEST CONTROL {ref}")),
        "quarterly",
        129.00,
        "fixed",
        True,
    ),
    (
        Merchant("Amazon Prime", ("AMAZON PRIME*{ref} AMZN.COM/BILL WA", "Amazon Prime*{ref}")),
        "annual",
        139.00,
        "fixed",
        False,
    ),
    (
        Merchant("Costco", ("COSTCO *ANNUAL RENEWAL {phone} WA", "COSTCO WHSE MEMBERSHIP {phone}")),
        "annual",
        65.00,
        "fixed",
        False,
    ),
    (
        Merchant("Godaddy", ("DNH*GODADDY#{ref} {phone} AZ", "DNH*GODADDY.COM {phone} AZ")),
        "annual",
        21.99,
        "fixed",
        False,
    ),
    (
        Merchant("Aaa", ("AAA MEMBERSHIP {phone} CA", "AAA NCNU MEMBERSHIP {ref}")),
        "annual",
        84.00,
        "fixed",
        False,
    ),
    (
        Merchant("Norton", ("NORTON *AP{ref} {phone} AZ", "NORTONLIFELOCK {ref}")),
        "annual",
        99.99,
        "fixed",
        False,
    ),
    (
        Merchant("Hellofresh", ("HELLOFRESH {phone} NY", "HELLOFRESH.COM {ref} NY")),
        "weekly",
        69.99,
        "usage",
        False,
    ),
    (
        Merchant("Rover", ("ROVER.COM {phone} WA", "ROVER.COM*DOG WALK {ref}")),
        "weekly",
        45.00,
        "fixed",
        False,
    ),
    (
        Merchant("Merry Maids", ("MERRY MAIDS {ref} {city}", "MERRY MAIDS OF {city}")),
        "biweekly",
        160.00,
        "fixed",
        True,
    ),
    (
        Merchant("Bright Horizons", ("BRIGHT HORIZONS {ref}", "BRIGHT HORIZONS TUITION {ref}")),
        "semi_monthly",
        925.00,
        "fixed",
        True,
    ),
)
PAYROLL = (
    (
        Merchant("Acme Corp", ("ACME CORP PAYROLL PPD ID: {ref}", "ACME CORP DIR DEP {ref}")),
        "biweekly",
    ),
    (Merchant("Gusto", ("GUSTO PAY {ref} PPD", "GUSTO DIRECT DEP {ref}")), "semi_monthly"),
)


def store_number(rng: random.Random) -> str:
    return str(rng.randint(100, 29999)).zfill(rng.choice((4, 5)))


def ref_code(rng: random.Random) -> str:
    alphabet = string.ascii_uppercase + string.digits
    code = "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 10)))
    return code if any(ch.isdigit() for ch in code) else code[:-2] + "42"


def phone(rng: random.Random) -> str:
    return f"{rng.randint(200, 989)}-{rng.randint(200, 989)}-{rng.randint(1000, 9999)}"


def city(rng: random.Random) -> str:
    name, state = rng.choice(CITIES)
    return f"{name} {state}"


def local_restaurant(rng: random.Random) -> Merchant:
    name = f"{rng.choice(_RESTAURANT_WORDS)} {rng.choice(_RESTAURANT_WORDS)} "
    name += rng.choice(_RESTAURANT_KINDS)
    prefix = rng.choice(_LOCAL_PREFIXES)
    return Merchant(name.title(), (prefix + name + " {city}", prefix + name + " #{store}"))


@cache
def solyanka_merchants() -> tuple[tuple[Merchant, float, float, int | None], ...]:
    """Plain (untemplated) solyanka descriptors: (merchant, min, max, subscription days).

    Identity is solyanka's prettyTitle: different descriptors of one company share it.
    """
    patterns = PatternsService().get_patterns(country="United States")
    result = []
    for p in patterns:
        plain = isinstance(p.title, str) and "{" not in p.title  # templates need rendering
        usable = p.prettyTitle and p.currency in ("USD", "EUR", "GBP", "")
        if plain and usable and 0 < p.amount_min <= p.amount_max <= 2000:
            merchant = Merchant(p.prettyTitle, (p.title,))
            result.append((merchant, p.amount_min, p.amount_max, p.subscriptionFrequencyDays))
    return tuple(result)


def render(template: str, rng: random.Random, fixed: dict[str, str]) -> str:
    """Fill a template: store and city come from the tenant's branch, codes are fresh."""
    return template.format(
        store=fixed["store"], city=fixed["city"], ref=ref_code(rng), phone=fixed["phone"]
    )
