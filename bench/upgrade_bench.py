"""Fleet upgrade: `finsight db upgrade` over 1,000 tenants for one migration that adds a column
and an index to `transactions` (target: under 3 minutes on this machine). Baseline in the same
run: the same DDL run directly, one session per tenant, one tenant after another — the work
with no migration tool around it.

The tenants are created empty (their organization rows, then `upgrade_all` provisions them, which
is timed too, as information); the benchmark's migration lives in a copy of the migration tree
(MIGRATIONS_DIR), never in the repository's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from bench.harness import report, stores

TENANTS = int(os.environ.get("BENCH_TENANTS", "1000"))
JOBS = int(os.environ.get("BENCH_JOBS", "4"))
TARGET_SECONDS = 180.0
ROOT = Path(__file__).resolve().parents[1]

BENCH_MIGRATION = '''"""bench: a column and an index on transactions

Revision ID: t9001
Revises: {down}
"""

from alembic import op

revision = "t9001"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE transactions ADD COLUMN bench_note text")
    op.execute("CREATE INDEX ix_transactions_bench_note ON transactions (bench_note)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_transactions_bench_note")
    op.execute("ALTER TABLE transactions DROP COLUMN bench_note")
'''


def _prepare(env: dict[str, str]) -> None:
    os.environ.update(env)
    from finsight.config import get_settings
    from finsight.db import platform_session, reset_engines
    from finsight.tenancy.migrations import upgrade_platform

    get_settings.cache_clear()
    reset_engines()
    with platform_session() as session:
        upgrade_platform(session.connection())


def _organization_rows(count: int) -> list[str]:
    from finsight.db import platform_session

    slugs = [f"fleet-{index:04d}" for index in range(count)]
    with platform_session() as session:
        for slug in slugs:
            session.execute(
                text(
                    "INSERT INTO platform.orgs (id, slug, name, schema_name) "
                    "VALUES (:id, :slug, :slug, :schema)"
                ),
                {"id": uuid.uuid4(), "slug": slug, "schema": "org_" + slug.replace("-", "_")},
            )
    return slugs


def _timed_upgrade() -> tuple[float, int]:
    from finsight.kit.identity import Actor
    from finsight.organizations.upgrade import upgrade_all

    started = time.perf_counter()
    result = upgrade_all(Actor.system("bench"), jobs_per_cluster=JOBS)
    elapsed = time.perf_counter() - started
    if result.failures:
        raise SystemExit(f"upgrade failed for {len(result.failures)}: {result.failures[0]}")
    return elapsed, len(result.tenants)


def _migration_tree_with_bench_step(workdir: Path) -> Path:
    from finsight.tenancy.migrations import head

    tree = workdir / "migrations"
    shutil.copytree(ROOT / "migrations", tree)
    step = BENCH_MIGRATION.format(down=head("tenant"))
    (tree / "tenant" / "versions" / "9001_bench_column_and_index.py").write_text(step)
    return tree


def _direct_baseline(slugs: list[str]) -> float:
    """The same DDL, one session per tenant, one after another."""
    from finsight.db import get_engine
    from finsight.tenancy import TenantNames, scope_to_tenant

    started = time.perf_counter()
    for slug in slugs:
        with get_engine().begin() as connection:
            scope_to_tenant(connection, TenantNames.for_slug(slug))
            connection.execute(text("ALTER TABLE transactions ADD COLUMN bench_direct text"))
            connection.execute(
                text("CREATE INDEX ix_transactions_bench_direct ON transactions (bench_direct)")
            )
    return time.perf_counter() - started


def main() -> None:
    from finsight.tenancy.migrations import head

    with stores() as env, tempfile.TemporaryDirectory(prefix="finsight-upgrade-") as workdir:
        _prepare(env)
        slugs = _organization_rows(TENANTS)
        provision_seconds, provisioned = _timed_upgrade()
        os.environ["MIGRATIONS_DIR"] = str(_migration_tree_with_bench_step(Path(workdir)))
        head.cache_clear()
        upgrade_seconds, upgraded = _timed_upgrade()
        baseline_seconds = _direct_baseline(slugs)
        os.environ.pop("MIGRATIONS_DIR")
        head.cache_clear()
    report(
        "fleet_upgrade",
        {
            "tenants": TENANTS,
            "jobs_per_cluster": JOBS,
            "provision_seconds": round(provision_seconds, 1),
            "upgrade_seconds": round(upgrade_seconds, 1),
            "direct_ddl_seconds": round(baseline_seconds, 1),
            "ratio_to_direct": round(upgrade_seconds / baseline_seconds, 2),
            "target_seconds": TARGET_SECONDS,
            "met": upgrade_seconds < TARGET_SECONDS and provisioned == upgraded == TENANTS,
        },
    )


if __name__ == "__main__":
    main()
