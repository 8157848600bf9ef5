"""Helpers for the statement parser tests: fixture files and splitting rows from issues."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from finsight.ingestion.records import ParsedStatement, RowIssue, StatementRow

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "statements"


@pytest.fixture
def statement_bytes() -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def split() -> Callable[[ParsedStatement], tuple[list[StatementRow], list[RowIssue]]]:
    def run(statement: ParsedStatement) -> tuple[list[StatementRow], list[RowIssue]]:
        rows: list[StatementRow] = []
        issues: list[RowIssue] = []
        for item in statement.rows:
            if isinstance(item, RowIssue):
                issues.append(item)
            else:
                rows.append(item)
        return rows, issues

    return run
