"""The mission's own incident reports: a generic CSV/XLSX template with English or French headers.

Template (docs/data.md shows it with an example; headers are matched ignoring case, accents and
spaces, and either language may be used):

====================  ====================  ==========================================
English header        French header         content
====================  ====================  ==========================================
incident_id           id_incident           the mission's reference (required, unique)
date                  date                  2018-03-01, 01 March 2018... (required)
event_type            type_evenement        an ACLED event type, English or French
sub_event_type        sous_type             its sub-type, English or French
actor1 / actor2       acteur1 / acteur2     perpetrator / target as reported
civilian_targeting    civils_cibles         yes/no, oui/non
admin1 / admin2       region / cercle       names of the region and cercle
location              lieu                  village or town
latitude / longitude  latitude / longitude  decimal degrees (or leave blank)
geo_precision         precision_geo         1 exact, 2 near, 3 region only
fatalities            morts                 number killed, 0 if none (required)
source                source                who reported it (no personal names)
notes                 notes                 description
====================  ====================  ==========================================
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sentinelle.domain.events import EventFrame
from sentinelle.domain.vocabulary import event_types, sub_event_types
from sentinelle.readers.fields import CellChecker
from sentinelle.readers.keyed import KeyedReader
from sentinelle.readers.problems import FileRejected, ProblemLog, ReadStats
from sentinelle.readers.tabular import DEFAULT_CHUNK_ROWS, TEXT, TableFile

SOURCE = "mission"
HEADERS: dict[str, tuple[str, ...]] = {
    "incident_id": ("incident_id", "id_incident"),
    "date": ("date",),
    "event_type": ("event_type", "type_evenement"),
    "sub_event_type": ("sub_event_type", "sous_type"),
    "actor1": ("actor1", "acteur1"),
    "actor2": ("actor2", "acteur2"),
    "civilian_targeting": ("civilian_targeting", "civils_cibles"),
    "admin1": ("admin1", "region"),
    "admin2": ("admin2", "cercle"),
    "location": ("location", "lieu"),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "geo_precision": ("geo_precision", "precision_geo"),
    "fatalities": ("fatalities", "morts"),
    "source": ("source",),
    "notes": ("notes",),
}
REQUIRED = ("incident_id", "date", "event_type", "fatalities")
YES = {"yes", "oui", "y", "o", "true", "vrai", "1"}
NO = {"no", "non", "n", "false", "faux", "0"}


def header_key(name: str) -> str:
    """Header comparison key: lower case, no accents, spaces and dashes as underscores."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.strip().lower().replace(" ", "_").replace("-", "_")


def _header_map(header: list[str]) -> dict[str, str]:
    """File header → template field."""
    lookup = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
    return {h: lookup[header_key(h)] for h in header if header_key(h) in lookup}


def is_incident_template(header: list[str]) -> bool:
    return set(REQUIRED) <= set(_header_map(header).values())


def _label_lookup() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    types = {}
    for code, kind in event_types().items():
        for text in (code, kind.label_en, kind.label_fr):
            types[header_key(text)] = code
    subs = {}
    for (event_type, code), sub in sub_event_types().items():
        for text in (code, sub.label_en, sub.label_fr):
            subs[(event_type, header_key(text))] = code
    return types, subs


class IncidentReport(KeyedReader):
    """A file in the mission incident template, opened for reading."""

    def __init__(
        self, path: str | Path, vintage: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
    ) -> None:
        self.table = TableFile(path, chunk_rows=chunk_rows)
        self.file = self.table.name
        self.vintage = vintage or Path(path).name
        self.rename = _header_map(self.table._columns())
        missing = [f for f in REQUIRED if f not in self.rename.values()]
        if missing:
            expected = ", ".join(f"{HEADERS[f][0]} / {HEADERS[f][-1]}" for f in missing)
            raise FileRejected(path, f"not a mission incident file: missing column(s) {expected}")
        self.stats = ReadStats()
        self.key = "incident_id"
        self.key_label = "incident id"
        self.total_rows: int | None = None
        self.variant = f"mission incident template, {self.table.kind.upper()}"

    def _chunks(self) -> Iterator[pd.DataFrame]:
        for chunk in self.table.chunks():
            yield chunk.rename(columns=self.rename)

    def _content_columns(self) -> list[str]:
        return list(dict.fromkeys(self.rename.values()))

    def _convert(self, chunk: pd.DataFrame, problems: ProblemLog) -> EventFrame:
        if chunk.empty:
            return EventFrame.empty()
        c = CellChecker(self.file, chunk, problems)
        types, subs = _label_lookup()
        out = pd.DataFrame(index=chunk.index)
        out["source"] = pd.Series(SOURCE, index=chunk.index, dtype=TEXT)
        out["source_id"] = c.text("incident_id")
        c.required("incident_id", out["source_id"], "the mission's incident reference")
        out["vintage"] = pd.Series(self.vintage, index=chunk.index, dtype=TEXT)
        out["event_date"] = c.date("date")
        raw_type = c.text("event_type")
        c.required("event_type", raw_type, "an event type such as 'Violence against civilians'")
        event_type = raw_type.map(lambda t: types.get(header_key(t), pd.NA) if pd.notna(t) else t)
        c.report(
            raw_type.notna().to_numpy() & event_type.isna().to_numpy(),
            "event_type",
            raw_type,
            f"unknown event type; expected one of {', '.join(sorted(event_types()))} "
            "(English or French)",
        )
        raw_sub = c.text("sub_event_type")
        sub_type = pd.Series(
            [
                subs.get((t, header_key(s)), pd.NA) if pd.notna(t) and pd.notna(s) else pd.NA
                for t, s in zip(event_type, raw_sub, strict=True)
            ],
            index=chunk.index,
            dtype=TEXT,
        )
        c.report(
            raw_sub.notna().to_numpy() & event_type.notna().to_numpy() & sub_type.isna().to_numpy(),
            "sub_event_type",
            raw_sub,
            "not a sub-event type of this event type (see docs/data.md)",
        )
        out["event_type"] = event_type.astype(TEXT)
        out["sub_event_type"] = sub_type
        pairs = sub_event_types()
        out["disorder_type"] = [
            pairs[(t, s)].disorder_type if (t, s) in pairs else pd.NA
            for t, s in zip(out["event_type"], sub_type, strict=True)
        ]
        for column in ("actor1", "actor2", "admin1", "admin2", "location", "notes"):
            out[column] = c.text(column)
        out["sources"] = c.text("source")
        flag = c.text("civilian_targeting").str.lower()
        known = flag.isin(YES | NO).to_numpy(dtype=bool, na_value=False)
        c.report(
            flag.notna().to_numpy() & ~known,
            "civilian_targeting",
            flag,
            "expected yes/no (oui/non)",
        )
        out["civilian_targeting"] = flag.map(
            lambda v: True if v in YES else (False if v in NO else pd.NA)
        ).astype("boolean")
        out["latitude"] = c.number("latitude", minimum=-90, maximum=90)
        out["longitude"] = c.number("longitude", minimum=-180, maximum=180)
        half = out["latitude"].isna().to_numpy() != out["longitude"].isna().to_numpy()
        c.report(half, "latitude, longitude", c.text("latitude"), "give both coordinates or none")
        no_place = (out["latitude"].isna() & out["admin1"].isna() & out["admin2"].isna()).to_numpy()
        c.report(
            no_place,
            "latitude, longitude",
            c.text("latitude"),
            "no coordinates and no region/cercle: the incident cannot be placed",
        )
        out["geo_precision"] = c.number("geo_precision", integer=True, minimum=1, maximum=3)
        out["fatalities"] = c.number("fatalities", integer=True, minimum=0, required=True)
        keep = ~c.bad
        self.stats.rejected_rows += int(np.sum(~keep))
        self.stats.events += int(np.sum(keep))
        return EventFrame(out[keep])
