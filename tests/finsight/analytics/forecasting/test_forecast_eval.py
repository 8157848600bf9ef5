"""A small run of the forecast evaluation (`make eval` runs 40 tenants over 4 years): the real
pipeline - detector streams placed, the ensemble, the backtest's choice and band - beats
seasonal naive and its 80% bands hold about 80% of the outcomes."""

from bench.eval.forecasting import evaluate_forecasts
from bench.eval.runner import LEDGER_END


def test_forecasts_meet_the_targets_on_a_small_seed() -> None:
    lines, _, met = evaluate_forecasts(7, 3, 3, LEDGER_END)
    [line] = lines
    assert line["suite"] == "forecast" and line["origins"] == 12
    assert line["net_flow_series"] == 6  # checking and card, three tenants
    assert line["net_flow_median_relative_mae"] < 1.0
    assert line["categories_scored"] >= 10 and line["categories_share_below_1"] >= 0.6
    assert 0.75 <= line["coverage_80"] <= 0.85
    assert set(line["coverage_80_by_horizon"]) == {1, 2, 3}
    # Both candidates win somewhere: the backtest really chooses.
    assert line["methods"]["account:ensemble"] and line["methods"]["category:seasonal_naive"]
    assert met == {
        "forecast_net_flow_median_relative_mae_below": True,
        "forecast_categories_share_below_1": True,
        "forecast_coverage_80": True,
    }
