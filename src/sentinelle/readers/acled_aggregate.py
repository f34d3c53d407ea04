"""ACLED's published aggregates (as on HDX): events and fatalities per admin unit and month.

Columns: ``Country, Admin1, Admin2, ISO3, Admin2 Pcode, Admin1 Pcode, Month, Year, Events,
Fatalities`` (admin1 files have no Admin2 columns). Sentinelle stores them beside its own counts
to check that what it builds from event exports agrees with what ACLED publishes
(:mod:`sentinelle.agreement`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sentinelle.readers.fields import CellChecker
from sentinelle.readers.problems import FileRejected, ProblemLog, ReadStats
from sentinelle.readers.tabular import TEXT, TableFile

MONTHS = {
    name: number
    for number, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"],
        start=1,
    )
}  # fmt: skip


def _names(header: list[str]) -> dict[str, str]:
    return {h: h.strip().lower().replace(" ", "_") for h in header}


def is_acled_aggregate(header: list[str]) -> bool:
    names = set(_names(header).values())
    return {"month", "year", "events", "fatalities"} <= names and (
        "admin2_pcode" in names or "admin1_pcode" in names
    )


@dataclass(frozen=True)
class AggregateTable:
    """Rows of an aggregate file: ``unit`` (P-code), ``level``, ``month`` (first day),
    ``events``, ``fatalities``, ``row`` (spreadsheet row)."""

    frame: pd.DataFrame
    measure: str


def read_acled_aggregate(
    path: str | Path, measure: str | None = None
) -> tuple[AggregateTable, ProblemLog, ReadStats]:
    table = TableFile(path)
    if not is_acled_aggregate(table.header):
        raise FileRejected(
            path,
            "not an ACLED aggregate: expected columns Admin2 Pcode (or Admin1 Pcode), Month, "
            "Year, Events, Fatalities",
        )
    table.slow_path = True  # exact row numbers; these files are small
    names = _names(table._columns())
    level = "admin2" if "admin2_pcode" in names.values() else "admin1"
    if measure is None:
        stem = Path(path).name.lower()
        measure = "political_violence" if "political_violence" in stem else "events"
    problems = ProblemLog()
    stats = ReadStats()
    parts = []
    for chunk in table.chunks():
        chunk = chunk.rename(columns=names)
        stats.rows += len(chunk)
        c = CellChecker(table.name, chunk, problems)
        unit = c.text(f"{level}_pcode")
        c.required(f"{level}_pcode", unit, "an OCHA P-code such as ML0506")
        bad_code = unit.notna() & ~unit.str.fullmatch(r"[A-Z]{2}\d{2}(\d{2})?").fillna(False)
        c.report(
            bad_code.to_numpy(dtype=bool), f"{level}_pcode", unit, "not a P-code (e.g. ML0506)"
        )
        month_name = c.text("month").str.lower()
        month = month_name.map(lambda m: MONTHS.get(m, pd.NA) if isinstance(m, str) else pd.NA)
        c.report(
            (month_name.notna() & month.isna()).to_numpy(dtype=bool),
            "month",
            c.text("month"),
            "not a month name; expected January ... December",
        )
        year = c.number("year", integer=True, minimum=1900, maximum=2100, required=True)
        events = c.number("events", integer=True, minimum=0, required=True)
        fatalities = c.number("fatalities", integer=True, minimum=0, required=True)
        good = ~c.bad
        first_day = pd.to_datetime(
            {"year": year[good], "month": month[good].astype("float64"), "day": 1},
            errors="coerce",
        )
        parts.append(
            pd.DataFrame(
                {
                    "unit": unit[good].astype(TEXT),
                    "level": level,
                    "month": first_day,
                    "events": events[good].astype("int64"),
                    "fatalities": fatalities[good].astype("int64"),
                    "row": chunk["__row__"][good],
                }
            )
        )
        stats.rejected_rows += int((~good).sum())
    problems.extend(table.problems)
    stats.rows += len(table.problems)
    stats.rejected_rows += len(table.problems)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["unit", "level", "month", "events", "fatalities", "row"])
    )
    repeated = frame.duplicated(["unit", "month"], keep=False)
    if repeated.any():
        clash = frame[repeated]
        for (unit, month), rows in clash.groupby(["unit", "month"])["row"]:
            listed = ", ".join(str(int(r)) for r in rows)
            same = clash.loc[rows.index, ["events", "fatalities"]].drop_duplicates()
            for r in rows.iloc[1:] if len(same) == 1 else rows:
                problems.add(
                    table.name, int(r), "admin2_pcode", unit,
                    f"{unit} {month:%Y-%m} appears in rows {listed}"
                    + ("" if len(same) == 1 else " with different counts; none is used"),
                )  # fmt: skip
        keep_first = ~frame.duplicated(["unit", "month"], keep="first")
        conflicting = (
            frame.groupby(["unit", "month"])[["events", "fatalities"]]
            .transform("nunique")
            .max(axis=1)
            > 1
        )
        dropped = ~keep_first | conflicting
        stats.duplicate_rows += int((~keep_first & ~conflicting).sum())
        stats.rejected_rows += int(conflicting.sum())
        frame = frame[~dropped]
    stats.events = len(frame)
    return AggregateTable(frame.reset_index(drop=True), measure), problems, stats
