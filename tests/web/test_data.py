"""The data page and the imports API: uploading files (events and boundaries), following the
job, reading the import log and its rejected rows; who may do what. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy import func, select
from typer.testing import CliRunner

from sentinelle.cli.main import app as cli_app
from sentinelle.store import audit as audit_store
from sentinelle.store import places
from sentinelle.store.database import Store
from sentinelle.store.schema import events, jobs
from tests.web.conftest import csrf_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BAD_ROWS = FIXTURES / "acled" / "bad_rows.csv"
JOB_TIMEOUT = 60.0


def upload(
    client: TestClient,
    name: str,
    content: bytes,
    kind: str = "events",
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        "/api/v1/imports",
        files={"file": (name, content, "application/octet-stream")},
        data={"kind": kind},
        headers=headers or {},
    )


def wait_for(client: TestClient, job_id: int, headers: dict[str, str] | None = None) -> Any:
    """Poll the job until it ends (or fail the test after JOB_TIMEOUT seconds)."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers or {}).json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}: {job}"
        time.sleep(0.05)


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(client)}


def event_count(store: Store) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


def job_count(store: Store) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(jobs)).scalar_one())


def cli_rejected_report(tmp_path: Path) -> str:
    """The rejected-rows CSV that ``sentinelle ingest bad_rows.csv`` writes (its own store)."""
    home = tmp_path / "cli-home"
    result = CliRunner().invoke(
        cli_app,
        ["--lang", "en", "ingest", str(BAD_ROWS)],
        env={"SENTINELLE_HOME": str(home), "SENTINELLE_DATABASE_URL": ""},
    )
    assert result.exit_code == 0, result.output
    (report,) = (home / "reports").glob("rejected-*.csv")
    return report.read_bytes().decode("utf-8")  # as written: CSV lines end in \r\n


def test_an_analyst_uploads_bad_rows_and_sees_what_the_cli_reports(
    client_as: Callable[[str], TestClient], demo_store: Store, tmp_path: Path
) -> None:
    analyst = client_as("analyst")
    before = event_count(demo_store)
    answer = upload(analyst, "bad_rows.csv", BAD_ROWS.read_bytes(), headers=csrf(analyst))
    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert answer.headers["location"] == started["url"] == f"/api/v1/jobs/{started['id']}"
    assert started["status"] in ("queued", "running", "done") and started["kind"] == "ingest"

    job = wait_for(analyst, started["id"])
    assert job["status"] == "done", job
    assert job["created_by"] == "demo-analyst" and job["file_name"] == "bad_rows.csv"
    assert job["done"] == job["total"] == 13
    import_id = job["import_id"]
    assert isinstance(import_id, int)
    result = job["result"]
    assert (result["rows"], result["inserted"], result["rejected_rows"]) == (13, 2, 10)
    assert event_count(demo_store) == before + 2

    record = analyst.get(f"/api/v1/imports/{import_id}").json()
    assert record["file_name"] == "bad_rows.csv" and record["status"] == "done"
    assert (record["rows"], record["inserted"], record["updated"], record["rejected"]) == (
        13,
        2,
        0,
        10,
    )
    assert "uploads" not in json.dumps(record)  # the server's path is never shown
    listed = analyst.get("/api/v1/imports", params={"page_size": 5}).json()
    assert listed["items"][0]["id"] == import_id and listed["total"] >= 2

    # the same problems as the command line's report, in the same order
    cli_text = cli_rejected_report(tmp_path)
    cli_rows = list(csv.DictReader(io.StringIO(cli_text)))
    page = analyst.get(
        f"/api/v1/imports/{import_id}/rejected", params={"page_size": 4, "page": 1}
    ).json()
    items = page["items"]
    for number in range(2, 5):
        items += analyst.get(
            f"/api/v1/imports/{import_id}/rejected", params={"page_size": 4, "page": number}
        ).json()["items"]
    assert page["total"] == len(cli_rows) == len(items)
    assert len({item["row"] for item in items}) == 10
    keys = ("row", "column", "value", "reason")
    assert [tuple(str(i[k] if i[k] is not None else "") for k in keys) for i in items] == [
        tuple(r[k] for k in keys) for r in cli_rows
    ]
    assert {item["file"] for item in items} == {"bad_rows.csv"}

    # the CSV download is the CLI's report, naming the file as it was uploaded
    download = analyst.get(f"/api/v1/imports/{import_id}/rejected.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert f"rejected-{import_id}.csv" in download.headers["content-disposition"]
    assert download.text == cli_text.replace(str(BAD_ROWS), "bad_rows.csv")

    # the audit log says who uploaded what, with the counts
    with demo_store.reading() as connection:
        (entry,) = audit_store.entries(connection, limit=5, action="import")
    assert entry.entry.actor == "demo-analyst" and entry.entry.record_id == str(import_id)
    after = entry.entry.after or {}
    assert (after["file"], after["rows"], after["inserted"], after["rejected_rows"]) == (
        "bad_rows.csv",
        13,
        2,
        10,
    )

    # the pages: the log links to the import, which lists its rejected rows
    data_page = analyst.get("/data?lang=en")
    assert data_page.status_code == 200
    assert f'href="/data/imports/{import_id}"' in data_page.text
    assert 'enctype="multipart/form-data"' in data_page.text and "/static/data.js" in data_page.text
    detail = analyst.get(f"/data/imports/{import_id}?lang=en")
    assert detail.status_code == 200
    assert "31 Febuary 2018" in detail.text and "event_date" in detail.text
    assert f"/api/v1/imports/{import_id}/rejected.csv" in detail.text
    summary = analyst.get(f"/data/jobs/{job['id']}?partial=1&lang=en")
    assert summary.status_code == 200 and "<html" not in summary.text
    assert f'href="/data/imports/{import_id}"' in summary.text and "bad_rows.csv" in summary.text


def test_a_viewer_can_neither_upload_nor_see_imports(
    client_as: Callable[[str], TestClient], demo_store: Store
) -> None:
    viewer = client_as("viewer")
    refused = upload(viewer, "bad_rows.csv", BAD_ROWS.read_bytes(), headers=csrf(viewer))
    assert refused.status_code == 403 and "import data" in refused.json()["detail"]
    for path in (
        "/api/v1/imports",
        "/api/v1/imports/1",
        "/api/v1/imports/1/rejected",
        "/api/v1/imports/1/rejected.csv",
        "/data",
        "/data/imports/1",
    ):
        assert viewer.get(path, follow_redirects=False).status_code == 403, path
    page = viewer.post(
        "/data/upload",
        files={"file": ("bad_rows.csv", BAD_ROWS.read_bytes())},
        data={"kind": "events", "csrf_token": csrf_of(viewer)},
        follow_redirects=False,
    )
    assert page.status_code == 403
    assert job_count(demo_store) == 0


def test_a_session_upload_without_the_csrf_token_is_refused(
    client_as: Callable[[str], TestClient], demo_store: Store, tmp_path: Path
) -> None:
    analyst = client_as("analyst")
    answer = upload(analyst, "bad_rows.csv", BAD_ROWS.read_bytes())
    assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
    wrong = upload(analyst, "bad_rows.csv", BAD_ROWS.read_bytes(), headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    form = analyst.post(
        "/data/upload",
        files={"file": ("bad_rows.csv", BAD_ROWS.read_bytes())},
        data={"kind": "events"},
        follow_redirects=False,
    )
    assert form.status_code == 403
    assert job_count(demo_store) == 0
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_api_token_uploads_without_csrf_token(
    client_as: Callable[[str], TestClient], demo_store: Store
) -> None:
    analyst = client_as("analyst")
    token = analyst.post("/api/v1/tokens", json={"name": "loader"}, headers=csrf(analyst)).json()
    script = TestClient(analyst.app)
    bearer = {"Authorization": f"Bearer {token['token']}"}
    content = (FIXTURES / "acled" / "dyadic_small.csv").read_bytes()
    answer = upload(script, "dyadic_small.csv", content, headers=bearer)
    assert answer.status_code == 202, answer.text
    job = wait_for(script, answer.json()["id"], headers=bearer)
    assert job["status"] == "done" and job["result"]["inserted"] == 4
    assert job["created_by"] == "demo-analyst"


def test_the_form_works_without_javascript(
    client_as: Callable[[str], TestClient], demo_store: Store
) -> None:
    analyst = client_as("analyst")
    posted = analyst.post(
        "/data/upload",
        files={"file": ("bad_rows.csv", BAD_ROWS.read_bytes())},
        data={"kind": "events", "csrf_token": csrf_of(analyst)},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    assert location.startswith("/data/jobs/")
    job = wait_for(analyst, int(location.rsplit("/", 1)[1]))
    page = analyst.get(location + "?lang=en")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in page.text  # finished: no more refreshing
    assert f'href="/data/imports/{job["import_id"]}"' in page.text
    refused = analyst.post(
        "/data/upload",
        files={"file": ("notes.pdf", b"%PDF-1.4")},
        data={"kind": "events", "csrf_token": csrf_of(analyst)},
        follow_redirects=False,
    )
    assert refused.status_code == 415 and "notes.pdf" in refused.text
    assert 'enctype="multipart/form-data"' in refused.text  # the form again, with the message


def feature(pcode: str, name: str, shape: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"admin1Pcode": pcode, "admin1Name_fr": name},
        "geometry": shapely.geometry.mapping(shape),
    }


TWO_REGIONS = {
    "type": "FeatureCollection",
    "features": [
        feature("ML05", "Mopti", box(-5.0, 13.5, -1.0, 16.0)),
        feature("ML07", "Gao", box(-1.0, 15.0, 2.5, 18.0)),
    ],
}


def test_a_boundary_upload_replaces_the_regions(
    client_as: Callable[[str], TestClient], demo_store: Store
) -> None:
    with demo_store.reading() as connection:
        demo_regions = {u.pcode for u in places.load_units(connection, "admin1")}
    assert len(demo_regions) > 2 and "ML01" in demo_regions
    analyst = client_as("analyst")
    content = json.dumps(TWO_REGIONS).encode("utf-8")
    answer = upload(analyst, "regions.geojson", content, kind="admin1", headers=csrf(analyst))
    assert answer.status_code == 202, answer.text
    job = wait_for(analyst, answer.json()["id"])
    assert job["status"] == "done", job
    assert job["kind"] == "boundaries"
    assert (job["result"]["level"], job["result"]["units"]) == ("admin1", 2)
    with demo_store.reading() as connection:
        regions = places.load_units(connection, "admin1")
    assert [(u.pcode, u.name_fr) for u in regions] == [("ML05", "Mopti"), ("ML07", "Gao")]
    record = analyst.get(f"/api/v1/imports/{job['import_id']}").json()
    assert (record["kind"], record["file_name"], record["inserted"]) == (
        "boundaries",
        "regions.geojson",
        2,
    )


def zipped_shapefile(tmp_path: Path, parts: tuple[str, ...] = (".shp", ".shx", ".dbf")) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    shapes = [f["geometry"] for f in TWO_REGIONS["features"]]  # type: ignore[index]
    wkb = np.array([shapely.to_wkb(shapely.geometry.shape(g)) for g in shapes], dtype=object)
    pyogrio.raw.write(
        folder / "regions.shp",
        wkb,
        [np.array(["ML05", "ML07"], dtype=object), np.array(["Mopti", "Gao"], dtype=object)],
        ["admin1Pcod", "admin1Name"],
        driver="ESRI Shapefile",
        geometry_type="Polygon",
        crs="EPSG:4326",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for suffix in parts:
            bundle.write(folder / f"regions{suffix}", f"mli_adm1/regions{suffix}")
    return buffer.getvalue()


def test_a_zipped_shapefile_is_unpacked_and_imported(
    client_as: Callable[[str], TestClient], demo_store: Store, tmp_path: Path
) -> None:
    analyst = client_as("analyst")
    content = zipped_shapefile(tmp_path)
    answer = upload(analyst, "mli_adm1.zip", content, kind="admin1", headers=csrf(analyst))
    job = wait_for(analyst, answer.json()["id"])
    assert job["status"] == "done", job
    with demo_store.reading() as connection:
        assert [u.pcode for u in places.load_units(connection, "admin1")] == ["ML05", "ML07"]


def test_a_file_that_is_not_a_table_fails_its_job_and_writes_nothing(
    client_as: Callable[[str], TestClient], demo_store: Store
) -> None:
    analyst = client_as("analyst")
    before = event_count(demo_store)
    answer = upload(analyst, "report.csv", b"%PDF-1.4\n%...\n", headers=csrf(analyst))
    assert answer.status_code == 202
    job = wait_for(analyst, answer.json()["id"])
    assert job["status"] == "failed"
    assert job["message"] == "report.csv: is a PDF document, not a table"
    assert job["import_id"] is None and job["result"] is None
    assert event_count(demo_store) == before
    latest = analyst.get("/api/v1/imports").json()["items"][0]
    assert (latest["status"], latest["file_name"]) == ("failed", "report.csv")
    assert latest["message"] == "is a PDF document, not a table"
    summary = analyst.get(f"/data/jobs/{job['id']}?partial=1&lang=en")
    assert "is a PDF document, not a table" in summary.text and 'role="alert"' in summary.text


def test_bad_uploads_get_a_precise_4xx_and_no_job(
    client_as: Callable[[str], TestClient], demo_store: Store
) -> None:
    analyst = client_as("analyst")
    headers = csrf(analyst)
    cases = [
        (("notes.pdf", b"%PDF", "events"), 415, ".pdf is not accepted"),
        (("events.xls", b"x", "events"), 415, "save the sheet as .xlsx or .csv"),
        (("regions.shp", b"x", "admin1"), 415, "upload a .zip"),
        (("regions.geojson", b"{}", "events"), 415, "looks like a boundary file"),
        (("empty.csv", b"", "events"), 422, "the file is empty"),
        (("a.csv", b"a,b\n", "admin3"), 422, "kind must be one of events, admin1, admin2"),
    ]
    for (name, content, kind), status, message in cases:
        answer = upload(analyst, name, content, kind=kind, headers=headers)
        assert answer.status_code == status, (name, answer.text)
        assert message in answer.json()["detail"], (name, answer.text)
    no_file = analyst.post("/api/v1/imports", data={"kind": "events"}, headers=headers)
    assert no_file.status_code == 415  # a plain form, not multipart
    empty_form = analyst.post(
        "/api/v1/imports",
        files={"other": ("x.csv", b"a")},
        data={"kind": "events"},
        headers=headers,
    )
    assert empty_form.status_code == 422 and "'file'" in empty_form.json()["detail"]
    assert analyst.get("/api/v1/jobs/999999").status_code == 404
    assert analyst.get("/api/v1/imports/999999").status_code == 404
    assert analyst.get("/api/v1/imports/999999/rejected.csv").status_code == 404
    assert analyst.get("/api/v1/imports/99999999999").status_code == 422
    assert analyst.get("/data/imports/999999").status_code == 404
    assert job_count(demo_store) == 0


def test_uploads_over_the_size_limit_are_refused(demo_store: Store, tmp_path: Path) -> None:
    from sentinelle.config import Settings
    from sentinelle.web.app import create_app
    from tests.web.conftest import sign_in

    app = create_app(
        Settings(database_url=demo_store.url, home=tmp_path, max_upload_mb=1), store=demo_store
    )
    with TestClient(app) as client:
        sign_in(client, "demo-analyst")
        big = b"event_id_cnty\n" + b"x" * (2 * 1024 * 1024)
        answer = upload(client, "big.csv", big, headers=csrf(client))
    assert answer.status_code == 413 and "1 MB" in answer.json()["detail"]
    assert job_count(demo_store) == 0
