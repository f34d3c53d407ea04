"""Mission deployments (bases, camps, temporary operating bases) from three kinds of file.

The kind is recognised from the header (case, accents and spaces ignored):

**Geo-PKO locations** (Cil et al., e.g. ``geopko_v2.3_minusma_locations.csv``): one or more rows
per mission × year × location (one per deployment map of the year), with ``mission``, ``year``,
``location``, ``latitude``, ``longitude``, ``ave.no.troops`` (the year's average number of troops
at the location) and ``hq`` (0 none, 1 contingent (TCC) HQ, 2 sector HQ, 3 mission HQ). The rows
of one location-year are folded into one observation: troops = the mean of ``ave.no.troops``
(Geo-PKO repeats the same value on every row), HQ = the highest code. A sector or mission HQ
(2, 3) makes the site a ``headquarters``; otherwise it is a ``base``.

**RADPKO bases** (Hunnicutt & Nomikos): one row per mission × base × month (``radpko_bases_cc_m``)
or per year (``radpko_bases_cc_y``, e.g. ``radpko_minusma_bases_yearly.csv``, where ``date`` is the
first month the base was observed that year and the figures are monthly means), with
``mission``, ``base``, ``date``, ``latitude``, ``longitude`` and ``untrp`` (UN troops; police
``unpol`` and observers ``unmob`` are not counted). A file with a ``year`` column in which no base
has two different dates in one year is read per year; otherwise per month. A yearly period starts
on its ``date`` (the first month observed) and ends on 31 December. Every base is a ``base``.

**Sentinelle's template** (CSV or XLSX): one row per site and continuous period of occupation.

===============  ==============================================================================
header           content
===============  ==============================================================================
``mission``      the mission, e.g. MINUSMA (required, at most 40 characters)
``name``         the site's name, e.g. Kidal (required)
``kind``         ``headquarters``, ``base``, ``camp`` or ``temporary_base`` (or their English or
                 French labels, or ``HQ`` / ``TOB``); blank = ``base``
``latitude``     decimal degrees, -90 to 90 (required)
``longitude``    decimal degrees, -180 to 180 (required)
``start_date``   first day of occupation, e.g. 2014-03-01 (required)
``end_date``     last day of occupation; blank while the site is still occupied
``troops``       average number of troops over the period, ≥ 0 (optional)
===============  ==============================================================================

**Stretches.** In Geo-PKO and RADPKO files a site (mission, name and coordinates: a site whose
coordinates change is another site) observed in consecutive periods (years, or months) becomes
one :class:`~sentinelle.domain.deployments.Deployment` per continuous stretch: start = first day
of the first period, end = last day of the last period, troops = the mean of the periods' troops
(those known). A gap of one period or a change of kind starts a new record. Template rows are
records as written; two rows of the same site whose periods overlap are refused (the later one),
exact repeats are merged.

A row with a problem (missing name, coordinates off the globe, a year, date or number that does
not parse, an unknown kind or HQ code, an end before the start, one site and period given twice
with different figures...) is left out and reported (file, row, column, value, reason); every good
row is used. A file whose header matches none of the three kinds is refused whole
(:class:`FileRejected`) with one message listing the expected headers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sentinelle.domain.deployments import Deployment
from sentinelle.domain.vocabulary import deployment_kinds
from sentinelle.readers.fields import CellChecker
from sentinelle.readers.population import header_key
from sentinelle.readers.problems import FileRejected, ProblemLog
from sentinelle.readers.tabular import ROW, TEXT, TableFile

MISSION_LENGTH = 40
"""The store's limit on a mission's name."""
YEARS = (1945, 2100)
HQ_KINDS = {0: "base", 1: "base", 2: "headquarters", 3: "headquarters"}
"""Geo-PKO ``hq`` code → kind: only sector (2) and mission (3) HQs make a headquarters; a
contingent's own HQ (1) sits in a base."""
HQ_EXPECTED = "a Geo-PKO HQ code: 0 none, 1 contingent (TCC) HQ, 2 sector HQ, 3 mission HQ"
KIND_ALIASES = {"hq": "headquarters", "tob": "temporary_base"}
LAT_EXPECTED = "a latitude from -90 to 90 (decimal degrees)"
LON_EXPECTED = "a longitude from -180 to 180 (decimal degrees)"
TROOPS_EXPECTED = "a number of troops ≥ 0"
SITE = ["mission", "name", "latitude", "longitude"]
"""What identifies a site."""


@dataclass(frozen=True)
class Format:
    """A kind of deployments file: its name (also the store's source), its label and headers."""

    name: str
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    order: tuple[str, ...] = ()  # how the headers are listed to people (default: as above)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def describe(self) -> str:
        listed = self.order or self.columns
        names = [f"{c} (optional)" if c in self.optional else c for c in listed]
        return f"{self.label}: {', '.join(names)}"


GEOPKO = Format(
    "geopko",
    "Geo-PKO locations",
    ("mission", "year", "location", "latitude", "longitude", "ave.no.troops"),
    ("hq",),
)
RADPKO = Format(
    "radpko",
    "RADPKO bases",
    ("mission", "base", "date", "latitude", "longitude", "untrp"),
    ("year",),
)
TEMPLATE = Format(
    "template",
    "Sentinelle template",
    ("mission", "name", "latitude", "longitude", "start_date"),
    ("kind", "end_date", "troops"),
    ("mission", "name", "kind", "latitude", "longitude", "start_date", "end_date", "troops"),
)
FORMATS = (GEOPKO, RADPKO, TEMPLATE)


@dataclass(frozen=True)
class DeploymentsRead:
    """The deployments read from one file and how every data row was accounted for:
    ``rows`` = records + merged rows + duplicate rows + rejected rows."""

    file: str
    format: Format
    period: str  # year, month or dates (template)
    deployments: list[Deployment]
    sites: int  # distinct sites among the records
    site_periods: int  # site-years, site-months, or template rows kept
    rows: int
    rejected_rows: int
    duplicate_rows: int
    problems: ProblemLog = field(default_factory=ProblemLog)

    @property
    def merged_rows(self) -> int:
        """Rows folded into the record of another row (same location-year, same stretch)."""
        return self.rows - self.rejected_rows - self.duplicate_rows - len(self.deployments)

    @property
    def first(self) -> dt.date | None:
        return min((d.start for d in self.deployments), default=None)

    @property
    def last(self) -> dt.date | None:
        """The last day of occupation (``None`` when there are no records or a site is still
        occupied)."""
        if not self.deployments or any(d.end is None for d in self.deployments):
            return None
        return max(d.end for d in self.deployments if d.end is not None)


def detect_format(header: list[str]) -> Format | None:
    """The kind of deployments file whose required headers are all in ``header``."""
    keys = {header_key(h) for h in header}
    for fmt in FORMATS:
        if set(fmt.required) <= keys:
            return fmt
    return None


def _refusal(header: list[str]) -> str:
    keys = {header_key(h) for h in header}
    closest = max(FORMATS, key=lambda f: len(set(f.required) & keys))
    missing = [c for c in closest.required if c not in keys]
    found = ", ".join(h for h in header if h) or "none"
    hint = (
        f" (closest: {closest.label}, missing {', '.join(missing)})"
        if len(missing) < len(closest.required)
        else ""
    )
    expected = "; ".join(f.describe() for f in FORMATS)
    return (
        f"not a deployments file{hint}; expected the headers of one of {expected} "
        f"(found: {found[:300]})"
    )


def read_deployments(path: str | Path) -> DeploymentsRead:
    """Read a Geo-PKO, RADPKO or template file into deployment records and the problems of the
    rows left out. Raises :class:`FileRejected` for a file that is none of them."""
    table = TableFile(path)
    table.slow_path = True  # exact row numbers; these files are small
    fmt = detect_format(table.header)
    if fmt is None:
        raise FileRejected(path, _refusal(table.header))
    names: dict[str, str] = {}  # canonical header → the file's column
    for column in table._columns():
        key = header_key(column)
        if key in fmt.columns and key not in names:
            names[key] = column
    problems = ProblemLog()
    rows = 0
    parts = []
    convert = {"geopko": _geopko_rows, "radpko": _radpko_rows, "template": _template_rows}
    for chunk in table.chunks():
        rows += len(chunk)
        parts.append(convert[fmt.name](table.name, chunk, names, problems))
    problems.extend(table.problems)
    rows += len(table.problems)
    frame = pd.concat(parts, ignore_index=True) if parts else _empty()
    good = len(frame)
    if fmt is GEOPKO:
        observed, duplicates = _fold_location_years(frame), 0
        period = "year"
    elif fmt is RADPKO:
        period = _radpko_period(frame, "year" in names)
        observed, duplicates = _radpko_periods(table.name, frame, period, names, problems)
    else:
        observed, duplicates = _template_checks(table.name, frame, names, problems)
        period = "dates"
    kept = len(observed)
    records = (
        _template_records(observed, fmt.name) if fmt is TEMPLATE else _stretches(observed, fmt.name)
    )
    rejected = rows - good + _rejected_after_checks(frame, observed, duplicates, fmt)
    ordered = ProblemLog(sorted(problems, key=lambda p: p.row or 0))
    return DeploymentsRead(
        file=table.name,
        format=fmt,
        period=period,
        deployments=records,
        sites=len({(d.mission, d.name, d.latitude, d.longitude) for d in records}),
        site_periods=kept,
        rows=rows,
        rejected_rows=rejected,
        duplicate_rows=duplicates,
        problems=ordered,
    )


def _rejected_after_checks(
    frame: pd.DataFrame, observed: pd.DataFrame, duplicates: int, fmt: Format
) -> int:
    """Rows that passed the cell checks but were refused afterwards (clashing repeats,
    overlaps). Geo-PKO folds rows without refusing any."""
    if fmt is GEOPKO:
        return 0
    return len(frame) - len(observed) - duplicates


# --- rows → observations ------------------------------------------------------------------------


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mission": pd.Series(dtype=TEXT),
            "name": pd.Series(dtype=TEXT),
            "kind": pd.Series(dtype=TEXT),
            "latitude": pd.Series(dtype="float64"),
            "longitude": pd.Series(dtype="float64"),
            "period": pd.Series(dtype="int64"),
            "start": pd.Series(dtype="datetime64[ns]"),
            "end": pd.Series(dtype="datetime64[ns]"),
            "troops": pd.Series(dtype="float64"),
            "row": pd.Series(dtype="int64"),
        }
    )


def _column(names: dict[str, str], key: str) -> str:
    return names.get(key, key)


def _site(
    c: CellChecker, names: dict[str, str], name_key: str
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Mission, site name, latitude and longitude of every row, with their problems."""
    mission_column = _column(names, "mission")
    mission = c.text(mission_column)
    c.required(mission_column, mission, "the mission's name, e.g. MINUSMA")
    too_long = (mission.str.len() > MISSION_LENGTH).to_numpy(dtype=bool, na_value=False)
    c.report(
        too_long, mission_column, mission, f"expected a mission name of at most {MISSION_LENGTH} "
        "characters",
    )  # fmt: skip
    name_column = _column(names, name_key)
    name = c.text(name_column)
    c.required(name_column, name, "the site's name")
    latitude = c.number(
        _column(names, "latitude"), minimum=-90, maximum=90, required=True, what=LAT_EXPECTED
    )
    longitude = c.number(
        _column(names, "longitude"), minimum=-180, maximum=180, required=True, what=LON_EXPECTED
    )
    return mission, name, latitude, longitude


def _frame(
    chunk: pd.DataFrame,
    keep: np.ndarray,
    mission: pd.Series,
    name: pd.Series,
    kind: pd.Series,
    latitude: pd.Series,
    longitude: pd.Series,
    period: pd.Series,
    start: pd.Series,
    end: pd.Series,
    troops: pd.Series,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mission": mission[keep].astype(TEXT),
            "name": name[keep].astype(TEXT),
            "kind": kind[keep].astype(TEXT),
            "latitude": latitude[keep].astype("float64"),
            "longitude": longitude[keep].astype("float64"),
            "period": period[keep].astype("int64"),
            "start": start[keep].astype("datetime64[ns]"),
            "end": end[keep].astype("datetime64[ns]"),
            "troops": troops[keep].astype("float64"),
            "row": chunk[ROW][keep].astype("int64"),
        }
    )


def _geopko_rows(
    file: str, chunk: pd.DataFrame, names: dict[str, str], problems: ProblemLog
) -> pd.DataFrame:
    c = CellChecker(file, chunk, problems)
    mission, name, latitude, longitude = _site(c, names, "location")
    year = c.number(
        _column(names, "year"), integer=True, minimum=YEARS[0], maximum=YEARS[1], required=True,
        what=f"a year from {YEARS[0]} to {YEARS[1]}",
    )  # fmt: skip
    troops = c.number(_column(names, "ave.no.troops"), minimum=0, what=TROOPS_EXPECTED)
    hq = c.number(_column(names, "hq"), integer=True, minimum=0, maximum=3, what=HQ_EXPECTED)
    keep = ~c.bad
    years = year.fillna(YEARS[0]).astype("int64")
    start = pd.to_datetime(years.astype(str) + "-01-01")
    end = pd.to_datetime(years.astype(str) + "-12-31")
    kind = pd.Series(hq.fillna(0).astype("int64").map(HQ_KINDS), index=chunk.index, dtype=TEXT)
    return _frame(
        chunk, keep, mission, name, kind, latitude, longitude, years, start, end, troops
    ).assign(hq=hq[keep].fillna(0).astype("int64"))


def _fold_location_years(frame: pd.DataFrame) -> pd.DataFrame:
    """One observation per site and year: troops = mean of ``ave.no.troops``, the highest HQ
    code gives the kind."""
    if frame.empty:
        return frame
    grouped = frame.groupby([*SITE, "period"], sort=True, dropna=False)
    folded = grouped.agg(
        start=("start", "first"),
        end=("end", "first"),
        troops=("troops", "mean"),
        hq=("hq", "max"),
        row=("row", "min"),
    ).reset_index()
    folded["kind"] = folded["hq"].map(HQ_KINDS).astype(TEXT)
    return folded.drop(columns="hq")


def _radpko_rows(
    file: str, chunk: pd.DataFrame, names: dict[str, str], problems: ProblemLog
) -> pd.DataFrame:
    c = CellChecker(file, chunk, problems)
    mission, name, latitude, longitude = _site(c, names, "base")
    date = c.date(_column(names, "date"), required=True)
    troops = c.number(_column(names, "untrp"), minimum=0, what=TROOPS_EXPECTED)
    if "year" in names:
        year = c.number(
            names["year"], integer=True, minimum=YEARS[0], maximum=YEARS[1],
            what=f"a year from {YEARS[0]} to {YEARS[1]}",
        )  # fmt: skip
        differs = (year.notna() & date.notna() & (year != date.dt.year)).to_numpy(dtype=bool)
        c.report(
            differs, names["year"], c.text(names["year"]),
            f"not the year of the {names['date']!r} column; expected the same year",
        )  # fmt: skip
    keep = ~c.bad
    month = date.dt.to_period("M").dt.start_time.fillna(pd.Timestamp("2000-01-01"))
    index = (month.dt.year * 12 + month.dt.month - 1).astype("int64")
    kind = pd.Series("base", index=chunk.index, dtype=TEXT)
    return _frame(
        chunk, keep, mission, name, kind, latitude, longitude, index, month, month, troops
    )


def _radpko_period(frame: pd.DataFrame, has_year: bool) -> str:
    """``year`` when the file has a year column and no base has two dates in one year."""
    if not has_year:
        return "month"
    if frame.empty:
        return "year"
    years = frame["start"].dt.year
    dates = frame.assign(year=years).groupby([*SITE, "year"], dropna=False)["start"].nunique()
    return "year" if (dates <= 1).all() else "month"


def _radpko_periods(
    file: str,
    frame: pd.DataFrame,
    period: str,
    names: dict[str, str],
    problems: ProblemLog,
) -> tuple[pd.DataFrame, int]:
    """Set each row's period (year or month) and drop repeats of a site and period."""
    frame = frame.copy()
    if period == "year":
        frame["period"] = frame["start"].dt.year.astype("int64")
        frame["end"] = pd.to_datetime(frame["period"].astype(str) + "-12-31")
    else:
        frame["end"] = frame["start"] + pd.offsets.MonthEnd(0)
    what = "year" if period == "year" else "month"
    return _repeats(
        file, frame, [*SITE, "period"], ["troops"], names.get("base", "base"), what, problems
    )


def _repeats(
    file: str,
    frame: pd.DataFrame,
    key: list[str],
    figures: list[str],
    column: str,
    what: str,
    problems: ProblemLog,
) -> tuple[pd.DataFrame, int]:
    """Merge exact repeats of ``key``; reject every row of a key given with different
    ``figures``."""
    repeated = frame.duplicated(key, keep=False)
    if not repeated.any():
        return frame.reset_index(drop=True), 0
    dropped = pd.Series(False, index=frame.index)
    duplicates = 0
    for _, group in frame[repeated].groupby(key, dropna=False):
        if len(group[figures].astype(str).drop_duplicates()) == 1:
            duplicates += len(group) - 1
            dropped[group.index[1:]] = True
            continue
        dropped[group.index] = True
        rows = ", ".join(str(int(r)) for r in group["row"])
        first = group.iloc[0]
        label = _period_label(first, what)
        for r in group["row"]:
            problems.add(
                file, int(r), column, first["name"],
                f"{first['name']} ({first['mission']}) {label} appears in rows {rows} with "
                "different figures; none is used",
            )  # fmt: skip
    return frame[~dropped].reset_index(drop=True), duplicates


def _period_label(row: pd.Series, what: str) -> str:
    start: pd.Timestamp = row["start"]
    if what == "year":
        return str(start.year)
    if what == "month":
        return f"{start:%Y-%m}"
    end = "" if pd.isna(row["end"]) else f"{row['end']:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}..{end}"


def _kinds() -> dict[str, str]:
    """Accepted kind spellings (lower case) → kind."""
    accepted = dict(KIND_ALIASES)
    for code, term in deployment_kinds().items():
        for spelling in (code, term.label_en, term.label_fr, code.replace("_", " ")):
            accepted[spelling.lower()] = code
    return accepted


def _template_rows(
    file: str, chunk: pd.DataFrame, names: dict[str, str], problems: ProblemLog
) -> pd.DataFrame:
    c = CellChecker(file, chunk, problems)
    mission, name, latitude, longitude = _site(c, names, "name")
    kind_column = _column(names, "kind")
    raw_kind = c.text(kind_column)
    accepted = _kinds()
    kind = raw_kind.str.lower().map(accepted).astype(TEXT)
    unknown = (raw_kind.notna() & kind.isna()).to_numpy(dtype=bool)
    c.report(
        unknown, kind_column, raw_kind,
        f"unknown kind of site; expected one of {', '.join(sorted(deployment_kinds()))}",
    )  # fmt: skip
    kind = kind.fillna("base")
    start = c.date(_column(names, "start_date"), required=True)
    end_column = _column(names, "end_date")
    end = c.date(end_column, required=False)
    before = (start.notna() & end.notna() & (end < start)).to_numpy(dtype=bool)
    c.report(
        before, end_column, c.text(end_column),
        f"before the start date; expected a date on or after {names['start_date']}",
    )  # fmt: skip
    troops = c.number(_column(names, "troops"), minimum=0, what=TROOPS_EXPECTED)
    keep = ~c.bad
    period = pd.Series(0, index=chunk.index, dtype="int64")
    return _frame(chunk, keep, mission, name, kind, latitude, longitude, period, start, end, troops)


def _template_checks(
    file: str, frame: pd.DataFrame, names: dict[str, str], problems: ProblemLog
) -> tuple[pd.DataFrame, int]:
    """Merge exact repeats; refuse a row whose period overlaps an earlier one of its site."""
    if frame.empty:
        return frame, 0
    content = [*SITE, "kind", "start", "end", "troops"]
    repeat = frame.duplicated(content, keep="first")
    duplicates = int(repeat.sum())
    frame = frame[~repeat].sort_values([*SITE, "start", "row"], kind="stable")
    dropped: list[int] = []
    column = _column(names, "start_date")
    for _, site in frame.groupby(SITE, sort=False, dropna=False):
        reach: pd.Timestamp | None = None  # latest end so far (NaT: still occupied)
        reach_row = 0
        for index, item in site.iterrows():
            start, end = item["start"], item["end"]
            if reach is not None and (pd.isna(reach) or start <= reach):
                dropped.append(index)
                problems.add(
                    file, int(item["row"]), column, f"{start:%Y-%m-%d}",
                    f"{item['name']} ({item['mission']}) is already occupied on this date by "
                    f"row {reach_row}; expected one row per continuous period of occupation",
                )  # fmt: skip
                continue
            if reach is None or pd.isna(end) or end > reach:
                reach, reach_row = end, int(item["row"])
    kept = frame.drop(index=dropped).sort_values("row", kind="stable")
    return kept.reset_index(drop=True), duplicates


# --- observations → records ---------------------------------------------------------------------


def _optional(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def _day(value: pd.Timestamp) -> dt.date | None:
    return None if pd.isna(value) else value.date()


def _stretches(observed: pd.DataFrame, source: str) -> list[Deployment]:
    """One record per site, kind and run of consecutive periods."""
    if observed.empty:
        return []
    frame = observed.sort_values([*SITE, "period"], kind="stable").reset_index(drop=True)
    site = frame.groupby(SITE, sort=False, dropna=False).ngroup().to_numpy()
    kind = frame["kind"].to_numpy(dtype=object)
    period = frame["period"].to_numpy()
    goes_on = np.zeros(len(frame), dtype=bool)
    goes_on[1:] = (
        (site[1:] == site[:-1]) & (period[1:] == period[:-1] + 1) & (kind[1:] == kind[:-1])
    )
    frame["stretch"] = np.cumsum(~goes_on)
    stretches = frame.groupby("stretch", sort=True).agg(
        mission=("mission", "first"),
        name=("name", "first"),
        kind=("kind", "first"),
        latitude=("latitude", "first"),
        longitude=("longitude", "first"),
        start=("start", "first"),
        end=("end", "last"),
        troops=("troops", "mean"),
        row=("row", "min"),
    )
    stretches = stretches.sort_values(["row", "start"], kind="stable")
    return [
        Deployment(
            mission=str(s.mission),
            name=str(s.name),
            kind=str(s.kind),
            latitude=float(s.latitude),
            longitude=float(s.longitude),
            start=s.start.date(),
            end=_day(s.end),
            troops=_optional(s.troops),
            source=source,
        )
        for s in stretches.itertuples()
    ]


def _template_records(observed: pd.DataFrame, source: str) -> list[Deployment]:
    return [
        Deployment(
            mission=str(r.mission),
            name=str(r.name),
            kind=str(r.kind),
            latitude=float(r.latitude),
            longitude=float(r.longitude),
            start=r.start.date(),
            end=_day(r.end),
            troops=_optional(r.troops),
            source=source,
        )
        for r in observed.itertuples()
    ]
