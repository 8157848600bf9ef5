"""Hand-written knowledge for the bootstrap model: words and well-known US brands per seed
category, and the typical size of a payment in each.

Written from general knowledge of US bank statements, not from the evaluation generator; where
the two name the same big brand (a Starbucks is a Starbucks) the evaluation reports how many of
its merchants this list names and scores the merchants it does not name separately. The car
makers, auto lenders and insurers were added after the evaluation showed the list had none (it
missed the generator's Toyota Financial and State Farm): they are the US market's names, about
fifty, of which the generator uses those two.
"""

from __future__ import annotations

# category path -> (typical amount low, high, sign: -1 money out / +1 money in)
AMOUNTS: dict[str, tuple[float, float, int]] = {
    "Income": (50, 3000, 1),
    "Income/Salary": (900, 6000, 1),
    "Income/Interest": (0.05, 80, 1),
    "Income/Refunds": (5, 300, 1),
    "Income/Other income": (20, 800, 1),
    "Housing/Rent": (700, 3500, -1),
    "Housing/Mortgage": (800, 4000, -1),
    "Housing/Home maintenance": (15, 600, -1),
    "Housing/Home insurance": (20, 250, -1),
    "Groceries": (8, 250, -1),
    "Restaurants": (12, 120, -1),
    "Restaurants/Coffee shops": (2.5, 15, -1),
    "Restaurants/Fast food": (5, 35, -1),
    "Restaurants/Bars": (10, 90, -1),
    "Transport": (20, 500, -1),
    "Transport/Fuel": (15, 90, -1),
    "Transport/Public transit": (2, 130, -1),
    "Transport/Rideshare": (6, 60, -1),
    "Transport/Parking": (3, 40, -1),
    "Transport/Car maintenance": (25, 900, -1),
    "Utilities/Electricity": (40, 300, -1),
    "Utilities/Gas": (25, 200, -1),
    "Utilities/Water": (30, 200, -1),
    "Utilities/Internet": (40, 130, -1),
    "Utilities/Phone": (30, 150, -1),
    "Subscriptions/Streaming": (5, 25, -1),
    "Subscriptions/Software": (1, 60, -1),
    "Healthcare/Pharmacy": (5, 120, -1),
    "Healthcare/Doctor": (20, 400, -1),
    "Healthcare/Health insurance": (100, 700, -1),
    "Shopping": (5, 300, -1),
    "Shopping/Clothing": (15, 200, -1),
    "Shopping/Electronics": (20, 1200, -1),
    "Shopping/Household": (10, 400, -1),
    "Entertainment": (8, 150, -1),
    "Travel": (20, 900, -1),
    "Travel/Airfare": (80, 1200, -1),
    "Travel/Lodging": (80, 900, -1),
    "Education": (30, 2000, -1),
    "Personal care": (10, 120, -1),
    "Gifts and donations": (10, 300, -1),
    "Taxes": (50, 5000, -1),
    "Fees/Bank fees": (2, 40, -1),
    "Fees/Interest charged": (3, 150, -1),
    "Transfers/Credit card payment": (50, 3000, -1),
    "Transfers/Account transfer": (20, 3000, -1),
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "Income/Salary": (
        "payroll", "direct deposit", "dir dep", "salary", "paycheck", "adp payroll",
        "paychex", "intuit payroll", "payroll ppd", "reg salary", "wages", "employer payroll",
        "trinet payroll", "justworks payroll", "rippling payroll", "workday payroll",
    ),
    "Income/Interest": (
        "interest paid", "interest payment", "int earned", "interest earned", "dividend",
        "savings interest", "monthly interest",
    ),
    "Income/Refunds": ("refund", "return credit", "merchandise return", "reversal", "chargeback"),
    "Income/Other income": (
        "zelle from", "venmo cashout", "mobile deposit", "cash deposit", "cashback reward",
        "rebate", "irs treas tax ref", "paypal transfer in", "atm deposit",
    ),
    "Housing/Rent": (
        "rent", "apartments", "apts", "property management", "leasing office", "rentcafe",
        "appfolio", "realpage", "yardi", "residences", "landlord", "rent payment",
    ),
    "Housing/Mortgage": (
        "mortgage", "home loan", "rocket mortgage", "mr cooper", "loan servicing",
        "home mtg", "mortgage pmt", "pennymac", "freedom mortgage",
    ),
    "Housing/Home maintenance": (
        "home depot", "lowes", "ace hardware", "true value", "menards", "plumbing",
        "pest control", "orkin", "exterminating", "cleaning service", "maids", "handyman",
        "lawn care", "landscaping", "hvac", "electric service co", "roofing", "locksmith",
        "taskrabbit", "angi", "carpet cleaning", "house cleaning",
    ),
    "Housing/Home insurance": (
        "homeowners insurance", "renters insurance", "lemonade insurance", "allstate",
        "hippo insurance", "homesite", "assurant", "farmers insurance", "liberty mutual",
        "insurance premium", "travelers insurance", "usaa insurance",
        "insurance", "insurance co", "ins prem", "mutual insurance", "insurance company",
        "state farm", "nationwide", "american family", "erie insurance", "the hartford",
        "chubb", "amica", "safeco", "mercury insurance", "auto owners", "farm bureau",
    ),
    "Groceries": (
        "grocery", "supermarket", "market", "foods", "safeway", "kroger", "albertsons",
        "publix", "aldi", "wegmans", "heb", "food lion", "giant eagle", "stop & shop",
        "sprouts farmers", "meijer", "winco", "hy vee", "ralphs", "vons", "fred meyer",
        "smart & final", "grocery outlet", "instacart", "whole foods", "trader joe",
        "wholefds", "fresh market", "harris teeter", "shoprite", "food mart", "blue apron",
        "hellofresh", "costco whse", "sams club",
    ),
    "Restaurants": (
        "restaurant", "grill", "bistro", "diner", "kitchen", "taqueria", "trattoria",
        "steakhouse", "sushi", "ramen", "thai", "pho", "bbq", "brasserie", "eatery",
        "doordash", "grubhub", "uber eats", "postmates", "olive garden", "cheesecake factory",
        "applebees", "chilis", "pizzeria", "noodle", "cantina", "tavern grill",
    ),
    "Restaurants/Coffee shops": (
        "coffee", "cafe", "espresso", "starbucks", "dunkin", "peets", "blue bottle",
        "philz", "dutch bros", "tim hortons", "caribou coffee", "coffee bean", "roasters",
        "tea house", "boba", "bakery", "donut", "la colombe", "intelligentsia",
    ),
    "Restaurants/Fast food": (
        "mcdonalds", "burger king", "wendys", "taco bell", "chipotle", "subway", "kfc",
        "chick fil a", "popeyes", "five guys", "in n out", "shake shack", "jack in the box",
        "sonic drive in", "panda express", "dominos", "pizza hut", "papa johns", "arbys",
        "qdoba", "wingstop", "jimmy johns", "panera", "fast food", "drive thru",
    ),
    "Restaurants/Bars": (
        "bar", "pub", "tavern", "brewery", "brewing", "taproom", "saloon", "lounge",
        "cocktail", "wine bar", "beer garden", "nightclub",
    ),
    # The car payment: lenders, the makers' finance arms (a statement says "HONDA FINANCIAL",
    # "FORD CREDIT", often just the make) and insurers that sell car cover only.
    "Transport": (
        "auto loan", "car payment", "motors finance", "ally auto", "vehicle loan",
        "auto finance", "motor credit", "motor acceptance", "car loan", "auto lease",
        "financial", "auto financial", "vehicle finance", "auto pmt", "loan pmt",
        "toyota financial", "lexus", "honda financial", "acura", "nissan", "infiniti",
        "hyundai", "kia", "subaru", "mazda", "ford credit", "gm financial", "chevrolet", "buick",
        "cadillac", "chrysler capital", "jeep", "tesla", "bmw financial", "mercedes benz",
        "audi", "vw credit", "volvo", "santander consumer", "westlake financial",
        "exeter finance", "carmax auto", "carvana", "credit acceptance", "bridgecrest",
        "geico", "progressive ins", "esurance", "root insurance", "dairyland",
        "auto insurance", "car insurance",
    ),
    "Transport/Fuel": (
        "shell", "chevron", "exxon", "exxonmobil", "mobil", "bp", "arco", "valero",
        "sunoco", "76", "marathon petro", "speedway", "circle k", "wawa", "sheetz",
        "quiktrip", "racetrac", "gas station", "fuel", "citgo", "phillips", "texaco",
        "kwik trip", "casey's",
    ),
    "Transport/Public transit": (
        "mta", "bart", "clipper", "metro", "transit", "amtrak", "caltrain", "septa",
        "wmata", "ventra", "orca", "metrocard", "path train", "ferry",
    ),
    "Transport/Rideshare": (
        "uber trip", "uber", "lyft", "lyft ride", "taxi", "cab", "via rideshare", "lime",
        "bird scooter", "curb mobility", "limo",
    ),
    "Transport/Parking": (
        "parking", "parkmobile", "spothero", "paybyphone", "garage", "meter", "laz parking",
        "impark", "toll", "fastrak", "e zpass", "sunpass",
    ),
    "Transport/Car maintenance": (
        "jiffy lube", "valvoline", "firestone", "pep boys", "autozone", "oreilly auto",
        "advance auto", "midas", "meineke", "discount tire", "car wash", "auto repair",
        "body shop", "tire", "smog check", "dmv", "aaa", "auto parts", "napa auto",
    ),
    "Utilities/Electricity": (
        "electric", "power", "energy", "pg&e", "pgande", "con edison", "duke energy",
        "southern california edison", "xcel energy", "dominion energy", "fpl", "entergy",
        "georgia power", "national grid", "dte energy", "comed",
    ),
    "Utilities/Gas": ("gas company", "socalgas", "nicor gas", "natural gas", "piedmont gas"),
    "Utilities/Water": (
        "water", "water utility", "water dept", "sewer", "utilities", "water district",
        "public utilities", "city of", "municipal",
    ),
    "Utilities/Internet": (
        "comcast", "xfinity", "spectrum", "cox communications", "att internet",
        "verizon fios", "frontier", "centurylink", "google fiber", "starlink", "optimum",
        "broadband", "internet", "cable",
    ),
    "Utilities/Phone": (
        "verizon wireless", "verizon", "vzwrlss", "at&t", "att", "t mobile", "tmobile",
        "sprint", "mint mobile", "cricket wireless", "metro by t mobile", "boost mobile",
        "visible", "google fi", "wireless", "mobile",
        "wrls", "cellular", "esim", "data plan", "prepaid wireless", "tracfone",
        "straight talk", "consumer cellular",
    ),
    "Subscriptions/Streaming": (
        "netflix", "hulu", "disney plus", "disneyplus", "hbo max", "max", "spotify",
        "youtube", "youtube premium", "paramount plus", "peacock", "apple music", "pandora",
        "siriusxm", "audible", "prime video", "amazon prime", "crunchyroll", "tidal",
        "sling tv", "fubotv", "nytimes", "wsj", "washington post", "substack",
    ),
    "Subscriptions/Software": (
        "adobe", "microsoft", "msft", "office 365", "dropbox", "google storage",
        "google one", "icloud", "apple com bill", "itunes", "github", "openai", "chatgpt",
        "notion", "slack", "zoom", "canva", "godaddy", "squarespace", "wix", "norton",
        "mcafee", "1password", "lastpass", "nordvpn", "expressvpn", "figma", "grammarly",
        "software", "app store", "google play", "saas", "jetbrains", "atlassian",
        "cloud", "vpn", "apps", "domains", "hosting", "web services",
    ),
    "Healthcare/Pharmacy": (
        "cvs", "walgreens", "rite aid", "pharmacy", "drugstore", "duane reade", "rx",
        "express scripts", "optum rx",
    ),
    "Healthcare/Doctor": (
        "medical", "clinic", "hospital", "dental", "dentist", "orthodontics", "pediatrics",
        "urgent care", "physician", "md", "health center", "kaiser", "labcorp",
        "quest diagnostics", "optometry", "vision center", "dermatology", "therapy",
    ),
    "Healthcare/Health insurance": (
        "health insurance", "blue cross", "bcbs", "aetna", "cigna", "united healthcare",
        "humana", "anthem", "kaiser permanente premium", "health plan",
    ),
    "Shopping": (
        "amazon", "amzn", "amazon marketplace", "target", "walmart", "ebay", "etsy",
        "costco", "dollar tree", "dollar general", "five below", "tj maxx", "marshalls",
        "ross stores", "big lots", "kohls", "macys", "nordstrom", "barnes & noble",
        "michaels", "hobby lobby", "dicks sporting", "rei", "aliexpress", "temu", "shein",
        "wish", "store", "shop", "paypal", "outlet",
    ),
    "Shopping/Clothing": (
        "old navy", "gap", "h&m", "zara", "uniqlo", "nike", "adidas", "foot locker",
        "lululemon", "banana republic", "j crew", "forever", "urban outfitters",
        "american eagle", "apparel", "boutique", "shoes", "clothing", "hugo boss",
    ),
    "Shopping/Electronics": (
        "best buy", "apple store", "micro center", "newegg", "b&h photo", "gamestop",
        "electronics", "computer", "dell", "samsung", "bose",
    ),
    "Shopping/Household": (
        "bed bath", "ikea", "wayfair", "crate & barrel", "pottery barn", "container store",
        "home goods", "homegoods", "williams sonoma", "furniture", "mattress",
    ),
    "Entertainment": (
        "amc theatres", "regal cinemas", "cinemark", "cinema", "theatre", "ticketmaster",
        "stubhub", "eventbrite", "live nation", "steam", "playstation", "xbox", "nintendo",
        "bowling", "museum", "concert", "golf", "arcade", "patreon", "twitch", "fandango",
        "zoo", "escape room", "games",
    ),
    "Travel": (
        "expedia", "booking com", "priceline", "travelocity", "kayak", "hertz", "avis",
        "enterprise rent", "budget rent", "national car", "turo", "greyhound", "trip com",
        "cruise", "travel", "tours", "viator", "orbitz",
    ),
    "Travel/Airfare": (
        "airlines", "airline", "air", "airways", "delta air", "united airlines",
        "american airlines", "southwest", "jetblue", "alaska air", "spirit airl",
        "frontier airlines", "ryanair", "lufthansa", "british airways", "air canada",
        "emirates", "flight",
    ),
    "Travel/Lodging": (
        "hotel", "marriott", "hilton", "hyatt", "holiday inn", "airbnb", "vrbo",
        "best western", "motel", "inn", "resort", "agoda", "hostel", "sheraton", "westin",
        "hampton inn", "lodge", "hotels", "suites", "lodging",
    ),
    "Education": (
        "tuition", "university", "college", "school", "academy", "coursera", "udemy",
        "khan", "student", "learning", "montessori", "child care", "daycare", "preschool",
        "kindercare", "tutoring",
    ),
    "Personal care": (
        "salon", "barber", "spa", "nails", "massage", "sephora", "ulta", "great clips",
        "supercuts", "beauty", "fitness", "gym", "planet fitness", "24 hour fitness",
        "la fitness", "equinox", "orangetheory", "yoga", "pilates", "crossfit", "dry cleaning",
        "laundromat", "pet grooming", "petco", "petsmart", "dog walking", "wag",
        "pet", "pet care", "pet sitting", "dog walker", "vet", "veterinary", "groomer",
    ),
    "Gifts and donations": (
        "donation", "charity", "foundation", "red cross", "unicef", "gofundme", "church",
        "united way", "salvation army", "goodwill donation", "1 800 flowers", "florist",
        "gift", "wikimedia",
    ),
    "Taxes": (
        "irs", "us treasury", "tax payment", "franchise tax", "dept of revenue",
        "state tax", "property tax", "county tax", "turbotax", "h&r block", "dmv fees",
        "tax", "taxes", "treasury",
    ),
    "Fees/Bank fees": (
        "monthly service fee", "overdraft fee", "atm fee", "wire fee", "foreign transaction fee",
        "maintenance fee", "nsf fee", "service charge", "late fee",
    ),
    "Fees/Interest charged": (
        "interest charge", "purchase interest", "finance charge", "interest charged",
        "cash advance interest",
    ),
    "Transfers/Credit card payment": (
        "payment thank you", "autopay", "credit card payment", "card payment",
        "chase card", "amex epayment", "discover payment", "capital one payment",
        "citi autopay", "applecard gsbank",
    ),
    "Transfers/Account transfer": (
        "transfer to", "transfer from", "online transfer", "zelle to", "venmo",
        "cash app", "wire transfer", "coinbase", "robinhood", "vanguard", "fidelity",
        "schwab", "savings transfer", "brokerage", "crypto", "kraken", "wise",
    ),
}  # fmt: skip
