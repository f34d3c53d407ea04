"""Patterns of civilian harm: pure functions over a frame of harm incidents.

An incidents frame has the columns of :data:`INCIDENT_COLUMNS` (the register's incidents, or
hand-made ones): ``id, occurred_at`` (a datetime; naive values are taken as UTC), ``force, unit,
activity, category, killed_min, killed_max, injured_min, injured_max, admin1_pcode,
admin2_pcode, latitude, longitude, confidence``.

* :func:`by_dimension` — incidents, killed and injured per category, force, unit or activity,
  optionally per month, quarter or year (every period from the first incident's to the last
  one's, with explicit zeros). Killed and injured are min–max ranges: the ``*_min`` columns sum
  the lower bounds, the ``*_max`` columns the upper bounds. A missing lower bound counts as 0; a
  missing upper bound as the lower bound (what is known, at least), so ``min <= max`` holds.
* :func:`near_bases` — per site, the incidents within ``radius_km`` (great-circle distance) while
  the site was held: ``start_date <= day of the incident <= end_date``, both inclusive, a missing
  start or end leaving that side open. :func:`sites_of` makes the sites of stored deployments.
* :func:`along_routes` — per route (LineStrings of longitude/latitude, read from a GeoJSON file
  by :func:`read_routes`), the incidents within ``buffer_km`` of the line. The distance from an
  incident to a segment is measured in a local equirectangular frame centred on the incident
  (``x = R·cos φ₀·Δλ``, ``y = R·Δφ``, R = 6371.0088 km): exact on the sphere along the meridian
  and the parallel through the incident, and within 0.1 % for anything closer than 50 km at
  Mali's latitudes, far below the precision of an incident's location. Segments are straight in
  longitude/latitude, as GeoJSON says.
* :func:`before_after` — around one site, the incidents (and, optionally, ACLED events of
  violence against civilians) within the radius in the ``months`` months before and after the
  site opened or closed; the rate ratio (after / before, per day, the windows' lengths in days
  differing slightly) and the exact two-sided p-value of the hypothesis that the rate did not
  change (conditional on the total, the count after is binomial with p = days after / days of
  both windows: the exact comparison of two Poisson rates; :func:`scipy.stats.binomtest`).

Incidents without coordinates are never near a site or a route. Nothing here reads the store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.stats import binomtest
from shapely.errors import GEOSException
from shapely.geometry import MultiLineString, shape
from shapely.geometry.base import BaseGeometry

from sentinelle.domain.events import STRING
from sentinelle.forecast.data import EARTH_RADIUS_KM, haversine_km
from sentinelle.readers.boundaries import WGS84_NAMES
from sentinelle.readers.files import sha256
from sentinelle.readers.problems import FileRejected, ProblemLog

INCIDENT_COLUMNS = (
    "id",
    "occurred_at",
    "force",
    "unit",
    "activity",
    "category",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "admin1_pcode",
    "admin2_pcode",
    "latitude",
    "longitude",
    "confidence",
)
Dimension = Literal["category", "force", "unit", "activity"]
DIMENSIONS: tuple[Dimension, ...] = ("category", "force", "unit", "activity")
Period = Literal["M", "Q", "Y"]
PERIODS: tuple[Period, ...] = ("M", "Q", "Y")
SUMS = ("killed_min", "killed_max", "injured_min", "injured_max")
SITE_COLUMNS = ("name", "latitude", "longitude", "start_date", "end_date")
NAME_FIELDS = ("name", "route", "nom", "ref")
"""Feature properties naming a route, in the order they are looked for."""
Change = Literal["opening", "closing"]
PAIR_BATCH = 2_000_000  # incident × segment distances computed at once


# --- shared pieces ------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {what} frame has no column(s) {', '.join(missing)}")


def _utc(values: Any) -> pd.Series:
    """Datetimes as naive UTC (aware values converted, naive ones taken as UTC)."""
    times = pd.to_datetime(pd.Series(values), utc=True)
    return times.dt.tz_localize(None).astype("datetime64[ns]")


def _day(value: Any) -> pd.Timestamp | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def _times(records: pd.DataFrame) -> pd.Series:
    """The time of each record: ``occurred_at`` (incidents) or ``event_date`` (events)."""
    for column in ("occurred_at", "event_date"):
        if column in records.columns:
            return _utc(records[column]).set_axis(records.index)
    raise ValueError("the frame has neither an occurred_at nor an event_date column")


def _numbers(frame: pd.DataFrame, column: str) -> npt.NDArray[np.float64]:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(
        pd.to_numeric(frame[column]).astype("Float64").to_numpy(np.float64, na_value=np.nan)
    )


def _harm(frame: pd.DataFrame) -> pd.DataFrame:
    """``killed_min ... injured_max`` as int64 with the rules of the module note."""
    out = {}
    for what in ("killed", "injured"):
        low = pd.to_numeric(frame[f"{what}_min"]).astype("Int64")
        high = pd.to_numeric(frame[f"{what}_max"]).astype("Int64")
        out[f"{what}_min"] = low.fillna(0).astype("int64")
        out[f"{what}_max"] = high.fillna(low).fillna(0).astype("int64")
    return pd.DataFrame(out, index=frame.index)


# --- counts by dimension ------------------------------------------------------------------------


def by_dimension(
    incidents: pd.DataFrame, by: Dimension, period: Period | None = None
) -> pd.DataFrame:
    """Incidents, killed and injured (min and max sums) per value of ``by``, and per period
    (``"M"`` month, ``"Q"`` quarter, ``"Y"`` year of ``occurred_at`` in UTC) when given.

    Columns: ``period`` (when asked), ``by``'s column, ``incidents, killed_min, killed_max,
    injured_min, injured_max``. With a period, every period from the first incident's to the
    last one's appears for every value, with zeros. A missing value of ``by`` is a group of its
    own (NA)."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} or None, not {period!r}")
    _require(incidents, ("occurred_at", by, *SUMS), "incidents")
    frame = _harm(incidents)
    frame["incidents"] = 1
    frame[by] = incidents[by].astype(STRING)
    keys: list[str] = [by]
    if period is not None:
        frame["period"] = _times(incidents).dt.to_period(period)
        keys = ["period", by]
    columns = [*keys, "incidents", *SUMS]
    if frame.empty:
        dtypes = {c: "int64" for c in columns} | {by: STRING, "period": f"period[{period}]"}
        return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in columns})
    table = frame.groupby(keys, dropna=False, sort=True)[["incidents", *SUMS]].sum()
    if period is not None:
        periods = pd.period_range(frame["period"].min(), frame["period"].max(), freq=period)
        values = frame[by].drop_duplicates().sort_values(na_position="last")
        full = pd.MultiIndex.from_product([periods, values], names=keys)
        table = table.reindex(full, fill_value=0)
    out = table.astype("int64").reset_index()
    out[by] = out[by].astype(STRING)
    return out[columns]


# --- near bases ---------------------------------------------------------------------------------


def _check_sites(sites: pd.DataFrame) -> None:
    _require(sites, SITE_COLUMNS, "sites")
    names = sites["name"].astype(str)
    if names.duplicated().any():
        raise ValueError(f"site names must be unique: {sorted(set(names[names.duplicated()]))}")


def _site_pairs(incidents: pd.DataFrame, sites: pd.DataFrame, radius_km: float) -> pd.DataFrame:
    """``site, row, distance_km``: ``row`` is the incident's position in ``incidents``."""
    radius = _positive(radius_km, "radius_km")
    _check_sites(sites)
    _require(incidents, ("id", "occurred_at", "latitude", "longitude"), "incidents")
    day = _times(incidents).dt.normalize().to_numpy()
    known = ~pd.isna(day)
    lat, lon = _numbers(incidents, "latitude"), _numbers(incidents, "longitude")
    frames = [pd.DataFrame({"site": [], "row": [], "distance_km": []})]
    for site in sites.itertuples(index=False):
        distance = haversine_km(float(site.longitude), float(site.latitude), lon, lat)
        near = (np.nan_to_num(distance, nan=np.inf) <= radius) & known
        start, end = _day(site.start_date), _day(site.end_date)
        if start is not None:
            near &= day >= start.to_datetime64()
        if end is not None:
            near &= day <= end.to_datetime64()
        rows = np.flatnonzero(near)
        frames.append(
            pd.DataFrame({"site": str(site.name), "row": rows, "distance_km": distance[rows]})
        )
    pairs = pd.concat(frames, ignore_index=True)
    order = {str(n): i for i, n in enumerate(sites["name"])}
    pairs["_order"] = pairs["site"].map(order)
    pairs = pairs.sort_values(["_order", "distance_km"], kind="stable").drop(columns="_order")
    return pairs.astype({"site": str, "row": "int64", "distance_km": "float64"}).reset_index(
        drop=True
    )


def near_base_pairs(
    incidents: pd.DataFrame, sites: pd.DataFrame, radius_km: float = 10.0
) -> pd.DataFrame:
    """Every (site, incident) pair within ``radius_km`` while the site was held:
    ``site, id, distance_km``, by site (in their order) then distance."""
    pairs = _site_pairs(incidents, sites, radius_km)
    ids = incidents["id"].to_numpy()[pairs["row"].to_numpy()]
    return pd.DataFrame(
        {
            "site": pairs["site"].astype(STRING),
            "id": ids,
            "distance_km": pairs["distance_km"],
        }
    )


def near_bases(
    incidents: pd.DataFrame, sites: pd.DataFrame, radius_km: float = 10.0
) -> pd.DataFrame:
    """Per site (``sites``: ``name, latitude, longitude, start_date, end_date``, in their
    order), the incidents within ``radius_km`` while the site was held: ``site, latitude,
    longitude, start_date, end_date, incidents, killed_min, killed_max, injured_min,
    injured_max``. An incident near two sites counts for both."""
    pairs = _site_pairs(incidents, sites, radius_km)
    names = [str(n) for n in sites["name"]]
    table = _summarise_rows(pairs["site"], pairs["row"], incidents, names, "site")
    info = sites[list(SITE_COLUMNS)].rename(columns={"name": "site"}).reset_index(drop=True)
    info["site"] = info["site"].astype(str)
    out = info.merge(table, on="site", how="left", validate="one_to_one")
    out["site"] = out["site"].astype(STRING)
    return out


def sites_of(deployments: Iterable[Any]) -> pd.DataFrame:
    """The sites frame (``name, latitude, longitude, start_date, end_date``) of deployments
    (:class:`sentinelle.domain.deployments.Deployment`: ``name, latitude, longitude, start,
    end``), one row per site and held period.

    Deployments of the same name at the same place (to 4 decimals of a degree) whose periods
    touch or overlap are one site held from the first start to the last end (a deployment file
    splits a base's stay where its troops changed: that is not a closing). A name still held in
    separate periods, or used at two places, is told apart by its dates, ``"Gao (2013-07-01 –
    2016-12-31)"``; ``end_date`` is None while the site is held."""
    groups: dict[tuple[str, float, float], list[tuple[Any, Any]]] = {}
    for d in deployments:
        key = (str(d.name), round(float(d.latitude), 4), round(float(d.longitude), 4))
        groups.setdefault(key, []).append((_day(d.start), _day(d.end)))
    rows: list[dict[str, Any]] = []
    for (name, lat, lon), periods in groups.items():
        periods.sort(key=lambda p: (p[0] is not None, p[0] or pd.Timestamp.min))
        held: list[list[Any]] = []
        for start, end in periods:
            last = held[-1] if held else None
            if last is not None and (
                last[1] is None or start is None or start <= last[1] + pd.Timedelta(days=1)
            ):
                last[1] = None if last[1] is None or end is None else max(last[1], end)
            else:
                held.append([start, end])
        for start, end in held:
            rows.append(
                {
                    "name": name,
                    "latitude": lat,
                    "longitude": lon,
                    "start_date": None if start is None else start.date(),
                    "end_date": None if end is None else end.date(),
                }
            )
    names = pd.Series([r["name"] for r in rows], dtype=object)
    for row, twice in zip(rows, names.duplicated(keep=False), strict=True):
        if twice:
            start = row["start_date"].isoformat() if row["start_date"] is not None else "…"
            end = row["end_date"].isoformat() if row["end_date"] is not None else "…"
            row["name"] = f"{row['name']} ({start} – {end})"
    seen: dict[str, int] = {}
    for row in rows:  # the same name, place-apart, over the same dates
        seen[row["name"]] = seen.get(row["name"], 0) + 1
        if seen[row["name"]] > 1:
            row["name"] = f"{row['name']} #{seen[row['name']]}"
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS))


def _summarise_rows(
    keys: pd.Series, rows: pd.Series, incidents: pd.DataFrame, order: list[str], name: str
) -> pd.DataFrame:
    """Incidents and harm sums per key, every key of ``order`` included; ``rows`` are the
    incidents' positions (repeated when an incident belongs to several keys)."""
    harm = _harm(incidents).iloc[rows.to_numpy(dtype="int64")].reset_index(drop=True)
    harm[name] = keys.astype(str).to_numpy()
    harm["incidents"] = 1
    table = harm.groupby(name)[["incidents", *SUMS]].sum().reindex(order, fill_value=0)
    table.index.name = name
    return table.astype("int64").reset_index()


def _positive(value: float, name: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive number of kilometres, not {value!r}")
    return number


# --- routes -------------------------------------------------------------------------------------


@dataclass
class Routes:
    """What was read from a route file: the routes by name (features sharing a name are one
    route, a MultiLineString), the bad features left out and why."""

    file: str
    name_field: str | None
    routes: dict[str, BaseGeometry]
    problems: ProblemLog
    features: int
    sha256: str | None = None

    @property
    def skipped(self) -> int:
        return len({p.row for p in self.problems})


def read_routes(path: str | Path, *, name_field: str | None = None) -> Routes:
    """Read the routes of a GeoJSON file of LineStrings / MultiLineStrings in longitude/latitude.

    A route's name is the property ``name_field`` (detected: ``name``, ``route``, ``nom``,
    ``ref``); a feature without one is named ``route <feature number>``. A file that is not a
    route file raises :class:`FileRejected` with one message; a bad feature (not a Feature, no
    geometry, not a line, coordinates off the globe) is left out and reported in
    :attr:`Routes.problems`, its row being the feature number.
    """
    file = Path(path)
    if not file.exists():
        raise FileRejected(file, "no such file")
    if file.is_dir():
        raise FileRejected(file, "is a folder, not a route file")
    if file.suffix.lower() not in (".geojson", ".json"):
        raise FileRejected(
            file,
            f"unknown route file format {file.suffix or '(none)'!r}; Sentinelle reads routes as "
            "GeoJSON (.geojson, .json) of LineStrings",
        )
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(file, f"not JSON: not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file, f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise FileRejected(file, "not GeoJSON: the FeatureCollection has no 'features' list")
    elif kind == "Feature":
        features = [data]
    else:
        raise FileRejected(
            file, f"not GeoJSON: the top-level 'type' is {kind!r}, expected 'FeatureCollection'"
        )
    crs = data.get("crs")
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        crs_name = crs["properties"].get("name")
        if crs_name is not None and str(crs_name).strip().upper() not in WGS84_NAMES:
            raise FileRejected(
                file,
                f"coordinates are in {crs_name}, not WGS 84 longitude/latitude; reproject the "
                f"file first (e.g. ogr2ogr -t_srs EPSG:4326 routes.geojson {file.name})",
            )
    if not features:
        raise FileRejected(file, "holds no features")
    field = _name_field(file, features, name_field)

    problems = ProblemLog()
    parts: dict[str, list[BaseGeometry]] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.add(file, number, None, None, "not a GeoJSON Feature")
            continue
        lines, reason = _lines(feature.get("geometry"))
        if not lines:
            problems.add(file, number, "geometry", None, reason)
            continue
        props = feature.get("properties")
        value = props.get(field) if field is not None and isinstance(props, dict) else None
        name = str(value).strip() if value is not None and str(value).strip() else ""
        parts.setdefault(name or f"route {number}", []).extend(lines)
    if not parts:
        first = next(iter(problems), None)
        raise FileRejected(
            file,
            f"no usable route lines: all {len(features)} features left out; first: {first}",
        )
    routes = {
        name: lines[0] if len(lines) == 1 else MultiLineString(lines)
        for name, lines in parts.items()
    }
    return Routes(str(file), field, routes, problems, len(features), sha256(file))


def _name_field(file: Path, features: list[Any], wanted: str | None) -> str | None:
    fields: dict[str, None] = {}
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(props, dict):
            fields.update(dict.fromkeys(str(k) for k in props))
    lower = {f.lower(): f for f in fields}
    if wanted is not None:
        if wanted.lower() not in lower:
            listed = ", ".join(fields) or "(none)"
            raise FileRejected(
                file, f"no route name property {wanted!r}; the properties are: {listed}"
            )
        return lower[wanted.lower()]
    return next((lower[n] for n in NAME_FIELDS if n in lower), None)


def _lines(raw: Any) -> tuple[list[BaseGeometry], str]:
    if raw is None:
        return [], "no geometry"
    try:
        geometry = shape(raw)
    except (GEOSException, KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        return [], f"geometry cannot be read: {error}"
    if geometry.is_empty:
        return [], "no geometry (empty)"
    if geometry.geom_type not in ("LineString", "MultiLineString"):
        return [], f"not a line but a {geometry.geom_type}"
    lines = []
    for part in shapely.get_parts(geometry):
        xy = np.asarray(shapely.get_coordinates(part), dtype=float)
        if not np.isfinite(xy).all():
            return [], "coordinates that are not numbers"
        if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            return [], "coordinates outside ±180°/±90°: not longitude/latitude"
        if len(xy) >= 2:
            lines.append(part)
    if not lines:
        return [], "a line with fewer than two points"
    return lines, ""


def _segments(route: BaseGeometry) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Start and end points (lon, lat) of every segment of a (multi)line."""
    starts, ends = [], []
    for part in shapely.get_parts(route):
        xy = np.asarray(shapely.get_coordinates(part), dtype=float)
        starts.append(xy[:-1])
        ends.append(xy[1:])
    if not starts:
        raise ValueError("a route without lines")
    return np.concatenate(starts), np.concatenate(ends)


def route_length_km(route: BaseGeometry) -> float:
    """Great-circle length of a route in kilometres."""
    a, b = _segments(route)
    return float(haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).sum())


def distance_to_route_km(
    longitude: npt.ArrayLike, latitude: npt.ArrayLike, route: BaseGeometry
) -> npt.NDArray[np.float64]:
    """Distance in km from each point to the nearest point of ``route`` (see the module note:
    a local equirectangular frame centred on each point); NaN for a point without
    coordinates."""
    lon = np.atleast_1d(np.asarray(longitude, dtype=float))
    lat = np.atleast_1d(np.asarray(latitude, dtype=float))
    a, b = _segments(route)
    out = np.full(len(lon), np.nan)
    known = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    step = max(1, PAIR_BATCH // len(a))
    for first in range(0, len(known), step):
        rows = known[first : first + step]
        ax, ay = _local(a, lon[rows], lat[rows])
        bx, by = _local(b, lon[rows], lat[rows])
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
        out[rows] = np.sqrt(px * px + py * py).min(axis=1)
    return out


def _route_pairs(
    incidents: pd.DataFrame, lines: Mapping[str, BaseGeometry], buffer_km: float
) -> pd.DataFrame:
    """``route, row, distance_km``: ``row`` is the incident's position in ``incidents``."""
    buffer = _positive(buffer_km, "buffer_km")
    _require(incidents, ("id", "latitude", "longitude"), "incidents")
    lat, lon = _numbers(incidents, "latitude"), _numbers(incidents, "longitude")
    frames = [pd.DataFrame({"route": [], "row": [], "distance_km": []})]
    for name, route in lines.items():
        distance = np.nan_to_num(distance_to_route_km(lon, lat, route), nan=np.inf)
        rows = np.flatnonzero(distance <= buffer)
        frames.append(pd.DataFrame({"route": name, "row": rows, "distance_km": distance[rows]}))
    pairs = pd.concat(frames, ignore_index=True)
    order = {name: n for n, name in enumerate(lines)}
    pairs["_order"] = pairs["route"].map(order)
    pairs = pairs.sort_values(["_order", "distance_km"], kind="stable").drop(columns="_order")
    return pairs.astype({"route": str, "row": "int64", "distance_km": "float64"}).reset_index(
        drop=True
    )


def _route_lines(routes: Mapping[str, BaseGeometry] | Routes) -> dict[str, BaseGeometry]:
    return dict(routes.routes if isinstance(routes, Routes) else routes)


def _local(
    points: npt.NDArray[np.float64], lon0: npt.NDArray[np.float64], lat0: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``points`` (m, 2 lon/lat) in the equirectangular frames (km) centred on each of the k
    centres: two (k, m) arrays."""
    phi0 = np.radians(lat0)[:, None]
    dlon = np.radians(points[None, :, 0] - lon0[:, None])
    dlon = (dlon + np.pi) % (2 * np.pi) - np.pi
    x = EARTH_RADIUS_KM * np.cos(phi0) * dlon
    y = EARTH_RADIUS_KM * (np.radians(points[None, :, 1]) - phi0)
    return np.asarray(x, float), np.asarray(y, float)


def route_pairs(
    incidents: pd.DataFrame, routes: Mapping[str, BaseGeometry] | Routes, buffer_km: float = 5.0
) -> pd.DataFrame:
    """Every (route, incident) pair within ``buffer_km`` of the route: ``route, id,
    distance_km``, by route (in their order) then distance."""
    pairs = _route_pairs(incidents, _route_lines(routes), buffer_km)
    ids = incidents["id"].to_numpy()[pairs["row"].to_numpy()]
    return pd.DataFrame(
        {
            "route": pairs["route"].astype(STRING),
            "id": ids,
            "distance_km": pairs["distance_km"],
        }
    )


def along_routes(
    incidents: pd.DataFrame, routes: Mapping[str, BaseGeometry] | Routes, buffer_km: float = 5.0
) -> pd.DataFrame:
    """Per route (in their order), the incidents within ``buffer_km`` of it: ``route,
    length_km, incidents, killed_min, killed_max, injured_min, injured_max,
    incidents_per_100km``. An incident near two routes counts for both."""
    lines = _route_lines(routes)
    pairs = _route_pairs(incidents, lines, buffer_km)
    table = _summarise_rows(pairs["route"], pairs["row"], incidents, list(lines), "route")
    table.insert(1, "length_km", [route_length_km(lines[name]) for name in lines])
    table["incidents_per_100km"] = 100 * table["incidents"] / table["length_km"]
    table["route"] = table["route"].astype(STRING)
    return table


# --- before and after ---------------------------------------------------------------------------


def before_after(
    incidents: pd.DataFrame,
    site: Mapping[str, Any] | pd.Series,
    months: int = 6,
    *,
    change: Change = "opening",
    radius_km: float = 10.0,
    vac_events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Records within ``radius_km`` of ``site`` (``name, latitude, longitude, start_date,
    end_date``) in the ``months`` months before and after it opened (``change="opening"``: the
    pivot is ``start_date``) or closed (``"closing"``: the pivot is the day after ``end_date``,
    the first day not held). Before is ``[pivot − months, pivot)``, after ``[pivot, pivot +
    months)``.

    ``incidents`` are harm incidents (``occurred_at``) or events (``event_date``);
    ``vac_events`` (optional: events of violence against civilians with their ``latitude,
    longitude``, used as given) adds a second row. Columns: ``series`` (``harm_incidents`` or
    ``acled_vac``), ``site, change, pivot, before_start, after_end, before, after,
    days_before, days_after, rate_ratio`` (after / before per day; inf when nothing before, NaN
    when nothing at all), ``p_value`` (exact, two-sided; 1 when nothing at all). The windows are
    taken as covered by the data: an after window running past the data's end undercounts."""
    if int(months) != months or months < 1:
        raise ValueError(f"months must be a whole number of months, at least 1, not {months!r}")
    if change not in ("opening", "closing"):
        raise ValueError(f"change must be 'opening' or 'closing', not {change!r}")
    radius = _positive(radius_km, "radius_km")
    column = "start_date" if change == "opening" else "end_date"
    day = _day(site[column]) if column in site else None
    if day is None:
        raise ValueError(f"site {site.get('name')!r} has no {column} to compare around")
    pivot = day if change == "opening" else day + pd.Timedelta(days=1)
    start = pivot - pd.DateOffset(months=int(months))
    end = pivot + pd.DateOffset(months=int(months))
    days_before, days_after = (pivot - start).days, (end - pivot).days
    series = [("harm_incidents", incidents)]
    if vac_events is not None:
        series.append(("acled_vac", vac_events))
    rows = []
    for label, records in series:
        times = _times(records).to_numpy()
        distance = haversine_km(
            float(site["longitude"]),
            float(site["latitude"]),
            _numbers(records, "longitude"),
            _numbers(records, "latitude"),
        )
        near = np.nan_to_num(distance, nan=np.inf) <= radius
        before = int(
            (near & (times >= start.to_datetime64()) & (times < pivot.to_datetime64())).sum()
        )
        after = int((near & (times >= pivot.to_datetime64()) & (times < end.to_datetime64())).sum())
        rows.append(
            {
                "series": label,
                "site": str(site.get("name")),
                "change": change,
                "pivot": pivot,
                "before_start": start,
                "after_end": end - pd.Timedelta(days=1),
                "before": before,
                "after": after,
                "days_before": days_before,
                "days_after": days_after,
                "rate_ratio": _rate_ratio(before, after, days_before, days_after),
                "p_value": _p_value(before, after, days_before, days_after),
            }
        )
    out = pd.DataFrame(rows)
    return out.astype({"series": STRING, "site": STRING, "change": STRING})


def _rate_ratio(before: int, after: int, days_before: int, days_after: int) -> float:
    if before == 0:
        return math.nan if after == 0 else math.inf
    return (after / days_after) / (before / days_before)


def _p_value(before: int, after: int, days_before: int, days_after: int) -> float:
    total = before + after
    if total == 0:
        return 1.0
    share = days_after / (days_before + days_after)
    return float(binomtest(after, total, share, alternative="two-sided").pvalue)
