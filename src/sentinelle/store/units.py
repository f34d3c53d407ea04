"""Units with mobile capacity (table ``mobile_units``) in the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, or_, select

from sentinelle.domain.months import parse_month
from sentinelle.domain.units import UnitRecord
from sentinelle.store.schema import mobile_units


def insert_units(
    connection: Connection,
    items: Iterable[UnitRecord],
    source: str,
    import_id: int | None = None,
) -> int:
    """Add ``items`` under ``source``; returns how many were stored."""
    rows = [
        {
            "mission": u.mission,
            "name": u.name,
            "kind": u.kind,
            "home_site": u.home_site,
            "troops": u.troops,
            "mobile": u.mobile,
            "start_date": u.start,
            "end_date": u.end,
            "source": source,
            "import_id": import_id,
        }
        for u in items
    ]
    if rows:
        connection.execute(insert(mobile_units), rows)
    return len(rows)


def delete_units(connection: Connection, source: str, missions: Iterable[str]) -> int:
    """Delete the units of ``missions`` (case ignored) stored under ``source``; returns how many."""
    wanted = sorted({m.lower() for m in missions})
    if not wanted:
        return 0
    result = connection.execute(
        delete(mobile_units).where(
            mobile_units.c.source == source, func.lower(mobile_units.c.mission).in_(wanted)
        )
    )
    return int(result.rowcount or 0)


def replace_units(
    connection: Connection,
    items: Iterable[UnitRecord],
    source: str,
    import_id: int | None = None,
) -> tuple[int, int]:
    """Store ``items`` as the units of their missions under ``source``, replacing the units
    previously stored for those missions from that source (other missions and sources are left
    alone). Returns (stored, replaced)."""
    items = list(items)
    replaced = delete_units(connection, source, (u.mission for u in items))
    return insert_units(connection, items, source, import_id), replaced


def _month_bounds(month: str | pd.Period) -> tuple[dt.date, dt.date]:
    period = parse_month(month) if isinstance(month, str) else month.asfreq("M")
    return period.start_time.date(), period.end_time.date()


def load_units(
    connection: Connection,
    month: str | pd.Period | None = None,
    mission: str | None = None,
) -> list[UnitRecord]:
    """The stored units by mission, name and start; with ``month`` (``YYYY-MM`` or a period)
    only those available in it (whose period overlaps the month); with ``mission`` only that
    mission's (case ignored)."""
    query = select(mobile_units)
    if month is not None:
        first, last = _month_bounds(month)
        query = query.where(
            mobile_units.c.start_date <= last,
            or_(mobile_units.c.end_date.is_(None), mobile_units.c.end_date >= first),
        )
    if mission is not None:
        query = query.where(func.lower(mobile_units.c.mission) == mission.lower())
    rows = connection.execute(query.order_by(mobile_units.c.id))
    found = [
        UnitRecord(
            mission=r.mission,
            name=r.name,
            kind=r.kind,
            troops=int(r.troops),
            start=r.start_date,
            end=r.end_date,
            home_site=r.home_site,
            mobile=bool(r.mobile),
            source=r.source,
        )
        for r in rows
    ]
    # sorted here, not in SQL: SQLite and PostgreSQL collate names differently
    return sorted(found, key=lambda u: (u.mission.casefold(), u.name.casefold(), u.start))
