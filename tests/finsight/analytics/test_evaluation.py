"""A small run of the evaluation: the generator is deterministic and the detector beats the
baseline on it. The full run (`make eval`) checks the issue's targets; this one only that the
pieces fit and the ranking holds on a few tenants."""

from datetime import date

import pytest
from bench.eval.generator import generate_ledger
from bench.eval.runner import evaluate

SEED = 7


def test_the_generator_is_deterministic_and_knows_its_truth() -> None:
    a = generate_ledger(SEED, 0, 2, date(2025, 6, 30))
    b = generate_ledger(SEED, 0, 2, date(2025, 6, 30))
    assert a.transactions == b.transactions
    assert a.streams == b.streams
    stream_ids = {s.id for s in a.streams}
    assert {t.stream for t in a.transactions if t.stream} <= stream_ids
    assert {s.cadence.value for s in a.streams} >= {"monthly", "annual"}


# Generates and scores ledgers: minutes when the suite's other workers share the two cores.
@pytest.mark.timeout(1200)
def test_the_detector_beats_the_baseline() -> None:
    lines = {(line["suite"], line.get("detector")): line for line in evaluate(SEED, 2, 3)}
    ours = lines[("recurring", "finsight")]
    baseline = lines[("recurring", "baseline")]
    assert ours["seed"] == SEED and ours["tenants"] == 2
    assert ours["precision"] > baseline["precision"]
    assert ours["recall"] > baseline["recall"]
    assert ours["precision"] >= 0.8 and ours["recall"] >= 0.8
    merchants = lines[("merchants", None)]
    assert merchants["bcubed_precision"] >= 0.9
