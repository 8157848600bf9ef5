"""A small run of the categorization evaluation: the pieces fit and the ranking holds. The
full run (`make eval`) reports the issue's targets."""

from datetime import date

from bench.eval.categorization import evaluate_categorization


def test_the_classifier_beats_the_peer_rule_and_learns_from_corrections() -> None:
    lines, _, _, beats = evaluate_categorization(7, 1, 2, date(2025, 6, 30))
    by = {line.get("protocol"): line for line in lines if line["suite"] == "categorization"}
    assert all(beats.values())
    assert by["unseen"]["macro_f1"] > by["unseen_baseline"]["macro_f1"]
    assert by["random"]["macro_f1"] >= by["unseen"]["macro_f1"]
    # Corrections must remove most of what the bootstrap gets wrong, for a tenant filing as
    # the starter taxonomy does (little room: the bootstrap gets ~96% of it right) and for one
    # with a house style of its own (this one files coffee as dining: a quarter of its rows).
    gains = {}
    for prefix in ("corrections_starter_style", "corrections"):
        before, after = by[f"{prefix}_before"]["macro_f1"], by[f"{prefix}_after"]["macro_f1"]
        assert after - before >= 0.5 * (1 - before), prefix
        gains[prefix] = after - before
    assert gains["corrections"] > gains["corrections_starter_style"]
    # ...without sending rows to review: 20 labels, mostly the bootstrap's mistakes, are too
    # few to calibrate a threshold on.
    shown_after = by["corrections_after_abstaining"]["categorized"]
    assert shown_after >= by["corrections_before_abstaining"]["categorized"] - 0.02
    assert by["unseen_abstaining"]["precision"] >= 0.85  # one small tenant: noisy
    assert by["unseen_abstaining"]["categorized"] >= 0.7
