"""Hand-made forecast data: a ring of areas with counts drawn from a known process."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from sentinelle.forecast.data import FAMILIES, ForecastData
from sentinelle.threat.weights import SpatialWeights


def ring(units: list[str]) -> SpatialWeights:
    n = len(units)
    rows = np.arange(n)
    cols = (rows + 1) % n
    matrix = sparse.coo_array((np.ones(n), (rows, cols)), shape=(n, n))
    matrix = sparse.csr_array(((matrix + matrix.T) > 0).astype(np.float64))
    return SpatialWeights(tuple(units), matrix, "ring")


def synthetic(
    n_units: int = 12, n_months: int = 72, seed: int = 0, first: str = "2010-01"
) -> ForecastData:
    """Areas whose VAC follows a persistent hidden intensity: some areas are violent, most
    are calm, so the past predicts the future (learned models can find it)."""
    rng = np.random.default_rng(seed)
    units = [f"A{i:02d}" for i in range(n_units)]
    level = rng.gamma(0.5, 1.0, n_units)
    intensity = level[:, None] * np.exp(0.3 * rng.standard_normal((n_units, n_months)))
    vac = rng.poisson(intensity).astype(np.float64)
    deaths = vac * rng.poisson(2.0, vac.shape)
    battles = rng.poisson(0.5 * intensity).astype(np.float64)
    counts = {
        "vac_events": vac,
        "vac_fatalities": deaths.astype(np.float64),
        "battles": battles,
        "explosions": rng.poisson(0.1, vac.shape).astype(np.float64),
        "events": vac + battles,
    }
    families = {f: np.zeros_like(vac) for f in FAMILIES}
    families["jnim"] = vac.copy()
    weights = ring(units)
    return ForecastData(
        unit_kind="admin2",
        units=pd.Index(units, dtype="string"),
        months=pd.period_range(first, periods=n_months, freq="M"),
        counts=counts,
        families=families,
        population=rng.integers(10_000, 500_000, n_units).astype(np.float64),
        longitude=np.linspace(-5, 3, n_units),
        latitude=np.linspace(12, 20, n_units),
        adjacency=weights,
        band=weights,
        base_distance_km=rng.uniform(5, 300, (n_units, n_months)),
        data_version="synthetic",
    )


def changed_after(data: ForecastData, last: pd.Period, seed: int = 1) -> ForecastData:
    """The same data up to ``last``, with every month after it redrawn."""
    rng = np.random.default_rng(seed)
    start = data.month_index(last) + 1

    def redraw(values: np.ndarray) -> np.ndarray:
        out = values.copy()
        out[:, start:] = rng.poisson(3.0, out[:, start:].shape)
        return out

    return ForecastData(
        data.unit_kind,
        data.units,
        data.months,
        {k: redraw(v) for k, v in data.counts.items()},
        {k: redraw(v) for k, v in data.families.items()},
        data.population,
        data.longitude,
        data.latitude,
        data.adjacency,
        data.band,
        redraw(data.base_distance_km),
        data.data_version,
    )
