"""Background jobs (e.g. an upload being ingested) and their progress, so that any web worker
can report it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sentinelle.store.imports import now
from sentinelle.store.schema import jobs


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    status: str
    file_name: str | None
    done: int
    total: int | None
    result: dict[str, Any] | None
    message: str | None
    created_by: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def create_job(connection: Connection, kind: str, file_name: str | None, created_by: str) -> int:
    result = connection.execute(
        insert(jobs).values(
            kind=kind,
            status="queued",
            file_name=file_name,
            done=0,
            created_by=created_by,
            created_at=now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def progress(connection: Connection, job_id: int, done: int, total: int | None) -> None:
    connection.execute(
        update(jobs).where(jobs.c.id == job_id).values(status="running", done=done, total=total)
    )


def finish(
    connection: Connection,
    job_id: int,
    status: str,
    result: dict[str, Any] | None = None,
    message: str | None = None,
) -> None:
    connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(
            status=status,
            result=None if result is None else json.dumps(result, default=str),
            message=message,
            finished_at=now(),
        )
    )


def get_job(connection: Connection, job_id: int) -> Job | None:
    row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        return None
    return Job(
        id=row.id,
        kind=row.kind,
        status=row.status,
        file_name=row.file_name,
        done=row.done,
        total=row.total,
        result=json.loads(row.result) if row.result else None,
        message=row.message,
        created_by=row.created_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
