"""One estimator interface; baselines do what they say; learned models learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentinelle.forecast import metrics
from sentinelle.forecast.features import RAW_FEATURES, build_features, targets
from sentinelle.forecast.models import MODELS, RollingBaseline, make_model
from tests.forecast.synthetic import synthetic


def history(rows: list[list[float]], deaths: list[list[float]] | None = None) -> pd.DataFrame:
    """Raw lag columns: ``rows[i][k]`` is area i's VAC events k months before."""
    frame = pd.DataFrame(0.0, index=range(len(rows)), columns=list(RAW_FEATURES))
    for i, row in enumerate(rows):
        for k, value in enumerate(row):
            frame.loc[i, f"vac_events_lag{k}"] = value
    for i, row in enumerate(deaths or []):
        for k, value in enumerate(row):
            frame.loc[i, f"vac_fatalities_lag{k}"] = value
    return frame


def training_set(horizon: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    data = synthetic(n_units=30, n_months=80, seed=3)
    tensor = build_features(data)
    any_vac, deaths = targets(data, horizon)
    units, months = np.meshgrid(np.arange(30), np.arange(12, 60), indexing="ij")
    X = tensor.rows(units.ravel(), months.ravel(), horizon)
    y = pd.DataFrame(
        {
            "any": any_vac[units.ravel(), months.ravel()],
            "fatalities": deaths[units.ravel(), months.ravel()],
        }
    )
    test_units, test_months = np.meshgrid(np.arange(30), np.arange(61, 78), indexing="ij")
    X_test = tensor.rows(test_units.ravel(), test_months.ravel(), horizon)
    observed = any_vac[test_units.ravel(), test_months.ravel()]
    return X, y, X_test, observed


@pytest.mark.parametrize("name", MODELS)
def test_estimator_interface(name: str) -> None:
    X, y, X_test, _ = training_set()
    model = make_model(name)
    assert model.fit(X, y) is model
    learned = [a for a in vars(model) if a.endswith("_") and not a.startswith("_")]
    assert learned, f"{name} sets no learned attribute"
    assert isinstance(model.get_params(), dict)
    probability = model.predict_proba(X_test)
    assert probability.shape == (len(X_test),)
    assert ((probability >= 0) & (probability <= 1)).all()
    samples = model.sample_counts(X_test, 50, seed=1)
    assert samples.shape == (len(X_test), 50) and (samples >= 0).all()
    again = make_model(name).fit(X, y).sample_counts(X_test, 50, seed=1)
    np.testing.assert_array_equal(samples, again)  # reproducible for a seed


def test_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model 'magic'"):
        make_model("magic")
    with pytest.raises(ValueError, match="1 to 12"):
        RollingBaseline(13)


def test_baselines_by_hand() -> None:
    X = history([[1, 0, 0, 2] + [0] * 8, [0] * 12], deaths=[[3, 0, 0, 5] + [0] * 8, [0] * 12])
    y = pd.DataFrame({"any": [1.0, 0.0], "fatalities": [1.0, 0.0]})
    assert make_model("zero").fit(X, y).predict_proba(X).tolist() == [0.0, 0.0]
    assert make_model("last").fit(X, y).predict_proba(X).tolist() == [1.0, 0.0]
    # months with VAC among the last 3: 1 of 3; among the last 12: 2 of 12
    assert make_model("rolling3").fit(X, y).predict_proba(X).tolist() == [1 / 3, 0.0]
    assert make_model("rolling12").fit(X, y).predict_proba(X).tolist() == [2 / 12, 0.0]
    last = make_model("last").fit(X, y).sample_counts(X, 4, seed=0)
    assert last.tolist() == [[3.0] * 4, [0.0] * 4]
    drawn = make_model("conflictology").fit(X, y).sample_counts(X, 500, seed=0)
    assert set(np.unique(drawn[0])) == {0.0, 3.0, 5.0}  # only values of its own history
    assert (drawn[1] == 0).all()
    # the draws follow the history: 10 of 12 months had no deaths
    assert abs((drawn[0] == 0).mean() - 10 / 12) < 0.06


@pytest.mark.parametrize("name", ["logit", "boosting"])
def test_learned_models_find_persistent_violence(name: str) -> None:
    X, y, X_test, observed = training_set()
    probability = make_model(name).fit(X, y).predict_proba(X_test)
    assert metrics.auroc(observed, probability) > 0.8
    zero = metrics.brier(observed, np.zeros(len(observed)))
    assert metrics.brier(observed, probability) < zero


def test_hurdle_gives_no_deaths_where_violence_is_impossible() -> None:
    X, y, X_test, _ = training_set()
    model = make_model("logit").fit(X, y)
    calm = X_test.copy()
    for column in calm.columns:
        if column.startswith(
            ("log_vac", "vac_", "decay", "log_family", "log_adjacent", "log_band")
        ):
            calm[column] = 0.0
    probability = model.predict_proba(calm)
    samples = model.sample_counts(calm, 400, seed=2)
    # deaths are drawn only when VAC happens: never more often than its probability
    assert (samples > 0).mean() <= probability.mean() + 0.03
    certain = model.sample_counts(X_test.head(5), 400, seed=2)
    busy = model.predict_proba(X_test.head(5))
    assert ((certain > 0).mean(axis=1) <= busy + 0.1).all()
