"""Rolling-origin backtests: no leakage, the origin convention, scores per horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentinelle.forecast import metrics
from sentinelle.forecast.backtest import (
    METRICS,
    backtest,
    forecast,
    parse_horizons,
    parse_origins,
)
from sentinelle.forecast.models import BASELINES, MODELS
from tests.forecast.synthetic import changed_after, synthetic

FORECAST_COLUMNS = [
    "probability",
    "fatalities_mean",
    "fatalities_q10",
    "fatalities_q50",
    "fatalities_q90",
]


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    data = synthetic(n_units=15, n_months=60)
    return data, backtest(data, parse_origins("2013-01:2013-06"), [1, 3], n_samples=50)


def test_changing_data_after_an_origin_changes_none_of_its_forecasts() -> None:
    data = synthetic(n_units=15, n_months=60)
    origin = pd.Period("2013-07", "M")
    changed = changed_after(data, origin - 1)
    first = backtest(data, [origin], [1, 2, 4], n_samples=50).predictions
    second = backtest(changed, [origin], [1, 2, 4], n_samples=50).predictions
    assert set(first["model"]) == set(MODELS)
    pd.testing.assert_frame_equal(first[FORECAST_COLUMNS], second[FORECAST_COLUMNS])
    # what happened after the origin did change, so the comparison is not empty
    assert not first["observed_fatalities"].equals(second["observed_fatalities"])
    # and a later origin, which sees the changed months, forecasts differently
    later = origin + 3
    third = backtest(data, [later], [1], n_samples=50).predictions
    fourth = backtest(changed, [later], [1], n_samples=50).predictions
    assert not np.allclose(third["probability"], fourth["probability"])


def test_truncating_the_data_at_the_origin_changes_nothing() -> None:
    data = synthetic(n_units=15, n_months=60)
    origin = pd.Period("2013-07", "M")
    whole = backtest(data, [origin], [1, 3], models=["rolling12", "logit", "boosting"])
    short = backtest(
        data.truncated(origin - 1), [origin], [1, 3], models=["rolling12", "logit", "boosting"]
    )
    pd.testing.assert_frame_equal(
        whole.predictions[FORECAST_COLUMNS], short.predictions[FORECAST_COLUMNS]
    )


def test_horizon_h_forecasts_the_month_origin_plus_h_minus_one(run) -> None:  # type: ignore[no-untyped-def]
    data, result = run
    frame = result.predictions
    assert (frame["target_month"] == frame["origin"] + (frame["horizon"] - 1)).all()
    vac = data.counts["vac_events"]
    row = frame[(frame["model"] == "last") & (frame["horizon"] == 3)].iloc[4]
    unit = list(data.units).index(row["unit"])
    target = data.month_index(row["target_month"])
    assert row["observed_any"] == float(vac[unit, target] > 0)
    # "last value" repeats the month before the origin
    assert row["probability"] == float(vac[unit, data.month_index(row["origin"]) - 1] > 0)


def test_scores_one_row_per_model_horizon_metric(run) -> None:  # type: ignore[no-untyped-def]
    _, result = run
    scores = result.scores
    assert not scores.duplicated(["model", "horizon", "metric"]).any()
    assert set(scores["metric"]) == set(METRICS)
    assert len(scores) == len(MODELS) * 2 * len(METRICS)
    brier = scores[scores["metric"] == "brier"].set_index(["horizon", "model"])["value"]
    skill = scores[scores["metric"] == "brier_skill"].set_index(["horizon", "model"])["value"]
    for horizon in (1, 3):
        best = min(brier[(horizon, m)] for m in BASELINES)
        for model in MODELS:
            assert skill[(horizon, model)] == pytest.approx(1 - brier[(horizon, model)] / best)
    # a score recomputed from the predictions agrees
    preds = result.predictions
    part = preds[(preds["model"] == "logit") & (preds["horizon"] == 1)]
    expected = metrics.average_precision(part["observed_any"], part["probability"])
    stored = scores.query("model == 'logit' and horizon == 1 and metric == 'average_precision'")
    assert stored["value"].iloc[0] == pytest.approx(expected)


def test_the_learned_models_beat_the_baselines_on_a_learnable_process(run) -> None:  # type: ignore[no-untyped-def]
    _, result = run
    brier = result.scores[result.scores["metric"] == "brier"]
    h1 = brier[brier["horizon"] == 1].set_index("model")["value"]
    assert min(h1["logit"], h1["boosting"]) < h1["zero"]


def test_forecasts_beyond_the_data_are_not_scored() -> None:
    data = synthetic(n_units=10, n_months=40)
    last = data.months[-1]
    result = backtest(data, [last - 1, last, last + 1], [1, 3], models=["zero", "rolling3"])
    frame = result.predictions
    beyond = frame["target_month"] > last
    assert frame.loc[beyond, "observed_any"].isna().all()
    assert frame.loc[~beyond, "observed_any"].notna().all()
    n = result.scores.query("model == 'zero' and horizon == 1 and metric == 'brier'")["n"]
    assert int(n.iloc[0]) == 2 * 10  # origins last - 1 and last; last + 1 is beyond


def test_live_forecast_has_a_band_for_learned_models() -> None:
    data = synthetic(n_units=10, n_months=50)
    result = forecast(data, [1, 2], models=["rolling12", "logit"], primary="logit", bootstrap=4)
    frame = result.predictions
    assert (frame["origin"] == data.months[-1] + 1).all()
    logit = frame[frame["model"] == "logit"]
    assert logit["probability_low"].notna().all()
    assert (logit["probability_low"] <= logit["probability_high"]).all()
    assert frame[frame["model"] == "rolling12"]["probability_low"].isna().all()
    assert frame["observed_any"].isna().all()
    assert result.parameters["primary"] == "logit"


def test_bad_requests_are_refused() -> None:
    data = synthetic(n_units=5, n_months=30)
    with pytest.raises(ValueError, match="nothing to learn from"):
        backtest(data, [data.months[0]], [1])
    with pytest.raises(ValueError, match="after the data's last month"):
        backtest(data, [data.months[-1] + 2], [1])
    with pytest.raises(ValueError, match="unknown model"):
        backtest(data, [data.months[10]], [1], models=["oracle"])
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        parse_origins("2016-13")
    with pytest.raises(ValueError, match="before the first"):
        parse_origins("2017-01:2016-01")
    with pytest.raises(ValueError, match="1 to 24"):
        parse_horizons("0,3")
    assert parse_horizons("1-3,6") == [1, 2, 3, 6]
