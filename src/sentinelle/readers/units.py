"""Units with mobile capacity (quick reaction forces, mobile task forces, companies,
helicopter-borne units) from Sentinelle's template, CSV or XLSX.

One header row (case, accents and spaces ignored; other columns are ignored), one row per unit
and continuous period of availability:

===============  ==============================================================================
header           content
===============  ==============================================================================
``mission``      the mission, e.g. MINUSMA (required, at most 40 characters)
``name``         the unit's name, e.g. QRF Sector East (required)
``kind``         a code of ``domain/data/unit_kinds.csv`` (``quick_reaction_force``,
                 ``mobile_task_force``, ``infantry_company``, ``special_forces``, ``aviation``,
                 ``engineers``, ``other``), its English or French label, or ``QRF`` / ``MTF``
                 (required; case and accents ignored)
``home_site``    the site the unit deploys from, e.g. Gao (optional)
``troops``       the unit's troops, a whole number from 1 to 100,000 (required)
``mobile``       whether it can move to another area: yes/no, oui/non, true/false, 1/0
                 (optional; blank = yes)
``start_date``   first day the unit is available, e.g. 2018-01-01 (required)
``end_date``     last day it is available; blank while it still is (optional)
===============  ==============================================================================

A row with a problem (a required value missing, an unknown kind or ``mobile`` value, troops that
are not a whole number from 1 to 100,000, a date that does not parse, an end before the start, a
unit whose period overlaps an earlier row of the same unit) is left out and reported (file, row,
column, value, reason); every good row is used. Exact repeats of a row are merged. A file without
the required columns is refused whole (:class:`FileRejected`) with the expected columns listed.
The CSV is read by the shared :class:`~sentinelle.readers.tabular.TableFile` (UTF-8 with or
without BOM, or Windows-1252).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sentinelle.domain.units import UnitRecord
from sentinelle.domain.vocabulary import unit_kinds
from sentinelle.readers.fields import CellChecker
from sentinelle.readers.population import header_key
from sentinelle.readers.problems import FileRejected, ProblemLog
from sentinelle.readers.tabular import ROW, TEXT, TableFile

SOURCE = "template"
"""The store's source for units read from the template."""
MISSION_LENGTH = 40
"""The store's limit on a mission's name."""
MAX_TROOPS = 100_000
REQUIRED = ("mission", "name", "kind", "troops", "start_date")
OPTIONAL = ("home_site", "mobile", "end_date")
ORDER = ("mission", "name", "kind", "home_site", "troops", "mobile", "start_date", "end_date")
"""How the columns are listed to people."""
KIND_ALIASES = {"qrf": "quick_reaction_force", "mtf": "mobile_task_force"}
MOBILE_VALUES = {
    "yes": True,
    "oui": True,
    "true": True,
    "1": True,
    "no": False,
    "non": False,
    "false": False,
    "0": False,
}
TROOPS_EXPECTED = f"a whole number of troops from 1 to {MAX_TROOPS:,}"
MOBILE_EXPECTED = "yes or no (oui/non, true/false, 1/0); blank = yes"


@dataclass(frozen=True)
class UnitsRead:
    """The units read from one file and how every data row was accounted for:
    ``rows`` = units + duplicate rows + rejected rows."""

    file: str
    units: list[UnitRecord]
    rows: int
    rejected_rows: int
    duplicate_rows: int
    problems: ProblemLog = field(default_factory=ProblemLog)

    @property
    def missions(self) -> list[str]:
        """The missions of the units read, as the file writes them (first spelling), sorted."""
        seen: dict[str, str] = {}
        for u in self.units:
            seen.setdefault(u.mission.casefold(), u.mission)
        return sorted(seen.values())

    @property
    def first(self) -> dt.date | None:
        return min((u.start for u in self.units), default=None)

    @property
    def last(self) -> dt.date | None:
        """The last day of availability (``None`` when there are no units or one is open)."""
        if not self.units or any(u.end is None for u in self.units):
            return None
        return max(u.end for u in self.units if u.end is not None)


def describe_columns() -> str:
    """The template's columns as listed to people."""
    return ", ".join(f"{c} (optional)" if c in OPTIONAL else c for c in ORDER)


def _refusal(header: list[str], missing: list[str]) -> str:
    found = ", ".join(h for h in header if h) or "none"
    hint = ""
    if len([h for h in header if h]) == 1 and ";" in found:
        hint = (
            "; the columns seem separated by semicolons: save the file as CSV with commas "
            "(or as XLSX)"
        )
    return (
        f"not a mobile units file: missing column(s) {', '.join(missing)}; expected the columns "
        f"{describe_columns()} (found: {found[:300]}){hint}"
    )


def _plain(text: str) -> str:
    """Lower case without accents: how kinds are compared."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip().lower()


def accepted_kinds() -> dict[str, str]:
    """Accepted kind spellings (lower case, no accents) → kind code."""
    accepted = dict(KIND_ALIASES)
    for code, term in unit_kinds().items():
        for spelling in (code, code.replace("_", " "), term.label_en, term.label_fr):
            accepted[_plain(spelling)] = code
    return accepted


def read_units(path: str | Path) -> UnitsRead:
    """Read a units template into unit records and the problems of the rows left out. Raises
    :class:`FileRejected` for a file without the required columns."""
    table = TableFile(path)
    table.slow_path = True  # exact row numbers; these files are small
    keys = {header_key(h) for h in table.header}
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise FileRejected(path, _refusal(table.header, missing))
    names: dict[str, str] = {}  # canonical header → the file's column
    for column in table._columns():
        key = header_key(column)
        if key in REQUIRED + OPTIONAL and key not in names:
            names[key] = column
    problems = ProblemLog()
    rows = 0
    parts = []
    for chunk in table.chunks():
        rows += len(chunk)
        parts.append(_rows(table.name, chunk, names, problems))
    problems.extend(table.problems)
    rows += len(table.problems)
    frame = pd.concat(parts, ignore_index=True) if parts else _empty()
    good = len(frame)
    kept, duplicates = _overlaps(table.name, frame, names, problems)
    rejected = rows - good + (good - len(kept) - duplicates)
    return UnitsRead(
        file=table.name,
        units=_records(kept),
        rows=rows,
        rejected_rows=rejected,
        duplicate_rows=duplicates,
        problems=ProblemLog(sorted(problems, key=lambda p: p.row or 0)),
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mission": pd.Series(dtype=TEXT),
            "name": pd.Series(dtype=TEXT),
            "kind": pd.Series(dtype=TEXT),
            "home_site": pd.Series(dtype=TEXT),
            "troops": pd.Series(dtype="int64"),
            "mobile": pd.Series(dtype="bool"),
            "start": pd.Series(dtype="datetime64[ns]"),
            "end": pd.Series(dtype="datetime64[ns]"),
            "row": pd.Series(dtype="int64"),
        }
    )


def _rows(
    file: str, chunk: pd.DataFrame, names: dict[str, str], problems: ProblemLog
) -> pd.DataFrame:
    c = CellChecker(file, chunk, problems)
    mission_column = names["mission"]
    mission = c.text(mission_column)
    c.required(mission_column, mission, "the mission's name, e.g. MINUSMA")
    too_long = (mission.str.len() > MISSION_LENGTH).to_numpy(dtype=bool, na_value=False)
    c.report(
        too_long, mission_column, mission,
        f"expected a mission name of at most {MISSION_LENGTH} characters",
    )  # fmt: skip
    name = c.text(names["name"])
    c.required(names["name"], name, "the unit's name")

    kind_column = names["kind"]
    raw_kind = c.text(kind_column)
    c.required(kind_column, raw_kind, f"a kind of unit, one of {', '.join(unit_kinds())}")
    accepted = accepted_kinds()
    kind = pd.Series(
        [None if pd.isna(v) else accepted.get(_plain(v)) for v in raw_kind],
        index=chunk.index,
        dtype=TEXT,
    )
    c.report(
        (raw_kind.notna() & kind.isna()).to_numpy(dtype=bool), kind_column, raw_kind,
        f"unknown kind of unit; expected one of {', '.join(unit_kinds())} "
        "(or their English or French labels)",
    )  # fmt: skip

    home_site = c.text(names.get("home_site", "home_site"))

    troops_column = names["troops"]
    troops = c.number(troops_column, integer=True, required=True, what=TROOPS_EXPECTED)
    values = troops.to_numpy()
    whole = ~np.isnan(values) & (values == np.floor(values))
    c.report(
        whole & ((values < 1) | (values > MAX_TROOPS)), troops_column, c.text(troops_column),
        f"expected {TROOPS_EXPECTED}",
    )  # fmt: skip

    mobile_column = names.get("mobile", "mobile")
    raw_mobile = c.text(mobile_column)
    spelled = [None if pd.isna(v) else MOBILE_VALUES.get(v.lower(), "?") for v in raw_mobile]
    c.report(
        np.array([v == "?" for v in spelled], dtype=bool), mobile_column, raw_mobile,
        f"unknown mobile value; expected {MOBILE_EXPECTED}",
    )  # fmt: skip
    mobile = pd.Series([v is not False for v in spelled], index=chunk.index, dtype="bool")

    start = c.date(names["start_date"], required=True)
    end_column = names.get("end_date", "end_date")
    end = c.date(end_column, required=False)
    c.report(
        (start.notna() & end.notna() & (end < start)).to_numpy(dtype=bool), end_column,
        c.text(end_column), f"before the start date; expected a date on or after "
        f"{names['start_date']}",
    )  # fmt: skip
    keep = ~c.bad
    return pd.DataFrame(
        {
            "mission": mission[keep].astype(TEXT),
            "name": name[keep].astype(TEXT),
            "kind": kind[keep].astype(TEXT),
            "home_site": home_site[keep].astype(TEXT),
            "troops": troops[keep].astype("int64"),
            "mobile": mobile[keep],  # blank = yes
            "start": start[keep].astype("datetime64[ns]"),
            "end": end[keep].astype("datetime64[ns]"),
            "row": chunk[ROW][keep].astype("int64"),
        }
    )


def _overlaps(
    file: str, frame: pd.DataFrame, names: dict[str, str], problems: ProblemLog
) -> tuple[pd.DataFrame, int]:
    """Merge exact repeats; refuse a row whose period overlaps an earlier one of the same unit
    (same mission and name, case ignored)."""
    if frame.empty:
        return frame, 0
    content = ["mission", "name", "kind", "home_site", "troops", "mobile", "start", "end"]
    repeat = frame.astype({"home_site": object}).duplicated(content, keep="first")
    duplicates = int(repeat.sum())
    frame = frame[~repeat].assign(
        _mission=frame["mission"].str.casefold(), _name=frame["name"].str.casefold()
    )
    frame = frame.sort_values(["_mission", "_name", "start", "row"], kind="stable")
    dropped: list[int] = []
    column = names["start_date"]
    for _, unit in frame.groupby(["_mission", "_name"], sort=False):
        reach: pd.Timestamp | None = None  # latest end so far (NaT: still available)
        reach_row = 0
        for index, item in unit.iterrows():
            start, end = item["start"], item["end"]
            if reach is not None and (pd.isna(reach) or start <= reach):
                dropped.append(index)
                problems.add(
                    file, int(item["row"]), column, f"{start:%Y-%m-%d}",
                    f"{item['name']} ({item['mission']}) is already available on this date "
                    f"(row {reach_row}); expected one row per unit and continuous period",
                )  # fmt: skip
                continue
            if reach is None or pd.isna(end) or end > reach:
                reach, reach_row = end, int(item["row"])
    kept = frame.drop(index=dropped).drop(columns=["_mission", "_name"])
    return kept.sort_values("row", kind="stable").reset_index(drop=True), duplicates


def _records(frame: pd.DataFrame) -> list[UnitRecord]:
    return [
        UnitRecord(
            mission=str(r.mission),
            name=str(r.name),
            kind=str(r.kind),
            troops=int(r.troops),
            start=r.start.date(),
            end=None if pd.isna(r.end) else r.end.date(),
            home_site=None if pd.isna(r.home_site) else str(r.home_site),
            mobile=bool(r.mobile),
            source=SOURCE,
        )
        for r in frame.itertuples()
    ]
