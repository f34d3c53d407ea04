"""Forecast scores: hand-computed values, agreement with scikit-learn and brute force, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    mean_squared_log_error,
    roc_auc_score,
)

from sentinelle.forecast.metrics import (
    RELIABILITY_COLUMNS,
    auroc,
    average_precision,
    binary_scores,
    brier,
    brier_skill,
    count_scores,
    crps_samples,
    expected_calibration_error,
    mean_crps,
    msle,
    recall_at_k,
    recall_at_k_grouped,
    reliability_curve,
)


def _random_binary(
    seed: int, n: int = 300, decimals: int | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Rare-ish events with informative probabilities; rounding the probabilities makes ties."""
    rng = np.random.default_rng(seed)
    probability = rng.beta(1.0, 4.0, size=n)
    observed = (rng.random(n) < probability).astype(int)
    observed[:2] = [0, 1]  # both classes always present
    if decimals is not None:
        probability = np.round(probability, decimals)
    return observed, probability


# -- AUROC ---------------------------------------------------------------------------------------


def test_auroc_by_hand_with_a_tie() -> None:
    # positives score 0.9 and 0.4, negatives 0.4 and 0.1: the 4 positive-negative pairs are
    # (0.9, 0.4) → 1, (0.9, 0.1) → 1, (0.4, 0.4) → ½ (tie), (0.4, 0.1) → 1; AUROC = 3.5 / 4
    assert auroc([1, 0, 1, 0], [0.9, 0.4, 0.4, 0.1]) == pytest.approx(0.875, abs=1e-15)


def test_auroc_perfect_and_reversed() -> None:
    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auroc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0
    # every score equal: every pair is a tie, ½ each
    assert auroc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == 0.5


def test_auroc_single_class_is_nan() -> None:
    assert math.isnan(auroc([1, 1, 1], [0.2, 0.5, 0.9]))
    assert math.isnan(auroc([0, 0], [0.2, 0.5]))


@pytest.mark.parametrize(("seed", "decimals"), [(1, None), (2, 1), (3, 2), (4, None)])
def test_auroc_matches_scikit_learn(seed: int, decimals: int | None) -> None:
    observed, probability = _random_binary(seed, decimals=decimals)
    expected = roc_auc_score(observed, probability)
    assert auroc(observed, probability) == pytest.approx(expected, abs=1e-12)


# -- average precision ---------------------------------------------------------------------------


def test_average_precision_by_hand() -> None:
    # ranking 0.9 (event), 0.8 (none), 0.7 (event), 0.6 (event), 0.5 (none); 3 events:
    #   threshold 0.9: P = 1/1, R = 1/3 → step 1/3 × 1
    #   threshold 0.8: P = 1/2, R = 1/3 → step 0
    #   threshold 0.7: P = 2/3, R = 2/3 → step 1/3 × 2/3
    #   threshold 0.6: P = 3/4, R = 3/3 → step 1/3 × 3/4
    #   threshold 0.5: P = 3/5, R = 3/3 → step 0
    # AP = 1/3 + 2/9 + 1/4 = (12 + 8 + 9) / 36 = 29/36
    value = average_precision([1, 0, 1, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.5])
    assert value == pytest.approx(29 / 36, abs=1e-15)


def test_average_precision_groups_tied_scores() -> None:
    # the two units at 0.5 (one event listed first, one non-event) form a single threshold:
    #   threshold 0.9: P = 1/1, R = 1/2 → 1/2 × 1
    #   threshold 0.5: P = 2/3, R = 2/2 → 1/2 × 2/3
    # AP = 1/2 + 1/3 = 5/6 (breaking the tie in order of appearance would give 1)
    value = average_precision([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1])
    assert value == pytest.approx(5 / 6, abs=1e-15)


def test_average_precision_without_events_is_nan() -> None:
    assert math.isnan(average_precision([0, 0, 0], [0.1, 0.5, 0.9]))


@pytest.mark.parametrize(("seed", "decimals"), [(5, None), (6, 1), (7, 2), (8, None)])
def test_average_precision_matches_scikit_learn(seed: int, decimals: int | None) -> None:
    observed, probability = _random_binary(seed, decimals=decimals)
    expected = average_precision_score(observed, probability)
    assert average_precision(observed, probability) == pytest.approx(expected, abs=1e-12)


# -- Brier ---------------------------------------------------------------------------------------


def test_brier_by_hand() -> None:
    # (1 − 0.8)² + (0 − 0.3)² + (1 − 0.5)² = 0.04 + 0.09 + 0.25 = 0.38, over 3 units
    assert brier([1, 0, 1], [0.8, 0.3, 0.5]) == pytest.approx(0.38 / 3, abs=1e-15)


@pytest.mark.parametrize("seed", [9, 10])
def test_brier_matches_scikit_learn(seed: int) -> None:
    observed, probability = _random_binary(seed)
    expected = brier_score_loss(observed, probability)
    assert brier(observed, probability) == pytest.approx(expected, abs=1e-12)


def test_brier_skill_by_hand() -> None:
    # 1 − 0.1 / 0.25 = 1 − 0.4 = 0.6; a model worse than the reference scores below 0
    assert brier_skill(0.1, 0.25) == pytest.approx(0.6, abs=1e-15)
    assert brier_skill(0.3, 0.2) == pytest.approx(-0.5, abs=1e-15)
    assert brier_skill(0.0, 0.2) == 1.0


def test_brier_skill_with_perfect_reference_is_nan() -> None:
    assert math.isnan(brier_skill(0.1, 0.0))


# -- calibration ---------------------------------------------------------------------------------

CALIBRATION_OBSERVED = [0, 1, 0, 1, 1]
CALIBRATION_PROBABILITY = [0.05, 0.15, 0.12, 0.95, 1.0]


def test_reliability_curve_by_hand() -> None:
    # 10 bins: 0.05 → [0, 0.1); 0.15 and 0.12 → [0.1, 0.2); 0.95 and 1.0 → [0.9, 1] (closed)
    #   [0, 0.1):   mean 0.05,                 events 0/1, count 1
    #   [0.1, 0.2): mean (0.15 + 0.12)/2 = 0.135, events 1/2, count 2
    #   [0.9, 1]:   mean (0.95 + 1.0)/2 = 0.975,  events 2/2, count 2
    curve = reliability_curve(CALIBRATION_OBSERVED, CALIBRATION_PROBABILITY, bins=10)
    assert list(curve.columns) == list(RELIABILITY_COLUMNS)
    assert curve["bin_low"].tolist() == pytest.approx([0.0, 0.1, 0.9], abs=1e-15)
    assert curve["bin_high"].tolist() == pytest.approx([0.1, 0.2, 1.0], abs=1e-15)
    assert curve["mean_probability"].tolist() == pytest.approx([0.05, 0.135, 0.975], abs=1e-15)
    assert curve["observed_frequency"].tolist() == [0.0, 0.5, 1.0]
    assert curve["count"].tolist() == [1, 2, 2]


def test_reliability_curve_bin_edges() -> None:
    # two bins [0, 0.5) and [0.5, 1]: 0 and 0.25 go low; 0.5 and 1 go high
    curve = reliability_curve([0, 0, 1, 1], [0.0, 0.25, 0.5, 1.0], bins=2)
    assert curve["count"].tolist() == [2, 2]
    assert curve["mean_probability"].tolist() == [0.125, 0.75]
    # a single bin holds everything, 1 included
    single = reliability_curve([0, 1, 1], [0.0, 0.5, 1.0], bins=1)
    assert single["count"].tolist() == [3]
    assert single["bin_low"].tolist() == [0.0]
    assert single["bin_high"].tolist() == [1.0]


def test_reliability_curve_bins_contain_their_probabilities() -> None:
    observed, probability = _random_binary(11, n=500, decimals=1)  # many values on bin edges
    curve = reliability_curve(observed, probability, bins=10)
    frame = pd.DataFrame({"observed": observed, "probability": probability})
    assert curve["count"].sum() == len(frame)
    for row in curve.itertuples():
        p = frame["probability"]
        below_high = p <= row.bin_high if row.bin_high == 1.0 else p < row.bin_high
        inside = (p >= row.bin_low) & below_high
        assert inside.sum() == row.count
        assert frame.loc[inside, "probability"].mean() == pytest.approx(row.mean_probability)
        assert frame.loc[inside, "observed"].mean() == pytest.approx(row.observed_frequency)


def test_expected_calibration_error_by_hand() -> None:
    # |0 − 0.05| × 1 + |0.5 − 0.135| × 2 + |1 − 0.975| × 2 = 0.05 + 0.73 + 0.05 = 0.83, / 5 units
    value = expected_calibration_error(CALIBRATION_OBSERVED, CALIBRATION_PROBABILITY, bins=10)
    assert value == pytest.approx(0.83 / 5, abs=1e-14)


def test_expected_calibration_error_depends_on_bins() -> None:
    # one bin: |3/5 − (0.05 + 0.15 + 0.12 + 0.95 + 1.0)/5| = |0.6 − 0.454| = 0.146
    value = expected_calibration_error(CALIBRATION_OBSERVED, CALIBRATION_PROBABILITY, bins=1)
    assert value == pytest.approx(0.146, abs=1e-14)


# -- recall at k ---------------------------------------------------------------------------------


def test_recall_at_k_by_hand_with_ties() -> None:
    observed = [0, 1, 1, 0, 1]
    probability = [0.9, 0.5, 0.5, 0.5, 0.1]
    # descending, ties in order of appearance: units 0, 1, 2, 3, 4; 3 events (units 1, 2, 4)
    # k = 2 → units 0, 1 → 1 event of 3
    assert recall_at_k(observed, probability, 2) == pytest.approx(1 / 3, abs=1e-15)
    # k = 3 → units 0, 1, 2 → 2 events of 3
    assert recall_at_k(observed, probability, 3) == pytest.approx(2 / 3, abs=1e-15)
    # k beyond the number of units takes everything
    assert recall_at_k(observed, probability, 50) == 1.0


def test_recall_at_k_tie_goes_to_first_listed() -> None:
    # units 1 and 2 tie at 0.5 for the 2nd place: unit 1 (no event) is listed first and wins
    assert recall_at_k([0, 0, 1], [0.9, 0.5, 0.5], 2) == 0.0
    # listing the event first reverses it
    assert recall_at_k([0, 1, 0], [0.9, 0.5, 0.5], 2) == 1.0


def test_recall_at_k_without_events_is_nan() -> None:
    assert math.isnan(recall_at_k([0, 0, 0], [0.1, 0.2, 0.3], 1))
    assert math.isnan(recall_at_k_grouped([0, 0], [0.1, 0.2], ["a", "b"], 1))


def test_recall_at_k_grouped_by_hand() -> None:
    # groups interleaved on purpose
    groups = ["a", "b", "a", "b", "a", "b"]
    observed = [1, 0, 0, 1, 1, 0]
    probability = [0.2, 0.7, 0.9, 0.6, 0.8, 0.1]
    # group a: 0.9 (none), 0.8 (event), 0.2 (event) → top 2 hold 1 of its 2 events
    # group b: 0.7 (none), 0.6 (event), 0.1 (none) → top 2 hold 1 of its 1 event
    # pooled: (1 + 1) / (2 + 1) = 2/3 (averaging the groups would give (1/2 + 1)/2 = 3/4)
    assert recall_at_k_grouped(observed, probability, groups, 2) == pytest.approx(2 / 3)
    # across all six units the top 2 are 0.9 (none) and 0.8 (event): 1/3
    assert recall_at_k(observed, probability, 2) == pytest.approx(1 / 3)
    # k = 1: a takes 0.9 (none), b takes 0.7 (none) → 0/3
    assert recall_at_k_grouped(observed, probability, groups, 1) == 0.0


def test_recall_at_k_grouped_ties_within_group_keep_order() -> None:
    # group 1: units 1 and 3 tie at 0.4; unit 1 (no event) is listed first and takes k = 1
    groups = [2, 1, 2, 1]
    observed = [1, 0, 0, 1]
    probability = [0.3, 0.4, 0.1, 0.4]
    # group 2: 0.3 (event) → 1 of 1; group 1: unit 1 (none) → 0 of 1; pooled 1/2
    assert recall_at_k_grouped(observed, probability, groups, 1) == 0.5


@pytest.mark.parametrize("k", [1, 3, 7])
def test_recall_at_k_grouped_matches_group_by_group(k: int) -> None:
    rng = np.random.default_rng(12)
    n = 240
    groups = rng.integers(0, 8, size=n)
    probability = np.round(rng.random(n), 1)  # plenty of ties
    observed = (rng.random(n) < probability).astype(int)
    hits = 0.0
    for group in np.unique(groups):
        mask = groups == group
        positives = observed[mask].sum()
        if positives:
            hits += recall_at_k(observed[mask], probability[mask], k) * positives
    expected = hits / observed.sum()
    assert recall_at_k_grouped(observed, probability, groups, k) == pytest.approx(expected)


def test_recall_at_k_grouped_single_group_equals_ungrouped() -> None:
    observed, probability = _random_binary(13, decimals=1)
    grouped = recall_at_k_grouped(observed, probability, np.zeros(len(observed)), 25)
    assert grouped == recall_at_k(observed, probability, 25)


# -- CRPS ----------------------------------------------------------------------------------------


def test_crps_of_single_sample_is_absolute_error() -> None:
    # one sample: mean|X − y| = |x − y| and the spread term is 0
    result = crps_samples([3.0, 0.0, 2.0], [[5.0], [0.0], [0.5]])
    np.testing.assert_allclose(result, [2.0, 0.0, 1.5], rtol=0, atol=1e-15)


def test_crps_of_two_samples_by_hand() -> None:
    # samples {0, 4}: mean|X − X'| over the 4 ordered pairs = (0 + 4 + 4 + 0)/4 = 2
    # y = 1: mean|X − y| = (1 + 3)/2 = 2 → CRPS = 2 − ½ × 2 = 1
    # y = 5: mean|X − y| = (5 + 1)/2 = 3 → CRPS = 3 − 1 = 2
    # y = 2, samples {2, 2}: 0 − 0 = 0
    result = crps_samples([1.0, 5.0, 2.0], [[0.0, 4.0], [4.0, 0.0], [2.0, 2.0]])
    np.testing.assert_allclose(result, [1.0, 2.0, 0.0], rtol=0, atol=1e-15)


def test_crps_of_three_samples_by_hand() -> None:
    # samples {0, 1, 5}, y = 2: mean|X − y| = (2 + 1 + 3)/3 = 2
    # mean|X − X'| = 2 × (1 + 5 + 4)/9 = 20/9 → CRPS = 2 − 10/9 = 8/9
    assert crps_samples([2], [[5, 0, 1]])[0] == pytest.approx(8 / 9, abs=1e-15)


def _crps_brute_force(y: float, x: np.ndarray) -> float:
    m = len(x)
    first = sum(abs(x[j] - y) for j in range(m)) / m
    second = sum(abs(x[j] - x[k]) for j in range(m) for k in range(m)) / m**2
    return first - 0.5 * second


def _crps_integral(y: float, x: np.ndarray) -> float:
    """∫ (F(t) − 1{t ≥ y})² dt for the empirical CDF F of x, integrated exactly piecewise."""
    points = np.sort(np.append(x, y))
    total = 0.0
    for left, right in itertools.pairwise(points):
        cdf = np.mean(x <= left)
        step = 1.0 if left >= y else 0.0
        total += (cdf - step) ** 2 * (right - left)
    return total


@pytest.mark.parametrize(("m", "counts"), [(1, False), (2, False), (17, False), (40, True)])
def test_crps_matches_brute_force(m: int, counts: bool) -> None:
    rng = np.random.default_rng(14 + m)
    n = 25
    if counts:  # integer counts: ties between samples and with the observation
        samples = rng.poisson(3.0, size=(n, m)).astype(float)
        observed = rng.poisson(3.0, size=n).astype(float)
    else:
        samples = rng.normal(2.0, 3.0, size=(n, m))
        observed = rng.normal(2.0, 3.0, size=n)
    result = crps_samples(observed, samples)
    assert result.shape == (n,)
    brute = [_crps_brute_force(observed[i], samples[i]) for i in range(n)]
    np.testing.assert_allclose(result, brute, rtol=0, atol=1e-12)
    integral = [_crps_integral(observed[i], samples[i]) for i in range(n)]
    np.testing.assert_allclose(result, integral, rtol=0, atol=1e-12)
    assert mean_crps(observed, samples) == pytest.approx(np.mean(brute), abs=1e-12)


# -- MSLE ----------------------------------------------------------------------------------------


def test_msle_by_hand() -> None:
    # log1p: (0 − 0)², (log 4 − log 2)² = (log 2)², (log 2 − log 4)² = (log 2)² → 2 (log 2)² / 3
    value = msle([0, 1, 3], [0, 3, 1])
    assert value == pytest.approx(2 * math.log(2) ** 2 / 3, abs=1e-15)


def test_msle_matches_scikit_learn() -> None:
    rng = np.random.default_rng(15)
    observed = rng.poisson(2.0, size=200).astype(float)
    predicted = rng.gamma(2.0, 1.5, size=200)
    expected = mean_squared_log_error(observed, predicted)
    assert msle(observed, predicted) == pytest.approx(expected, abs=1e-12)


# -- summaries -----------------------------------------------------------------------------------


def test_binary_scores() -> None:
    observed, probability = _random_binary(16, n=120, decimals=2)
    groups = np.repeat(np.arange(6), 20)
    scores = binary_scores(observed, probability, k=5)
    assert scores == {
        "auroc": auroc(observed, probability),
        "average_precision": average_precision(observed, probability),
        "brier": brier(observed, probability),
        "ece": expected_calibration_error(observed, probability, bins=10),
        "recall_at_k": recall_at_k(observed, probability, 5),
    }
    grouped = binary_scores(observed, probability, groups=groups, k=5)
    assert grouped["recall_at_k"] == recall_at_k_grouped(observed, probability, groups, 5)
    assert grouped["recall_at_k"] != scores["recall_at_k"]  # 6 × 5 units taken instead of 5


def test_count_scores() -> None:
    # unit 1: y = 1, samples {0, 0, 6}: mean|X − y| = (1 + 1 + 5)/3 = 7/3,
    #   mean|X − X'| = (4 ordered pairs of 0 and 6) × 6 / 9 = 8/3 → CRPS = 7/3 − 4/3 = 1;
    #   sample mean 2 (the median, 0, would give a different msle)
    # unit 2: y = 3, samples {3, 3, 3}: CRPS 0, sample mean 3
    # crps = (1 + 0)/2 = 0.5; msle = ((log 3 − log 2)² + 0)/2
    scores = count_scores([1, 3], [[0, 6, 0], [3, 3, 3]])
    assert scores["crps"] == pytest.approx(0.5, abs=1e-15)
    assert scores["msle"] == pytest.approx(math.log(1.5) ** 2 / 2, abs=1e-15)
    assert set(scores) == {"crps", "msle"}


# -- bad input -----------------------------------------------------------------------------------

BINARY_FUNCTIONS = [auroc, average_precision, brier, reliability_curve, expected_calibration_error]


@pytest.mark.parametrize("function", BINARY_FUNCTIONS)
@pytest.mark.parametrize(
    ("observed", "probability", "message"),
    [
        ([0, 1], [0.5, 1.2], r"probability must lie in \[0, 1\]"),
        ([0, 1], [-0.1, 0.5], r"probability must lie in \[0, 1\]"),
        ([0, 1], [0.5, float("nan")], "probability contains NaN"),
        ([0, 2], [0.5, 0.5], "only 0 and 1"),
        ([0, 0.5], [0.5, 0.5], "only 0 and 1"),
        ([0, 1, 1], [0.5, 0.5], "different lengths"),
        ([], [], "observed is empty"),
        ([[0, 1]], [[0.5, 0.5]], "one-dimensional"),
        (["no", "yes"], [0.5, 0.5], "observed must be numeric"),
    ],
)
def test_binary_scores_reject_bad_input(
    function: object, observed: object, probability: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        function(observed, probability)  # type: ignore[operator]


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_recall_at_k_rejects_bad_k(k: object) -> None:
    with pytest.raises(ValueError, match="k must be a positive integer"):
        recall_at_k([0, 1], [0.2, 0.8], k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        recall_at_k_grouped([0, 1], [0.2, 0.8], ["a", "a"], k)  # type: ignore[arg-type]


def test_recall_at_k_grouped_rejects_bad_groups() -> None:
    with pytest.raises(ValueError, match="observed and groups have different lengths"):
        recall_at_k_grouped([0, 1, 1], [0.2, 0.8, 0.5], ["a", "b"], 1)
    with pytest.raises(ValueError, match="groups contains missing values"):
        recall_at_k_grouped([0, 1], [0.2, 0.8], ["a", None], 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="groups must be one-dimensional"):
        recall_at_k_grouped([0, 1], [0.2, 0.8], [["a", "b"]], 1)


@pytest.mark.parametrize("bins", [0, -3, 2.5])
def test_calibration_rejects_bad_bins(bins: object) -> None:
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        reliability_curve([0, 1], [0.2, 0.8], bins=bins)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        expected_calibration_error([0, 1], [0.2, 0.8], bins=bins)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "reference", "message"),
    [
        (-0.1, 0.2, "brier_model must be a finite, non-negative"),
        (0.1, float("inf"), "brier_reference must be a finite, non-negative"),
        (float("nan"), 0.2, "brier_model must be a finite, non-negative"),
        ("bad", 0.2, "brier_model must be a number"),
    ],
)
def test_brier_skill_rejects_bad_scores(model: object, reference: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        brier_skill(model, reference)  # type: ignore[arg-type]


@pytest.mark.parametrize("function", [crps_samples, mean_crps, count_scores])
@pytest.mark.parametrize(
    ("observed", "samples", "message"),
    [
        ([1.0, 2.0], [1.0, 2.0], "samples must be two-dimensional"),
        ([1.0, 2.0], [[1.0, 2.0]], "samples has 1 rows but observed has 2 values"),
        ([1.0], np.empty((1, 0)), "samples has no column"),
        ([1.0], [[float("inf"), 1.0]], "samples contains NaN or infinite"),
        ([float("nan")], [[1.0]], "observed contains NaN or infinite"),
        ([], np.empty((0, 3)), "observed is empty"),
    ],
)
def test_crps_rejects_bad_input(
    function: object, observed: object, samples: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        function(observed, samples)  # type: ignore[operator]


def test_msle_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="predicted must be non-negative"):
        msle([1, 2], [1, -0.5])
    with pytest.raises(ValueError, match="observed must be non-negative"):
        msle([-1, 2], [1, 2])
    with pytest.raises(ValueError, match="observed and predicted have different lengths"):
        msle([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="samples must be non-negative counts"):
        count_scores([1, 2], [[1, -1], [2, 2]])  # the sample mean 0 is fine, but -1 is no count
    with pytest.raises(ValueError, match="observed must be non-negative"):
        count_scores([-1, 2], [[1, 1], [2, 2]])
