"""Sign-in housekeeping run by beat on the `default` queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.auth.domain import PURGE_SESSIONS_TASK
from finsight.auth.models import AuthSession
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.worker.app import celery_app

# Expired sign-ins stay a day, so "your session expired" can still be told from "unknown".
EXPIRED_SESSION_GRACE = timedelta(days=1)


def purge_expired_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete sign-ins expired over a day ago (refresh tokens go by cascade). Never commits."""
    cutoff = (now or utcnow()) - EXPIRED_SESSION_GRACE
    result = session.execute(
        delete(AuthSession)
        .where(AuthSession.expires_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    deleted = int(getattr(result, "rowcount", 0) or 0)
    if deleted:
        record(
            session,
            org_id=None,
            actor=Actor.system("worker:maintenance"),
            action="auth.sessions.purge",
            target_type="auth_session",
            details={"deleted": deleted, "expired_before": cutoff.isoformat()},
        )
    return deleted


def purge_expired_sessions_task() -> int:
    with platform_session() as session:
        return purge_expired_sessions(session)


purge_expired_sessions_job = celery_app.task(name=PURGE_SESSIONS_TASK)(purge_expired_sessions_task)
