"""The audit log in the store: append entries, read them, verify the chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from sentinelle.domain.audit import GENESIS, AuditEntry, entry_hash
from sentinelle.store.schema import audit_head, audit_log

_LOCK_KEY = 7_460_002  # PostgreSQL advisory lock serialising appends


def _dumps(value: dict[str, Any] | None) -> str | None:
    return (
        None
        if value is None
        else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    )


def _loads(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)


def append(connection: Connection, entry: AuditEntry) -> str:
    """Append ``entry`` in the caller's transaction and return its hash."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
    head = connection.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    prev = head.hash if head else GENESIS
    digest = entry_hash(prev, entry)
    connection.execute(
        insert(audit_log).values(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            record_type=entry.record_type,
            record_id=entry.record_id,
            before=_dumps(entry.before),
            after=_dumps(entry.after),
            detail=entry.detail,
            prev_hash=prev,
            hash=digest,
        )
    )
    if head is None:
        connection.execute(insert(audit_head).values(id=1, entries=1, hash=digest))
    else:
        connection.execute(
            update(audit_head)
            .where(audit_head.c.id == 1)
            .values(entries=head.entries + 1, hash=digest)
        )
    return digest


@dataclass(frozen=True)
class StoredEntry:
    id: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def _row_entry(row: Any) -> StoredEntry:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return StoredEntry(
        id=row.id,
        entry=AuditEntry(
            at=at,
            actor=row.actor,
            action=row.action,
            record_type=row.record_type,
            record_id=row.record_id,
            before=_loads(row.before),
            after=_loads(row.after),
            detail=row.detail,
        ),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def entries(
    connection: Connection,
    *,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
    action: str | None = None,
    record_type: str | None = None,
) -> list[StoredEntry]:
    query = select(audit_log)
    if action:
        query = query.where(audit_log.c.action == action)
    if record_type:
        query = query.where(audit_log.c.record_type == record_type)
    query = query.order_by(audit_log.c.id.desc() if newest_first else audit_log.c.id)
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_row_entry(r) for r in connection.execute(query)]


def count(connection: Connection, action: str | None = None) -> int:
    query = select(func.count()).select_from(audit_log)
    if action:
        query = query.where(audit_log.c.action == action)
    return int(connection.execute(query).scalar_one())


@dataclass(frozen=True)
class Verification:
    entries: int
    ok: bool
    first_bad_id: int | None
    problem: str | None


def _walk(connection: Connection) -> Iterator[StoredEntry]:
    last = 0
    while True:
        batch = connection.execute(
            select(audit_log).where(audit_log.c.id > last).order_by(audit_log.c.id).limit(5000)
        ).all()
        if not batch:
            return
        for row in batch:
            yield _row_entry(row)
        last = batch[-1].id


def verify(connection: Connection) -> Verification:
    """Recompute the chain. Detects edited, inserted and removed entries, and a removed tail
    (the head keeps the newest hash and the number of entries)."""
    prev = GENESIS
    n = 0
    for stored in _walk(connection):
        n += 1
        if stored.prev_hash != prev:
            return Verification(
                n,
                False,
                stored.id,
                "does not follow the previous entry (an entry before it was removed or inserted)",
            )
        if entry_hash(prev, stored.entry) != stored.hash:
            return Verification(n, False, stored.id, "its content was changed after it was written")
        prev = stored.hash
    head = connection.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    if head is None:
        if n:
            return Verification(n, False, None, "the log's head record is missing")
        return Verification(0, True, None, None)
    if head.hash != prev or head.entries != n:
        return Verification(
            n,
            False,
            None,
            f"the log ends early: the head records {head.entries} entries, {n} remain",
        )
    return Verification(n, True, None, None)
