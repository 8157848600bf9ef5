"""The tenant's classifier: versions in the tenant's schema, signed, retrained when labels arrive.

A version's content is the classifier's serialized form (arrays and a JSON header; loading it
runs no code). It is loaded only if its HMAC-SHA256 signature verifies, under a key derived from
the platform's JWT secret, over the tenant's schema name, the version number and the content: a
row written by anyone without the secret, or copied from another tenant's table, is refused
(weights slipped into the table would otherwise decide every category the tenant sees).

Labels are the categories people chose (`category_id` among the row's user fields) and those
rules set. Labels alone would teach the model only the handful of categories a tenant corrected,
so each version also learns the bootstrap corpus, mapped to the tenant's category ids by seed
path, as a low-weight prior: the tenant's own choices decide their merchants, the prior covers
the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, any_, delete, func, literal, or_, select, text
from sqlalchemy.orm import Session, defer

from finsight.analytics.categorization.bootstrap import bootstrap_classifier
from finsight.analytics.categorization.bootstrap import corpus as bootstrap_corpus
from finsight.analytics.categorization.classifier import CategoryClassifier
from finsight.analytics.categorization.features import Example
from finsight.analytics.models import AnalyticsRun, CategoryModel, Merchant
from finsight.analytics.steps import live_ledger
from finsight.categories.models import Category
from finsight.categories.tree import Node, system_ids
from finsight.config import get_settings
from finsight.crypto.derived import tenant_model_signing_key
from finsight.observability.logging import get_logger
from finsight.transactions.models import Transaction

log = get_logger(__name__)

KEEP_VERSIONS = 3
# The first version needs this many labels over at least MIN_CLASSES categories; a new version
# needs NEW_LABELS new (or changed) labels, or NEW_FRACTION of the last version's count.
MIN_LABELS = 10
MIN_CLASSES = 2
NEW_LABELS = 20
NEW_FRACTION = 0.10
# What one version learns from, at most (newest first): people's labels and rule-set rows.
MAX_USER_LABELS = 100_000
MAX_RULE_LABELS = 20_000
BOOTSTRAP = "bootstrap"


class UntrustedModel(Exception):
    """A stored version whose signature does not verify: it is never loaded."""


def _key(schema: str) -> bytes:
    """The organization's own key: a tenant worker is given it (TENANT_MODEL_SIGNING_KEY, by
    the operator); the platform's processes derive it from the root."""
    settings = get_settings()
    if settings.tenant_model_signing_key is not None:
        return bytes.fromhex(settings.tenant_model_signing_key.get_secret_value())
    return bytes.fromhex(tenant_model_signing_key(settings.model_signing_root(), schema))


def sign(schema: str, version: int, content: bytes) -> str:
    mac = hmac.new(_key(schema), digestmod=hashlib.sha256)
    mac.update(f"{schema}\0{version}\0".encode())
    mac.update(content)
    return mac.hexdigest()


def verify(schema: str, version: int, content: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(schema, version, content), signature or "")


def current_schema(session: Session) -> str:
    return str(session.execute(text("SELECT current_schema()")).scalar_one())


def bootstrap_labels(nodes: list[Node]) -> dict[str, uuid.UUID]:
    """The bootstrap's labels ("Restaurants/Coffee shops") as this tenant's category ids, found
    by seed path so renamed system categories still match."""
    by_path = system_ids(nodes)
    out: dict[str, uuid.UUID] = {}
    for label in bootstrap_classifier().labels:
        found = by_path.get(tuple(part.strip().lower() for part in label.split("/")))
        if found is not None:
            out[label] = found
    return out


# Loaded versions by signature (which covers schema, version and content): a run after a small
# import should not decode the same model again.
_loaded: OrderedDict[str, CategoryClassifier] = OrderedDict()
_LOADED_MAX = 8


@dataclass(frozen=True)
class LoadedModel:
    version: int
    labels: int
    classifier: CategoryClassifier
    created_at: Any


def latest_version(session: Session) -> CategoryModel | None:
    return session.scalars(
        select(CategoryModel).order_by(CategoryModel.version.desc()).limit(1)
    ).first()


def load(session: Session, row: CategoryModel) -> CategoryClassifier:
    """The classifier of a stored version; UntrustedModel when its signature fails."""
    if not verify(current_schema(session), row.version, row.content, row.signature):
        raise UntrustedModel(f"category model version {row.version} has a bad signature")
    cached = _loaded.get(row.signature)
    if cached is None:
        cached = CategoryClassifier.from_bytes(row.content)
        _loaded[row.signature] = cached
        while len(_loaded) > _LOADED_MAX:
            _loaded.popitem(last=False)
    else:
        _loaded.move_to_end(row.signature)
    return cached


def save(
    session: Session,
    classifier: CategoryClassifier,
    *,
    labels: int,
    metrics: dict[str, Any],
    run: AnalyticsRun | None,
) -> CategoryModel:
    """Store a new version (one above the newest) and drop all but the newest KEEP_VERSIONS."""
    newest = session.scalar(select(func.max(CategoryModel.version))) or 0
    version = newest + 1
    content = classifier.to_bytes()
    row = CategoryModel(
        version=version,
        labels=labels,
        classes=len(classifier.labels),
        metrics=metrics,
        content=content,
        signature=sign(current_schema(session), version, content),
        run_id=run.id if run is not None else None,
    )
    session.add(row)
    session.flush()
    _loaded[row.signature] = classifier
    keep = select(CategoryModel.version).order_by(CategoryModel.version.desc()).limit(KEEP_VERSIONS)
    session.execute(delete(CategoryModel).where(CategoryModel.version.not_in(keep)))
    return row


def versions(session: Session) -> list[CategoryModel]:
    """Every kept version, newest first, without its content."""
    query = select(CategoryModel).options(defer(CategoryModel.content))
    return list(session.scalars(query.order_by(CategoryModel.version.desc())))


# --- labels and training -------------------------------------------------------------------


def user_set(field: str) -> ColumnElement[bool]:
    """The row's `field` was set by a person."""
    return literal(field) == any_(Transaction.user_fields)


# A person set the row's category: rules, the model and transfers never change it.
USER_CATEGORY = user_set("category_id")


def ledger_columns() -> Select[uuid.UUID, str, str, Decimal, str | None, int | None]:
    """What the classifier reads of a transaction, with the merchant's name when grouped."""
    return select(
        Transaction.id,
        Transaction.description,
        func.coalesce(Transaction.merchant, Merchant.name, "").label("merchant_name"),
        Transaction.amount,
        Transaction.original_category,
        Transaction.mcc,
    ).outerjoin(Merchant, Merchant.id == Transaction.merchant_id)


def example_of(row: Any) -> Example:
    return Example(
        description=row.description,
        merchant=row.merchant_name,
        amount=Decimal(row.amount),
        bank_category=row.original_category,
        mcc=row.mcc,
    )


def eligible() -> list[Any]:
    """Rows rules and the model decide: what every step reads, transfers left out."""
    return [*live_ledger(), Transaction.transfer_id.is_(None)]


def _labelled() -> list[Any]:
    """Rows that are labels: eligible (a deleted account's rows leave every answer, the model's
    too), categorized by a person or a rule, into a live category."""
    return [
        *eligible(),
        or_(USER_CATEGORY, Transaction.category_source == "rule"),
        Transaction.category_id.is_not(None),
        select(Category.id)
        .where(Category.id == Transaction.category_id, Category.deleted_at.is_(None))
        .exists(),
    ]


@dataclass(frozen=True)
class LabelCounts:
    labels: int
    classes: int
    new: int


def people_labels(
    session: Session, batch: uuid.UUID | None = None
) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """For each merchant, how many of its rows people put in each (live) category; with
    `batch`, only the merchants with rows in that import batch."""
    query = (
        select(Transaction.merchant_id, Transaction.category_id, func.count())
        .where(*_labelled(), USER_CATEGORY, Transaction.merchant_id.is_not(None))
        .group_by(Transaction.merchant_id, Transaction.category_id)
    )
    if batch is not None:
        query = query.where(
            Transaction.merchant_id.in_(
                select(Transaction.merchant_id).where(Transaction.import_batch_id == batch)
            )
        )
    labels: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    for merchant, category, count in session.execute(query):
        if merchant is not None and category is not None:  # both are in the WHERE clause
            labels.setdefault(merchant, {})[category] = int(count)
    return labels


def label_counts(session: Session, since: Any) -> LabelCounts:
    new = func.count().filter(Transaction.updated_at > since) if since else func.count()
    row = session.execute(
        select(func.count(), func.count(Transaction.category_id.distinct()), new).where(
            *_labelled()
        )
    ).one()
    return LabelCounts(int(row[0]), int(row[1]), int(row[2]))


def should_train(counts: LabelCounts, last: CategoryModel | None, trusted: bool) -> bool:
    if counts.labels < MIN_LABELS or counts.classes < MIN_CLASSES:
        return False
    if last is None or not trusted:
        return True
    return counts.new >= NEW_LABELS or counts.new >= NEW_FRACTION * max(last.labels, 1)


def _training_rows(session: Session) -> tuple[list[Example], list[str], dict[str, int]]:
    """People's labels, then rule-set rows, newest first."""
    examples: list[Example] = []
    labels: list[str] = []
    sizes: dict[str, int] = {}
    order = (Transaction.transaction_date.desc(), Transaction.id.desc())
    for source, where, limit in (
        ("user", USER_CATEGORY, MAX_USER_LABELS),
        ("rule", ~USER_CATEGORY, MAX_RULE_LABELS),
    ):
        rows = session.execute(
            ledger_columns()
            .add_columns(Transaction.category_id)
            .where(*_labelled(), where)
            .order_by(*order)
            .limit(limit)
        ).all()
        sizes[source] = len(rows)
        examples.extend(example_of(row) for row in rows)
        labels.extend(str(row.category_id) for row in rows)
    return examples, labels, sizes


def prior_for(nodes: list[Node]) -> list[tuple[Example, str]]:
    """The bootstrap corpus in this tenant's vocabulary (category ids), learnt as a low-weight
    background so the tenant's model still knows the categories nobody labelled."""
    mapping = bootstrap_labels(nodes)
    return [
        (example, str(mapping[label])) for example, label in bootstrap_corpus() if label in mapping
    ]


def train(
    session: Session, run: AnalyticsRun | None, counts: LabelCounts, nodes: list[Node]
) -> tuple[CategoryModel, CategoryClassifier] | None:
    """Train and store a new version from the tenant's labels (`nodes`: the tenant's category
    tree, for the prior): the stored row and its classifier; None if they span one class."""
    started = time.perf_counter()
    examples, labels, sizes = _training_rows(session)
    if len(set(labels)) < MIN_CLASSES:
        return None
    prior = prior_for(nodes)
    classifier = CategoryClassifier.train(examples, labels, seed=0, prior=prior)
    metrics = {
        "user_labels": sizes["user"],
        "rule_labels": sizes["rule"],
        "prior_examples": len(prior),
        "new_labels": counts.new,
        "threshold": classifier.threshold,
        "train_s": round(time.perf_counter() - started, 3),
    }
    row = save(session, classifier, labels=counts.labels, metrics=metrics, run=run)
    log.info("analytics.category_model.trained", version=row.version, **metrics)
    return row, classifier


def current_model(
    session: Session, run: AnalyticsRun | None, nodes: list[Node]
) -> tuple[LoadedModel | None, dict[str, Any]]:
    """The tenant's classifier after training a new version when enough labels arrived; None
    when the tenant has none (the bootstrap applies). Also what happened, for the run."""
    info: dict[str, Any] = {}
    last = latest_version(session)
    trusted = True
    classifier: CategoryClassifier | None = None
    if last is not None:
        try:
            classifier = load(session, last)
        except UntrustedModel:
            trusted = False
            info["rejected_version"] = last.version
            log.warning("analytics.category_model.untrusted", version=last.version)
    counts = label_counts(session, last.created_at if last is not None and trusted else None)
    info.update(labels=counts.labels, label_classes=counts.classes, new_labels=counts.new)
    if should_train(counts, last, trusted):
        trained = train(session, run, counts, nodes)
        if trained is not None:
            last, classifier = trained
            info["trained_version"] = last.version
    if last is None or classifier is None:  # none stored, or the stored one is untrusted
        return None, info
    return LoadedModel(last.version, last.labels, classifier, last.created_at), info
