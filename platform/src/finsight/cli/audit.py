"""`finsight audit verify|checkpoint|generate-key`: the audit log's hash chains and their
signed checkpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.audit.checkpoint_sink import DirectorySink
from finsight.audit.checkpoints import Checkpoints, check_anchors, read_checkpoints
from finsight.audit.service import ChainReport, verify_chain
from finsight.cli.common import console, fail, use_database
from finsight.crypto.signing import generate_ed25519, generate_ml_dsa_65, trusted_verify_keys
from finsight.db import platform_session
from finsight.organizations.models import Organization
from finsight.organizations.service import get_organization

app = typer.Typer(help="The audit log.", no_args_is_help=True)
# Chains live in the default cluster's platform.audit_log today; checkpoints are kept per
# cluster, so chains on other clusters are verified the same way once they exist there.
CLUSTER = "default"


def _line(label: str, report: ChainReport) -> str:
    if report.intact:
        return f"{label}: {report.entries} entries, intact"
    return f"{label}: BROKEN at seq {report.first_broken_seq}: {report.reason}"


def _chains(session: Session, org: str | None) -> list[tuple[str, uuid.UUID | None]]:
    if org is not None:
        return [(org, get_organization(session, org).id)]
    # Deleted organizations too: their trail outlives them.
    orgs = session.scalars(
        select(Organization).order_by(Organization.slug, Organization.created_at)
    )
    return [("platform", None)] + [
        (o.slug if o.deleted_at is None else f"{o.slug} (deleted)", o.id) for o in orgs
    ]


def _checkpoints_line(found: Checkpoints, where: str) -> str:
    if not found.verified:
        return f"checkpoints: none yet in {where} (`finsight audit checkpoint` writes one)"
    return f"checkpoints: {found.verified} verified in {where}, latest {found.latest}"


@app.command("verify")
def verify(
    org: Annotated[
        str | None,
        typer.Option(help="Only this organization (default: every organization and the platform)."),
    ] = None,
) -> None:
    """Check that no audit entry was edited, removed or re-linked, and that every chain still
    holds the heads its signed checkpoints recorded (catching rewrites with recomputed hashes,
    truncation and rollback). Exit 1 if any chain is broken or a checkpoint does not verify."""
    current = use_database()
    sink = DirectorySink(current.checkpoint_dir)
    found = read_checkpoints(sink, CLUSTER, trusted_verify_keys(current))
    console.print(_checkpoints_line(found, str(current.checkpoint_dir / CLUSTER)))
    for invalid in found.invalid:
        console.print(f"checkpoint INVALID: {invalid}")
    broken = []
    with platform_session() as session:
        chains = _chains(session, org)
        if org is None:  # chains a checkpoint saw whose organization row is gone
            known = {org_id for _, org_id in chains}
            chains += [(f"org {o}", o) for o in sorted(found.org_ids() - known, key=str)]
        for label, org_id in chains:
            report = verify_chain(session, org_id)
            line = _line(label, report)
            if report.intact:
                anchor_break = check_anchors(session, found, org_id)
                if anchor_break is not None:
                    line = f"{label}: BROKEN at seq {anchor_break.seq}: {anchor_break.reason}"
            console.print(line)
            if not line.endswith("intact"):
                broken.append(label)
    if found.invalid:
        fail(f"{len(found.invalid)} audit checkpoint(s) do not verify")
    if broken:
        fail(f"audit chain broken: {', '.join(broken)}")


@app.command("checkpoint")
def checkpoint() -> None:
    """Sign the head of every audit chain and append it to AUDIT_CHECKPOINT_DIR (beat does this
    every 5 minutes); nothing is written when no chain moved since the latest checkpoint."""
    use_database()
    from finsight.audit.tasks import checkpoint_clusters

    for written in checkpoint_clusters():
        if written.location:
            console.print(f"{written.cluster}: {written.chains} chains signed: {written.location}")
        else:
            console.print(
                f"{written.cluster}: {written.chains} chains unchanged since {written.previous}"
            )


@app.command("generate-key")
def generate_key() -> None:
    """Print a new audit signing key: AUDIT_SIGNING_KEY (Ed25519) and AUDIT_SIGNING_PQ_KEY
    (ML-DSA-65, used with ENABLE_POST_QUANTUM_CRYPTO)."""
    typer.echo(f"AUDIT_SIGNING_KEY={generate_ed25519()}")
    typer.echo(f"AUDIT_SIGNING_PQ_KEY={generate_ml_dsa_65()}")
