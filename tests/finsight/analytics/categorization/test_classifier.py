"""The classifier on small hand-made ledgers whose answers are known."""

from decimal import Decimal

import pytest

from finsight.analytics.categorization.classifier import CategoryClassifier, Prediction
from finsight.analytics.categorization.features import (
    Example,
    description_words,
    feature_key,
    normalize_text,
)

COFFEE = ["BEANERY ROASTERS #12", "MORNING BREW ESPRESSO", "BEANERY ROASTERS #98"]
BOOKS = ["PAGE TURNER BOOKS 4411", "READERS NOOK BOOKSHOP", "PAGE TURNER BOOKS 0007"]


def _ledger() -> tuple[list[Example], list[str]]:
    examples = [Example(d, "", Decimal("-4.50")) for d in COFFEE]
    examples += [Example(d, "", Decimal("-24.00")) for d in BOOKS]
    examples += [Example("WIDGETCO PAYROLL PPD", "Widgetco", Decimal("2500.00"))] * 2
    labels = ["Coffee"] * 3 + ["Books"] * 3 + ["Pay"] * 2
    return examples, labels


def _train(seed: int = 0) -> CategoryClassifier:
    examples, labels = _ledger()
    return CategoryClassifier.train(examples, labels, seed=seed, prior=(), calibrate=False)


def test_it_learns_the_labels_it_is_given() -> None:
    model = _train()
    assert set(model.labels) == {"Coffee", "Books", "Pay"}
    predictions = model.predict(
        [
            Example("BEANERY ROASTERS #55", "", -3.75),
            Example("PAGE TURNER BOOKS 9999", "", -12.0),
            Example("WIDGETCO PAYROLL PPD", "Widgetco", 2400.0),
        ],
        threshold=0.0,
    )
    assert [p.label for p in predictions] == ["Coffee", "Books", "Pay"]
    assert all(0.0 < p.confidence <= 1.0 for p in predictions)


def test_it_abstains_on_what_it_never_saw_but_still_suggests() -> None:
    model = _train()
    [familiar, strange] = model.predict(
        [Example("BEANERY ROASTERS #12", "", -4.5), Example("ZQXW 77 KLMN", "", -4.5)],
        threshold=0.6,
    )
    assert familiar.label == "Coffee"
    assert strange.label is None
    assert strange.best in model.labels
    assert strange.confidence < familiar.confidence


def test_the_model_threshold_applies_unless_overridden() -> None:
    model = _train()
    example = [Example("ZQXW 77 KLMN", "", -4.5)]
    [p] = model.predict(example)
    assert (p.label is None) == (p.confidence < model.threshold)
    [forced] = model.predict(example, threshold=0.0)
    assert forced.label == forced.best


def test_repeated_rows_share_one_prediction() -> None:
    model = _train()
    rows = [Example("BEANERY ROASTERS #1", "", -4.5), Example("BEANERY ROASTERS #2", "", -4.9)]
    first, second = model.predict(rows)
    assert first == second  # digits dropped, same amount bucket: the same row to the model


def test_round_trip_through_bytes() -> None:
    model = _train()
    copy = CategoryClassifier.from_bytes(model.to_bytes())
    rows = [Example(d, "", -5.0) for d in COFFEE + BOOKS + ["ZQXW"]]
    assert copy.labels == model.labels and copy.threshold == model.threshold
    for a, b in zip(model.predict(rows), copy.predict(rows), strict=True):
        assert a.label == b.label and a.best == b.best
        assert a.confidence == pytest.approx(b.confidence, abs=1e-5)


def test_training_with_a_seed_is_deterministic() -> None:
    assert _train(seed=3).to_bytes() == _train(seed=3).to_bytes()


def test_corrupt_or_foreign_bytes_are_refused() -> None:
    with pytest.raises(ValueError):
        CategoryClassifier.from_bytes(b"not a model")


def test_one_label_and_bad_input() -> None:
    model = CategoryClassifier.train(
        [Example("A SHOP", "", -1.0)], ["Only"], prior=(), calibrate=False
    )
    assert model.predict([Example("ANYTHING", "", -3.0)]) == [Prediction("Only", 1.0, "Only")]
    with pytest.raises(ValueError):
        CategoryClassifier.train([Example("A", "", -1.0)], [], prior=())
    assert model.predict([]) == []


def test_features_ignore_digits_and_case() -> None:
    assert normalize_text("STARBUCKS #0552, Seattle WA") == "starbucks seattle wa"
    a = feature_key(Example("STARBUCKS #0552", "Starbucks", Decimal("-5.10"), "Food & Drink"))
    b = feature_key(Example("starbucks 1234", "STARBUCKS", -6.0, "food & drink"))
    assert a == b
    assert feature_key(Example("X", "", 5.0)) != feature_key(Example("X", "", -5.0))


def test_places_codes_and_bank_wrappers_are_not_words() -> None:
    # A city or state learnt from one merchant must not vote for the next ("COMCAST CALIFORNIA"
    # is not "SOUTHERN CALIFORNIA EDISON"); a reference code's letters are not words.
    assert description_words("PURCHASE AUTHORIZED ON 04/12 COMCAST CALIFORNIA 555-333-2222") == (
        "comcast"
    )
    assert description_words("SQ *BLUE BOTTLE COFFEE SALT LAKE CITY UT") == "sq blue bottle coffee"
    assert description_words("TOYOTA FIN ONLINE PMT P8HZ3NTK") == "toyota fin online pmt"
    assert description_words("ROVER.COM 555-222-1111 WA") == "rover"
    # Only a leading bank wrapper goes; a name keeps its digits and words that are not places.
    assert description_words("ONLINE TRANSFER TO SAVINGS") == "online transfer to savings"
    assert description_words("7-Eleven", name=True) == "eleven"
    assert description_words("Washington Post", name=True) == "washington post"
    a = feature_key(Example("NETFLIX.COM 866-579-7172 CA", "Netflix", -15.49))
    b = feature_key(Example("NETFLIX.COM LOS ANGELES CA", "Netflix Los Angeles", -15.49))
    assert a == b


def test_a_merchants_rows_pool_their_evidence() -> None:
    model = _train()
    # Alone, the last row reads like a bookshop; its merchant's other rows are all coffee.
    rows = [Example("BEANERY ROASTERS #12", "", -4.5)] * 4 + [Example("PAGE TURNER", "", -4.5)]
    alone = model.predict(rows, threshold=0.0)
    assert alone[-1].best == "Books"
    pooled = model.predict(rows, threshold=0.0, merchants=["beanery"] * 5)
    assert [p.best for p in pooled] == ["Coffee"] * 5
    # No merchant, or another merchant: the row keeps its own evidence.
    apart = model.predict(rows, threshold=0.0, merchants=["beanery"] * 4 + [None])
    assert apart[-1] == alone[-1]
    other = model.predict(rows, threshold=0.0, merchants=["beanery"] * 4 + ["page turner"])
    assert other[-1] == alone[-1]
    # Identical rows of two merchants are told apart by their merchants.
    mixed = model.predict(
        [*rows, Example("PAGE TURNER", "", -4.5), Example("PAGE TURNER BOOKS 1", "", -4.5)],
        threshold=0.0,
        merchants=["beanery"] * 5 + ["page turner"] * 2,
    )
    assert [p.best for p in mixed[-3:]] == ["Coffee", "Books", "Books"]


def test_merchants_must_match_the_examples() -> None:
    with pytest.raises(ValueError):
        _train().predict([Example("A", "", -1.0)], merchants=[])


def test_a_merchants_rows_follow_the_labels_people_gave_its_other_rows() -> None:
    model = _train()
    coffee_rows = [Example("BEANERY ROASTERS #12", "", -4.5)] * 3
    books_row = [Example("PAGE TURNER BOOKS 1", "", -24.0)]
    rows = coffee_rows + books_row
    merchants = ["beanery"] * 3 + ["page turner"]
    # A person filed one Beanery row under Books: its other rows follow, confidently;
    # the other merchant is untouched.
    followed = model.predict(rows, merchants=merchants, known={"beanery": {"Books": 1}})
    assert [p.label for p in followed] == ["Books"] * 4
    assert followed[0].confidence >= 0.7
    unlabelled = model.predict(rows, merchants=merchants)
    assert followed[-1] == unlabelled[-1]
    # People disagreeing about a merchant split its labels; the rows' own evidence decides.
    split = model.predict(rows, merchants=merchants, known={"beanery": {"Books": 1, "Coffee": 1}})
    assert [p.best for p in split[:3]] == ["Coffee"] * 3
    # A category the model never learnt (made after training) is predicted all the same.
    new = model.predict(rows, merchants=merchants, known={"page turner": {"Gifts": 2}})
    assert new[-1].label == "Gifts" and new[0].best == "Coffee"
    # At a large merchant one label is an exception (a gift among the coffee); repeated, a rule.
    many = [Example("BEANERY ROASTERS #12", "", -4.5)] * 60
    once = model.predict(many, merchants=["beanery"] * 60, known={"beanery": {"Books": 1}})
    assert once[0].best == "Coffee"
    often = model.predict(many, merchants=["beanery"] * 60, known={"beanery": {"Books": 6}})
    assert often[0].best == "Books"
    # Labels need merchants to attach to.
    with pytest.raises(ValueError):
        model.predict(rows, known={"beanery": {"Books": 1}})
