"""The run's categorize step: rules, then the model, written back set-based.

Rows are streamed in chunks; each chunk is decided in memory (rules in Python, the model on the
rows no rule categorized) and only the rows whose category, source, confidence, rule, tags or
suggestion actually change are written, by one UPDATE ... FROM unnest(arrays) per chunk. See
service.py for who may set a category over whom.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, null, or_, select, text, true
from sqlalchemy.orm import Session

from finsight.analytics.categorization import proposals, store
from finsight.analytics.categorization.bootstrap import bootstrap_classifier
from finsight.analytics.categorization.classifier import CategoryClassifier
from finsight.analytics.categorization.defaults import DEFAULT_CONFIDENCE, default_category
from finsight.analytics.categorization.features import Example
from finsight.analytics.categorization.rules import CompiledRule, apply_rules, merged_tags
from finsight.analytics.models import AnalyticsRun, CategoryRule
from finsight.analytics.steps import RunScope
from finsight.categories.tree import Node, load_tree
from finsight.errors import InvalidInput
from finsight.kit.query import advisory_xact_lock
from finsight.observability.logging import get_logger
from finsight.transactions.models import Transaction

log = get_logger(__name__)

SUGGESTION = "category_suggestion"  # transactions.metadata key: the model's guess when unsure
CHUNK = 20_000
# An import's run pools each merchant's new rows with this many of its latest other rows: the
# card statement's rows (with MCC and the bank's category) vouch for the checking account's bare
# ones imported later, and the other way round.
CONTEXT_ROWS = 50
_SAME_CONFIDENCE = 1e-4  # real (float4) holds about 7 digits: closer than this is unchanged

_WRITE = text("""
    UPDATE transactions AS t SET
        category_id = c.category_id,
        category_source = c.source,
        category_confidence = c.confidence,
        category_rule_id = c.rule_id,
        tags = CASE WHEN c.tags IS NULL THEN t.tags
                    ELSE ARRAY(SELECT jsonb_array_elements_text(c.tags)) END,
        metadata = CASE WHEN c.suggestion IS NULL THEN t.metadata - 'category_suggestion'
                        ELSE t.metadata || jsonb_build_object('category_suggestion', c.suggestion)
                   END,
        -- clock time, not the run's start: rows a rule labels now are newer than a model
        -- version trained earlier in this run, and count as new labels for the next one.
        updated_at = clock_timestamp()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:categories AS uuid[]), CAST(:sources AS text[]),
                CAST(:confidences AS real[]), CAST(:rules AS uuid[]), CAST(:tags AS jsonb[]),
                CAST(:suggestions AS jsonb[]))
        AS c(id, category_id, source, confidence, rule_id, tags, suggestion)
    WHERE t.id = c.id AND NOT ('category_id' = ANY (t.user_fields))
""")


@dataclass(frozen=True)
class Decision:
    category_id: uuid.UUID | None
    source: str | None
    confidence: float | None
    rule_id: uuid.UUID | None
    suggestion: dict[str, Any] | None


@dataclass
class Model:
    classifier: CategoryClassifier
    categories: dict[str, uuid.UUID]  # the classifier's labels -> live category ids
    version: str


def compiled_rules(
    session: Session, live: set[uuid.UUID], *, before: ColumnElement[bool] | None = None
) -> list[CompiledRule]:
    """Enabled live rules in order (only those satisfying `before`, when given: the rules ahead
    of one in the order); a category action whose category was deleted since is dropped (the
    rule's tags still apply)."""
    query = select(CategoryRule).where(
        CategoryRule.deleted_at.is_(None), CategoryRule.enabled.is_(True)
    )
    if before is not None:
        query = query.where(before)
    rows = session.scalars(query.order_by(CategoryRule.position, CategoryRule.id))
    out = []
    for row in rows:
        actions = dict(row.actions)
        if actions.get("category_id") and uuid.UUID(actions["category_id"]) not in live:
            actions.pop("category_id")
        try:
            compiled = CompiledRule.of(
                row.conditions, actions, rule_id=row.id, stop_processing=row.stop_processing
            )
        except InvalidInput as refused:
            # A rule saved before patterns ran on RE2 may hold one RE2 cannot run (a
            # backreference): it is left out, and the others still apply.
            log.warning("analytics.rule.skipped", rule=str(row.id), reason=refused.detail)
            continue
        out.append(compiled)
    return out


def _model(session: Session, run: AnalyticsRun, nodes: list[Node]) -> tuple[Model, dict[str, Any]]:
    live = {node.id for node in nodes}
    loaded, info = store.current_model(session, run, nodes)
    if loaded is None:
        return Model(bootstrap_classifier(), store.bootstrap_labels(nodes), store.BOOTSTRAP), info
    categories = {}
    for label in loaded.classifier.labels:
        category = uuid.UUID(label)
        if category in live:  # a category deleted since training is never predicted
            categories[label] = category
    return Model(loaded.classifier, categories, f"v{loaded.version}"), info


def _merchant_context(session: Session, batch: uuid.UUID) -> dict[uuid.UUID, list[Example]]:
    """For each merchant of an import batch, its latest CONTEXT_ROWS rows from outside it."""
    in_batch = (
        select(Transaction.merchant_id)
        .where(Transaction.import_batch_id == batch, Transaction.merchant_id.is_not(None))
        .distinct()
        .subquery()
    )
    latest = (
        store.ledger_columns()
        .add_columns(Transaction.merchant_id)
        .where(
            *store.eligible(),
            Transaction.merchant_id == in_batch.c.merchant_id,
            Transaction.import_batch_id.is_distinct_from(batch),
        )
        .order_by(Transaction.transaction_date.desc())
        .limit(CONTEXT_ROWS)
        .lateral()
    )
    context: dict[uuid.UUID, list[Example]] = {}
    for row in session.execute(select(latest).select_from(in_batch.join(latest, true()))):
        context.setdefault(row.merchant_id, []).append(store.example_of(row))
    return context


@dataclass(frozen=True)
class PeopleLabels:
    """The categories people gave each merchant's rows, in the model's labels (`counts`), and
    the model's labels with any such category it never learnt (a category made after training),
    whose label is the category id."""

    counts: dict[Hashable, dict[str, int]]
    categories: dict[str, uuid.UUID]


def _people_labels(session: Session, model: Model, batch: uuid.UUID | None) -> PeopleLabels:
    label_of = {category: label for label, category in model.categories.items()}
    categories = dict(model.categories)
    counts: dict[Hashable, dict[str, int]] = {}
    for merchant, by_category in store.people_labels(session, batch).items():
        for category, count in by_category.items():
            label = label_of.get(category)
            if label is None:
                label = str(category)
                categories[label] = category
            counts.setdefault(merchant, {})[label] = count
    return PeopleLabels(counts, categories)


def _predict(
    model: Model,
    rows: Sequence[Any],
    context: dict[uuid.UUID, list[Example]],
    people: PeopleLabels,
) -> list[Decision]:
    """The model's decision for each row, a merchant's rows pooled with its context rows and
    following the categories people gave its other rows."""
    out = []
    examples = [store.example_of(row) for row in rows]
    merchants: list[uuid.UUID | None] = [row.merchant_id for row in rows]
    present = list(dict.fromkeys(m for m in merchants if m is not None))
    for merchant in present:
        extra = context.get(merchant, [])
        examples += extra
        merchants += [merchant] * len(extra)
    # Only this chunk's merchants: the classifier tabulates every merchant it is given.
    known: dict[Hashable, dict[str, int]] = {
        m: people.counts[m] for m in present if m in people.counts
    }
    predictions = model.classifier.predict(examples, merchants=merchants, known=known)
    for prediction in predictions[: len(rows)]:
        best = people.categories.get(prediction.best)
        confidence = round(float(prediction.confidence), 4)
        if best is None:
            out.append(Decision(None, None, None, None, None))
        elif prediction.label is None:
            guess = {"category_id": str(best), "confidence": confidence}
            out.append(Decision(None, None, None, None, guess))
        else:
            out.append(Decision(best, "model", confidence, None, None))
    return out


def _known_bill(row: Any, defaults: dict[str, uuid.UUID], people: PeopleLabels) -> uuid.UUID | None:
    """The default category of a well-known bill (defaults.py), unless people categorized the
    merchant's rows: then the model follows them."""
    if row.merchant_id is not None and row.merchant_id in people.counts:
        return None
    path = default_category(row.description, row.merchant_name, Decimal(row.amount))
    return defaults.get(path) if path is not None else None


def _refunds_follow_merchant(
    decided: list[tuple[Any, Decision, list[str] | None]], kinds: dict[uuid.UUID, str]
) -> int:
    """Money back from a merchant (a refund, a return) goes to the category of what was bought
    there, so it reduces that category's spending instead of counting as income. A money-in
    row qualifies when the model or nothing decided it (not a rule, not the bank), the merchant
    has more money-out rows than money-in ones, and it is no larger than the merchant's largest
    purchase. Decided in place; returns how many rows moved."""
    spent: dict[uuid.UUID, Counter[uuid.UUID]] = {}
    largest: dict[uuid.UUID, Decimal] = {}
    money_in: Counter[uuid.UUID] = Counter()
    for row, decision, _ in decided:
        if row.merchant_id is None:
            continue
        amount = Decimal(row.amount)
        if amount > 0:
            money_in[row.merchant_id] += 1
        elif decision.category_id is not None and kinds.get(decision.category_id) == "expense":
            spent.setdefault(row.merchant_id, Counter())[decision.category_id] += 1
            largest[row.merchant_id] = max(largest.get(row.merchant_id, Decimal(0)), -amount)
    moved = 0
    for i, (row, decision, tags) in enumerate(decided):
        merchant = row.merchant_id
        if (
            merchant not in spent
            or Decimal(row.amount) <= 0
            or decision.source not in (None, "model")
        ):
            continue
        if decision.category_id is not None and kinds.get(decision.category_id) == "expense":
            continue
        if spent[merchant].total() <= money_in[merchant] or Decimal(row.amount) > largest[merchant]:
            continue
        category = spent[merchant].most_common(1)[0][0]
        decided[i] = (
            row,
            Decision(category, "model", decision.confidence or 0.9, None, None),
            tags,
        )
        moved += 1
    return moved


def _unchanged(row: Any, decision: Decision, tags: list[str] | None) -> bool:
    if (row.category_id, row.category_source, row.category_rule_id) != (
        decision.category_id,
        decision.source,
        decision.rule_id,
    ):
        return False
    if (row.category_confidence is None) != (decision.confidence is None):
        return False
    if (
        row.category_confidence is not None
        and decision.confidence is not None
        and abs(row.category_confidence - decision.confidence) > _SAME_CONFIDENCE
    ):
        return False
    if tags is not None and tags != list(row.tags):
        return False
    new = decision.suggestion
    if (row.suggested_id is None) != (new is None):
        return False
    if new is not None:
        try:
            confidence = float(row.suggested_confidence)
        except (TypeError, ValueError):
            return False
        return bool(
            row.suggested_id == new["category_id"]
            and abs(confidence - new["confidence"]) <= _SAME_CONFIDENCE
        )
    return True


def run_categorize(session: Session, run: AnalyticsRun, scope: RunScope) -> dict[str, int]:
    """Categorize the scope's rows (an import's batch, or every row a person did not
    categorize), record the model version and metrics on the run, and refresh proposals."""
    advisory_xact_lock(session, "finsight.analytics.categorize:", per_schema=True)
    started = time.perf_counter()
    nodes = load_tree(session)  # once per run: rules, the model's labels and training share it
    rules = compiled_rules(session, {node.id for node in nodes})
    model, info = _model(session, run, nodes)
    loaded = time.perf_counter()
    # Only what a decision needs: arrays and JSON cost more to decode than the rest of a row.
    tagging = any(rule.add_tags for rule in rules)
    suggestion = Transaction.extra[SUGGESTION]
    query = (
        store.ledger_columns()
        .add_columns(
            Transaction.account_id,
            Transaction.merchant_id,
            Transaction.category_id,
            Transaction.category_source,
            Transaction.category_confidence,
            Transaction.category_rule_id,
            (Transaction.tags if tagging else null()).label("tags"),
            store.user_set("tags").label("user_tags"),
            suggestion["category_id"].astext.label("suggested_id"),
            suggestion["confidence"].astext.label("suggested_confidence"),
        )
        .where(
            *store.eligible(),
            ~store.USER_CATEGORY,
            or_(Transaction.category_source.is_(None), Transaction.category_source != "user"),
        )
    )
    context: dict[uuid.UUID, list[Example]] = {}
    people = _people_labels(session, model, scope.import_batch_id)
    if scope.import_batch_id is not None:
        query = query.where(Transaction.import_batch_id == scope.import_batch_id)
        context = _merchant_context(session, scope.import_batch_id)
    # A merchant's rows pool their evidence within a chunk: keep them in the same one.
    query = query.order_by(Transaction.merchant_id)
    defaults = store.bootstrap_labels(nodes)  # seed paths -> this tenant's category ids
    kinds = {node.id: node.kind for node in nodes}
    counts = dict.fromkeys(
        (
            "transactions",
            "by_rule",
            "by_default",
            "by_model",
            "abstained",
            "kept_bank",
            "refunds",
            "tagged",
            "updated",
        ),
        0,
    )
    confidence_sum = 0.0
    result = session.execute(query.execution_options(yield_per=CHUNK))
    for chunk in result.partitions():
        decided: list[tuple[Any, Decision, list[str] | None]] = []
        for_model: list[tuple[Any, list[str] | None]] = []
        for row in chunk:
            counts["transactions"] += 1
            outcome = apply_rules(rules, row) if rules else None
            tags = None
            if outcome is not None and outcome.tags and not row.user_tags:
                tags = merged_tags(row.tags, outcome.tags)
                counts["tagged"] += tags != list(row.tags)
            known = _known_bill(row, defaults, people)
            if outcome is not None and outcome.category_id is not None:
                counts["by_rule"] += 1
                decision = Decision(outcome.category_id, "rule", 1.0, outcome.rule_id, None)
                decided.append((row, decision, tags))
            elif known is not None:
                counts["by_default"] += 1
                decision = Decision(known, "model", DEFAULT_CONFIDENCE, None, None)
                decided.append((row, decision, tags))
            elif row.category_source == "bank" and row.category_id is not None:
                counts["kept_bank"] += 1
                keep = Decision(row.category_id, "bank", None, None, None)
                decided.append((row, keep, tags))
            else:
                for_model.append((row, tags))
        if for_model:
            predicted = _predict(model, [row for row, _ in for_model], context, people)
            for (row, tags), decision in zip(for_model, predicted, strict=True):
                if decision.category_id is not None:
                    counts["by_model"] += 1
                    confidence_sum += decision.confidence or 0.0
                else:
                    counts["abstained"] += 1
                decided.append((row, decision, tags))
        counts["refunds"] += _refunds_follow_merchant(decided, kinds)
        counts["updated"] += _write(session, decided)
    finished = time.perf_counter()
    if scope.import_batch_id is None:
        counts["proposals"] = proposals.refresh(session)
    run.model_version = f"category-model:{model.version}"
    run.metrics = {
        **run.metrics,
        "categorize": {
            **info,
            "model_version": model.version,
            "threshold": model.classifier.threshold,
            "rules": len(rules),
            "coverage": _ratio(counts["by_model"], counts["by_model"] + counts["abstained"]),
            "mean_confidence": _ratio(confidence_sum, counts["by_model"]),
        },
    }
    run.timings = {
        **run.timings,
        "categorize.model_s": round(loaded - started, 3),
        "categorize.apply_s": round(finished - loaded, 3),
    }
    return counts


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _write(session: Session, decided: list[tuple[Any, Decision, list[str] | None]]) -> int:
    changed = [item for item in decided if not _unchanged(*item)]
    if not changed:
        return 0
    session.execute(
        _WRITE,
        {
            "ids": [row.id for row, _, _ in changed],
            "categories": [d.category_id for _, d, _ in changed],
            "sources": [d.source for _, d, _ in changed],
            "confidences": [d.confidence for _, d, _ in changed],
            "rules": [d.rule_id for _, d, _ in changed],
            "tags": [json.dumps(tags) if tags is not None else None for _, _, tags in changed],
            "suggestions": [
                json.dumps(d.suggestion) if d.suggestion is not None else None
                for _, d, _ in changed
            ],
        },
    )
    return len(changed)
