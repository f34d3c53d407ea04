from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import DBAPIError

from sentinelle.domain.audit import AuditEntry
from sentinelle.store import audit
from sentinelle.store.database import Store


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
        actor=f"user{n}",
        action="update",
        record_type="alert",
        record_id=str(n),
        before={"status": "received"},
        after={"status": "verified", "note": "é"},
    )


def write(store: Store, n: int) -> None:
    for i in range(n):
        with store.transaction() as connection:
            audit.append(connection, entry(i))


def test_an_intact_log_verifies(store: Store) -> None:
    write(store, 5)
    with store.reading() as connection:
        result = audit.verify(connection)
        newest = audit.entries(connection, limit=1)[0]
    assert result.ok and result.entries == 5
    assert newest.entry.after == {"status": "verified", "note": "é"}


def test_the_database_refuses_changes_and_deletions(store: Store) -> None:
    write(store, 2)
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), store.transaction() as connection:
            connection.exec_driver_sql(statement)
    with store.reading() as connection:
        assert audit.verify(connection).ok


def _without_guard(store: Store, statement: str) -> None:
    """Tamper as someone with full database access would: drop the guard, edit, restore."""
    with store.transaction() as connection:
        if connection.dialect.name == "postgresql":
            trigger = "TRIGGER audit_log_append_only"
            connection.exec_driver_sql(f"ALTER TABLE audit_log DISABLE {trigger}")
            connection.exec_driver_sql(statement)
            connection.exec_driver_sql(f"ALTER TABLE audit_log ENABLE {trigger}")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
            connection.exec_driver_sql(statement)


@pytest.mark.parametrize(
    ("statement", "first_bad", "words"),
    [
        ("UPDATE audit_log SET actor = 'forger' WHERE id = 3", 3, "content was changed"),
        ("DELETE FROM audit_log WHERE id = 2", 3, "does not follow"),
        ("DELETE FROM audit_log WHERE id = 5", None, "ends early"),
    ],
)
def test_tampering_is_detected(
    store: Store, statement: str, first_bad: int | None, words: str
) -> None:
    write(store, 5)
    _without_guard(store, statement)
    with store.reading() as connection:
        result = audit.verify(connection)
    assert not result.ok
    assert result.first_bad_id == first_bad
    assert result.problem is not None and words in result.problem
