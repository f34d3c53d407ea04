"""The overview's aggregates: values per admin unit, monthly series by event type, headline totals,
and the stored admin units as GeoJSON for maps.

Every number is computed in SQL (``GROUP BY`` on the ``events`` table under an
:class:`~sentinelle.explore.filters.EventQuery`), so the overview stays fast on stores of hundreds
of thousands of events on PostgreSQL: nothing loads events into pandas. The metrics are

* ``events`` — the number of events;
* ``vac`` — violence against civilians: events of that ACLED type, plus events flagged
  ``civilian_targeting`` (e.g. explosions aimed at civilians), as in :mod:`sentinelle.panel`;
* ``fatalities`` — the sum of the events' reported fatalities (best estimate; missing counts as 0).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import shapely
from shapely.geometry import mapping
from sqlalchemy import ColumnElement, Connection, case, exists, func, or_, select

from sentinelle.domain.months import month_range, parse_month
from sentinelle.domain.vocabulary import VAC, Language, event_types
from sentinelle.explore.filters import EventQuery, FilterError
from sentinelle.store.schema import event_counts, events, places

Metric = Literal["events", "vac", "fatalities"]
METRICS: tuple[Metric, ...] = ("events", "vac", "fatalities")
MapLevel = Literal["admin1", "admin2"]
MAP_LEVELS: tuple[MapLevel, ...] = ("admin1", "admin2")
UNIT_COLUMN = {"admin1": events.c.admin1_pcode, "admin2": events.c.admin2_pcode}

MAX_SERIES_MONTHS = 1200
"""The longest period (100 years) a monthly series is drawn over, with its explicit zeros."""

DEFAULT_TOLERANCE = 0.005
"""Default simplification for the browser, in degrees (about 500 m in Mali)."""


def vac_condition() -> ColumnElement[bool]:
    """Violence against civilians: the ACLED type, or an event flagged civilian targeting."""
    return or_(events.c.event_type == VAC, events.c.civilian_targeting.is_(True))


def metric_expression(metric: Metric) -> ColumnElement[int]:
    """The SQL aggregate of ``metric`` over a group of events (0 for an empty group)."""
    if metric == "events":
        return func.count()
    if metric == "vac":
        return func.coalesce(func.sum(case((vac_condition(), 1), else_=0)), 0)
    if metric == "fatalities":
        return func.coalesce(func.sum(events.c.fatalities), 0)
    raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")


def _month_expression(connection: Connection) -> ColumnElement[Any]:
    """The month of an event's date, in the store's SQL dialect (see :func:`_month_text`)."""
    if connection.dialect.name == "postgresql":
        return func.date_trunc("month", events.c.event_date)
    return func.substr(events.c.event_date, 1, 7)  # SQLite keeps dates as YYYY-MM-DD text


def _month_text(value: Any) -> str | None:
    """``YYYY-MM`` of what :func:`_month_expression` gives."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)[:7]


# --- where counts come from ------------------------------------------------------------------


@dataclass(frozen=True)
class _Counts:
    """The columns and aggregates to count with: the event counts summary (fast) when the query
    allows it, else the events themselves (actor and free-text filters)."""

    where: ColumnElement[bool]
    admin1: ColumnElement[Any]
    admin2: ColumnElement[Any]
    event_type: ColumnElement[Any]
    month: ColumnElement[Any]
    events: ColumnElement[Any]
    vac_events: ColumnElement[Any]
    fatalities: ColumnElement[Any]
    vac_fatalities: ColumnElement[Any]
    first_date: ColumnElement[Any]
    last_date: ColumnElement[Any]

    def metric(self, metric: Metric) -> ColumnElement[Any]:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
        return {"events": self.events, "vac": self.vac_events, "fatalities": self.fatalities}[
            metric
        ]


def _counts(connection: Connection, query: EventQuery) -> _Counts:
    zero = 0
    if not query.needs_events:
        c = event_counts.c
        return _Counts(
            where=query.counts_where(),
            admin1=c.admin1_pcode,
            admin2=c.admin2_pcode,
            event_type=c.event_type,
            month=c.month,
            events=func.coalesce(func.sum(c.events), zero),
            vac_events=func.coalesce(func.sum(case((c.vac.is_(True), c.events), else_=0)), zero),
            fatalities=func.coalesce(func.sum(c.fatalities), zero),
            vac_fatalities=func.coalesce(
                func.sum(case((c.vac.is_(True), c.fatalities), else_=0)), zero
            ),
            first_date=func.min(c.first_date),
            last_date=func.max(c.last_date),
        )
    vac = vac_condition()
    return _Counts(
        where=query.where(),
        admin1=events.c.admin1_pcode,
        admin2=events.c.admin2_pcode,
        event_type=events.c.event_type,
        month=_month_expression(connection),
        events=func.count(),
        vac_events=func.coalesce(func.sum(case((vac, 1), else_=0)), zero),
        fatalities=func.coalesce(func.sum(events.c.fatalities), zero),
        vac_fatalities=func.coalesce(func.sum(case((vac, events.c.fatalities), else_=0)), zero),
        first_date=func.min(events.c.event_date),
        last_date=func.max(events.c.event_date),
    )


# --- admin units -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitValue:
    """One admin unit's value of the metric (``name_*`` is the P-code for an unstored unit)."""

    pcode: str
    name_fr: str
    name_en: str
    parent: str | None
    value: int

    def name(self, language: Language) -> str:
        return self.name_en if language == "en" else self.name_fr


@dataclass(frozen=True)
class UnitValues:
    """The metric per admin unit of ``level`` in the selection.

    ``units`` holds every stored unit the filters' region/cercle leave in view (zeros included),
    plus any unit code events carry that the store does not hold, in P-code order; ``unplaced``
    is the value of the events that have no unit at this level (e.g. ACLED geo-precision 3
    events have no cercle)."""

    metric: Metric
    level: MapLevel
    units: list[UnitValue]
    unplaced: int

    @property
    def values(self) -> dict[str, int]:
        return {u.pcode: u.value for u in self.units}

    @property
    def total(self) -> int:
        return sum(u.value for u in self.units) + self.unplaced


@dataclass(frozen=True)
class StoredUnit:
    pcode: str
    name_fr: str
    name_en: str
    parent: str | None


def stored_units(connection: Connection, level: MapLevel) -> list[StoredUnit]:
    """The stored admin units of ``level`` (without geometry), in P-code order."""
    rows = connection.execute(
        select(places.c.pcode, places.c.name_fr, places.c.name_en, places.c.parent_pcode)
        .where(places.c.level == level)
        .order_by(places.c.pcode)
    )
    return [StoredUnit(r.pcode, r.name_fr, r.name_en, r.parent_pcode) for r in rows]


def in_view(
    unit: StoredUnit, level: MapLevel, query: EventQuery, cercle_parent: str | None = None
) -> bool:
    """Whether the filters' region and cercle leave ``unit`` in view. ``cercle_parent`` is the
    region of the filters' cercle, when known (regions are then limited to it)."""
    if level == "admin1":
        if query.region and unit.pcode != query.region:
            return False
        return not (query.cercle and cercle_parent and unit.pcode != cercle_parent)
    if query.cercle and unit.pcode != query.cercle:
        return False
    return not (query.region and unit.parent != query.region)


def check_places(connection: Connection, query: EventQuery) -> None:
    """Refuse (:class:`FilterError`) a region or cercle P-code that is neither a stored unit of
    its level nor carried by any event, and a cercle outside the chosen region."""
    for level, code in (("admin1", query.region), ("admin2", query.cercle)):
        if not code:
            continue
        stored = connection.execute(
            select(places.c.level, places.c.parent_pcode).where(places.c.pcode == code)
        ).first()
        if stored is not None and stored.level != level:
            raise FilterError(
                f"{code} is not a {'region' if level == 'admin1' else 'cercle'} P-code "
                f"(it is of level {stored.level})"
            )
        if stored is None:
            used = connection.execute(select(exists().where(UNIT_COLUMN[level] == code))).scalar()
            if not used:
                name = "region" if level == "admin1" else "cercle"
                raise FilterError(f"unknown {name} P-code {code!r} (e.g. ML05, ML0505)")
        elif level == "admin2" and query.region and stored.parent_pcode not in (None, query.region):
            raise FilterError(f"the cercle {code} is not in the region {query.region}")


@dataclass(frozen=True)
class PlaceCell:
    """The events of one (region, cercle) pair (either may be ``None``) under a query: the
    one grouped scan from which unit values of both levels and the totals are derived."""

    admin1: str | None
    admin2: str | None
    events: int
    vac_events: int
    fatalities: int
    vac_fatalities: int
    first_date: dt.date | None
    last_date: dt.date | None

    def metric(self, metric: Metric) -> int:
        return {"events": self.events, "vac": self.vac_events, "fatalities": self.fatalities}[
            metric
        ]


def place_cells(connection: Connection, query: EventQuery) -> list[PlaceCell]:
    """The events ``query`` selects, counted per (region, cercle): one SQL ``GROUP BY``."""
    counts = _counts(connection, query)
    rows = connection.execute(
        select(
            counts.admin1,
            counts.admin2,
            counts.events,
            counts.vac_events,
            counts.fatalities,
            counts.vac_fatalities,
            counts.first_date,
            counts.last_date,
        )
        .where(counts.where)
        .group_by(counts.admin1, counts.admin2)
    ).all()
    return [
        PlaceCell(
            r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), _as_date(r[6]), _as_date(r[7])
        )
        for r in rows
    ]


def values_from_cells(
    connection: Connection,
    cells: Sequence[PlaceCell],
    query: EventQuery,
    metric: Metric,
    level: MapLevel,
) -> UnitValues:
    """:class:`UnitValues` of ``metric`` at ``level`` from :func:`place_cells`."""
    found: dict[str, int] = {}
    unplaced = 0
    for cell in cells:
        code = cell.admin1 if level == "admin1" else cell.admin2
        if code is None:
            unplaced += cell.metric(metric)
        else:
            found[code] = found.get(code, 0) + cell.metric(metric)
    cercle_parent = None
    if query.cercle:
        cercle_parent = connection.execute(
            select(places.c.parent_pcode).where(places.c.pcode == query.cercle)
        ).scalar()
    shown = [
        UnitValue(u.pcode, u.name_fr, u.name_en, u.parent, found.pop(u.pcode, 0))
        for u in stored_units(connection, level)
        if in_view(u, level, query, cercle_parent)
    ]
    others = [UnitValue(code, code, code, None, value) for code, value in found.items()]
    return UnitValues(metric, level, sorted(shown + others, key=lambda u: u.pcode), unplaced)


def unit_values(
    connection: Connection, query: EventQuery, metric: Metric, level: MapLevel
) -> UnitValues:
    """``metric`` per unit of ``level`` for the events ``query`` selects."""
    return values_from_cells(connection, place_cells(connection, query), query, metric, level)


# --- monthly series --------------------------------------------------------------------------


def monthly_by_type(connection: Connection, query: EventQuery, metric: Metric) -> pd.DataFrame:
    """``metric`` per month and event type: a frame indexed by month (a monthly
    ``PeriodIndex`` named ``month``, every month of the period present, zeros included) with one
    ``int64`` column per event type (vocabulary order, then any other type found).

    The period is the query's; an open end is closed at the first or last month with a matching
    event. A column appears for each event type with a non-zero total and for each type the query
    asks for. Without events and without a period the frame is empty. A period longer than
    :data:`MAX_SERIES_MONTHS` is refused with :class:`FilterError`.
    """
    counts = _counts(connection, query)
    month = counts.month.label("month")
    rows = [
        (_month_text(m), kind, value)
        for m, kind, value in connection.execute(
            select(month, counts.event_type, counts.metric(metric))
            .where(counts.where)
            .group_by(month, counts.event_type)
        )
    ]
    seen = sorted({m for m, _, _ in rows if m})
    first = parse_month(query.start) if query.start else (parse_month(seen[0]) if seen else None)
    last = parse_month(query.end) if query.end else (parse_month(seen[-1]) if seen else None)
    if first is None and last is not None:
        first = last
    if last is None and first is not None:
        last = max(first, parse_month(seen[-1])) if seen else first
    known = list(event_types())
    totals: dict[str, int] = {}
    for _, kind, value in rows:
        totals[kind or ""] = totals.get(kind or "", 0) + int(value)
    wanted = {k for k, v in totals.items() if v} | set(query.event_types)
    columns = [k for k in known if k in wanted] + sorted(wanted - set(known))
    if first is None or last is None:
        empty = pd.DataFrame(
            {c: pd.Series(dtype="int64") for c in columns},
            index=pd.PeriodIndex([], freq="M", name="month"),
        )
        return empty
    span = (last - first).n + 1
    if span > MAX_SERIES_MONTHS:
        raise FilterError(
            f"the period spans {span} months; a monthly series covers at most {MAX_SERIES_MONTHS}"
        )
    index = month_range(first, last).rename("month")
    long = pd.DataFrame(
        [(parse_month(m), kind or "", int(value)) for m, kind, value in rows if m],
        columns=["month", "event_type", "value"],
    )
    wide = long.pivot_table(
        index="month", columns="event_type", values="value", aggfunc="sum", fill_value=0
    )
    frame = wide.reindex(index=index, columns=columns, fill_value=0).astype("int64")
    frame.columns.name = None
    return frame


# --- headline totals -------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Headline numbers for a selection of events."""

    events: int
    vac_events: int
    fatalities: int
    vac_fatalities: int
    regions: int  # regions with at least one event
    cercles: int  # cercles with at least one event
    first_date: dt.date | None
    last_date: dt.date | None

    def metric(self, metric: Metric) -> int:
        return {"events": self.events, "vac": self.vac_events, "fatalities": self.fatalities}[
            metric
        ]


def totals_from_cells(cells: Sequence[PlaceCell]) -> Totals:
    """:class:`Totals` from :func:`place_cells`."""
    firsts = [c.first_date for c in cells if c.first_date is not None]
    lasts = [c.last_date for c in cells if c.last_date is not None]
    return Totals(
        events=sum(c.events for c in cells),
        vac_events=sum(c.vac_events for c in cells),
        fatalities=sum(c.fatalities for c in cells),
        vac_fatalities=sum(c.vac_fatalities for c in cells),
        regions=len({c.admin1 for c in cells if c.admin1 is not None and c.events}),
        cercles=len({c.admin2 for c in cells if c.admin2 is not None and c.events}),
        first_date=min(firsts) if firsts else None,
        last_date=max(lasts) if lasts else None,
    )


def totals(connection: Connection, query: EventQuery) -> Totals:
    """The headline totals of the events ``query`` selects."""
    return totals_from_cells(place_cells(connection, query))


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# --- everything the overview shows ----------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """The overview of a selection: the metric per unit, the monthly series by event type (of
    the same metric) and the headline totals."""

    query: EventQuery
    metric: Metric
    level: MapLevel
    units: UnitValues
    series: pd.DataFrame
    totals: Totals


def overview(
    connection: Connection, query: EventQuery, metric: Metric = "events", level: MapLevel = "admin1"
) -> Overview:
    """The overview of the events ``query`` selects. Raises :class:`FilterError` for a region or
    cercle the store does not know, or a period too long to chart."""
    if metric not in METRICS:
        raise FilterError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    if level not in MAP_LEVELS:
        raise FilterError(f"unknown level {level!r}; expected one of {', '.join(MAP_LEVELS)}")
    check_places(connection, query)
    cells = place_cells(connection, query)
    return Overview(
        query=query,
        metric=metric,
        level=level,
        units=values_from_cells(connection, cells, query, metric, level),
        series=monthly_by_type(connection, query, metric),
        totals=totals_from_cells(cells),
    )


# --- admin units as GeoJSON ------------------------------------------------------------------


class _GeoJsonCache:
    """A small LRU of simplified GeoJSON, keyed by store, level, tolerance and a fingerprint of
    the stored units (see :func:`_fingerprint`), so that a boundary import, which replaces the
    units of its level, is seen at once."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: dict[str, Any]) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_CACHE = _GeoJsonCache()


def _fingerprint(connection: Connection, level: MapLevel) -> str:
    """A digest of the stored units of ``level``: every field but the shapes, which count by
    their size (points on PostGIS, bytes on SQLite) and by the import that wrote them."""
    if connection.dialect.name == "postgresql":
        size = func.ST_NPoints(places.c.geometry)
    else:
        size = func.length(places.c.geometry)
    rows = connection.execute(
        select(
            places.c.pcode,
            places.c.name_fr,
            places.c.name_en,
            places.c.parent_pcode,
            places.c.approximate,
            places.c.import_id,
            size,
        )
        .where(places.c.level == level)
        .order_by(places.c.pcode)
    ).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def units_geojson(
    connection: Connection, level: MapLevel, simplify_tolerance: float = DEFAULT_TOLERANCE
) -> dict[str, Any]:
    """The stored admin units of ``level`` as a GeoJSON FeatureCollection (WGS 84), one feature per
    unit with a geometry, with properties ``pcode``, ``name_fr``, ``name_en``, ``parent`` and
    ``approximate`` (true for generated shapes, such as the demo scenario's areas).

    Geometries are simplified with ``simplify_tolerance`` degrees (topology preserved; 0 keeps
    them whole) and coordinates rounded to 5 decimals (about 1 m). The result is cached per store,
    level and tolerance until the units change; it is shared, so treat it as read-only.
    """
    if level not in MAP_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(MAP_LEVELS)}")
    if simplify_tolerance < 0:
        raise ValueError("the simplification tolerance cannot be negative")
    key = (
        connection.engine.url.render_as_string(hide_password=True),
        level,
        float(simplify_tolerance),
        _fingerprint(connection, level),
    )
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    rows = connection.execute(
        select(
            places.c.pcode,
            places.c.name_fr,
            places.c.name_en,
            places.c.parent_pcode,
            places.c.approximate,
            places.c.geometry,
        )
        .where(places.c.level == level, places.c.geometry.is_not(None))
        .order_by(places.c.pcode)
    ).all()
    geometries = [r.geometry for r in rows]
    if simplify_tolerance > 0 and geometries:
        geometries = list(shapely.simplify(geometries, simplify_tolerance, preserve_topology=True))
    features = []
    for row, geometry in zip(rows, geometries, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        rounded = shapely.set_precision(geometry, 1e-5, mode="pointwise")
        features.append(
            {
                "type": "Feature",
                "id": row.pcode,
                "properties": {
                    "pcode": row.pcode,
                    "name_fr": row.name_fr,
                    "name_en": row.name_en,
                    "parent": row.parent_pcode,
                    "approximate": bool(row.approximate),
                },
                "geometry": mapping(rounded),
            }
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    _CACHE.put(key, collection)
    return collection


def names_of(units: Sequence[UnitValue], language: Language) -> dict[str, str]:
    """P-code → name in ``language``."""
    return {u.pcode: u.name(language) for u in units}


__all__ = [
    "DEFAULT_TOLERANCE",
    "MAP_LEVELS",
    "MAX_SERIES_MONTHS",
    "METRICS",
    "MapLevel",
    "Metric",
    "Overview",
    "PlaceCell",
    "StoredUnit",
    "Totals",
    "UnitValue",
    "UnitValues",
    "check_places",
    "in_view",
    "metric_expression",
    "monthly_by_type",
    "names_of",
    "overview",
    "place_cells",
    "stored_units",
    "totals",
    "totals_from_cells",
    "unit_values",
    "units_geojson",
    "vac_condition",
    "values_from_cells",
]
