"""Features for month ``t`` from data up to month ``t`` only, and the targets ``h`` months on.

Every feature of a unit for month ``t`` is computed from months ``≤ t``: own lags and decays,
neighbours' violence (adjacency and a distance band), the country's violence, battles and
explosions, threat events by actor family, population, distance to the nearest occupied mission
site, and the season of the target month. Rolling sums use cumulative sums, so the whole tensor
``(units, months, features)`` costs a few array passes. The docs (docs/forecast.md) list them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from sentinelle.forecast.data import FAMILIES, ForecastData

LAGS = 12
"""Raw lags kept for the baselines (last value, rolling means, conflictology)."""
DECAY_HALF_LIFE = 6.0
"""Months for the decay features to halve."""

RAW_FEATURES = tuple(
    [f"vac_events_lag{k}" for k in range(LAGS)] + [f"vac_fatalities_lag{k}" for k in range(LAGS)]
)
LEARNED_FEATURES = (
    "log_vac_events_lag0",
    "log_vac_events_lag1",
    "log_vac_events_lag2",
    "log_vac_fatalities_lag0",
    "vac_months_12",
    "log_vac_events_12m",
    "log_vac_events_36m",
    "log_vac_fatalities_12m",
    "decay_vac",
    "decay_events",
    "log_adjacent_vac_3m",
    "log_band_vac_3m",
    "log_band_battles_3m",
    "log_national_vac_3m",
    "log_battles_3m",
    "log_explosions_3m",
    "log_events_3m",
    *(f"log_family_{f}_12m" for f in FAMILIES),
    "log_population",
    "log_base_km",
    "season_sin",
    "season_cos",
)
"""The features the learned models use, in order."""
SEASON = ("season_sin", "season_cos")


@dataclass(frozen=True, eq=False)
class FeatureTensor:
    """``values[unit, month, feature]`` for :attr:`names` (the season columns are filled per
    horizon by :meth:`rows`)."""

    names: tuple[str, ...]
    values: npt.NDArray[np.float64]
    months: pd.PeriodIndex

    def rows(
        self, unit_index: npt.NDArray[np.intp], month_index: npt.NDArray[np.intp], horizon: int
    ) -> pd.DataFrame:
        """Feature rows for the given (unit, month) positions, forecasting ``horizon`` months
        after each month (the season of the target month)."""
        frame = pd.DataFrame(self.values[unit_index, month_index], columns=list(self.names))
        target = (self.months[0].month - 1 + month_index + horizon) % 12
        angle = 2 * np.pi * target / 12
        frame["season_sin"] = np.sin(angle)
        frame["season_cos"] = np.cos(angle)
        return frame


def rolling_sum(values: npt.NDArray[np.float64], window: int) -> npt.NDArray[np.float64]:
    """Sum over the ``window`` months ending with each month (fewer at the start)."""
    total = np.cumsum(values, axis=1)
    out = total.copy()
    out[:, window:] -= total[:, :-window]
    return out


def lagged(values: npt.NDArray[np.float64], lag: int) -> npt.NDArray[np.float64]:
    """``values`` shifted ``lag`` months later (zeros before the first month)."""
    if lag == 0:
        return values.copy()
    out = np.zeros_like(values)
    out[:, lag:] = values[:, :-lag]
    return out


def months_since(any_event: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Months since the last month with an event, up to each month (0 in such a month; inf
    before the first)."""
    n_units, n_months = any_event.shape
    index = np.broadcast_to(np.arange(n_months), (n_units, n_months))
    last = np.where(any_event, index, -1)
    last = np.maximum.accumulate(last, axis=1)
    return np.where(last >= 0, index - last, np.inf).astype(np.float64)


def decay(any_event: npt.NDArray[np.bool_], half_life: float = DECAY_HALF_LIFE) -> np.ndarray:
    """``0.5 ** (months since the last event / half_life)``; 0 when there was none yet."""
    return np.asarray(np.power(0.5, months_since(any_event) / half_life), np.float64)


def _neighbour_sum(data: ForecastData, values: np.ndarray, band: bool, mean: bool) -> np.ndarray:
    weights = data.band if band else data.adjacency
    if weights is None:
        return np.full(values.shape, np.nan)
    matrix = weights.matrix
    out = np.asarray(matrix @ values, np.float64)
    if mean:
        k = weights.cardinalities.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(k[:, None] > 0, out / k[:, None], 0.0)
    return out


def build_features(data: ForecastData) -> FeatureTensor:
    """Every feature for every unit and month of ``data``."""
    vac = data.counts["vac_events"]
    deaths = data.counts["vac_fatalities"]
    columns: dict[str, np.ndarray] = {}
    for k in range(LAGS):
        columns[f"vac_events_lag{k}"] = lagged(vac, k)
    for k in range(LAGS):
        columns[f"vac_fatalities_lag{k}"] = lagged(deaths, k)
    log = np.log1p
    vac_3m = rolling_sum(vac, 3)
    columns["log_vac_events_lag0"] = log(vac)
    columns["log_vac_events_lag1"] = log(lagged(vac, 1))
    columns["log_vac_events_lag2"] = log(lagged(vac, 2))
    columns["log_vac_fatalities_lag0"] = log(deaths)
    columns["vac_months_12"] = rolling_sum((vac > 0).astype(np.float64), 12) / 12.0
    columns["log_vac_events_12m"] = log(rolling_sum(vac, 12))
    columns["log_vac_events_36m"] = log(rolling_sum(vac, 36))
    columns["log_vac_fatalities_12m"] = log(rolling_sum(deaths, 12))
    columns["decay_vac"] = decay(vac > 0)
    columns["decay_events"] = decay(data.counts["events"] > 0)
    columns["log_adjacent_vac_3m"] = log(_neighbour_sum(data, vac_3m, band=False, mean=True))
    columns["log_band_vac_3m"] = log(_neighbour_sum(data, vac_3m, band=True, mean=False))
    battles_3m = rolling_sum(data.counts["battles"], 3)
    columns["log_band_battles_3m"] = log(_neighbour_sum(data, battles_3m, band=True, mean=False))
    national = vac_3m.sum(axis=0, keepdims=True)
    columns["log_national_vac_3m"] = np.broadcast_to(log(national), vac.shape)
    columns["log_battles_3m"] = log(battles_3m)
    columns["log_explosions_3m"] = log(rolling_sum(data.counts["explosions"], 3))
    columns["log_events_3m"] = log(rolling_sum(data.counts["events"], 3))
    for family in FAMILIES:
        columns[f"log_family_{family}_12m"] = log(rolling_sum(data.families[family], 12))
    columns["log_population"] = np.broadcast_to(log(data.population)[:, None], vac.shape)
    columns["log_base_km"] = log(data.base_distance_km)
    columns["season_sin"] = np.zeros(vac.shape)
    columns["season_cos"] = np.zeros(vac.shape)
    names = tuple(columns)
    values = np.stack([np.asarray(columns[n], np.float64) for n in names], axis=2)
    return FeatureTensor(names, values, data.months)


def targets(data: ForecastData, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``(any VAC, VAC fatalities)`` in month ``t + horizon`` for each unit and month ``t``
    (NaN where that month is after the data's last month)."""
    vac = data.counts["vac_events"]
    deaths = data.counts["vac_fatalities"]
    any_event = np.full(vac.shape, np.nan)
    count = np.full(vac.shape, np.nan)
    if horizon < len(data.months):
        any_event[:, :-horizon] = (vac[:, horizon:] > 0).astype(np.float64)
        count[:, :-horizon] = deaths[:, horizon:]
    return any_event, count
