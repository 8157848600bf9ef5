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
from finsight.crypto.signing import (
    audit_signing_key,
    generate_ed25519,
    generate_ml_dsa_65,
    trusted_verify_keys,
    written_verify_key,
)
from finsight.db import cluster_names, platform_session, session_factory
from finsight.organizations.models import Organization
from finsight.organizations.service import get_organization

app = typer.Typer(help="The audit log.", no_args_is_help=True)
Chain = tuple[str, uuid.UUID | None, str]  # label, organization id (None: platform), cluster


def _line(label: str, report: ChainReport) -> str:
    if report.intact:
        return f"{label}: {report.entries} entries, intact"
    return f"{label}: BROKEN at seq {report.first_broken_seq}: {report.reason}"


def _label(org: Organization) -> str:
    return org.slug if org.deleted_at is None else f"{org.slug} (deleted)"


def _chains(session: Session, org: str | None) -> list[Chain]:
    if org is not None:
        found = get_organization(session, org)
        orgs = [found]
        chains: list[Chain] = [(org, found.id, "default")]
    else:
        # Deleted organizations too: their trail outlives them.
        orgs = list(
            session.scalars(
                select(Organization).order_by(Organization.slug, Organization.created_at)
            )
        )
        chains = [("platform", None, "default")] + [(_label(o), o.id, "default") for o in orgs]
    # An organization on another cluster has a second chain there, beside its books.
    chains += [
        (f"{_label(o)} on {o.database_cluster}", o.id, o.database_cluster)
        for o in orgs
        if o.database_cluster != "default"
    ]
    return chains


def _checkpoints_line(cluster: str, found: Checkpoints, where: str) -> str:
    label = "checkpoints" if cluster == "default" else f"checkpoints on {cluster}"
    if not found.verified:
        return f"{label}: none yet in {where} (`finsight audit checkpoint` writes one)"
    return f"{label}: {found.verified} verified in {where}, latest {found.latest}"


def _check(session: Session, label: str, org_id: uuid.UUID | None, found: Checkpoints) -> str:
    """The chain's line: consistent in the database, then holding every checkpointed head."""
    report = verify_chain(session, org_id)
    if report.intact:
        anchor_break = check_anchors(session, found, org_id)
        if anchor_break is not None:
            return f"{label}: BROKEN at seq {anchor_break.seq}: {anchor_break.reason}"
    return _line(label, report)


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
    keys = trusted_verify_keys(current)
    broken = []
    with platform_session() as session:
        chains = _chains(session, org)
        clusters = cluster_names() if org is None else sorted({c for *_, c in chains})
        checkpoints = {c: read_checkpoints(sink, c, keys) for c in clusters}
        invalid = [i for c in clusters for i in checkpoints[c].invalid]
        for cluster in clusters:
            where = str(current.checkpoint_dir / cluster)
            console.print(_checkpoints_line(cluster, checkpoints[cluster], where))
        for problem in invalid:
            console.print(f"checkpoint INVALID: {problem}")
        if org is None:  # chains a checkpoint saw whose organization row is gone
            for cluster in clusters:
                known = {org_id for _, org_id, c in chains if c == cluster}
                gone = sorted(checkpoints[cluster].org_ids() - known, key=str)
                suffix = "" if cluster == "default" else f" on {cluster}"
                chains += [(f"org {o}{suffix}", o, cluster) for o in gone]
        for label, org_id, cluster in chains:
            if cluster == "default":
                line = _check(session, label, org_id, checkpoints[cluster])
            else:
                with session_factory(cluster)() as remote, remote.begin():
                    line = _check(remote, label, org_id, checkpoints[cluster])
            console.print(line)
            if not line.endswith("intact"):
                broken.append(label)
    if invalid:
        fail(f"{len(invalid)} audit checkpoint(s) do not verify")
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


@app.command("public-key")
def public_key() -> None:
    """Print the public key of the configured audit signing key, for AUDIT_VERIFY_KEYS on a
    machine that verifies checkpoints without being able to sign them."""
    typer.echo(written_verify_key(audit_signing_key().verify_key))
