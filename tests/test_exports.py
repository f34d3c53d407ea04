"""Event exports: every format reads back with the same rows as the search the API serves,
carries its filters, pages through the database, and is written to the audit log."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyogrio
import pytest
from sqlalchemy import select

from sentinelle import exports
from sentinelle.demo.load import load_demo
from sentinelle.explore import search
from sentinelle.explore.filters import EventQuery
from sentinelle.ingest import ingest_file
from sentinelle.store.database import Store
from sentinelle.store.schema import audit_log

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MOPTI_VAC = EventQuery.parse(region="ML05", event_type=["Violence against civilians"])


@pytest.fixture
def demo(store: Store) -> Store:
    load_demo(store)
    return store


def api_rows(store: Store, query: EventQuery, sort: str = exports.EXPORT_SORT) -> list[Any]:
    """What the API lists for ``query`` (every page), as stored events."""
    found: list[search.StoredEvent] = []
    page = 1
    with store.reading() as connection:
        while True:
            chunk = search.search_events(connection, query, sort, page, 500, "fr")
            found += chunk.items
            if page >= chunk.pages:
                return found
            page += 1


def expected_frame(items: list[search.StoredEvent]) -> pd.DataFrame:
    """The rows an export should hold, built from the search results field by field."""
    records = []
    for item in items:
        record = dict(item.event.__dict__)
        record.update(
            id=item.id,
            version=item.version,
            region=item.region.name_fr if item.region else None,
            cercle=item.cercle.name_fr if item.cercle else None,
        )
        records.append({name: record[name] for name in exports.FIELD_NAMES})
    return pd.DataFrame.from_records(records, columns=list(exports.FIELD_NAMES))


def same(a: Any, b: Any) -> bool:
    missing = (a is None or (isinstance(a, float) and math.isnan(a)), b is None)
    if any(missing):
        return all(missing) or (a in ("", None) and b in ("", None))
    if isinstance(b, float):
        return math.isclose(float(a), b)
    if isinstance(b, dt.date):
        return str(a)[:10] == b.isoformat()
    if isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    return str(a) == str(b)


def assert_rows_equal(read: list[dict[str, Any]], expected: pd.DataFrame) -> None:
    assert len(read) == len(expected)
    for got, (_, want) in zip(read, expected.iterrows(), strict=True):
        for name in exports.FIELD_NAMES:
            value = want[name]
            value = (
                None if value is None or (isinstance(value, float) and math.isnan(value)) else value
            )
            assert same(got[name], value), (name, got[name], value, want["id"])


def export(
    store: Store, fmt: exports.ExportFormat, folder: Path, **kw: Any
) -> exports.ExportResult:
    return exports.export_events(store, "tester", kw.pop("query", MOPTI_VAC), fmt, folder, **kw)


def test_csv_reads_back_with_the_api_rows_and_hxl_only_when_asked(
    demo: Store, tmp_path: Path
) -> None:
    expected = expected_frame(api_rows(demo, MOPTI_VAC))
    assert len(expected) > 50

    plain = export(demo, "csv", tmp_path)
    frame = pd.read_csv(plain.path, dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(exports.FIELD_NAMES)
    assert_rows_equal(frame.to_dict("records"), expected)
    assert not frame.iloc[0]["id"].startswith("#")
    assert plain.rows == len(expected)

    (tmp_path / "hxl").mkdir()
    tagged = export(demo, "csv", tmp_path / "hxl", hxl=True)
    lines = tagged.path.read_text(encoding="utf-8").splitlines()
    assert lines[1].split(",")[:3] == ["#meta+id", "#meta+dataset", "#event+code"]
    for tag in ("#date+occurred", "#adm1+code", "#adm2+name", "#geo+lat", "#affected+killed"):
        assert tag in lines[1].split(",")
    frame = pd.read_csv(tagged.path, dtype=str, keep_default_na=False, skiprows=[1])
    assert_rows_equal(frame.to_dict("records"), expected)


def test_xlsx_reads_back_with_the_api_rows_and_an_about_sheet(demo: Store, tmp_path: Path) -> None:
    expected = expected_frame(api_rows(demo, MOPTI_VAC))
    result = export(demo, "xlsx", tmp_path, hxl=True)
    book = openpyxl.load_workbook(result.path, read_only=True)
    assert book.sheetnames == ["events", "about"]
    rows = list(book["events"].iter_rows(values_only=True))
    assert list(rows[0]) == list(exports.FIELD_NAMES)
    assert rows[1][0] == "#meta+id" and rows[1][6] == "#date+occurred"
    read = [dict(zip(exports.FIELD_NAMES, row, strict=True)) for row in rows[2:]]
    assert_rows_equal(read, expected)
    assert isinstance(read[0]["event_date"], dt.datetime)  # a real date cell, not text
    about = dict(list(book["about"].iter_rows(values_only=True))[1:])
    assert about["filters"] == "region=ML05&event_type=Violence+against+civilians"
    assert about["filter.region"] == "ML05"
    assert about["rows"] == str(len(expected))

    (tmp_path / "plain").mkdir()
    no_hxl = export(demo, "xlsx", tmp_path / "plain")
    first_rows = list(
        openpyxl.load_workbook(no_hxl.path, read_only=True)["events"].iter_rows(
            min_row=2, max_row=2, values_only=True
        )
    )
    assert first_rows[0][0] == expected["id"].iloc[0]


def test_geojson_reads_back_with_the_api_rows_and_metadata(demo: Store, tmp_path: Path) -> None:
    expected = expected_frame(api_rows(demo, MOPTI_VAC))
    result = export(demo, "geojson", tmp_path)
    document = json.loads(result.path.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection"
    assert document["metadata"]["filters"] == "region=ML05&event_type=Violence+against+civilians"
    assert document["metadata"]["filter_parameters"] == {
        "region": "ML05",
        "event_type": "Violence against civilians",
    }
    assert document["metadata"]["hxl_tags"]["source_id"] == "#event+code"
    features = document["features"]
    assert_rows_equal([f["properties"] for f in features], expected)
    for feature in features:
        props = feature["properties"]
        assert feature["id"] == props["id"]
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [props["longitude"], props["latitude"]],
        }


def test_geopackage_reads_back_with_the_api_rows(demo: Store, tmp_path: Path) -> None:
    expected = expected_frame(api_rows(demo, MOPTI_VAC))
    result = export(demo, "gpkg", tmp_path)
    layers = {name for name, _ in pyogrio.list_layers(result.path)}
    assert layers == {"events", "about"}
    info = pyogrio.read_info(result.path, layer="events")
    assert info["crs"] == "EPSG:4326" and info["geometry_type"] == "Point"
    assert info["layer_metadata"]["filters"] == "region=ML05&event_type=Violence+against+civilians"
    _, table = pyogrio.read_arrow(result.path, layer="events")
    read = table.to_pylist()
    assert_rows_equal(read, expected)
    points = [pyogrio_point(row[info["geometry_name"]]) for row in read]
    assert points == [(r["longitude"], r["latitude"]) for r in read]
    _, about = pyogrio.read_arrow(result.path, layer="about")
    pairs = dict(zip(about["key"].to_pylist(), about["value"].to_pylist(), strict=True))
    assert pairs["rows"] == str(len(expected))


def pyogrio_point(wkb: bytes) -> tuple[float, float]:
    import shapely

    point = shapely.from_wkb(wkb)
    return (point.x, point.y)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_an_export_matching_nothing_is_a_valid_empty_file(
    demo: Store, tmp_path: Path, fmt: exports.ExportFormat
) -> None:
    nothing = EventQuery.parse(actor="no such actor anywhere")
    result = export(demo, fmt, tmp_path, query=nothing)
    assert result.rows == 0
    assert "actor-no-such-actor-anywhere" in result.file_name
    if fmt == "csv":
        assert pd.read_csv(result.path).empty
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(result.path, read_only=True)["events"]
        assert len(list(sheet.iter_rows(values_only=True))) == 1
    elif fmt == "geojson":
        assert json.loads(result.path.read_text())["features"] == []
    else:
        assert pyogrio.read_info(result.path, layer="events")["features"] == 0


def test_exports_page_through_the_database_in_batches(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    real = search.iter_events

    def counting(*args: Any, **kwargs: Any) -> Any:
        for batch in real(*args, **kwargs):
            batches.append(len(batch))
            yield batch

    monkeypatch.setattr(exports, "iter_events", counting)
    whole = tmp_path / "whole.csv"
    paged = tmp_path / "paged.csv"
    rows = exports.write_events(demo, EventQuery(), "csv", whole, batch_size=100_000)
    assert batches == [rows]
    batches.clear()
    exports.write_events(demo, EventQuery(), "csv", paged, batch_size=97)
    assert len(batches) == math.ceil(rows / 97) and max(batches) == 97
    assert whole.read_bytes() == paged.read_bytes()


def test_every_export_is_in_the_audit_log(demo: Store, tmp_path: Path) -> None:
    result = export(demo, "geojson", tmp_path, sort="-fatalities")
    with demo.reading() as connection:
        entries = connection.execute(select(audit_log).where(audit_log.c.action == "export")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.record_type) == ("tester", "events")
    detail = json.loads(entry.detail)
    assert detail == {
        "format": "geojson",
        "rows": result.rows,
        "filters": "region=ML05&event_type=Violence+against+civilians",
        "sort": "-fatalities",
        "hxl": False,
        "file_name": result.file_name,
        "personal_data": False,
    }


def test_export_order_follows_the_sort(demo: Store, tmp_path: Path) -> None:
    result = export(demo, "csv", tmp_path, sort="-fatalities")
    frame = pd.read_csv(result.path)
    expected = [item.id for item in api_rows(demo, MOPTI_VAC, "-fatalities")]
    assert frame["id"].tolist() == expected
    assert frame["fatalities"].is_monotonic_decreasing


def test_file_names_say_what_the_file_holds() -> None:
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    query = EventQuery.parse(start="2016-01", region="ML05", q='Ogossagou "massacre"/x')
    name = exports.export_file_name(query, "gpkg", moment)
    assert name == (
        "sentinelle-events_start-2016-01_region-ML05_q-Ogossagou-massacre-x_20260301T0930Z.gpkg"
    )
    assert exports.export_file_name(EventQuery(), "csv", moment).startswith(
        "sentinelle-events_all_"
    )
    long = exports.export_file_name(EventQuery.parse(q="x" * 200), "csv", moment)
    assert len(long) < 180 and long.isascii()
    with pytest.raises(exports.ExportError, match="expected one of csv, xlsx, geojson, gpkg"):
        exports.check_format("pdf")


def test_spreadsheet_cells_never_become_formulas(store: Store, tmp_path: Path) -> None:
    """A note that starts with '=' (or holds characters XLSX forbids) stays plain text."""
    source = (FIXTURES / "acled" / "dyadic_small.csv").read_text(encoding="utf-8")
    tricky = source.replace(
        '"Fictional test row: armed men attacked a village."',
        '"=HYPERLINK(""http://example.org"",""x"")\x0b armed men"',
    )
    path = tmp_path / "tricky.csv"
    path.write_text(tricky, encoding="utf-8")
    ingest_file(store, path)
    result = exports.export_events(store, "tester", EventQuery(q="TST1"), "xlsx", tmp_path)
    book = openpyxl.load_workbook(result.path)
    sheet = book["events"]
    notes_column = exports.FIELD_NAMES.index("notes") + 1
    cell = sheet.cell(row=2, column=notes_column)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.org","x") armed men'


def test_an_xlsx_export_too_large_for_a_sheet_is_refused(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = len(api_rows(demo, MOPTI_VAC))
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", rows + 1)  # header + every row: fits
    assert export(demo, "xlsx", tmp_path).rows == rows
    with pytest.raises(exports.ExportError, match=f"{rows:,} events are more than an XLSX"):
        export(demo, "xlsx", tmp_path, hxl=True)  # the hashtag row needs one more
    with demo.reading() as connection:
        logged = connection.execute(select(audit_log).where(audit_log.c.action == "export"))
        assert len(logged.all()) == 1  # a refused export is not an export


def test_the_documentation_lists_every_column_and_hashtag() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "exports.md").read_text("utf-8")
    cells = [[c.strip(" `") for c in line.split("|")[1:-1]] for line in doc.splitlines()]
    documented = [tuple(row) for row in cells if len(row) == 3 and row[1].startswith("#")]
    assert documented == [(f.name, f.hxl, f.kind) for f in exports.EXPORT_FIELDS]
