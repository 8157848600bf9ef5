"""The bootstrap model knows the obvious without any tenant label."""

import importlib.util
from pathlib import Path

from finsight.analytics.categorization.bootstrap import (
    SEED_PATHS,
    bootstrap_classifier,
    corpus,
    mcc_category,
)
from finsight.analytics.categorization.classifier import CategoryClassifier
from finsight.analytics.categorization.features import Example

MIGRATION = Path(__file__).parents[4] / "migrations/tenant/versions/0001_tenant_initial.py"


def test_seed_paths_follow_the_default_category_tree() -> None:
    spec = importlib.util.spec_from_file_location("tenant_0001", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = [
        path
        for name, _kind, children in module.DEFAULT_CATEGORIES
        for path in (name, *(f"{name}/{child}" for child in children))
    ]
    assert list(SEED_PATHS) == expected


def test_bootstrap_knows_coffee_pay_and_fuel() -> None:
    model = bootstrap_classifier()
    assert set(model.labels) <= set(SEED_PATHS)
    coffee, pay, fuel = model.predict(
        [
            Example("STARBUCKS STORE 123", "Starbucks", -5.25),
            Example("NORTHWIND TRADERS PAYROLL PPD ID: 9981", "Northwind Traders", 3120.55),
            Example("SOMEPLACE 0042 TULSA OK", "", -41.0, None, 5542),
        ]
    )
    assert coffee.label == "Restaurants/Coffee shops"
    assert pay.label == "Income/Salary"
    assert fuel.label == "Transport/Fuel"


def test_bootstrap_abstains_on_gibberish() -> None:
    [p] = bootstrap_classifier().predict([Example("QXZV KLMW", "", -17.0)])
    assert p.label is None and p.best in SEED_PATHS


def test_mccs_map_from_iso18245_descriptions() -> None:
    assert mcc_category(5411) == "Groceries"
    assert mcc_category(5812) == "Restaurants"
    assert mcc_category(5814) == "Restaurants/Fast food"
    assert mcc_category(3010) == "Travel/Airfare"  # an airline's own code
    assert mcc_category(7011) == "Travel/Lodging"
    # "Computer Programming, Data Processing": how software subscriptions bill, not a shop.
    assert mcc_category(7372) == "Subscriptions/Software"
    assert mcc_category(5816) == "Entertainment"  # digital games


def test_corpus_labels_are_seed_paths_and_a_tenant_model_keeps_them() -> None:
    assert {label for _, label in corpus()} <= set(SEED_PATHS)
    # A tenant that labelled two rows still gets every category, from the prior.
    model = CategoryClassifier.train(
        [Example("BEANERY ROASTERS", "", -4.0), Example("WIDGETCO PAYROLL", "", 2000.0)],
        ["Restaurants/Coffee shops", "Income/Salary"],
    )
    assert len(model.labels) > 20
    [fuel] = model.predict([Example("CHEVRON 0206 PLANO TX", "Chevron", -40.0)])
    assert fuel.best == "Transport/Fuel"


def test_chain_codes_are_learnt_from_their_names_and_size_alone_says_little() -> None:
    # An airline's or hotel chain's own code comes with its name, never as a bare code row:
    # hundreds of bare rows made "a large payment" mean Lodging.
    bare = {e.mcc for e, _ in corpus() if e.mcc is not None and not e.description}
    assert 3010 not in bare and 3501 not in bare
    assert 5411 in bare  # a generic code still stands alone
    model = bootstrap_classifier()
    airline, hotel = model.predict(
        [Example("", "", -420.0, None, 3010), Example("", "", -310.0, None, 3501)], threshold=0.0
    )
    assert airline.label == "Travel/Airfare"
    assert hotel.label == "Travel/Lodging"
