"""`finsight secrets generate-key|rotate`: keys of the secrets encrypted at rest."""

from __future__ import annotations

import secrets as random
from typing import Annotated

import typer

from finsight.audit.service import record
from finsight.cli.common import console, fail, settings, use_database
from finsight.crypto.envelope import envelope
from finsight.crypto.keyring import UnknownKeyId
from finsight.crypto.keys import generate_hybrid, generate_symmetric
from finsight.crypto.secret_columns import SecretColumn, registered_columns, rotate_column
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.service import tenant_database
from finsight.organizations.upgrade import LiveTenant, live_tenants
from finsight.tenancy import TenantNames, scope_to_tenant

app = typer.Typer(help="Secrets encrypted at rest: keys and rotation.", no_args_is_help=True)


@app.command("generate-key")
def generate_key(
    post_quantum: Annotated[
        bool,
        typer.Option(
            "--post-quantum",
            help="A hybrid X25519 + ML-KEM-768 keypair (for ENABLE_POST_QUANTUM_CRYPTO).",
        ),
    ] = False,
) -> None:
    """Print a new key id and key for DATA_ENCRYPTION_KEYS (add it; make it the active one with
    DATA_ENCRYPTION_KEY_ID; then run `finsight secrets rotate`)."""
    kid = f"{'pq' if post_quantum else 'k'}-{random.token_hex(4)}"
    key = generate_hybrid() if post_quantum else generate_symmetric()
    typer.echo(f"{kid} {key}")


def _rotate_tenant(column: SecretColumn, tenant: LiveTenant, kid: str) -> int:
    names = TenantNames.for_slug(tenant.slug)
    with platform_session() as session, tenant_database(session, tenant.cluster) as connection:
        scope_to_tenant(connection, names)
        changed = rotate_column(connection, column, envelope(), kid, schema=names.schema)
        if changed:
            record(
                session,
                org_id=tenant.org_id,
                actor=Actor.cli(),
                action="secrets.rotate",
                target_type="column",
                target_id=column.label,
                details={"rewrapped": changed, "key_id": kid},
            )
    return changed


def _rotate_platform(column: SecretColumn, kid: str) -> int:
    with platform_session() as session:
        changed = rotate_column(session, column, envelope(), kid, schema="platform")
        if changed:
            record(
                session,
                org_id=None,
                actor=Actor.cli(),
                action="secrets.rotate",
                target_type="column",
                target_id=column.label,
                details={"rewrapped": changed, "key_id": kid},
            )
    return changed


@app.command("rotate")
def rotate(
    to: Annotated[
        str | None,
        typer.Option(help="Key id to rewrap to (default: DATA_ENCRYPTION_KEY_ID, the active one)."),
    ] = None,
) -> None:
    """Rewrap every registered encrypted column (platform, and every live organization's
    schema) to one key, so retired keys can be removed. Each table commits on its own; running
    it again finishes what an interrupted run left."""
    use_database()
    settings()
    keyring = envelope().keyring
    kid = to or keyring.active_kid
    try:
        keyring.key(kid)
    except UnknownKeyId as exc:
        fail(str(exc))
    columns = registered_columns()
    if not columns:
        console.print("no encrypted columns are registered: nothing to rotate")
        return
    tenants = live_tenants() if any(c.scope == "tenant" for c in columns) else []
    total = 0
    for column in columns:
        if column.scope == "platform":
            changed = _rotate_platform(column, kid)
        else:
            changed = sum(_rotate_tenant(column, tenant, kid) for tenant in tenants)
        console.print(f"{column.label}: {changed} rewrapped to {kid}")
        total += changed
    console.print(f"{total} secrets rewrapped to {kid}")
