"""The producing half of an import: statement bytes -> chunks of COPY-ready text.

Parsing, normalizing and encoding are CPU-bound Python; PostgreSQL's loading is the other half
of the work. In one process the parsing held the GIL the COPY sending thread needed, and the
server waited for data (BENCHMARKS.md, Imports). So a large file is produced in a child process
that hands chunks of COPY text through a pipe, and the importer only writes them to COPY.

- A subprocess (`python -m finsight.ingestion.producer`), not multiprocessing: it starts the
  same from Celery's prefork pool (multiprocessing refuses children to its daemonic processes),
  the threads pool and solo. And nothing is forked from the worker: a fork of a threaded process
  inherits locks held by other threads (logging's, `_strptime`'s that mapped CSV dates take),
  which can hang the child, and would inherit the worker's database sockets too.
- Files under CHILD_MIN_BYTES are produced in-process: starting an interpreter (~0.2 s) would
  cost more than it saves. Both ways run `produce`, so they give the same messages.
- The child touches no database: the file, the fingerprints already stored and the category
  lookup come in the Job. Pickle on both pipes: both ends are this installed code.
- The child exits when done, when killed by `ProducerProcess.close`, or when the importer dies
  (its next write to the pipe fails).
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pickle
import signal
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from finsight.categories.resolve import lookup_resolver
from finsight.errors import FinsightError
from finsight.ingestion.formats import parse_statement
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.normalize import RowNormalizer
from finsight.ingestion.records import RowIssue, StatedBalance

CHILD_MIN_BYTES = 4 << 20
# Rows per chunk (about 200 KB of COPY text); a divisor of the progress interval, so progress
# is written at the same rows as before.
CHUNK_ROWS = 1_000
ISSUES_KEPT = 100

Issue = dict[str, Any]


def issue(item: RowIssue) -> Issue:
    return {"line": item.line, "column": item.column, "message": item.message}


@dataclass(frozen=True)
class Job:
    content: bytes
    format: str | None  # None: detected from the content
    mapping: ColumnMapping | None
    account_id: uuid.UUID
    account_currency: str
    batch_id: uuid.UUID
    existing: set[bytes]  # fingerprints already stored for the account; the file's are added
    categories: dict[str, uuid.UUID | None]  # bank_mapping.build_lookup
    reject: bool  # on_error=reject: the first issue stops the writing


@dataclass(frozen=True, slots=True)
class Chunk:
    data: bytes  # COPY text rows, possibly none
    rows: int  # rows read so far, issues and duplicates included
    position: int  # bytes of the file read so far
    issues: list[Issue]  # found since the previous chunk


@dataclass(frozen=True, slots=True)
class Summary:
    rows_total: int
    inserted: int
    duplicates: int
    total: Decimal
    first_date: date | None
    warnings: list[Issue]
    stated_balance: StatedBalance | None = None  # the bank's, when the file states one


@dataclass(frozen=True, slots=True)
class Failed:
    message: str  # a whole-file problem found while reading (FinsightError.detail)


@dataclass(frozen=True, slots=True)
class _Crashed:
    traceback: str


Message = Chunk | Summary | Failed


class ProducerError(RuntimeError):
    """The child process failed: a bug or a kill, not a problem of the file."""


def produce(job: Job) -> Iterator[Message]:
    """Chunks, then a Summary; or, for a whole-file problem, Failed after the chunks so far.

    In reject mode the first invalid row stops the writing; the rest of the file is still read
    to report up to ISSUES_KEPT issues."""
    source = io.BytesIO(job.content)
    normalize = RowNormalizer(
        account_id=job.account_id,
        account_currency=job.account_currency,
        batch_id=job.batch_id,
        existing=job.existing,
        category_of=lookup_resolver(job.categories),
    )
    rows = inserted = found = 0
    lines: list[str] = []
    issues: list[Issue] = []
    try:
        statement = parse_statement(source, format=job.format, mapping=job.mapping)
        for item in statement.rows:
            rows += 1
            out = item if isinstance(item, RowIssue) else normalize(item)
            if isinstance(out, RowIssue):
                issues.append(issue(out))
                found += 1
                if job.reject and found >= ISSUES_KEPT:
                    break
            elif out is not None and not (job.reject and found):
                lines.append(out)
                inserted += 1
            if rows % CHUNK_ROWS == 0:
                yield Chunk("".join(lines).encode(), rows, source.tell(), issues)
                lines, issues = [], []
    except FinsightError as error:
        yield Chunk(b"", rows, source.tell(), issues)
        yield Failed(error.detail)
        return
    yield Chunk("".join(lines).encode(), rows, source.tell(), issues)
    yield Summary(
        rows_total=rows,
        inserted=inserted,
        duplicates=normalize.duplicates,
        total=normalize.total,
        first_date=normalize.first_date,
        warnings=[issue(warning) for warning in [*statement.warnings, *normalize.future]],
        stated_balance=statement.balances[-1] if statement.balances else normalize.stated_balance(),
    )


class ProducerProcess:
    """`produce` in a child process. Started before the job is ready, so that the interpreter's
    start overlaps the importer's reads; `close` it in any case."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdout is not None
        # A pipe of 1 MiB (Linux lets anyone have that) instead of 64 KiB: the child keeps a few
        # chunks ready while the importer waits on the server, so the importer has the next one
        # at once rather than when the child is next scheduled.
        with contextlib.suppress(AttributeError, OSError):
            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)

    def run(self, job: Job) -> Iterator[Message]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            with stdin:
                pickle.dump(job, stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:
            pass  # the child is gone; reading says how
        while True:
            try:
                message = pickle.load(stdout)  # noqa: S301 - our own child, see above
            except EOFError:
                status = self.process.wait()
                raise ProducerError(f"the parser process exited early (status {status})") from None
            if isinstance(message, _Crashed):
                raise ProducerError(f"the parser process failed:\n{message.traceback}")
            yield message
            if not isinstance(message, Chunk):
                return

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def _guarded(job: Job) -> Iterator[Message | _Crashed]:
    try:
        yield from produce(job)
    except Exception:  # a bug: the importer raises it as ProducerError, with this traceback
        yield _Crashed(traceback.format_exc())


def main() -> None:
    # Ctrl-C reaches the whole process group: the importer handles it and closes this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The messages get the real stdout to themselves; a stray print goes to stderr.
    sink = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        job = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the importer that started us
        for message in _guarded(job):
            pickle.dump(message, sink, protocol=pickle.HIGHEST_PROTOCOL)
            sink.flush()
    except (BrokenPipeError, EOFError):
        os._exit(1)  # the importer is gone; exit without flushing into a closed pipe


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy's: the messages must pickle as
    # finsight.ingestion.producer classes, which the importer knows.
    from finsight.ingestion.producer import main as run

    run()
