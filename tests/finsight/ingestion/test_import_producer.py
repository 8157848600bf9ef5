"""The import's producer: COPY text equal to the definitions, the same messages in a child process
as in-process, failures surfaced the same way, and the child cleaned up."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from finsight.db import platform_session
from finsight.ingestion import pipeline, producer
from finsight.ingestion import service as ingestion_service
from finsight.ingestion.models import ImportBatch
from finsight.ingestion.normalize import COPY_COLUMNS, RowNormalizer, copy_text, fingerprint
from finsight.ingestion.producer import Chunk, Failed, Job, ProducerProcess, Summary, produce
from finsight.ingestion.records import StatementRow
from finsight.ingestion.service import ImportRequest, create_import
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.accounts import make_account
from support.api import create_org
from support.statements import chase_card, generated_chase_card

COFFEE = ("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def statement_row(line: int, description: str, bank_id: str | None = None) -> StatementRow:
    return StatementRow(
        line=line,
        transaction_date=date(2024, 1, 15),
        posted_date=None,
        amount=Decimal("-4.50"),
        currency=None,
        description=description,
        bank_id=bank_id,
        original_category="Food & Drink",
        bank_type="Sale",
        check_number=None,
        balance=None,
        memo=None,
    )


def unescape(value: str) -> str | None:
    if value == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m[1], m[1]), value)


def test_copy_lines_hold_the_fingerprints_and_escaped_values():
    account, batch, category = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    normalize = RowNormalizer(
        account_id=account,
        account_currency="USD",
        batch_id=batch,
        existing=set(),
        category_of={"Food & Drink": category}.get,
    )
    rows = [
        statement_row(2, "COFFEE"),
        statement_row(3, "COFFEE"),  # identical: its own fingerprint, ordinal 2
        statement_row(4, "BACK\\SLASH\tTAB\x00"),
        statement_row(5, "FITID", bank_id="abc123"),
    ]
    expected = [fingerprint(rows[0], 1), fingerprint(rows[1], 2), fingerprint(rows[2], 1)]
    expected.append(fingerprint(rows[3], 0))
    lines = [normalize(row) for row in rows]
    for row, line, digest in zip(rows, lines, expected, strict=True):
        assert isinstance(line, str) and line.endswith("\n")
        cells = dict(zip(COPY_COLUMNS, line[:-1].split("\t"), strict=True))
        assert UUID.match(cells["id"])
        assert (cells["account_id"], cells["import_batch_id"]) == (str(account), str(batch))
        assert cells["fingerprint"] == "\\\\x" + digest.hex()
        assert cells["transaction_date"] == "2024-01-15" and cells["posted_date"] == "\\N"
        assert (cells["amount"], cells["category_id"]) == ("-4.50", str(category))
        assert unescape(cells["description_raw"]) == row.description.replace("\x00", "")
    assert len({line.split("\t", 1)[0] for line in lines}) == 4  # distinct ids
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re" and copy_text(None) == "\\N"
    assert normalize.total == Decimal("-18.00") and normalize.first_date == date(2024, 1, 15)
    again = RowNormalizer(
        account_id=account,
        account_currency="USD",
        batch_id=batch,
        existing=set(expected),  # the same statement, imported again
        category_of={}.get,
    )
    assert [again(row) for row in rows] == [None] * 4 and again.duplicates == 4


def job(content: bytes, **changes: object) -> Job:
    base = Job(
        content=content,
        format="chase_card",
        mapping=None,
        account_id=uuid.uuid4(),
        account_currency="USD",
        batch_id=uuid.uuid4(),
        existing=set(),
        categories={},
        reject=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def in_child(work: Job) -> list[object]:
    child = ProducerProcess()
    try:
        return list(child.run(work))
    finally:
        child.close()


def without_ids(messages: list[object]) -> list[object]:
    """Ids are generated per run; everything else must be equal."""
    return [
        replace(m, data=re.sub(rb"(?m)^[0-9a-f-]{36}\t", b"", m.data))
        if isinstance(m, Chunk)
        else m
        for m in messages
    ]


def test_the_child_sends_what_produce_yields():
    content = generated_chase_card(5_000) + b"13/45/2024,13/45/2024,BROKEN,Shopping,Sale,-1.00,\n"
    for reject in (True, False):
        work = job(content, reject=reject)
        # Each run gets its own set: the normalizer adds the file's fingerprints to it.
        local, child = list(produce(work)), in_child(replace(work, existing=set()))
        assert without_ids(local) == without_ids(child)
        summary = child[-1]
        assert isinstance(summary, Summary) and summary.rows_total == 5_001
        issues = [item for m in child if isinstance(m, Chunk) for item in m.issues]
        assert issues == [
            {"line": 5_002, "column": "Transaction Date", "message": issues[0]["message"]}
        ]
        assert summary.inserted == 5_000  # written before the bad last row; then rolled back
    chunks = [m for m in child if isinstance(m, Chunk)]
    assert [m.rows for m in chunks] == [1_000, 2_000, 3_000, 4_000, 5_000, 5_001]
    assert chunks[-1].position == len(content)


def test_a_whole_file_problem_found_by_the_child_is_failed_not_a_crash():
    content = generated_chase_card(3_000) + b"01/02/2024,01/02/2024,BAD \xff BYTE,X,Sale,-1.00,\n"
    messages = in_child(job(content))
    assert isinstance(messages[-1], Failed) and "not UTF-8" in messages[-1].message
    crashed = job(generated_chase_card(10), categories=None)  # a bug, in effect
    with pytest.raises(producer.ProducerError, match="AttributeError"):
        in_child(crashed)


def test_the_child_is_killed_when_the_importer_stops_early():
    child = ProducerProcess()
    messages = child.run(job(generated_chase_card(50_000)))
    assert isinstance(next(messages), Chunk)
    child.close()
    assert child.process.returncode is not None
    idle = ProducerProcess()  # never given a job
    idle.close()
    assert idle.process.returncode is not None


@pytest.mark.integration
def test_imports_through_the_child_keep_their_guarantees(test_env, unique_slug, monkeypatch):
    monkeypatch.setattr(pipeline, "CHILD_MIN_BYTES", 0)
    started: list[ProducerProcess] = []

    def start() -> ProducerProcess:
        started.append(ProducerProcess())
        return started[-1]

    monkeypatch.setattr(pipeline, "ProducerProcess", start)
    # This test runs the task body itself: a worker of this session must not run it as well.
    monkeypatch.setattr(ingestion_service, "enqueue_after_commit", lambda *args, **kwargs: None)
    create_org(unique_slug)
    account = make_account(unique_slug)
    with platform_session() as session:
        org_id = get_organization(session, unique_slug).id

    def run(content: bytes, on_error: str = "reject") -> ImportBatch:
        with tenant_session(unique_slug) as session:
            request = ImportRequest(account_id=account, filename="s.csv", content=content)
            request = replace(request, on_error=on_error)
            batch_id = create_import(
                session, request, org_id=org_id, org_slug=unique_slug, actor=Actor.system("t")
            ).id
        pipeline.run_import(unique_slug, batch_id)
        with tenant_session(unique_slug) as session:
            batch = session.get(ImportBatch, batch_id)
            assert batch is not None
            session.expunge(batch)
            return batch

    def stored() -> int:
        with tenant_session(unique_slug) as session:
            return int(session.scalar(select(func.count()).select_from(Transaction)) or 0)

    bad = chase_card([COFFEE, ("13/45/2024", "BROKEN", "Shopping", "-1.00"), COFFEE])
    rejected = run(bad)
    assert rejected.status == "failed" and stored() == 0
    assert "line 3" in (rejected.error or "") and "Transaction Date" in (rejected.error or "")
    skipped = run(bad, on_error="skip")
    assert (skipped.status, skipped.inserted, skipped.skipped) == ("succeeded", 2, 1)
    assert skipped.errors[0]["line"] == 3 and skipped.errors[0]["column"] == "Transaction Date"
    again = run(chase_card([COFFEE, COFFEE, COFFEE]))  # two stored already, one new
    assert (again.inserted, again.duplicates) == (1, 2) and stored() == 3
    # Past the head that the upload checks: found by the child, mid-file.
    broken = run(generated_chase_card(3_000) + b"01/02/2024,01/02/2024,\xff,X,Sale,-1.00,\n")
    assert broken.status == "failed" and "not UTF-8" in (broken.error or "") and stored() == 3
    assert len(started) == 4 and all(p.process.returncode is not None for p in started)
