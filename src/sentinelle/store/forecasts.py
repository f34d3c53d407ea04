"""Forecast runs in the store: each backtest or live forecast with its model version,
parameters, feature list and data vintage, its predictions, and (for backtests) its scores and
reliability curves. Runs are records: they are added, never changed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, insert, select

from sentinelle.store.bulk import bulk_insert
from sentinelle.store.schema import (
    forecast_predictions,
    forecast_reliability,
    forecast_runs,
    forecast_scores,
)

PREDICTION_COLUMNS = (
    "model",
    "unit",
    "origin",
    "horizon",
    "target_month",
    "probability",
    "probability_low",
    "probability_high",
    "fatalities_mean",
    "fatalities_q10",
    "fatalities_q50",
    "fatalities_q90",
    "observed_any",
    "observed_fatalities",
    "crps",
)


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str
    unit_kind: str
    created_at: dt.datetime
    created_by: str
    model_version: str
    models: list[str]
    parameters: dict[str, Any]
    features: list[str]
    data_version: str
    first_month: pd.Period
    last_month: pd.Period
    first_origin: pd.Period
    last_origin: pd.Period
    horizons: list[int]
    seconds: float
    predictions: int

    @property
    def primary(self) -> str:
        """The model whose probabilities a live forecast publishes."""
        return str(self.parameters.get("primary", "boosting"))


def _month(value: Any) -> pd.Period:
    return pd.Period(value, freq="M")


def _record(row: Any) -> RunRecord:
    return RunRecord(
        id=row.id,
        kind=row.kind,
        unit_kind=row.unit_kind,
        created_at=row.created_at,
        created_by=row.created_by,
        model_version=row.model_version,
        models=json.loads(row.models),
        parameters=json.loads(row.parameters),
        features=json.loads(row.features),
        data_version=row.data_version,
        first_month=_month(row.first_month),
        last_month=_month(row.last_month),
        first_origin=_month(row.first_origin),
        last_origin=_month(row.last_origin),
        horizons=[int(h) for h in row.horizons.split(",") if h],
        seconds=row.seconds,
        predictions=row.predictions,
    )


def _first_day(period: pd.Period) -> dt.date:
    return dt.date(period.year, period.month, 1)


def _dates(values: pd.Series) -> list[str]:
    """First days of months as ``YYYY-MM-DD`` text (what bulk writes take for DATE columns)."""
    return [f"{p.year:04d}-{p.month:02d}-01" for p in pd.PeriodIndex(values, freq="M")]


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object)
    return out.where(frame.notna(), None)


def save_run(
    connection: Connection,
    run: Any,
    created_by: str,
    created_at: dt.datetime,
) -> int:
    """Store a :class:`~sentinelle.forecast.backtest.ForecastRun`; returns its id."""
    predictions = run.predictions
    result = connection.execute(
        insert(forecast_runs).values(
            kind=run.kind,
            unit_kind=run.unit_kind,
            created_at=created_at,
            created_by=created_by,
            model_version=str(run.parameters.get("model_version", "")),
            models=json.dumps(list(run.models)),
            parameters=json.dumps(run.parameters, sort_keys=True, default=str),
            features=json.dumps(list(run.features)),
            data_version=run.data_version,
            first_month=_first_day(run.first_month),
            last_month=_first_day(run.last_month),
            first_origin=_first_day(min(run.origins)),
            last_origin=_first_day(max(run.origins)),
            horizons=",".join(str(h) for h in run.horizons),
            seconds=float(run.seconds),
            predictions=len(predictions),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    run_id = int(key[0])
    if len(predictions):
        frame = pd.DataFrame({"run_id": run_id}, index=predictions.index)
        for column in PREDICTION_COLUMNS:
            frame[column] = predictions[column]
        frame["origin"] = _dates(predictions["origin"])
        frame["target_month"] = _dates(predictions["target_month"])
        for column in ("observed_any", "observed_fatalities"):
            values = predictions[column]
            frame[column] = values.round().astype("Int64")
        bulk_insert(connection, forecast_predictions, _nullable(frame))
    if len(run.scores):
        scores = run.scores[["model", "horizon", "metric", "value", "n", "positives"]].copy()
        scores.insert(0, "run_id", run_id)
        bulk_insert(connection, forecast_scores, _nullable(scores))
    if len(run.reliability):
        curve = run.reliability[
            [
                "model",
                "horizon",
                "bin_low",
                "bin_high",
                "mean_probability",
                "observed_frequency",
                "count",
            ]
        ].copy()
        curve.insert(0, "run_id", run_id)
        bulk_insert(connection, forecast_reliability, _nullable(curve))
    return run_id


def get_run(connection: Connection, run_id: int) -> RunRecord | None:
    row = connection.execute(select(forecast_runs).where(forecast_runs.c.id == run_id)).first()
    return _record(row) if row is not None else None


def list_runs(
    connection: Connection,
    kind: str | None = None,
    unit_kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[RunRecord]:
    query = select(forecast_runs)
    if kind:
        query = query.where(forecast_runs.c.kind == kind)
    if unit_kind:
        query = query.where(forecast_runs.c.unit_kind == unit_kind)
    rows = connection.execute(query.order_by(forecast_runs.c.id.desc()).limit(limit).offset(offset))
    return [_record(r) for r in rows]


def count_runs(connection: Connection, kind: str | None = None) -> int:
    query = select(func.count()).select_from(forecast_runs)
    if kind:
        query = query.where(forecast_runs.c.kind == kind)
    return int(connection.execute(query).scalar() or 0)


def latest_run(
    connection: Connection,
    kind: str,
    unit_kind: str,
    last_month: pd.Period | None = None,
) -> RunRecord | None:
    """The newest run of ``kind`` for ``unit_kind`` (that learned from data up to
    ``last_month``, when given)."""
    query = select(forecast_runs).where(
        (forecast_runs.c.kind == kind) & (forecast_runs.c.unit_kind == unit_kind)
    )
    if last_month is not None:
        query = query.where(forecast_runs.c.last_month == _first_day(last_month))
    row = connection.execute(query.order_by(forecast_runs.c.id.desc()).limit(1)).first()
    return _record(row) if row is not None else None


def load_predictions(
    connection: Connection,
    run_id: int,
    model: str | None = None,
    horizon: int | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """A run's predictions (columns :data:`PREDICTION_COLUMNS`, months as monthly periods)."""
    table = forecast_predictions
    query = select(*(table.c[c] for c in PREDICTION_COLUMNS)).where(table.c.run_id == run_id)
    if model is not None:
        query = query.where(table.c.model == model)
    if horizon is not None:
        query = query.where(table.c.horizon == horizon)
    if unit is not None:
        query = query.where(table.c.unit == unit)
    query = query.order_by(table.c.origin, table.c.horizon, table.c.model, table.c.unit)
    rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))
    for column in ("origin", "target_month"):
        frame[column] = pd.PeriodIndex(pd.to_datetime(frame[column]), freq="M")
    for column in ("observed_any", "observed_fatalities"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    floats = [
        c for c in PREDICTION_COLUMNS if c.startswith(("probability", "fatalities_")) or c == "crps"
    ]
    for column in floats:
        frame[column] = pd.to_numeric(frame[column]).astype(np.float64)
    frame["horizon"] = frame["horizon"].astype("int64")
    return frame


def load_scores(connection: Connection, run_id: int) -> pd.DataFrame:
    rows = connection.execute(
        select(
            forecast_scores.c.model,
            forecast_scores.c.horizon,
            forecast_scores.c.metric,
            forecast_scores.c.value,
            forecast_scores.c.n,
            forecast_scores.c.positives,
        )
        .where(forecast_scores.c.run_id == run_id)
        .order_by(forecast_scores.c.id)
    ).all()
    frame = pd.DataFrame(rows, columns=["model", "horizon", "metric", "value", "n", "positives"])
    frame["value"] = pd.to_numeric(frame["value"]).astype(np.float64)
    return frame


def load_reliability(connection: Connection, run_id: int) -> pd.DataFrame:
    columns = [
        "model",
        "horizon",
        "bin_low",
        "bin_high",
        "mean_probability",
        "observed_frequency",
        "count",
    ]
    rows = connection.execute(
        select(*(forecast_reliability.c[c] for c in columns))
        .where(forecast_reliability.c.run_id == run_id)
        .order_by(forecast_reliability.c.id)
    ).all()
    return pd.DataFrame(rows, columns=columns)
