"""`finsight import`: the API's import path, followed to its end from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from finsight.cli import app

from support.accounts import make_account
from support.api import create_org
from support.statements import chase_card

pytestmark = pytest.mark.integration

runner = CliRunner()


def test_import_follows_the_batch_and_reports_counts(
    test_env, unique_slug, worker_process, tmp_path: Path
):
    create_org(unique_slug)
    make_account(unique_slug, name="Sapphire Card")
    statement = tmp_path / "chase.csv"
    statement.write_bytes(
        chase_card(
            [
                ("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50"),
                ("01/16/2024", "SHELL OIL 5745", "Gas", "-40.00"),
            ]
        )
    )
    args = [
        "import",
        str(statement),
        "--org",
        unique_slug,
        "--account",
        "sapphire card",
        "--timeout",
        "60",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "imported 2 transactions (0 duplicates, 0 skipped) from 2 rows" in first.output
    again = runner.invoke(app, args)
    assert "imported 0 transactions (2 duplicates" in again.output


def test_import_errors_are_one_line(test_env, unique_slug, tmp_path: Path):
    create_org(unique_slug)
    statement = tmp_path / "chase.csv"
    statement.write_bytes(chase_card([("01/15/2024", "X", "", "-1.00")]))
    missing = runner.invoke(
        app, ["import", str(statement), "--org", unique_slug, "--account", "nope"]
    )
    assert missing.exit_code == 1
    assert "no account named 'nope'" in missing.stderr
