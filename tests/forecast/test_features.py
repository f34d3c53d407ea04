"""Features read the past only, and line up with their targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentinelle.forecast.features import (
    LEARNED_FEATURES,
    build_features,
    decay,
    lagged,
    months_since,
    rolling_sum,
    targets,
)
from tests.forecast.synthetic import changed_after, synthetic


def test_rolling_sum_and_lags_by_hand() -> None:
    values = np.array([[1.0, 0.0, 2.0, 3.0, 0.0]])
    # windows of 3 ending at each month: 1, 1, 3, 5, 5
    assert rolling_sum(values, 3).tolist() == [[1.0, 1.0, 3.0, 5.0, 5.0]]
    assert lagged(values, 2).tolist() == [[0.0, 0.0, 1.0, 0.0, 2.0]]
    assert lagged(values, 0).tolist() == values.tolist()


def test_months_since_and_decay_by_hand() -> None:
    events = np.array([[False, True, False, False, True, False]])
    since = months_since(events)
    assert since[0, 0] == np.inf
    assert since[0, 1:].tolist() == [0.0, 1.0, 2.0, 0.0, 1.0]
    # half-life 6 months: two months after an event the decay is 0.5 ** (2 / 6)
    assert decay(events)[0, 3] == pytest.approx(0.5 ** (2 / 6))
    assert decay(events)[0, 0] == 0.0


def test_every_learned_feature_is_built() -> None:
    tensor = build_features(synthetic())
    assert set(LEARNED_FEATURES) <= set(tensor.names)
    assert tensor.values.shape == (12, 72, len(tensor.names))


def test_features_of_a_month_ignore_every_later_month() -> None:
    data = synthetic()
    cut = data.months[40]
    before = build_features(data).values
    after = build_features(changed_after(data, cut)).values
    np.testing.assert_array_equal(before[:, :41], after[:, :41])
    # and the change is real: later months do differ
    assert not np.array_equal(before[:, 41:], after[:, 41:])


def test_spatial_lag_is_the_mean_of_the_neighbours() -> None:
    data = synthetic()
    tensor = build_features(data)
    column = tensor.names.index("log_adjacent_vac_3m")
    vac_3m = rolling_sum(data.counts["vac_events"], 3)
    # on the ring, area 0's neighbours are areas 1 and 11
    expected = np.log1p((vac_3m[1] + vac_3m[11]) / 2)
    np.testing.assert_allclose(tensor.values[0, :, column], expected)


def test_season_is_that_of_the_target_month() -> None:
    data = synthetic(first="2010-01")
    tensor = build_features(data)
    rows = tensor.rows(np.array([0]), np.array([0]), horizon=3)  # January + 3 = April
    angle = 2 * np.pi * 3 / 12
    assert rows["season_sin"].iloc[0] == pytest.approx(np.sin(angle))
    assert rows["season_cos"].iloc[0] == pytest.approx(np.cos(angle))


def test_targets_are_the_month_h_later() -> None:
    data = synthetic()
    any_vac, deaths = targets(data, 3)
    vac = data.counts["vac_events"]
    assert any_vac[:, 10].tolist() == (vac[:, 13] > 0).astype(float).tolist()
    assert deaths[:, 10].tolist() == data.counts["vac_fatalities"][:, 13].tolist()
    assert np.isnan(any_vac[:, -3:]).all() and not np.isnan(any_vac[:, -4]).any()


def test_truncated_data_keeps_the_past() -> None:
    data = synthetic()
    short = data.truncated(pd.Period("2012-06", "M"))
    assert short.months[-1] == pd.Period("2012-06", "M")
    np.testing.assert_array_equal(
        short.counts["vac_events"], data.counts["vac_events"][:, : len(short.months)]
    )
    with pytest.raises(ValueError, match="before the data's first month"):
        data.truncated(pd.Period("2009-01", "M"))
