"""ACLED event exports, in every variant users have.

* **dyadic** (one row per event, ``actor1`` and ``actor2``) and **monadic** (one row per actor, no
  ``actor2`` column): monadic rows of the same ``event_id_cnty`` are merged back into one event —
  the first row gives ``actor1``, the second ``actor2`` (the order ACLED writes them);
* the **pre-2019 taxonomy** (e.g. "Remote violence", "Battle-No change of territory", no
  ``sub_event_type`` column) mapped to the current event types with the documented table
  ``domain/data/acled_pre2019_taxonomy.csv`` (sub-types refined from the notes by the keyword table
  ``acled_pre2019_subtypes.csv``); the original type is kept in ``original_event_type``;
* stray index columns (blank or ``Unnamed: 0`` headers) and unknown columns are ignored;
* dates such as ``2018-03-01``, ``01 March 2018`` or ``22-February-2019``; CSV or XLSX;
* newer columns (``civilian_targeting``, ``disorder_type``, ``tags``) used when present.

Reading is two passes over the file, chunk by chunk, so memory stays flat for very large exports:
the first finds repeated event ids (exact repeats are merged; repeats with different content are
rejected, every copy, since neither can be trusted); the second parses, validates and yields
:class:`EventFrame` batches together with the problems of their rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sentinelle.domain.events import EventFrame
from sentinelle.domain.vocabulary import (
    country_bounds,
    event_types,
    pre2019_subtype_keywords,
    pre2019_taxonomy,
    sub_event_types,
)
from sentinelle.readers.fields import CellChecker
from sentinelle.readers.problems import FileRejected, ProblemLog, ReadStats
from sentinelle.readers.repeats import Repeats, scan_repeats
from sentinelle.readers.tabular import DEFAULT_CHUNK_ROWS, ROW, TEXT, TableFile

SOURCE = "acled"
REQUIRED = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "actor1",
    "latitude",
    "longitude",
    "fatalities",
)
KNOWN = frozenset(
    {
        *REQUIRED,
        "data_id", "iso", "iso3", "event_id_no_cnty", "year", "time_precision", "disorder_type",
        "sub_event_type", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
        "interaction", "civilian_targeting", "region", "country", "admin1", "admin2", "admin3",
        "location", "geo_precision", "source", "source_scale", "notes", "tags", "timestamp",
    }
)  # fmt: skip
ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "inter1")
COUNTRY_MARGIN = 0.25  # degrees around a country's bounding box


def _normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _is_stray_index(name: str) -> bool:
    return (
        name == ""
        or name.startswith("unnamed")
        or name.startswith("__column_")
        or name
        in {
            "index",
            "...1",
        }
    )


class AcledExport:
    """An ACLED export opened for reading. The constructor refuses, with one clear
    :class:`FileRejected`, a file that is not an ACLED export."""

    def __init__(
        self,
        path: str | Path,
        vintage: str | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self.table = TableFile(path, chunk_rows=chunk_rows)
        self.file = self.table.name
        self.vintage = vintage or Path(path).name
        names = [_normalise(h) for h in self.table._columns()]
        self.rename = dict(zip(self.table._columns(), names, strict=True))
        present = set(names)
        missing = [c for c in REQUIRED if c not in present]
        if missing:
            found = ", ".join(h for h in self.table.header if h) or "none"
            raise FileRejected(
                path,
                f"not an ACLED export: missing column(s) {', '.join(missing)} "
                f"(found: {found[:300]})",
            )
        self.ignored_columns = sorted(
            h for h, n in zip(self.table.header, names, strict=True) if n not in KNOWN
        )
        self.monadic = "actor2" not in present
        self.current_taxonomy = "sub_event_type" in present
        self.columns = [n for n in names if n in KNOWN]
        self.stats = ReadStats()
        self.total_rows: int | None = None  # known once the first pass is done
        self.variant = ", ".join(
            (
                "monadic" if self.monadic else "dyadic",
                "current taxonomy" if self.current_taxonomy else "pre-2019 taxonomy",
                self.table.kind.upper(),
            )
        )

    # -- pass 1 ------------------------------------------------------------------------------
    def _chunks(self) -> Iterator[pd.DataFrame]:
        for chunk in self.table.chunks():
            chunk = chunk.rename(columns=self.rename)
            yield chunk[[*self.columns, ROW]]

    def _scan(self) -> Repeats:
        content = [c for c in self.columns if not (self.monadic and c in ACTOR_COLUMNS)]
        return scan_repeats(
            self.table,
            self._chunks,
            "event_id_cnty",
            content=content,
            full=self.columns,
            pairs=self.monadic,
            label="event id",
        )

    # -- pass 2 ------------------------------------------------------------------------------
    def batches(self) -> Iterator[tuple[EventFrame, ProblemLog]]:
        """Validated events, batch by batch, with the problems found in each batch's rows."""
        repeats = self._scan()
        expected = repeats.sizes[repeats.sizes > 1].astype(int).to_dict() if self.monadic else {}
        self.stats = ReadStats()
        self.total_rows = repeats.rows + len(self.table.problems)
        carry: pd.DataFrame | None = None
        for chunk in self._chunks():
            problems = ProblemLog()
            self.stats.rows += len(chunk)
            chunk, duplicates, conflicts = repeats.split(
                chunk, self.file, "event_id_cnty", problems
            )
            self.stats.duplicate_rows += duplicates
            self.stats.rejected_rows += conflicts
            if self.monadic:
                if carry is not None:
                    chunk = pd.concat([carry, chunk], ignore_index=True)
                chunk, carry = _complete_groups(chunk, expected)
            yield self._convert(chunk, problems), problems
        if carry is not None and len(carry):
            problems = ProblemLog()
            yield self._convert(carry, problems), problems
        for problem in self.table.problems:  # rows with the wrong number of fields
            self.stats.rows += 1
            self.stats.rejected_rows += 1
            yield EventFrame.empty(), ProblemLog([problem])

    def _convert(self, chunk: pd.DataFrame, problems: ProblemLog) -> EventFrame:
        chunk = chunk.reset_index(drop=True)
        if chunk.empty:
            return EventFrame.empty()
        c = CellChecker(self.file, chunk, problems)
        out = pd.DataFrame(index=chunk.index)
        out["source"] = pd.Series(SOURCE, index=chunk.index, dtype=TEXT)
        out["source_id"] = c.text("event_id_cnty")
        c.required("event_id_cnty", out["source_id"], "an ACLED event id such as MLI1234")
        out["vintage"] = pd.Series(self.vintage, index=chunk.index, dtype=TEXT)
        out["event_date"] = c.date("event_date")
        out["time_precision"] = c.number("time_precision", integer=True, minimum=1, maximum=3)
        self._event_types(c, out)
        out["actor1"] = c.text("actor1")
        c.required("actor1", out["actor1"], "the name of the first actor")
        for column in ("assoc_actor_1", "actor2", "assoc_actor_2", "country", "admin1", "admin2",
                       "admin3", "location", "source_scale", "notes", "tags"):  # fmt: skip
            out[column] = c.text(column)
        out["sources"] = c.text("source")
        for column in ("inter1", "inter2"):
            out[column] = c.number(column, integer=True, minimum=0, maximum=8)
        out["interaction"] = c.number("interaction", integer=True, minimum=0, maximum=88)
        out["latitude"] = c.number(
            "latitude", minimum=-90, maximum=90, required=True,
            what="a latitude from -90 to 90 (decimal degrees)",
        )  # fmt: skip
        out["longitude"] = c.number(
            "longitude", minimum=-180, maximum=180, required=True,
            what="a longitude from -180 to 180 (decimal degrees)",
        )  # fmt: skip
        self._country_check(c, chunk, out)
        out["geo_precision"] = c.number("geo_precision", integer=True, minimum=1, maximum=3)
        out["fatalities"] = c.number("fatalities", integer=True, minimum=0, required=True)
        out["source_timestamp"] = c.number(
            "timestamp", integer=True, minimum=0, what="a Unix time in seconds"
        )
        if "civilian_targeting" in chunk.columns:
            flag = c.text("civilian_targeting")
            known = flag.str.lower().isin(["civilian targeting", "true", "yes", "1"])
            out["civilian_targeting"] = known.fillna(False).astype("boolean")
        keep = ~c.bad
        merged = np.zeros(len(out), dtype=bool)
        if self.monadic:
            keep, merged = self._merge_actors(chunk, out, keep, problems)
        good = out[keep]
        self.stats.merged_rows += int(merged.sum())
        self.stats.rejected_rows += int((~keep & ~merged).sum())
        self.stats.events += len(good)
        return EventFrame(good)

    def _event_types(self, c: CellChecker, out: pd.DataFrame) -> None:
        raw_type = c.text("event_type")
        c.required("event_type", raw_type, "an ACLED event type")
        raw_sub = c.text("sub_event_type")
        current = set(event_types())
        old_table = pre2019_taxonomy()
        is_old = raw_type.isin(list(old_table)).to_numpy(dtype=bool, na_value=False).copy()
        if self.current_taxonomy:
            is_old &= ~raw_type.isin(list(current)).to_numpy(dtype=bool, na_value=False)
        is_current = raw_type.isin(list(current)).to_numpy(dtype=bool, na_value=False) & ~is_old
        c.report(
            raw_type.notna().to_numpy() & ~is_old & ~is_current,
            "event_type",
            raw_type,
            f"unknown event type; expected one of {', '.join(sorted(current))} "
            "(or a pre-2019 ACLED type)",
        )
        event_type = raw_type.copy()
        sub_type = raw_sub.copy()
        pairs = sub_event_types()
        if is_current.any():
            valid = pd.Series(
                [(t, s) in pairs for t, s in zip(raw_type, raw_sub, strict=True)],
                index=raw_type.index,
            ).to_numpy()
            c.report(
                is_current & raw_sub.isna().to_numpy(),
                "sub_event_type",
                raw_sub,
                "missing; expected the sub-event type of the event type",
            )
            c.report(
                is_current & raw_sub.notna().to_numpy() & ~valid,
                "sub_event_type",
                raw_sub,
                "not a sub-event type of this event type (see docs/data.md for the list)",
            )
        original = pd.Series(pd.NA, index=raw_type.index, dtype=TEXT)
        if is_old.any():
            mapped_type, mapped_sub = _map_pre2019(
                raw_type[is_old], raw_sub[is_old], c.text("notes")[is_old],
                c.number("inter1", integer=True, minimum=0, maximum=8)[is_old],
            )  # fmt: skip
            event_type[is_old] = mapped_type
            sub_type[is_old] = mapped_sub
            original[is_old] = raw_type[is_old]
            self.stats.mapped_pre2019 += int((is_old & ~c.bad).sum())
        out["event_type"] = event_type
        out["sub_event_type"] = sub_type
        out["original_event_type"] = original
        disorder = c.text("disorder_type")
        derived = pd.Series(
            [
                pairs[(t, s)].disorder_type if (t, s) in pairs else pd.NA
                for t, s in zip(event_type, sub_type, strict=True)
            ],
            index=event_type.index,
            dtype=TEXT,
        )
        out["disorder_type"] = disorder.fillna(derived)

    def _country_check(self, c: CellChecker, chunk: pd.DataFrame, out: pd.DataFrame) -> None:
        for column in ("country", "iso3", "iso"):
            if column in chunk.columns:
                key = c.text(column).str.strip().str.lower()
                break
        else:
            return
        table = country_bounds()
        lat, lon = out["latitude"].to_numpy(), out["longitude"].to_numpy()
        for value in key.dropna().unique():
            bounds = table.get(str(value)) or table.get(str(value).upper())
            if bounds is None:
                continue
            rows = (key == value).to_numpy(dtype=bool, na_value=False)
            outside = rows & (
                (lat < bounds.south - COUNTRY_MARGIN)
                | (lat > bounds.north + COUNTRY_MARGIN)
                | (lon < bounds.west - COUNTRY_MARGIN)
                | (lon > bounds.east + COUNTRY_MARGIN)
            )
            text = c.text("latitude") + ", " + c.text("longitude")
            c.report(
                outside,
                "latitude, longitude",
                text,
                f"outside {bounds.name_en} (expected latitude {bounds.south} to {bounds.north}, "
                f"longitude {bounds.west} to {bounds.east})",
            )

    def _merge_actors(
        self, chunk: pd.DataFrame, out: pd.DataFrame, keep: np.ndarray, problems: ProblemLog
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fold each monadic event's second row into its first (as actor2). Returns the rows to
        keep and the rows merged into another."""
        ids = out["source_id"]
        second = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
        merged = np.zeros(len(out), dtype=bool)
        if not second.any():
            return keep, merged
        firsts = ~second & ids.notna().to_numpy()
        position = pd.Series(np.flatnonzero(firsts), index=ids[firsts].to_numpy())
        partner = position.reindex(ids[second].to_numpy()).to_numpy()
        second_rows = np.flatnonzero(second)
        # an event is usable only when all its rows are
        bad_pair = ~keep[second_rows] | ~keep[partner]
        for s, p in zip(second_rows[bad_pair], partner[bad_pair], strict=True):
            for own, other in ((s, p), (p, s)):
                if keep[own]:
                    problems.add(
                        self.file, int(chunk[ROW].iloc[own]), None, None,
                        f"left out with row {int(chunk[ROW].iloc[other])} of the same event, "
                        "which has a problem",
                    )  # fmt: skip
        keep = keep.copy()
        keep[second_rows[bad_pair]] = False
        keep[partner[bad_pair]] = False
        ok_second = second_rows[~bad_pair]
        ok_first = partner[~bad_pair]
        for target, column in (("actor2", "actor1"), ("assoc_actor_2", "assoc_actor_1"),
                               ("inter2", "inter1")):  # fmt: skip
            values = out[target].copy()
            values.iloc[ok_first] = out[column].iloc[ok_second].to_numpy()
            out[target] = values
        keep[ok_second] = False
        merged[ok_second] = True
        return keep, merged


def _complete_groups(
    chunk: pd.DataFrame, expected: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Split a monadic chunk into rows whose event is complete and rows still waiting for the
    next chunk (the other actor's row)."""
    if not expected or chunk.empty:
        return chunk, None
    ids = chunk["event_id_cnty"].str.strip()
    present = ids.map(ids.value_counts())
    needed = ids.map(expected).fillna(1)
    waiting = (present < needed).to_numpy(dtype=bool, na_value=False)
    if not waiting.any():
        return chunk, None
    return chunk[~waiting], chunk[waiting]


def _keyword_pattern(keywords: tuple[str, ...]) -> str:
    return r"\b(?:" + "|".join(re.escape(k) for k in keywords) + ")"


def _map_pre2019(
    old_type: pd.Series, raw_sub: pd.Series, notes: pd.Series, inter1: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Current (event_type, sub_event_type) for rows in ACLED's pre-2019 taxonomy."""
    table = pre2019_taxonomy()
    event_type = old_type.map(lambda t: table[t].event_type).astype(TEXT)
    sub_type = old_type.map(lambda t: table[t].default_sub_event_type).astype(TEXT)
    pairs = sub_event_types()
    given = pd.Series(
        [(t, s) in pairs for t, s in zip(event_type, raw_sub, strict=True)], index=old_type.index
    )
    lowered = notes.fillna("").str.lower()
    refined = pd.Series(False, index=old_type.index)
    for rule in pre2019_subtype_keywords():
        todo = (event_type == rule.event_type) & ~refined & ~given
        todo = todo.fillna(False)
        hit = todo & lowered.str.contains(_keyword_pattern(rule.keywords), regex=True)
        sub_type[hit] = rule.sub_event_type
        refined |= hit
    rioters = (old_type == "Riots/Protests") & (inter1 == 5).fillna(False)
    event_type[rioters] = "Riots"
    sub_type[rioters] = "Violent demonstration"
    sub_type[given] = raw_sub[given]
    return event_type, sub_type
