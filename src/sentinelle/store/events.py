"""Conflict events in the store: idempotent upsert by (source, source id) with versions kept,
removals by deletion list, and loading back as typed frames.

Rules, for each incoming event:

* not in the store → **inserted**;
* in the store with the same content → **unchanged**;
* in the store with different content, and the incoming version is at least as recent (ACLED
  ``timestamp``; when either side has none, the later ingest wins) → **updated**: the stored version
  is first copied to ``event_versions`` (reason ``revised``), then replaced;
* in the store with different content but the incoming version is older → **older**: the store
  keeps its newer version and the incoming one is kept in ``event_versions`` (reason
  ``older-vintage``), so no vintage is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, select, tuple_, update

from sentinelle.domain.events import CONTENT_COLUMNS, EVENT_COLUMNS, EventFrame
from sentinelle.store.bulk import bulk_insert
from sentinelle.store.imports import now
from sentinelle.store.schema import event_deletions, event_versions, events

LOOKUP_BATCH = 5000
PLACEMENT_COLUMNS = ("admin1_pcode", "admin2_pcode", "priogrid_gid", "placement")


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.older += other.older

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.older


def content_hash(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each event's content (provenance and placement excluded), as int64."""
    hashed = pd.util.hash_pandas_object(frame[list(CONTENT_COLUMNS)], index=False)
    return hashed.to_numpy(dtype="uint64").view("int64")


def _existing(connection: Connection, source_keys: pd.DataFrame) -> pd.DataFrame:
    """Stored id, hash, timestamp and version for the given (source, source_id) pairs."""
    parts = []
    pairs = list(zip(source_keys["source"], source_keys["source_id"], strict=True))
    for start in range(0, len(pairs), LOOKUP_BATCH):
        batch = pairs[start : start + LOOKUP_BATCH]
        sources = {s for s, _ in batch}
        if len(sources) == 1:
            condition = (events.c.source == next(iter(sources))) & events.c.source_id.in_(
                [i for _, i in batch]
            )
        else:
            condition = tuple_(events.c.source, events.c.source_id).in_(batch)
        rows = connection.execute(
            select(
                events.c.id,
                events.c.source,
                events.c.source_id,
                events.c.content_hash,
                events.c.source_timestamp,
                events.c.version,
            ).where(condition)
        ).all()
        parts.append(
            pd.DataFrame(
                rows,
                columns=["id", "source", "source_id", "stored_hash", "stored_ts", "version"],
            )
        )
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if found.empty:
        return pd.DataFrame(
            {
                "id": pd.Series(dtype="int64"),
                "source": pd.Series(dtype=EVENT_COLUMNS["source"]),
                "source_id": pd.Series(dtype=EVENT_COLUMNS["source_id"]),
                "stored_hash": pd.Series(dtype="int64"),
                "stored_ts": pd.Series(dtype="Int64"),
                "version": pd.Series(dtype="int64"),
            }
        )
    found["source"] = found["source"].astype(EVENT_COLUMNS["source"])
    found["source_id"] = found["source_id"].astype(EVENT_COLUMNS["source_id"])
    found["stored_ts"] = found["stored_ts"].astype("Int64")
    return found


def _payloads(frame: pd.DataFrame) -> list[str]:
    columns = [c for c in EVENT_COLUMNS if c in frame.columns]
    data = frame[columns].copy()
    data["event_date"] = data["event_date"].dt.strftime("%Y-%m-%d")
    text = data.to_json(orient="records", force_ascii=False)
    return [json.dumps(r, ensure_ascii=False) for r in json.loads(text)]


def _archive(
    connection: Connection,
    frame: pd.DataFrame,
    reason: str,
    import_id: int | None,
) -> None:
    """Keep the versions in ``frame`` (event columns + event_id, version, content_hash)."""
    if frame.empty:
        return
    archive = pd.DataFrame(
        {
            "event_id": frame["event_id"].astype("Int64").to_numpy(),
            "source": frame["source"].to_numpy(dtype=object),
            "source_id": frame["source_id"].to_numpy(dtype=object),
            "version": frame["version"].astype("Int64").to_numpy(),
            "content_hash": frame["content_hash"].astype("Int64").to_numpy(),
            "source_timestamp": frame["source_timestamp"].astype("Int64").to_numpy(),
            "vintage": frame["vintage"].to_numpy(dtype=object),
            "reason": reason,
            "payload": _payloads(frame),
            "recorded_at": now(),
            "import_id": import_id,
        }
    )
    archive["import_id"] = archive["import_id"].astype("Int64")
    bulk_insert(connection, event_versions, archive)


def load_events_by_id(connection: Connection, ids: Sequence[int]) -> pd.DataFrame:
    """Full stored rows (with id, version, content_hash) for the given event ids."""
    parts = []
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = [int(i) for i in ids[start : start + LOOKUP_BATCH]]
        parts.append(pd.read_sql(select(events).where(events.c.id.in_(batch)), connection))
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column, dtype in EVENT_COLUMNS.items():
        if column not in frame.columns:
            continue
        if column == "event_date":
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def upsert_events(
    connection: Connection, batch: EventFrame, import_id: int | None = None
) -> UpsertCounts:
    """Write a batch of events (ids unique within the batch) following the module's rules."""
    counts = UpsertCounts()
    frame = batch.frame
    if frame.empty:
        return counts
    frame = frame.assign(content_hash=content_hash(frame))
    existing = _existing(connection, frame[["source", "source_id"]])
    merged = frame.merge(existing, on=["source", "source_id"], how="left", indicator=True)
    is_new = (merged["_merge"] == "left_only").to_numpy()
    stored = merged[~is_new]
    same = (stored["stored_hash"] == stored["content_hash"]).to_numpy()
    differs = stored[~same]
    incoming_ts = differs["source_timestamp"]
    stored_ts = differs["stored_ts"]
    older_mask = (incoming_ts.notna() & stored_ts.notna() & (incoming_ts < stored_ts)).to_numpy(
        dtype=bool, na_value=False
    )
    older = differs[older_mask]
    changed = differs[~older_mask]

    new_rows = merged.loc[is_new, [*EVENT_COLUMNS, "content_hash"]].assign(
        version=1, first_import_id=import_id, last_import_id=import_id
    )
    for column in ("first_import_id", "last_import_id"):
        new_rows[column] = new_rows[column].astype("Int64")
    counts.inserted = bulk_insert(connection, events, new_rows)
    if counts.inserted and connection.dialect.name == "postgresql":
        # keep the planner's row estimates current inside a long ingest transaction, or the
        # next batch's lookups fall back to sequential scans of a table it believes empty
        connection.exec_driver_sql("ANALYZE events")
    counts.unchanged = int(same.sum())

    if not older.empty:
        _archive(
            connection,
            older.assign(event_id=older["id"], version=pd.NA),
            "older-vintage",
            import_id,
        )
        counts.older = len(older)

    if not changed.empty:
        previous = load_events_by_id(connection, changed["id"].astype("int64").tolist())
        _archive(connection, previous.rename(columns={"id": "event_id"}), "revised", import_id)
        values = changed[[*EVENT_COLUMNS, "content_hash"]].copy()
        values["event_date"] = values["event_date"].dt.date
        params = []
        records = values.astype(object).where(values.notna(), None).to_dict("records")
        for record, event_id, version in zip(
            records, changed["id"], changed["version"], strict=True
        ):
            record = {f"v_{k}": v for k, v in record.items()}
            record["b_id"] = int(event_id)
            record["v_version"] = int(version) + 1
            record["v_last_import_id"] = import_id
            params.append(record)
        columns = [c for c in EVENT_COLUMNS if c not in ("source", "source_id")]
        statement = (
            update(events)
            .where(events.c.id == bindparam("b_id"))
            .values(
                {
                    c: bindparam(f"v_{c}")
                    for c in [*columns, "content_hash", "version", "last_import_id"]
                }
            )
        )
        connection.execute(statement, params)
        counts.updated = len(changed)
    return counts


@dataclass
class DeletionCounts:
    deleted: int = 0
    not_in_store: int = 0
    missing_ids: list[str] = field(default_factory=list)


def delete_events(
    connection: Connection,
    source: str,
    deletions: pd.DataFrame,
    import_id: int | None = None,
) -> DeletionCounts:
    """Remove events listed in ``deletions`` (columns ``source_id``, ``deleted_timestamp``),
    keeping their last version in ``event_versions`` (reason ``deleted``) and a record of every
    listed id in ``event_deletions``."""
    counts = DeletionCounts()
    if deletions.empty:
        return counts
    keys = pd.DataFrame({"source": source, "source_id": deletions["source_id"]})
    keys["source"] = keys["source"].astype(EVENT_COLUMNS["source"])
    keys["source_id"] = keys["source_id"].astype(EVENT_COLUMNS["source_id"])
    existing = _existing(connection, keys)
    present = set(existing["source_id"].tolist())
    if not existing.empty:
        previous = load_events_by_id(connection, existing["id"].astype("int64").tolist())
        _archive(connection, previous.rename(columns={"id": "event_id"}), "deleted", import_id)
        ids = existing["id"].astype("int64").tolist()
        for start in range(0, len(ids), LOOKUP_BATCH):
            connection.execute(
                delete(events).where(events.c.id.in_(ids[start : start + LOOKUP_BATCH]))
            )
    log = pd.DataFrame(
        {
            "source": source,
            "source_id": deletions["source_id"].to_numpy(dtype=object),
            "deleted_timestamp": deletions["deleted_timestamp"].astype("Int64").to_numpy(),
            "was_present": [sid in present for sid in deletions["source_id"]],
            "recorded_at": now(),
            "import_id": import_id,
        }
    )
    log["import_id"] = log["import_id"].astype("Int64")
    bulk_insert(connection, event_deletions, log)
    counts.deleted = len(present)
    counts.missing_ids = [s for s in deletions["source_id"] if s not in present]
    counts.not_in_store = len(counts.missing_ids)
    return counts


def load_events(
    connection: Connection,
    columns: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Stored events as a typed frame (``id`` plus the requested event columns), optionally
    filtered by source and by date (inclusive)."""
    wanted = list(columns) if columns is not None else list(EVENT_COLUMNS)
    unknown = set(wanted) - set(EVENT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown event columns {sorted(unknown)}")
    query = select(events.c.id, *(events.c[c] for c in wanted))
    if sources is not None:
        query = query.where(events.c.source.in_(list(sources)))
    if start is not None:
        query = query.where(events.c.event_date >= start.date())
    if end is not None:
        query = query.where(events.c.event_date <= end.date())
    frame = pd.read_sql(query.order_by(events.c.id), connection)
    return _typed(frame)


def update_placement(connection: Connection, placed: pd.DataFrame) -> int:
    """Write new placement columns for the events in ``placed`` (``id`` + placement columns)."""
    if placed.empty:
        return 0
    values = placed[["id", *PLACEMENT_COLUMNS]].astype(object)
    values = values.where(placed[["id", *PLACEMENT_COLUMNS]].notna(), None)
    params = [
        {"b_id": int(r["id"]), **{f"v_{c}": r[c] for c in PLACEMENT_COLUMNS}}
        for r in values.to_dict("records")
    ]
    statement = (
        update(events)
        .where(events.c.id == bindparam("b_id"))
        .values({c: bindparam(f"v_{c}") for c in PLACEMENT_COLUMNS})
    )
    connection.execute(statement, params)
    return len(params)


def count_events(connection: Connection) -> pd.DataFrame:
    """Events per source with their date range."""
    query = select(
        events.c.source,
        func.count().label("events"),
        func.min(events.c.event_date).label("first"),
        func.max(events.c.event_date).label("last"),
    ).group_by(events.c.source)
    return pd.DataFrame(
        connection.execute(query).all(), columns=["source", "events", "first", "last"]
    )
