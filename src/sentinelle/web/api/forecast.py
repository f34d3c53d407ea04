"""API: forecasts of violence against civilians (VAC) per area and month — the stored runs
(rolling-origin backtests and live forecasts), their predictions, scores and reliability
curves, and the latest live forecast's probabilities.

An *origin* is the first month a run had not seen; horizon ``h`` forecasts month
``origin + h − 1``. The functions below the models are shared with the forecast pages
(``web/pages/forecast.py``), so that a page and its API answer always agree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.status import HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.domain.months import MonthError, parse_month
from sentinelle.domain.vocabulary import Language
from sentinelle.forecast.backtest import METRICS
from sentinelle.forecast.models import BASELINES, LEARNED
from sentinelle.store import forecasts as forecast_store
from sentinelle.store.forecasts import RunRecord
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import MAX_ID, MAX_PAGE_SIZE, Page, RecordId
from sentinelle.web.cache import cache_of

router = APIRouter(prefix="/forecast", tags=["forecast"])

RunKind = Literal["backtest", "forecast"]
ForecastUnitKind = Literal["admin2", "admin1", "priogrid"]
BASELINE = "rolling12"
"""The baseline shown beside the published probabilities."""
MONTH_PATTERN = r"^\d{4}-\d{2}$"
UNIT_PATTERN = r"^[A-Z0-9]{2,12}$"
NOTE = (
    "Forecasts are decision support: they never replace information from the field. "
    "Probabilities are of at least one event of violence against civilians in the area and "
    "month; the band is the 10th–90th percentile over refits on resampled areas."
)

HorizonQuery = Annotated[
    int | None,
    Query(ge=1, le=24, description="months ahead: horizon h forecasts month origin + h − 1"),
]
ModelQuery = Annotated[
    str | None,
    Query(max_length=30, pattern=r"^[a-z0-9_]+$", description="a model of the run"),
]
UnitQuery = Annotated[
    str | None,
    Query(max_length=12, pattern=UNIT_PATTERN, description="P-code of an area, e.g. ML0505"),
]
OriginQuery = Annotated[
    str | None,
    Query(max_length=7, pattern=MONTH_PATTERN, description="origin month, YYYY-MM"),
]


# --- models ----------------------------------------------------------------------------------


class ModelOut(BaseModel):
    """A forecasting model: a baseline (a rule on the area's own history) or learned."""

    code: str
    kind: Literal["baseline", "learned"]
    label_en: str
    label_fr: str


class MetricOut(BaseModel):
    code: str
    label_en: str
    label_fr: str
    definition: str = Field(description="what the metric measures, in plain English")
    higher_is_better: bool


class RunOut(BaseModel):
    """A stored run: a rolling-origin backtest or a live forecast."""

    id: int
    kind: RunKind
    unit_kind: str = Field(description="admin2 (cercles, pre-2016 geography), admin1 or priogrid")
    created_at: dt.datetime = Field(description="when it was computed (UTC)")
    created_by: str
    model_version: str
    models: list[str]
    baselines: list[str] = Field(description="the run's baseline models")
    learned: list[str] = Field(description="the run's learned models")
    primary: str | None = Field(description="the model a live forecast publishes (null: backtest)")
    data_version: str = Field(description="the store's data the run learned from")
    first_month: str = Field(description="first month of data, YYYY-MM")
    last_month: str = Field(description="last month of data learned from, YYYY-MM")
    first_origin: str = Field(description="first origin (first month not seen), YYYY-MM")
    last_origin: str
    horizons: list[int]
    seconds: float = Field(description="time the run took")
    predictions: int = Field(description="stored predictions")
    url: str = Field(description="its page")


class RunDetailOut(RunOut):
    """A run with everything needed to reproduce it."""

    parameters: dict[str, Any]
    features: list[str]
    origin_convention: str


class PredictionOut(BaseModel):
    """One model's forecast for one area and target month."""

    unit: str
    origin: str = Field(description="first month the model had not seen, YYYY-MM")
    horizon: int
    target_month: str = Field(description="the month forecast: origin + horizon − 1")
    model: str
    probability: float | None = Field(description="P(at least one VAC event)")
    probability_low: float | None = Field(
        description="10th percentile of the probability over bootstrap refits (live forecasts, "
        "learned models only)"
    )
    probability_high: float | None = Field(description="90th percentile (see probability_low)")
    fatalities_mean: float | None = Field(description="expected VAC fatalities")
    fatalities_q10: float | None
    fatalities_q50: float | None
    fatalities_q90: float | None
    observed_any: bool | None = Field(description="VAC happened (null: month not in the data)")
    observed_fatalities: int | None
    crps: float | None = Field(description="CRPS of the fatality forecast (null: not observed)")


class ScoreOut(BaseModel):
    model: str
    model_kind: Literal["baseline", "learned"]
    horizon: int
    metric: str
    value: float | None = Field(description="null when undefined (e.g. no VAC at all)")
    n: int = Field(description="forecasts scored (areas × origins)")
    positives: int = Field(description="of which with VAC")
    definition: str


class ScoresOut(BaseModel):
    """A backtest's scores per (model, horizon), pooled over origins."""

    run: RunOut
    metrics: list[MetricOut]
    models: list[ModelOut]
    scores: list[ScoreOut]


class ReliabilityBinOut(BaseModel):
    model: str
    horizon: int
    bin_low: float
    bin_high: float
    mean_probability: float | None = Field(description="mean forecast probability in the bin")
    observed_frequency: float | None = Field(description="share of the bin's forecasts with VAC")
    count: int


class ReliabilityOut(BaseModel):
    """Reliability curves: forecast probability against observed frequency, by bin."""

    run_id: int
    bins: list[ReliabilityBinOut]


class LatestAreaOut(BaseModel):
    unit: str
    name_fr: str
    name_en: str
    probability: float | None = Field(description="the primary model's P(at least one VAC event)")
    probability_low: float | None = Field(description="10th percentile over bootstrap refits")
    probability_high: float | None = Field(description="90th percentile over bootstrap refits")
    baseline_probability: float | None = Field(description="the rolling12 baseline's probability")
    fatalities_mean: float | None = Field(description="expected VAC fatalities")
    fatalities_q10: float | None
    fatalities_q90: float | None
    url: str = Field(description="the area's forecast page")


class LatestOut(BaseModel):
    """The latest live forecast for one horizon: the primary model's probability per area, most
    likely first, with the rolling12 baseline beside it."""

    run: RunOut
    horizon: int
    origin: str
    target_month: str
    model: ModelOut
    baseline: ModelOut | None
    note: str
    areas: list[LatestAreaOut]


# --- shared with the pages -------------------------------------------------------------------


def unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def label(kind: str, code: str, language: Language) -> str:
    """The French or English label of a model or metric (the code when it has none)."""
    try:
        return i18n.translate(f"forecast.{kind}.{code}", language)
    except i18n.MissingMessage:
        return code


def model_kind(code: str) -> Literal["baseline", "learned"]:
    return "learned" if code in LEARNED or code not in BASELINES else "baseline"


def model_out(code: str) -> ModelOut:
    return ModelOut(
        code=code,
        kind=model_kind(code),
        label_en=label("model", code, "en"),
        label_fr=label("model", code, "fr"),
    )


def ordered_models(models: Sequence[str]) -> list[str]:
    """Baselines first (in the engine's order), then learned models."""
    return sorted(
        dict.fromkeys(models),
        key=lambda m: (
            (model_kind(m) == "learned", (*BASELINES, *LEARNED).index(m))
            if m in (*BASELINES, *LEARNED)
            else (True, 99)
        ),
    )


def higher_is_better(metric: str) -> bool:
    return "lower is better" not in METRICS.get(metric, "")


def metrics_out(present: Sequence[str] | None = None) -> list[MetricOut]:
    codes = [m for m in METRICS if present is None or m in present]
    return [
        MetricOut(
            code=m,
            label_en=label("metric", m, "en"),
            label_fr=label("metric", m, "fr"),
            definition=METRICS[m],
            higher_is_better=higher_is_better(m),
        )
        for m in codes
    ]


def number(value: Any) -> float | None:
    """A float, or None for missing and not-a-number values."""
    if value is None or value is pd.NA:
        return None
    result = float(value)
    return None if math.isnan(result) or math.isinf(result) else result


def month_text(value: Any) -> str:
    return str(pd.Period(value, freq="M"))


def primary_of(record: RunRecord) -> str:
    """The model a live forecast publishes (for a backtest: the one its area charts favour)."""
    chosen = record.primary
    if chosen in record.models:
        return chosen
    learned = [m for m in record.models if m in LEARNED]
    return learned[0] if learned else record.models[0]


def page_url(record: RunRecord) -> str:
    return (
        f"/forecast/backtest?run={record.id}"
        if record.kind == "backtest"
        else (f"/forecast?run={record.id}")
    )


def run_out(record: RunRecord) -> RunOut:
    kind: RunKind = "backtest" if record.kind == "backtest" else "forecast"
    created = record.created_at
    return RunOut(
        id=record.id,
        kind=kind,
        unit_kind=record.unit_kind,
        created_at=created if created.tzinfo else created.replace(tzinfo=dt.UTC),
        created_by=record.created_by,
        model_version=record.model_version,
        models=list(record.models),
        baselines=[m for m in record.models if model_kind(m) == "baseline"],
        learned=[m for m in record.models if model_kind(m) == "learned"],
        primary=primary_of(record) if kind == "forecast" else None,
        data_version=record.data_version,
        first_month=str(record.first_month),
        last_month=str(record.last_month),
        first_origin=str(record.first_origin),
        last_origin=str(record.last_origin),
        horizons=list(record.horizons),
        seconds=float(record.seconds),
        predictions=record.predictions,
        url=page_url(record),
    )


def run_detail_out(record: RunRecord) -> RunDetailOut:
    return RunDetailOut(
        **run_out(record).model_dump(),
        parameters=record.parameters,
        features=record.features,
        origin_convention="an origin is the first month the models had not seen; horizon h "
        "forecasts month origin + h − 1",
    )


def find_run(connection: Connection, run_id: int, kind: RunKind | None = None) -> RunRecord:
    """A stored run: 404 when unknown, 422 when not of ``kind``."""
    found = forecast_store.get_run(connection, run_id)
    if found is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no forecast run {run_id}")
    if kind is not None and found.kind != kind:
        raise unprocessable(f"run {run_id} is a {found.kind}, not a {kind}")
    return found


def latest_of(
    connection: Connection, kind: RunKind, unit_kind: str | None = None
) -> RunRecord | None:
    """The newest run of ``kind`` for ``unit_kind`` (default: cercles, else any unit kind)."""
    if unit_kind is not None:
        return forecast_store.latest_run(connection, kind, unit_kind)
    found = forecast_store.latest_run(connection, kind, "admin2")
    if found is None:
        newest = forecast_store.list_runs(connection, kind=kind, limit=1)
        found = newest[0] if newest else None
    return found


def check_model(record: RunRecord, model: str | None) -> str | None:
    if model is not None and model not in record.models:
        raise unprocessable(
            f"model: run {record.id} has no model {model!r}; it has {', '.join(record.models)}"
        )
    return model


def check_horizon(record: RunRecord, horizon: int | None) -> int | None:
    if horizon is not None and horizon not in record.horizons:
        raise unprocessable(
            f"horizon: run {record.id} forecast horizons "
            f"{', '.join(str(h) for h in record.horizons)}, not {horizon}"
        )
    return horizon


def check_origin(record: RunRecord, text: str | None) -> pd.Period | None:
    if not text:
        return None
    try:
        origin = parse_month(text)
    except (MonthError, ValueError) as exc:
        raise unprocessable(f"origin: {exc}") from None
    if not record.first_origin <= origin <= record.last_origin:
        raise unprocessable(
            f"origin: run {record.id} has origins {record.first_origin} to "
            f"{record.last_origin}, not {origin}"
        )
    return origin


def predictions(
    request: Request,
    connection: Connection,
    record: RunRecord,
    model: str | None = None,
    horizon: int | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """A run's predictions (runs never change: cached; treat as read-only)."""
    return cache_of(request).get(
        connection,
        ("forecast-predictions", record.id, record.created_at, model, horizon, unit),
        lambda: forecast_store.load_predictions(connection, record.id, model, horizon, unit),
    )


def prediction_records(frame: pd.DataFrame) -> list[PredictionOut]:
    out = []
    for row in frame.itertuples(index=False):
        observed = row.observed_any
        fatalities = row.observed_fatalities
        out.append(
            PredictionOut(
                unit=str(row.unit),
                origin=str(row.origin),
                horizon=int(row.horizon),
                target_month=str(row.target_month),
                model=str(row.model),
                probability=number(row.probability),
                probability_low=number(row.probability_low),
                probability_high=number(row.probability_high),
                fatalities_mean=number(row.fatalities_mean),
                fatalities_q10=number(row.fatalities_q10),
                fatalities_q50=number(row.fatalities_q50),
                fatalities_q90=number(row.fatalities_q90),
                observed_any=None if pd.isna(observed) else bool(observed),
                observed_fatalities=None if pd.isna(fatalities) else int(fatalities),
                crps=number(row.crps),
            )
        )
    return out


def unit_names(
    request: Request, connection: Connection, unit_kind: str
) -> dict[str, tuple[str, str]]:
    """P-code → (French name, English name) of the stored areas of a run's unit kind."""
    if unit_kind not in ("admin1", "admin2"):
        return {}
    from sentinelle.web.api.threat import unit_info

    info = unit_info(request, connection, "admin1" if unit_kind == "admin1" else "admin2")
    return {code: (fr, en) for code, (fr, en, _) in info.items()}


def latest_forecast(
    request: Request,
    connection: Connection,
    horizon: int | None = None,
    unit_kind: str | None = None,
    run_id: int | None = None,
) -> LatestOut | None:
    """A live forecast (the latest, or run ``run_id``) for ``horizon`` (default: its first):
    the primary model's probability per area, most likely first, beside the rolling12
    baseline. None when no live forecast is stored."""
    if run_id is not None:
        record: RunRecord | None = find_run(connection, run_id, "forecast")
    else:
        record = latest_of(connection, "forecast", unit_kind)
    if record is None:
        return None
    chosen = check_horizon(record, horizon) or record.horizons[0]
    primary = primary_of(record)
    frame = predictions(request, connection, record, horizon=chosen)
    main = frame[frame["model"] == primary].set_index("unit")
    baseline = BASELINE if BASELINE in record.models and primary != BASELINE else None
    beside = (
        frame[frame["model"] == baseline].set_index("unit")["probability"]
        if baseline
        else pd.Series(dtype=float)
    )
    names = unit_names(request, connection, record.unit_kind)
    areas = []
    for unit, row in main.iterrows():
        code = str(unit)
        fr, en = names.get(code, (code, code))
        areas.append(
            LatestAreaOut(
                unit=code,
                name_fr=fr,
                name_en=en,
                probability=number(row["probability"]),
                probability_low=number(row["probability_low"]),
                probability_high=number(row["probability_high"]),
                baseline_probability=number(beside.get(code)),
                fatalities_mean=number(row["fatalities_mean"]),
                fatalities_q10=number(row["fatalities_q10"]),
                fatalities_q90=number(row["fatalities_q90"]),
                url=f"/forecast/areas/{code}?horizon={chosen}",
            )
        )
    areas.sort(key=lambda a: (a.probability is None, -(a.probability or 0.0), a.unit))
    origin = record.first_origin
    return LatestOut(
        run=run_out(record),
        horizon=chosen,
        origin=str(origin),
        target_month=str(origin + chosen - 1),
        model=model_out(primary),
        baseline=model_out(baseline) if baseline else None,
        note=NOTE,
        areas=areas,
    )


def scores_out(connection: Connection, record: RunRecord) -> ScoresOut:
    frame = forecast_store.load_scores(connection, record.id)
    scores = [
        ScoreOut(
            model=str(r.model),
            model_kind=model_kind(str(r.model)),
            horizon=int(r.horizon),
            metric=str(r.metric),
            value=number(r.value),
            n=int(r.n),
            positives=int(r.positives),
            definition=METRICS.get(str(r.metric), ""),
        )
        for r in frame.itertuples(index=False)
    ]
    present = {s.metric for s in scores}
    return ScoresOut(
        run=run_out(record),
        metrics=metrics_out(sorted(present) if present else None),
        models=[model_out(m) for m in ordered_models(record.models)],
        scores=scores,
    )


def reliability_frame(request: Request, connection: Connection, record: RunRecord) -> pd.DataFrame:
    return cache_of(request).get(
        connection,
        ("forecast-reliability", record.id, record.created_at),
        lambda: forecast_store.load_reliability(connection, record.id),
    )


def reliability_bins(frame: pd.DataFrame) -> list[ReliabilityBinOut]:
    return [
        ReliabilityBinOut(
            model=str(r.model),
            horizon=int(r.horizon),
            bin_low=float(r.bin_low),
            bin_high=float(r.bin_high),
            mean_probability=number(r.mean_probability),
            observed_frequency=number(r.observed_frequency),
            count=int(r.count),
        )
        for r in frame.itertuples(index=False)
    ]


# --- endpoints -------------------------------------------------------------------------------

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such run"}}


@router.get("/runs", response_model=Page[RunOut])
def list_runs(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    kind: Annotated[RunKind | None, Query(description="backtest or forecast")] = None,
    unit_kind: Annotated[ForecastUnitKind | None, Query(description="the runs' areas")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Page[RunOut]:
    """Stored forecast runs, the newest first."""
    offset = (page - 1) * page_size
    with store_of(request).reading() as connection:
        records = forecast_store.list_runs(connection, kind, unit_kind, page_size, offset)
        if unit_kind is None:
            total = forecast_store.count_runs(connection, kind)
        else:
            total = len(forecast_store.list_runs(connection, kind, unit_kind, MAX_ID, 0))
    return Page(items=[run_out(r) for r in records], total=total, page=page, page_size=page_size)


@router.get("/runs/{run_id}", response_model=RunDetailOut, responses=NOT_FOUND)
def get_run(
    request: Request,
    run_id: RecordId,
    principal: Principal = Depends(Require("view_events")),
) -> RunDetailOut:
    """A run with its parameters, features and data vintage."""
    with store_of(request).reading() as connection:
        return run_detail_out(find_run(connection, run_id))


@router.get("/runs/{run_id}/predictions", response_model=Page[PredictionOut], responses=NOT_FOUND)
def list_predictions(
    request: Request,
    run_id: RecordId,
    principal: Principal = Depends(Require("view_events")),
    model: ModelQuery = None,
    horizon: HorizonQuery = None,
    unit: UnitQuery = None,
    origin: OriginQuery = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
) -> Page[PredictionOut]:
    """A run's predictions, by origin, horizon, model and area; for a backtest with what
    happened (``observed_any``, ``observed_fatalities``) and the CRPS of each fatality
    forecast."""
    with store_of(request).reading() as connection:
        record = find_run(connection, run_id)
        check_model(record, model)
        check_horizon(record, horizon)
        month = check_origin(record, origin)
        frame = predictions(request, connection, record, model, horizon, unit)
    if month is not None:
        frame = frame[frame["origin"] == month]
    chosen = frame.iloc[(page - 1) * page_size : page * page_size]
    return Page(items=prediction_records(chosen), total=len(frame), page=page, page_size=page_size)


@router.get("/runs/{run_id}/scores", response_model=ScoresOut, responses=NOT_FOUND)
def get_scores(
    request: Request,
    run_id: RecordId,
    principal: Principal = Depends(Require("view_events")),
) -> ScoresOut:
    """A backtest's scores per model and horizon, pooled over origins, each with what the
    metric means (a live forecast has none: nothing observed yet). ``brier_skill`` compares
    each model with the best baseline at that horizon."""
    with store_of(request).reading() as connection:
        return scores_out(connection, find_run(connection, run_id))


@router.get("/runs/{run_id}/reliability", response_model=ReliabilityOut, responses=NOT_FOUND)
def get_reliability(
    request: Request,
    run_id: RecordId,
    principal: Principal = Depends(Require("view_events")),
    model: ModelQuery = None,
    horizon: HorizonQuery = None,
) -> ReliabilityOut:
    """A backtest's reliability curves: per model, horizon and probability bin, the mean
    forecast probability against the share of forecasts followed by VAC (on the diagonal:
    well calibrated)."""
    with store_of(request).reading() as connection:
        record = find_run(connection, run_id)
        check_model(record, model)
        check_horizon(record, horizon)
        frame = reliability_frame(request, connection, record)
    if model is not None:
        frame = frame[frame["model"] == model]
    if horizon is not None:
        frame = frame[frame["horizon"] == horizon]
    return ReliabilityOut(run_id=record.id, bins=reliability_bins(frame))


@router.get(
    "/latest",
    response_model=LatestOut,
    responses={404: {"description": "no live forecast stored"}},
)
def latest(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    horizon: HorizonQuery = None,
    unit_kind: Annotated[
        ForecastUnitKind | None,
        Query(description="the forecast's areas (default: cercles, else the newest of any)"),
    ] = None,
) -> LatestOut:
    """The latest live forecast's published (primary-model) probability of at least one VAC
    event per area for a horizon (default: its first), most likely first, with the 10–90% band,
    the rolling12 baseline beside it and expected VAC fatalities. Decision support only: never
    a substitute for information from the field."""
    with store_of(request).reading() as connection:
        found = latest_forecast(request, connection, horizon, unit_kind)
    if found is None:
        raise HTTPException(
            HTTP_404_NOT_FOUND, "no live forecast is stored: run `sentinelle forecast`"
        )
    return found
