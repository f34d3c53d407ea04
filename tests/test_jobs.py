"""The job runner: uploads staged safely, ingested in a background thread, every job finished
(done, failed with the user's problem, or failed with a generic message after a crash)."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sentinelle import jobs
from sentinelle.config import Settings, settings_from_env
from sentinelle.jobs import (
    CRASH_MESSAGE,
    JobRunner,
    StagedUpload,
    UploadRefused,
    check_upload,
    safe_file_name,
    stage_upload,
    unpack_shapefile,
)
from sentinelle.readers.problems import FileRejected
from sentinelle.store import audit as audit_store
from sentinelle.store import imports
from sentinelle.store import jobs as job_store
from sentinelle.store.database import Store, StoreError
from sentinelle.store.jobs import Job
from sentinelle.store.schema import events

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD_ROWS = FIXTURES / "acled" / "bad_rows.csv"


def settings_for(store: Store, home: Path, max_upload_mb: int = 200) -> Settings:
    return Settings(database_url=store.url, home=home, max_upload_mb=max_upload_mb)


def wait_for(runner: JobRunner, job_id: int, timeout: float = 60.0) -> Job:
    """Poll the job until it ends; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job = runner.job(job_id)
        assert job is not None
        if job.status in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
        time.sleep(0.02)


def submit(runner: JobRunner, name: str, content: bytes, kind: str = "events") -> int:
    staged = stage_upload(runner.settings, kind, name, io.BytesIO(content))
    return runner.submit(staged, "tester")


def event_count(store: Store) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("bad_rows.csv", "bad_rows.csv"),
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\analyste\\Données Mopti 2018.xlsx", "Donnees_Mopti_2018.xlsx"),
        (".hidden.csv", "hidden.csv"),
        ("a;rm -rf *.csv", "a_rm_-rf.csv"),
        ("", "upload"),
        ("..", "upload"),
        ("x" * 300 + ".geojson", "x" * 112 + ".geojson"),
    ],
)
def test_file_names_are_made_safe(given: str, expected: str) -> None:
    assert safe_file_name(given) == expected


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("events", "a.pdf", ".pdf is not accepted; event files must end in .csv, .xlsx"),
        ("events", "a.xls", "save the sheet as .xlsx or .csv"),
        ("events", "a", "no extension is not accepted"),
        ("admin2", "a.shp", "upload a .zip holding its .shp, .shx and .dbf"),
        ("admin2", "a.csv", "this looks like a table: choose events"),
        ("admin3", "a.geojson", "unknown kind of import 'admin3'"),
    ],
)
def test_uploads_of_the_wrong_type_are_refused(kind: str, name: str, message: str) -> None:
    with pytest.raises(UploadRefused) as caught:
        check_upload(kind, name)
    assert message in str(caught.value)
    assert caught.value.status in (415, 422)
    assert check_upload("events", "ACLED Mali.CSV") == "ACLED_Mali.CSV"
    assert check_upload("admin1", "regions.topojson") == "regions.topojson"


def test_staging_refuses_empty_and_oversized_files_and_leaves_nothing(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", home=tmp_path, max_upload_mb=1)
    with pytest.raises(UploadRefused, match="larger than the limit of 1 MB") as caught:
        stage_upload(settings, "events", "big.csv", io.BytesIO(b"x" * (1024 * 1024 + 1)))
    assert caught.value.status == 413
    with pytest.raises(UploadRefused, match="empty"):
        stage_upload(settings, "events", "empty.csv", io.BytesIO(b""))
    assert list(settings.uploads_dir.iterdir()) == []
    staged = stage_upload(settings, "events", "ok.csv", io.BytesIO(b"x" * (1024 * 1024)))
    assert staged.size == 1024 * 1024 and staged.path.parent == settings.uploads_dir


def test_the_size_limit_is_a_setting() -> None:
    assert settings_from_env({}).max_upload_mb == 200
    assert settings_from_env({"SENTINELLE_MAX_UPLOAD_MB": "5"}).max_upload_bytes == 5 * 1024**2
    with pytest.raises(ValueError, match="SENTINELLE_MAX_UPLOAD_MB"):
        settings_from_env({"SENTINELLE_MAX_UPLOAD_MB": "lots"})


def test_a_job_ingests_the_file_and_records_result_progress_and_audit(
    store: Store, tmp_path: Path
) -> None:
    runner = JobRunner(store, settings_for(store, tmp_path))
    job_id = submit(runner, "bad_rows.csv", BAD_ROWS.read_bytes())
    job = wait_for(runner, job_id)
    assert job.status == "done" and job.message is None
    assert (job.kind, job.file_name, job.created_by) == ("ingest", "bad_rows.csv", "tester")
    assert job.done == job.total == 13 and job.finished_at is not None
    result = job.result or {}
    assert (result["rows"], result["inserted"], result["rejected_rows"]) == (13, 2, 10)
    assert result["file"] == "bad_rows.csv"
    assert (tmp_path / "uploads" / f"{job_id}-bad_rows.csv").read_bytes() == BAD_ROWS.read_bytes()
    with store.reading() as connection:
        record = imports.get_import(connection, result["import_id"])
        problems = imports.load_problems(connection, result["import_id"])
        (entry,) = audit_store.entries(connection, action="import")
    assert record is not None and record.file_name == "bad_rows.csv"
    assert record.vintage == "bad_rows.csv" and record.counts["file"] == "bad_rows.csv"
    assert {p.file for p in problems} == {"bad_rows.csv"}
    assert entry.entry.actor == "tester" and entry.entry.record_type == "import"
    assert (entry.entry.after or {})["rejected_rows"] == 10


def test_live_progress_is_reported_and_written_on_postgresql(store: Store, tmp_path: Path) -> None:
    runner = JobRunner(store, settings_for(store, tmp_path))
    with store.transaction() as connection:
        job_id = job_store.create_job(connection, "ingest", "x.csv", "tester")
    callback = jobs._Progress(runner, job_id)
    callback(5, 10)
    job = runner.job(job_id)
    assert job is not None and (job.status, job.done, job.total) == ("running", 5, 10)
    with store.reading() as connection:
        row = job_store.get_job(connection, job_id)
    assert row is not None
    if store.dialect == "postgresql":  # any web worker sees it
        assert (row.status, row.done, row.total) == ("running", 5, 10)
    else:  # SQLite: the ingest holds the one write lock; the runner knows
        assert (row.status, row.done) == ("queued", 0)


def test_jobs_run_one_at_a_time(store: Store, tmp_path: Path) -> None:
    runner = JobRunner(store, settings_for(store, tmp_path))
    first = submit(
        runner, "dyadic_small.csv", (FIXTURES / "acled" / "dyadic_small.csv").read_bytes()
    )
    second = submit(runner, "bad_rows.csv", BAD_ROWS.read_bytes())
    done = [wait_for(runner, first), wait_for(runner, second)]
    assert [j.status for j in done] == ["done", "done"]
    assert event_count(store) == 4 + 2


def test_a_file_the_readers_refuse_fails_the_job_with_their_message(
    store: Store, tmp_path: Path
) -> None:
    runner = JobRunner(store, settings_for(store, tmp_path))
    job = wait_for(runner, submit(runner, "notes.csv", b"title,body\nhello,world\n"))
    assert job.status == "failed" and job.result is None
    assert job.message is not None and job.message.startswith("notes.csv: not a recognised event")
    assert str(tmp_path) not in job.message
    assert event_count(store) == 0
    with store.reading() as connection:
        (record,) = imports.list_imports(connection)
        (entry,) = audit_store.entries(connection, action="import")
    assert (record.status, record.file_name) == ("failed", "notes.csv")
    assert (entry.entry.after or {})["status"] == "failed"


def test_a_store_error_fails_the_job_with_its_message(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise StoreError("the database refused the write: disk quota exceeded")

    monkeypatch.setattr(jobs, "ingest_file", unavailable)
    runner = JobRunner(store, settings_for(store, tmp_path))
    job = wait_for(runner, submit(runner, "bad_rows.csv", BAD_ROWS.read_bytes()))
    assert job.status == "failed"
    assert job.message == "the database refused the write: disk quota exceeded"


def test_a_crash_finishes_the_job_with_a_generic_message_and_logs_the_traceback(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sentinelle import ingest

    real = ingest.event_store.upsert_events

    def power_cut(*args: object, **kwargs: object) -> object:
        raise RuntimeError("power cut at /srv/secret/path")

    monkeypatch.setattr(ingest.event_store, "upsert_events", power_cut)
    runner = JobRunner(store, settings_for(store, tmp_path))
    with caplog.at_level(logging.ERROR, logger="sentinelle.jobs"):
        job = wait_for(runner, submit(runner, "bad_rows.csv", BAD_ROWS.read_bytes()))
    assert job.status == "failed" and job.finished_at is not None
    assert job.message == CRASH_MESSAGE.format(job_id=job.id)
    assert "power cut" not in job.message and "/srv" not in job.message
    crash = [r for r in caplog.records if r.exc_info and "crashed" in r.getMessage()]
    assert crash and "power cut" in str(crash[0].exc_info[1])  # type: ignore[index]
    assert event_count(store) == 0
    with store.reading() as connection:
        assert imports.list_imports(connection) == []  # the crashed import left nothing
    monkeypatch.setattr(ingest.event_store, "upsert_events", real)
    after = wait_for(runner, submit(runner, "bad_rows.csv", BAD_ROWS.read_bytes()))
    assert after.status == "done"  # the runner goes on


def test_a_job_whose_file_cannot_be_moved_is_finished(store: Store, tmp_path: Path) -> None:
    runner = JobRunner(store, settings_for(store, tmp_path))
    ghost = StagedUpload(tmp_path / "uploads" / ".incoming-gone.csv", "gone.csv", "events", 1)
    job = wait_for(runner, runner.submit(ghost, "tester"))
    assert job.status == "failed" and job.message == CRASH_MESSAGE.format(job_id=job.id)


def shapefile_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def test_zipped_shapefiles_are_unpacked_under_our_own_names(tmp_path: Path) -> None:
    archive = tmp_path / "1-adm.zip"
    archive.write_bytes(
        shapefile_zip(
            {
                "../../evil/Régions.shp": b"shp",
                "../../evil/Régions.SHX": b"shx",
                "../../evil/Régions.dbf": b"dbf",
                "../../evil/Régions.prj": b"prj",
                "../../evil/readme.txt": b"ignored",
                "__MACOSX/._Régions.shp": b"mac",
            }
        )
    )
    shp = unpack_shapefile(archive, tmp_path / "1-adm", limit=1000)
    assert shp == tmp_path / "1-adm" / "Regions.shp"
    assert sorted(p.name for p in shp.parent.iterdir()) == [
        "Regions.dbf",
        "Regions.prj",
        "Regions.shp",
        "Regions.shx",
    ]
    assert not (tmp_path.parent / "evil").exists()


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"a.shp": b"1", "b.shp": b"2"}, "exactly one shapefile"),
        ({"a.dbf": b"1"}, "found 0 .shp files"),
        ({"a.shp": b"1", "a.shx": b"2"}, "without its .dbf"),
        ({"a.shp": b"1" * 600, "a.shx": b"2" * 600, "a.dbf": b"3"}, "over the size limit"),
    ],
)
def test_bad_zipped_shapefiles_are_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    archive = tmp_path / "adm.zip"
    archive.write_bytes(shapefile_zip(members))
    with pytest.raises(FileRejected, match=message):
        unpack_shapefile(archive, tmp_path / "out", limit=1000)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(FileRejected, match="not a readable ZIP archive"):
        unpack_shapefile(damaged, tmp_path / "out2", limit=1000)


def test_a_bad_zip_fails_the_boundary_job_and_is_logged(store: Store, tmp_path: Path) -> None:
    runner = JobRunner(store, settings_for(store, tmp_path))
    content = shapefile_zip({"regions.shp": b"1", "regions.shx": b"2"})
    job = wait_for(runner, submit(runner, "regions.zip", content, kind="admin1"))
    assert job.status == "failed" and job.kind == "boundaries"
    assert job.message is not None and job.message.startswith("regions.zip: the shapefile")
    with store.reading() as connection:
        (record,) = imports.list_imports(connection)
    assert (record.status, record.kind, record.file_name) == ("failed", "boundaries", "regions.zip")
