"""A real `finsight serve worker` process on the test Redis and database: tenant queues followed
as organizations come and go, the tenant ping, and the session purge."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from finsight.audit.models import AuditEntry
from finsight.auth.domain import PURGE_SESSIONS_TASK
from finsight.auth.models import AuthSession, RefreshToken
from finsight.cli import app
from finsight.db import platform_session
from finsight.kit.models import utcnow
from finsight.users.models import User
from finsight.worker.app import bind
from finsight.worker.domain import TENANT_PING_TASK
from finsight.worker.enqueue import enqueue_after_commit

from support.processes import ServerProcess, finsight_command

pytestmark = pytest.mark.integration

runner = CliRunner()


def _slug() -> str:
    return "w" + uuid.uuid4().hex[:12]


def _create_org(slug: str) -> None:
    result = runner.invoke(
        app, ["org", "create", slug, "--name", slug, "--owner-email", f"owner@{slug}.example.com"]
    )
    assert result.exit_code == 0, result.output


def _wait_for(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def worker(test_env, tmp_path_factory):
    """(worker process, slug of an organization created before it started)."""
    before = _slug()
    _create_org(before)
    env = {**test_env, "LOG_LEVEL": "INFO"}
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    process = ServerProcess(
        finsight_command(
            "serve", "worker", "--pool", "solo", "--concurrency", "1", "--queue-sync-seconds", "0.5"
        ),
        env,
        log,
    )
    yield process, before
    assert process.stop() in (0, -15), process.log_tail()


def _ping(slug: str):
    return runner.invoke(app, ["org", "ping", slug, "--timeout", "60"])


def test_ping_reaches_org_created_before_start(worker):
    process, before = worker
    result = _ping(before)
    assert result.exit_code == 0, result.output + process.log_tail()
    assert f"on org.{before} as role org_{before} (schema org_{before}," in result.stdout


def test_ping_reaches_org_created_after_start_and_queue_follows_suspension(worker):
    process, before = worker
    assert _ping(before).exit_code == 0  # the worker is up and consuming
    after = _slug()
    _create_org(after)
    result = _ping(after)
    assert result.exit_code == 0, result.output + process.log_tail()
    categories = int(result.stdout.split(", ")[-1].split()[0])
    assert categories > 10

    # Another worker in this session may have answered the ping: make sure this one consumes
    # the queue before suspending, or there would be nothing for it to cancel.
    _wait_for(
        lambda: f"Started consuming from org.{after}" in process.log_tail(10**6),
        "this worker to consume the new organization's queue",
    )
    assert runner.invoke(app, ["org", "suspend", after]).exit_code == 0
    _wait_for(
        lambda: f"Canceling queue org.{after}" in process.log_tail(10**6),
        "the worker to stop consuming the suspended organization's queue",
    )
    refused = _ping(after)
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"error: organization '{after}' is suspended: no worker serves its queue"
    )


def test_task_enqueued_after_commit_runs_in_the_tenant(worker):
    _process, before = worker
    with platform_session() as session:
        task_id = enqueue_after_commit(session, TENANT_PING_TASK, before)
    answer = bind().AsyncResult(task_id).get(timeout=60)
    assert answer == {
        "org": before,
        "role": f"org_{before}",
        "schema": f"org_{before}",
        "categories": answer["categories"],
    }
    assert answer["categories"] > 10


def test_purge_task_deletes_sessions_expired_over_a_day(worker):
    now = utcnow()
    with platform_session() as session:
        user = User(email=f"purge-{uuid.uuid4().hex[:8]}@example.com")
        session.add(user)
        session.flush()
        sessions = {
            name: AuthSession(user_id=user.id, expires_at=now + offset)
            for name, offset in {
                "old": -timedelta(days=2),
                "recent": -timedelta(hours=1),
                "live": timedelta(days=1),
            }.items()
        }
        session.add_all(sessions.values())
        session.flush()
        token = RefreshToken(
            session_id=sessions["old"].id,
            token_hash=uuid.uuid4().bytes,
            expires_at=now - timedelta(days=2),
        )
        session.add(token)
        ids = {name: s.id for name, s in sessions.items()}

    bind().send_task(PURGE_SESSIONS_TASK, queue="default")

    def remaining() -> set[uuid.UUID]:
        with platform_session() as session:
            return set(
                session.scalars(select(AuthSession.id).where(AuthSession.id.in_(ids.values())))
            )

    _wait_for(lambda: ids["old"] not in remaining(), "the purge task")
    assert remaining() == {ids["recent"], ids["live"]}
    with platform_session() as session:
        assert session.get(RefreshToken, token.id) is None
        purge = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "auth.sessions.purge")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert purge is not None and purge.details["deleted"] >= 1


def test_worker_with_explicit_queues_serves_exactly_those(test_env, tmp_path):
    """How the operator runs a tenant's own worker. The organization is suspended, so a worker
    following live organizations (the fixture's, if running) leaves its queue alone."""
    slug = _slug()
    _create_org(slug)
    assert runner.invoke(app, ["org", "suspend", slug]).exit_code == 0
    process = ServerProcess(
        finsight_command(
            "serve", "worker", "--queues", f"org.{slug}", "--pool", "threads", "--concurrency", "1"
        ),
        {**test_env, "LOG_LEVEL": "INFO"},
        tmp_path / "tenant-worker.log",
    )
    try:
        result = bind().send_task(TENANT_PING_TASK, kwargs={"org_slug": slug}, queue=f"org.{slug}")
        assert result.get(timeout=60)["role"] == f"org_{slug}", process.log_tail()
        assert "Started consuming from" not in process.log_tail(400)  # no queue-following
    finally:
        process.stop()
