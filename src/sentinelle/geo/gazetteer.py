"""Sentinelle's reference table of Mali's administrative units, and P-codes for boundary files.

The table (``sentinelle/geo/data/mali_admin_units.csv``) lists the ten regions (``ML01`` Kayes …
``ML10`` Ménaka) and the cercles with their OCHA P-codes, French and English names, parent region,
other names (``alternates``, ``|``-separated; for regions also their ISO 3166-2 code, e.g.
``ML-7`` for Gao, as geoBoundaries gives in ``shapeISO``) and, for the units touched by the 2016
creation of the Ménaka region, when the code was in use (``valid_from``/``valid_to``, to the
year) and a ``note``. The regions and cercles created later (2023 reform) are not in it.

Boundary files from geoBoundaries carry names but no P-codes. :func:`assign_pcodes` gives each
unit its P-code by matching its names (normalised, with the known spelling variants of
:mod:`sentinelle.geo.names`) within its level and, since names repeat (the Kayes region and the
Kayes cercle; the Ménaka cercle before and after 2016), within its parent region, found from the
file's parent field or by locating the unit inside the region polygons. What cannot be matched is
reported, never guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import shapely

from sentinelle.domain.places import LEVELS, AdminUnit, Level
from sentinelle.geo.names import AliasTable, default_aliases, name_key


@dataclass(frozen=True)
class GazetteerEntry:
    """An admin unit of the reference table, with when its P-code was in use."""

    unit: AdminUnit
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = ""

    @property
    def pcode(self) -> str:
        return self.unit.pcode

    def valid_on(self, day: dt.date) -> bool:
        """True when the unit existed on ``day``."""
        starts = self.valid_from is None or self.valid_from <= day
        return starts and (self.valid_to is None or day <= self.valid_to)


class Gazetteer:
    """Admin units by P-code, searchable by name within a level and a parent."""

    def __init__(self, entries: Iterable[GazetteerEntry], aliases: AliasTable | None = None):
        self.aliases = aliases if aliases is not None else default_aliases()
        self.entries: dict[str, GazetteerEntry] = {}
        for entry in entries:
            if entry.pcode in self.entries:
                raise ValueError(f"gazetteer: P-code {entry.pcode} listed twice")
            self.entries[entry.pcode] = entry
        self._index: dict[tuple[str, str], list[str]] = {}
        for entry in self.entries.values():
            for name in entry.unit.all_names:
                key = self.aliases.canonical_key(name, entry.unit.level)
                pcodes = self._index.setdefault((entry.unit.level, key), [])
                if key and entry.pcode not in pcodes:
                    pcodes.append(entry.pcode)

    @classmethod
    def from_csv(cls, path: str | Path, aliases: AliasTable | None = None) -> Gazetteer:
        """Read a gazetteer from a CSV shaped like ``mali_admin_units.csv``."""
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return cls(_entries(csv.DictReader(handle)), aliases)

    def __contains__(self, pcode: object) -> bool:
        return pcode in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def unit(self, pcode: str) -> AdminUnit:
        """The unit with this P-code (KeyError if unknown)."""
        return self.entries[pcode].unit

    def units(self, level: Level | None = None, on: dt.date | None = None) -> list[AdminUnit]:
        """The units of one level (all levels if None), only those existing ``on`` a date if
        given, in P-code order."""
        return [
            e.unit
            for pcode, e in sorted(self.entries.items())
            if (level is None or e.unit.level == level) and (on is None or e.valid_on(on))
        ]

    def find(
        self,
        name: object,
        level: Level,
        parent: str | None = None,
        on: dt.date | None = None,
    ) -> list[AdminUnit]:
        """The units of ``level`` called ``name`` (any spelling the alias table knows), within
        region ``parent`` and existing ``on`` a date when those are given."""
        key = self.aliases.canonical_key(name, level)
        found = []
        for pcode in self._index.get((level, key), []):
            entry = self.entries[pcode]
            if parent is not None and entry.unit.parent_pcode != parent:
                continue
            if on is not None and not entry.valid_on(on):
                continue
            found.append(entry.unit)
        return found

    def resolve(
        self,
        name: object,
        level: Level,
        parent: str | None = None,
        on: dt.date | None = None,
    ) -> str | None:
        """The P-code of the one unit :meth:`find` gives, or None (no match, or ambiguous)."""
        found = self.find(name, level, parent, on)
        return found[0].pcode if len(found) == 1 else None


def _date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    return dt.date.fromisoformat(text) if text else None


def _entries(rows: Iterable[dict[str, str]]) -> list[GazetteerEntry]:
    entries = []
    for row in rows:
        level = row["level"].strip()
        if level not in LEVELS:
            raise ValueError(f"gazetteer {row['pcode']}: unknown level {level!r}")
        unit = AdminUnit(
            pcode=row["pcode"].strip(),
            level=LEVELS[LEVELS.index(level)],
            name_fr=row["name_fr"].strip(),
            name_en=(row.get("name_en") or row["name_fr"]).strip(),
            parent_pcode=(row.get("parent_pcode") or "").strip() or None,
            alternates=tuple(a.strip() for a in (row.get("alternates") or "").split("|") if a),
            source="sentinelle gazetteer",
        )
        entries.append(
            GazetteerEntry(
                unit,
                valid_from=_date(row.get("valid_from")),
                valid_to=_date(row.get("valid_to")),
                note=(row.get("note") or "").strip(),
            )
        )
    return entries


@cache
def mali_gazetteer() -> Gazetteer:
    """Sentinelle's packaged reference table of Mali's regions and cercles."""
    text = resources.files("sentinelle.geo").joinpath("data", "mali_admin_units.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return Gazetteer(_entries(rows))


# --- giving P-codes to boundary units -----------------------------------------------------------


@dataclass(frozen=True)
class UnmatchedUnit:
    """A boundary unit that could not be given a P-code, and why."""

    source: str | None  # file#feature, as the reader recorded it
    name: str
    level: Level
    parent_pcode: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.level} {self.name!r}: {self.reason}"


@dataclass
class PcodeAssignment:
    """The units with their P-codes, and those left without one."""

    units: list[AdminUnit]
    unmatched: list[UnmatchedUnit]

    def summary(self) -> str:
        """A few lines for the analyst: how many units were matched and what was not."""
        lines = [f"{len(self.units)} units with a P-code, {len(self.unmatched)} without"]
        lines += [f"  - {u}" for u in self.unmatched]
        return "\n".join(lines)


def _upper_level(level: Level) -> Level | None:
    n = LEVELS.index(level)
    return LEVELS[n - 1] if n >= 2 else None


def _spatial_parent(unit: AdminUnit, parents: Sequence[AdminUnit]) -> str | None:
    """The P-code of the parent polygon holding the unit (its largest overlap if the simplified
    borders of the two files disagree)."""
    if unit.geometry is None:
        return None
    candidates = [p for p in parents if p.geometry is not None and p.pcode]
    point = unit.geometry.representative_point()
    inside = [p for p in candidates if p.geometry is not None and p.geometry.covers(point)]
    if len(inside) == 1:
        return inside[0].pcode
    best, best_area = None, 0.0
    for parent in candidates:
        area = shapely.area(shapely.intersection(unit.geometry, parent.geometry))
        if area > best_area:
            best, best_area = parent.pcode, float(area)
    return best


def _parent_of(
    unit: AdminUnit,
    gazetteer: Gazetteer,
    parents: Sequence[AdminUnit] | None,
    upper: Level,
) -> tuple[str | None, str | None]:
    """(parent P-code, problem) for a unit: from its parent field (a P-code or a name), else from
    the parent polygons."""
    given = unit.parent_pcode
    if given:
        if given in gazetteer and gazetteer.unit(given).level == upper:
            return given, None
        by_name = gazetteer.find(given, upper)
        if len(by_name) == 1:
            return by_name[0].pcode, None
        return None, f"parent {given!r} is neither a known {upper} P-code nor a {upper} name"
    if parents:
        found = _spatial_parent(unit, parents)
        if found is None:
            return None, f"lies in none of the {upper} polygons given"
        return found, None
    return None, None


def assign_pcodes(
    units: Sequence[AdminUnit],
    gazetteer: Gazetteer | None = None,
    *,
    parents: Sequence[AdminUnit] | None = None,
    on: dt.date | None = None,
) -> PcodeAssignment:
    """Give P-codes to boundary units that have none (geoBoundaries), by name.

    Each unit is matched on its names (``name_fr``, ``name_en``, ``alternates``) against the
    gazetteer units of the same level. For cercles the parent region narrows the search: taken
    from the unit's ``parent_pcode`` (a P-code, or a region name when the file's parent field
    held names), else from ``parents`` (region units with P-codes and polygons — e.g. the
    geoBoundaries ADM1 file after its own assignment): the region whose polygon holds the cercle.
    ``on`` (a date) settles names that changed meaning (the Ménaka cercle before/after 2016)
    when nothing else does.

    Units that already have a P-code keep it. Returned units carry the gazetteer's names (with
    the file's spelling kept among ``alternates``) and parent; units that cannot be matched, or
    that match several units, are listed in ``unmatched`` with the reason. Two units matching
    the same P-code are both reported.
    """
    gazetteer = gazetteer if gazetteer is not None else mali_gazetteer()
    matched: list[AdminUnit] = []
    unmatched: list[UnmatchedUnit] = []
    for unit in units:
        if unit.pcode:
            matched.append(_with_gazetteer_parent(unit, gazetteer))
            continue
        upper = _upper_level(unit.level)
        parent, problem = (None, None)
        if upper is not None:
            parent, problem = _parent_of(unit, gazetteer, parents, upper)
        if problem:
            unmatched.append(UnmatchedUnit(unit.source, unit.name_fr, unit.level, None, problem))
            continue
        found: dict[str, AdminUnit] = {}
        for name in unit.all_names:
            for candidate in gazetteer.find(name, unit.level, parent):
                found[candidate.pcode] = candidate
        if len(found) > 1 and on is not None:
            found = {p: u for p, u in found.items() if gazetteer.entries[p].valid_on(on)}
        if len(found) == 1:
            reference = next(iter(found.values()))
            matched.append(_from_reference(unit, reference))
            continue
        unmatched.append(
            UnmatchedUnit(
                unit.source,
                unit.name_fr,
                unit.level,
                parent,
                _why_unmatched(unit, gazetteer, parent, sorted(found)),
            )
        )
    return _drop_duplicates(matched, unmatched)


def _why_unmatched(
    unit: AdminUnit, gazetteer: Gazetteer, parent: str | None, found: list[str]
) -> str:
    if found:
        return f"matches several units ({', '.join(found)}); give its parent or a date"
    elsewhere = {u.pcode for n in unit.all_names for u in gazetteer.find(n, unit.level)}
    if elsewhere and parent:
        return (
            f"no {unit.level} of that name in {parent}; found in another region "
            f"({', '.join(sorted(elsewhere))})"
        )
    return f"no {unit.level} of that name in the gazetteer (add a spelling to the alias table?)"


def _from_reference(unit: AdminUnit, reference: AdminUnit) -> AdminUnit:
    canonical = {name_key(n) for n in reference.all_names}
    extra = tuple(n for n in unit.all_names if name_key(n) not in canonical)
    return replace(
        unit,
        pcode=reference.pcode,
        name_fr=reference.name_fr,
        name_en=reference.name_en,
        parent_pcode=reference.parent_pcode,
        alternates=tuple(dict.fromkeys((*reference.alternates, *extra))),
    )


def _with_gazetteer_parent(unit: AdminUnit, gazetteer: Gazetteer) -> AdminUnit:
    if unit.parent_pcode or unit.pcode not in gazetteer:
        return unit
    return replace(unit, parent_pcode=gazetteer.unit(unit.pcode).parent_pcode)


def _drop_duplicates(matched: list[AdminUnit], unmatched: list[UnmatchedUnit]) -> PcodeAssignment:
    count: dict[str, int] = {}
    for unit in matched:
        count[unit.pcode] = count.get(unit.pcode, 0) + 1
    kept = []
    for unit in matched:
        if count[unit.pcode] == 1:
            kept.append(unit)
            continue
        others = [u.source or u.name_fr for u in matched if u.pcode == unit.pcode and u != unit]
        unmatched.append(
            UnmatchedUnit(
                unit.source,
                unit.name_fr,
                unit.level,
                unit.parent_pcode,
                f"{unit.pcode} matched by several units (also {', '.join(map(str, others))})",
            )
        )
    return PcodeAssignment(kept, unmatched)
