"""Event counts per month, region, cercle, event type, source and VAC flag.

A summary of the ``events`` table that the overview, the events explorer's totals and later
indicators read instead of scanning every event: with 100,000 events it holds a few thousand
rows. It is rebuilt whole, in the same transaction, by every operation that changes events or
their places (ingest, deletion list, boundary import, demo load), so it is never out of step.
Filters on free text or actors cannot use it; those read the events themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
)

from sentinelle.domain.vocabulary import VAC
from sentinelle.store.schema import event_counts, events


def month_of_event(dialect: str) -> ColumnElement[Any]:
    """First day of the event's month, as a date, in the store's SQL dialect."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", events.c.event_date), Date)
    return func.date(events.c.event_date, literal_column("'start of month'"))


def refresh(connection: Connection) -> int:
    """Rebuild the summary from the events; returns its number of rows."""
    vac = case(
        (or_(events.c.event_type == VAC, events.c.civilian_targeting.is_(True)), True),
        else_=False,
    )
    month = month_of_event(connection.dialect.name)
    grouped = select(
        month,
        events.c.admin1_pcode,
        events.c.admin2_pcode,
        events.c.event_type,
        events.c.source,
        vac,
        func.count(),
        func.coalesce(func.sum(events.c.fatalities), 0),
        func.min(events.c.event_date),
        func.max(events.c.event_date),
    ).group_by(
        month,
        events.c.admin1_pcode,
        events.c.admin2_pcode,
        events.c.event_type,
        events.c.source,
        vac,
    )
    connection.execute(delete(event_counts))
    connection.execute(
        insert(event_counts).from_select(
            [
                "month",
                "admin1_pcode",
                "admin2_pcode",
                "event_type",
                "source",
                "vac",
                "events",
                "fatalities",
                "first_date",
                "last_date",
            ],
            grouped,
        )
    )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE event_counts")
    return int(connection.execute(select(func.count()).select_from(event_counts)).scalar_one())
