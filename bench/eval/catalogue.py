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
    # Truth: a seed-category path ("Restaurants/Coffee shops", "Income/Salary").
    category: str = ""


# Habits and everyday spending: distractors for the recurring detector.
COFFEE = (
    Merchant(
        "Starbucks",
        ("STARBUCKS STORE {store} {city}", "STARBUCKS #{store} {city}"),
        "Restaurants/Coffee shops",
    ),
    Merchant(
        "Blue Bottle Coffee",
        ("SQ *BLUE BOTTLE COFFEE {city}", "BLUE BOTTLE COFFEE {city}"),
        "Restaurants/Coffee shops",
    ),
    Merchant(
        "Peet's Coffee",
        ("PEET'S #{store} {city}", "PEETS COFFEE {store} {city}"),
        "Restaurants/Coffee shops",
    ),
)
GROCERIES = (
    Merchant(
        "Whole Foods", ("WHOLE FOODS MKT #{store} {city}", "WHOLEFDS {store} {city}"), "Groceries"
    ),
    Merchant(
        "Trader Joe's", ("TRADER JOE S #{store} {city}", "TRADER JOES #{store} {city}"), "Groceries"
    ),
    Merchant("Safeway", ("SAFEWAY #{store} {city}", "SAFEWAY STORE {store} {city}"), "Groceries"),
    Merchant("Kroger", ("KROGER #{store} {city}", "KROGER {store} {city}"), "Groceries"),
)
GAS = (
    Merchant("Shell", ("SHELL OIL {ref} {city}", "SHELL SERVICE STATION {city}"), "Transport/Fuel"),
    Merchant("Chevron", ("CHEVRON {ref} {city}", "CHEVRON #{store} {city}"), "Transport/Fuel"),
)
UBER = Merchant(
    "Uber", ("UBER   *TRIP HELP.UBER.COM", "UBER *TRIP {ref} CA"), "Transport/Rideshare"
)
UBER_EATS = Merchant("Uber Eats", ("UBER *EATS {ref}", "UBER EATS {ref} CA"), "Restaurants")
AMAZON_MARKETPLACE = Merchant(
    "Amazon Marketplace", ("AMZN Mktp US*{ref}", "AMAZON MKTPL*{ref} Amzn.com/bill WA"), "Shopping"
)
# Apple's app purchases and its iCloud plan share one descriptor: a stream inside a merchant.
APPLE = Merchant(
    "Apple", ("APPLE.COM/BILL {phone} CA", "APPLE.COM/BILL ITUNES.COM"), "Subscriptions/Software"
)

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
        Merchant(
            "Netflix",
            ("NETFLIX.COM {phone} CA", "Netflix.com Los Gatos CA"),
            "Subscriptions/Streaming",
        ),
        "monthly",
        15.49,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Spotify",
            ("Spotify USA {ref}", "SPOTIFY P{ref} NEW YORK NY"),
            "Subscriptions/Streaming",
        ),
        "monthly",
        10.99,
        "fixed",
        False,
    ),
    (
        Merchant("Hulu", ("HULU 877-8244858 CA", "HULU.COM/BILL CA"), "Subscriptions/Streaming"),
        "monthly",
        7.99,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Disney Plus",
            ("DISNEY PLUS {phone} CA", "DisneyPLUS 888-9057888 CA"),
            "Subscriptions/Streaming",
        ),
        "monthly",
        13.99,
        "fixed",
        False,
    ),
    (
        Merchant(
            "YouTube",
            ("GOOGLE *YOUTUBE {phone} CA", "Google *youtube g.co/helppay#"),
            "Subscriptions/Streaming",
        ),
        "monthly",
        13.99,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Planet Fitness",
            ("PLANET FITNESS #{store} {city}", "PLANET FIT CLUB FEES {phone}"),
            "Personal care",
        ),
        "monthly",
        24.99,
        "fixed",
        True,
    ),
    (
        Merchant(
            "Comcast",
            ("COMCAST CABLE COMM {phone} PA", "COMCAST CALIFORNIA {phone}"),
            "Utilities/Internet",
        ),
        "monthly",
        89.00,
        "usage",
        True,
    ),
    (
        Merchant(
            "Verizon",
            ("VERIZON WRLS P{ref}-01 NJ", "VZWRLSS*APOCC VISB {phone} FL"),
            "Utilities/Phone",
        ),
        "monthly",
        75.00,
        "usage",
        True,
    ),
    (
        Merchant(
            "Pg&e", ("PGANDE WEB ONLINE {ref}", "PG&E WEB ONLINE {ref}"), "Utilities/Electricity"
        ),
        "monthly",
        120.00,
        "bill",
        True,
    ),
    (
        Merchant(
            "Avalon Apartments",
            ("ACH DEBIT AVALON APTS {ref}", "AVALON APTS RENT {ref}"),
            "Housing/Rent",
        ),
        "monthly",
        2150.00,
        "fixed",
        True,
    ),
    (
        Merchant(
            "Toyota Financial",
            ("TOYOTA FINANCIAL SVC {ref}", "TOYOTA FIN ONLINE PMT {ref}"),
            "Transport",
        ),
        "monthly",
        389.00,
        "fixed",
        True,
    ),
    (
        Merchant(
            "State Farm",
            ("STATE FARM INSURANCE {phone} IL", "STATE FARM RO 27 {ref} IL"),
            "Housing/Home insurance",
        ),
        "monthly",
        132.50,
        "fixed",
        True,
    ),
    (
        Merchant(
            "New York Times",
            ("NYTIMES*NYTDIGITAL {phone} NY", "NYTIMES *NYTIMES.COM NY"),
            "Subscriptions/Streaming",
        ),
        "monthly",
        17.00,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Patreon",
            ("PATREON* MEMBERSHIP {phone} CA", "PATREON* MEMBERSHIP INTERNET CA"),
            "Entertainment",
        ),
        "monthly",
        5.00,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Adobe",
            ("ADOBE *CREATIVE CLOUD {phone} CA", "ADOBE *ADOBE {phone} CA"),
            "Subscriptions/Software",
        ),
        "monthly",
        54.99,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Water Utility",
            ("CITY OF AUSTIN UTILITIES {ref}", "AUSTIN WATER UTIL {ref} TX"),
            "Utilities/Water",
        ),
        "quarterly",
        180.00,
        "bill",
        True,
    ),
    (
        Merchant(
            "Terminix",
            ("TERMINIX {ref} {phone}", "TERMINIX PEST CONTROL {ref}"),
            "Housing/Home maintenance",
        ),
        "quarterly",
        129.00,
        "fixed",
        True,
    ),
    (
        Merchant(
            "Amazon Prime",
            ("AMAZON PRIME*{ref} AMZN.COM/BILL WA", "Amazon Prime*{ref}"),
            "Subscriptions/Streaming",
        ),
        "annual",
        139.00,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Costco",
            ("COSTCO *ANNUAL RENEWAL {phone} WA", "COSTCO WHSE MEMBERSHIP {phone}"),
            "Shopping",
        ),
        "annual",
        65.00,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Godaddy",
            ("DNH*GODADDY#{ref} {phone} AZ", "DNH*GODADDY.COM {phone} AZ"),
            "Subscriptions/Software",
        ),
        "annual",
        21.99,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Aaa",
            ("AAA MEMBERSHIP {phone} CA", "AAA NCNU MEMBERSHIP {ref}"),
            "Transport/Car maintenance",
        ),
        "annual",
        84.00,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Norton",
            ("NORTON *AP{ref} {phone} AZ", "NORTONLIFELOCK {ref}"),
            "Subscriptions/Software",
        ),
        "annual",
        99.99,
        "fixed",
        False,
    ),
    (
        Merchant("Hellofresh", ("HELLOFRESH {phone} NY", "HELLOFRESH.COM {ref} NY"), "Groceries"),
        "weekly",
        69.99,
        "usage",
        False,
    ),
    (
        Merchant("Rover", ("ROVER.COM {phone} WA", "ROVER.COM*DOG WALK {ref}"), "Personal care"),
        "weekly",
        45.00,
        "fixed",
        False,
    ),
    (
        Merchant(
            "Merry Maids",
            ("MERRY MAIDS {ref} {city}", "MERRY MAIDS OF {city}"),
            "Housing/Home maintenance",
        ),
        "biweekly",
        160.00,
        "fixed",
        True,
    ),
    (
        Merchant(
            "Bright Horizons",
            ("BRIGHT HORIZONS {ref}", "BRIGHT HORIZONS TUITION {ref}"),
            "Education",
        ),
        "semi_monthly",
        925.00,
        "fixed",
        True,
    ),
)
PAYROLL = (
    (
        Merchant(
            "Acme Corp",
            ("ACME CORP PAYROLL PPD ID: {ref}", "ACME CORP DIR DEP {ref}"),
            "Income/Salary",
        ),
        "biweekly",
    ),
    (
        Merchant("Gusto", ("GUSTO PAY {ref} PPD", "GUSTO DIRECT DEP {ref}"), "Income/Salary"),
        "semi_monthly",
    ),
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
    # The category follows from the name, so drawing it takes nothing from the tenant's rng.
    kind = name.rsplit(" ", 1)[-1]
    category = "Restaurants/Coffee shops" if kind in ("CAFE", "BAKERY") else "Restaurants"
    return Merchant(
        name.title(), (prefix + name + " {city}", prefix + name + " #{store}"), category
    )


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
            merchant = Merchant(p.prettyTitle, (p.title,), solyanka_category(p.title, p.types))
            result.append((merchant, p.amount_min, p.amount_max, p.subscriptionFrequencyDays))
    return tuple(result)


# Solyanka's pattern types onto seed categories: the first rule whose types all occur wins.
_SOLYANKA_TYPES: tuple[tuple[frozenset[str], str], ...] = tuple(
    (frozenset(types.split()), category)
    for types, category in (
        ("aviation", "Travel/Airfare"),
        ("airline", "Travel/Airfare"),
        ("hotel", "Travel/Lodging"),
        ("housing traveling", "Travel/Lodging"),
        ("housing", "Travel/Lodging"),
        ("ride_hailing", "Transport/Rideshare"),
        ("taxi", "Transport/Rideshare"),
        ("rideshare", "Transport/Rideshare"),
        ("micromobility", "Transport/Rideshare"),
        ("car_rental", "Travel"),
        ("fuel", "Transport/Fuel"),
        ("car_wash", "Transport/Car maintenance"),
        ("fast_food", "Restaurants/Fast food"),
        ("restaurant", "Restaurants"),
        ("groceries", "Groceries"),
        ("clothing", "Shopping/Clothing"),
        ("computer", "Shopping/Electronics"),
        ("optical", "Healthcare"),
        ("sports shopping", "Shopping"),
        ("telecom", "Utilities/Phone"),
        ("telecommunication", "Utilities/Phone"),
        ("communication", "Utilities/Phone"),
        ("communications", "Utilities/Phone"),
        ("government", "Taxes"),
        ("cryptocurrency", "Transfers/Account transfer"),
        ("trading", "Transfers/Account transfer"),
        ("wallet", "Transfers/Account transfer"),
        ("gaming", "Entertainment"),
        ("subscription entertainment", "Subscriptions/Streaming"),
        ("subscription adult_entertainment", "Subscriptions/Streaming"),
        ("entertainment", "Entertainment"),
        ("software", "Subscriptions/Software"),
        ("vpn", "Subscriptions/Software"),
        ("internet subscription", "Subscriptions/Software"),
        ("design", "Subscriptions/Software"),
        ("application", "Subscriptions/Software"),
        ("digital_goods", "Subscriptions/Software"),
        ("travel", "Travel"),
        ("traveling", "Travel"),
        ("booking", "Travel"),
        ("shopping", "Shopping"),
        ("vape", "Shopping"),
        ("services financial", "Taxes"),
        ("subscription", "Subscriptions/Software"),
        ("services", "Shopping"),
        ("online_services", "Subscriptions/Software"),
        ("online_payment", "Shopping"),
    )
)
# A few descriptors say more than their types: PayPal passes on whom it paid. The rest are
# truth fixes where solyanka's (partly machine-written) types give a label no person would, or
# give one company two labels: an Amazon order says nothing of what was bought and Amazon is
# Shopping everywhere else (solyanka types two of its patterns "clothing"); an eSIM data plan is a
# phone plan like Airalo and Holafly; Onward Ticket sells the same travel service as
# Getonwardticket; "Of, London" is the "Of London" adult subscription; Google Play purchases are
# app purchases like Apple's and solyanka's other two Google Play patterns; Namecheap is a
# domain registrar like GoDaddy; pdfFiller is PDF software; solyanka types "Pfa*fboom" twice,
# once shopping and once entertainment: one label (Shopping, its fallback) for one descriptor.
_SOLYANKA_TITLES = {
    "Paypal *uber Br": "Transport/Rideshare",
    "Paypal *netflix.": "Subscriptions/Streaming",
    "Amazon.es Amazon.es LUXEMBOURG": "Shopping",
    "Amazon.de Amazon.de LUXEMBOURG": "Shopping",
    "eSIM data plan, London": "Utilities/Phone",
    "Onward Ticket, Internet": "Travel",
    "Of, London, 7LT": "Subscriptions/Streaming",
    "Google*Play": "Subscriptions/Software",
    "Name-cheap.com* 2unedi": "Subscriptions/Software",
    "Paypal *pdffille": "Subscriptions/Software",
    "Pfa*fboom": "Shopping",
    "Expattaxthailand": "Taxes",
    "Www.siam-legal.com, Bangkok": "Shopping",
    "Paypal *ufc": "Subscriptions/Streaming",
    "Google*Youtube": "Subscriptions/Streaming",
    "Zoom Communications, Inc. NY": "Subscriptions/Software",
    "Telegram Premium, Online, 8HH": "Subscriptions/Software",
    "Idemia Tsa Prechec Brentwood TN": "Travel",
}


def solyanka_category(title: str, types: list[str] | None) -> str:
    if title in _SOLYANKA_TITLES:
        return _SOLYANKA_TITLES[title]
    present = set(types or ())
    for needed, category in _SOLYANKA_TYPES:
        if needed <= present:
            return category
    return "Shopping"


def render(template: str, rng: random.Random, fixed: dict[str, str]) -> str:
    """Fill a template: store and city come from the tenant's branch, codes are fresh."""
    return template.format(
        store=fixed["store"], city=fixed["city"], ref=ref_code(rng), phone=fixed["phone"]
    )


# How each card issuer files our categories (the longest matching path prefix wins); a
# category the issuer has no word for (income, transfers) gets no bank category at all.
BANK_VOCABULARIES: dict[str, dict[str, str]] = {
    "chase": {
        "Groceries": "Groceries",
        "Restaurants": "Food & Drink",
        "Transport": "Automotive",
        "Transport/Fuel": "Gas",
        "Transport/Rideshare": "Travel",
        "Shopping": "Shopping",
        "Travel": "Travel",
        "Utilities": "Bills & Utilities",
        "Housing": "Home",
        "Housing/Home insurance": "Bills & Utilities",
        "Subscriptions/Streaming": "Entertainment",
        "Subscriptions/Software": "Shopping",
        "Entertainment": "Entertainment",
        "Healthcare": "Health & Wellness",
        "Personal care": "Personal",
        "Education": "Education",
        "Taxes": "Professional Services",
    },
    "discover": {
        "Groceries": "Supermarkets",
        "Restaurants": "Restaurants",
        "Transport": "Automotive",
        "Transport/Fuel": "Gasoline",
        "Transport/Rideshare": "Travel/ Entertainment",
        "Shopping": "Merchandise",
        "Travel": "Travel/ Entertainment",
        "Entertainment": "Travel/ Entertainment",
        "Utilities": "Services",
        "Housing": "Services",
        "Housing/Home maintenance": "Home Improvement",
        "Subscriptions": "Services",
        "Healthcare": "Medical Services",
        "Personal care": "Services",
        "Education": "Education",
        "Taxes": "Government Services",
    },
    "capital_one": {
        "Groceries": "Grocery",
        "Restaurants": "Dining",
        "Transport": "Gas/Automotive",
        "Transport/Rideshare": "Other Travel",
        "Shopping": "Merchandise",
        "Travel": "Other Travel",
        "Travel/Airfare": "Airfare",
        "Travel/Lodging": "Lodging",
        "Utilities": "Utilities",
        "Utilities/Phone": "Phone/Cable",
        "Utilities/Internet": "Internet",
        "Housing": "Other Services",
        "Housing/Home insurance": "Insurance",
        "Subscriptions/Streaming": "Entertainment",
        "Subscriptions/Software": "Other Services",
        "Entertainment": "Entertainment",
        "Healthcare": "Health Care",
        "Personal care": "Other Services",
        "Education": "Other Services",
        "Taxes": "Other Services",
    },
}

# Merchant category codes a merchant of each category is registered under (one per merchant).
MCC_BY_CATEGORY: dict[str, tuple[int, ...]] = {
    "Groceries": (5411, 5411, 5499, 5300),
    "Restaurants": (5812, 5812, 5813, 5814),
    "Restaurants/Coffee shops": (5814, 5812, 5499),
    "Restaurants/Fast food": (5814,),
    "Transport": (5511, 6141),
    "Transport/Fuel": (5541, 5542),
    "Transport/Rideshare": (4121,),
    "Transport/Car maintenance": (7538, 7542, 8699),
    "Shopping": (5399, 5311, 5942, 5999, 5300),
    "Shopping/Clothing": (5651, 5691, 5699),
    "Shopping/Electronics": (5732, 5045),
    "Travel": (4722, 4789, 7512),
    "Travel/Airfare": (4511, 3008, 3034),
    "Travel/Lodging": (7011, 3501),
    "Utilities/Electricity": (4900,),
    "Utilities/Water": (4900,),
    "Utilities/Internet": (4899, 4816),
    "Utilities/Phone": (4814, 4812),
    "Housing/Rent": (6513,),
    "Housing/Home insurance": (6300,),
    "Housing/Home maintenance": (7342, 7349, 1520),
    "Subscriptions/Streaming": (4899, 5815, 5968),
    "Subscriptions/Software": (5734, 5817, 5818, 7372),
    "Entertainment": (7832, 7922, 5816, 7999),
    "Healthcare": (8099, 8043, 5912),
    "Personal care": (7997, 7298, 7230),
    "Education": (8351, 8299, 8211),
    "Taxes": (9311, 9399),
    "Transfers/Account transfer": (6051, 6211),
}


def bank_category_of(bank: str, category: str) -> str | None:
    vocabulary = BANK_VOCABULARIES[bank]
    path = category
    while path:
        if path in vocabulary:
            return vocabulary[path]
        path = path.rpartition("/")[0]
    return None


def mcc_choices(category: str) -> tuple[int, ...]:
    return MCC_BY_CATEGORY.get(category, ())
