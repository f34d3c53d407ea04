"""Rolling-origin backtests and live forecasts.

**Origins and horizons.** An *origin* ``O`` is the first month the forecaster has not seen: it
knows the data up to the end of month ``O − 1``. The forecast at horizon ``h`` is for month
``O + h − 1`` — horizon 1 is the origin month itself. For each origin the models are trained
afresh on the (unit, month ``t``) rows whose target month ``t + h`` is before ``O`` and forecast
from month ``O − 1``'s features, so nothing from ``O`` onwards reaches them (the leakage test in
``tests/forecast`` changes later data and checks the forecasts stay the same).

**Scores** for each (model, horizon), pooled over origins, on forecasts whose target month the
data covers: AUROC, average precision, Brier score, Brier skill against the best baseline (the
baseline with the lowest Brier score at that horizon), expected calibration error, recall among
the top-k areas of each origin, and for fatalities CRPS (of the predictive samples) and MSLE
(of the sample mean). :data:`METRICS` says which is which.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sentinelle.domain.months import parse_month
from sentinelle.forecast import metrics
from sentinelle.forecast.data import ForecastData
from sentinelle.forecast.features import LEARNED_FEATURES, FeatureTensor, build_features, targets
from sentinelle.forecast.models import BASELINES, LEARNED, MODELS, make_model

MODEL_VERSION = "sentinelle-forecast-1"
"""Changes whenever features or models change in a way that changes forecasts."""
N_SAMPLES = 200
TOP_K = 10
QUANTILES = (0.1, 0.5, 0.9)
METRICS: dict[str, str] = {
    "auroc": "area under the ROC curve of P(any VAC) (higher is better)",
    "average_precision": "average precision of P(any VAC) (higher is better)",
    "brier": "mean squared error of P(any VAC) (lower is better)",
    "brier_skill": "1 − Brier ÷ Brier of the best baseline at this horizon (higher is better)",
    "ece": "expected calibration error over 10 probability bins (lower is better)",
    "recall_at_k": "share of areas with VAC that were among each origin's top-k (higher is better)",
    "crps": "continuous ranked probability score of VAC fatalities (lower is better)",
    "msle": "mean squared log error of expected VAC fatalities (lower is better)",
}
PREDICTION_COLUMNS = (
    "unit",
    "origin",
    "horizon",
    "target_month",
    "model",
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

Progress = Callable[[int, int | None], None]


@dataclass
class ForecastRun:
    """Predictions (and, for a backtest, scores) with what is needed to reproduce them."""

    kind: str  # "backtest" or "forecast"
    unit_kind: str
    origins: list[pd.Period]
    horizons: list[int]
    models: list[str]
    predictions: pd.DataFrame
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    parameters: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=lambda: list(LEARNED_FEATURES))
    data_version: str = ""
    first_month: pd.Period | None = None
    last_month: pd.Period | None = None
    seconds: float = 0.0


def parse_origins(text: str) -> pd.PeriodIndex:
    """``YYYY-MM:YYYY-MM`` (inclusive) or a single ``YYYY-MM``."""
    first, _, last = text.partition(":")
    try:
        start = parse_month(first)
        end = parse_month(last or first)
    except ValueError as error:
        raise ValueError(f"origins {text!r}: expected YYYY-MM or YYYY-MM:YYYY-MM") from error
    if end < start:
        raise ValueError(f"origins {text!r}: the last origin is before the first")
    return pd.period_range(start, end, freq="M")


def parse_horizons(text: str) -> list[int]:
    """``1,3,6`` or ``1-6``."""
    values: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                low, high = (int(p) for p in part.split("-", 1))
                values.extend(range(low, high + 1))
            elif part:
                values.append(int(part))
    except ValueError as error:
        raise ValueError(f"horizons {text!r}: expected e.g. 1,3,6 or 1-6") from error
    if not values or min(values) < 1 or max(values) > 24:
        raise ValueError(f"horizons {text!r}: expected months from 1 to 24")
    return sorted(set(values))


def _check_models(models: Sequence[str]) -> list[str]:
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}: expected {', '.join(MODELS)}")
    return list(dict.fromkeys(models))


def _quantiles(samples: np.ndarray) -> np.ndarray:
    return np.quantile(samples, QUANTILES, axis=1).T


def _one_origin(
    tensor: FeatureTensor,
    y_any: np.ndarray,
    y_count: np.ndarray,
    units: pd.Index,
    origin_index: int,
    horizon: int,
    models: Sequence[str],
    n_samples: int,
    seed: int,
    bootstrap: int = 0,
) -> list[pd.DataFrame]:
    """Fit every model for one origin and horizon; their predictions as frames."""
    n_units = len(units)
    last_seen = origin_index - 1
    train_end = last_seen - horizon + 1  # months t with t + h ≤ last seen
    month_grid = np.arange(max(train_end, 0))
    unit_rows = np.repeat(np.arange(n_units), len(month_grid))
    month_rows = np.tile(month_grid, n_units)
    X_train = tensor.rows(unit_rows, month_rows, horizon)
    y_train = pd.DataFrame(
        {"any": y_any[unit_rows, month_rows], "fatalities": y_count[unit_rows, month_rows]}
    )
    X_now = tensor.rows(np.arange(n_units), np.full(n_units, last_seen), horizon)
    target_index = last_seen + horizon
    observed_any = y_any[:, last_seen] if last_seen < y_any.shape[1] else np.full(n_units, np.nan)
    observed_count = (
        y_count[:, last_seen] if last_seen < y_count.shape[1] else np.full(n_units, np.nan)
    )
    origin = tensor.months[0] + origin_index
    target = tensor.months[0] + target_index
    frames = []
    for position, name in enumerate(models):
        model = make_model(name)
        if len(X_train):
            model.fit(X_train, y_train)
            probability = model.predict_proba(X_now)
            samples = model.sample_counts(X_now, n_samples, seed + 1000 * position + horizon)
        else:
            probability = np.full(n_units, np.nan)
            samples = np.full((n_units, n_samples), np.nan)
        low = high = np.full(n_units, np.nan)
        if bootstrap and model.learned and len(X_train):
            low, high = _bootstrap_band(name, X_train, y_train, X_now, n_units, bootstrap, seed)
        q = _quantiles(samples)
        scored = ~np.isnan(observed_count)
        crps = np.full(n_units, np.nan)
        if scored.any() and not np.isnan(samples).any():
            crps[scored] = metrics.crps_samples(observed_count[scored], samples[scored])
        frames.append(
            pd.DataFrame(
                {
                    "unit": units.astype(str),
                    "origin": origin,
                    "horizon": horizon,
                    "target_month": target,
                    "model": name,
                    "probability": probability,
                    "probability_low": low,
                    "probability_high": high,
                    "fatalities_mean": samples.mean(axis=1),
                    "fatalities_q10": q[:, 0],
                    "fatalities_q50": q[:, 1],
                    "fatalities_q90": q[:, 2],
                    "observed_any": observed_any,
                    "observed_fatalities": observed_count,
                    "crps": crps,
                }
            )
        )
    return frames


def _bootstrap_band(
    name: str,
    X_train: pd.DataFrame,
    y_train: pd.DataFrame,
    X_now: pd.DataFrame,
    n_units: int,
    rounds: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """10th and 90th percentiles of the probability over refits on resampled units (every
    training month of a drawn unit comes along, keeping each unit's history together)."""
    rng = np.random.default_rng(seed)
    n_months = len(X_train) // n_units
    draws = np.empty((rounds, n_units))
    for r in range(rounds):
        chosen = rng.integers(0, n_units, n_units)
        rows = (chosen[:, None] * n_months + np.arange(n_months)[None, :]).ravel()
        model = make_model(name).fit(
            X_train.iloc[rows].reset_index(drop=True), y_train.iloc[rows].reset_index(drop=True)
        )
        draws[r] = model.predict_proba(X_now)
    low, high = np.quantile(draws, [0.1, 0.9], axis=0)
    return low, high


def score(predictions: pd.DataFrame, top_k: int = TOP_K) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores per (model, horizon) and reliability curves, from predictions with observations
    (rows whose target month the data does not cover are left out)."""
    rows: list[dict[str, Any]] = []
    curves: list[pd.DataFrame] = []
    scored = predictions[predictions["observed_any"].notna() & predictions["probability"].notna()]
    for (model, horizon), part in scored.groupby(["model", "horizon"], sort=False):
        observed = part["observed_any"].to_numpy(float)
        probability = part["probability"].to_numpy(float).clip(0, 1)
        groups = part["origin"].astype(str).to_numpy()
        values = {
            "auroc": metrics.auroc(observed, probability),
            "average_precision": metrics.average_precision(observed, probability),
            "brier": metrics.brier(observed, probability),
            "ece": metrics.expected_calibration_error(observed, probability),
            "recall_at_k": metrics.recall_at_k_grouped(observed, probability, groups, top_k),
            "crps": float(np.nanmean(part["crps"])) if part["crps"].notna().any() else np.nan,
            "msle": metrics.msle(
                part["observed_fatalities"].to_numpy(float), part["fatalities_mean"].to_numpy()
            ),
        }
        n, positives = len(part), int(observed.sum())
        for metric, value in values.items():
            rows.append(
                {
                    "model": model,
                    "horizon": int(horizon),
                    "metric": metric,
                    "value": value,
                    "n": n,
                    "positives": positives,
                }
            )
        curve = metrics.reliability_curve(observed, probability)
        curve.insert(0, "horizon", int(horizon))
        curve.insert(0, "model", model)
        curves.append(curve)
    scores = pd.DataFrame(rows, columns=["model", "horizon", "metric", "value", "n", "positives"])
    if not scores.empty:
        brier = scores[scores["metric"] == "brier"]
        extra = []
        for horizon, part in brier.groupby("horizon"):
            base = part[part["model"].isin(BASELINES)]
            if base.empty:
                continue
            best = base.loc[base["value"].idxmin()]
            for _, row in part.iterrows():
                extra.append(
                    {
                        "model": row["model"],
                        "horizon": int(horizon),
                        "metric": "brier_skill",
                        "value": metrics.brier_skill(row["value"], best["value"]),
                        "n": row["n"],
                        "positives": row["positives"],
                    }
                )
        scores = pd.concat([scores, pd.DataFrame(extra)], ignore_index=True)
        order = {m: i for i, m in enumerate(METRICS)}
        scores = scores.sort_values(
            ["horizon", "model", "metric"],
            key=lambda c: c.map(order) if c.name == "metric" else c,
            ignore_index=True,
        )
    reliability = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return scores, reliability


def backtest(
    data: ForecastData,
    origins: Sequence[pd.Period] | pd.PeriodIndex,
    horizons: Sequence[int],
    models: Sequence[str] = MODELS,
    n_samples: int = N_SAMPLES,
    top_k: int = TOP_K,
    seed: int = 20,
    progress: Progress | None = None,
) -> ForecastRun:
    """Forecast every horizon from every origin with every model, and score them."""
    started = time.perf_counter()
    models = _check_models(models)
    origins = list(origins)
    if not origins:
        raise ValueError("no origins to backtest")
    horizons = sorted(set(horizons))
    first, last = data.months[0], data.months[-1]
    for origin in origins:
        if origin <= first:
            raise ValueError(
                f"origin {origin} leaves nothing to learn from: the data start in {first}"
            )
        if origin > last + 1:
            raise ValueError(f"origin {origin} is after the data's last month {last} + 1")
    tensor = build_features(data)
    frames: list[pd.DataFrame] = []
    total = len(origins) * len(horizons)
    done = 0
    for horizon in horizons:
        y_any, y_count = targets(data, horizon)
        for origin in origins:
            index = data.month_index(origin)
            frames += _one_origin(
                tensor, y_any, y_count, data.units, index, horizon, models, n_samples, seed
            )
            done += 1
            if progress:
                progress(done, total)
    predictions = pd.concat(frames, ignore_index=True)
    scores, reliability = score(predictions, top_k)
    return ForecastRun(
        kind="backtest",
        unit_kind=data.unit_kind,
        origins=origins,
        horizons=horizons,
        models=models,
        predictions=predictions,
        scores=scores,
        reliability=reliability,
        parameters=_parameters(models, n_samples, top_k, seed),
        data_version=data.data_version,
        first_month=first,
        last_month=last,
        seconds=time.perf_counter() - started,
    )


def _parameters(models: Sequence[str], n_samples: int, top_k: int, seed: int) -> dict[str, Any]:
    return {
        "model_version": MODEL_VERSION,
        "models": {name: make_model(name).get_params() for name in models},
        "samples": n_samples,
        "top_k": top_k,
        "seed": seed,
        "origin_convention": "origin = first unseen month; horizon h forecasts origin + h - 1",
        "baselines": [m for m in models if m in BASELINES],
        "learned": [m for m in models if m in LEARNED],
    }


def forecast(
    data: ForecastData,
    horizons: Sequence[int] = (1, 2, 3, 4, 5, 6),
    models: Sequence[str] = MODELS,
    primary: str = "boosting",
    bootstrap: int = 10,
    n_samples: int = N_SAMPLES,
    seed: int = 20,
    progress: Progress | None = None,
) -> ForecastRun:
    """Forecasts for the months after the data's last month, from every model; the learned
    models carry a band (10th–90th percentile over ``bootstrap`` refits on resampled units)."""
    started = time.perf_counter()
    models = _check_models([*models, primary] if primary not in models else models)
    horizons = sorted(set(horizons))
    origin = data.months[-1] + 1
    tensor = build_features(data)
    frames: list[pd.DataFrame] = []
    for done, horizon in enumerate(horizons, start=1):
        y_any, y_count = targets(data, horizon)
        frames += _one_origin(
            tensor,
            y_any,
            y_count,
            data.units,
            data.month_index(origin),
            horizon,
            models,
            n_samples,
            seed,
            bootstrap=bootstrap,
        )
        if progress:
            progress(done, len(horizons))
    parameters = _parameters(models, n_samples, TOP_K, seed)
    parameters.update({"primary": primary, "bootstrap": bootstrap})
    return ForecastRun(
        kind="forecast",
        unit_kind=data.unit_kind,
        origins=[origin],
        horizons=horizons,
        models=models,
        predictions=pd.concat(frames, ignore_index=True),
        parameters=parameters,
        data_version=data.data_version,
        first_month=data.months[0],
        last_month=data.months[-1],
        seconds=time.perf_counter() - started,
    )
