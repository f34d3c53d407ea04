"""The trend test: recent counts against the unit's own baseline, for every period at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sentinelle.threat.trend import (
    DECREASING,
    INCREASING,
    INSUFFICIENT,
    STABLE,
    TREND_CLASSES,
    panel_trend,
    trend_summary,
    trend_test,
    window_sums,
)


def test_a_series_that_doubles_is_increasing_with_a_small_p_value() -> None:
    counts = np.array([5] * 12 + [10] * 3)
    result = trend_test(counts)
    assert result.recent[-1] == 30 and result.baseline[-1] == 60
    assert result.rate_ratio[-1] == pytest.approx(2.0)
    assert result.dispersion[-1] == 1.0  # a constant baseline is not overdispersed
    assert result.p_increase[-1] == pytest.approx(stats.binom.sf(29, 90, 0.2), rel=1e-12)
    assert result.p_increase[-1] < 0.005
    assert result.codes[-1] == INCREASING and result.labels[-1] == "increasing"


def test_random_series_that_double_are_mostly_detected() -> None:
    rng = np.random.default_rng(4)
    counts = np.concatenate([rng.poisson(5, (300, 12)), rng.poisson(10, (300, 3))], axis=1)
    result = trend_test(counts)
    assert (result.codes[:, -1] == INCREASING).mean() > 0.8
    assert (result.codes[:, -1] == DECREASING).sum() == 0


def test_flat_poisson_series_are_mostly_stable() -> None:
    rng = np.random.default_rng(11)
    result = trend_test(rng.poisson(3.0, (500, 60)))
    tested = result.codes[:, 14:]
    assert (tested != INSUFFICIENT).mean() > 0.99
    assert (tested == STABLE).mean() > 0.9
    assert (tested == INCREASING).mean() < 0.05 and (tested == DECREASING).mean() < 0.05


def test_without_overdispersion_it_is_the_exact_binomial_test() -> None:
    rng = np.random.default_rng(2)
    result = trend_test(rng.poisson(2.0, (200, 40)))
    exact = result.dispersion == 1.0
    n = result.recent + result.baseline
    upper = stats.binom.sf(result.recent - 1, n, 3 / 15)
    lower = stats.binom.cdf(result.recent, n, 3 / 15)
    assert exact.sum() > 1000
    np.testing.assert_allclose(result.p_increase[exact], upper[exact], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.p_decrease[exact], lower[exact], rtol=1e-9, atol=1e-12)


def test_overdispersion_makes_a_bursty_series_less_significant() -> None:
    steady = [3] * 12 + [7, 7, 6]
    bursty = [0, 6] * 6 + [7, 7, 6]  # same baseline total (36), in bursts
    result = trend_test(np.array([steady, bursty]))
    # baseline of the bursty series: mean 3, sample variance 12 × 9 / 11 → φ = 36 / 11
    assert result.dispersion[1, -1] == pytest.approx(36 / 11)
    assert result.dispersion[0, -1] == 1.0
    assert result.recent[0, -1] == result.recent[1, -1] == 20
    assert result.p_increase[0, -1] < 0.05 < result.p_increase[1, -1]
    assert result.labels[0, -1] == "increasing" and result.labels[1, -1] == "stable"
    # the quasi-Poisson test is the binomial test on counts divided by φ
    phi = 36 / 11
    k, rest = 20 / phi, 36 / phi
    from scipy.special import betainc

    assert result.p_increase[1, -1] == pytest.approx(betainc(k, rest + 1, 0.2), rel=1e-12)


def test_a_fall_to_zero_is_decreasing_only_with_enough_baseline_events() -> None:
    result = trend_test(np.array([[5] * 12 + [0] * 3, [1] * 12 + [0] * 3]))
    assert result.p_decrease[0, -1] == pytest.approx(0.8**60)
    assert result.labels[0, -1] == "decreasing"
    assert result.p_decrease[1, -1] == pytest.approx(0.8**12)
    assert result.labels[1, -1] == "stable"  # 12 events then 3 quiet months: no evidence


def test_short_histories_and_few_events_are_insufficient() -> None:
    counts = np.array([[4] * 20, [0] * 16 + [1, 1, 1, 0]])
    result = trend_test(counts)
    assert (result.codes[:, :14] == INSUFFICIENT).all()
    assert np.isnan(result.p_increase[:, :14]).all() and np.isnan(result.rate_ratio[:, :14]).all()
    assert (result.codes[0, 14:] == STABLE).all()
    assert (result.codes[1] == INSUFFICIENT).all()  # never 5 events in 15 periods
    # a new threat: no baseline at all, then 6 events
    emerging = trend_test(np.array([0] * 12 + [2, 2, 2]))
    assert emerging.rate_ratio[-1] == np.inf
    assert emerging.p_increase[-1] == pytest.approx(0.2**6)
    assert emerging.labels[-1] == "increasing"


def test_windows_and_parameters() -> None:
    x = np.arange(1, 8)
    np.testing.assert_array_equal(window_sums(x, 3), [1, 3, 6, 9, 12, 15, 18])
    np.testing.assert_array_equal(window_sums(x, 2, lag=3), [0, 0, 0, 1, 3, 5, 7])
    short = trend_test(np.array([1, 1, 1, 1, 6]), recent=1, baseline=4, min_events=3)
    assert short.p_increase[-1] == pytest.approx(stats.binom.sf(5, 10, 0.2))
    with pytest.raises(ValueError, match="non-negative"):
        trend_test(np.array([1, -1, 2]))
    with pytest.raises(ValueError, match="baseline"):
        trend_test(np.array([1, 2, 3]), baseline=1)


def test_summary_gives_ratio_p_value_in_the_direction_of_change_and_names() -> None:
    counts = np.array([[5] * 12 + [10] * 3, [5] * 12 + [0] * 3])
    ratio, p, labels = trend_summary(counts)
    assert ratio.shape == p.shape == labels.shape == counts.shape
    full = trend_test(counts)
    assert p[0, -1] == full.p_increase[0, -1] and p[1, -1] == full.p_decrease[1, -1]
    assert list(labels[:, -1]) == ["increasing", "decreasing"]
    assert set(labels.ravel()) <= set(TREND_CLASSES)


def test_panel_wrapper_is_keyed_like_the_panel() -> None:
    months = pd.period_range("2017-01", "2018-06", freq="M")
    units = ["ML0502", "ML0505"]
    counts = np.array([[1] * 15 + [6, 6, 6], [2] * 18])
    panel = pd.DataFrame(
        {
            "month": pd.PeriodIndex(np.repeat(months, 2), freq="M"),
            "unit": pd.Categorical(np.tile(units, len(months)), categories=units),
            "vac_events": counts.T.reshape(-1).astype("int32"),
        }
    )
    frame = panel_trend(panel)
    assert list(frame.columns[:2]) == ["month", "unit"]
    assert frame["vac_recent"].dtype == "int32" and frame["vac_p_increase"].dtype == "float64"
    assert list(frame["vac_trend"].cat.categories) == list(TREND_CLASSES)
    last = frame[frame["month"] == pd.Period("2018-06", "M")].set_index("unit")
    assert last.loc["ML0502", "vac_trend"] == "increasing"
    assert last.loc["ML0505", "vac_trend"] == "stable"
    assert "Binomial" in frame.attrs["trend"]
    shuffled = panel.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(panel_trend(shuffled), frame)
