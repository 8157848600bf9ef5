"""Commands in another shell while `finsight dev` runs: they find its stores through
DATA_DIR/dev.json, refuse in one line when the broker is gone, and leave nothing queued."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from finsight.analytics.models import AnalyticsRun
from finsight.analytics.service import abandon_queued_run
from finsight.dev.state import DevState, read_state, remove_state, write_state
from finsight.embedded import free_port
from finsight.ingestion.models import ImportBatch
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org
from support.processes import finsight_command
from support.statements import chase_card

pytestmark = pytest.mark.integration


def _shell_env(test_env: dict[str, str], data_dir: Path, **extra: str) -> dict[str, str]:
    """Another shell: no DATABASE_URL or REDIS_URL, the dev stack's DATA_DIR."""
    env = {k: v for k, v in test_env.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("XDG_RUNTIME_DIR", None)
    return {**env, "DATA_DIR": str(data_dir), **extra}


def _last_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _state(test_env: dict[str, str], pid: int) -> DevState:
    return DevState(
        pid=pid,
        database_url=test_env["DATABASE_URL"],
        redis_url=test_env["REDIS_URL"],
        api_url="http://127.0.0.1:1",
        web_url="http://127.0.0.1:2",
    )


def test_state_file_is_private_and_ignored_once_its_process_is_gone(tmp_path, test_env):
    path = write_state(tmp_path, _state(test_env, os.getpid()))
    assert path == tmp_path / "dev.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_state(tmp_path) == _state(test_env, os.getpid())
    write_state(tmp_path, _state(test_env, _last_pid()))
    assert read_state(tmp_path) is None  # a killed `finsight dev` left it behind
    remove_state(tmp_path, os.getpid())  # not ours: kept
    assert path.exists()
    write_state(tmp_path, _state(test_env, os.getpid()))
    remove_state(tmp_path, os.getpid())
    assert not path.exists()


def test_import_in_another_shell_uses_the_running_stack(tmp_path, test_env, unique_slug):
    create_org(unique_slug)
    make_account(unique_slug)
    statement = tmp_path / "Chase.CSV"
    statement.write_bytes(chase_card([("12/01/2026", "COFFEE", "Food & Drink", "-4.50")]))
    write_state(tmp_path, _state(test_env, os.getpid()))  # this process plays `finsight dev`
    done = subprocess.run(
        finsight_command(
            "import", str(statement), "--org", unique_slug, "--account", "Sapphire", "--no-wait"
        ),
        env=_shell_env(test_env, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "queued on org." in done.stdout
    assert "Warning" not in done.stderr, done.stderr
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 1


@pytest.mark.parametrize("command", ["analytics-run", "import"])
def test_unreachable_broker_is_one_line_and_leaves_nothing(
    tmp_path, test_env, unique_slug, command
):
    create_org(unique_slug)
    make_account(unique_slug)
    statement = tmp_path / "Chase.CSV"
    statement.write_bytes(chase_card([("12/01/2026", "COFFEE", "Food & Drink", "-4.50")]))
    port = free_port()  # nothing listens there: a Redis URL from an earlier `make dev`
    args = (
        ["analytics", "run", "--org", unique_slug]
        if command == "analytics-run"
        else ["import", str(statement), "--org", unique_slug, "--account", "Sapphire"]
    )
    done = subprocess.run(
        finsight_command(*args),
        env={**test_env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"error: cannot reach Redis at 127.0.0.1:{port}: ")
    assert "queued" not in done.stdout
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(AnalyticsRun)) == 0
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_run_no_worker_took_is_failed_not_left_queued(test_env, unique_slug):
    create_org(unique_slug)
    with tenant_session(unique_slug) as session:
        waiting = AnalyticsRun(kind="all", status="queued", parameters={})
        taken = AnalyticsRun(kind="all", status="running", parameters={})
        session.add_all([waiting, taken])
        session.flush()
        ids = waiting.id, taken.id
    with tenant_session(unique_slug) as session:
        assert abandon_queued_run(session, ids[0], "no worker took the run within 600s")
        assert not abandon_queued_run(session, ids[1], "no worker took the run within 600s")
    with tenant_session(unique_slug) as session:
        first, second = (session.get(AnalyticsRun, i) for i in ids)
        assert first is not None and second is not None
        assert (first.status, first.error) == ("failed", "no worker took the run within 600s")
        assert first.finished_at is not None
        assert second.status == "running"


def test_analytics_run_waits_minutes_not_an_hour():
    from finsight.cli.analytics import DEFAULT_TIMEOUT_SECONDS

    assert DEFAULT_TIMEOUT_SECONDS <= 600


def test_no_runtime_dir_warning_without_xdg_runtime_dir():
    """pgserver asks platformdirs for the runtime dir when imported; unset (servers,
    containers) that warned on every command."""
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    script = (
        "import sys; from pathlib import Path; from finsight.embedded import EmbeddedPostgres\n"
        "p = EmbeddedPostgres(Path(sys.argv[1])); p.start(); p.stop()\n"
    )
    # Directly under /tmp, as the suite's own servers: pgserver runs PostgreSQL as another
    # user when started by root, and that user cannot enter pytest's private tmp_path.
    folder = Path(tempfile.mkdtemp(prefix="finsight-xdg-"))
    try:
        done = subprocess.run(
            [sys.executable, "-W", "default", "-c", script, str(folder / "pg")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr


def test_a_database_not_set_up_yet_is_one_line(test_env, unique_slug):
    """`finsight org list` against a fresh data folder's database used to print a traceback."""
    server = make_url(test_env["DATABASE_URL"])
    # Databases are created by the server's owner; the application's login cannot.
    admin = make_url(test_env["MIGRATION_DATABASE_URL"]).set(
        drivername="postgresql", database="postgres"
    )
    name = f"fresh_{unique_slug}"
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        done = subprocess.run(
            finsight_command("org", "list"),
            env={**test_env, "DATABASE_URL": server.set(database=name).render_as_string(False)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        with psycopg.connect(admin.render_as_string(False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("error: the database has no finsight tables yet: run `finsight db")
