"""Signed checkpoints anchor the audit chains outside the database: the attacks a table owner
can make (rewrite an entry and recompute every later hash, delete the tail, roll back and
append again) pass the in-database check, and `finsight audit verify` catches each of them."""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from finsight.audit.domain import AUDIT_CHECKPOINT_TASK
from finsight.cli import app
from finsight.config import get_settings
from finsight.db import get_engine
from finsight.worker.app import beat_schedule

pytestmark = pytest.mark.integration
runner = CliRunner()


def superuser_dsn(test_env: dict[str, str]) -> str:
    """The test cluster's superuser (the attacker with every database privilege), on this
    worker's database."""
    database = make_url(test_env["DATABASE_URL"]).database
    server = make_url(os.environ["TEST_DATABASE_URL"]).set(
        drivername="postgresql", database=database
    )
    return server.render_as_string(hide_password=False)


@pytest.fixture
def checkpoint_dir(test_env, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "checkpoints"
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    monkeypatch.undo()
    get_settings.cache_clear()


def _invoke(*args: str):
    return runner.invoke(app, list(args))


def _chain_length(org_slug: str) -> int:
    with get_engine().connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM platform.audit_log a JOIN platform.orgs o "
                    "ON o.id = a.org_id WHERE o.slug = :s"
                ),
                {"s": org_slug},
            ).scalar_one()
        )


@pytest.fixture
def org(checkpoint_dir, unique_slug) -> tuple[str, uuid.UUID, int]:
    """An organization whose creation wrote its first entries (the record, the owner's
    invitation), then two suspend/resume pairs, checkpointed after each pair. Returns the slug,
    the id and the offset of seq numbers: creation counted as one entry, the chain is 5 entries
    checkpointed at seq 3 and 5; each test adds the offset to those numbers."""
    created = _invoke(
        "org", "create", unique_slug, "--name", "Anchored", "--owner-email", f"o@{unique_slug}.test"
    )
    assert created.exit_code == 0, created.output
    offset = _chain_length(unique_slug) - 1
    assert _invoke("org", "suspend", unique_slug).exit_code == 0
    assert _invoke("org", "resume", unique_slug).exit_code == 0
    assert _invoke("audit", "checkpoint").exit_code == 0
    assert _invoke("org", "suspend", unique_slug).exit_code == 0
    assert _invoke("org", "resume", unique_slug).exit_code == 0
    assert _invoke("audit", "checkpoint").exit_code == 0
    with get_engine().connect() as conn:
        org_id = conn.execute(
            text("SELECT id FROM platform.orgs WHERE slug = :s"), {"s": unique_slug}
        ).scalar_one()
    return unique_slug, org_id, offset


def _as_superuser(test_env, sql: str) -> None:
    with psycopg.connect(superuser_dsn(test_env), autocommit=True) as conn:
        conn.execute("ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only")
        try:
            conn.execute(sql)
        finally:
            conn.execute("ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only")


def _rewrite_and_recompute(test_env, org_id: uuid.UUID, seq: int) -> None:
    """Forge entry `seq`, then relink and rehash every later entry with the database's own
    hash function: the chain is consistent again."""
    _as_superuser(
        test_env,
        f"""
        UPDATE platform.audit_log SET details = '{{"forged": true}}'
         WHERE org_id = '{org_id}' AND seq = {seq};
        DO $$ DECLARE r record; previous text; BEGIN
            SELECT hash INTO previous FROM platform.audit_log
             WHERE org_id = '{org_id}' AND seq = {seq - 1};
            FOR r IN SELECT id FROM platform.audit_log
                      WHERE org_id = '{org_id}' AND seq >= {seq} ORDER BY seq LOOP
                UPDATE platform.audit_log SET prev_hash = previous WHERE id = r.id;
                UPDATE platform.audit_log a SET hash = platform.audit_entry_hash(a)
                 WHERE id = r.id RETURNING hash INTO previous;
            END LOOP;
        END $$;
        """,
    )


def _delete_from(test_env, org_id: uuid.UUID, seq: int) -> None:
    _as_superuser(
        test_env, f"DELETE FROM platform.audit_log WHERE org_id = '{org_id}' AND seq >= {seq}"
    )


def _without_checkpoints(tmp_path: Path, monkeypatch, *args: str):
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    try:
        return _invoke(*args)
    finally:
        monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
        get_settings.cache_clear()


def test_checkpoints_are_signed_write_once_files(org, checkpoint_dir):
    slug, org_id, k = org
    files = sorted((checkpoint_dir / "default").glob("*.json"))
    assert len(files) == 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    latest = json.loads(files[-1].read_text())
    assert latest["signature"]["key_id"].startswith("ed25519-")
    from finsight.crypto.signing import parse_verify_key

    printed = _invoke("audit", "public-key").stdout.strip()
    assert parse_verify_key(printed).key_id == latest["signature"]["key_id"]
    assert {"org_id": str(org_id), "seq": 5 + k} in [
        {"org_id": c["org_id"], "seq": c["seq"]} for c in latest["body"]["chains"]
    ]
    again = _invoke("audit", "checkpoint")  # nothing moved: nothing written
    assert "chains unchanged since" in again.stdout
    assert len(list((checkpoint_dir / "default").glob("*.json"))) == 2
    verified = _invoke("audit", "verify", "--org", slug)
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.splitlines()[1] == f"{slug}: {5 + k} entries, intact"


def test_rewrite_with_recomputed_hashes_is_caught(test_env, org, tmp_path, monkeypatch):
    slug, org_id, k = org
    _rewrite_and_recompute(test_env, org_id, 2 + k)
    # The database alone cannot tell: the chain is consistent again.
    blind = _without_checkpoints(tmp_path, monkeypatch, "audit", "verify", "--org", slug)
    assert blind.exit_code == 0, blind.output
    result = _invoke("audit", "verify", "--org", slug)
    assert result.exit_code == 1
    line = result.stdout.splitlines()[1]
    assert line.startswith(f"{slug}: BROKEN at seq {3 + k}: hash differs from the checkpoint of ")
    assert f"an entry between seq 1 and {3 + k} was rewritten" in line
    assert result.stderr.strip() == f"error: audit chain broken: {slug}"


def test_a_rewrite_after_the_first_checkpoint_is_placed_between_them(test_env, org):
    slug, org_id, k = org
    _rewrite_and_recompute(test_env, org_id, 5 + k)
    result = _invoke("audit", "verify", "--org", slug)
    assert result.exit_code == 1
    assert f"BROKEN at seq {5 + k}: hash differs" in result.stdout
    assert f"an entry between seq {4 + k} and {5 + k} was rewritten" in result.stdout


def test_deleted_tail_is_caught(test_env, org, tmp_path, monkeypatch):
    slug, org_id, k = org
    _delete_from(test_env, org_id, 4 + k)
    blind = _without_checkpoints(tmp_path, monkeypatch, "audit", "verify", "--org", slug)
    assert blind.exit_code == 0 and f"{slug}: {3 + k} entries, intact" in blind.stdout
    result = _invoke("audit", "verify", "--org", slug)
    assert result.exit_code == 1
    assert f"{slug}: BROKEN at seq {5 + k}: missing: the checkpoint of " in result.stdout
    assert (
        f"the chain now ends at seq {3 + k} (entries deleted: truncated or rolled back)"
        in result.stdout
    )


def test_rollback_then_new_entries_is_caught(test_env, org):
    slug, org_id, k = org
    _delete_from(test_env, org_id, 4 + k)
    # New, genuine entries take the deleted seq numbers again, through the application.
    assert _invoke("org", "suspend", slug).exit_code == 0
    assert _invoke("org", "resume", slug).exit_code == 0
    result = _invoke("audit", "verify", "--org", slug)
    assert result.exit_code == 1
    assert f"{slug}: BROKEN at seq {5 + k}: hash differs from the checkpoint" in result.stdout


def test_whole_chain_deleted_with_its_organization_row_is_caught(test_env, org):
    _, org_id, k = org
    _delete_from(test_env, org_id, 1)
    with psycopg.connect(superuser_dsn(test_env), autocommit=True) as conn:
        conn.execute("DELETE FROM platform.memberships WHERE org_id = %s", (org_id,))
        conn.execute("DELETE FROM platform.orgs WHERE id = %s", (org_id,))
    result = _invoke("audit", "verify")
    assert result.exit_code == 1
    assert f"org {org_id}: BROKEN at seq {3 + k}: missing" in result.stdout
    assert "the chain now is empty" in result.stdout


def test_altered_or_foreign_checkpoints_are_reported(org, checkpoint_dir, monkeypatch):
    slug, _, _ = org
    first = sorted((checkpoint_dir / "default").glob("*.json"))[0]
    document = json.loads(first.read_text())
    document["body"]["chains"][0]["hash"] = "0" * 64
    first.chmod(0o644)
    first.write_text(json.dumps(document))
    from finsight.crypto.signing import generate_ed25519, parse_signing_key

    stranger = parse_signing_key(generate_ed25519(), None)
    body = {**document["body"], "taken_at": "2099-01-01T00:00:00Z"}
    from finsight.audit.checkpoints import _canonical

    (checkpoint_dir / "default" / "29990101T000000Z-forged.json").write_text(
        json.dumps({"body": body, "signature": stranger.sign(_canonical(body))})
    )
    result = _invoke("audit", "verify", "--org", slug)
    assert result.exit_code == 1
    invalid = [line for line in result.stdout.splitlines() if "checkpoint INVALID" in line]
    assert len(invalid) == 2
    assert "Ed25519 signature does not verify" in invalid[0]
    assert "signed by an untrusted key" in invalid[1]
    assert result.stderr.strip() == "error: 2 audit checkpoint(s) do not verify"
    # A retired (or another signer's) key listed in AUDIT_VERIFY_KEYS is trusted again.
    from finsight.crypto.signing import written_verify_key

    monkeypatch.setenv("AUDIT_VERIFY_KEYS", json.dumps([written_verify_key(stranger.verify_key)]))
    get_settings.cache_clear()
    trusted = _invoke("audit", "verify", "--org", slug)
    assert len([line for line in trusted.stdout.splitlines() if "INVALID" in line]) == 1


def test_post_quantum_checkpoints_carry_both_signatures(org, checkpoint_dir, monkeypatch):
    slug, _, _ = org
    monkeypatch.setenv("ENABLE_POST_QUANTUM_CRYPTO", "true")
    get_settings.cache_clear()
    assert _invoke("org", "suspend", slug).exit_code == 0
    written = _invoke("audit", "checkpoint")
    assert written.exit_code == 0, written.output
    latest = sorted((checkpoint_dir / "default").glob("*.json"))[-1]
    signature = json.loads(latest.read_text())["signature"]
    assert signature["key_id"].startswith("hybrid-") and signature["ml_dsa_65"]
    # Ed25519-only checkpoints from before the option was on still verify.
    result = _invoke("audit", "verify", "--org", slug)
    assert result.exit_code == 0, result.output
    assert "checkpoints: 3 verified" in result.stdout
    # Stripping the post-quantum half is refused.
    document = json.loads(latest.read_text())
    del document["signature"]["ml_dsa_65"]
    latest.chmod(0o644)
    latest.write_text(json.dumps(document))
    stripped = _invoke("audit", "verify", "--org", slug)
    assert stripped.exit_code == 1
    assert "ML-DSA-65 signature does not verify" in stripped.stdout


def test_beat_checkpoints_every_five_minutes(org, checkpoint_dir):
    entry = next(e for e in beat_schedule().values() if e["task"] == AUDIT_CHECKPOINT_TASK)
    assert entry["schedule"] == 300.0
    from finsight.audit.tasks import checkpoint_task

    slug, _, _ = org
    assert checkpoint_task() == []  # nothing moved since the fixture's checkpoint
    assert _invoke("org", "suspend", slug).exit_code == 0
    [location] = checkpoint_task()
    assert Path(location).parent == checkpoint_dir / "default"
