"""Analytics scaling: a full run (every step) on 100,000, 300,000 and 1,000,000 transactions in
ONE account (`BENCH_SCALING_ROWS`, comma-separated), each against the import of the very same
rows in the same run. Linear steps keep their cost per 1,000 rows flat as the ledger grows; a
quadratic one would grow tenfold from 100,000 to 1,000,000.

The rows are the evaluation generator's ledgers, one tenant after another, all imported into one
card account of one organization, so the busiest merchants (a coffee chain, a grocer, a
marketplace) have tens of thousands of charges in a year: the worst case for the per-charge
windows of the detectors.
"""

from __future__ import annotations

import os

from bench.analytics_bench import _execute, _run, chase_statement, generated_rows
from bench.harness import PRODUCTION, analyze, report, stores
from bench.ingestion_bench import _import

SIZES = [int(n) for n in os.environ.get("BENCH_SCALING_ROWS", "100000,300000,1000000").split(",")]


def _tenant(slug: str) -> object:
    from finsight.accounts.models import Account
    from finsight.db import platform_session
    from finsight.kit.identity import Actor
    from finsight.organizations.service import OrganizationSpec, ensure_organization
    from finsight.tenancy import tenant_session
    from finsight.users.service import create_user, find_user_by_email

    with platform_session() as session:
        email = f"{slug}@example.com"
        if find_user_by_email(session, email) is None:
            create_user(session, email, "benchmark passphrase 1", actor=Actor.system("bench"))
        ensure_organization(
            session,
            OrganizationSpec(slug=slug, name=slug, owner_email=email, owner_present=True),
            Actor.system("bench"),
        )
    with tenant_session(slug) as session:
        account = Account(name="Card", type="credit_card", currency="USD")
        session.add(account)
        session.flush()
        return account.id


def main() -> None:
    with stores() as env:
        os.environ.update({**env, **PRODUCTION})
        from finsight.config import get_settings
        from finsight.db import platform_session, reset_engines
        from finsight.tenancy.migrations import upgrade_platform

        get_settings.cache_clear()
        reset_engines()
        with platform_session() as session:
            upgrade_platform(session.connection())
        for size in SIZES:
            slug = f"scale{size}"
            account_id = _tenant(slug)
            rows = generated_rows(size)
            import_s, imported = _import(slug, account_id, chase_statement(rows))
            analyze(slug)
            full_s, full = _execute(slug, _run(slug, "all"))
            steps = {k: v for k, v in full["timings"].items() if "." not in k}
            report(
                "analytics_scaling_one_account",
                {
                    "transactions": imported["inserted"],
                    "full_run_s": round(full_s, 2),
                    "import_same_rows_s": round(import_s, 2),
                    "ratio_to_import": round(full_s / import_s, 2),
                    "full_run_ms_per_1k_rows": round(1e6 * full_s / size, 1),
                    "steps_ms_per_1k_rows": {
                        k: round(1e6 * float(v) / size, 1) for k, v in steps.items()
                    },
                    "steps_s": steps,
                    "detail_s": {k: v for k, v in full["timings"].items() if "." in k},
                },
            )
