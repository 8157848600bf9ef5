"""Soak (issue 19): ten minutes of imports, analytics runs and reads against the api and a worker
as production runs them, with the worker killed (SIGKILL, the whole process group) twice.

Every import is a Chase statement of ROWS_PER_IMPORT rows no other import holds; every third
upload is an earlier file again, which must add nothing. Afterwards: the books hold exactly the
unique rows (nothing lost, nothing doubled), every import finished once, every analytics run
finished, reads saw no server error, and the processes' memory (resident set of the api, and of
the worker's whole process tree) is compared between the end of warm-up and the end.

`python -m bench soak`; SOAK_SECONDS shortens it (default 600).
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.harness import PRODUCTION, api_process, report, stores
from bench.platform_bench import PASSWORD, _prepare

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
ROWS_PER_IMPORT = 2_000
IMPORT_EVERY = 20.0
RUN_EVERY = 90.0
READERS = 4
SAMPLE_EVERY = 10.0
# Memory is compared from here on: imports, caches and the first model are warm by then.
WARM_UP = min(120.0, SECONDS / 4)
SETTLE_TIMEOUT = 600.0


def statement(number: int) -> bytes:
    """A Chase card statement whose descriptions carry `number`: no other statement's rows."""
    out = io.StringIO()
    out.write("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n")
    start = date(2025, 1, 1)
    for index in range(ROWS_PER_IMPORT):
        day = (start + timedelta(days=(index * 7 + number) % 540)).strftime("%m/%d/%Y")
        cents = 100 + (index * 7919 + number * 31) % 25000
        out.write(
            f"{day},{day},SOAK STORE {number} ITEM {index},Shopping,Sale,"
            f"-{cents // 100}.{cents % 100:02d},\n"
        )
    return out.getvalue().encode()


def resident_kib(root: int) -> int:
    """The resident set of `root` and every process below it (from /proc), in KiB."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class Service:
    """`finsight serve ...` in its own process group, so a kill takes every child with it."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.args = args
        self.log = Path(env["DATA_DIR"]) / f"{args[0]}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "finsight.cli", "serve", *self.args],
                env={**os.environ, **self.env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def _account(slug: str) -> str:
    from finsight.accounts.models import Account
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        account = Account(name="Card", type="credit_card", currency="USD")
        session.add(account)
        session.flush()
        return str(account.id)


async def _soak(url: str, token: str, account: str, worker: Service, api_pid: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    uploads: list[tuple[int, str]] = []  # (statement number, import id)
    runs: list[str] = []
    reads: Counter[str] = Counter()
    memory: list[tuple[float, int, int, int]] = []  # (seconds, api KiB, worker KiB, kills so far)
    began = time.monotonic()
    stop = began + SECONDS
    kills_at = [began + SECONDS / 3, began + 2 * SECONDS / 3]

    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:

        async def importer() -> None:
            number = 0
            while time.monotonic() < stop:
                upload = len(uploads)
                again = upload % 3 == 2  # every third upload repeats an earlier statement
                content_number = uploads[upload // 2][0] if again else number
                response = await http.post(
                    "/api/imports",
                    data={"account_id": account},
                    files={"file": (f"s{content_number}.csv", statement(content_number))},
                )
                if response.status_code == 202:
                    uploads.append((content_number, response.json()["id"]))
                    number += 0 if again else 1
                else:
                    reads[f"import {response.status_code}"] += 1
                await asyncio.sleep(IMPORT_EVERY)

        async def analyst() -> None:
            await asyncio.sleep(RUN_EVERY / 2)
            while time.monotonic() < stop:
                response = await http.post("/api/analytics/runs", json={"kind": "all"})
                if response.status_code == 202:
                    runs.append(response.json()["id"])
                else:
                    reads[f"run {response.status_code}"] += 1
                await asyncio.sleep(RUN_EVERY)

        async def reader(index: int) -> None:
            paths = ("/api/transactions?limit=50", "/api/users/me", "/api/analytics/runs")
            turn = index
            while time.monotonic() < stop:
                path = paths[turn % len(paths)]
                turn += 1
                try:
                    response = await http.get(path)
                    reads["5xx" if response.status_code >= 500 else "ok"] += 1
                except httpx.HTTPError:
                    reads["transport error"] += 1
                await asyncio.sleep(0.05)

        async def chaos() -> None:
            while time.monotonic() < stop:
                if kills_at and time.monotonic() >= kills_at[0]:
                    kills_at.pop(0)
                    worker.kill()
                    await asyncio.sleep(3)
                    worker.start()
                memory.append(
                    (
                        time.monotonic() - began,
                        resident_kib(api_pid),
                        resident_kib(worker.pid),
                        worker.kills,
                    )
                )
                elapsed, api_kib, worker_kib, kills = memory[-1]
                print(
                    f"{elapsed:4.0f} s: {len(uploads)} uploads, {len(runs)} runs, "
                    f"{sum(reads.values())} reads {dict(reads)}, {kills} kills, "
                    f"api {api_kib // 1024} MiB, worker {worker_kib // 1024} MiB",
                    file=sys.stderr,
                    flush=True,
                )
                await asyncio.sleep(SAMPLE_EVERY)

        await asyncio.gather(
            importer(), analyst(), chaos(), *(reader(index) for index in range(READERS))
        )
    return {"uploads": uploads, "runs": runs, "reads": reads, "memory": memory}


def _open_work(slug: str) -> dict[str, int]:
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        imports = session.execute(
            text(
                "SELECT status, count(*) FROM import_batches "
                "WHERE status NOT IN ('succeeded', 'failed') GROUP BY 1"
            )
        ).all()
        runs = session.execute(
            text(
                "SELECT status, count(*) FROM analytics_runs "
                "WHERE status NOT IN ('succeeded', 'failed') GROUP BY 1"
            )
        ).all()
    return {
        **{f"imports {row[0]}": row[1] for row in imports},
        **{f"runs {row[0]}": row[1] for row in runs},
    }


def _settle(slug: str) -> tuple[float, dict[str, int]]:
    """Wait until every import and run has finished; the seconds waited, and what is still
    open after SETTLE_TIMEOUT (nothing, when it settled)."""
    began = time.monotonic()
    while True:
        still_open = _open_work(slug)
        if not still_open or time.monotonic() - began > SETTLE_TIMEOUT:
            return time.monotonic() - began, still_open
        print(f"settling: {still_open}", file=sys.stderr, flush=True)
        time.sleep(10)


def _books(slug: str) -> dict[str, object]:
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        rows, distinct = session.execute(
            text("SELECT count(*), count(DISTINCT fingerprint) FROM transactions")
        ).one()
        imports = dict(
            session.execute(text("SELECT status, count(*) FROM import_batches GROUP BY 1")).all()
        )
        inserted, duplicates = session.execute(
            text(
                "SELECT coalesce(sum(inserted), 0), coalesce(sum(duplicates), 0) "
                "FROM import_batches"
            )
        ).one()
        runs = dict(
            session.execute(text("SELECT status, count(*) FROM analytics_runs GROUP BY 1")).all()
        )
        attempts = session.scalar(text("SELECT max(attempts) FROM import_batches"))
    return {
        "transactions": rows,
        "distinct_fingerprints": distinct,
        "imports_by_status": imports,
        "inserted": int(inserted),
        "duplicates": int(duplicates),
        "max_import_attempts": attempts,
        "runs_by_status": runs,
    }


def _memory_figures(samples: list[tuple[float, int, int, int]]) -> dict[str, object]:
    """The api's resident set after warm-up and at the end (it runs throughout); the worker's
    whole tree at its peak in each life (it restarts after each kill), to compare lives."""
    after = [sample for sample in samples if sample[0] >= WARM_UP] or samples
    lives: dict[int, int] = {}
    for _, _, worker_kib, kills in samples:
        lives[kills] = max(lives.get(kills, 0), worker_kib)
    return {
        "api_rss_mib": {
            "after_warm_up": round(after[0][1] / 1024, 1),
            "end": round(after[-1][1] / 1024, 1),
            "max": round(max(s[1] for s in after) / 1024, 1),
        },
        "worker_tree_peak_rss_mib_per_life": [round(kib / 1024, 1) for kib in lives.values()],
    }


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION}
        _prepare(env)
        account = _account("bench")
        worker = Service(env, "worker", "--concurrency", "2")
        beat = Service(env, "beat")  # the sweepers of lost imports and runs, as in production
        worker.start()
        beat.start()
        try:
            pids: list[int] = []
            with api_process(env, pids) as url:
                api_pid = pids[0]
                login = httpx.post(
                    url + "/api/auth/login",
                    json={"email": "bench@example.com", "password": PASSWORD},
                    timeout=30,
                )
                login.raise_for_status()
                soaked = asyncio.run(
                    _soak(url, login.json()["access_token"], account, worker, api_pid)
                )
                settled, still_open = _settle("bench")
        finally:
            worker.stop()
            beat.stop()
        if still_open:
            print(worker.log.read_text()[-4000:], file=sys.stderr)
        unique = {number for number, _ in soaked["uploads"]}
        books = _books("bench")
        expected = len(unique) * ROWS_PER_IMPORT
        report(
            "soak",
            {
                "seconds": SECONDS,
                "worker_kills": worker.kills,
                "uploads": len(soaked["uploads"]),
                "unique_statements": len(unique),
                "expected_rows": expected,
                "nothing_lost_or_doubled": books["transactions"] == expected
                and books["distinct_fingerprints"] == expected
                and books["inserted"] == expected,
                **books,
                "analytics_runs_requested": len(soaked["runs"]),
                "reads": dict(soaked["reads"]),
                "settle_s": round(settled, 1),
                "still_open_after_settle": still_open,
                **_memory_figures(soaked["memory"]),
            },
        )
