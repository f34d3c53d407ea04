"""Is violence rising or falling here? A unit's recent counts against its own baseline.

For every unit and every period ``t`` at once (arrays of shape ``(units, periods)``):

* **recent** — events in the last ``recent`` periods up to and including ``t`` (default 3);
* **baseline** — events in the ``baseline`` periods just before those (default 12);
* **rate ratio** — recent rate ÷ baseline rate, ``(recent / 3) / (baseline / 12)``: 2 means twice
  as many events per period lately as in the year before. ``inf`` when the baseline is empty but
  recent events exist, NaN when both are empty.
* **the test** — if nothing had changed, each of the ``n = recent + baseline`` events would fall
  in the recent window with probability ``p0 = 3 / 15``, so ``recent ~ Binomial(n, p0)``
  (conditioning on the total removes the unknown rate). Conflict events come in bursts, so the
  counts vary more than a Poisson rate allows; the variance-to-mean ratio of the baseline
  periods' counts, ``φ = max(1, variance / mean)`` (quasi-Poisson dispersion), measures that, and
  the test is run on the counts divided by ``φ`` (the binomial tail through the regularised
  incomplete beta function, which accepts fractional counts). With ``φ = 1`` it is the exact
  binomial test; with bursty baselines the same recent count is less significant.
* **p-values**, one-sided: ``p_increase = P(X ≥ recent)`` and ``p_decrease = P(X ≤ recent)``.
* **class** — ``insufficient`` when the history is shorter than ``recent + baseline`` periods or
  fewer than ``min_events`` (default 5) events fell in them; else ``increasing`` when
  ``p_increase < α``, ``decreasing`` when ``p_decrease < α`` (``α = 0.05``), else ``stable``.

A decrease needs many baseline events to be detected (from 14 events to none in the last 3
periods, ``0.8^14 ≈ 0.044``): quiet months after a few incidents are not evidence of safety.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betainc

from sentinelle.threat.layout import PanelLayout

RECENT = 3
BASELINE = 12
ALPHA = 0.05
MIN_EVENTS = 5
TREND_CLASSES = ("insufficient", "decreasing", "stable", "increasing")
"""The trend classes, in the order of their codes (0 … 3)."""
INSUFFICIENT, DECREASING, STABLE, INCREASING = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class TrendResult:
    """The trend test for every unit and period; every array has the shape of the counts.

    ``recent`` and ``baseline`` are the window sums (partial at the start of the series);
    ``rate_ratio``, ``dispersion`` (φ) and the p-values are NaN where the history is shorter than
    ``recent + baseline`` periods; ``codes`` index :data:`TREND_CLASSES`.
    """

    recent: np.ndarray
    baseline: np.ndarray
    rate_ratio: npt.NDArray[np.float64]
    dispersion: npt.NDArray[np.float64]
    p_increase: npt.NDArray[np.float64]
    p_decrease: npt.NDArray[np.float64]
    codes: npt.NDArray[np.int8]
    recent_periods: int = RECENT
    baseline_periods: int = BASELINE
    alpha: float = ALPHA
    min_events: int = MIN_EVENTS

    @property
    def p_value(self) -> npt.NDArray[np.float64]:
        """The one-sided p-value in the direction of the observed change: ``p_increase`` where
        the recent count is at or above its expectation ``n · p0``, else ``p_decrease``."""
        p0 = self.recent_periods / (self.recent_periods + self.baseline_periods)
        expected = (self.recent + self.baseline) * p0
        return np.where(self.recent >= expected, self.p_increase, self.p_decrease)

    @property
    def labels(self) -> npt.NDArray[np.object_]:
        """The class names (``increasing``, ``stable`` …) as an object array."""
        return np.asarray(TREND_CLASSES, dtype=object)[self.codes]


def trend_categorical(codes: npt.ArrayLike) -> pd.Categorical:
    """Trend codes (flat) as an ordered categorical over :data:`TREND_CLASSES`."""
    return pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int8).reshape(-1),
        categories=list(TREND_CLASSES),
        ordered=True,
    )


def window_sums(values: npt.ArrayLike, window: int, lag: int = 0) -> npt.NDArray[np.float64]:
    """Sums over the last axis of ``values[..., t - lag - window + 1 : t - lag + 1]`` for every
    ``t`` (the window ends ``lag`` periods before ``t``; partial, or 0, near the start)."""
    x = np.asarray(values, dtype=np.float64)
    cumulative = np.concatenate([np.zeros((*x.shape[:-1], 1)), np.cumsum(x, axis=-1)], axis=-1)
    end = np.maximum(np.arange(x.shape[-1]) + 1 - lag, 0)
    start = np.maximum(end - window, 0)
    result: npt.NDArray[np.float64] = cumulative[..., end] - cumulative[..., start]
    return result


def trend_test(
    counts: npt.ArrayLike,
    recent: int = RECENT,
    baseline: int = BASELINE,
    alpha: float = ALPHA,
    min_events: int = MIN_EVENTS,
) -> TrendResult:
    """The trend of ``counts`` (shape ``(periods,)`` or ``(units, periods)``, non-negative) at
    every period; see the module docstring for the statistic."""
    x = np.asarray(counts)
    if x.ndim not in (1, 2):
        raise ValueError(f"counts must be a series or a units × periods array, not {x.ndim}-D")
    values = x.astype(np.float64)
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("counts must be finite and non-negative")
    if recent < 1 or baseline < 2:
        raise ValueError("need at least 1 recent period and 2 baseline periods")
    if not 0 < alpha < 0.5:
        raise ValueError("alpha must lie between 0 and 0.5")
    recent_sum = window_sums(values, recent)
    baseline_sum = window_sums(values, baseline, lag=recent)
    squares = window_sums(values**2, baseline, lag=recent)
    complete = np.arange(values.shape[-1]) >= recent + baseline - 1
    complete = np.broadcast_to(complete, values.shape)

    mean = baseline_sum / baseline
    variance = np.maximum(squares - baseline_sum * mean, 0.0) / (baseline - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dispersion = np.where(mean > 0, np.maximum(1.0, variance / mean), 1.0)
        rate_ratio = (recent_sum / recent) / (baseline_sum / baseline)
    total = recent_sum + baseline_sum
    p0 = recent / (recent + baseline)
    # Scaled counts: k / φ events out of n / φ (quasi-Poisson); the binomial tails as incomplete
    # beta functions, P(X ≥ k) = I_p0(k, n − k + 1) and P(X ≤ k) = I_(1−p0)(n − k, k + 1).
    k = recent_sum / dispersion
    rest = (total - recent_sum) / dispersion
    p_increase = np.where(recent_sum > 0, betainc(np.where(k > 0, k, 1.0), rest + 1.0, p0), 1.0)
    p_decrease = np.where(rest > 0, betainc(np.where(rest > 0, rest, 1.0), k + 1.0, 1 - p0), 1.0)

    missing = ~complete
    rate_ratio[missing] = np.nan
    dispersion[missing] = np.nan
    p_increase[missing] = np.nan
    p_decrease[missing] = np.nan

    codes = np.full(values.shape, STABLE, dtype=np.int8)
    codes[np.nan_to_num(p_increase, nan=1.0) < alpha] = INCREASING
    codes[np.nan_to_num(p_decrease, nan=1.0) < alpha] = DECREASING
    codes[missing | (total < min_events)] = INSUFFICIENT

    if np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.bool_):
        recent_out: np.ndarray = recent_sum.astype(np.int64)
        baseline_out: np.ndarray = baseline_sum.astype(np.int64)
    else:
        recent_out, baseline_out = recent_sum, baseline_sum
    return TrendResult(
        recent=recent_out,
        baseline=baseline_out,
        rate_ratio=rate_ratio,
        dispersion=dispersion,
        p_increase=p_increase,
        p_decrease=p_decrease,
        codes=codes,
        recent_periods=recent,
        baseline_periods=baseline,
        alpha=alpha,
        min_events=min_events,
    )


def trend_summary(
    counts: np.ndarray,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    """``(rate ratio, p-value, class name)`` for every cell of ``counts`` (units × periods), with
    the default windows — the shape :mod:`sentinelle.threat.matrix` takes for its trends.
    The p-value is :attr:`TrendResult.p_value` (in the direction of the change)."""
    result = trend_test(counts)
    return result.rate_ratio, result.p_value, result.labels


def trend_columns(result: TrendResult, prefix: str) -> dict[str, object]:
    """The columns of a trend result laid out long (:meth:`PanelLayout.long` order)."""
    long = PanelLayout.long
    return {
        f"{prefix}_recent": long(result.recent).astype(np.int32, copy=False)
        if np.issubdtype(result.recent.dtype, np.integer)
        else long(result.recent),
        f"{prefix}_baseline": long(result.baseline).astype(np.int32, copy=False)
        if np.issubdtype(result.baseline.dtype, np.integer)
        else long(result.baseline),
        f"{prefix}_rate_ratio": long(result.rate_ratio),
        f"{prefix}_dispersion": long(result.dispersion),
        f"{prefix}_p_increase": long(result.p_increase),
        f"{prefix}_p_decrease": long(result.p_decrease),
        f"{prefix}_trend": trend_categorical(long(result.codes)),
    }


def panel_trend(
    panel: pd.DataFrame,
    column: str = "vac_events",
    recent: int = RECENT,
    baseline: int = BASELINE,
    alpha: float = ALPHA,
    min_events: int = MIN_EVENTS,
    prefix: str | None = None,
) -> pd.DataFrame:
    """The trend of one panel column for every unit and period, as a frame keyed like the panel
    (time column, ``unit``) with ``<prefix>_recent``, ``_baseline`` (``int32``), ``_rate_ratio``,
    ``_dispersion``, ``_p_increase``, ``_p_decrease`` (``float64``) and ``_trend`` (ordered
    categorical). ``prefix`` defaults to the column name without ``_events`` (``vac``)."""
    layout = PanelLayout.of(panel)
    result = trend_test(layout.matrix(panel, column), recent, baseline, alpha, min_events)
    name = prefix if prefix is not None else column.removesuffix("_events")
    frame = layout.keys()
    for key, values in trend_columns(result, name).items():
        frame[key] = values
    frame.attrs.update(panel.attrs)
    frame.attrs["trend"] = trend_definition(result)
    return frame


def trend_definition(result: TrendResult) -> str:
    """The trend's definition with its parameters, for tables and reports."""
    return (
        f"events in the last {result.recent_periods} periods against the "
        f"{result.baseline_periods} before; recent ~ Binomial(n, "
        f"{result.recent_periods}/{result.recent_periods + result.baseline_periods}) given the "
        "total n, counts divided by the baseline's dispersion φ = max(1, variance/mean); "
        f"increasing / decreasing when the one-sided p-value < {result.alpha}; insufficient "
        f"with under {result.min_events} events or a history shorter than "
        f"{result.recent_periods + result.baseline_periods} periods"
    )
