"""The merchants step on a real tenant schema: keys, grouping, incremental placement, and a
person's rename, merge and split surviving a full rerun."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from finsight.analytics.merchant_edits import (
    get_merchant,
    merge_merchants,
    rename_merchant,
    split_merchant,
)
from finsight.analytics.models import AnalyticsRun, Merchant, MerchantKey, RecurringStreamRecord
from finsight.analytics.service import run_recurring
from finsight.analytics.steps import RunScope
from finsight.errors import InvalidInput
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org
from support.ledger import insert_transactions
from support.merchants import (
    ACTOR,
    make_batch,
    merchant_ids,
    merchants,
    org_id,
    row_merchants,
    run_step,
)

pytestmark = pytest.mark.integration

DESCRIPTORS = [
    "SQ *BLUE BOTTLE COFFEE #552 OAKLAND CA",
    "BLUE BOTTLE COFFEE 1234 SAN FRANCISCO CA",
    "BLUE BOTTLE COFFE",  # the bank cut it short
    "NETFLIX.COM",
    "UBER *TRIP HELP.UBER.COM",
    "UBER EATS",
    "TARGET 00012345",
    "TARGUS",
]


def _ledger(slug: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    create_org(slug)
    account = make_account(slug)
    rows = [
        {"day": date(2025, 1, 1) + timedelta(days=i), "amount": "-5.00", "description": d}
        for i, d in enumerate(DESCRIPTORS)
    ]
    # A merchant a person typed wins over the descriptor; an importer's merchant is cleaned.
    rows.append(
        {
            "day": "2025-02-01",
            "amount": "-3.00",
            "description": "SQ *JOES 88812",
            "merchant": "  Corner   Cafe ",
            "user_fields": ["merchant"],
        }
    )
    rows.append(
        {"day": "2025-02-02", "amount": "-9.00", "description": "X", "merchant": "NETFLIX.COM"}
    )
    return account, insert_transactions(slug, account, rows)


def test_a_full_run_keys_every_row_and_groups_keys_into_merchants(test_env, unique_slug):
    _, ids = _ledger(unique_slug)
    counts = run_step(unique_slug)
    assert counts["keyed"] == len(ids) and counts["assigned"] == len(ids)
    assert merchants(unique_slug) == {
        "Blue Bottle Coffee": ["blue bottle coffe", "blue bottle coffee"],
        "Netflix": ["netflix"],
        "Uber": ["uber"],
        "Uber Eats": ["uber eats"],
        "Target": ["target"],
        "Targus": ["targus"],
        "Corner Cafe": ["corner cafe"],
    }
    rows = row_merchants(unique_slug)
    assert rows[ids[2]] == ("blue bottle coffe", "Blue Bottle Coffee")
    assert rows[ids[-2]] == ("corner cafe", "Corner Cafe")
    assert rows[ids[-1]] == ("netflix", "Netflix")
    assert counts["merchants"] == 7 and counts["new_merchants"] == 7

    # Idempotent: a second run finds nothing to change.
    again = run_step(unique_slug)
    assert (again["keyed"], again["assigned"], again["new_keys"], again["moved_keys"]) == (
        0,
        0,
        0,
        0,
    )
    assert again["merchants"] == 7 and again["deleted_merchants"] == 0


def test_an_import_run_attaches_a_new_spelling_to_the_known_merchant(test_env, unique_slug):
    account, _ = _ledger(unique_slug)
    run_step(unique_slug)
    before = merchant_ids(unique_slug)
    batch = make_batch(unique_slug, account)
    new_rows = insert_transactions(
        unique_slug,
        account,
        [
            {
                "day": "2025-03-01",
                "amount": "-4",
                "description": "BLUE BOTTLE COFF",
                "import_batch_id": batch,
            },
            {
                "day": "2025-03-02",
                "amount": "-8",
                "description": "WHOLE FOODS MARKET 10234",
                "import_batch_id": batch,
            },
            {
                "day": "2025-03-03",
                "amount": "-8",
                "description": "NETFLIX.COM",
                "import_batch_id": batch,
            },
        ],
    )
    # A row outside the batch is not the incremental run's business.
    outside = insert_transactions(
        unique_slug, account, [{"day": "2025-03-04", "amount": "-1", "description": "TARGET"}]
    )
    counts = run_step(unique_slug, batch)
    assert (counts["keyed"], counts["new_keys"], counts["new_merchants"]) == (3, 2, 1)
    rows = row_merchants(unique_slug)
    assert rows[new_rows[0]] == ("blue bottle coff", "Blue Bottle Coffee")
    assert rows[new_rows[1]] == ("whole foods market", "Whole Foods Market")
    assert rows[new_rows[2]] == ("netflix", "Netflix")
    assert rows[outside[0]] == (None, None)
    after = merchant_ids(unique_slug)
    assert after["Blue Bottle Coffee"] == before["Blue Bottle Coffee"]
    assert merchants(unique_slug)["Blue Bottle Coffee"] == [
        "blue bottle coff",
        "blue bottle coffe",
        "blue bottle coffee",
    ]
    # The full run after it agrees with where the incremental run put things.
    full = run_step(unique_slug)
    assert (full["keyed"], full["moved_keys"], full["new_merchants"]) == (1, 0, 0)
    assert row_merchants(unique_slug)[outside[0]] == ("target", "Target")


def test_rename_merge_and_split_stick_across_a_full_rerun(test_env, unique_slug):
    _, ids = _ledger(unique_slug)
    run_step(unique_slug)
    org = org_id(unique_slug)
    named = merchant_ids(unique_slug)
    with tenant_session(unique_slug) as session:
        rename_merchant(session, named["Netflix"], " Films  ", org_id=org, actor=ACTOR)
        merged = merge_merchants(
            session, [named["Uber Eats"]], named["Uber"], org_id=org, actor=ACTOR
        )
        assert merged.keys == ["uber", "uber eats"] and merged.transactions == 2
        split = split_merchant(
            session,
            named["Blue Bottle Coffee"],
            ["blue bottle coffe"],
            "Blue Bottle Kiosk",
            org_id=org,
            actor=ACTOR,
        )
        assert split.keys == ["blue bottle coffe"] and split.name_source == "user"
        assert split.key_details[0].pinned and split.transactions == 1
    expected = {
        "Blue Bottle Coffee": ["blue bottle coffee"],
        "Blue Bottle Kiosk": ["blue bottle coffe"],
        "Films": ["netflix"],
        "Uber": ["uber", "uber eats"],
        "Target": ["target"],
        "Targus": ["targus"],
        "Corner Cafe": ["corner cafe"],
    }
    assert merchants(unique_slug) == expected
    counts = run_step(unique_slug)
    assert (counts["moved_keys"], counts["new_merchants"], counts["assigned"]) == (0, 0, 0)
    assert merchants(unique_slug) == expected
    rows = row_merchants(unique_slug)
    assert rows[ids[2]][1] == "Blue Bottle Kiosk" and rows[ids[5]][1] == "Uber"
    assert rows[ids[3]][1] == "Films" and rows[ids[-1]][1] == "Films"
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(Merchant)) == 7
        pinned = session.scalars(select(MerchantKey.key).where(MerchantKey.pinned)).all()
        assert sorted(pinned) == ["blue bottle coffe", "uber eats"]
        assert get_merchant(session, named["Netflix"]).name_source == "user"


def test_edits_refuse_bad_input_naming_the_field(test_env, unique_slug):
    _ledger(unique_slug)
    run_step(unique_slug)
    org = org_id(unique_slug)
    named = merchant_ids(unique_slug)
    blue, uber = named["Blue Bottle Coffee"], named["Uber"]
    cases = [
        (lambda s: merge_merchants(s, [uber], uber, org_id=org, actor=ACTOR), "source_ids"),
        (lambda s: merge_merchants(s, [uuid.uuid4()], uber, org_id=org, actor=ACTOR), "source_ids"),
        (lambda s: merge_merchants(s, [blue], uuid.uuid4(), org_id=org, actor=ACTOR), "target_id"),
        (lambda s: split_merchant(s, blue, ["uber"], None, org_id=org, actor=ACTOR), "keys"),
        (
            lambda s: split_merchant(
                s, blue, ["blue bottle coffe", "blue bottle coffee"], None, org_id=org, actor=ACTOR
            ),
            "keys",
        ),
        (lambda s: rename_merchant(s, blue, "   ", org_id=org, actor=ACTOR), "name"),
    ]
    for call, field in cases:
        with tenant_session(unique_slug) as session, pytest.raises(InvalidInput) as raised:
            call(session)
        assert [e["field"] for e in raised.value.errors] == [field]
    assert merchant_ids(unique_slug) == named  # nothing changed


def test_recurring_streams_carry_the_merged_and_renamed_merchant(test_env, unique_slug):
    create_org(unique_slug)
    account = make_account(unique_slug)
    # One subscription under two descriptors grouping keeps apart ("spotify" is a word short
    # of "spotify premium"): eight months under one, seven under the other.
    months = [date(2024, 1, 15) + timedelta(days=30 * i) for i in range(15)]
    rows = [
        {"day": d, "amount": "-11.99", "description": "SPOTIFY" if i < 8 else "SPOTIFY PREMIUM"}
        for i, d in enumerate(months)
    ]
    insert_transactions(unique_slug, account, rows)
    run_step(unique_slug)
    named = merchant_ids(unique_slug)
    org = org_id(unique_slug)
    with tenant_session(unique_slug) as session:
        merge_merchants(
            session, [named["Spotify Premium"]], named["Spotify"], org_id=org, actor=ACTOR
        )
        rename_merchant(session, named["Spotify"], "Music", org_id=org, actor=ACTOR)
    with tenant_session(unique_slug) as session:
        run = AnalyticsRun(kind="recurring", status="running")
        session.add(run)
        session.flush()
        run_recurring(session, run, RunScope(as_of=months[-1] + timedelta(days=5)))
        streams = session.scalars(select(RecurringStreamRecord)).all()
        assert [(s.merchant, s.occurrences, s.cadence) for s in streams] == [
            ("Music", 15, "monthly")
        ]


def test_a_merge_points_rules_naming_a_merged_merchant_at_the_target(test_env, unique_slug):
    from finsight.analytics.models import CategoryRule

    _ledger(unique_slug)
    run_step(unique_slug)
    named = merchant_ids(unique_slug)
    uber, eats, netflix = named["Uber"], named["Uber Eats"], named["Netflix"]
    with tenant_session(unique_slug) as session:
        rides = CategoryRule(
            name="Food delivery",
            position=1,
            conditions={"merchant_ids": [str(eats), str(netflix)]},
            actions={"add_tags": ["food"]},
        )
        other = CategoryRule(
            name="Films", position=2, conditions={"merchant_ids": [str(netflix)]}, actions={}
        )
        session.add_all([rides, other])
        session.flush()
        ids = rides.id, other.id
        merge_merchants(session, [eats], uber, org_id=org_id(unique_slug), actor=ACTOR)
    with tenant_session(unique_slug) as session:
        first, second = (session.get(CategoryRule, i) for i in ids)
        assert first is not None and second is not None
        assert first.conditions["merchant_ids"] == [str(netflix), str(uber)]
        assert second.conditions["merchant_ids"] == [str(netflix)]  # untouched
