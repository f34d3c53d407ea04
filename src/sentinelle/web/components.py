"""Data for the shared page components (filter bar, tables with sorting and paging). Pages of
every capability use these instead of building their own."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import HTTPException, Query
from sqlalchemy import Connection, func, select

from sentinelle.domain.vocabulary import Language, event_types, sources
from sentinelle.explore.filters import EventQuery, FilterError
from sentinelle.explore.search import name_key
from sentinelle.store import places
from sentinelle.store.schema import events


def event_query(
    start: Annotated[str | None, Query(description="first month, YYYY-MM", max_length=7)] = None,
    end: Annotated[str | None, Query(description="last month, YYYY-MM", max_length=7)] = None,
    region: Annotated[
        str | None, Query(description="region P-code, e.g. ML05", max_length=20)
    ] = None,
    cercle: Annotated[
        str | None, Query(description="cercle P-code, e.g. ML0505", max_length=20)
    ] = None,
    event_type: Annotated[list[str] | None, Query(description="ACLED event type(s)")] = None,
    actor: Annotated[
        str | None, Query(description="part of an actor's name", max_length=200)
    ] = None,
    q: Annotated[
        str | None, Query(description="words in notes, location, actors", max_length=200)
    ] = None,
    source: Annotated[list[str] | None, Query(description="acled, ucdp, mission, demo")] = None,
    vac_only: Annotated[bool, Query(description="only violence against civilians")] = False,
) -> EventQuery:
    """The shared filter parameters as a FastAPI dependency (pages and API alike)."""
    try:
        return EventQuery.parse(start, end, region, cercle, event_type, actor, q, source, vac_only)
    except FilterError as exc:
        raise HTTPException(422, str(exc)) from None


@dataclass(frozen=True)
class FilterOptions:
    """Choices offered by the filter bar."""

    regions: list[tuple[str, str]]  # (P-code, name)
    cercles: list[tuple[str, str, str]]  # (P-code, name, region P-code)
    event_types: list[tuple[str, str]]  # (code, label)
    sources: list[tuple[str, str]]
    first_month: str | None
    last_month: str | None


def filter_options(connection: Connection, language: Language) -> FilterOptions:
    regions = [(u.pcode, u.name(language)) for u in places.load_units(connection, "admin1")]
    cercles = [
        (u.pcode, u.name(language), u.parent_pcode or "")
        for u in places.load_units(connection, "admin2")
    ]
    regions.sort(key=lambda r: name_key(r[1]))
    cercles.sort(key=lambda c: name_key(c[1]))
    first, last = connection.execute(
        select(func.min(events.c.event_date), func.max(events.c.event_date))
    ).one()
    present = {s for (s,) in connection.execute(select(events.c.source).distinct())}
    return FilterOptions(
        regions=regions,
        cercles=cercles,
        event_types=[(code, term.label(language)) for code, term in event_types().items()],
        sources=[
            (code, term.label(language)) for code, term in sources().items() if code in present
        ],
        first_month=f"{first:%Y-%m}" if first else None,
        last_month=f"{last:%Y-%m}" if last else None,
    )


@dataclass(frozen=True)
class Column:
    """A table column: ``key`` of the row dicts, message key of its heading, whether it sorts."""

    key: str
    heading: str
    sortable: bool = False
    number: bool = False
    link: str | None = None  # a row key holding the URL the cell links to


@dataclass(frozen=True)
class TablePage:
    """A page of a table, for the ``components/table.html`` macro."""

    columns: list[Column]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    sort: str | None = None  # column key, "-key" for descending
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))
