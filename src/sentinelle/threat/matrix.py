"""The threat matrix: one row per (area, actor family, threat type), computed for every month
at once so that any date can be assessed and two dates compared.

For an assessment month ``m`` and each (area, family, threat type) with at least one event in
the 12 months up to ``m``:

* **likelihood** — from recent frequency: ``rate`` = events in the last 3 months ÷ 3, and the
  probability of at least one event next month under a Poisson rate, ``1 − e^(−rate)``, read on
  the likelihood scale (``domain/data/risk_scale.csv``). For VAC rows a live forecast replaces
  it when one is stored (:func:`apply_forecast`; ``likelihood_source`` says which was used).
* **severity** — fatality-weighted: mean deaths per event over the last 12 months on the
  severity scale, raised to at least 4 when one event killed 10 or more and to 5 when one killed
  25 or more, and never below the threat type's floor (abductions 2, sexual violence 3).
* **risk** — likelihood class × severity class on the risk scale (low, moderate, high, very
  high).
* **trend** — the threat's last 3 months against its previous 12 (see ``threat.trend``).
* **civilians at risk** — the area's population, when known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sentinelle.domain.threat import classify, risk_level, risk_score, threat_types

RECENT = 3
WINDOW = 12
MASSACRE_SEVERE = 10
MASSACRE_CATASTROPHIC = 25

MATRIX_COLUMNS = (
    "as_of",
    "unit",
    "actor_family",
    "threat_type",
    "events_3m",
    "events_12m",
    "fatalities_12m",
    "max_fatalities_12m",
    "monthly_rate",
    "likelihood",
    "likelihood_class",
    "severity_value",
    "severity_class",
    "risk_score",
    "risk_level",
    "trend",
    "trend_ratio",
    "trend_p",
    "population",
)

TrendFunction = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Counts (series × periods) → (ratio, p-value, class) for every period."""


def classify_threats(events: pd.DataFrame) -> pd.Series:
    """The threat type of each event (``domain/data/threat_types.csv``), or missing.

    ``events`` needs ``event_type``, ``sub_event_type``, ``civilian_targeting``, ``inter1``,
    ``inter2`` and ``geo_precision``."""
    event_type = events["event_type"].astype("string")
    sub_type = events["sub_event_type"].astype("string")
    targeted = events["civilian_targeting"].astype("boolean").fillna(False).to_numpy(bool)
    inter1 = pd.to_numeric(events["inter1"]).to_numpy(dtype="float64", na_value=np.nan)
    inter2 = pd.to_numeric(events["inter2"]).to_numpy(dtype="float64", na_value=np.nan)
    civilians = targeted | (inter1 == 7) | (inter2 == 7)
    precision = pd.to_numeric(events["geo_precision"]).to_numpy(dtype="float64", na_value=np.nan)
    result = np.full(len(events), None, dtype=object)
    for code, kind in threat_types().items():
        match = (event_type == kind.event_type).to_numpy(dtype=bool, na_value=False)
        if kind.sub_event_type:
            match &= (sub_type == kind.sub_event_type).to_numpy(dtype=bool, na_value=False)
        if kind.condition == "civilians":
            match &= civilians
        elif kind.condition == "populated":
            match &= precision == 1
        result[match & (result == None)] = code  # noqa: E711 - elementwise comparison
    return pd.Series(result, index=events.index, dtype="string")


@dataclass(frozen=True)
class ThreatCube:
    """Monthly event counts and fatalities per (unit, actor family, threat type) series."""

    keys: pd.DataFrame  # unit, actor_family, threat_type — one row per series
    months: pd.PeriodIndex
    events: np.ndarray  # series × months, int32
    fatalities: np.ndarray  # series × months, int32
    max_fatalities: np.ndarray  # series × months, int32 (the deadliest event of the month)


def threat_cube(
    threat_events: pd.DataFrame, first: pd.Period | None = None, last: pd.Period | None = None
) -> ThreatCube:
    """Counts from events with columns ``month`` (monthly period), ``unit``, ``actor_family``,
    ``threat_type`` and ``fatalities``; rows with any key missing are left out."""
    frame = threat_events.dropna(subset=["month", "unit", "actor_family", "threat_type"])
    if first is None:
        first = frame["month"].min() if len(frame) else None
    if last is None:
        last = frame["month"].max() if len(frame) else None
    if first is None or last is None:
        raise ValueError("no threat events and no period: nothing to assess")
    months = pd.period_range(first, last, freq="M")
    frame = frame[(frame["month"] >= first) & (frame["month"] <= last)]
    key_columns = ["unit", "actor_family", "threat_type"]
    codes, keys = pd.factorize(pd.MultiIndex.from_frame(frame[key_columns].astype(str)))
    n_series, n_months = len(keys), len(months)
    month_index = (frame["month"].array.asi8 - first.ordinal).astype("int64")
    flat = codes.astype("int64") * n_months + month_index
    fatalities = pd.to_numeric(frame["fatalities"]).fillna(0).to_numpy("float64")
    size = n_series * n_months
    events = np.bincount(flat, minlength=size).reshape(n_series, n_months).astype("int32")
    deaths = (
        np.bincount(flat, weights=fatalities, minlength=size)
        .reshape(n_series, n_months)
        .astype("int32")
    )
    deadliest = np.zeros(size, dtype="float64")
    np.maximum.at(deadliest, flat, fatalities)
    return ThreatCube(
        keys=pd.DataFrame(list(keys), columns=key_columns),
        months=months,
        events=events,
        fatalities=deaths,
        max_fatalities=deadliest.reshape(n_series, n_months).astype("int32"),
    )


def _rolling_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last ``window`` periods, current included, for every period."""
    cumulative = np.cumsum(values, axis=1, dtype="int64")
    shifted = np.zeros_like(cumulative)
    shifted[:, window:] = cumulative[:, :-window]
    return cumulative - shifted


def _rolling_max(values: np.ndarray, window: int) -> np.ndarray:
    out = values.copy()
    for lag in range(1, window):
        out[:, lag:] = np.maximum(out[:, lag:], values[:, :-lag])
    return out


def simple_trend(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ratio of the last 3 periods to the 12 before, without a test (p-values NaN); the
    class is ``increasing`` above 1.5, ``decreasing`` below 0.67, else ``stable``."""
    recent = _rolling_sum(counts, RECENT)
    total = _rolling_sum(counts, RECENT + WINDOW)
    baseline = total - recent
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (recent / RECENT) / (baseline / WINDOW)
    trend = np.where(ratio > 1.5, "increasing", np.where(ratio < 2 / 3, "decreasing", "stable"))
    trend = np.where(total < 3, "insufficient", trend)
    return ratio, np.full(ratio.shape, np.nan), trend.astype(object)


def matrix_over_time(
    cube: ThreatCube,
    population: pd.Series | None = None,
    trend: TrendFunction = simple_trend,
) -> pd.DataFrame:
    """The matrix for every month of the cube (rows whose 12-month window holds an event)."""
    events_3m = _rolling_sum(cube.events, RECENT)
    events_12m = _rolling_sum(cube.events, WINDOW)
    deaths_12m = _rolling_sum(cube.fatalities, WINDOW)
    deadliest_12m = _rolling_max(cube.max_fatalities, WINDOW)
    ratio, p_value, trend_class = trend(cube.events)
    series, month = np.nonzero(events_12m)
    rate = events_3m[series, month] / RECENT
    likelihood = 1.0 - np.exp(-rate)
    count_12m = events_12m[series, month]
    deaths = deaths_12m[series, month]
    mean_deaths = deaths / count_12m
    deadliest = deadliest_12m[series, month]
    severity = classify(mean_deaths, "severity")
    severity = np.where(deadliest >= MASSACRE_SEVERE, np.maximum(severity, 4), severity)
    severity = np.where(deadliest >= MASSACRE_CATASTROPHIC, 5, severity)
    types = cube.keys["threat_type"].to_numpy()[series]
    floors = np.array([threat_types()[t].severity_floor for t in types], dtype="int8")
    severity = np.maximum(severity, floors).astype("int8")
    likelihood_class = classify(likelihood, "likelihood")
    units = cube.keys["unit"].to_numpy()[series]
    people = (
        pd.Series(units).map(population).to_numpy(dtype="float64", na_value=np.nan)
        if population is not None
        else np.full(len(units), np.nan)
    )
    frame = pd.DataFrame(
        {
            "as_of": pd.PeriodIndex(cube.months[month], freq="M"),
            "unit": units,
            "actor_family": cube.keys["actor_family"].to_numpy()[series],
            "threat_type": types,
            "events_3m": events_3m[series, month].astype("int32"),
            "events_12m": count_12m.astype("int32"),
            "fatalities_12m": deaths.astype("int32"),
            "max_fatalities_12m": deadliest.astype("int32"),
            "monthly_rate": rate,
            "likelihood": likelihood,
            "likelihood_class": likelihood_class,
            "severity_value": mean_deaths,
            "severity_class": severity,
            "risk_score": risk_score(likelihood_class, severity),
            "risk_level": pd.Categorical(
                risk_level(likelihood_class, severity),
                categories=["low", "moderate", "high", "very_high"],
                ordered=True,
            ),
            "trend": pd.Categorical(trend_class[series, month].astype(str)),
            "trend_ratio": ratio[series, month],
            "trend_p": p_value[series, month],
            "population": people,
        }
    )
    return frame.sort_values(
        ["as_of", "risk_score", "likelihood", "fatalities_12m", "unit"],
        ascending=[True, False, False, False, True],
        ignore_index=True,
    )


def matrix_for(
    cube: ThreatCube,
    as_of: pd.Period,
    population: pd.Series | None = None,
    trend: TrendFunction = simple_trend,
) -> pd.DataFrame:
    """The matrix of one month (rows sorted by risk, highest first)."""
    if as_of < cube.months[0] or as_of > cube.months[-1]:
        raise ValueError(
            f"{as_of} is outside the events' months ({cube.months[0]} to {cube.months[-1]})"
        )
    whole = matrix_over_time(cube, population, trend)
    return whole[whole["as_of"] == as_of].reset_index(drop=True)


def area_risk(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per area: the highest risk in the matrix (score, level), with the threat behind it."""
    if matrix.empty:
        return pd.DataFrame(
            columns=["unit", "risk_score", "risk_level", "actor_family", "threat_type", "threats"]
        )
    top = matrix.sort_values(["risk_score", "likelihood"], ascending=False).drop_duplicates("unit")
    counts = matrix.groupby("unit", observed=True).size().rename("threats")
    return (
        top[["unit", "risk_score", "risk_level", "actor_family", "threat_type"]]
        .merge(counts, left_on="unit", right_index=True)
        .reset_index(drop=True)
    )


FREQUENCY_SOURCE = "recent frequency"
VAC_THREATS = ("vac_attack", "vac_abduction", "vac_sexual_violence")
"""The threat types that are violence against civilians: a VAC forecast speaks to them."""


def apply_forecast(matrix: pd.DataFrame, probability: pd.Series, source: str) -> pd.DataFrame:
    """The matrix with the likelihood of its VAC rows taken from a forecast.

    ``probability`` gives, per area, the forecast probability of at least one VAC event next
    month. It is shared out among the area's VAC rows (one per actor family and VAC threat type)
    in proportion to their events over the last 12 months, as a Poisson rate is split among its
    parts: with ``λ = −ln(1 − p)`` for the area, a row holding share ``s`` of its VAC events gets
    ``1 − e^(−s·λ)``. The likelihood class, risk score and risk level follow; ``likelihood_source``
    says where each row's likelihood came from. Other rows, and areas without a forecast, keep
    the likelihood from recent frequency.
    """
    out = matrix.copy()
    out["likelihood_source"] = FREQUENCY_SOURCE
    if out.empty or probability.empty:
        return out
    vac = out["threat_type"].isin(VAC_THREATS).to_numpy()
    area_p = out["unit"].astype(str).map(probability).to_numpy(dtype=float, na_value=np.nan)
    use = vac & ~np.isnan(area_p)
    if not use.any():
        return out
    events = out["events_12m"].to_numpy(dtype=float)
    totals = pd.Series(np.where(vac, events, 0.0)).groupby(out["unit"].astype(str).to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        share = events / totals.transform("sum").to_numpy()
        rate = -np.log1p(-np.clip(area_p, 0.0, 1.0 - 1e-12))
        likelihood = 1.0 - np.exp(-share * rate)
    out.loc[use, "likelihood"] = likelihood[use]
    likelihood_class = classify(out["likelihood"].to_numpy(dtype=float), "likelihood")
    severity = out["severity_class"].to_numpy()
    out["likelihood_class"] = likelihood_class
    out["risk_score"] = risk_score(likelihood_class, severity)
    out["risk_level"] = pd.Categorical(
        risk_level(likelihood_class, severity),
        categories=["low", "moderate", "high", "very_high"],
        ordered=True,
    )
    out.loc[use, "likelihood_source"] = source
    return out.sort_values(
        ["risk_score", "likelihood", "fatalities_12m", "unit"],
        ascending=[False, False, False, True],
        ignore_index=True,
    )
