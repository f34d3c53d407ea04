"""What a forecast learns from: monthly arrays per unit, built from the store or from frames.

:class:`ForecastData` holds, for one unit level (cercles in the pre-2016 geography, regions, or
PRIO-GRID cells) and a run of months, ``(units, months)`` arrays of the counts the features are
made of (VAC events and fatalities, battles, explosions, threat events by actor family, events
nationally), the units' population and centroids, who neighbours whom, and the distance from
each unit to the nearest mission site occupied in each month. Everything in it is indexed by
month so that a feature for month ``t`` can be read from months up to ``t`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection

from sentinelle.domain.deployments import Deployment
from sentinelle.domain.places import UnitKind
from sentinelle.geo.crosswalk import to_pre2016
from sentinelle.panel import build_panel
from sentinelle.store import events as event_store
from sentinelle.store import places
from sentinelle.store.deployments import load_deployments
from sentinelle.store.imports import data_version
from sentinelle.threat.actors import family_of
from sentinelle.threat.assess import EVENT_COLUMNS
from sentinelle.threat.layout import PanelLayout
from sentinelle.threat.matrix import classify_threats
from sentinelle.threat.population import population_by_unit
from sentinelle.threat.weights import (
    SpatialWeights,
    distance_band_weights,
    grid_centroids,
    load_weights,
)

EARTH_RADIUS_KM = 6371.0088
FAMILIES = (
    "jnim",
    "islamic_state_sahel",
    "other_jihadist",
    "dozo_militias",
    "fulani_militias",
    "communal_militias",
    "state_forces",
    "foreign_forces",
    "unidentified",
    "signatory_groups",
)
"""Actor families whose threat events become features (codes of ``actor_family_names.csv``)."""

PANEL_COLUMNS = {
    "vac_events": "vac_events",
    "vac_fatalities": "vac_fatalities",
    "battles": "events_battles",
    "explosions": "events_explosions_remote_violence",
    "events": "events",
}


@dataclass(frozen=True, eq=False)
class ForecastData:
    """Monthly arrays per unit; see the module docstring."""

    unit_kind: UnitKind
    units: pd.Index
    months: pd.PeriodIndex
    counts: dict[str, npt.NDArray[np.float64]]  # name → units × months
    families: dict[str, npt.NDArray[np.float64]]  # family → units × months (threat events)
    population: npt.NDArray[np.float64]  # per unit (NaN when unknown)
    longitude: npt.NDArray[np.float64]
    latitude: npt.NDArray[np.float64]
    adjacency: SpatialWeights | None
    band: SpatialWeights | None
    base_distance_km: npt.NDArray[np.float64]  # units × months (NaN: no site occupied)
    data_version: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.units), len(self.months))

    def month_index(self, month: pd.Period) -> int:
        """Position of ``month`` (may lie after the last month: positions run on)."""
        return int(month.ordinal - self.months[0].ordinal)

    def truncated(self, last: pd.Period) -> ForecastData:
        """The same data up to and including ``last`` (what was known at the end of ``last``)."""
        end = self.month_index(last) + 1
        if end < 1:
            raise ValueError(f"{last} is before the data's first month {self.months[0]}")
        end = min(end, len(self.months))
        return ForecastData(
            self.unit_kind,
            self.units,
            self.months[:end],
            {k: v[:, :end] for k, v in self.counts.items()},
            {k: v[:, :end] for k, v in self.families.items()},
            self.population,
            self.longitude,
            self.latitude,
            self.adjacency,
            self.band,
            self.base_distance_km[:, :end],
            self.data_version,
            list(self.notes),
        )


def haversine_km(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distances in kilometres (broadcasting)."""
    lam1, phi1 = np.radians(np.asarray(lon1, float)), np.radians(np.asarray(lat1, float))
    lam2, phi2 = np.radians(np.asarray(lon2, float)), np.radians(np.asarray(lat2, float))
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))), float)


def base_distances(
    longitude: npt.ArrayLike,
    latitude: npt.ArrayLike,
    months: pd.PeriodIndex,
    deployments: Sequence[Deployment],
) -> npt.NDArray[np.float64]:
    """Kilometres from each point to the nearest site occupied at any time in each month
    (``units × months``; NaN in months when no site was occupied)."""
    lon = np.asarray(longitude, float)
    lat = np.asarray(latitude, float)
    out = np.full((len(lon), len(months)), np.nan)
    if not deployments or not len(months):
        return out
    site_lon = np.array([d.longitude for d in deployments])
    site_lat = np.array([d.latitude for d in deployments])
    distance = haversine_km(lon[:, None], lat[:, None], site_lon[None, :], site_lat[None, :])
    starts = np.array([d.start.toordinal() for d in deployments])
    ends = np.array([(d.end or dt.date.max).toordinal() for d in deployments])
    month_start = np.array([m.start_time.date().toordinal() for m in months])
    month_end = np.array([m.end_time.date().toordinal() for m in months])
    active = (starts[None, :] <= month_end[:, None]) & (ends[None, :] >= month_start[:, None])
    for j in range(len(months)):
        if active[j].any():
            out[:, j] = distance[:, active[j]].min(axis=1)
    return out


def _unit_values(events: pd.DataFrame, unit_kind: UnitKind) -> pd.Series:
    if unit_kind == "priogrid":
        return pd.to_numeric(events["priogrid_gid"]).astype("Int64").astype("string")
    column = "admin2_pcode" if unit_kind == "admin2" else "admin1_pcode"
    return to_pre2016(events[column].astype("string"))


def family_counts(
    events: pd.DataFrame,
    unit_kind: UnitKind,
    units: pd.Index,
    months: pd.PeriodIndex,
    families: Sequence[str] = FAMILIES,
) -> dict[str, npt.NDArray[np.float64]]:
    """Threat events (``threat.matrix.classify_threats``) per unit and month by the
    perpetrator's actor family."""
    out = {f: np.zeros((len(units), len(months))) for f in families}
    if events.empty:
        return out
    threat = classify_threats(events).notna().to_numpy()
    frame = events[threat]
    perpetrator = frame["actor1"].where(
        pd.to_numeric(frame["inter1"]).fillna(-1) != 7, frame["actor2"]
    )
    family = family_of(perpetrator.astype("string")).to_numpy(dtype=object)
    unit = units.get_indexer(_unit_values(frame, unit_kind).astype(object))
    month = frame["event_date"].dt.to_period("M").array.asi8 - months[0].ordinal
    ok = (unit >= 0) & (month >= 0) & (month < len(months))
    for name in families:
        pick = ok & (family == name)
        np.add.at(out[name], (unit[pick], month[pick]), 1.0)
    return out


def forecast_data_from(
    events: pd.DataFrame,
    unit_kind: UnitKind,
    units: Sequence[str],
    longitude: npt.ArrayLike,
    latitude: npt.ArrayLike,
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    population: pd.Series | None = None,
    adjacency: SpatialWeights | None = None,
    deployments: Sequence[Deployment] = (),
    band_km: float = 150.0,
    version: str = "",
) -> ForecastData:
    """Forecast data from event rows (columns of ``threat.assess.EVENT_COLUMNS`` plus the unit
    columns) over ``units`` with the given centroids."""
    geography = "pre2016" if unit_kind != "priogrid" else "as-placed"
    panel = build_panel(events, unit_kind, units, first, last, geography=geography)  # type: ignore[arg-type]
    layout = PanelLayout.of(panel)
    index = layout.units
    position = {str(u): i for i, u in enumerate(units)}
    order = np.array([position[str(u)] for u in index], dtype=np.intp)
    lon = np.asarray(longitude, float)[order]
    lat = np.asarray(latitude, float)[order]
    counts = {
        name: layout.matrix(panel, column).astype(np.float64)
        for name, column in PANEL_COLUMNS.items()
    }
    people = (
        pd.Series(index.astype(str)).map(population).to_numpy(dtype=float, na_value=np.nan)
        if population is not None and len(population)
        else np.full(len(index), np.nan)
    )
    band = distance_band_weights(list(index.astype(str)), lon, lat, band_km)
    return ForecastData(
        unit_kind,
        index,
        layout.periods,
        counts,
        family_counts(events, unit_kind, index, layout.periods),
        people,
        lon,
        lat,
        adjacency.reorder(list(index.astype(str))) if adjacency is not None else None,
        band,
        base_distances(lon, lat, layout.periods, deployments),
        version,
    )


def load_forecast_data(
    connection: Connection,
    unit_kind: UnitKind = "admin2",
    sources: Iterable[str] | None = None,
    last: pd.Period | None = None,
) -> ForecastData:
    """Forecast data for the store's units of ``unit_kind`` over every month of its events (up
    to ``last`` when given). Cercles are counted in the pre-2016 geography (the 2016 Ménaka
    cercles inside Ansongo's), as the threat matrix does, so that series run unbroken."""
    columns = sorted({*EVENT_COLUMNS, "admin1_pcode", "admin2_pcode", "priogrid_gid"})
    end = last.end_time.normalize() if last is not None else None
    events = event_store.load_events(connection, columns=columns, sources=sources, end=end)
    if events.empty:
        raise ValueError("the store holds no events to forecast from")
    notes: list[str] = []
    if unit_kind == "priogrid":
        stored = [u for u in places.load_units(connection, "admin1") if u.geometry is not None]
        if stored:
            from shapely import union_all

            from sentinelle.domain.places import priogrid_cells_covering

            cells = priogrid_cells_covering(union_all([u.geometry for u in stored]))
            unit_codes = [str(c.gid) for c in cells]
        else:
            gids = pd.to_numeric(events["priogrid_gid"]).dropna().astype(int)
            unit_codes = sorted(str(g) for g in gids.unique())
        lon, lat = grid_centroids(unit_codes)
    else:
        stored_units = places.load_units(connection, unit_kind)
        if not stored_units:
            raise ValueError(f"the store holds no {unit_kind} units: import boundaries first")
        codes = pd.Series([u.pcode for u in stored_units], dtype="string")
        pre = to_pre2016(codes)
        keep = [u for u, p in zip(stored_units, pre, strict=True) if u.pcode == p]
        unit_codes = [u.pcode for u in keep]
        points = [
            u.geometry.representative_point() if u.geometry is not None else None for u in keep
        ]
        lon = np.array([p.x if p is not None else np.nan for p in points])
        lat = np.array([p.y if p is not None else np.nan for p in points])
    try:
        adjacency: SpatialWeights | None = load_weights(connection, unit_kind, unit_codes)
    except ValueError as error:
        adjacency = None
        notes.append(f"no adjacency: {error}")
    population = population_by_unit(
        connection, unit_kind, geography="pre2016" if unit_kind != "priogrid" else "as-placed"
    )
    if not len(population):
        notes.append("no population figures stored: the population feature is empty")
    deployments = load_deployments(connection)
    if not deployments:
        notes.append("no deployments stored: the distance-to-base feature is empty")
    first = events["event_date"].min().to_period("M")
    final = last if last is not None else events["event_date"].max().to_period("M")
    version = "|".join(str(v) for v in data_version(connection))
    data = forecast_data_from(
        events,
        unit_kind,
        unit_codes,
        lon,
        lat,
        first,
        final,
        population,
        adjacency,
        deployments,
        version=version,
    )
    data.notes.extend(notes)
    return data
