from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pandas as pd
import pytest
from sqlalchemy import func, select

from sentinelle.domain.events import ConflictEvent, EventFrame
from sentinelle.store import events as event_store
from sentinelle.store.database import Store
from sentinelle.store.schema import event_deletions, event_versions, events


def make_event(n: int, **changes: object) -> ConflictEvent:
    event = ConflictEvent(
        source="acled",
        source_id=f"MLI{n}",
        event_date=dt.date(2018, 3, 1 + n % 28),
        event_type="Violence against civilians",
        sub_event_type="Attack",
        fatalities=n % 5,
        actor1="Unidentified Armed Group (Mali)",
        actor2="Civilians (Mali)",
        inter1=3,
        inter2=7,
        latitude=14.3 + n / 1000,
        longitude=-3.6,
        source_timestamp=1_600_000_000,
        vintage="v1",
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def upsert(store: Store, records: list[ConflictEvent]) -> event_store.UpsertCounts:
    with store.transaction() as connection:
        return event_store.upsert_events(connection, EventFrame.from_records(records))


def stored(store: Store) -> pd.DataFrame:
    with store.transaction() as connection:
        return event_store.load_events(connection)


def test_insert_then_same_again_is_unchanged(store: Store) -> None:
    batch = [make_event(i) for i in range(50)]
    first = upsert(store, batch)
    again = upsert(store, batch)
    assert (first.inserted, first.unchanged) == (50, 0)
    assert (again.inserted, again.unchanged, again.updated) == (0, 50, 0)
    frame = stored(store)
    assert len(frame) == 50
    assert frame.loc[frame["source_id"] == "MLI7", "fatalities"].item() == 2
    assert frame["event_date"].dtype == "datetime64[ns]"


def test_newer_revision_updates_and_keeps_previous_version(store: Store) -> None:
    upsert(store, [make_event(1), make_event(2)])
    revised = make_event(1, fatalities=9, source_timestamp=1_700_000_000, vintage="v2")
    counts = upsert(store, [revised, make_event(2)])
    assert (counts.updated, counts.unchanged) == (1, 1)
    frame = stored(store).set_index("source_id")
    assert frame.loc["MLI1", "fatalities"] == 9
    assert frame.loc["MLI1", "vintage"] == "v2"
    with store.transaction() as connection:
        versions = connection.execute(select(event_versions)).all()
        version = connection.execute(
            select(events.c.version).where(events.c.source_id == "MLI1")
        ).scalar_one()
    assert version == 2
    assert len(versions) == 1 and versions[0].reason == "revised"
    assert json.loads(versions[0].payload)["fatalities"] == 1


def test_older_vintage_does_not_overwrite_but_is_kept(store: Store) -> None:
    upsert(store, [make_event(1, source_timestamp=1_700_000_000)])
    counts = upsert(store, [make_event(1, fatalities=4, source_timestamp=1_500_000_000)])
    assert counts.older == 1 and counts.updated == 0
    assert stored(store)["fatalities"].tolist() == [1]
    with store.transaction() as connection:
        (version,) = connection.execute(select(event_versions)).all()
    assert version.reason == "older-vintage"
    assert json.loads(version.payload)["fatalities"] == 4


def test_placement_is_not_part_of_an_events_content(store: Store) -> None:
    upsert(store, [make_event(1)])
    counts = upsert(store, [make_event(1, admin2_pcode="ML0506", placement="point")])
    assert counts.unchanged == 1


def test_deletion_list_removes_and_records(store: Store) -> None:
    upsert(store, [make_event(i) for i in range(5)])
    deletions = pd.DataFrame(
        {"source_id": ["MLI1", "MLI3", "MLI99"], "deleted_timestamp": [1, 2, 3]}
    )
    with store.transaction() as connection:
        counts = event_store.delete_events(connection, "acled", deletions)
    assert (counts.deleted, counts.not_in_store, counts.missing_ids) == (2, 1, ["MLI99"])
    assert sorted(stored(store)["source_id"]) == ["MLI0", "MLI2", "MLI4"]
    with store.transaction() as connection:
        log = connection.execute(select(event_deletions).order_by(event_deletions.c.id)).all()
        archived = connection.execute(
            select(func.count()).where(event_versions.c.reason == "deleted")
        ).scalar_one()
    assert [(r.source_id, r.was_present) for r in log] == [
        ("MLI1", True),
        ("MLI3", True),
        ("MLI99", False),
    ]
    assert archived == 2


def test_a_failure_inside_the_transaction_leaves_the_store_as_it_was(store: Store) -> None:
    upsert(store, [make_event(1)])
    with pytest.raises(RuntimeError), store.transaction() as connection:
        event_store.upsert_events(connection, EventFrame.from_records([make_event(2)]))
        raise RuntimeError("crash mid-file")
    assert stored(store)["source_id"].tolist() == ["MLI1"]


def test_load_events_filters_by_source_and_date(store: Store) -> None:
    upsert(store, [make_event(i) for i in range(10)])
    upsert(store, [make_event(100, source="ucdp", source_id="1")])
    with store.transaction() as connection:
        ucdp = event_store.load_events(connection, ["source_id"], sources=["ucdp"])
        early = event_store.load_events(connection, ["event_date"], end=pd.Timestamp("2018-03-05"))
    assert ucdp["source_id"].tolist() == ["1"]
    assert early["event_date"].max() <= pd.Timestamp("2018-03-05")
    assert len(early) == 5  # 1 to 5 March
