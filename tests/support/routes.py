"""The app's own route table (from its OpenAPI document), so tests cover every endpoint,
including ones added later."""

from __future__ import annotations

import os
from typing import Any

MUTATING = {"post", "put", "patch", "delete"}
# Acting on yourself, not on an organization: no organization permission applies.
SELF_SERVICE = {
    "auth.login",
    "auth.refresh",
    "auth.logout",
    "auth.switch",
    "user.update",
    "user.password.change",
    "auth.login.totp",
    "user.2fa.setup",
    "user.2fa.enable",
    "user.2fa.disable",
    "user.2fa.recovery_codes",
    # The invitee's side of an invitation: they are no member yet.
    "invitation.preview",
    "invitation.accept",
    # Plaid calls it, signed (verified before anything else: 401 when it is not).
    "plaid.webhook",
}

# A person's own interface state (marking their in-app notifications seen): any member may, and
# it is not an organization's change, so not audited.
NOT_AUDITED = {"in_app.seen"}
SELF_SERVICE |= NOT_AUDITED

# POSTs that change nothing (a dry run): not audited; still refused to those lacking the permission.
DRY_RUNS = {"preview_import", "analytics.rule.dry_run", "invitation.preview"}


def openapi() -> dict[str, Any]:
    os.environ.setdefault("JWT_SECRET", "x" * 48)
    from finsight.app import create_app

    spec = create_app().openapi()
    # Development-only paths (the dev mail catcher's) exist when this process's environment is
    # development, never in the api the tests run (ENVIRONMENT=test).
    spec["paths"] = {p: v for p, v in spec["paths"].items() if not p.startswith("/api/dev/")}
    return spec


def mutating_routes() -> list[tuple[str, str, str]]:
    """(METHOD, path template, operation id = route name) of every write endpoint."""
    return [
        (method.upper(), path, operation["operationId"])
        for path, operations in openapi()["paths"].items()
        for method, operation in operations.items()
        if method in MUTATING
    ]
