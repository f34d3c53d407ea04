"""UCDP Georeferenced Event Dataset (GED) CSV exports.

UCDP events map onto Sentinelle's events as follows (documented in docs/data.md):
``id`` → source id; ``date_start`` → event date; ``type_of_violence`` → event type through
``domain/data/ucdp_violence_types.csv`` (one-sided violence is violence against civilians);
``side_a``/``side_b`` → actors; ``best``/``low``/``high`` → fatalities; ``where_prec`` and
``date_prec`` → ACLED-style geographic and time precision; ``adm_1``/``adm_2`` → admin names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from sentinelle.domain.events import EventFrame
from sentinelle.domain.vocabulary import sub_event_types, ucdp_violence_types
from sentinelle.readers.fields import CellChecker
from sentinelle.readers.keyed import KeyedReader
from sentinelle.readers.problems import FileRejected, ProblemLog, ReadStats
from sentinelle.readers.tabular import DEFAULT_CHUNK_ROWS, TEXT, TableFile

SOURCE = "ucdp"
REQUIRED = ("id", "type_of_violence", "date_start", "latitude", "longitude", "best")
_ADMIN_SUFFIX = re.compile(
    r"\s+(region|cercle|province|district|department|département|commune)$", re.IGNORECASE
)


def is_ucdp_ged(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return set(REQUIRED) <= names


def _precision(values: pd.Series, cuts: dict[int, int]) -> pd.Series:
    mapped = values.map(lambda v: cuts.get(int(v)) if pd.notna(v) else pd.NA)
    return mapped.astype("Int8")


class UcdpExport(KeyedReader):
    """A UCDP GED CSV (or XLSX) export opened for reading."""

    def __init__(
        self, path: str | Path, vintage: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
    ) -> None:
        self.table = TableFile(path, chunk_rows=chunk_rows)
        self.file = self.table.name
        self.vintage = vintage or Path(path).name
        if not is_ucdp_ged(self.table.header):
            missing = sorted(set(REQUIRED) - {h.strip().lower() for h in self.table.header})
            raise FileRejected(
                path, f"not a UCDP GED export: missing column(s) {', '.join(missing)}"
            )
        self.stats = ReadStats()
        self.key = "id"
        self.key_label = "UCDP id"
        self.total_rows: int | None = None
        self.variant = f"UCDP GED, {self.table.kind.upper()}"

    def _chunks(self) -> Iterator[pd.DataFrame]:
        for chunk in self.table.chunks():
            yield chunk.rename(columns={c: c.strip().lower() for c in chunk.columns})

    def _content_columns(self) -> list[str]:
        return [h.strip().lower() for h in self.table._columns()]

    def _convert(self, chunk: pd.DataFrame, problems: ProblemLog) -> EventFrame:
        if chunk.empty:
            return EventFrame.empty()
        c = CellChecker(self.file, chunk, problems)
        out = pd.DataFrame(index=chunk.index)
        out["source"] = pd.Series(SOURCE, index=chunk.index, dtype=TEXT)
        out["source_id"] = c.text("id")
        c.required("id", out["source_id"], "the UCDP event id")
        out["vintage"] = pd.Series(self.vintage, index=chunk.index, dtype=TEXT)
        start = c.date("date_start")
        end = c.date("date_end", required=False)
        c.report(
            (end < start).to_numpy(dtype=bool, na_value=False),
            "date_end",
            c.text("date_end"),
            "ends before date_start",
        )
        out["event_date"] = start
        violence = c.number("type_of_violence", integer=True, minimum=1, maximum=3, required=True)
        table = ucdp_violence_types()
        out["event_type"] = violence.map(lambda v: table[int(v)][1] if v in table else pd.NA)
        out["sub_event_type"] = violence.map(lambda v: table[int(v)][2] if v in table else pd.NA)
        out["original_event_type"] = violence.map(
            lambda v: f"UCDP {table[int(v)][0].label_en}" if v in table else pd.NA
        )
        pairs = sub_event_types()
        out["disorder_type"] = [
            pairs[(t, s)].disorder_type if (t, s) in pairs else pd.NA
            for t, s in zip(out["event_type"], out["sub_event_type"], strict=True)
        ]
        out["civilian_targeting"] = (violence == 3).astype("boolean")
        out["actor1"] = c.text("side_a")
        out["actor2"] = c.text("side_b")
        out["country"] = c.text("country")
        out["admin1"] = c.text("adm_1").str.replace(_ADMIN_SUFFIX, "", regex=True)
        out["admin2"] = c.text("adm_2").str.replace(_ADMIN_SUFFIX, "", regex=True)
        out["location"] = c.text("where_coordinates")
        out["notes"] = c.text("where_description")
        out["sources"] = c.text("source_original")
        out["latitude"] = c.number("latitude", minimum=-90, maximum=90, required=True)
        out["longitude"] = c.number("longitude", minimum=-180, maximum=180, required=True)
        where = c.number("where_prec", integer=True, minimum=1, maximum=7)
        out["geo_precision"] = _precision(where, {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 3})
        when = c.number("date_prec", integer=True, minimum=1, maximum=5)
        out["time_precision"] = _precision(when, {1: 1, 2: 2, 3: 2, 4: 3, 5: 3})
        best = c.number("best", integer=True, minimum=0, required=True)
        low = c.number("low", integer=True, minimum=0)
        high = c.number("high", integer=True, minimum=0)
        c.report(
            ((low > best) | (best > high)).to_numpy(dtype=bool, na_value=False),
            "best",
            c.text("best"),
            "the best estimate must lie between low and high",
        )
        out["fatalities"] = best
        out["fatalities_low"] = low
        out["fatalities_high"] = high
        keep = ~c.bad
        self.stats.rejected_rows += int((~keep).sum())
        self.stats.events += int(keep.sum())
        return EventFrame(out[keep])
