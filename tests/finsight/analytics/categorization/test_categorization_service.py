"""Categorization on a real tenant database: the run's step (rules, then the model), what it
never overwrites, dry runs, the review queue, proposals, retraining and the signed model store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.accounts.service import delete_account
from finsight.analytics.categorization import dry_run as rule_dry_run
from finsight.analytics.categorization import proposals, service, store
from finsight.analytics.categorization.classifier import KNOWN_WEIGHT
from finsight.analytics.categorization.runner import SUGGESTION
from finsight.analytics.models import AnalyticsRun, CategoryModel, Merchant, RuleProposal
from finsight.analytics.steps import RunScope
from finsight.categories.service import create_category
from finsight.categories.tree import system_category_id
from finsight.db import platform_session
from finsight.errors import Conflict, InvalidInput
from finsight.tenancy import TenantNames, tenant_session
from finsight.transactions.models import Transaction

from support.accounts import make_account
from support.api import TEST_ACTOR, create_org
from support.ledger import insert_transactions
from support.merchants import make_batch, org_id

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 31)


@pytest.fixture
def org(test_env, unique_slug: str) -> str:
    create_org(unique_slug)
    return unique_slug


def category(slug: str, *path: str) -> uuid.UUID:
    with tenant_session(slug) as session:
        found = system_category_id(session, *path)
    assert found is not None, path
    return found


def merchant(slug: str, name: str) -> uuid.UUID:
    with tenant_session(slug) as session:
        row = Merchant(name=name)
        session.add(row)
        session.flush()
        return row.id


@contextmanager
def run_in(slug: str, batch: uuid.UUID | None = None) -> Iterator[tuple[Session, dict[str, int]]]:
    """A categorize run's step in a tenant transaction; yields the session and the counts."""
    with tenant_session(slug) as session:
        run = AnalyticsRun(kind="categorize", status="running", parameters={})
        session.add(run)
        session.flush()
        counts = service.run_categorize(session, run, RunScope(TODAY, import_batch_id=batch))
        session.flush()
        session.info["run"] = run
        yield session, counts


def categorize(slug: str) -> tuple[dict[str, int], dict[str, Any]]:
    with run_in(slug) as (session, counts):
        run = session.info["run"]
        return counts, dict(run.metrics["categorize"]) | {"model_version": run.model_version}


def rows(slug: str) -> dict[str, Transaction]:
    """Each transaction by its description (they are unique in these ledgers)."""
    with tenant_session(slug) as session:
        found = list(session.scalars(select(Transaction)))
        session.expunge_all()
    return {row.description: row for row in found}


def add_rule(slug: str, **fields: Any) -> uuid.UUID:
    with tenant_session(slug) as session:
        rule = service.create_rule(session, org_id(slug), TEST_ACTOR, {"name": "r", **fields})
        return rule.id


def day(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_rules_then_model_and_a_person_s_category_is_never_touched(org: str):
    account = make_account(org)
    coffee = category(org, "Restaurants", "Coffee shops")
    groceries = category(org, "Groceries")
    bars = category(org, "Restaurants", "Bars")
    insert_transactions(
        org,
        account,
        [
            {"day": day(1), "amount": "-4.50", "description": "BLUE BOTTLE COFFEE 1"},
            {"day": day(2), "amount": "-250.00", "description": "BLUE BOTTLE COFFEE BIG"},
            # A person chose groceries for this coffee: rules and model leave it alone.
            {
                "day": day(3),
                "amount": "-4.75",
                "description": "BLUE BOTTLE COFFEE 2",
                "category_id": groceries,
                "category_source": "user",
                "user_fields": ["category_id", "tags"],
                "tags": ["mine"],
            },
            # The bank's category: a rule overrides it, the model does not.
            {
                "day": day(4),
                "amount": "-5.00",
                "description": "BLUE BOTTLE COFFEE BANK",
                "category_id": bars,
                "category_source": "bank",
            },
            {
                "day": day(5),
                "amount": "-61.20",
                "description": "WHOLE FOODS MARKET 10233",
                "category_id": bars,
                "category_source": "bank",
            },
            {"day": day(6), "amount": "-80.00", "description": "TRADER JOE'S #552"},
            {
                "day": day(7),
                "amount": "-9.99",
                "description": "BLUE BOTTLE COFFEE EXCL",
                "excluded": True,
            },
        ],
    )
    big = add_rule(
        org,
        conditions={"description_contains": "coffee", "amount_min": "100"},
        actions={"add_tags": ["big"]},
        stop_processing=True,
    )
    cafe = add_rule(
        org,
        conditions={"description_contains": ["blue bottle"], "direction": "expense"},
        actions={"category_id": str(coffee), "add_tags": ["cafe"]},
    )
    numbered = add_rule(  # after the coffee rule: its category loses, its tag applies
        org,
        conditions={"description_regex": r"coffee \d$"},
        actions={"category_id": str(bars), "add_tags": ["numbered"]},
    )

    counts, metrics = categorize(org)
    found = rows(org)
    first = found["BLUE BOTTLE COFFEE 1"]
    assert (first.category_id, first.category_source, first.category_rule_id) == (
        coffee,
        "rule",
        cafe,
    )
    assert first.category_confidence == 1.0 and first.tags == ["cafe", "numbered"]
    # The stopping rule matched first: only its tag, no category from the later rules; the
    # model decided the category.
    stopped = found["BLUE BOTTLE COFFEE BIG"]
    assert stopped.tags == ["big"] and stopped.category_rule_id is None
    assert stopped.category_source in ("model", None)
    mine = found["BLUE BOTTLE COFFEE 2"]
    assert (mine.category_id, mine.category_source, mine.tags) == (groceries, "user", ["mine"])
    overridden = found["BLUE BOTTLE COFFEE BANK"]
    assert (overridden.category_id, overridden.category_source) == (coffee, "rule")
    kept = found["WHOLE FOODS MARKET 10233"]
    assert (kept.category_id, kept.category_source) == (bars, "bank")
    # The bootstrap knows a supermarket.
    joes = found["TRADER JOE'S #552"]
    assert (joes.category_id, joes.category_source) == (groceries, "model")
    assert joes.category_confidence is not None and joes.category_confidence >= metrics["threshold"]
    excluded = found["BLUE BOTTLE COFFEE EXCL"]
    assert excluded.category_id is None and excluded.tags == []
    assert counts["transactions"] == 5 and counts["by_rule"] == 2 and counts["kept_bank"] == 1
    assert metrics["model_version"] == "category-model:bootstrap" and big

    # A second run changes nothing; once the coffee rule is gone the next rule decides.
    again, _ = categorize(org)
    assert again["updated"] == 0
    with tenant_session(org) as session:
        service.delete_rule(session, org_id(org), TEST_ACTOR, service.get_rule(session, cafe))
    categorize(org)
    after = rows(org)
    assert (
        after["BLUE BOTTLE COFFEE 1"].category_id,
        after["BLUE BOTTLE COFFEE 1"].category_rule_id,
    ) == (bars, numbered)
    # ... and a row no rule matches any more goes back to the model.
    assert after["BLUE BOTTLE COFFEE BANK"].category_source in ("model", None)
    assert after["BLUE BOTTLE COFFEE BANK"].category_rule_id is None
    assert rows(org)["BLUE BOTTLE COFFEE 2"].category_id == groceries


def test_an_import_run_only_touches_its_batch(org: str):
    account = make_account(org)
    groceries = category(org, "Groceries")
    insert_transactions(org, account, [{"day": day(1), "amount": "-80", "description": "ALDI 1"}])
    batch = make_batch(org, account)
    insert_transactions(
        org,
        account,
        [{"day": day(1), "amount": "-80", "description": "ALDI 2", "import_batch_id": batch}],
    )
    rule = add_rule(
        org, conditions={"description_contains": "aldi"}, actions={"category_id": str(groceries)}
    )
    with run_in(org, batch) as (_, counts):
        assert counts["transactions"] == 1 and counts["by_rule"] == 1
    found = rows(org)
    assert found["ALDI 1"].category_id is None
    assert (found["ALDI 2"].category_id, found["ALDI 2"].category_rule_id) == (groceries, rule)


def test_dry_run_counts_and_samples_and_changes_nothing(org: str):
    account = make_account(org)
    coffee = category(org, "Restaurants", "Coffee shops")
    insert_transactions(
        org,
        account,
        [
            {"day": day(n), "amount": f"-{3 + n}", "description": f"STARBUCKS STORE {n}"}
            for n in range(1, 26)
        ]
        + [
            {
                "day": day(30),
                "amount": "-5",
                "description": "STARBUCKS STORE MINE",
                "category_id": coffee,
                "category_source": "user",
                "user_fields": ["category_id"],
            },
            {"day": day(31), "amount": "-5", "description": "PEET'S COFFEE"},
        ],
    )
    with tenant_session(org) as session:
        before = session.execute(
            select(
                func.count(), func.count(Transaction.category_id), func.max(Transaction.updated_at)
            )
        ).one()
        plain = rule_dry_run.dry_run(
            session,
            conditions={"description_contains": "starbucks", "amount_max": "20"},
            actions={"category_id": str(coffee)},
        )
        regex = rule_dry_run.dry_run(
            session,
            conditions={"description_regex": r"^starbucks", "amount_max": "20"},
            actions={"category_id": str(coffee)},
        )
        after = session.execute(
            select(
                func.count(), func.count(Transaction.category_id), func.max(Transaction.updated_at)
            )
        ).one()
    assert before == after
    # Amounts 4..28 and 5 (mine): at most 20 -> 17 of the numbered stores, plus mine.
    assert (plain.matched, plain.would_change) == (18, 17)
    assert (regex.matched, regex.would_change) == (18, 17)
    assert len(plain.sample) == 18
    assert plain.sample[0].description == "STARBUCKS STORE 1"
    assert plain.sample[0].new_category_id == coffee and plain.sample[0].current_category_id is None
    assert [s.transaction_id for s in plain.sample] == [s.transaction_id for s in regex.sample]
    mine = next(s for s in plain.sample if s.description == "STARBUCKS STORE MINE")
    assert mine.new_category_id == mine.current_category_id == coffee
    with tenant_session(org) as session:
        tags_only = rule_dry_run.dry_run(
            session, conditions={"description_contains": "peet"}, actions={"add_tags": ["x"]}
        )
        assert (tags_only.matched, tags_only.would_change) == (1, 1)
        assert tags_only.sample[0].new_category_id is None
        with pytest.raises(InvalidInput) as error:
            rule_dry_run.dry_run(
                session,
                conditions={"description_contains": "x"},
                actions={"category_id": str(uuid.uuid4())},
            )
        assert error.value.errors[0]["field"] == "actions.category_id"


def test_dry_run_judges_a_rule_in_its_place_among_the_others(org: str):
    """Aldi rows: a first rule files them under Groceries; a later one would say Coffee shops,
    but the first decides. A "stop" rule for one store keeps later rules off it altogether."""
    account = make_account(org)
    groceries = category(org, "Groceries")
    coffee = category(org, "Restaurants", "Coffee shops")
    insert_transactions(
        org,
        account,
        [{"day": day(n), "amount": "-20", "description": f"ALDI {n}"} for n in range(1, 5)],
    )
    first = add_rule(
        org, conditions={"description_contains": ["aldi"]}, actions={"category_id": str(groceries)}
    )
    second = add_rule(
        org, conditions={"description_contains": ["aldi"]}, actions={"category_id": str(coffee)}
    )
    with tenant_session(org) as session:
        ahead = rule_dry_run.dry_run(session, rule_id=first)
        behind = rule_dry_run.dry_run(session, rule_id=second)
        # An edit previewed in the rule's place: the first rule still decides.
        edited = rule_dry_run.dry_run(
            session,
            rule_id=second,
            conditions={"description_contains": ["aldi 1"]},
            actions={"category_id": str(coffee), "add_tags": ["cheap"]},
        )
        new = rule_dry_run.dry_run(
            session,
            conditions={"description_contains": ["aldi"]},
            actions={"add_tags": ["weekly"]},
        )
    assert (ahead.matched, ahead.would_change, ahead.preempted) == (4, 4, 0)
    assert ahead.sample[0].new_category_id == groceries
    assert (behind.matched, behind.would_change, behind.preempted) == (4, 0, 4)
    assert all(s.new_category_id is None for s in behind.sample)  # left as it is
    # Its category is taken, its tag is not: the row still changes.
    assert (edited.matched, edited.would_change, edited.preempted) == (1, 1, 1)
    assert (new.matched, new.would_change, new.preempted) == (4, 4, 0)  # tags only: no conflict

    stopper = add_rule(
        org,
        conditions={"description_contains": ["aldi 4"]},
        actions={"add_tags": ["store4"]},
        stop_processing=True,
    )
    with tenant_session(org) as session:
        service.reorder_rules(session, org_id(org), TEST_ACTOR, [stopper, first, second])
    with tenant_session(org) as session:
        now_first = rule_dry_run.dry_run(session, rule_id=first)
    assert (now_first.matched, now_first.would_change, now_first.preempted) == (4, 3, 1)
    categorize(org)  # the run agrees with the preview
    found = rows(org)
    assert [found[f"ALDI {n}"].category_rule_id for n in range(1, 5)] == [first] * 3 + [None]
    assert found["ALDI 4"].tags == ["store4"] and found["ALDI 4"].category_source != "rule"


def test_review_queue_lists_uncategorized_and_unsure_rows_with_suggestions(org: str):
    account = make_account(org)
    groceries = category(org, "Groceries")
    ids = insert_transactions(
        org,
        account,
        [
            {"day": day(1), "amount": "-12.00", "description": "ZXQV 88121 PLK"},
            {"day": day(2), "amount": "-60.00", "description": "SAFEWAY 1234"},
            {"day": day(3), "amount": "-7.00", "description": "QWXZ 55 KLM"},
        ],
    )
    categorize(org)
    with tenant_session(org) as session:
        # As if the model had been unsure of one and quite sure of another.
        session.execute(
            update(Transaction)
            .where(Transaction.id == ids[1])
            .values(category_source="model", category_id=groceries, category_confidence=0.6)
        )
        session.execute(
            update(Transaction)
            .where(Transaction.id == ids[2])
            .values(
                category_id=None,
                category_source=None,
                extra={SUGGESTION: {"category_id": str(groceries), "confidence": 0.41}},
            )
        )
    with tenant_session(org) as session:
        unsure = service.review_queue(session, reason="low_confidence", after=None, limit=10)
        assert [(r.transaction.id, r.suggested_category_id, r.confidence) for r in unsure] == [
            (ids[1], groceries, pytest.approx(0.6))
        ]
        open_rows = service.review_queue(session, reason="uncategorized", after=None, limit=10)
        assert [r.transaction.id for r in open_rows] == [ids[0], ids[2]]
        assert (open_rows[1].suggested_category_id, open_rows[1].confidence) == (groceries, 0.41)
        first = service.review_queue(session, reason=None, after=None, limit=2)
        assert [r.transaction.id for r in first] == [ids[0], ids[1]]
        last = first[-1].transaction
        rest = service.review_queue(
            session, reason=None, after=(last.transaction_date, last.id), limit=2
        )
        assert [r.transaction.id for r in rest] == [ids[2]]

        outcome = service.resolve(session, org_id(org), TEST_ACTOR, [ids[0], ids[2]], groceries)
        assert outcome.updated == 2
    with tenant_session(org) as session:
        assert service.review_queue(session, reason="uncategorized", after=None, limit=10) == []
        resolved = session.get(Transaction, ids[2])
        assert resolved is not None and resolved.category_source == "user"
        assert "category_id" in resolved.user_fields and SUGGESTION not in resolved.extra
    categorize(org)  # a person's category stays
    assert rows(org)["QWXZ 55 KLM"].category_id == groceries


def _merchant_rows(merchant_id: uuid.UUID, name: str, count: int, start: int) -> list[dict]:
    return [
        {
            "day": day(start + n),
            "amount": f"-{20 + n}.00",
            "description": f"{name} {start + n}",
            "merchant_id": merchant_id,
        }
        for n in range(count)
    ]


def test_consistent_corrections_propose_a_rule_and_accepting_creates_it(org: str):
    account = make_account(org)
    education = category(org, "Education")
    gifts = category(org, "Gifts and donations")
    acme, other = merchant(org, "Acme Learning"), merchant(org, "Bobs")
    acme_ids = insert_transactions(org, account, _merchant_rows(acme, "ACME LRN", 4, 1))
    bob_ids = insert_transactions(org, account, _merchant_rows(other, "BOBS", 3, 10))
    with tenant_session(org) as session:
        service.resolve(session, org_id(org), TEST_ACTOR, acme_ids[:2], education)
        assert proposals.list_proposals(session, None) == []  # two rows: not yet
        service.resolve(session, org_id(org), TEST_ACTOR, acme_ids[2:3], education)
        # Bob's rows disagree: no proposal for Bob.
        service.resolve(session, org_id(org), TEST_ACTOR, bob_ids[:2], education)
        service.resolve(session, org_id(org), TEST_ACTOR, bob_ids[2:], gifts)
    with tenant_session(org) as session:
        waiting = proposals.list_proposals(session, "proposed")
        assert [(p.merchant_id, p.category_id, p.support, name) for p, name in waiting] == [
            (acme, education, 3, "Acme Learning")
        ]
        proposal_id = waiting[0][0].id
        accepted, _ = service.accept_proposal(session, org_id(org), TEST_ACTOR, proposal_id)
        assert accepted.status == "accepted" and accepted.rule_id is not None
        rule = service.get_rule(session, accepted.rule_id)
        assert rule.conditions == {"merchant_ids": [str(acme)]}
        assert rule.actions == {"category_id": str(education)}
        with pytest.raises(Conflict):
            service.accept_proposal(session, org_id(org), TEST_ACTOR, proposal_id)
    categorize(org)
    last = rows(org)["ACME LRN 4"]
    assert (last.category_id, last.category_source) == (education, "rule")

    # Dismissed is for good: more corrections never bring the pair back.
    third = merchant(org, "Cato")
    cato_ids = insert_transactions(org, account, _merchant_rows(third, "CATO", 5, 20))
    with tenant_session(org) as session:
        service.resolve(session, org_id(org), TEST_ACTOR, cato_ids[:3], gifts)
        ((cato, _),) = proposals.list_proposals(session, "proposed")
        service.dismiss_proposal(session, org_id(org), TEST_ACTOR, cato.id)
        service.resolve(session, org_id(org), TEST_ACTOR, cato_ids[3:], gifts)
        assert proposals.refresh(session) == 0
        statuses = session.execute(
            select(RuleProposal.merchant_id, RuleProposal.status, RuleProposal.support)
        ).all()
    assert sorted((str(m), s) for m, s, _ in statuses) == sorted(
        [(str(acme), "accepted"), (str(third), "dismissed")]
    )


def test_one_correction_proposes_a_rule_where_it_cannot_carry_the_merchant(org: str):
    """A merchant with more than KNOWN_WEIGHT engine-filed rows per correction keeps the
    correction as an exception, so the rule is asked for at once; a small merchant's other
    rows follow the correction, so there it waits for MIN_SUPPORT."""
    account = make_account(org)
    coffee = category(org, "Restaurants", "Coffee shops")
    dining = category(org, "Restaurants")
    peets, corner = merchant(org, "Peet's Coffee"), merchant(org, "Corner Cafe")
    big = _merchant_rows(peets, "PEETS", int(KNOWN_WEIGHT) + 2, 1)
    small = _merchant_rows(corner, "CORNER CAFE", int(KNOWN_WEIGHT), 40)
    for row in big + small:
        row |= {"category_id": coffee, "category_source": "model"}
    peets_ids = insert_transactions(org, account, big)
    corner_ids = insert_transactions(org, account, small)
    with tenant_session(org) as session:
        service.resolve(session, org_id(org), TEST_ACTOR, corner_ids[:1], dining)
        assert proposals.list_proposals(session, None) == []  # 19 others: it carries them
        service.resolve(session, org_id(org), TEST_ACTOR, peets_ids[:1], dining)
        waiting = proposals.list_proposals(session, "proposed")
        assert [(p.merchant_id, p.category_id, p.support) for p, _ in waiting] == [
            (peets, dining, 1)
        ]
        # A second correction that agrees keeps it (now with two rows behind it); one that
        # disagrees withdraws it.
        service.resolve(session, org_id(org), TEST_ACTOR, peets_ids[1:2], dining)
        session.expire_all()  # the refresh is SQL: the proposal loaded above is stale
        ((again, _),) = proposals.list_proposals(session, "proposed")
        assert (again.id, again.support) == (waiting[0][0].id, 2)
        service.resolve(session, org_id(org), TEST_ACTOR, peets_ids[2:3], coffee)
        assert proposals.list_proposals(session, "proposed") == []


def _training_ledger(org: str, account: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    """Merchants the bootstrap cannot know, a dozen rows each."""
    names = ("QORVAX HOLDINGS", "ZUMBLEFRITZ LLC", "PLONKERTON SVC")
    ids = {}
    for index, name in enumerate(names):
        ids[name] = insert_transactions(
            org,
            account,
            [
                {
                    "day": day(index * 20 + n),
                    "amount": f"-{40 + n}.00",
                    "description": f"{name} {n}",
                }
                for n in range(12)
            ],
        )
    return ids


def test_corrections_train_a_tenant_model_and_a_new_correction_changes_the_next_prediction(
    org: str,
):
    account = make_account(org)
    education, taxes, household = (
        category(org, "Education"),
        category(org, "Taxes"),
        category(org, "Shopping", "Household"),
    )
    ledger = _training_ledger(org, account)
    qorvax, zumble, plonk = ledger.values()
    with tenant_session(org) as session:
        oid = org_id(org)
        service.resolve(session, oid, TEST_ACTOR, qorvax[:8], education)
        service.resolve(session, oid, TEST_ACTOR, zumble[:8], taxes)
        service.resolve(session, oid, TEST_ACTOR, plonk[:2], household)
    _, metrics = categorize(org)
    assert metrics["trained_version"] == 1 and metrics["model_version"] == "category-model:v1"
    found = rows(org)
    assert found["QORVAX HOLDINGS 10"].category_id == education
    assert found["ZUMBLEFRITZ LLC 11"].category_id == taxes
    assert found["QORVAX HOLDINGS 10"].category_source == "model"

    # Nothing new: no retraining.
    _, quiet = categorize(org)
    assert "trained_version" not in quiet and quiet["model_version"] == "category-model:v1"

    # The person changes their mind about Qorvax: the next run retrains and follows them.
    with tenant_session(org) as session:
        service.resolve(session, oid, TEST_ACTOR, qorvax[:8], household)
    _, retrained = categorize(org)
    assert retrained["trained_version"] == 2
    assert rows(org)["QORVAX HOLDINGS 10"].category_id == household
    with tenant_session(org) as session:
        assert [v.version for v in store.versions(session)] == [2, 1]
        assert [v.labels for v in store.versions(session)] == [18, 18]

    # A deleted account's rows leave every answer: its labels no longer count.
    with tenant_session(org) as session:
        assert store.label_counts(session, None).labels == 18
        delete_account(session, oid, session.get(Account, account), TEST_ACTOR)
        assert store.label_counts(session, None) == store.LabelCounts(0, 0, 0)


def test_a_tampered_or_foreign_model_is_refused(test_env, unique_slug: str):
    a, b = unique_slug + "a", unique_slug + "b"
    create_org(a)
    create_org(b)
    for slug in (a, b):
        account = make_account(slug)
        ledger = _training_ledger(slug, account)
        names = list(ledger.values())
        with tenant_session(slug) as session:
            oid = org_id(slug)
            service.resolve(session, oid, TEST_ACTOR, names[0][:6], category(slug, "Education"))
            service.resolve(session, oid, TEST_ACTOR, names[1][:6], category(slug, "Taxes"))
        assert categorize(slug)[1]["trained_version"] == 1

    # Tenant roles enforce isolation: B's role cannot read A's models at all.
    schema_a = TenantNames.for_slug(a).schema
    with pytest.raises(ProgrammingError, match="permission denied"), tenant_session(b) as session:
        session.execute(text(f"SELECT count(*) FROM {schema_a}.category_models"))

    # A's model bytes placed in B's table (by someone with database rights) do not verify
    # there: the signature covers the schema.
    with tenant_session(a) as session:
        model_a = session.scalars(select(CategoryModel)).one()
        content, signature = model_a.content, model_a.signature
    with tenant_session(b) as session:
        session.execute(update(CategoryModel).values(content=content, signature=signature))
    with tenant_session(b) as session, pytest.raises(store.UntrustedModel):
        store.load(session, session.scalars(select(CategoryModel)).one())
    _, metrics = categorize(b)
    assert metrics["rejected_version"] == 1 and metrics["trained_version"] == 2
    assert metrics["model_version"] == "category-model:v2"

    # A flipped byte in A's own model: refused too.
    with tenant_session(a) as session:
        session.execute(update(CategoryModel).values(signature="0" * 64))
    with tenant_session(a) as session, pytest.raises(store.UntrustedModel):
        store.load(session, session.scalars(select(CategoryModel)).one())


def test_rule_crud_validates_orders_and_audits(org: str):
    coffee = category(org, "Restaurants", "Coffee shops")
    first = add_rule(org, conditions={"description_contains": "a"}, actions={"add_tags": ["a"]})
    second = add_rule(org, conditions={"description_contains": "b"}, actions={"add_tags": ["b"]})
    third = add_rule(org, conditions={"direction": "income"}, actions={"category_id": str(coffee)})
    oid = org_id(org)
    with tenant_session(org) as session:
        assert [r.id for r in service.list_rules(session)] == [first, second, third]
        assert [r.position for r in service.list_rules(session)] == [0, 1, 2]
        service.reorder_rules(session, oid, TEST_ACTOR, [third, first, second])
        assert [r.id for r in service.list_rules(session)] == [third, first, second]
        for bad, field in (
            ([third, first], "ids"),
            ([third, first, second, first], "ids"),
            ([third, first, uuid.uuid4()], "ids"),
        ):
            with pytest.raises(InvalidInput) as error:
                service.reorder_rules(session, oid, TEST_ACTOR, bad)
            assert error.value.errors[0]["field"] == field
        rule = service.get_rule(session, first)
        with pytest.raises(InvalidInput) as error:
            service.update_rule(
                session, oid, TEST_ACTOR, rule, {"actions": {"category_id": str(uuid.uuid4())}}
            )
        assert error.value.errors[0]["field"] == "actions.category_id"
        with pytest.raises(InvalidInput) as error:
            service.update_rule(
                session, oid, TEST_ACTOR, rule, {"conditions": {"description_regex": "(("}}
            )
        assert error.value.errors[0]["field"] == "conditions.description_regex"
        service.update_rule(session, oid, TEST_ACTOR, rule, {"name": "Renamed", "enabled": False})
        service.delete_rule(session, oid, TEST_ACTOR, service.get_rule(session, second))
        fourth = service.create_rule(
            session,
            oid,
            TEST_ACTOR,
            {"name": "d", "conditions": {"amount_min": 1}, "actions": {"add_tags": ["d"]}},
        )
        assert fourth.position == 2  # after the last live rule
        assert [r.id for r in service.list_rules(session)] == [third, first, fourth.id]
    with platform_session() as session:
        actions = (
            session.execute(
                text(
                    "SELECT action FROM platform.audit_log WHERE org_id = :org "
                    "AND action LIKE 'analytics.rule.%' ORDER BY seq"
                ),
                {"org": oid},
            )
            .scalars()
            .all()
        )
    assert actions == [
        "analytics.rule.create",
        "analytics.rule.create",
        "analytics.rule.create",
        "analytics.rule.reorder",
        "analytics.rule.update",
        "analytics.rule.delete",
        "analytics.rule.create",
    ]


def test_a_merchant_s_rows_are_decided_together(org: str):
    """Four card rows carry a grooming MCC; the fifth, paid from checking, carries nothing but
    the descriptor. Grouped under one merchant it follows the others; a same-looking row with
    no merchant is judged alone (and abstains)."""
    account = make_account(org)
    care = category(org, "Personal care")
    rover = merchant(org, "Rover")
    card = [
        {"day": day(n), "amount": "-45.00", "description": f"ROVER.COM {n}", "mcc": 7298}
        for n in range(1, 5)
    ]
    for row in card:
        row["merchant_id"] = rover
    bare = {"day": day(5), "amount": "-45.00", "description": "ROVER.COM 5", "merchant_id": rover}
    alone = {"day": day(6), "amount": "-45.00", "description": "ROVER.COM 6"}
    insert_transactions(org, account, [*card, bare, alone])
    categorize(org)
    found = rows(org)
    assert all(found[f"ROVER.COM {n}"].category_id == care for n in range(1, 5))
    assert found["ROVER.COM 5"].category_id == care
    assert found["ROVER.COM 5"].category_source == "model"
    # Alone, the same descriptor is too weak to decide: left for review.
    assert found["ROVER.COM 6"].category_id is None


def test_an_import_s_rows_are_decided_with_their_merchant_s_earlier_rows(org: str):
    """The card statement came first (rows with a grooming MCC); the checking statement's bare
    row of the same merchant, imported later, is decided with them."""
    account = make_account(org)
    care = category(org, "Personal care")
    rover = merchant(org, "Rover")
    insert_transactions(
        org,
        account,
        [
            {
                "day": day(n),
                "amount": "-45.00",
                "description": f"ROVER.COM {n}",
                "mcc": 7298,
                "merchant_id": rover,
            }
            for n in range(2, 6)
        ],
    )
    batch = make_batch(org, account)
    new = {"day": day(1), "amount": "-45.00", "import_batch_id": batch}
    insert_transactions(
        org,
        account,
        [
            {**new, "description": "ROVER.COM 1", "merchant_id": rover},
            {**new, "description": "ROVER.COM 0"},  # no merchant: judged alone
        ],
    )
    with run_in(org, batch) as (_, counts):
        assert counts["transactions"] == 2
    found = rows(org)
    assert (found["ROVER.COM 1"].category_id, found["ROVER.COM 1"].category_source) == (
        care,
        "model",
    )
    assert found["ROVER.COM 0"].category_id is None
    assert all(found[f"ROVER.COM {n}"].category_id is None for n in range(2, 6))  # not in the run


def test_a_merchant_s_rows_follow_a_person_s_correction(org: str):
    """The grooming MCC says Personal care; the person files one Rover row under Pets, a
    category they made (no model knows it). The next run moves the merchant's other rows to Pets
    (the model's, not the person's: still replaceable), leaves another merchant with the same
    MCC alone, and an import's new Rover row follows too."""
    account = make_account(org)
    care = category(org, "Personal care")
    with tenant_session(org) as session:
        pets = create_category(
            session, org_id(org), name="Pets", parent_id=None, kind="expense", actor=TEST_ACTOR
        ).id
    rover, salon = merchant(org, "Rover"), merchant(org, "Salon")
    ids = insert_transactions(
        org,
        account,
        [
            {
                "day": day(n),
                "amount": "-45.00",
                "description": f"{name} {n}",
                "mcc": 7298,
                "merchant_id": merchant_id,
            }
            for n in range(2, 6)
            for name, merchant_id in (("ROVER.COM", rover), ("SALON", salon))
        ],
    )
    categorize(org)
    assert rows(org)["ROVER.COM 3"].category_id == care
    with tenant_session(org) as session:
        service.resolve(session, org_id(org), TEST_ACTOR, ids[:1], pets)  # ROVER.COM 2
    categorize(org)
    found = rows(org)
    for n in range(3, 6):
        assert (found[f"ROVER.COM {n}"].category_id, found[f"ROVER.COM {n}"].category_source) == (
            pets,
            "model",
        )
        assert found[f"SALON {n}"].category_id == care
    assert found["ROVER.COM 2"].category_source == "user"

    batch = make_batch(org, account)
    insert_transactions(
        org,
        account,
        [
            {
                "day": day(1),
                "amount": "-45.00",
                "description": "ROVER.COM 1",
                "mcc": 7298,
                "merchant_id": rover,
                "import_batch_id": batch,
            }
        ],
    )
    with run_in(org, batch):
        pass
    assert rows(org)["ROVER.COM 1"].category_id == pets


def test_a_tenant_worker_signs_with_its_own_derived_key_only(monkeypatch):
    """A tenant's own worker holds TENANT_MODEL_SIGNING_KEY (its organization's derived key):
    what it signs verifies on the platform's processes, and it cannot sign for another."""
    from finsight.config import get_settings
    from finsight.crypto.derived import tenant_model_signing_key

    get_settings.cache_clear()
    platform_a = store.sign("org_a", 3, b"model")
    platform_b = store.sign("org_b", 3, b"model")
    root = get_settings().model_signing_root()
    monkeypatch.setenv("TENANT_MODEL_SIGNING_KEY", tenant_model_signing_key(root, "org_a"))
    get_settings.cache_clear()
    try:
        assert store.sign("org_a", 3, b"model") == platform_a
        assert store.verify("org_a", 3, b"model", platform_a)
        assert store.sign("org_b", 3, b"model") != platform_b
    finally:
        monkeypatch.delenv("TENANT_MODEL_SIGNING_KEY")
        get_settings.cache_clear()
