"""How `finsight analytics runs` and `analytics run` show a run: one line of what it found, all
of its ~35 counters only when asked (`--verbose`), or everything as JSON (`--json`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from finsight.analytics.models import AnalyticsRun
from finsight.cli.common import console

# (counter, how the summary says it), in the order the steps run; a run shows those it has.
HEADLINES = (
    ("merchants.merchants", "{:,} merchants"),
    ("categorize.updated", "{:,} categorized"),
    ("categorize.abstained", "{:,} to review"),
    ("recurring.streams", "{:,} recurring"),
    ("anomalies.new", "{:,} new anomalies"),
    ("forecast.series", "{:,} forecasts"),
)


def seconds(run: AnalyticsRun) -> float:
    """How long the run took, from its start (else its queueing) to its end; 0 before it ends."""
    began = run.started_at or run.created_at
    return ((run.finished_at or began) - began).total_seconds()


def summary(run: AnalyticsRun) -> str:
    """What the run found, in a few words: "412 merchants · 1,203 categorized · ..."."""
    if run.error:
        return run.error
    said = [text.format(run.counts[key]) for key, text in HEADLINES if key in run.counts]
    if not said:  # a kind without headline counters: its first few, as they are
        said = [f"{name} {value:,}" for name, value in list(run.counts.items())[:4]]
    return " · ".join(said)


def _heading(run: AnalyticsRun) -> str:
    took = f"{seconds(run):.2f}s" if run.finished_at else "-"
    trigger = str(run.parameters.get("trigger", "")) or "-"
    created = run.created_at.strftime("%Y-%m-%d %H:%M:%S")
    return f"{created}  {run.kind:<10} {run.status:<9} {trigger:<8} {took:>8}  {run.id}"


def _step_lines(run: AnalyticsRun) -> list[str]:
    """Per step: its seconds, then every counter ("recurring 0.013s: transactions 8, ...")."""
    counters: dict[str, list[str]] = {}
    for name, value in run.counts.items():
        step, _, counter = name.partition(".")
        counters.setdefault(step, []).append(f"{counter} {value:,}")
    lines = []
    for step, said in counters.items():
        took = run.timings.get(f"{step}_s")
        lines.append(
            f"{step}" + (f" {took:.3f}s" if took is not None else "") + ": " + ", ".join(said)
        )
    return lines


def as_dict(run: AnalyticsRun) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": str(run.id),
        "kind": run.kind,
        "status": run.status,
        "trigger": run.parameters.get("trigger"),
        "parameters": run.parameters,
        "created_at": when(run.created_at),
        "started_at": when(run.started_at),
        "finished_at": when(run.finished_at),
        "seconds": round(seconds(run), 3) if run.finished_at else None,
        "attempts": run.attempts,
        "model_version": run.model_version,
        "counts": run.counts,
        "timings": run.timings,
        "error": run.error,
    }


def print_runs(runs: Sequence[AnalyticsRun], *, verbose: bool, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps([as_dict(run) for run in runs]))
        return
    for run in runs:
        console.print(_heading(run), markup=False)
        if run.status in ("queued", "running") and not run.counts:
            continue
        console.print(f"    {summary(run)}", markup=False)
        if verbose and not run.error:
            for line in _step_lines(run):
                console.print(f"      {line}", markup=False)
