"""`finsight.tenant.ping`: proves a worker serves a tenant's queue and reaches its schema as its
role (what `finsight org ping` checks)."""

from __future__ import annotations

from sqlalchemy import text

from finsight.tenancy import tenant_session
from finsight.worker.app import celery_app
from finsight.worker.domain import TENANT_PING_TASK


def ping_tenant(org_slug: str) -> dict[str, object]:
    with tenant_session(org_slug) as session:
        row = session.execute(
            text("SELECT current_user, current_schema(), (SELECT count(*) FROM categories)")
        ).one()
    return {"org": org_slug, "role": row[0], "schema": row[1], "categories": int(row[2])}


ping_tenant_job = celery_app.task(name=TENANT_PING_TASK, ignore_result=False)(ping_tenant)
