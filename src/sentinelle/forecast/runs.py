"""Backtests and live forecasts from the store, saved as runs (what the CLI, the demo and the
web application share)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sentinelle.domain.places import UnitKind
from sentinelle.forecast.backtest import Progress, backtest, forecast
from sentinelle.forecast.data import load_forecast_data
from sentinelle.forecast.models import MODELS
from sentinelle.store import forecasts as forecast_store
from sentinelle.store.database import Store
from sentinelle.store.imports import data_version


def current_version(store: Store) -> str:
    with store.reading() as connection:
        return "|".join(str(v) for v in data_version(connection))


def has_current_runs(store: Store, unit_kind: UnitKind = "admin2") -> bool:
    """Whether the store holds a backtest and a live forecast computed on its current data."""
    version = current_version(store)
    with store.reading() as connection:
        runs = [
            forecast_store.latest_run(connection, k, unit_kind) for k in ("backtest", "forecast")
        ]
    return all(r is not None and r.data_version == version for r in runs)


def save_latest_runs(
    store: Store,
    actor: str,
    unit_kind: UnitKind = "admin2",
    backtest_months: int = 12,
    horizons: Sequence[int] = (1, 3, 6),
    bootstrap: int = 5,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Backtest the last ``backtest_months`` origins and forecast the next 6 months; save both
    runs and return their ids (backtest, forecast)."""
    with store.reading() as connection:
        data = load_forecast_data(connection, unit_kind)
    last = data.months[-1]
    origins = [last - k for k in range(backtest_months - 1, -1, -1)]
    tested = backtest(data, origins, horizons, MODELS, progress=progress)
    live = forecast(data, range(1, 7), MODELS, bootstrap=bootstrap, progress=progress)
    moment = dt.datetime.now(dt.UTC)
    with store.transaction() as connection:
        first = forecast_store.save_run(connection, tested, actor, moment)
        second = forecast_store.save_run(connection, live, actor, moment)
    return first, second
