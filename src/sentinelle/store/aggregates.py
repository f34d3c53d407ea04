"""Published aggregate counts (unit × month) kept beside the events, to check our own counts."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from sentinelle.store.bulk import bulk_insert
from sentinelle.store.schema import aggregates


@dataclass
class AggregateCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_aggregates(
    connection: Connection,
    frame: pd.DataFrame,
    source: str,
    measure: str,
    import_id: int | None = None,
) -> AggregateCounts:
    """Store rows (``unit``, ``level``, ``month``, ``events``, ``fatalities``) keyed by
    (source, measure, unit, month): new keys are inserted, changed counts updated."""
    counts = AggregateCounts()
    stored = pd.DataFrame(
        connection.execute(
            select(
                aggregates.c.id,
                aggregates.c.unit_pcode,
                aggregates.c.month,
                aggregates.c.events,
                aggregates.c.fatalities,
            ).where((aggregates.c.source == source) & (aggregates.c.measure == measure))
        ).all(),
        columns=["id", "unit", "month", "stored_events", "stored_fatalities"],
    )
    incoming = frame.assign(unit=frame["unit"].astype(str), month=pd.to_datetime(frame["month"]))
    stored["month"] = pd.to_datetime(stored["month"])
    merged = incoming.merge(stored, on=["unit", "month"], how="left")
    new = merged["id"].isna()
    rows = merged[new]
    counts.inserted = bulk_insert(
        connection,
        aggregates,
        pd.DataFrame(
            {
                "source": source,
                "measure": measure,
                "level": rows["level"].to_numpy(),
                "unit_pcode": rows["unit"].to_numpy(),
                "month": rows["month"].to_numpy(),
                "events": rows["events"].to_numpy(),
                "fatalities": rows["fatalities"].to_numpy(),
                "import_id": pd.array([import_id] * len(rows), dtype="Int64"),
            }
        ),
    )
    old = merged[~new]
    changed = old[
        (old["events"] != old["stored_events"]) | (old["fatalities"] != old["stored_fatalities"])
    ]
    counts.unchanged = len(old) - len(changed)
    if len(changed):
        connection.execute(
            update(aggregates)
            .where(aggregates.c.id == bindparam("b_id"))
            .values(
                events=bindparam("v_events"),
                fatalities=bindparam("v_fatalities"),
                import_id=bindparam("v_import_id"),
            ),
            [
                {
                    "b_id": int(r.id),
                    "v_events": int(r.events),
                    "v_fatalities": int(r.fatalities),
                    "v_import_id": import_id,
                }
                for r in changed.itertuples(index=False)
            ],
        )
        counts.updated = len(changed)
    return counts


def load_aggregates(connection: Connection, source: str, measure: str) -> pd.DataFrame:
    """Stored rows as (``unit``, ``level``, ``month`` period, ``events``, ``fatalities``)."""
    frame = pd.DataFrame(
        connection.execute(
            select(
                aggregates.c.unit_pcode,
                aggregates.c.level,
                aggregates.c.month,
                aggregates.c.events,
                aggregates.c.fatalities,
            ).where((aggregates.c.source == source) & (aggregates.c.measure == measure))
        ).all(),
        columns=["unit", "level", "month", "events", "fatalities"],
    )
    frame["month"] = pd.to_datetime(frame["month"]).dt.to_period("M")
    return frame
