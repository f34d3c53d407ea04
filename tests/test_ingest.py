from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from sentinelle import ingest
from sentinelle.ingest import IngestReport, ingest_file
from sentinelle.readers.acled import AcledExport
from sentinelle.readers.problems import FileRejected
from sentinelle.store import events as event_store
from sentinelle.store import imports
from sentinelle.store.database import Store
from sentinelle.store.schema import event_versions, events, rejected_rows

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def stored_ids(store: Store) -> list[str]:
    with store.transaction() as connection:
        return sorted(event_store.load_events(connection, ["source_id"])["source_id"])


def test_bad_rows_are_logged_and_good_rows_stored(store: Store) -> None:
    report = ingest_file(store, FIXTURES / "acled" / "bad_rows.csv")
    assert report.accounted
    assert (report.rows, report.inserted, report.duplicate_rows, report.rejected_rows) == (
        13,
        2,
        1,
        10,
    )
    assert stored_ids(store) == ["BAD1", "BAD8"]
    with store.transaction() as connection:
        logged = connection.execute(
            select(func.count()).where(rejected_rows.c.import_id == report.import_id)
        ).scalar_one()
        (record,) = imports.list_imports(connection)
    assert logged == len(report.problems) >= 10
    assert record.status == "done" and record.counts["rejected_rows"] == 10


def test_ingesting_twice_changes_nothing(store: Store) -> None:
    first = ingest_file(store, FIXTURES / "acled" / "dyadic_small.csv")
    second = ingest_file(store, FIXTURES / "acled" / "dyadic_small.csv")
    assert first.inserted == 4 and second.unchanged == 4 and second.inserted == 0


def test_a_crash_mid_file_leaves_the_store_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_file(store, FIXTURES / "acled" / "dyadic_small.csv")
    calls = {"n": 0}
    real = event_store.upsert_events

    def crash_on_second_batch(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest.event_store, "upsert_events", crash_on_second_batch)
    monkeypatch.setattr(ingest, "AcledExport", _small_chunks)
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_file(store, FIXTURES / "acled" / "bad_rows.csv")
    assert stored_ids(store) == ["TST1", "TST2", "TST3", "TST4"]
    with store.transaction() as connection:
        assert len(imports.list_imports(connection)) == 1  # the crashed import left nothing


def _small_chunks(path: Path, vintage: str | None = None) -> AcledExport:
    return AcledExport(path, vintage=vintage, chunk_rows=3)


def test_a_file_that_is_not_an_event_file_is_refused_and_logged(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("title,body\nhello,world\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="not a recognised event file"):
        ingest_file(store, path)
    with store.transaction() as connection:
        (record,) = imports.list_imports(connection)
        count = connection.execute(select(func.count()).select_from(events)).scalar_one()
    assert record.status == "failed" and "not a recognised" in (record.message or "")
    assert count == 0


def test_deletion_lists_remove_events_and_keep_a_record(store: Store, tmp_path: Path) -> None:
    ingest_file(store, FIXTURES / "acled" / "dyadic_small.csv")
    deletions = tmp_path / "deleted.csv"
    deletions.write_text(
        "event_id_cnty,deleted_timestamp\nTST2,1700000000\nTST404,1700000000\nTST3,later\n",
        encoding="utf-8",
    )
    report = ingest_file(store, deletions)
    assert report.kind == "acled-deletions"
    assert (report.rows, report.deleted, report.not_in_store, report.rejected_rows) == (3, 1, 1, 1)
    assert stored_ids(store) == ["TST1", "TST3", "TST4"]
    with store.transaction() as connection:
        reasons = connection.execute(select(event_versions.c.reason)).scalars().all()
    assert reasons == ["deleted"]


def test_ucdp_and_mission_files_are_detected(store: Store) -> None:
    ucdp = ingest_file(store, FIXTURES / "ucdp" / "ged_small.csv")
    mission = ingest_file(store, FIXTURES / "incidents" / "mission_fr.csv")
    assert (ucdp.kind, ucdp.inserted) == ("ucdp", 3)
    assert (mission.kind, mission.inserted) == ("mission", 3)
    assert ucdp.accounted and mission.accounted


@pytest.mark.shared_data
def test_the_four_real_acled_files_account_for_every_row(store: Store, shared_data: Path) -> None:
    folder = shared_data / "acled"
    files = [
        "acled_mali_1997-2018_api_export.csv",
        "acled_mali_2017-2018_monadic_export.csv",
        "acled_mali_2017-2018_pre2019_taxonomy_export.csv",
        "acled_hdx_mali_admin2_month_political_violence_1997-2018.csv",
    ]
    reports: list[IngestReport] = [ingest_file(store, folder / name) for name in files]
    api, monadic, pre2019, aggregate = reports
    # the fourth file is ACLED's published aggregate: stored as reference counts, row by row
    assert aggregate.kind == "acled-aggregate" and aggregate.accounted
    assert aggregate.rows == len(pd.read_csv(folder / files[3])) == aggregate.inserted
    reports = reports[:3]
    raw_rows = [len(pd.read_csv(folder / name)) for name in files[:3]]
    assert [r.rows for r in reports] == raw_rows
    assert all(r.accounted for r in reports)
    assert api.inserted == 2456
    monadic_ids = pd.read_csv(folder / files[1])["event_id_cnty"].nunique()
    assert monadic.events == monadic_ids == 1224
    assert monadic.merged_rows == 2327 - 1224
    assert monadic.updated + monadic.unchanged == 1224  # all were in the older API export
    assert pre2019.events == 1227 and pre2019.rejected_rows == 0
    with store.transaction() as connection:
        frame = event_store.load_events(connection, ["source_id", "original_event_type"])
        versions = connection.execute(select(func.count()).select_from(event_versions)).scalar_one()
    assert len(frame) == 2456 + pre2019.inserted
    assert versions == monadic.updated + pre2019.older
    # every pre-2019 event that is new to the store carries its mapped, current type
    assert frame["original_event_type"].notna().sum() == pre2019.inserted
    for report in reports:
        print(report.file, report.counts())
