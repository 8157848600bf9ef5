"""An Organization's status: conditions as a map by type, phase, observedGeneration (pure).

Conventions from the Kubernetes API conventions: CamelCase reasons, `lastTransitionTime`
changes only when a condition's status does, each condition records the generation it saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

DATABASE_READY = "DatabaseReady"
WORKERS_READY = "WorkersReady"
ALERT_RULES_READY = "AlertRulesReady"
READY = "Ready"
CONDITION_TYPES = (DATABASE_READY, WORKERS_READY, ALERT_RULES_READY, READY)

Phase = Literal["Provisioning", "Ready", "Suspended", "Invalid", "Deleting"]
Status = Literal["True", "False", "Unknown"]


@dataclass(frozen=True)
class Condition:
    type: str
    status: Status
    reason: str
    message: str = ""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def merge_conditions(
    previous: Iterable[Mapping[str, Any]],
    updates: Iterable[Condition],
    *,
    generation: int | None,
    now: str,
) -> list[dict[str, Any]]:
    """Replace the conditions named in `updates`, keep the others, in a stable order."""
    by_type = {str(c.get("type")): dict(c) for c in previous if c.get("type")}
    for condition in updates:
        old = by_type.get(condition.type)
        changed = old is None or old.get("status") != condition.status
        entry: dict[str, Any] = {
            "type": condition.type,
            "status": condition.status,
            "reason": condition.reason,
            "message": condition.message,
            "lastTransitionTime": now
            if changed or old is None
            else old.get("lastTransitionTime", now),
        }
        if generation is not None:
            entry["observedGeneration"] = generation
        by_type[condition.type] = entry
    order = {name: index for index, name in enumerate(CONDITION_TYPES)}
    return sorted(by_type.values(), key=lambda c: (order.get(c["type"], len(order)), c["type"]))


def ready_condition(parts: Iterable[Condition], *, suspended: bool) -> Condition:
    """Ready is True only when every other condition is; otherwise it names the first that is
    not."""
    pending = [c for c in parts if c.status != "True"]
    if suspended:
        return Condition(
            READY,
            "False",
            "Suspended",
            "the organization is suspended: workers stopped, sign-ins refused",
        )
    if not pending:
        return Condition(READY, "True", "Provisioned", "every part of the organization is ready")
    first = pending[0]
    status: Status = "Unknown" if all(c.status == "Unknown" for c in pending) else "False"
    return Condition(READY, status, first.reason, f"{first.type}: {first.message}")


def phase_for(conditions: Iterable[Condition], *, suspended: bool) -> Phase:
    if suspended:
        return "Suspended"
    ready = next((c for c in conditions if c.type == READY), None)
    return "Ready" if ready is not None and ready.status == "True" else "Provisioning"


def condition_status(status: Mapping[str, Any] | None, type_: str) -> str | None:
    for condition in (status or {}).get("conditions") or []:
        if condition.get("type") == type_:
            return str(condition.get("status"))
    return None
