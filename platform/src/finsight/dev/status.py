"""`finsight status` / `finsight health`: what of a running `finsight dev` is up, where, how
full its queues are, and each organization's latest import and analytics run."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select

from finsight.dev.state import DevState, process_alive


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    url: str = ""


@dataclass(frozen=True)
class TenantActivity:
    slug: str
    last_import: str
    last_run: str


def _http(name: str, url: str, path: str) -> Check:
    try:
        answer = httpx.get(url + path, timeout=3.0)
    except httpx.HTTPError as exc:
        return Check(name, False, f"no answer ({type(exc).__name__})", url)
    detail = f"{path} {answer.status_code}"
    with contextlib.suppress(ValueError, AttributeError):
        checks = answer.json().get("checks") or {}
        failing = [f"{key}: {value}" for key, value in checks.items() if value != "ok"]
        if failing:
            detail += " (" + "; ".join(failing) + ")"
    return Check(name, answer.status_code == 200, detail, url)


def service_checks(state: DevState) -> list[Check]:
    checks = [
        _http("api", state.api_url, "/readyz"),
        _http("web", state.web_url, "/healthz"),
    ]
    if state.worker_metrics_url:
        checks.append(_http("worker", state.worker_metrics_url, "/metrics"))
    if state.prometheus_url:
        checks.append(_http("prometheus", state.prometheus_url, "/-/ready"))
    if state.alertmanager_url:
        checks.append(_http("alertmanager", state.alertmanager_url, "/-/ready"))
    named = {check.name for check in checks}
    for name, pid in state.children.items():
        if name not in named:  # worker without metrics, beat: is the process there
            alive = process_alive(pid)
            checks.append(Check(name, alive, f"pid {pid} {'running' if alive else 'gone'}"))
    return checks


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def tenant_activity(limit: int = 20) -> list[TenantActivity]:
    """The latest import and analytics run of the first `limit` live organizations."""
    from finsight.analytics.models import AnalyticsRun
    from finsight.ingestion.models import ImportBatch
    from finsight.tenancy import tenant_session
    from finsight.worker.queues import live_tenant_slugs

    found = []
    for slug in live_tenant_slugs()[:limit]:
        with tenant_session(slug) as session:
            batch = session.scalars(
                select(ImportBatch).order_by(ImportBatch.created_at.desc()).limit(1)
            ).first()
            run = session.scalars(
                select(AnalyticsRun).order_by(AnalyticsRun.created_at.desc()).limit(1)
            ).first()
            found.append(
                TenantActivity(
                    slug,
                    f"{batch.status} {_when(batch.finished_at or batch.created_at)}"
                    if batch
                    else "none",
                    f"{run.kind} {run.status} {_when(run.finished_at or run.created_at)}"
                    if run
                    else "none",
                )
            )
    return found
