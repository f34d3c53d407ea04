"""Exporting stored events: CSV, XLSX, GeoJSON and GeoPackage, with the filters they used.

Every export has the same columns (:data:`EXPORT_FIELDS`: the event schema, Sentinelle's id and
version, and the names of the region and cercle Sentinelle placed the event in), in the order of
the search it came from. CSV and XLSX can carry, as their second row, the HXL hashtag of each
column (``#event+code``, ``#date+occurred``, ``#adm1+code`` …; https://hxlstandard.org), the
convention of OCHA's Humanitarian Data Exchange.

The filters travel with the file: in its name (:func:`export_file_name`), in the ``about`` sheet
of an XLSX, the ``metadata`` member of a GeoJSON, the ``about`` table and layer metadata of a
GeoPackage; the web layer also sends them in a response header. (A comment line would make the
CSV invalid, so a CSV keeps them in its name only.)

Rows are read from the database in batches and written as they come, so a large export never
holds all events in memory. Every export is written to the audit log
(:func:`record_export`): who, when, which filters, how many rows, and whether personal data left
the system.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args
from urllib.parse import urlencode

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyogrio
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from sentinelle import __version__, accounts
from sentinelle.domain.vocabulary import Language
from sentinelle.explore.filters import EventQuery
from sentinelle.explore.search import EVENT_ROW_KEYS, Sort, count_events, iter_events
from sentinelle.store.database import Store

ExportFormat = Literal["csv", "xlsx", "geojson", "gpkg"]
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)

MEDIA_TYPES: Mapping[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}

EXPORT_SORT = "date"
"""Exports run in date order unless asked otherwise."""

BATCH_SIZE = 2000

XLSX_MAX_ROWS = 1_048_576
"""Rows an XLSX sheet holds (Excel's limit), header included."""

FieldKind = Literal["text", "int", "float", "bool", "date"]


@dataclass(frozen=True)
class ExportField:
    """A column of every export: its header, HXL hashtag and kind of value."""

    name: str
    hxl: str
    kind: FieldKind = "text"


EXPORT_FIELDS: tuple[ExportField, ...] = (
    ExportField("id", "#meta+id", "int"),
    ExportField("source", "#meta+dataset"),
    ExportField("source_id", "#event+code"),
    ExportField("version", "#meta+version", "int"),
    ExportField("vintage", "#meta+vintage"),
    ExportField("source_timestamp", "#date+updated+epoch", "int"),
    ExportField("event_date", "#date+occurred", "date"),
    ExportField("time_precision", "#date+precision", "int"),
    ExportField("disorder_type", "#event+type+disorder"),
    ExportField("event_type", "#event+type"),
    ExportField("sub_event_type", "#event+type+sub"),
    ExportField("original_event_type", "#event+type+original"),
    ExportField("civilian_targeting", "#event+civilians+targeted", "bool"),
    ExportField("actor1", "#group+name+first"),
    ExportField("assoc_actor_1", "#group+name+first+assoc"),
    ExportField("inter1", "#group+code+first", "int"),
    ExportField("actor2", "#group+name+second"),
    ExportField("assoc_actor_2", "#group+name+second+assoc"),
    ExportField("inter2", "#group+code+second", "int"),
    ExportField("interaction", "#group+code+interaction", "int"),
    ExportField("country", "#country+name"),
    ExportField("admin1", "#adm1+name+reported"),
    ExportField("admin2", "#adm2+name+reported"),
    ExportField("admin3", "#adm3+name+reported"),
    ExportField("location", "#loc+name"),
    ExportField("latitude", "#geo+lat", "float"),
    ExportField("longitude", "#geo+lon", "float"),
    ExportField("geo_precision", "#geo+precision", "int"),
    ExportField("region", "#adm1+name"),
    ExportField("admin1_pcode", "#adm1+code"),
    ExportField("cercle", "#adm2+name"),
    ExportField("admin2_pcode", "#adm2+code"),
    ExportField("priogrid_gid", "#loc+code+priogrid", "int"),
    ExportField("placement", "#geo+placement"),
    ExportField("sources", "#meta+source"),
    ExportField("source_scale", "#meta+source+scale"),
    ExportField("notes", "#description"),
    ExportField("tags", "#meta+tags"),
    ExportField("fatalities", "#affected+killed", "int"),
    ExportField("fatalities_low", "#affected+killed+min", "int"),
    ExportField("fatalities_high", "#affected+killed+max", "int"),
)
"""The columns of every export, in order. ``admin1``–``admin3`` are the names the source gave
(HXL ``+reported``); ``region``/``admin1_pcode`` and ``cercle``/``admin2_pcode`` are where
Sentinelle placed the event."""

FIELD_NAMES = tuple(f.name for f in EXPORT_FIELDS)

PERSONAL_FIELDS: frozenset[str] = frozenset()
"""Export columns that hold personal data. Conflict events hold none; records that do (harm
incidents: victims, witnesses) will name theirs, and :func:`record_export` says so in the
audit log."""

_ARROW_TYPES: Mapping[FieldKind, pa.DataType] = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}

SCHEMA = pa.schema([pa.field(f.name, _ARROW_TYPES[f.kind]) for f in EXPORT_FIELDS])


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown format, …)."""


@dataclass(frozen=True)
class ExportResult:
    """A finished export: where the file is, what to call it, and what it holds."""

    path: Path
    file_name: str
    format: ExportFormat
    media_type: str
    rows: int
    filters: str  # the filters as URL parameters, e.g. "start=2016-01&region=ML05"
    sort: str
    hxl: bool
    generated_at: dt.datetime


def check_format(value: str) -> ExportFormat:
    """The export format named ``value``, or :class:`ExportError`."""
    for known in FORMATS:
        if value == known:
            return known
    raise ExportError(f"unknown export format {value!r}; expected one of {', '.join(FORMATS)}")


def filters_text(query: EventQuery) -> str:
    """The filters of ``query`` as URL parameters (empty when there are none)."""
    return urlencode(query.as_params())


_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")


def export_file_name(query: EventQuery, fmt: ExportFormat, generated_at: dt.datetime) -> str:
    """A file name that says what the file holds: ``sentinelle-events_start-2016-01_region-ML05_
    20261125T0930Z.csv`` (``all`` when there are no filters). ASCII only; long filter lists are
    cut (the full filters are in the file's metadata)."""
    parts = []
    for key, value in query.as_params():
        clean = _UNSAFE.sub("-", value).strip("-") or "x"
        parts.append(f"{key}-{clean}")
    described = "_".join(parts) or "all"
    if len(described) > 120:
        described = described[:120].rstrip("-_") + "-etc"
    stamp = generated_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    return f"sentinelle-events_{described}_{stamp}.{fmt}"


# ----- rows ----------------------------------------------------------------------------------


def _batches(
    store_rows: Iterator[list[tuple[Any, ...]]], language: Language
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of the export from rows of the search (values are already of the fields' kinds:
    the store's column types convert them)."""
    names = [
        f"{f.name}_name_{language}" if f.name in ("region", "cercle") else f.name
        for f in EXPORT_FIELDS
    ]
    pick = itemgetter(*(EVENT_ROW_KEYS.index(name) for name in names))
    for rows in store_rows:
        yield [pick(row) for row in rows]


def _record_batch(rows: Sequence[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in EXPORT_FIELDS]
    arrays = [
        pa.array(list(values), type=_ARROW_TYPES[f.kind])
        for f, values in zip(EXPORT_FIELDS, columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def _about(
    query: EventQuery,
    rows: int,
    sort: str,
    hxl: bool,
    language: Language,
    generated_at: dt.datetime,
) -> list[tuple[str, str]]:
    """What an export holds, as (key, value) pairs: its ``about`` sheet or metadata."""
    about = [
        ("title", "Sentinelle events export"),
        ("generated_at", generated_at.astimezone(dt.UTC).isoformat(timespec="seconds")),
        ("sentinelle_version", __version__),
        ("rows", str(rows)),
        ("filters", filters_text(query) or "(none: all stored events)"),
    ]
    about += [(f"filter.{key}", value) for key, value in query.as_params()]
    about += [
        ("sort", sort),
        ("hxl", "true" if hxl else "false"),
        ("names_language", language),
        (
            "columns",
            "admin1-admin3 are the names given by the source; region/admin1_pcode and "
            "cercle/admin2_pcode are where Sentinelle placed the event (see placement)",
        ),
    ]
    return about


# ----- writers -------------------------------------------------------------------------------


def _write_csv(batches: Iterator[list[tuple[Any, ...]]], out: BinaryIO, hxl: bool) -> int:
    head = io.StringIO()
    writer = csv.writer(head, lineterminator="\n")
    writer.writerow(FIELD_NAMES)
    if hxl:
        writer.writerow([f.hxl for f in EXPORT_FIELDS])
    out.write(head.getvalue().encode("utf-8"))
    options = pa_csv.WriteOptions(include_header=False)
    count = 0
    for rows in batches:
        if rows:
            pa_csv.write_csv(pa.Table.from_batches([_record_batch(rows)]), out, options)
            count += len(rows)
    return count


def _cell_text(sheet: WriteOnlyWorksheet, value: str) -> Any:
    """Text for a spreadsheet cell: characters XLSX forbids removed, and never read as a
    formula or an error code (a note starting with '=' stays text)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


Describe = Callable[[int], list[tuple[str, str]]]
"""What an export holds, given how many rows were written (see :func:`_about`)."""


def _write_xlsx(
    batches: Iterator[list[tuple[Any, ...]]], path: Path, hxl: bool, describe: Describe
) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("events")
    sheet.append(list(FIELD_NAMES))
    if hxl:
        sheet.append([f.hxl for f in EXPORT_FIELDS])
    count = 0
    for rows in batches:
        for row in rows:
            sheet.append([_cell_text(sheet, v) if isinstance(v, str) else v for v in row])
        count += len(rows)
    info = book.create_sheet("about")
    info.append(["key", "value"])
    for key, value in describe(count):
        info.append([key, _cell_text(info, value)])
    book.save(path)
    return count


def _feature(row: tuple[Any, ...]) -> dict[str, Any]:
    properties = dict(zip(FIELD_NAMES, row, strict=True))
    date = properties["event_date"]
    if isinstance(date, dt.date):
        properties["event_date"] = date.isoformat()
    latitude, longitude = properties["latitude"], properties["longitude"]
    geometry = (
        {"type": "Point", "coordinates": [longitude, latitude]}
        if latitude is not None and longitude is not None
        else None
    )
    return {
        "type": "Feature",
        "id": properties["id"],
        "geometry": geometry,
        "properties": properties,
    }


def _write_geojson(
    batches: Iterator[list[tuple[Any, ...]]], out: BinaryIO, describe: Describe
) -> int:
    out.write(b'{"type": "FeatureCollection",\n"features": [\n')
    count = 0
    for rows in batches:
        for row in rows:
            prefix = b",\n" if count else b""
            out.write(prefix + json.dumps(_feature(row), ensure_ascii=False).encode("utf-8"))
            count += 1
    described = describe(count)
    metadata: dict[str, Any] = dict(described)
    metadata["filter_parameters"] = {
        k.removeprefix("filter."): v for k, v in described if k.startswith("filter.")
    }
    metadata["hxl_tags"] = {f.name: f.hxl for f in EXPORT_FIELDS}
    member = json.dumps(metadata, ensure_ascii=False)
    out.write(f'\n],\n"metadata": {member}\n}}\n'.encode())
    return count


def _points(batch: pa.RecordBatch) -> pa.Array:
    """WKB points from the latitude and longitude columns (null where either is missing)."""
    latitude = batch.column("latitude").to_numpy(zero_copy_only=False)
    longitude = batch.column("longitude").to_numpy(zero_copy_only=False)
    present = ~(np.isnan(latitude) | np.isnan(longitude))
    wkb = np.full(len(latitude), None, dtype=object)
    if present.any():
        wkb[present] = shapely.to_wkb(shapely.points(longitude[present], latitude[present]))
    return pa.array(wkb, pa.binary())


def _write_gpkg(
    batches: Iterator[list[tuple[Any, ...]]],
    path: Path,
    describe: Describe,
    layer_metadata: dict[str, str],
) -> int:
    schema = SCHEMA.append(pa.field("geometry", pa.binary()))
    count = 0

    def record_batches() -> Iterator[pa.RecordBatch]:
        nonlocal count
        for rows in batches:
            if rows:
                batch = _record_batch(rows)
                count += len(rows)
                yield pa.RecordBatch.from_arrays([*batch.columns, _points(batch)], schema=schema)

    pyogrio.write_arrow(
        pa.RecordBatchReader.from_batches(schema, record_batches()),
        path,
        layer="events",
        driver="GPKG",
        geometry_name="geometry",
        geometry_type="Point",
        crs="EPSG:4326",
        layer_metadata=layer_metadata,
    )
    described = describe(count)
    table = pa.table({"key": [k for k, _ in described], "value": [v for _, v in described]})
    pyogrio.write_arrow(table, path, layer="about", driver="GPKG", geometry_name=None)
    return count


def _check_xlsx_room(rows: int, hxl: bool) -> None:
    room = XLSX_MAX_ROWS - 1 - (1 if hxl else 0)
    if rows > room:
        raise ExportError(
            f"{rows:,} events are more than an XLSX sheet holds ({room:,} rows); narrow the "
            "filters, or export CSV or GeoPackage"
        )


def write_events(
    store: Store,
    query: EventQuery,
    fmt: ExportFormat,
    path: Path,
    hxl: bool = False,
    sort: Sort | str | None = EXPORT_SORT,
    language: Language = "fr",
    generated_at: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Write the events matching ``query`` to ``path`` in format ``fmt`` and return how many
    rows were written (:class:`ExportError` when they would not fit an XLSX sheet). ``hxl``
    adds the hashtag row to CSV and XLSX (GeoJSON and GeoPackage carry the hashtags in their
    metadata); region and cercle names are in ``language``."""
    fmt = check_format(fmt)
    chosen = sort if isinstance(sort, Sort) else Sort.parse(sort or EXPORT_SORT)
    moment = generated_at or accounts.now()

    def describe(rows: int) -> list[tuple[str, str]]:
        return _about(query, rows, str(chosen), hxl, language, moment)

    with store.reading() as connection:
        if fmt == "xlsx":
            _check_xlsx_room(count_events(connection, query), hxl)
        batches = _batches(iter_events(connection, query, chosen, language, batch_size), language)
        if fmt == "csv":
            with path.open("wb") as out:
                return _write_csv(batches, out, hxl)
        if fmt == "xlsx":
            return _write_xlsx(batches, path, hxl, describe)
        if fmt == "geojson":
            with path.open("wb") as out:
                return _write_geojson(batches, out, describe)
        head = dict(describe(0)[:2])
        head.update(filters=filters_text(query), sort=str(chosen))
        return _write_gpkg(batches, path, describe, head)


def record_export(
    store: Store,
    actor: str,
    query: EventQuery,
    fmt: ExportFormat,
    rows: int,
    hxl: bool,
    sort: str,
    file_name: str,
) -> None:
    """Write the export to the audit log (every export, so that any flow of data out of the
    system can be traced; ``personal_data`` says whether it held any)."""
    detail = {
        "format": fmt,
        "rows": rows,
        "filters": filters_text(query),
        "sort": sort,
        "hxl": hxl,
        "file_name": file_name,
        "personal_data": bool(PERSONAL_FIELDS & set(FIELD_NAMES)),
    }
    with store.transaction() as connection:
        accounts.record(
            connection,
            actor,
            "export",
            "events",
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )


def export_events(
    store: Store,
    actor: str,
    query: EventQuery,
    fmt: ExportFormat,
    folder: Path,
    hxl: bool = False,
    sort: Sort | str | None = EXPORT_SORT,
    language: Language = "fr",
) -> ExportResult:
    """Export the events matching ``query`` into a new file in ``folder``, record the export in
    the audit log, and say what was written. The caller removes the file when done with it."""
    chosen = sort if isinstance(sort, Sort) else Sort.parse(sort or EXPORT_SORT)
    moment = accounts.now()
    name = export_file_name(query, fmt, moment)
    path = folder / name
    rows = write_events(store, query, fmt, path, hxl, chosen, language, moment)
    record_export(store, actor, query, fmt, rows, hxl, str(chosen), name)
    return ExportResult(
        path=path,
        file_name=name,
        format=fmt,
        media_type=MEDIA_TYPES[fmt],
        rows=rows,
        filters=filters_text(query),
        sort=str(chosen),
        hxl=hxl,
        generated_at=moment,
    )
