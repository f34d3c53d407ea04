"""Reading tables (CSV or XLSX) in chunks of text columns, with spreadsheet row numbers.

Every cell arrives as text (or missing); typed parsing and its errors belong to the reader of each
format. Each chunk carries a ``__row__`` column: the row number a person sees when opening the
file in a spreadsheet (header = row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from sentinelle.readers.problems import FileRejected, ProblemLog

ROW = "__row__"
TEXT = pd.StringDtype("pyarrow")
DEFAULT_CHUNK_ROWS = 100_000
_SNIFF_BYTES = 1 << 20


class MalformedCsv(Exception):
    """The fast CSV path met a row with the wrong number of fields (internal signal)."""


def _sniff(path: Path) -> tuple[str, str]:
    """(kind, encoding) of a table file, from its bytes rather than its name."""
    if not path.exists():
        raise FileRejected(path, "no such file")
    if path.is_dir():
        raise FileRejected(path, "is a folder, not a file")
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head.strip():
        raise FileRejected(path, "the file is empty")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            raise FileRejected(path, "looks like a ZIP/XLSX file but is damaged") from None
        if any(n.startswith("xl/") for n in names):
            return "xlsx", ""
        raise FileRejected(path, "is a ZIP archive, not a CSV or XLSX table; unzip it first")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(path, "is an old Excel .xls workbook; save it as .xlsx or CSV")
    if head.startswith(b"%PDF"):
        raise FileRejected(path, "is a PDF document, not a table")
    if b"\x00" in head:
        raise FileRejected(path, "is a binary file, not a CSV or XLSX table")
    try:
        head.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sniffed block is still UTF-8
        encoding = "utf-8" if exc.start >= len(head) - 4 else "cp1252"
    return "csv", encoding


def _clean_name(name: Any) -> str:
    return "" if name is None else str(name).strip().lstrip("\ufeff").strip()


class TableFile:
    """A CSV or XLSX table opened for chunked reading."""

    def __init__(self, path: str | Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.chunk_rows = chunk_rows
        self.kind, self.encoding = _sniff(self.path)
        self.header = self._read_header()
        if not any(self.header):
            raise FileRejected(self.path, "the first row (the header) is empty")
        self.slow_path = False
        self.problems = ProblemLog()
        self.rows_seen = 0

    def _read_header(self) -> list[str]:
        if self.kind == "xlsx":
            for row in self._xlsx_rows():
                return [_clean_name(c) for c in row[1]]
            raise FileRejected(self.path, "the workbook's first sheet is empty")
        with open(self.path, encoding=self.encoding, newline="") as handle:
            try:
                first = next(csv.reader(handle))
            except StopIteration:
                raise FileRejected(self.path, "the file is empty") from None
            except csv.Error as exc:
                raise FileRejected(self.path, f"not a readable CSV file ({exc})") from None
        return [_clean_name(c) for c in first]

    def _columns(self) -> list[str]:
        """Unique column names (blank or repeated names get a positional name)."""
        names: list[str] = []
        for i, name in enumerate(self.header):
            if not name or name in names:
                name = f"__column_{i + 1}__"
            names.append(name)
        return names

    def chunks(self) -> Iterator[pd.DataFrame]:
        """Chunks of text columns named as in the header, plus ``__row__``. Rows with the wrong
        number of fields are recorded in :attr:`problems` and left out."""
        self.problems = ProblemLog()
        self.rows_seen = 0
        if self.kind == "xlsx":
            yield from self._xlsx_chunks()
        elif self.slow_path:
            yield from self._csv_chunks_python()
        else:
            yield from self._csv_chunks_arrow()

    # -- CSV, fast path ---------------------------------------------------------------------
    def _csv_chunks_arrow(self) -> Iterator[pd.DataFrame]:
        columns = self._columns()

        malformed: list[int | None] = []

        def invalid(row: Any) -> str:
            # exceptions raised here do not reach us: note it and let pyarrow stop
            malformed.append(row.number)
            return "error"

        read = pacsv.ReadOptions(
            column_names=columns,
            skip_rows=1,
            block_size=8 << 20,
            use_threads=False,
            encoding=self.encoding,
        )
        convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        # blank lines are not skipped silently: they make the exact (slow) path take over, so
        # that row numbers stay those of the spreadsheet
        parse = pacsv.ParseOptions(
            newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid
        )
        try:
            reader = pacsv.open_csv(
                self.path, read_options=read, convert_options=convert, parse_options=parse
            )
        except (pa.ArrowInvalid, OSError) as exc:
            if malformed:
                raise MalformedCsv(malformed[0]) from None
            raise FileRejected(self.path, f"not a readable CSV file ({exc})") from None
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                if malformed:
                    raise MalformedCsv(malformed[0]) from None
                raise FileRejected(self.path, f"not a readable CSV file ({exc})") from None
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= self.chunk_rows:
                table = pa.Table.from_batches(pending)
                start = 0
                while pending_rows - start >= self.chunk_rows:
                    yield self._arrow_frame(table.slice(start, self.chunk_rows))
                    start += self.chunk_rows
                pending = table.slice(start).to_batches()
                pending_rows -= start
        if pending_rows:
            yield self._arrow_frame(pa.Table.from_batches(pending))

    def _arrow_frame(self, table: pa.Table) -> pd.DataFrame:
        frame = table.to_pandas(types_mapper={pa.string(): TEXT}.get)
        start = self.rows_seen + 2
        frame[ROW] = pd.RangeIndex(start, start + len(frame))
        self.rows_seen += len(frame)
        return frame

    # -- CSV, exact slow path (used when some rows are malformed) ----------------------------
    def _csv_chunks_python(self) -> Iterator[pd.DataFrame]:
        columns = self._columns()
        width = len(columns)
        with open(self.path, encoding=self.encoding, newline="", errors="replace") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            rows: list[list[str | None]] = []
            numbers: list[int] = []
            for index, record in enumerate(reader):
                number = index + 2
                if not any(field.strip() for field in record):
                    continue
                if len(record) != width:
                    self.problems.add(
                        self.name,
                        number,
                        None,
                        None,
                        f"the row has {len(record)} fields; the header has {width}",
                    )
                    continue
                rows.append([field if field != "" else None for field in record])
                numbers.append(number)
                if len(rows) >= self.chunk_rows:
                    yield self._python_frame(columns, rows, numbers)
                    rows, numbers = [], []
            if rows:
                yield self._python_frame(columns, rows, numbers)

    def _python_frame(
        self, columns: list[str], rows: list[list[Any]], numbers: list[int]
    ) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=columns, dtype=TEXT)
        frame[ROW] = numbers
        self.rows_seen += len(frame)
        return frame

    # -- XLSX --------------------------------------------------------------------------------
    def _xlsx_rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
            raise FileRejected(self.path, f"not a readable XLSX workbook ({exc})") from None
        try:
            sheet = workbook.worksheets[0]
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            workbook.close()

    def _xlsx_chunks(self) -> Iterator[pd.DataFrame]:
        columns = self._columns()
        width = len(columns)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        for number, row in self._xlsx_rows():
            if number == 1:
                continue
            cells = [_cell_text(c) for c in row[:width]]
            if not any(c is not None for c in cells):
                continue
            if len(cells) < width:
                cells.extend([None] * (width - len(cells)))
            extra = [c for c in row[width:] if _cell_text(c) is not None]
            if extra:
                self.problems.add(
                    self.name, number, None, None, "the row has values beyond the header's columns"
                )
                continue
            rows.append(cells)
            numbers.append(number)
            if len(rows) >= self.chunk_rows:
                yield self._python_frame(columns, rows, numbers)
                rows, numbers = [], []
        if rows:
            yield self._python_frame(columns, rows, numbers)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def write_xlsx(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame as a one-sheet XLSX (used for exports and to build test files)."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl")
    Path(path).write_bytes(buffer.getvalue())
