"""Rules, pure: validation names the offending field; matching; order and stop_processing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from finsight.analytics.categorization.rules import (
    CompiledRule,
    apply_rules,
    merged_tags,
    validate_actions,
    validate_conditions,
)
from finsight.errors import InvalidInput

ACCOUNT = uuid.uuid4()
MERCHANT = uuid.uuid4()
COFFEE, FOOD, FUN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@dataclass
class Row:
    description: str
    amount: Decimal
    merchant_id: uuid.UUID | None = None
    account_id: uuid.UUID = field(default=ACCOUNT)


def rule(conditions: dict, actions: dict, *, stop: bool = False) -> CompiledRule:
    return CompiledRule.of(
        validate_conditions(conditions),
        validate_actions(actions),
        rule_id=uuid.uuid4(),
        stop_processing=stop,
    )


def field_of(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    return str(error.value.errors[0]["field"])


@pytest.mark.parametrize(
    ("conditions", "field_name"),
    [
        ({}, "conditions"),
        ({"description_regex": "(unclosed"}, "conditions.description_regex"),
        ({"description_regex": "a" * 201}, "conditions.description_regex"),
        ({"description_contains": ""}, "conditions.description_contains"),
        ({"description_contains": ["ok", 3]}, "conditions.description_contains"),
        ({"merchant_ids": ["not-a-uuid"]}, "conditions.merchant_ids"),
        ({"account_ids": []}, "conditions.account_ids"),
        ({"amount_min": "-1"}, "conditions.amount_min"),
        ({"amount_min": "abc"}, "conditions.amount_min"),
        ({"amount_min": "10", "amount_max": "5"}, "conditions.amount_max"),
        ({"direction": "sideways"}, "conditions.direction"),
        ({"colour": "red"}, "conditions.colour"),
        ({"description_contains": None}, "conditions"),
    ],
)
def test_invalid_conditions_name_the_field(conditions: dict, field_name: str):
    with pytest.raises(InvalidInput) as error:
        validate_conditions(conditions)
    assert field_of(error) == field_name


@pytest.mark.parametrize(
    ("actions", "field_name"),
    [
        ({}, "actions"),
        ({"add_tags": []}, "actions"),
        ({"category_id": "nope"}, "actions.category_id"),
        ({"add_tags": ["x" * 51]}, "actions.add_tags"),
        ({"rename": "x"}, "actions.rename"),
    ],
)
def test_invalid_actions_name_the_field(actions: dict, field_name: str):
    with pytest.raises(InvalidInput) as error:
        validate_actions(actions)
    assert field_of(error) == field_name


def test_conditions_are_normalized():
    stored = validate_conditions(
        {
            "description_contains": " Coffee ",
            "amount_min": "5.00",
            "amount_max": "12.50",
            "merchant_ids": [str(MERCHANT), str(MERCHANT)],
            "direction": "expense",
        }
    )
    assert validate_conditions({"amount_max": 1e1})["amount_max"] == "10"
    assert stored == {
        "description_contains": ["Coffee"],
        "amount_min": "5",
        "amount_max": "12.50",
        "merchant_ids": [str(MERCHANT)],
        "direction": "expense",
    }
    assert validate_actions({"category_id": str(COFFEE), "add_tags": ["a", "a", "b"]}) == {
        "category_id": str(COFFEE),
        "add_tags": ["a", "b"],
    }


def test_every_present_condition_must_hold():
    r = rule(
        {
            "description_contains": ["coffee", "espresso"],
            "amount_min": "2",
            "amount_max": "10",
            "direction": "expense",
            "account_ids": [str(ACCOUNT)],
        },
        {"category_id": str(COFFEE)},
    )
    assert r.matches(Row("BLUE BOTTLE COFFEE", Decimal("-4.50")))
    assert r.matches(Row("Espresso bar", Decimal("-10")))  # bounds are inclusive
    assert not r.matches(Row("BLUE BOTTLE COFFEE", Decimal("4.50")))  # income
    assert not r.matches(Row("BLUE BOTTLE COFFEE", Decimal("-10.01")))  # above the maximum
    assert not r.matches(Row("BLUE BOTTLE COFFEE", Decimal("-1.99")))  # below the minimum
    assert not r.matches(Row("TEA HOUSE", Decimal("-4.50")))
    assert not r.matches(Row("BLUE BOTTLE COFFEE", Decimal("-4.50"), account_id=uuid.uuid4()))


def test_regex_is_case_insensitive_and_merchant_must_match():
    r = rule(
        {"description_regex": r"^sq \*\w+", "merchant_ids": [str(MERCHANT)]},
        {"add_tags": ["square"]},
    )
    assert r.matches(Row("SQ *BLUE BOTTLE", Decimal("-3"), merchant_id=MERCHANT))
    assert not r.matches(Row("SQ *BLUE BOTTLE", Decimal("-3"), merchant_id=uuid.uuid4()))
    assert not r.matches(Row("SQ *BLUE BOTTLE", Decimal("-3"), merchant_id=None))
    assert not r.matches(Row("PAYPAL SQ *X", Decimal("-3"), merchant_id=MERCHANT))
    income = rule({"direction": "income"}, {"add_tags": ["in"]})
    assert not income.matches(Row("ZERO", Decimal("0")))


def test_first_category_wins_tags_accumulate_and_stop_processing_ends_the_walk():
    coffee = rule({"description_contains": "coffee"}, {"category_id": str(COFFEE)})
    food = rule(
        {"description_contains": "coffee"}, {"category_id": str(FOOD), "add_tags": ["food"]}
    )
    stopper = rule({"amount_min": "100"}, {"add_tags": ["big"]}, stop=True)
    fun = rule({"description_contains": "coffee"}, {"category_id": str(FUN), "add_tags": ["x"]})

    small = apply_rules([coffee, food, stopper, fun], Row("COFFEE", Decimal("-4")))
    assert small is not None
    assert (small.category_id, small.rule_id, small.tags) == (COFFEE, coffee.id, ("food", "x"))
    assert small.matched == (coffee.id, food.id, fun.id)

    # The stopper matches the big one: nothing after it applies; what came before stands.
    big = apply_rules([stopper, coffee, food, fun], Row("COFFEE", Decimal("-150")))
    assert big is not None
    assert (big.category_id, big.rule_id, big.tags) == (None, None, ("big",))
    reordered = apply_rules([food, coffee, stopper, fun], Row("COFFEE", Decimal("-150")))
    assert reordered is not None and reordered.category_id == FOOD
    assert reordered.tags == ("food", "big")

    assert apply_rules([coffee, food], Row("TEA", Decimal("-4"))) is None


def test_exact_in_sql_only_without_regex_or_non_ascii_text():
    assert rule({"description_contains": "coffee"}, {"add_tags": ["a"]}).exact_in_sql
    assert not rule({"description_contains": "café"}, {"add_tags": ["a"]}).exact_in_sql
    assert not rule({"description_regex": "x"}, {"add_tags": ["a"]}).exact_in_sql


def test_merged_tags_keep_order_without_duplicates():
    assert merged_tags(["b", "a"], ["a", "c"]) == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [(r"(a)\1", "backreferences"), (r"coffee(?=shop)", "lookaround"), (r"(?<!x)y", "lookaround")],
)
def test_patterns_re2_cannot_run_are_refused_saying_why(pattern: str, reason: str):
    with pytest.raises(InvalidInput) as error:
        validate_conditions({"description_regex": pattern})
    assert field_of(error) == "conditions.description_regex"
    assert "RE2" in error.value.detail and reason in error.value.detail


def test_catastrophic_backtracking_pattern_runs_in_linear_time():
    """`^(a+)+$` backtracks exponentially in Python's `re`: 40 characters take hours. On RE2
    a 100,000-character description is one pass (the suite's timeout would stop a backtracker)."""
    evil = rule({"description_regex": r"^(a+)+$"}, {"add_tags": ["x"]})
    assert not evil.matches(Row("a" * 100_000 + "!", Decimal("-1")))
    assert evil.matches(Row("a" * 100_000, Decimal("-1")))
