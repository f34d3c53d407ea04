"""On the real ACLED export: the learned models beat the baselines a year and a half out of
sample (a smaller version of ``make bench-forecast``, which reports every score)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinelle.forecast.backtest import backtest, parse_origins
from sentinelle.forecast.data import load_forecast_data
from sentinelle.store.database import Store


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    from sentinelle.deployments import ingest_deployments
    from sentinelle.ingest import import_boundaries, ingest_file
    from sentinelle.store.database import open_store
    from sentinelle.threat.population import ingest_population

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('real') / 'real.db'}")
    boundaries = shared_data / "boundaries"
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(store, shared_data / "acled" / "acled_mali_1997-2018_api_export.csv")
    ingest_population(store, shared_data / "population" / "cod_ps_mali_admin2_population_2020.csv")
    ingest_deployments(store, shared_data / "peacekeeping" / "geopko_v2.3_minusma_locations.csv")
    return store


def test_real_forecast_data_has_every_feature_source(real_store: Store) -> None:
    with real_store.reading() as connection:
        data = load_forecast_data(connection, "admin2")
    assert data.notes == []  # population, deployments and adjacency all present
    assert data.months[0].year == 1997 and str(data.months[-1]) == "2018-12"
    vac = data.counts["vac_events"]
    assert vac.sum() > 0 and (data.population > 0).sum() == len(data.units)
    # MINUSMA sites exist from 2013 on: distances then, none before
    assert data.base_distance_km[:, data.month_index(data.months[-1])].max() < 1000


def test_learned_models_beat_the_best_baseline_on_real_data(real_store: Store) -> None:
    with real_store.reading() as connection:
        data = load_forecast_data(connection, "admin2")
    models = ["rolling3", "rolling12", "conflictology", "logit", "boosting"]
    run = backtest(data, parse_origins("2017-07:2018-12"), [1], models, n_samples=50)
    scores = run.scores.pivot_table(index="model", columns="metric", values="value")
    baselines, learned = (
        scores.loc[["rolling3", "rolling12", "conflictology"]],
        scores.loc[["logit", "boosting"]],
    )
    assert learned["brier"].min() < baselines["brier"].min()
    assert learned["average_precision"].max() > baselines["average_precision"].max()
