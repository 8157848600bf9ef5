"""Signed checkpoints of the audit chains' heads, and checking the chains against them.

The database can prove a chain is internally consistent, but whoever owns the table can rewrite
an entry and recompute every later hash, or delete the last entries, and the chain is consistent
again. A checkpoint records each chain's head (organization, seq, hash, time) signed with the
audit signing key (Ed25519, or Ed25519 + ML-DSA-65) in a sink the database users cannot rewrite.
Afterwards every checkpointed (seq, hash) must still be in the table: a rewrite changes the hash
at the next checkpointed seq, a truncation removes it, a rollback replaces it.

Checkpoints are kept per cluster (each PostgreSQL cluster's `platform.audit_log` has its own
chains); within a cluster a chain is identified by its organization id (None: the platform's).
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from finsight.audit.checkpoint_sink import CheckpointSink
from finsight.crypto.signing import InvalidSignature, SigningKey, VerifyKey

FORMAT = "finsight-audit-checkpoint/1"
Bind = Session | Connection


@dataclass(frozen=True)
class ChainHead:
    org_id: uuid.UUID | None
    seq: int
    hash: str
    occurred_at: datetime


def chain_heads(bind: Bind) -> list[ChainHead]:
    rows = bind.execute(
        text(
            "SELECT DISTINCT ON (org_id) org_id, seq, hash, occurred_at FROM platform.audit_log "
            "ORDER BY org_id, seq DESC"
        )
    )
    return [ChainHead(r.org_id, int(r.seq), str(r.hash), r.occurred_at) for r in rows]


def _canonical(body: dict[str, Any]) -> bytes:
    """The signed bytes: sorted keys, no whitespace, ASCII."""
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _chains(body: dict[str, Any]) -> set[tuple[str | None, int, str]]:
    return {(c["org_id"], int(c["seq"]), str(c["hash"])) for c in body.get("chains", [])}


@dataclass(frozen=True)
class CheckpointWritten:
    cluster: str
    chains: int
    location: str | None  # None: no chain moved since the latest checkpoint
    previous: str | None = None


def write_checkpoint(
    bind: Bind, cluster: str, sink: CheckpointSink, key: SigningKey, *, now: datetime | None = None
) -> CheckpointWritten:
    """Sign and store the heads of every chain in the cluster's audit log, unless none moved."""
    heads = chain_heads(bind)
    taken_at = (now or datetime.now(UTC)).astimezone(UTC)
    body: dict[str, Any] = {
        "format": FORMAT,
        "cluster": cluster,
        "database": bind.execute(text("SELECT current_database()")).scalar_one(),
        "taken_at": taken_at.isoformat().replace("+00:00", "Z"),
        "chains": [
            {
                "org_id": str(h.org_id) if h.org_id else None,
                "seq": h.seq,
                "hash": h.hash,
                "occurred_at": h.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            }
            for h in heads
        ],
    }
    stored = sink.read_all(cluster)
    if stored:
        with_previous = json.loads(stored[-1].content)["body"]
        if _chains(with_previous) == _chains(body):
            return CheckpointWritten(cluster, len(heads), None, stored[-1].location)
    document = {"body": body, "signature": key.sign(_canonical(body))}
    name = f"{taken_at:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.json"
    location = sink.append(cluster, name, json.dumps(document, indent=1).encode())
    return CheckpointWritten(cluster, len(heads), location)


@dataclass(frozen=True)
class Anchor:
    """One chain's head as a verified checkpoint saw it."""

    org_id: uuid.UUID | None
    seq: int
    hash: str
    taken_at: str


@dataclass
class Checkpoints:
    anchors: list[Anchor] = field(default_factory=list)
    verified: int = 0
    latest: str | None = None
    invalid: list[str] = field(default_factory=list)  # "location: reason"

    def org_ids(self) -> set[uuid.UUID | None]:
        return {a.org_id for a in self.anchors}


def read_checkpoints(sink: CheckpointSink, cluster: str, keys: list[VerifyKey]) -> Checkpoints:
    """Every checkpoint of the cluster whose signature verifies with a trusted key; the others
    are listed as invalid (a forged or damaged checkpoint is itself a finding)."""
    by_id = {key.key_id: key for key in keys}
    found = Checkpoints()
    for stored in sink.read_all(cluster):
        try:
            document = json.loads(stored.content)
            body, signature = document["body"], document["signature"]
            key = by_id.get(signature.get("key_id"))
            if key is None:
                raise InvalidSignature(f"signed by an untrusted key {signature.get('key_id')!r}")
            key.verify(_canonical(body), signature)
            if body.get("format") != FORMAT or body.get("cluster") != cluster:
                raise InvalidSignature("not a checkpoint of this cluster")
        except (InvalidSignature, ValueError, KeyError, TypeError, AttributeError) as exc:
            found.invalid.append(f"{stored.location}: {exc}")
            continue
        found.verified += 1
        found.latest = body["taken_at"]
        for chain in body["chains"]:
            org_id = uuid.UUID(chain["org_id"]) if chain["org_id"] else None
            found.anchors.append(Anchor(org_id, int(chain["seq"]), chain["hash"], body["taken_at"]))
    return found


@dataclass(frozen=True)
class AnchorBreak:
    org_id: uuid.UUID | None
    seq: int
    reason: str


def check_anchors(
    bind: Bind, checkpoints: Checkpoints, org_id: uuid.UUID | None
) -> AnchorBreak | None:
    """The first checkpointed entry of the chain that is gone or differs, lowest seq first."""
    anchors = sorted((a for a in checkpoints.anchors if a.org_id == org_id), key=lambda a: a.seq)
    if not anchors:
        return None
    rows = bind.execute(
        text(
            "SELECT seq, hash FROM platform.audit_log "
            "WHERE org_id IS NOT DISTINCT FROM CAST(:org_id AS uuid) AND seq = ANY(:seqs)"
        ),
        {"org_id": org_id, "seqs": sorted({a.seq for a in anchors})},
    )
    stored = {int(r.seq): str(r.hash) for r in rows}
    last_seq = bind.execute(
        text(
            "SELECT max(seq) FROM platform.audit_log "
            "WHERE org_id IS NOT DISTINCT FROM CAST(:org_id AS uuid)"
        ),
        {"org_id": org_id},
    ).scalar_one()
    confirmed = 0
    for anchor in anchors:
        current = stored.get(anchor.seq)
        if current is None:
            ends = f"ends at seq {last_seq}" if last_seq is not None else "is empty"
            return AnchorBreak(
                org_id,
                anchor.seq,
                f"missing: the checkpoint of {anchor.taken_at} signed seq {anchor.seq}, the chain "
                f"now {ends} (entries deleted: truncated or rolled back)",
            )
        if current != anchor.hash:
            return AnchorBreak(
                org_id,
                anchor.seq,
                f"hash differs from the checkpoint of {anchor.taken_at}: an entry between seq "
                f"{confirmed + 1} and {anchor.seq} was rewritten or the chain was rolled back "
                "(later hashes recomputed)",
            )
        confirmed = anchor.seq
    return None
