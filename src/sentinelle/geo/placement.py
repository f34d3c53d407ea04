"""Placing events: the region, cercle and PRIO-GRID cell of each event.

:func:`place_events` (or a :class:`Placer` reused over chunks) fills the columns ``admin1_pcode``,
``admin2_pcode``, ``priogrid_gid`` and ``placement`` of an event frame
(:mod:`sentinelle.domain.events`). ``placement`` says how each event was placed, with one of
:data:`PLACEMENT_KINDS` (labels in ``sentinelle/geo/data/placement_kinds.csv``):

``point``
    the coordinates lie inside a cercle polygon (points on a shared border go to the cercle listed
    first);
``nearest``
    the coordinates lie outside every polygon but within ``tolerance_km`` (default
    :data:`DEFAULT_TOLERANCE_KM` = 5 km) of one — simplified borders cut off border towns — and
    the nearest cercle is used;
``name``
    no usable coordinates (missing, off the globe, or farther than the tolerance from every
    polygon): the cercle comes from the event's own ``admin1``/``admin2`` names;
``admin1-only``
    only the region is known. ACLED ``geo_precision`` 3 means the point stands for a whole
    region, so the cercle (and the PRIO-GRID cell) is left empty rather than invented; also used
    when the names give only a region;
``unplaced``
    neither coordinates nor names give a unit.

``priogrid_gid`` is filled from the coordinates whatever the kind (even for a point outside every
unit, or with no units at all), except for ``geo_precision`` 3 and unusable coordinates.

The region of an event placed in a cercle is the cercle's parent (so region and cercle never
disagree); the region polygons are used only when the cercle is unknown.

Every event placed by its coordinates is also checked against its own admin names (normalised,
with known spelling variants, and compared in the pre-2016 geography of
:mod:`sentinelle.geo.crosswalk` so that "Ménaka/Andéramboukane" agrees with the old Ménaka
cercle). Disagreements are not corrected — the coordinates win — but listed in the report, with
names that match no unit, so the analyst can judge.

Speed: points are located in bulk with shapely's STRtree (prepared polygons), names are resolved
once per distinct (admin1, admin2) pair; a :class:`Placer` is built once and reused for every
chunk of a large file.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from sentinelle.domain.places import AdminUnit, Level, priogrid_gid
from sentinelle.domain.vocabulary import Language, Term
from sentinelle.geo.crosswalk import Crosswalk, menaka_2016
from sentinelle.geo.gazetteer import Gazetteer, GazetteerEntry, mali_gazetteer

STRING = pd.StringDtype("pyarrow")

PLACEMENT_KINDS: tuple[str, ...] = ("point", "nearest", "name", "admin1-only", "unplaced")
"""How an event was placed; see the module documentation."""

DEFAULT_TOLERANCE_KM = 5.0
"""How far outside every polygon a point may lie and still go to the nearest unit."""

PLACEMENT_COLUMNS = ("admin1_pcode", "admin2_pcode", "priogrid_gid", "placement")

EARTH_RADIUS_KM = 6371.0088

UNMATCHED_COLUMNS = ("level", "name", "admin1", "problem", "events")
MISMATCH_COLUMNS = ("level", "admin1", "admin2", "named_pcode", "placed_pcode", "events")


@cache
def placement_kinds() -> dict[str, Term]:
    """The placement vocabulary with French and English labels."""
    text = resources.files("sentinelle.geo").joinpath("data", "placement_kinds.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return {r["kind"]: Term(r["kind"], r["label_en"], r["label_fr"]) for r in rows}


@dataclass
class PlacementReport:
    """What placement did: events per placement kind, names that matched no unit, and events
    whose coordinates fall in another unit than their names say.

    ``unmatched_names`` has columns ``level, name, admin1, problem, events`` (``problem`` is
    ``unknown``: no unit of that name, or ``ambiguous``: several); ``mismatches`` has
    ``level, admin1, admin2, named_pcode, placed_pcode, events`` (names as in the source, P-codes
    in pre-2016 geography). ``outside`` counts events whose coordinates lie farther than
    ``tolerance_km`` from every unit.
    """

    counts: dict[str, int]
    unmatched_names: pd.DataFrame
    mismatches: pd.DataFrame
    outside: int
    tolerance_km: float
    events: int = 0

    @classmethod
    def combine(cls, reports: Sequence[PlacementReport]) -> PlacementReport:
        """One report for several chunks of the same file."""
        if not reports:
            raise ValueError("no reports to combine")
        counts = {k: sum(r.counts.get(k, 0) for r in reports) for k in PLACEMENT_KINDS}
        unmatched = _regroup([r.unmatched_names for r in reports], UNMATCHED_COLUMNS)
        mismatches = _regroup([r.mismatches for r in reports], MISMATCH_COLUMNS)
        return cls(
            counts=counts,
            unmatched_names=unmatched,
            mismatches=mismatches,
            outside=sum(r.outside for r in reports),
            tolerance_km=reports[0].tolerance_km,
            events=sum(r.events for r in reports),
        )

    def summary(self, language: Language = "en") -> str:
        """Plain-text lines for the analyst (placement kinds with their labels, then problems)."""
        terms = placement_kinds()
        say = _SUMMARY_FR if language == "fr" else _SUMMARY_EN
        lines = [say["placed"].format(events=self.events, km=f"{self.tolerance_km:g}")]
        for kind in PLACEMENT_KINDS:
            lines.append(f"  {terms[kind].label(language)}: {self.counts.get(kind, 0)}")
        if self.outside:
            lines.append(f"  {say['outside']}: {self.outside}")
        if len(self.unmatched_names):
            lines.append(say["unmatched"])
            for row in self.unmatched_names.itertuples(index=False):
                context = f" ({say['in']} {row.admin1})" if isinstance(row.admin1, str) else ""
                lines.append(f"  {row.level} {row.name!r}{context}, {row.problem}: {row.events}")
        if len(self.mismatches):
            total = int(self.mismatches["events"].sum())
            lines.append(say["mismatches"].format(events=total))
            for row in self.mismatches.head(20).itertuples(index=False):
                lines.append(
                    f"  {row.admin1} / {row.admin2}: {say['named']} {row.named_pcode}, "
                    f"{say['placed_in']} {row.placed_pcode} ({row.level}): {row.events}"
                )
        return "\n".join(lines)


_SUMMARY_EN = {
    "placed": "{events} events placed (tolerance {km} km):",
    "outside": "coordinates farther than the tolerance from every unit",
    "unmatched": "Names matching no unit, or several (events):",
    "mismatches": "Coordinates in another unit than the names say: {events} events",
    "named": "named",
    "placed_in": "placed",
    "in": "in",
}
_SUMMARY_FR = {
    "placed": "{events} événements localisés (tolérance {km} km) :",
    "outside": "coordonnées au-delà de la tolérance de toute unité",
    "unmatched": "Noms sans unité correspondante, ou avec plusieurs (événements) :",
    "mismatches": "Coordonnées dans une autre unité que celle des noms : {events} événements",
    "named": "nommé",
    "placed_in": "localisé",
    "in": "dans",
}


def _regroup(frames: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty(columns)
    keys = [c for c in columns if c != "events"]
    out = pd.concat(frames, ignore_index=True).groupby(keys, dropna=False, as_index=False)
    summed = out["events"].sum()
    return summed.sort_values("events", ascending=False, kind="stable").reset_index(drop=True)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "events" else STRING) for c in columns})


@dataclass
class _Level:
    """The polygons of one level, ready for bulk queries."""

    units: list[AdminUnit]
    pcodes: npt.NDArray[np.object_]
    geometries: npt.NDArray[np.object_]
    tree: STRtree | None
    halo: BaseGeometry | None  # the outline buffered by the tolerance (None: no tolerance)
    halo_degrees: float

    @classmethod
    def build(cls, units: Sequence[AdminUnit], tolerance_km: float) -> _Level:
        with_shape = [u for u in units if u.geometry is not None and not u.geometry.is_empty]
        geometries = np.array([u.geometry for u in with_shape], dtype=object)
        shapely.prepare(geometries)
        tree = STRtree(geometries) if len(geometries) else None
        pcodes = np.array([u.pcode for u in with_shape], dtype=object)
        halo, degrees = None, 0.0
        if len(geometries) and tolerance_km > 0:
            # degrees of longitude are shortest far from the equator: size the band for the
            # highest latitude reached, then check each candidate's true distance in km
            north = float(np.max(np.abs(shapely.bounds(geometries)[:, [1, 3]])))
            degrees = tolerance_km / (EARTH_RADIUS_KM * math.radians(1.0))
            degrees /= math.cos(math.radians(min(north + degrees, 89.0)))
            halo = shapely.buffer(shapely.union_all(geometries), degrees, quad_segs=4)
            shapely.prepare(halo)
        return cls(with_shape, pcodes, geometries, tree, halo, degrees)


class Placer:
    """Places events in a fixed set of regions and cercles; build once, call :meth:`place` on
    each chunk.

    ``admin1_units`` and ``admin2_units`` must have P-codes (see
    :func:`sentinelle.geo.gazetteer.assign_pcodes`) and, to place by coordinates, polygons.
    ``gazetteer`` (default: Mali's) supplies the names the events may use; ``tolerance_km`` is
    how far outside every polygon a point may still go to the nearest unit.
    """

    def __init__(
        self,
        admin1_units: Sequence[AdminUnit],
        admin2_units: Sequence[AdminUnit],
        *,
        gazetteer: Gazetteer | None = None,
        crosswalk: Crosswalk | None = None,
        tolerance_km: float = DEFAULT_TOLERANCE_KM,
    ) -> None:
        for unit in (*admin1_units, *admin2_units):
            if not unit.pcode:
                raise ValueError(
                    f"unit {unit.name_fr!r} ({unit.source}) has no P-code: give P-codes first "
                    "(sentinelle.geo.gazetteer.assign_pcodes)"
                )
        if tolerance_km < 0:
            raise ValueError("tolerance_km must be >= 0")
        self.tolerance_km = float(tolerance_km)
        self.crosswalk = crosswalk if crosswalk is not None else menaka_2016()
        base = gazetteer if gazetteer is not None else mali_gazetteer()
        self.gazetteer = _with_units(base, (*admin1_units, *admin2_units))
        self._admin1 = _Level.build(admin1_units, self.tolerance_km)
        self._admin2 = _Level.build(admin2_units, self.tolerance_km)
        self._available: dict[Level, set[str]] = {
            "admin1": {u.pcode for u in admin1_units},
            "admin2": {u.pcode for u in admin2_units},
        }
        self._parent: dict[str, str | None] = {u.pcode: u.parent_pcode for u in admin2_units}
        index1 = {p: i for i, p in enumerate(self._admin1.pcodes)}
        parents = [index1.get(self._parent.get(p) or "", -1) for p in self._admin2.pcodes]
        self._parent_index = np.array([*parents, -1], dtype="int64")  # cercle -> region index
        self._ids: dict[str, int] = {}
        self._pre1 = self._pre_ids(self._admin1.pcodes)
        self._pre2 = self._pre_ids(self._admin2.pcodes)

    # -- identifiers in pre-2016 geography, as integers for fast comparison --

    def _pre_id(self, pcode: str | None) -> int:
        if not pcode:
            return -1
        return self._ids.setdefault(self.crosswalk.pre2016(pcode), len(self._ids))

    def _pre_ids(self, pcodes: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
        return np.array([self._pre_id(p) for p in pcodes] + [-1], dtype="int64")

    # -- placement --

    def place(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, PlacementReport]:
        """A copy of ``frame`` with ``admin1_pcode``, ``admin2_pcode``, ``priogrid_gid`` and
        ``placement`` filled, and the report. ``frame`` needs ``latitude`` and ``longitude``;
        ``geo_precision``, ``admin1`` and ``admin2`` are used when present."""
        for column in ("latitude", "longitude"):
            if column not in frame.columns:
                raise ValueError(f"event frame without {column!r} column")
        n = len(frame)
        lat = pd.to_numeric(frame["latitude"]).to_numpy(dtype="float64", na_value=np.nan)
        lon = pd.to_numeric(frame["longitude"]).to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            valid = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        if "geo_precision" in frame.columns:
            precision = pd.to_numeric(frame["geo_precision"])
            region_only = (precision == 3).fillna(False).to_numpy(dtype=bool)
        else:
            region_only = np.zeros(n, dtype=bool)

        # 1. coordinates -> cercle (index into self._admin2, -1 = none)
        rows = np.flatnonzero(valid)
        a2 = np.full(n, -1, dtype="int64")
        near = np.zeros(n, dtype=bool)
        found, is_near = self._locate(self._admin2, lon[rows], lat[rows])
        a2[rows], near[rows] = found, is_near

        # 2. region: the cercle's parent, else the region polygons
        a1 = self._parent_index[a2]
        need = np.flatnonzero(valid & (a1 < 0))
        if len(need):
            found1, near1 = self._locate(self._admin1, lon[need], lat[need])
            a1[need] = found1
            near[need] |= near1 & (a2[need] < 0)
        located = (a1 >= 0) | (a2 >= 0)
        has_polygons = self._admin1.tree is not None or self._admin2.tree is not None
        outside = valid & ~located & has_polygons

        # 3. names, resolved once per distinct (admin1, admin2) pair
        names = _NameTable.build(self, frame)

        # 4. cross-check coordinates against names (pre-2016 geography)
        placed_pre2 = self._pre2[a2]
        placed_pre1 = self._pre1[a1]
        named_pre2 = names.pre2[names.codes]
        named_pre1 = names.pre1[names.codes]
        differs2 = ~region_only & (a2 >= 0) & (named_pre2 >= 0) & (placed_pre2 != named_pre2)
        differs1 = ~differs2 & (a1 >= 0) & (named_pre1 >= 0) & (placed_pre1 != named_pre1)

        # 5. by name where coordinates did not place the event
        by_name = ~located
        a1_out = np.where(by_name, names.admin1[names.codes], self._pcode_index1_to_out(a1))
        a2_out = np.where(by_name, names.admin2[names.codes], self._pcode_index2_to_out(a2))
        a2_out[region_only] = None

        kind = np.full(n, "unplaced", dtype=object)
        has1 = pd.notna(a1_out)
        has2 = pd.notna(a2_out)
        kind[has1 | has2] = "admin1-only"
        kind[has2 & by_name] = "name"
        kind[has2 & located & ~near] = "point"
        kind[has2 & located & near] = "nearest"

        gid = priogrid_gid(lat, lon)
        gid[region_only | ~valid] = np.nan

        out = frame.copy()
        out["admin1_pcode"] = pd.array(a1_out, dtype=STRING)
        out["admin2_pcode"] = pd.array(a2_out, dtype=STRING)
        out["priogrid_gid"] = pd.array(gid, dtype="Int32")
        out["placement"] = pd.array(kind, dtype=STRING)

        counts = pd.Series(kind).value_counts()
        report = PlacementReport(
            counts={k: int(counts.get(k, 0)) for k in PLACEMENT_KINDS},
            unmatched_names=names.unmatched(),
            mismatches=self._mismatches(names, differs2, differs1, placed_pre2, placed_pre1),
            outside=int(outside.sum()),
            tolerance_km=self.tolerance_km,
            events=n,
        )
        return out, report

    def _pcode_index1_to_out(self, index: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        return _with_none(self._admin1.pcodes)[index]

    def _pcode_index2_to_out(self, index: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        return _with_none(self._admin2.pcodes)[index]

    def _locate(
        self, level: _Level, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Index of the polygon holding each point (-1 if none), and whether it was the nearest
        polygon within the tolerance rather than a containing one."""
        found = np.full(len(x), -1, dtype="int64")
        near = np.zeros(len(x), dtype=bool)
        if level.tree is None or not len(x):
            return found, near
        points = shapely.points(x, y)
        # bulk query: a tree of the points, queried with each prepared polygon
        polygon_idx, point_idx = STRtree(points).query(level.geometries, predicate="intersects")
        order = np.lexsort((polygon_idx, point_idx))
        point_sorted, polygon_sorted = point_idx[order], polygon_idx[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_sorted[1:] != point_sorted[:-1]
        found[point_sorted[first]] = polygon_sorted[first]

        missing = np.flatnonzero(found < 0)
        if level.halo is None:  # no tolerance: only points inside a polygon are placed
            return found, near
        # only points in the thin band around the outline can be within the tolerance
        missing = missing[shapely.intersects_xy(level.halo, x[missing], y[missing])]
        if len(missing):
            query_idx, tree_idx = level.tree.query_nearest(
                points[missing], max_distance=level.halo_degrees, all_matches=False
            )
            if len(query_idx):
                lines = shapely.shortest_line(
                    points[missing][query_idx], level.geometries[tree_idx]
                )
                ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
                km = _haversine_km(ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1])
                ok = km <= self.tolerance_km
                rows = missing[query_idx[ok]]
                found[rows] = tree_idx[ok]
                near[rows] = True
        return found, near

    def _available_pcode(
        self, pcode: str | None, level: Level
    ) -> tuple[str | None, frozenset[str]]:
        """The unit of this placer's geography for a gazetteer P-code: itself, the older unit it
        lies in, or its only successor; else None and the several successors."""
        if not pcode:
            return None, frozenset()
        available = self._available[level]
        if pcode in available:
            return pcode, frozenset()
        before = self.crosswalk.pre2016(pcode)
        if before in available:
            return before, frozenset()
        successors = frozenset(s for s in self.crosswalk.successors(pcode) if s in available)
        if len(successors) == 1:
            return next(iter(successors)), frozenset()
        return None, successors

    def _mismatches(
        self,
        names: _NameTable,
        differs2: npt.NDArray[np.bool_],
        differs1: npt.NDArray[np.bool_],
        placed_pre2: npt.NDArray[np.int64],
        placed_pre1: npt.NDArray[np.int64],
    ) -> pd.DataFrame:
        if not (differs2.any() or differs1.any()):
            return _empty(MISMATCH_COLUMNS)
        code_of = {i: p for p, i in self._ids.items()}
        parts = []
        for level, differs, placed, named in (
            ("admin2", differs2, placed_pre2, names.pre2),
            ("admin1", differs1, placed_pre1, names.pre1),
        ):
            rows = np.flatnonzero(differs)
            if not len(rows):
                continue
            pairs = names.codes[rows]
            table = pd.DataFrame(
                {"pair": pairs, "placed": placed[rows], "named": named[pairs]}
            ).value_counts(sort=False)
            for (pair, placed_id, named_id), events in table.items():
                parts.append(
                    {
                        "level": level,
                        "admin1": names.names1[pair],
                        "admin2": names.names2[pair],
                        "named_pcode": code_of[int(named_id)],
                        "placed_pcode": code_of[int(placed_id)],
                        "events": int(events),
                    }
                )
        frame = pd.DataFrame(parts, columns=list(MISMATCH_COLUMNS))
        return _regroup(
            [frame.astype({c: STRING for c in MISMATCH_COLUMNS[:-1]})], MISMATCH_COLUMNS
        )


@dataclass
class _NameTable:
    """Name resolution per distinct (admin1, admin2) pair of a chunk."""

    codes: npt.NDArray[np.int64]  # per event: its pair (last pair = no names)
    names1: list[str | None]
    names2: list[str | None]
    admin1: npt.NDArray[np.object_]  # per pair: region P-code of the placer's geography
    admin2: npt.NDArray[np.object_]
    pre1: npt.NDArray[np.int64]  # per pair: named region in pre-2016 ids (-1 unknown)
    pre2: npt.NDArray[np.int64]
    problem1: npt.NDArray[np.object_]  # per pair: "", "unknown" or "ambiguous"
    problem2: npt.NDArray[np.object_]
    counts: npt.NDArray[np.int64]  # per pair: number of events

    @classmethod
    def build(cls, placer: Placer, frame: pd.DataFrame) -> _NameTable:
        n = len(frame)
        empty = pd.Series(pd.NA, index=frame.index, dtype=STRING)
        col1 = frame["admin1"].astype(STRING) if "admin1" in frame.columns else empty
        col2 = frame["admin2"].astype(STRING) if "admin2" in frame.columns else empty
        key = col1.fillna("\x00") + "\x1f" + col2.fillna("\x00")
        codes, uniques = pd.factorize(key) if n else (np.zeros(0, dtype="int64"), [])
        names1: list[str | None] = []
        names2: list[str | None] = []
        for text in uniques:
            first, second = str(text).split("\x1f", 1)
            names1.append(None if first == "\x00" or not first.strip() else first)
            names2.append(None if second == "\x00" or not second.strip() else second)
        size = len(names1)
        table = cls(
            codes=np.asarray(codes, dtype="int64"),
            names1=names1,
            names2=names2,
            admin1=np.full(size + 1, None, dtype=object),
            admin2=np.full(size + 1, None, dtype=object),
            pre1=np.full(size + 1, -1, dtype="int64"),
            pre2=np.full(size + 1, -1, dtype="int64"),
            problem1=np.full(size + 1, "", dtype=object),
            problem2=np.full(size + 1, "", dtype=object),
            counts=np.bincount(np.asarray(codes, dtype="int64"), minlength=size + 1),
        )
        for i, (name1, name2) in enumerate(zip(names1, names2, strict=True)):
            table._resolve(placer, i, name1, name2)
        return table

    def _resolve(self, placer: Placer, i: int, name1: str | None, name2: str | None) -> None:
        gazetteer, crosswalk = placer.gazetteer, placer.crosswalk
        region: str | None = None
        if name1 is not None:
            found = gazetteer.find(name1, "admin1")
            region = found[0].pcode if len(found) == 1 else None
            self.problem1[i] = "" if region else ("ambiguous" if found else "unknown")
        cercles: list[str] = []
        if name2 is not None:
            candidates = gazetteer.find(name2, "admin2")
            if region is not None and len(candidates) > 1:
                related = {region, crosswalk.pre2016(region), *crosswalk.successors(region)}
                narrowed = [u for u in candidates if u.parent_pcode in related]
                exact = [u for u in narrowed if u.parent_pcode == region]
                candidates = exact or narrowed or candidates
            cercles = [u.pcode for u in candidates]
        # the old and the new Ménaka cercle are one place in pre-2016 geography
        before = {crosswalk.pre2016(c) for c in cercles}
        if name2 is not None:
            self.problem2[i] = (
                "unknown" if not cercles else ("ambiguous" if len(before) > 1 else "")
            )
        if len(before) == 1:
            old = before.pop()
            self.pre2[i] = placer._pre_id(old)
            self.pre1[i] = placer._pre_id(gazetteer.unit(old).parent_pcode)
        elif region is not None:
            self.pre1[i] = placer._pre_id(region)

        # in the placer's own geography
        mapped = [placer._available_pcode(c, "admin2") for c in cercles]
        found2 = {p for p, _ in mapped}
        admin2 = found2.pop() if len(found2) == 1 else None
        admin1 = placer._parent.get(admin2) if admin2 else None
        if admin1 is None and mapped:
            covered = {p for p, _ in mapped if p} | {s for _, split in mapped for s in split}
            parents = {placer._parent.get(c) for c in covered}
            admin1 = parents.pop() if len(parents) == 1 else None
        if admin1 is None:
            admin1, _ = placer._available_pcode(region, "admin1")
        if admin1 is not None and admin1 not in placer._available["admin1"]:
            admin1 = None
        self.admin1[i], self.admin2[i] = admin1, admin2

    def unmatched(self) -> pd.DataFrame:
        rows: list[tuple[str, str | None, str | None, str, int]] = []
        for i, (name1, name2) in enumerate(zip(self.names1, self.names2, strict=True)):
            if self.problem1[i]:
                rows.append(("admin1", name1, None, str(self.problem1[i]), int(self.counts[i])))
            if self.problem2[i]:
                rows.append(("admin2", name2, name1, str(self.problem2[i]), int(self.counts[i])))
        if not rows:
            return _empty(UNMATCHED_COLUMNS)
        frame = pd.DataFrame(rows, columns=list(UNMATCHED_COLUMNS))
        frame = frame.astype({c: STRING for c in UNMATCHED_COLUMNS[:-1]})
        return _regroup([frame], UNMATCHED_COLUMNS)


def _with_units(gazetteer: Gazetteer, units: Iterable[AdminUnit]) -> Gazetteer:
    """The gazetteer plus the boundary units' own names (source spellings, units of another
    country), so that events can be matched on either."""
    entries = dict(gazetteer.entries)
    for unit in units:
        known = entries.get(unit.pcode)
        if known is None:
            entries[unit.pcode] = GazetteerEntry(unit)
            continue
        extra = tuple(n for n in unit.all_names if n not in known.unit.all_names)
        if extra:
            merged = AdminUnit(
                pcode=known.unit.pcode,
                level=known.unit.level,
                name_fr=known.unit.name_fr,
                name_en=known.unit.name_en,
                parent_pcode=known.unit.parent_pcode,
                alternates=(*known.unit.alternates, *extra),
            )
            entries[unit.pcode] = GazetteerEntry(
                merged, known.valid_from, known.valid_to, known.note
            )
    return Gazetteer(entries.values(), gazetteer.aliases)


def _with_none(pcodes: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """The P-codes with a trailing None, so that index -1 gives None."""
    out = np.empty(len(pcodes) + 1, dtype=object)
    out[:-1] = pcodes
    return out


def _haversine_km(
    lon1: npt.NDArray[np.float64],
    lat1: npt.NDArray[np.float64],
    lon2: npt.NDArray[np.float64],
    lat2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return distance


def place_events(
    frame: pd.DataFrame,
    admin1_units: Sequence[AdminUnit],
    admin2_units: Sequence[AdminUnit],
    *,
    gazetteer: Gazetteer | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
) -> tuple[pd.DataFrame, PlacementReport]:
    """Give each event its region, cercle, PRIO-GRID cell and placement kind.

    Returns a copy of ``frame`` with ``admin1_pcode``, ``admin2_pcode``, ``priogrid_gid`` and
    ``placement`` filled, and a :class:`PlacementReport`. For several chunks of one file, build
    a :class:`Placer` once and call :meth:`Placer.place` on each chunk instead.
    """
    placer = Placer(admin1_units, admin2_units, gazetteer=gazetteer, tolerance_km=tolerance_km)
    return placer.place(frame)
