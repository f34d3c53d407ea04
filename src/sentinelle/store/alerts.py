"""Alerts and their steps in the store.

Every change to an alert goes through :func:`update_alert`, which writes only if the alert is
still at the version the caller read (optimistic locking): two people acting on the same alert
at once cannot overwrite each other; the second is told the alert changed. Steps are
append-only (database triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, insert, select, update

from sentinelle.store.schema import alert_steps, alerts


class VersionConflict(Exception):
    """The alert changed since the caller read it."""

    def __init__(self, alert_id: int, expected: int, current: int | None) -> None:
        self.alert_id = alert_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"alert {alert_id} changed since it was read (version {expected}, now {current}): "
            "reload it and try again"
        )


def insert_alert(connection: Connection, values: Mapping[str, Any]) -> int:
    result = connection.execute(insert(alerts).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get_alert(
    connection: Connection, alert_id: int, for_update: bool = False
) -> dict[str, Any] | None:
    """The alert's row; with ``for_update`` its row is locked until the transaction ends
    (PostgreSQL; SQLite writers are serialised anyway)."""
    query = select(alerts).where(alerts.c.id == alert_id)
    if for_update:
        query = query.with_for_update()
    row = connection.execute(query).mappings().first()
    return dict(row) if row is not None else None


def alert_by_message_id(connection: Connection, message_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(select(alerts).where(alerts.c.source_message_id == message_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def update_alert(
    connection: Connection,
    alert_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    updated_at: dt.datetime,
) -> int:
    """Apply ``changes`` if the alert is still at ``expected_version``; returns the new
    version, or raises :class:`VersionConflict`."""
    result = connection.execute(
        update(alerts)
        .where(and_(alerts.c.id == alert_id, alerts.c.version == expected_version))
        .values(**changes, updated_at=updated_at, version=alerts.c.version + 1)
    )
    if result.rowcount != 1:
        current = connection.execute(
            select(alerts.c.version).where(alerts.c.id == alert_id)
        ).scalar()
        raise VersionConflict(alert_id, expected_version, current)
    return expected_version + 1


def insert_step(
    connection: Connection,
    alert_id: int,
    action: str,
    from_state: str | None,
    to_state: str,
    at: dt.datetime,
    recorded_at: dt.datetime,
    actor: str,
    owner: str,
    details: Mapping[str, Any],
    version: int,
) -> None:
    connection.execute(
        insert(alert_steps).values(
            alert_id=alert_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            at=at,
            recorded_at=recorded_at,
            actor=actor,
            owner=owner,
            details=json.dumps(dict(details), sort_keys=True, default=str),
            version=version,
        )
    )


def load_steps(connection: Connection, alert_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(alert_steps).where(alert_steps.c.alert_id == alert_id).order_by(alert_steps.c.id)
    ).mappings()
    out = []
    for row in rows:
        item = dict(row)
        item["details"] = json.loads(item["details"])
        out.append(item)
    return out


def last_step_time(connection: Connection, alert_id: int) -> dt.datetime | None:
    return connection.execute(
        select(func.max(alert_steps.c.at)).where(alert_steps.c.alert_id == alert_id)
    ).scalar()


FRAME_COLUMNS = (
    "id",
    "channel",
    "received_at",
    "admin1_pcode",
    "admin2_pcode",
    "latitude",
    "longitude",
    "threat_type",
    "urgency",
    "state",
    "verification",
    "response_required",
    "priority",
    "decision",
    "responding_unit",
    "outcome",
    "killed",
    "injured",
    "merged_into",
    "verified_at",
    "assessed_at",
    "decided_at",
    "dispatched_at",
    "on_site_at",
    "closed_at",
)
"""The columns analyses read (no personal data)."""

TIME_COLUMNS = tuple(c for c in FRAME_COLUMNS if c.endswith("_at"))


def _utc(values: pd.Series) -> pd.Series:
    """Times as UTC timestamps (SQLite returns text without a zone: it is UTC)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    return pd.to_datetime(values, utc=True, format="ISO8601")


def load_frame(
    connection: Connection,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    columns: Iterable[str] = FRAME_COLUMNS,
) -> pd.DataFrame:
    """Alerts received in ``[start, end)`` as a frame, times as UTC timestamps.

    Read in bulk (``COPY … TO STDOUT`` parsed by pyarrow on PostgreSQL; one ``fetchall`` on
    SQLite) rather than row by row: the response figures read every alert of a period."""
    names = list(columns)
    unknown = set(names) - set(alerts.c.keys())
    if unknown:
        raise ValueError(f"unknown alert columns {sorted(unknown)}")
    query = select(*(alerts.c[c] for c in names))
    if start is not None:
        query = query.where(alerts.c.received_at >= start)
    if end is not None:
        query = query.where(alerts.c.received_at < end)
    query = query.order_by(alerts.c.id)
    if connection.dialect.name == "postgresql":
        selected = [
            func.extract("epoch", alerts.c[c]).label(c) if c in TIME_COLUMNS else alerts.c[c]
            for c in names
        ]
        query = query.with_only_columns(*selected)
        frame = _copy_frame(connection, query, names)
    else:
        compiled = query.compile(connection, compile_kwargs={"render_postcompile": True})
        rows = connection.exec_driver_sql(str(compiled), tuple(compiled.params.values())).all()
        frame = pd.DataFrame.from_records(rows, columns=names)
    return _typed_frame(frame, names)


def _copy_frame(connection: Connection, query: Any, names: list[str]) -> pd.DataFrame:
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
    raw = connection.connection.driver_connection
    assert raw is not None
    buffer = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({compiled}) TO STDOUT WITH CSV") as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return pd.DataFrame(columns=names)
    buffer.seek(0)
    types = {c: pa.float64() if c in TIME_COLUMNS else pa.string() for c in names}
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )
    frame = table.to_pandas()
    for column in names:
        if column in TIME_COLUMNS:  # seconds since 1970 (UTC), read exactly to the microsecond
            micro = (frame[column] * 1e6).round()
            frame[column] = pd.to_datetime(micro, unit="us", utc=True)
    return frame


NUMBERS = {
    "id": "int64",
    "latitude": "float64",
    "longitude": "float64",
    "killed": "Int64",
    "injured": "Int64",
    "merged_into": "Int64",
    "version": "int64",
}


def _typed_frame(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    for column in names:
        if column in TIME_COLUMNS:
            frame[column] = _utc(frame[column])
        elif column in NUMBERS:
            frame[column] = pd.to_numeric(frame[column]).astype(NUMBERS[column])
        elif column == "response_required":
            values = frame[column].map(
                {True: True, False: False, "t": True, "f": False}  # 1 and 0 equal True, False
            )
            frame[column] = values.astype("boolean")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def count_alerts(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(alerts)).scalar() or 0)


def alerts_version(connection: Connection) -> tuple[int, int, Any]:
    """Changes whenever an alert is added (count) or changed (every change raises its version,
    so the sum of versions grows), for caches."""
    row = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(alerts.c.version), 0),
            func.max(alerts.c.updated_at),
        )
    ).first()
    assert row is not None
    return int(row[0]), int(row[1]), row[2]
