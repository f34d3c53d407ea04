"""Conflict events: the record and its columnar form.

One event, whatever its source (ACLED, UCDP GED, the mission's own reports, the demo scenario), has
the fields below. Single events travel as :class:`ConflictEvent`; many events travel as an
:class:`EventFrame`, a pandas frame whose columns and dtypes are checked once, at construction, so
that code downstream can trust them (no object columns, no missing keys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

STRING = pd.StringDtype("pyarrow")

EVENT_COLUMNS: Mapping[str, Any] = {
    # identity and provenance
    "source": STRING,  # acled, ucdp, mission, demo (see vocabulary.sources)
    "source_id": STRING,  # ACLED event_id_cnty, UCDP id, the mission's incident id
    "vintage": STRING,  # the export this version came from (file name or date)
    "source_timestamp": "Int64",  # ACLED `timestamp`: when the source last changed the event
    # when
    "event_date": "datetime64[ns]",
    "time_precision": "Int8",  # 1 exact day, 2 within a week, 3 within a month
    # what
    "disorder_type": STRING,
    "event_type": STRING,  # current ACLED taxonomy (vocabulary.event_types)
    "sub_event_type": STRING,
    "original_event_type": STRING,  # as written in the source when it was mapped (pre-2019, UCDP)
    "civilian_targeting": "boolean",
    # who
    "actor1": STRING,
    "assoc_actor_1": STRING,
    "inter1": "Int8",
    "actor2": STRING,
    "assoc_actor_2": STRING,
    "inter2": "Int8",
    "interaction": "Int16",
    # where, as the source says
    "country": STRING,
    "admin1": STRING,
    "admin2": STRING,
    "admin3": STRING,
    "location": STRING,
    "latitude": "float64",
    "longitude": "float64",
    "geo_precision": "Int8",  # 1 exact town, 2 near / part of region, 3 province level
    # sources and description
    "sources": STRING,  # ACLED `source`: the reports the event is coded from
    "source_scale": STRING,
    "notes": STRING,
    "tags": STRING,
    # harm
    "fatalities": "Int32",  # best estimate
    "fatalities_low": "Int32",
    "fatalities_high": "Int32",
    # where, as Sentinelle placed it (filled by sentinelle.geo.placement)
    "admin1_pcode": STRING,
    "admin2_pcode": STRING,
    "priogrid_gid": "Int32",
    "placement": STRING,  # how the event was placed (see sentinelle.geo.placement.PLACEMENT_KINDS)
}

REQUIRED_COLUMNS = ("source", "source_id", "event_date", "event_type", "fatalities")
"""Columns that may never be missing in a validated frame."""

CONTENT_COLUMNS = tuple(
    c
    for c in EVENT_COLUMNS
    if c
    not in {
        "vintage",
        "source_timestamp",
        "admin1_pcode",
        "admin2_pcode",
        "priogrid_gid",
        "placement",
    }
)
"""Columns whose change makes a new version of an event (provenance and placement excluded)."""


class EventFrameError(ValueError):
    """A frame that does not satisfy the event schema (a programming error, not user input)."""


def empty_event_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in EVENT_COLUMNS.items()})


@dataclass(frozen=True)
class ConflictEvent:
    """One conflict event. Optional fields are ``None`` when the source does not say."""

    source: str
    source_id: str
    event_date: dt.date
    event_type: str
    fatalities: int
    sub_event_type: str | None = None
    vintage: str | None = None
    source_timestamp: int | None = None
    time_precision: int | None = None
    disorder_type: str | None = None
    original_event_type: str | None = None
    civilian_targeting: bool | None = None
    actor1: str | None = None
    assoc_actor_1: str | None = None
    inter1: int | None = None
    actor2: str | None = None
    assoc_actor_2: str | None = None
    inter2: int | None = None
    interaction: int | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    sources: str | None = None
    source_scale: str | None = None
    notes: str | None = None
    tags: str | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    admin1_pcode: str | None = None
    admin2_pcode: str | None = None
    priogrid_gid: int | None = None
    placement: str | None = None

    @property
    def month(self) -> str:
        return f"{self.event_date.year:04d}-{self.event_date.month:02d}"


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


class EventFrame:
    """A validated frame of events with exactly the columns of :data:`EVENT_COLUMNS`.

    Missing optional columns are added empty; extra columns are refused, as are missing values in
    :data:`REQUIRED_COLUMNS`. The wrapped frame is available as :attr:`frame`.
    """

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame) -> None:
        extra = set(frame.columns) - set(EVENT_COLUMNS)
        if extra:
            raise EventFrameError(f"unknown event columns: {sorted(extra)}")
        out = {}
        for column, dtype in EVENT_COLUMNS.items():
            if column in frame.columns:
                series = frame[column]
                out[column] = series if series.dtype == dtype else series.astype(dtype)
            else:
                out[column] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
        checked = pd.DataFrame(out, index=frame.index)
        for column in REQUIRED_COLUMNS:
            missing = checked[column].isna()
            if missing.any():
                raise EventFrameError(
                    f"{int(missing.sum())} events without {column!r} (first at index "
                    f"{checked.index[missing.to_numpy()][0]!r})"
                )
        self.frame = checked.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    @classmethod
    def empty(cls) -> EventFrame:
        return cls(empty_event_frame())

    @classmethod
    def from_records(cls, events: list[ConflictEvent]) -> EventFrame:
        if not events:
            return cls.empty()
        names = [f.name for f in fields(ConflictEvent)]
        frame = pd.DataFrame([[getattr(e, n) for n in names] for e in events], columns=names)
        frame["event_date"] = pd.to_datetime(frame["event_date"])
        return cls(frame[list(EVENT_COLUMNS)])

    def records(self) -> Iterator[ConflictEvent]:
        for row in self.frame.itertuples(index=False):
            values = {k: _clean(v) for k, v in zip(self.frame.columns, row, strict=True)}
            yield ConflictEvent(**values)

    @classmethod
    def concat(cls, frames: list[EventFrame]) -> EventFrame:
        if not frames:
            return cls.empty()
        return cls(pd.concat([f.frame for f in frames], ignore_index=True))
