"""The import log: every file that entered the store, its counts, and its rejected rows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from sentinelle.domain.audit import AuditEntry
from sentinelle.readers.problems import Problem
from sentinelle.store import audit
from sentinelle.store.bulk import bulk_insert
from sentinelle.store.schema import imports, rejected_rows


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ImportRecord:
    id: int
    kind: str
    file_name: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    counts: dict[str, Any]
    vintage: str | None
    message: str | None


def start_import(
    connection: Connection,
    kind: str,
    file_name: str,
    file_sha256: str | None = None,
    vintage: str | None = None,
) -> int:
    result = connection.execute(
        insert(imports).values(
            kind=kind,
            file_name=file_name,
            file_sha256=file_sha256,
            vintage=vintage,
            status="running",
            started_at=now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_import(
    connection: Connection,
    import_id: int,
    counts: Mapping[str, Any],
    status: str = "done",
    message: str | None = None,
) -> None:
    connection.execute(
        update(imports)
        .where(imports.c.id == import_id)
        .values(status=status, finished_at=now(), counts=json.dumps(dict(counts)), message=message)
    )


def record_failed_import(connection: Connection, kind: str, file_name: str, message: str) -> int:
    """Log a file that could not be ingested at all (its data was not written)."""
    import_id = start_import(connection, kind, file_name)
    finish_import(connection, import_id, {}, status="failed", message=message)
    return import_id


def save_problems(connection: Connection, import_id: int, problems: list[Problem]) -> int:
    if not problems:
        return 0
    frame = pd.DataFrame(
        {
            "import_id": import_id,
            "file": [p.file for p in problems],
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "reason": [p.reason for p in problems],
        }
    )
    return bulk_insert(connection, rejected_rows, frame)


def _record(r: Any) -> ImportRecord:
    return ImportRecord(
        id=r.id,
        kind=r.kind,
        file_name=r.file_name,
        status=r.status,
        started_at=r.started_at,
        finished_at=r.finished_at,
        counts=json.loads(r.counts) if r.counts else {},
        vintage=r.vintage,
        message=r.message,
    )


def list_imports(connection: Connection, limit: int = 50, offset: int = 0) -> list[ImportRecord]:
    """The newest imports first."""
    rows = connection.execute(
        select(imports).order_by(imports.c.id.desc()).limit(limit).offset(offset)
    )
    return [_record(r) for r in rows]


def count_imports(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(imports)).scalar_one())


def get_import(connection: Connection, import_id: int) -> ImportRecord | None:
    row = connection.execute(select(imports).where(imports.c.id == import_id)).first()
    return None if row is None else _record(row)


def rename_file(connection: Connection, old: str, new: str) -> None:
    """Show ``new`` instead of ``old`` as the file of its imports and rejected rows (e.g. the
    name a user uploaded instead of the path the server saved it under)."""
    found = connection.execute(
        select(imports.c.id, imports.c.counts).where(imports.c.file_name == old)
    ).all()
    for import_id, text in found:
        counts = json.loads(text) if text else {}
        if counts.get("file") == old:
            counts["file"] = new
        connection.execute(
            update(imports)
            .where(imports.c.id == import_id)
            .values(file_name=new, counts=json.dumps(counts) if text else text)
        )
    if found:
        connection.execute(
            update(rejected_rows)
            .where(rejected_rows.c.import_id.in_([i for i, _ in found]))  # indexed
            .where(rejected_rows.c.file == old)
            .values(file=new)
        )


def count_problems(connection: Connection, import_id: int) -> int:
    query = select(func.count()).where(rejected_rows.c.import_id == import_id)
    return int(connection.execute(query).scalar_one())


def load_problems(
    connection: Connection, import_id: int, limit: int | None = None, offset: int = 0
) -> list[Problem]:
    """The rejected rows of one import in the order found (``limit``/``offset``: one page)."""
    query = (
        select(rejected_rows)
        .where(rejected_rows.c.import_id == import_id)
        .order_by(rejected_rows.c.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [Problem(r.file, r.row, r.column, r.value, r.reason) for r in connection.execute(query)]


def data_version(connection: Connection) -> tuple[int, int | None, str | None]:
    """Changes whenever data enters or leaves the store (every import, deletion list, boundary
    file or demo load is an import that commits with its data): a key for cached results."""
    count, last, finished = connection.execute(
        select(func.count(), func.max(imports.c.id), func.max(imports.c.finished_at))
    ).one()
    return int(count), last, None if finished is None else str(finished)


def audit_import(
    connection: Connection, actor: str, import_id: int, after: dict[str, object], detail: str
) -> None:
    """The audit entry of a file import (its counts in ``after``; ``detail`` cut at 2,000
    characters), in the caller's transaction."""
    audit.append(
        connection,
        AuditEntry(
            at=now(),
            actor=actor,
            action="import",
            record_type="import",
            record_id=str(import_id),
            after=after,
            detail=detail[:2000],
        ),
    )
