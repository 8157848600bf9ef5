"""Unit tests of the analytics pages: their form/API translations, and their templates rendered
with API-shaped data (write forms only for analytics:write, CSRF tokens in every form)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from finsight_web.app import make_templates
from finsight_web.charts import forecast_chart, forecast_rows
from finsight_web.client import ApiError
from finsight_web.pages.insights import (
    category_tables,
    horizon_of,
    pick_series,
    transaction_link,
)
from finsight_web.pages.merchants import merge_body
from finsight_web.pages.review import review_params
from finsight_web.pages.rules import (
    describe,
    errors_of,
    field_name,
    form_values,
    moved,
    rule_body,
)

ACCOUNT = "11111111-1111-1111-1111-111111111111"
MERCHANT = "22222222-2222-2222-2222-222222222222"
CATEGORY = "33333333-3333-3333-3333-333333333333"
CSRF = "csrf-token-of-the-session"

# --- rules: form <-> API ---------------------------------------------------------------------


def test_rule_body_leaves_blank_conditions_out() -> None:
    body = rule_body(
        {
            "name": " Coffee ",
            "description_contains": " blue bottle ",
            "description_regex": "",
            "amount_min": "-20",
            "amount_max": " ",
            "merchant_ids": MERCHANT,
            "account_ids": [ACCOUNT, ""],
            "direction": "expense",
            "category_id": CATEGORY,
            "add_tags": "coffee, treats ,coffee",
            "stop_processing": "true",
            "csrf_token": CSRF,
        }
    )
    assert body == {
        "name": "Coffee",
        "enabled": False,  # an unchecked box is absent from the form
        "stop_processing": True,
        "conditions": {
            "description_contains": "blue bottle",
            "amount_min": "-20",
            "merchant_ids": [MERCHANT],
            "account_ids": [ACCOUNT],
            "direction": "expense",
        },
        "actions": {"category_id": CATEGORY, "add_tags": ["coffee", "treats"]},
    }


def test_rule_body_ignores_an_unknown_direction() -> None:
    assert "direction" not in rule_body({"direction": "sideways"})["conditions"]
    assert rule_body({})["actions"] == {}


def test_form_values_round_trip() -> None:
    rule = {
        "name": "Rent",
        "enabled": True,
        "stop_processing": False,
        "conditions": {"amount_min": "1000.00", "account_ids": [ACCOUNT], "direction": "expense"},
        "actions": {"category_id": CATEGORY, "add_tags": ["home"]},
    }
    values = form_values(rule)
    assert values["amount_min"] == "1000.00" and values["amount_max"] == ""
    assert values["account_ids"] == [ACCOUNT] and values["merchant_ids"] == []
    assert values["add_tags"] == "home"
    form = {k: v for k, v in values.items() if v not in (False, "", [])}
    again = rule_body(form)
    assert again["conditions"] == rule["conditions"] and again["actions"] == rule["actions"]
    assert again["enabled"] and not again["stop_processing"]


@pytest.mark.parametrize(
    ("api_field", "expected"),
    [
        ("conditions.amount_min", "amount_min"),
        ("conditions.merchant_ids.0", "merchant_ids"),
        ("actions.category_id", "category_id"),
        ("body.name", "name"),
        ("conditions", "conditions"),
        ("keys.2", "keys"),
    ],
)
def test_field_name(api_field: str, expected: str) -> None:
    assert field_name(api_field) == expected


def test_errors_of_puts_unknown_fields_on_the_form() -> None:
    error = ApiError(
        422,
        "invalid",
        errors=[
            {"field": "conditions.description_regex", "message": "not a regular expression"},
            {"field": "position", "message": "odd"},
            {"field": None, "message": "ignored"},
        ],
    )
    assert errors_of(error) == {
        "description_regex": "not a regular expression",
        "": "position: odd",
    }
    assert errors_of(ApiError(409, "a rule of that name exists")) == {
        "": "a rule of that name exists"
    }


def test_describe_in_words() -> None:
    names = {"merchants": {MERCHANT: "Blue Bottle"}, "accounts": {ACCOUNT: "Sapphire"}}
    said = describe(
        {
            "conditions": {
                "description_contains": "coffee",
                "merchant_ids": [MERCHANT],
                "amount_min": "20",
                "amount_max": "50",
                "account_ids": [ACCOUNT],
                "direction": "expense",
            }
        },
        names,
    )
    assert said == [
        "description contains “coffee”",
        "merchant is Blue Bottle",
        "amount between 20 and 50",
        "account is Sapphire",
        "money out (expenses)",
    ]
    assert describe({"conditions": {}}, names) == ["every transaction"]
    assert describe({"conditions": {"amount_max": "5"}}, names) == ["amount of at most 5"]
    assert describe({"conditions": {"description_contains": ["uber", "lyft"]}}, names) == [
        "description contains “uber” or “lyft”"
    ]


def test_several_words_contained_are_any_of_them() -> None:
    body = rule_body({"description_contains": "uber, lyft ,"})
    assert body["conditions"]["description_contains"] == ["uber", "lyft"]
    assert form_values(body)["description_contains"] == "uber, lyft"
    assert rule_body({"description_contains": "uber,"})["conditions"] == {
        "description_contains": "uber"
    }


def test_moved() -> None:
    assert moved(["a", "b", "c"], "b", "up") == ["b", "a", "c"]
    assert moved(["a", "b", "c"], "b", "down") == ["a", "c", "b"]
    assert moved(["a", "b", "c"], "a", "up") is None
    assert moved(["a", "b", "c"], "c", "down") is None
    assert moved(["a", "b"], "z", "up") is None


# --- merchants, review, insights helpers --------------------------------------------------------


def test_merge_body() -> None:
    assert merge_body({"source_ids": ["a", "b", "a"], "target_id": "c"}) == (
        {"source_ids": ["a", "b"], "target_id": "c"},
        None,
    )
    # The target may be among the selected: it is not its own source.
    assert merge_body({"source_ids": ["a", "c"], "target_id": "c"})[0] == {
        "source_ids": ["a"],
        "target_id": "c",
    }
    assert merge_body({"source_ids": "c", "target_id": "c"}) == (
        None,
        "Select at least one other merchant to merge into it.",
    )
    assert merge_body({"source_ids": ["a"]})[1] == "Choose the merchant to merge into."


def test_review_params() -> None:
    assert review_params({}) == ({"limit": 50}, "", 50)
    params, reason, limit = review_params(
        {"reason": "low_confidence", "limit": "100", "cursor": "abc"}
    )
    assert params == {"limit": 100, "reason": "low_confidence", "cursor": "abc"}
    assert (reason, limit) == ("low_confidence", 100)
    assert review_params({"reason": "everything", "limit": "7"})[0] == {"limit": 50}


def test_horizon_and_series() -> None:
    assert [horizon_of(v) for v in (None, "1", "2", "3", "4", "x")] == [3, 1, 2, 3, 3, 3]
    forecast = {"series": [{"account_id": "a"}, {"account_id": "b"}]}
    assert pick_series(forecast, "b") == {"account_id": "b"}
    assert pick_series(forecast, None) == {"account_id": "a"}
    assert pick_series(forecast, "gone") == {"account_id": "a"}
    assert pick_series({"series": []}, None) is None and pick_series(None, "a") is None
    # Issue 21, point 20: by default the account with the most history, not the first one.
    month = [{"month": "2026-01-01", "actual": "-10.00"}]
    short = {"account_id": "a", "history": month * 2}
    longest = {"account_id": "b", "history": month * 12}
    assert pick_series({"series": [short, longest]}, None) is longest


def test_category_forecast_tables_per_currency_with_names() -> None:
    point = {"month": "2026-02-01", "point": "10", "lower": "5", "upper": "15"}
    forecast = {
        "series": [
            {"category_id": "g", "currency": "USD", "points": [point]},
            {"category_id": None, "currency": "USD", "points": [point]},
            {"category_id": "g", "currency": "EUR", "points": [point]},
            {"category_id": "gone", "currency": "EUR", "points": [point]},
        ]
    }
    tables = category_tables(forecast, {"g": "Groceries"})
    assert [t["currency"] for t in tables] == ["EUR", "USD"]
    assert [[c["name"] for c in t["categories"]] for t in tables] == [
        ["Groceries", "Other category"],
        ["Groceries", "Uncategorized"],
    ]


def test_transaction_link_lands_on_the_row() -> None:
    link = transaction_link(
        {"transaction_id": "t1", "occurred_on": "2026-03-01", "account_id": ACCOUNT}
    )
    window = "date_from=2026-02-26&date_to=2026-03-04"
    assert link == f"/transactions?{window}&account_id={ACCOUNT}#t-t1"
    assert transaction_link({"transaction_id": None, "occurred_on": "2026-03-01"}) is None


# --- templates ---------------------------------------------------------------------------------

TEMPLATES = make_templates()
CATEGORIES = [
    {"id": CATEGORY, "name": "Coffee", "path": "Food:Coffee", "depth": 1},
]


def me(*permissions: str) -> dict[str, Any]:
    return {
        "email": "a@example.test",
        "full_name": "A",
        "role": "owner",
        "permissions": ["analytics:read", *permissions],
        "memberships": [],
        "organization": {"slug": "acme", "name": "Acme"},
        "features": ["analytics"],
    }


def render(template: str, writer: bool, **values: Any) -> str:
    session = SimpleNamespace(csrf=CSRF)
    permissions = ("analytics:write",) if writer else ()
    return TEMPLATES.env.get_template(template).render(
        me=me(*permissions), session=session, flashes=[], **values
    )


def forms_have_csrf(html: str) -> None:
    for form in re.findall(r'<form method="post".*?</form>', html, flags=re.S):
        assert f'name="csrf_token" value="{CSRF}"' in form, form[:200]


RULE = {
    "id": "r1",
    "name": "Coffee shops",
    "position": 0,
    "enabled": True,
    "stop_processing": True,
    "conditions": {"description_contains": "coffee"},
    "actions": {"category_id": CATEGORY, "add_tags": ["treats"]},
    "described": ["description contains “coffee”"],
}


@pytest.mark.parametrize("writer", [True, False])
def test_rules_list(writer: bool) -> None:
    second = {**RULE, "id": "r2", "name": "Off", "enabled": False, "stop_processing": False}
    html = render(
        "rules.html",
        writer,
        rules=[RULE, second],
        category_paths={CATEGORY: "Food:Coffee"},
        can_write=writer,
    )
    assert "Coffee shops" in html and "Food:Coffee" in html and "treats" in html
    assert ">enabled<" in html and ">disabled<" in html and ">stop<" in html
    assert 'aria-current="page">Rules<' in html
    assert ('href="/rules/new"' in html) is writer
    assert ("/rules/r1/move" in html) is writer and ("/rules/r2/delete" in html) is writer
    if writer:
        forms_have_csrf(html)
        # The first rule cannot move up, nor the last down.
        first, last = html.split('id="r-r2"')
        assert 'value="up"' not in first and 'value="down"' in first
        assert 'value="up"' in last and 'value="down"' not in last


def test_rule_editor_shows_errors_next_to_fields_and_the_preview() -> None:
    values = form_values({**RULE, "conditions": {"description_regex": "(", "amount_min": "x"}})
    html = render(
        "rule_form.html",
        True,
        rule=None,
        values=values,
        errors={"description_regex": "not a regular expression", "": "Check the fields."},
        preview={
            "matched": 7,
            "would_change": 3,
            "preempted": 2,
            "sample": [
                {
                    "transaction_id": "t1",
                    "date": "2026-03-01",
                    "description": "BLUE BOTTLE",
                    "amount": "-4.50",
                    "current_category_id": None,
                    "new_category_id": CATEGORY,
                }
            ],
        },
        directions={"": "Any", "expense": "Out", "income": "In"},
        categories=CATEGORIES,
        accounts=[{"id": ACCOUNT, "name": "Sapphire"}],
        merchants=[{"id": MERCHANT, "name": "Blue Bottle"}],
        category_paths={CATEGORY: "Food:Coffee"},
    )
    forms_have_csrf(html)
    regex_input = re.search(r'<input id="description_regex"[^>]*>', html)
    assert regex_input and 'aria-invalid="true"' in regex_input.group(0)
    assert "description_regex-error" in regex_input.group(0)
    assert '<p class="field-error" id="description_regex-error">not a regular expression' in html
    assert 'id="preview-matched">7<' in html and 'id="preview-changed">3<' in html
    assert 'id="preview-preempted">2<' in html and "Move this rule up" in html
    assert "BLUE BOTTLE" in html and "Food:Coffee" in html
    assert 'formaction="/rules/preview"' in html and 'action="/rules/new"' in html
    assert 'value="x"' in html  # the amount as typed is shown again


REVIEW_ITEM = {
    "id": "t1",
    "transaction_date": "2026-03-01",
    "description": "SQ *BLUE BOTTLE 123",
    "merchant": "Blue Bottle",
    "amount": "-4.50",
    "currency": "USD",
    "account_id": ACCOUNT,
    "category_id": None,
    "suggested_category_id": CATEGORY,
    "confidence": 0.62,
}


@pytest.mark.parametrize("writer", [True, False])
def test_review(writer: bool) -> None:
    html = render(
        "review.html",
        writer,
        error=None,
        items=[REVIEW_ITEM],
        next_cursor="next",
        first_page=True,
        reason="low_confidence",
        reasons={"": "All", "uncategorized": "Uncategorized", "low_confidence": "Unsure"},
        limit=50,
        page_sizes=(50,),
        categories=CATEGORIES,
        category_paths={CATEGORY: "Food:Coffee"},
        account_names={ACCOUNT: "Sapphire"},
        proposals=[
            {"id": "p1", "merchant_name": "Blue Bottle", "category_id": CATEGORY, "support": 4},
            {"id": "p2", "merchant_name": "Peet's", "category_id": CATEGORY, "support": 1},
        ],
        here="/review?reason=low_confidence",
        can_write=writer,
    )
    assert "Food:Coffee" in html and "62% sure" in html and "Blue Bottle" in html
    assert "you did 4 times" in html and "you did once; its other transactions stay" in html
    assert "cursor=next" in html and "reason=low_confidence" in html
    assert ('action="/review/resolve"' in html) is writer
    assert ('action="/review/accept"' in html) is writer
    assert ('action="/review/proposals/p1"' in html) is writer
    assert "Suggested rules" in html
    if writer:
        forms_have_csrf(html)


@pytest.mark.parametrize("writer", [True, False])
def test_merchants(writer: bool) -> None:
    merchant = {
        "id": MERCHANT,
        "name": "Blue Bottle",
        "name_source": "user",
        "keys": ["blue bottle", "blue bottle coffee", "bluebottle", "blue btl"],
        "transactions": 12,
        "last_seen": "2026-03-01",
    }
    html = render(
        "merchants.html",
        writer,
        error=None,
        merchants=[merchant],
        next_cursor=None,
        first_page=False,
        q="blue",
        limit=50,
        page_sizes=(50,),
        here="/merchants?q=blue",
        can_write=writer,
    )
    assert "Blue Bottle" in html and "and 1 more" in html and "Mar 1, 2026" in html
    assert "First page" in html and "Next page" not in html
    assert ('action="/merchants/merge"' in html) is writer
    assert (f'action="/merchants/{MERCHANT}/rename"' in html) is writer
    keys = [{"key": k, "display": k.upper(), "pinned": k == "blue btl"} for k in merchant["keys"]]
    detail = render(
        "merchant.html",
        writer,
        merchant={**merchant, "key_details": keys},
        recent=[{**REVIEW_ITEM, "description": "SQ *BLUE BOTTLE 9"}],
        errors={"keys": "Choose the descriptors."} if writer else {},
        values={"name": "", "keys": ["bluebottle"]},
        can_write=writer,
    )
    assert ('action="/merchants/' + MERCHANT + '/split"' in detail) is writer
    assert "BLUE BTL" in detail and "SQ *BLUE BOTTLE 9" in detail
    assert f"/transactions?merchant_id={MERCHANT}" in detail
    if writer:
        forms_have_csrf(html)
        forms_have_csrf(detail)
        assert 'value="bluebottle" checked' in detail and "Choose the descriptors." in detail
        assert "(placed by a person)" in detail


def insights_values(writer: bool) -> dict[str, Any]:
    history = [{"month": f"2025-{m:02d}-01", "actual": str(50 * m - 200)} for m in range(1, 13)]
    points = [
        {"month": "2026-01-01", "point": "300", "lower": "-100", "upper": "700"},
        {"month": "2026-02-01", "point": "310", "lower": "-150", "upper": "760"},
    ]
    series = {"account_id": ACCOUNT, "currency": "USD", "history": history, "points": points}
    return {
        "enabled": True,
        "expenses": [],
        "income": [],
        "total": "0",
        "currency": "USD",
        "runs": [],
        "accounts": [{"id": ACCOUNT, "name": "Sapphire"}],
        "account_names": {ACCOUNT: "Sapphire"},
        "cadences": {},
        "can_run": writer,
        "months": 2,
        "series": series,
        "chart": forecast_chart(history, points, "USD"),
        "category_forecasts": [
            {
                "currency": "USD",
                "categories": [
                    {
                        "name": "Food:Coffee",
                        "rows": [r for r in forecast_rows([], points) if r.point is not None],
                    }
                ],
            }
        ],
        "anomalies": [
            {
                "id": "a1",
                "kind": "duplicate",
                "merchant": "Blue Bottle",
                "amount": "-4.50",
                "currency": "USD",
                "occurred_on": "2026-03-01",
                "reason": "Charged twice within a day",
                "status": "new",
                "link": "/transactions?x#t-t1",
            }
        ],
        "anomaly_status": "new",
        "anomaly_filters": {"new": "To review", "confirmed": "Confirmed"},
        "anomaly_kinds": {"duplicate": "Possible duplicate"},
        "here": "/insights",
    }


@pytest.mark.parametrize("writer", [True, False])
def test_insights_forecast_and_anomalies(writer: bool) -> None:
    html = render("insights.html", writer, **insights_values(writer))
    assert 'id="forecast-chart"' in html and '<polygon points="' in html
    assert 'class="line-actual"' in html and 'class="line-forecast"' in html
    table = html.split('id="forecast-table"')[1].split("</table>")[0]
    assert "Jan 2026" in table and "$300.00" in table and "\u2212$100.00" in table
    assert table.count("<tr>") == 1 + 14
    spend = html.split('id="category-forecast-usd"')[1].split("</table>")[0]
    assert (
        "Spending in USD" in spend
        and "Food:Coffee" in spend
        and "$310.00" in spend
        and "$760.00" in spend
    )
    assert "Charged twice within a day" in html and 'href="/transactions?x#t-t1"' in html
    assert ('action="/insights/anomalies/a1"' in html) is writer
    assert "Older" not in html  # one page only
    if writer:
        forms_have_csrf(html)
        assert 'value="confirmed"' in html and 'value="dismissed"' in html


def test_insights_anomalies_pages() -> None:
    values = {**insights_values(True), "anomalies_next": "c2", "anomalies_paged": True}
    html = render("insights.html", True, **values)
    pager = html.split('aria-label="Pages of unusual activity"')[1].split("</nav>")[0]
    assert "anomalies_cursor=c2" in pager and f"account_id={ACCOUNT}" in pager
    assert ">Newest<" in pager and "anomalies=new" in pager


def test_insights_without_a_forecast_yet() -> None:
    values = {**insights_values(True), "chart": None, "series": None, "category_forecasts": []}
    html = render("insights.html", True, **values)
    assert "No forecast yet" in html and 'id="category-forecast' not in html


def test_navigation_offers_the_analytics_pages_only_with_analytics_read() -> None:
    html = render("rules.html", False, rules=[], category_paths={}, can_write=False)
    for path in ("/insights", "/review", "/rules", "/merchants"):
        assert f'href="{path}"' in html
    session = SimpleNamespace(csrf=CSRF)
    without = TEMPLATES.env.get_template("base.html").render(
        me={**me(), "permissions": []}, session=session, flashes=[]
    )
    assert 'href="/rules"' not in without and 'href="/review"' not in without
    # Nor when the API runs without analytics (Insights stays: it says analytics is off).
    off = TEMPLATES.env.get_template("base.html").render(
        me={**me(), "features": []}, session=session, flashes=[]
    )
    assert 'href="/rules"' not in off and 'href="/merchants"' not in off
    assert 'href="/insights"' in off
