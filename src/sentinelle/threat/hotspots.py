"""Hotspots: where violence clusters in space, and how each cluster is changing over time.

**Getis-Ord Gi\\*.** For unit ``i``, compare the total of its neighbourhood — the unit itself
and its neighbours (binary weights ``w_ij``, with ``w_ii = 1``: the *star* version) — with what
that many units would hold on average across the country:

    Gi* = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (s √((n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)))

with ``x̄`` and ``s`` the mean and (population) standard deviation of ``x`` over all ``n`` units.
It is a z-score: large and positive where high counts sit next to high counts (a **hot spot**),
negative where low counts cluster (a **cold spot**). A single violent unit among quiet neighbours
scores less than a violent area. Periods where every unit has the same value (e.g. no event
anywhere) have no clustering to measure: ``z = 0``, ``p = 1``. Each unit is tested, so some
units come out "significant" by chance; the two-sided normal p-values are corrected for that by
the **Benjamini–Hochberg** false-discovery rate across the units of each period: ``q`` is the
smallest FDR at which the unit would be declared significant, and a unit is a hot (cold) spot
when ``q ≤ α`` (default 0.05) and ``z > 0`` (``< 0``).

**Space-time patterns** (after ESRI's *emerging hot spot analysis*): over a window of ``T``
periods ending with the *final* period, each unit has the sequence of its Gi* z-scores and of its
hot / cold flags. The **Mann–Kendall** test (``S = Σ_{s<t} sign(z_t − z_s)``, normal
approximation with the tie correction and continuity correction, two-sided) says whether the
z-scores rise or fall over the window (``p < trend_alpha``, default 0.05). With ``share`` = hot
periods ÷ ``T`` and ``persistence`` = 0.9, the first rule that holds gives the pattern:

1. ``new`` — hot in the final period and never before in the window;
2. ``consecutive`` — hot in an uninterrupted run of at least 2 periods ending with the final one,
   never hot before that run, ``share < 0.9``;
3. ``intensifying`` — hot in the final period, ``share ≥ 0.9``, z-scores rising (Mann–Kendall);
4. ``persistent`` — hot in the final period, ``share ≥ 0.9``, no significant trend;
5. ``diminishing`` — hot in the final period, ``share ≥ 0.9``, z-scores falling;
6. ``sporadic`` — hot in the final period, ``share < 0.9``, hot earlier but with interruptions
   (on again, off again), and never a cold spot in the window;
7. ``oscillating`` — like sporadic, but a cold spot in at least one period of the window;
8. ``historical`` — not hot in the final period, but hot in at least 90 % of the window;
9. ``none`` — anything else (never hot, or hot now and then but not now). Cold-spot patterns are
   not classified: for the protection of civilians the question is where violence gathers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.stats import norm

from sentinelle.threat.layout import PanelLayout
from sentinelle.threat.weights import SpatialWeights, star_matrix

ALPHA = 0.05
PERSISTENCE = 0.9
TIE_DECIMALS = 10  # z-scores equal to 10 decimals are ties in the Mann–Kendall test
HOTSPOT_CLASSES = ("cold", "not significant", "hot")
"""Per period: codes -1, 0, 1 (``hotspot_codes``), in this order as an ordered categorical."""
PATTERNS = (
    "none",
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
"""The space-time patterns, in the order of their codes (0 … 8)."""

Weights: TypeAlias = SpatialWeights | sparse.sparray | sparse.spmatrix | np.ndarray


def _star(weights: Weights) -> sparse.csr_array:
    matrix = weights.matrix if isinstance(weights, SpatialWeights) else weights
    return star_matrix(matrix)


def gi_star(values: npt.ArrayLike, weights: Weights) -> npt.NDArray[np.float64]:
    """Getis-Ord Gi* z-scores of ``values`` (shape ``(n,)``, or ``(n, periods)`` for every
    period at once) over ``weights`` (``n × n``; the diagonal is set to 1 here)."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise ValueError(f"values must be a vector or a units × periods array, not {x.ndim}-D")
    if not np.isfinite(x).all():
        raise ValueError("values must be finite (choose how to fill unknown values first)")
    w = _star(weights)
    n = w.shape[0]
    if x.shape[0] != n:
        raise ValueError(f"{x.shape[0]} values for spatial weights over {n} units")
    if n < 2:
        raise ValueError("Gi* needs at least 2 units")
    matrix = x.reshape(n, -1)
    s1 = np.asarray(w.sum(axis=1)).reshape(-1)
    s2 = np.asarray(w.multiply(w).sum(axis=1)).reshape(-1)
    mean = matrix.mean(axis=0)
    sd = matrix.std(axis=0)
    sd = np.where(sd > 1e-12 * (np.abs(mean) + 1.0), sd, 0.0)
    numerator = np.asarray(w @ matrix) - np.outer(s1, mean)
    spread = np.sqrt(np.maximum(n * s2 - s1**2, 0.0) / (n - 1))
    denominator = np.outer(spread, sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denominator > 0, numerator / denominator, 0.0)
    result: npt.NDArray[np.float64] = z.reshape(x.shape)
    return result


def normal_p_values(z: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Two-sided p-values of z-scores under the standard normal: ``2 · P(Z > |z|)``."""
    result: npt.NDArray[np.float64] = 2.0 * norm.sf(np.abs(np.asarray(z, dtype=np.float64)))
    return result


def benjamini_hochberg(p: npt.ArrayLike, axis: int = 0) -> npt.NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (q-values) along ``axis`` (default: across the units
    of each period). With the ``m`` p-values sorted, ``q_(k) = min_{j ≥ k} min(1, p_(j) m / j)``;
    rejecting ``q ≤ α`` keeps the expected share of false discoveries at most ``α``. NaN p-values
    are left out (and stay NaN)."""
    values = np.moveaxis(np.asarray(p, dtype=np.float64), axis, 0)
    shape = values.shape
    flat = values.reshape(shape[0], -1)
    order = np.argsort(flat, axis=0, kind="stable")  # NaN last
    ranked = np.take_along_axis(flat, order, axis=0)
    m = (~np.isnan(flat)).sum(axis=0)
    rank = np.arange(1, shape[0] + 1, dtype=np.float64)[:, None]
    adjusted = ranked * m / rank
    adjusted = np.fmin.accumulate(adjusted[::-1], axis=0)[::-1]
    adjusted = np.minimum(adjusted, 1.0)
    adjusted[np.isnan(ranked)] = np.nan
    q = np.empty_like(flat)
    np.put_along_axis(q, order, adjusted, axis=0)
    return np.moveaxis(q.reshape(shape), 0, axis)


def hotspot_codes(z: npt.ArrayLike, q: npt.ArrayLike, alpha: float = ALPHA) -> npt.NDArray[np.int8]:
    """1 for a hot spot (``q ≤ alpha``, ``z > 0``), -1 for a cold spot, 0 otherwise."""
    zs = np.asarray(z, dtype=np.float64)
    significant = np.nan_to_num(np.asarray(q, dtype=np.float64), nan=1.0) <= alpha
    return (np.sign(zs) * significant).astype(np.int8)


@dataclass(frozen=True, eq=False)
class HotspotTest:
    """Gi* z-scores, two-sided p-values and BH q-values (per period), all of one shape."""

    z: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]
    q: npt.NDArray[np.float64]

    def codes(self, alpha: float = ALPHA) -> npt.NDArray[np.int8]:
        return hotspot_codes(self.z, self.q, alpha)


def hotspot_test(values: npt.ArrayLike, weights: Weights) -> HotspotTest:
    """Gi* for ``values`` (``(n,)`` or ``(n, periods)``) with p- and q-values."""
    z = gi_star(values, weights)
    p = normal_p_values(z)
    return HotspotTest(z, p, benjamini_hochberg(p, axis=0))


@dataclass(frozen=True, eq=False)
class MannKendall:
    """The Mann–Kendall trend test along the last axis: ``s`` (S statistic), ``z``, ``p``."""

    s: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]


def mann_kendall(series: npt.ArrayLike) -> MannKendall:
    """Mann–Kendall test of each series (last axis = time; ``(T,)`` or ``(units, T)``).

    ``S = Σ_{s<t} sign(x_t − x_s)``; ``Var S = [T(T−1)(2T+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18``
    over groups of ``t_g`` tied values; ``z = (S − sign S) / √Var S``; ``p`` two-sided. Values
    equal to :data:`TIE_DECIMALS` decimals are ties. Computed with one vectorised pass per lag.
    """
    x = np.round(np.asarray(series, dtype=np.float64), TIE_DECIMALS)
    if x.ndim not in (1, 2):
        raise ValueError("series must be 1-D or 2-D (units × periods)")
    if not np.isfinite(x).all():
        raise ValueError("series must be finite")
    matrix = x.reshape(-1, x.shape[-1])
    rows, t = matrix.shape
    s = np.zeros(rows, dtype=np.float64)
    for lag in range(1, t):
        s += np.sign(matrix[:, lag:] - matrix[:, :-lag]).sum(axis=1)
    ordered = np.sort(matrix, axis=1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts.reshape(-1)) - 1
    sizes = np.bincount(group).astype(np.float64)
    group_row = np.repeat(np.arange(rows), t)[starts.reshape(-1)]
    ties = np.bincount(group_row, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=rows)
    variance = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, (s - np.sign(s)) / np.sqrt(variance), 0.0)
    p = normal_p_values(z)
    shape = x.shape[:-1]
    return MannKendall(s.reshape(shape), z.reshape(shape), p.reshape(shape))


@dataclass(frozen=True, eq=False)
class SpaceTimePatterns:
    """Per unit: the pattern code (index into :data:`PATTERNS`), hot and cold periods in the
    window, whether the final period is hot, and the Mann–Kendall test of the z-scores."""

    codes: npt.NDArray[np.int8]
    hot_periods: npt.NDArray[np.int64]
    cold_periods: npt.NDArray[np.int64]
    final_hot: npt.NDArray[np.bool_]
    trend: MannKendall
    periods: int

    @property
    def labels(self) -> npt.NDArray[np.object_]:
        return np.asarray(PATTERNS, dtype=object)[self.codes]


def space_time_patterns(
    z: npt.ArrayLike,
    q: npt.ArrayLike,
    alpha: float = ALPHA,
    persistence: float = PERSISTENCE,
    trend_alpha: float = ALPHA,
) -> SpaceTimePatterns:
    """The space-time pattern of each unit from its Gi* ``z`` and ``q`` (``units × T``, the
    window's periods in order, the last one final); rules in the module docstring."""
    zs = np.atleast_2d(np.asarray(z, dtype=np.float64))
    qs = np.atleast_2d(np.asarray(q, dtype=np.float64))
    if zs.shape != qs.shape:
        raise ValueError(f"z {zs.shape} and q {qs.shape} must have the same shape")
    if zs.shape[1] < 1:
        raise ValueError("the window needs at least one period")
    codes = hotspot_codes(zs, qs, alpha)
    hot, cold = codes == 1, codes == -1
    t = zs.shape[1]
    n_hot = hot.sum(axis=1)
    final = hot[:, -1]
    hot_before = hot[:, :-1].any(axis=1)
    not_hot = ~hot
    # trailing run of hot periods: from after the last period that was not hot
    last_break = np.where(not_hot.any(axis=1), t - 1 - np.argmax(not_hot[:, ::-1], axis=1), -1)
    run = t - 1 - last_break
    hot_before_run = n_hot > run
    mostly = n_hot >= persistence * t - 1e-9  # 18 of 20 is 90 %, whatever the rounding
    ever_cold = cold.any(axis=1)
    trend = mann_kendall(zs)
    rising = (trend.p < trend_alpha) & (trend.s > 0)
    falling = (trend.p < trend_alpha) & (trend.s < 0)
    rules = [
        final & ~hot_before,
        final & (run >= 2) & ~hot_before_run & ~mostly,
        final & mostly & rising,
        final & mostly & ~rising & ~falling,
        final & mostly & falling,
        final & ~mostly & hot_before_run & ~ever_cold,
        final & ~mostly & hot_before_run & ever_cold,
        ~final & mostly,
    ]
    pattern = np.select(rules, list(range(1, len(rules) + 1)), default=0).astype(np.int8)
    return SpaceTimePatterns(
        codes=pattern,
        hot_periods=n_hot.astype(np.int64),
        cold_periods=cold.sum(axis=1).astype(np.int64),
        final_hot=final,
        trend=trend,
        periods=t,
    )


def _aligned(weights: Weights, layout: PanelLayout) -> Weights:
    if isinstance(weights, SpatialWeights) and weights.units != tuple(layout.units):
        return weights.reorder(list(layout.units))
    return weights


def panel_hotspots(
    panel: pd.DataFrame,
    weights: Weights,
    column: str = "vac_events",
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Gi* of one panel column for every period: a frame keyed like the panel with the column,
    ``gi_z``, ``gi_p``, ``gi_q`` (``float64``, q per period across units) and ``hotspot``
    (ordered categorical ``cold`` < ``not significant`` < ``hot`` at FDR ``alpha``).
    ``SpatialWeights`` are put in the panel's unit order; a bare matrix must already be."""
    layout = PanelLayout.of(panel)
    values = layout.matrix(panel, column)
    result = hotspot_test(values, _aligned(weights, layout))
    frame = layout.keys()
    frame[column] = layout.long(values)
    frame["gi_z"] = layout.long(result.z)
    frame["gi_p"] = layout.long(result.p)
    frame["gi_q"] = layout.long(result.q)
    frame["hotspot"] = pd.Categorical.from_codes(
        layout.long(result.codes(alpha)) + 1, categories=list(HOTSPOT_CLASSES), ordered=True
    )
    frame.attrs.update(panel.attrs)
    frame.attrs["hotspots"] = (
        f"Getis-Ord Gi* of {column} (each unit in its own neighbourhood, binary weights: "
        f"{weights.kind if isinstance(weights, SpatialWeights) else 'given matrix'}); "
        f"two-sided normal p-values, Benjamini-Hochberg q-values across units per period; "
        f"hot/cold spot when q ≤ {alpha}"
    )
    return frame


def emerging_hotspots(
    panel: pd.DataFrame,
    weights: Weights,
    column: str = "vac_events",
    window: int | None = None,
    end: pd.Period | None = None,
    alpha: float = ALPHA,
    persistence: float = PERSISTENCE,
    trend_alpha: float = ALPHA,
) -> pd.DataFrame:
    """The space-time pattern of every unit over the ``window`` periods ending with ``end``
    (default: every period of the panel, ending with the last): one row per unit with
    ``pattern`` (categorical over :data:`PATTERNS`), ``hot_periods``, ``cold_periods``
    (``int32``), ``final_z``, ``final_q``, ``trend_z``, ``trend_p`` (``float64``, Mann–Kendall of
    the z-scores). Gi* and its q-values are computed period by period over all units."""
    layout = PanelLayout.of(panel)
    if end is None:
        stop = len(layout.periods)
    elif end in layout.periods:
        stop = int(layout.periods.get_loc(end)) + 1
    else:
        raise ValueError(
            f"{end} is not a period of the panel ({layout.periods[0]} to {layout.periods[-1]})"
        )
    start = 0 if window is None else stop - window
    if start < 0 or stop <= start:
        raise ValueError(f"the panel has {stop} periods up to {end}, fewer than {window}")
    values = layout.matrix(panel, column)[:, start:stop]
    result = hotspot_test(values, _aligned(weights, layout))
    patterns = space_time_patterns(result.z, result.q, alpha, persistence, trend_alpha)
    frame = pd.DataFrame(
        {
            "unit": pd.Categorical(layout.units.to_numpy(dtype=object)),
            "pattern": pd.Categorical.from_codes(patterns.codes, categories=list(PATTERNS)),
            "hot_periods": patterns.hot_periods.astype(np.int32),
            "cold_periods": patterns.cold_periods.astype(np.int32),
            "final_z": result.z[:, -1],
            "final_q": result.q[:, -1],
            "trend_z": patterns.trend.z,
            "trend_p": patterns.trend.p,
        }
    )
    frame.attrs.update(panel.attrs)
    frame.attrs.update(
        {
            "first_period": str(layout.periods[start]),
            "final_period": str(layout.periods[stop - 1]),
            "periods": stop - start,
            "patterns": "emerging hot spot patterns of the Gi* z-scores of "
            f"{column}; hot when q ≤ {alpha}; persistence share {persistence}; "
            f"Mann–Kendall trend at {trend_alpha} (docs/threat.md)",
        }
    )
    return frame
