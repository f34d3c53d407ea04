"""Scores for forecasts of violence against civilians, as conflict forecasters (ViEWS) use them.

Two kinds of forecast are scored.

**Binary forecasts** give, for each unit (an area in a month), the probability that at least one
event happens. They are scored on

- *discrimination*: does the forecast rank the units that see violence above those that do not?
  :func:`auroc` (area under the ROC curve) and :func:`average_precision` (area under the
  precision–recall curve, more telling when events are rare);
- *accuracy and calibration*: :func:`brier` (mean squared error against the 0/1 outcome),
  :func:`brier_skill` (improvement over a reference forecast), :func:`reliability_curve` and
  :func:`expected_calibration_error` (do events happen as often as the probabilities say?);
- *operational use*: :func:`recall_at_k` — if a mission could watch only the ``k`` areas with the
  highest probabilities, what share of the areas that saw violence would it have watched?
  :func:`recall_at_k_grouped` asks the same within each cross-section (one origin month × target
  month) and pools the answers.

**Count forecasts** give, for each unit, a predictive distribution of the number of events as an
ensemble of samples. They are scored on the continuous ranked probability score
(:func:`crps_samples`, :func:`mean_crps`), which rewards a distribution that is both sharp and
centred on what happened, and on the mean squared log error (:func:`msle`) of a point forecast.

Every function validates its input and raises :class:`ValueError` with a message naming the
problem: empty input, arrays of different lengths or of the wrong shape, NaN or infinite values,
outcomes other than 0 and 1, probabilities outside [0, 1], negative counts. A score that is not
defined for the data (AUROC with a single class, recall with no event) is NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata

FloatArray = npt.NDArray[np.float64]

RELIABILITY_COLUMNS = ("bin_low", "bin_high", "mean_probability", "observed_frequency", "count")
"""The columns of :func:`reliability_curve`, in order."""


# -- validation ---------------------------------------------------------------------------------


def _vector(values: npt.ArrayLike, name: str) -> FloatArray:
    """Return ``values`` as a non-empty one-dimensional array of finite floats."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _same_length(first: np.ndarray, second: np.ndarray, names: str) -> None:
    if len(first) != len(second):
        raise ValueError(f"{names} have different lengths ({len(first)} and {len(second)})")


def _outcomes(observed: npt.ArrayLike) -> FloatArray:
    """Observed binary outcomes as floats, each 0 or 1."""
    array = _vector(observed, "observed")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError("observed must contain only 0 and 1 (event or no event)")
    return array


def _binary(observed: npt.ArrayLike, probability: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated outcomes and probabilities of the same length."""
    y = _outcomes(observed)
    p = _vector(probability, "probability")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("probability must lie in [0, 1]")
    _same_length(y, p, "observed and probability")
    return y, p


def _positive_int(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _non_negative(values: npt.ArrayLike, name: str) -> FloatArray:
    array = _vector(values, name)
    if np.any(array < 0):
        raise ValueError(f"{name} must be non-negative")
    return array


# -- discrimination -----------------------------------------------------------------------------


def auroc(observed: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Area under the ROC curve.

    The probability that a randomly chosen unit with an event gets a higher probability than a
    randomly chosen unit without one, a tie counting as half. Computed from the Mann–Whitney
    statistic with average ranks: ``(R₁ − n₁(n₁ + 1)/2) / (n₁ n₀)`` where ``R₁`` is the sum of
    the ranks of the ``n₁`` positives among all ``n₁ + n₀`` units. NaN when only one class is
    present.
    """
    y, p = _binary(observed, probability)
    positives = y == 1
    n1 = int(positives.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(p, method="average")
    rank_sum = float(ranks[positives].sum())
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)


def average_precision(observed: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Average precision: the precision–recall curve summarised as a step function.

    Going down the distinct probability values from the highest, the threshold at each value
    flags every unit at or above it; with ``P_n`` and ``R_n`` the precision and recall at the
    ``n``-th threshold (``R_0 = 0``), ``AP = Σ_n (R_n − R_{n−1}) P_n``. Units with the same
    probability enter together. This is scikit-learn's ``average_precision_score``. NaN when
    there is no event.
    """
    y, p = _binary(observed, probability)
    total_positives = y.sum()
    if total_positives == 0:
        return float("nan")
    order = np.argsort(-p, kind="stable")
    p_sorted = p[order]
    hits = np.cumsum(y[order])
    # last position of each run of equal probabilities: one threshold per distinct value
    ends = np.flatnonzero(np.append(np.diff(p_sorted) != 0, True))
    true_positives = hits[ends]
    flagged = ends + 1.0
    precision = true_positives / flagged
    recall = true_positives / total_positives
    recall_steps = np.diff(recall, prepend=0.0)
    return float(np.sum(recall_steps * precision))


# -- accuracy and calibration -------------------------------------------------------------------


def brier(observed: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Brier score: the mean squared difference between probability and the 0/1 outcome.

    0 is perfect; always saying 0.5 scores 0.25. Lower is better.
    """
    y, p = _binary(observed, probability)
    return float(np.mean((p - y) ** 2))


def brier_skill(brier_model: float, brier_reference: float) -> float:
    """Brier skill score ``1 − model / reference``.

    Positive when the model beats the reference forecast (e.g. the base rate or last month's
    events), 1 for a perfect model, negative when it does worse. NaN when the reference score is
    0 (a perfect reference leaves nothing to improve on).
    """
    scores = {"brier_model": brier_model, "brier_reference": brier_reference}
    for name, value in scores.items():
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a number") from exc
        if not np.isfinite(number) or number < 0:
            raise ValueError(f"{name} must be a finite, non-negative Brier score, got {value!r}")
    if float(brier_reference) == 0:
        return float("nan")
    return 1.0 - float(brier_model) / float(brier_reference)


def _bin_index(probability: FloatArray, bins: int) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Bin of each probability among ``bins`` equal-width bins on [0, 1], and the bin edges.

    Bin ``i`` is ``[edges[i], edges[i + 1])``; the last bin also holds 1.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.searchsorted(edges, probability, side="right") - 1
    return np.clip(index, 0, bins - 1), edges


def reliability_curve(
    observed: npt.ArrayLike, probability: npt.ArrayLike, bins: int = 10
) -> pd.DataFrame:
    """Observed event frequency against forecast probability, in equal-width bins.

    The bins split [0, 1] into ``bins`` intervals ``[bin_low, bin_high)``, the last one closed
    so that it holds probability 1. For each non-empty bin: the mean forecast probability, the
    share of its units that saw an event, and the number of units. A calibrated forecast has
    ``observed_frequency ≈ mean_probability`` in every bin. Empty bins are left out.
    """
    y, p = _binary(observed, probability)
    bins = _positive_int(bins, "bins")
    index, edges = _bin_index(p, bins)
    count = np.bincount(index, minlength=bins)
    probability_sum = np.bincount(index, weights=p, minlength=bins)
    event_sum = np.bincount(index, weights=y, minlength=bins)
    filled = count > 0
    return pd.DataFrame(
        {
            "bin_low": edges[:-1][filled],
            "bin_high": edges[1:][filled],
            "mean_probability": probability_sum[filled] / count[filled],
            "observed_frequency": event_sum[filled] / count[filled],
            "count": count[filled].astype(np.int64),
        },
        columns=list(RELIABILITY_COLUMNS),
    )


def expected_calibration_error(
    observed: npt.ArrayLike, probability: npt.ArrayLike, bins: int = 10
) -> float:
    """Expected calibration error: the gap between forecast and observed frequency.

    The mean of ``|observed_frequency − mean_probability|`` over the bins of
    :func:`reliability_curve`, each bin weighted by its number of units. 0 for a perfectly
    calibrated forecast.
    """
    curve = reliability_curve(observed, probability, bins)
    gap = np.abs(curve["observed_frequency"].to_numpy() - curve["mean_probability"].to_numpy())
    count = curve["count"].to_numpy(dtype=np.float64)
    return float(np.sum(count * gap) / np.sum(count))


# -- operational use ----------------------------------------------------------------------------


def recall_at_k(observed: npt.ArrayLike, probability: npt.ArrayLike, k: int) -> float:
    """Share of the units with an event that are among the ``k`` highest probabilities.

    Units are ranked by decreasing probability; units with the same probability keep their order
    of appearance, so a tie at the ``k``-th place goes to the unit listed first. With ``k`` at
    least the number of units, every unit is taken. NaN when no unit saw an event.
    """
    y, p = _binary(observed, probability)
    k = _positive_int(k, "k")
    total_positives = y.sum()
    if total_positives == 0:
        return float("nan")
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].sum() / total_positives)


def recall_at_k_grouped(
    observed: npt.ArrayLike, probability: npt.ArrayLike, groups: npt.ArrayLike, k: int
) -> float:
    """Recall at ``k`` within each group, pooled over the groups.

    A group is one cross-section of units forecast together — typically the areas of one origin
    month × target month. In each group, the ``k`` units with the highest probabilities are
    taken (ties broken by order of appearance, as in :func:`recall_at_k`); the result is the
    total number of units with an event that were taken, over all groups, divided by the total
    number of units with an event. Groups are pooled this way rather than averaged, so a group
    with no event adds nothing. NaN when no unit saw an event.
    """
    y, p = _binary(observed, probability)
    k = _positive_int(k, "k")
    group_values = np.asarray(groups)
    if group_values.ndim != 1:
        raise ValueError(f"groups must be one-dimensional, got shape {group_values.shape}")
    _same_length(y, group_values, "observed and groups")
    codes, _ = pd.factorize(group_values, use_na_sentinel=True)
    if np.any(codes < 0):
        raise ValueError("groups contains missing values")
    total_positives = y.sum()
    if total_positives == 0:
        return float("nan")
    # group by group, then by decreasing probability; lexsort is stable, so ties keep their order
    order = np.lexsort((-p, codes))
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.append(True, np.diff(sorted_codes) != 0))
    run_lengths = np.diff(np.append(starts, len(order)))
    rank_in_group = np.arange(len(order)) - np.repeat(starts, run_lengths)
    taken = order[rank_in_group < k]
    return float(y[taken].sum() / total_positives)


# -- count forecasts ----------------------------------------------------------------------------


def _ensemble(observed: npt.ArrayLike, samples: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated observed values ``(n,)`` and forecast samples ``(n, m)``."""
    y = _vector(observed, "observed")
    try:
        x = np.asarray(samples, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("samples must be numeric") from exc
    if x.ndim != 2:
        raise ValueError(f"samples must be two-dimensional (units × samples), got shape {x.shape}")
    if x.shape[0] != len(y):
        raise ValueError(
            f"samples has {x.shape[0]} rows but observed has {len(y)} values: one row per unit"
        )
    if x.shape[1] == 0:
        raise ValueError("samples has no column: each forecast needs at least one sample")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contains NaN or infinite values")
    return y, x


def crps_samples(observed: npt.ArrayLike, samples: npt.ArrayLike) -> FloatArray:
    """Continuous ranked probability score of each forecast given as an ensemble of samples.

    For unit ``i`` with observed value ``y`` and samples ``x_1 … x_m`` (row ``i`` of
    ``samples``), the CRPS of the empirical distribution of the samples is

        CRPS = mean_j |x_j − y| − ½ · mean_{j,l} |x_j − x_l|

    in the units of ``y`` (events); 0 when every sample equals ``y``, and the absolute error for
    a single sample. The second term is computed from the sorted samples
    ``x_(1) ≤ … ≤ x_(m)`` as ``mean |X − X'| = (2 / m²) Σ_i (2i − m − 1) x_(i)``, in
    ``O(m log m)`` per unit. Returns one score per unit, shape ``(n,)``; lower is better.
    """
    y, x = _ensemble(observed, samples)
    m = x.shape[1]
    absolute_error = np.mean(np.abs(x - y[:, None]), axis=1)
    weights = 2.0 * np.arange(1, m + 1) - m - 1.0
    spread = (2.0 / m**2) * (np.sort(x, axis=1) @ weights)
    result: FloatArray = absolute_error - 0.5 * spread
    return result


def mean_crps(observed: npt.ArrayLike, samples: npt.ArrayLike) -> float:
    """Mean of :func:`crps_samples` over the units."""
    return float(np.mean(crps_samples(observed, samples)))


def msle(observed: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean squared log error ``mean((log(1 + predicted) − log(1 + observed))²)``.

    Both must be non-negative (counts of events or forecasts of them). The log scale judges an
    error of 5 events where 1 happened more harshly than where 100 happened.
    """
    y = _non_negative(observed, "observed")
    f = _non_negative(predicted, "predicted")
    _same_length(y, f, "observed and predicted")
    return float(np.mean((np.log1p(f) - np.log1p(y)) ** 2))


# -- summaries ----------------------------------------------------------------------------------


def binary_scores(
    observed: npt.ArrayLike,
    probability: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    k: int = 10,
) -> dict[str, float]:
    """The scores of a binary forecast: auroc, average_precision, brier, ece and recall_at_k.

    ``ece`` uses 10 bins; ``recall_at_k`` is computed within each group and pooled
    (:func:`recall_at_k_grouped`) when ``groups`` is given, over all units otherwise.
    """
    if groups is None:
        recall = recall_at_k(observed, probability, k)
    else:
        recall = recall_at_k_grouped(observed, probability, groups, k)
    return {
        "auroc": auroc(observed, probability),
        "average_precision": average_precision(observed, probability),
        "brier": brier(observed, probability),
        "ece": expected_calibration_error(observed, probability),
        "recall_at_k": recall,
    }


def count_scores(observed: npt.ArrayLike, samples: npt.ArrayLike) -> dict[str, float]:
    """The scores of a count forecast given as samples: crps (mean over units) and msle.

    ``msle`` scores the mean of each unit's samples as the point forecast. Observed values and
    samples are counts of events, so neither may be negative.
    """
    y, x = _ensemble(observed, samples)
    if np.any(x < 0):
        raise ValueError("samples must be non-negative counts")
    return {"crps": mean_crps(y, x), "msle": msle(y, x.mean(axis=1))}
