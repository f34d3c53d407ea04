"""Forecast runs through the store, on SQLite and PostgreSQL: saved as computed, found again,
and fed to the threat matrix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sentinelle.forecast.backtest import backtest, forecast
from sentinelle.forecast.data import load_forecast_data
from sentinelle.store import forecasts as forecast_store
from sentinelle.store.database import Store
from sentinelle.threat.assess import assess
from sentinelle.threat.matrix import FREQUENCY_SOURCE, VAC_THREATS, apply_forecast

MODELS = ["rolling12", "logit"]
KEY = ["origin", "horizon", "model", "unit"]


def test_a_backtest_is_stored_as_computed(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        data = load_forecast_data(connection, "admin2")
    origins = [data.months[-4], data.months[-2]]
    run = backtest(data, origins, [1, 3], models=MODELS, n_samples=40)
    moment = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    with demo_store.transaction() as connection:
        run_id = forecast_store.save_run(connection, run, "analyst", moment)
    with demo_store.reading() as connection:
        record = forecast_store.get_run(connection, run_id)
        stored = forecast_store.load_predictions(connection, run_id)
        scores = forecast_store.load_scores(connection, run_id)
        curves = forecast_store.load_reliability(connection, run_id)
        listed = forecast_store.list_runs(connection, kind="backtest")
        only = forecast_store.load_predictions(connection, run_id, model="logit", horizon=3)
    assert record is not None
    assert (record.kind, record.unit_kind, record.models) == ("backtest", "admin2", MODELS)
    assert record.horizons == [1, 3] and record.first_origin == origins[0]
    assert record.last_month == data.months[-1] and record.data_version == data.data_version
    assert record.features == run.features and record.parameters["models"]["logit"]["C"] == 0.1
    assert record.predictions == len(run.predictions) == len(stored)
    expected = run.predictions.sort_values(KEY, ignore_index=True)
    got = stored.sort_values(KEY, ignore_index=True)
    for column in ("probability", "fatalities_mean", "fatalities_q90", "crps"):
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-12)
    np.testing.assert_array_equal(
        got["observed_any"].astype(float).to_numpy(), expected["observed_any"].to_numpy()
    )
    assert got["observed_any"].isna().any()  # origin + 2 months is after the data
    assert (got["target_month"] == expected["target_month"]).all()
    pd.testing.assert_series_equal(
        scores["value"], run.scores["value"].astype(float), check_names=False, rtol=1e-12
    )
    assert len(curves) == len(run.reliability)
    assert [r.id for r in listed] == [run_id]
    assert set(only["model"]) == {"logit"} and set(only["horizon"]) == {3}


def test_forecasts_from_the_store_ignore_data_after_the_origin(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        whole = load_forecast_data(connection, "admin2")
        origin = whole.months[-6]
        known = load_forecast_data(connection, "admin2", last=origin - 1)
    assert known.months[-1] == origin - 1
    first = backtest(whole, [origin], [1, 3], models=MODELS, n_samples=40).predictions
    second = backtest(known, [origin], [1, 3], models=MODELS, n_samples=40).predictions
    for column in ("probability", "fatalities_mean", "fatalities_q50"):
        np.testing.assert_array_equal(first[column], second[column])


def test_deployments_give_distances_to_the_nearest_site(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        data = load_forecast_data(connection, "admin2")
    distances = data.base_distance_km
    assert np.isfinite(distances[:, -1]).all()
    assert (distances[:, -1] >= 0).all() and distances[:, -1].min() < 50


def test_the_latest_forecast_feeds_the_matrix_likelihood(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        data = load_forecast_data(connection, "admin2")
    last = data.months[-1]
    run = forecast(data, [1, 2], models=MODELS, primary="logit", bootstrap=0)
    with demo_store.transaction() as connection:
        run_id = forecast_store.save_run(connection, run, "analyst", dt.datetime.now(dt.UTC))
    with demo_store.reading() as connection:
        fed = assess(connection, str(last))
        earlier = assess(connection, str(last - 1))
    matrix = fed.matrix
    vac = matrix["threat_type"].isin(VAC_THREATS)
    assert (matrix.loc[vac, "likelihood_source"] == f"forecast run {run_id} (logit)").all()
    assert (matrix.loc[~vac, "likelihood_source"] == FREQUENCY_SOURCE).all()
    assert fed.parameters["forecast_run"] == run_id
    # an area's VAC rows together carry its forecast probability
    area = matrix.loc[vac, "unit"].iloc[0]
    rows = matrix[vac & (matrix["unit"] == area)]
    together = 1 - np.prod(1 - rows["likelihood"].to_numpy())
    predicted = run.predictions.query("model == 'logit' and horizon == 1 and unit == @area")
    assert together == pytest.approx(predicted["probability"].iloc[0])
    # a month the forecast did not learn up to keeps recent frequency
    assert (earlier.matrix["likelihood_source"] == FREQUENCY_SOURCE).all()
    assert earlier.parameters["forecast_run"] is None


def test_apply_forecast_by_hand() -> None:
    matrix = pd.DataFrame(
        {
            "unit": ["A", "A", "A", "B"],
            "actor_family": ["jnim", "dozo_militias", "jnim", "jnim"],
            "threat_type": ["vac_attack", "vac_attack", "fighting_in_towns", "vac_attack"],
            "events_12m": [3, 1, 5, 2],
            "fatalities_12m": [6, 1, 9, 0],
            "likelihood": [0.9, 0.2, 0.8, 0.5],
            "likelihood_class": [5, 2, 5, 3],
            "severity_class": [2, 1, 3, 1],
        }
    )
    # area A: p = 0.5, λ = ln 2; the jnim row holds 3 of 4 VAC events: 1 − 2^(−3/4)
    out = apply_forecast(matrix, pd.Series({"A": 0.5}), "forecast run 7 (boosting)")
    by_row = out.set_index(["unit", "actor_family", "threat_type"])
    assert by_row.loc[("A", "jnim", "vac_attack"), "likelihood"] == pytest.approx(1 - 2**-0.75)
    assert by_row.loc[("A", "dozo_militias", "vac_attack"), "likelihood"] == pytest.approx(
        1 - 2**-0.25
    )
    assert by_row.loc[("A", "jnim", "fighting_in_towns"), "likelihood"] == 0.8  # not VAC
    assert by_row.loc[("B", "jnim", "vac_attack"), "likelihood"] == 0.5  # no forecast for B
    assert by_row.loc[("A", "jnim", "vac_attack"), "likelihood_source"] == (
        "forecast run 7 (boosting)"
    )
    assert by_row.loc[("B", "jnim", "vac_attack"), "likelihood_source"] == FREQUENCY_SOURCE
