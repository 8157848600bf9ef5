"""Rules evaluated into alerts: each kind fires on its condition; dedup keeps one alert per
condition; a dismissed condition stays quiet until it changes; a state that goes away clears;
one rule's alerts found together go out as one message per channel."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from finsight.accounts.models import Account
from finsight.alerts.rules import AFTER_ANALYTICS, ON_ROWS
from finsight.analytics.models import AnomalyRecord, RecurringStreamRecord
from finsight.kit.models import utcnow
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.alerting import Alerting
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration


def _set_balance(slug: str, account: uuid.UUID, amount: str) -> None:
    with tenant_session(slug) as session:
        session.execute(
            update(Account).where(Account.id == account).values(current_balance=Decimal(amount))
        )


def test_balance_below_dedup_dismiss_change_and_clear(alerting: Alerting, sender_in_test):
    account = make_account(alerting.slug, name="Checking")
    _set_balance(alerting.slug, account, "50.00")
    rule = alerting.rule("balance_below", {"amount": "100"}, severity="critical")
    hook = alerting.channel("in_app")
    alerting.route([hook], severities=["critical"])

    alerting.evaluate(ON_ROWS)
    alerting.evaluate(ON_ROWS)  # the same condition again: still one alert, told once
    firing = alerting.alerts(state="open")
    assert len(firing) == 1 and firing[0]["rule_id"] == rule["id"]
    assert firing[0]["severity"] == "critical" and "Checking" in firing[0]["title"]
    assert len(alerting.deliveries()) == 1

    # Dismissed by a person: the same condition stays quiet on the next evaluations.
    resolved = alerting.client.post(
        f"/api/alerts/{firing[0]['id']}/resolve", headers=alerting.h
    ).json()
    assert resolved["status"] == "resolved" and resolved["resolution"] == "dismissed"
    assert resolved["resolved_by_email"] == alerting.owner.email
    alerting.evaluate(ON_ROWS)
    assert alerting.alerts(state="open") == []

    # The balance recovers (the condition goes away), then falls again: that is news.
    _set_balance(alerting.slug, account, "500.00")
    alerting.evaluate(ON_ROWS)
    _set_balance(alerting.slug, account, "20.00")
    alerting.evaluate(ON_ROWS)
    # A condition gone and back is found again only if the history says it changed: the
    # dismissed one had the same fingerprint, so it stays dismissed (Sure's insights).
    assert alerting.alerts(state="open") == []

    # A state that clears by itself (not dismissed) fires again when it comes back.
    other = make_account(alerting.slug, name="Savings")
    _set_balance(alerting.slug, other, "10.00")
    alerting.evaluate(ON_ROWS)
    (savings,) = alerting.alerts(state="open")
    _set_balance(alerting.slug, other, "1000.00")
    alerting.evaluate(ON_ROWS)
    cleared = alerting.client.get(f"/api/alerts/{savings['id']}", headers=alerting.h).json()
    assert cleared["status"] == "resolved" and cleared["resolution"] == "cleared"
    assert cleared["resolved_by"] is None
    _set_balance(alerting.slug, other, "5.00")
    alerting.evaluate(ON_ROWS)
    (again,) = alerting.alerts(state="open")
    assert again["id"] != savings["id"] and again["title"] == "Savings: balance 5.00 USD"


def test_transactions_over_grouped_and_once(alerting: Alerting, sender_in_test):
    account = make_account(alerting.slug)
    insert_transactions(alerting.slug, account, [{"day": "2026-11-01", "amount": "-900.00"}])
    rule = alerting.rule("transaction_over", {"amount": "500"})
    hook = alerting.channel("in_app")
    alerting.route([hook])
    # Rows from before the rule are not news; three new large ones are, in one message.
    insert_transactions(
        alerting.slug,
        account,
        [
            {"day": "2026-11-02", "amount": "-600.00"},
            {"day": "2026-11-03", "amount": "-700.00", "description": "TV STORE"},
            {"day": "2026-11-03", "amount": "-800.00"},
            {"day": "2026-11-04", "amount": "-20.00"},
            {"day": "2026-11-04", "amount": "2000.00"},  # income: the rule watches expenses
        ],
    )
    outcomes = alerting.evaluate(ON_ROWS)
    assert len(outcomes[uuid.UUID(rule["id"])].fired) == 3
    (delivery,) = alerting.deliveries()
    assert delivery.payload["data"]["count"] == 3 and len(delivery.alert_ids) == 3
    assert delivery.payload["type"] == "alert.fired"
    # Evaluated again (a redelivered event): nothing new.
    alerting.evaluate(ON_ROWS)
    assert len(alerting.deliveries()) == 1
    assert len(alerting.alerts(rule_id=rule["id"])) == 3


def test_budget_thresholds_and_pace(alerting: Alerting, sender_in_test):
    coffee = next(
        c["id"]
        for c in alerting.client.get("/api/categories", headers=alerting.h).json()
        if c["path"] == "Restaurants > Coffee shops"
    )
    today = utcnow().date()
    month_start = today.replace(day=1)
    alerting.post(
        "/api/budgets", {"category_id": coffee, "amount": "100", "start_month": str(month_start)}
    )
    alerting.rule("budget_percent", {"percent": 80})
    alerting.rule("budget_percent", {"percent": 100})
    account = make_account(alerting.slug)
    insert_transactions(
        alerting.slug,
        account,
        [{"day": month_start, "amount": "-85.00", "category_id": uuid.UUID(coffee)}],
    )
    alerting.evaluate(ON_ROWS)
    titles = [a["title"] for a in alerting.alerts(state="open")]
    assert len(titles) == 1 and "85%" in titles[0]
    insert_transactions(
        alerting.slug,
        account,
        [{"day": month_start, "amount": "-20.00", "category_id": uuid.UUID(coffee)}],
    )
    alerting.evaluate(ON_ROWS)
    assert len(alerting.alerts(state="open")) == 2  # 80% still open, 100% now too

    # Pace, with a clock on the 10th of a month: 105 spent by the 10th is far over.
    pace = alerting.rule("budget_pace")
    tenth = utcnow().replace(day=10, hour=12)
    outcomes = alerting.evaluate(["budget_pace"], now=tenth)
    (fired,) = outcomes[uuid.UUID(pace["id"])].fired
    assert "at this pace" in fired.title
    # In a month's first days pace is noise: nothing.
    second = utcnow().replace(day=2, hour=12)
    assert alerting.evaluate(["budget_pace"], now=second)[uuid.UUID(pace["id"])].fired == []


def test_dismissed_anomaly_stays_quiet_on_the_next_run(alerting: Alerting, sender_in_test):
    account = make_account(alerting.slug)
    (charge,) = insert_transactions(
        alerting.slug, account, [{"day": date.today(), "amount": "-999"}]
    )
    alerting.rule("anomaly", {"min_score": 0.5})

    def analytics_finds(score: float, amount: str) -> None:
        with tenant_session(alerting.slug) as session:
            session.merge(
                AnomalyRecord(
                    id=uuid.UUID(int=charge.int ^ 1),
                    kind="outlier",
                    dedupe_key=f"outlier:{charge}",
                    transaction_id=charge,
                    account_id=account,
                    occurred_on=date.today(),
                    amount=Decimal(amount),
                    currency="USD",
                    score=score,
                    reason=f"A charge of {amount} is unusual",
                )
            )

    analytics_finds(0.9, "-999")
    alerting.evaluate(AFTER_ANALYTICS)
    (alert,) = alerting.alerts(state="open")
    alerting.client.post(f"/api/alerts/{alert['id']}/resolve", headers=alerting.h)
    analytics_finds(0.9, "-999")  # the next run finds the same anomaly
    alerting.evaluate(AFTER_ANALYTICS)
    assert alerting.alerts(state="open") == []
    analytics_finds(0.95, "-1999")  # it changed: fires again
    alerting.evaluate(AFTER_ANALYTICS)
    assert len(alerting.alerts(state="open")) == 1


def test_recurring_rules_from_streams(alerting: Alerting, sender_in_test):
    account = make_account(alerting.slug)
    today = date.today()
    with tenant_session(alerting.slug) as session:
        for merchant, status, first, last_amount, next_date in (
            ("NETFLIX", "mature", today - timedelta(days=400), "-19.99", today + timedelta(days=9)),
            ("GYM", "early", today - timedelta(days=40), "-30.00", today + timedelta(days=20)),
            ("RENT", "missed", today - timedelta(days=300), "-1500", today - timedelta(days=6)),
        ):
            session.add(
                RecurringStreamRecord(
                    account_id=account,
                    merchant=merchant,
                    direction="expense",
                    cadence="monthly",
                    average_amount=Decimal("-15.99")
                    if merchant == "NETFLIX"
                    else Decimal(last_amount),
                    last_amount=Decimal(last_amount),
                    currency="USD",
                    first_date=first,
                    last_date=today - timedelta(days=20),
                    next_date=next_date,
                    status=status,
                    occurrences=3,
                )
            )
    alerting.rule("recurring_new")
    alerting.rule("recurring_price_increase", {"percent": 10})
    alerting.rule("recurring_missed")
    alerting.evaluate(AFTER_ANALYTICS)
    titles = sorted(a["title"] for a in alerting.alerts(state="open"))
    assert titles == [
        "Missed expected payment: RENT",
        "NETFLIX: price up to 19.99 USD",
        "New recurring charge: GYM",
    ]


def test_events_failed_import_and_reauth(alerting: Alerting, sender_in_test):
    alerting.rule("import_failed", severity="warning")
    alerting.rule("bank_reauth", severity="critical")
    alerting.rule("bank_sync_failed")
    batch, item = str(uuid.uuid4()), str(uuid.uuid4())
    failed = {"kind": "import.failed", "subject_id": batch, "data": {"error": "row 3: bad date"}}
    alerting.evaluate(["import_failed"], event=failed)
    alerting.evaluate(["import_failed"], event=failed)  # delivered twice: one alert
    (alert,) = alerting.alerts(state="open")
    assert alert["title"].startswith("Import failed") and alert["body"] == "row 3: bad date"

    def state(value: str) -> None:
        event = {
            "kind": "plaid.item.state_changed",
            "subject_id": item,
            "data": {"state": value, "institution": "Chase"},
        }
        alerting.evaluate(["bank_reauth"], event=event)

    state("login_required")
    reauth = [a for a in alerting.alerts(state="open") if a["severity"] == "critical"]
    assert [a["title"] for a in reauth] == ["Chase needs you to sign in again"]
    state("healthy")  # signed in again: the alert clears, the import one stays
    assert [a["id"] for a in alerting.alerts(state="open")] == [alert["id"]]


def test_uncategorized_pile(alerting: Alerting, sender_in_test):
    account = make_account(alerting.slug)
    alerting.rule("uncategorized", {"count": 3})
    insert_transactions(alerting.slug, account, [{"day": "2026-11-01", "amount": "-1"}] * 2)
    alerting.evaluate(ON_ROWS)
    assert alerting.alerts(state="open") == []
    insert_transactions(alerting.slug, account, [{"day": "2026-11-01", "amount": "-1"}] * 2)
    alerting.evaluate(ON_ROWS)
    (alert,) = alerting.alerts(state="open")
    assert alert["title"] == "4 transactions without a category"
