"""Fast bulk writes: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, inside the caller's
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table


def frame_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of plain Python values (``None`` for missing; dates as
    ``YYYY-MM-DD`` text, which both back-ends accept for DATE columns)."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            text = series.dt.strftime("%Y-%m-%d")
            columns.append(text.to_numpy(dtype=object, na_value=None))
        else:
            columns.append(series.to_numpy(dtype=object, na_value=None))
    return list(zip(*columns, strict=True)) if columns else []


def bulk_insert(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named like ``table``'s) and return the count."""
    if frame.empty:
        return 0
    names: Sequence[str] = list(frame.columns)
    rows = frame_rows(frame)
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("no database connection")
    quoted = ", ".join(f'"{n}"' for n in names)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            sql = f'COPY "{table.name}" ({quoted}) FROM STDIN'
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in names)
        cursor = raw.cursor()
        try:
            cursor.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)
        finally:
            cursor.close()
    return len(rows)
