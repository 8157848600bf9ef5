"""Where the merchants step puts keys (pure: no database), and the B-cubed scores of make eval."""

from __future__ import annotations

import uuid
from collections import Counter

from bench.eval.metrics import GroupingCounts

from finsight.analytics.merchant_store import Placement, place_new_keys, regroup, source_key

M, M2 = uuid.UUID(int=1), uuid.UUID(int=2)


def _display(key: str) -> str:
    return key.title()


def test_source_key_cleans_bank_text_and_keeps_a_persons_words():
    assert source_key("SQ *BLUE BOTTLE COFFEE #552 OAKLAND CA", False) == (
        "blue bottle coffee",
        "Blue Bottle Coffee",
    )
    assert source_key("  Joe's   Diner #2 ", True) == ("joes diner 2", "Joe's Diner #2")
    assert source_key("カフェ", True) == ("カフェ", "カフェ")


def test_a_new_spelling_joins_its_merchant_and_a_new_name_gets_one_merchant():
    existing = {"blue bottle coffee": Placement(M, False), "netflix": Placement(M2, False)}
    new = Counter({"blue bottle coff": 2, "whole foods market": 3, "whole foods markt": 1})
    plan = place_new_keys(new, existing, _display)
    assert plan.placements["blue bottle coff"] == M
    created = plan.placements["whole foods market"]
    assert plan.placements["whole foods markt"] == created and created not in (M, M2)
    assert plan.new_merchants == {created: "Whole Foods Market"}
    assert place_new_keys(Counter({"netflix": 4}), existing, _display).placements == {}


def test_a_full_run_keeps_what_grouping_agrees_with_and_splits_a_wrong_merge():
    existing = {
        "blue bottle coffee": Placement(M, False),
        "blue bottle coffe": Placement(M, False),
    }
    counts = Counter({"blue bottle coffee": 5, "blue bottle coffe": 1})
    plan = regroup(counts, existing, _display, {M: "Blue Bottle Coffee"})
    assert (plan.placements, plan.new_merchants, plan.renames) == ({}, {}, {})

    # "uber" and "uber eats" in one merchant (unpinned): the bigger group keeps it.
    wrong = {"uber": Placement(M, False), "uber eats": Placement(M, False)}
    plan = regroup(Counter({"uber": 9, "uber eats": 3}), wrong, _display, {M: "Uber"})
    moved = plan.placements["uber eats"]
    assert list(plan.placements) == ["uber eats"] and plan.new_merchants == {moved: "Uber Eats"}


def test_pinned_keys_stay_and_draw_their_unplaced_neighbours():
    # A person split "blue bottle coffe" out of M into M2: grouping still puts the three keys
    # together, but the pinned key stays, and the unpinned ones stay with M.
    existing = {
        "blue bottle coffee": Placement(M, False),
        "blue bottle cofee": Placement(M, False),
        "blue bottle coffe": Placement(M2, True),
    }
    counts = Counter({"blue bottle coffee": 5, "blue bottle cofee": 2, "blue bottle coffe": 1})
    assert regroup(counts, existing, _display, {}).placements == {}
    # A person merged "comcast cable" into M2 ("Xfinity"): a new spelling of it follows the
    # pinned key rather than starting a merchant of its own.
    existing = {"comcast cable": Placement(M2, True), "xfinity": Placement(M2, False)}
    counts = Counter({"comcast cable": 3, "comcast cabl": 1, "xfinity": 4})
    plan = regroup(counts, existing, _display, {M2: "Xfinity"})
    assert plan.placements == {"comcast cabl": M2} and plan.new_merchants == {}
    assert plan.renames == {}  # the pinned fallback does not rename


def test_bcubed_scores_a_merge_and_a_split():
    merged = GroupingCounts()
    merged.add(["a", "a", "b"], ["x", "x", "x"])
    assert merged.result()["bcubed_precision"] == round(5 / 9, 4)
    assert merged.result()["bcubed_recall"] == 1.0
    split = GroupingCounts()
    split.add(["a", "a", "a"], ["x", "x", "y"])
    assert split.result()["bcubed_precision"] == 1.0
    assert split.result()["bcubed_recall"] == round(5 / 9, 4)
