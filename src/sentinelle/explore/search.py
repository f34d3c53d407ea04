"""Searching stored events: one page of events under an :class:`EventQuery`, sorted by a
whitelisted key, with the total count; and one event in detail with its previous versions.

Sorting follows what a reader sees: region and cercle sort by their names (from the ``places``
table), event types and sources by their labels (from the vocabulary), in the reader's language,
accent- and case-insensitively. Those orders are computed here from the few names involved and
handed to SQL as a ``CASE`` rank, so SQLite and PostgreSQL give the same order whatever their
collation. Empty values come last in both directions, and ties are broken by event id (in the
direction of the sort), so paging is stable.

Everything runs in SQL. A page first sorts narrow rows (event ids) with ``LIMIT``/``OFFSET``,
then fetches the full rows of those ids only; newest- or oldest-first pages come straight from
the ``event_date`` index. On 120,000 events in PostgreSQL a page takes tens of milliseconds
(``benchmarks/bench_events.py``); a free-text search reads every row once (it also counts the
matches in that pass).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    RowMapping,
    Select,
    case,
    func,
    literal,
    select,
)

from sentinelle.domain.events import CONTENT_COLUMNS, EVENT_COLUMNS, ConflictEvent
from sentinelle.domain.vocabulary import Language, event_types, sources, sub_event_types
from sentinelle.explore.filters import EventQuery
from sentinelle.store.schema import event_counts, event_versions, events, imports, places

SORT_KEYS = ("date", "type", "region", "cercle", "fatalities", "source")
"""The keys a search may sort by; ``-key`` sorts descending."""

DEFAULT_SORT = "-date"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000

regions = places.alias("region")
cercles = places.alias("cercle")


class SearchError(ValueError):
    """A search parameter that cannot be used; the message says which and what is expected."""


@dataclass(frozen=True)
class Sort:
    """A sort key of :data:`SORT_KEYS` and its direction."""

    key: str = "date"
    descending: bool = True

    @classmethod
    def parse(cls, text: str | None) -> Sort:
        """``"date"``, ``"-fatalities"``…; empty means :data:`DEFAULT_SORT`."""
        value = (text or DEFAULT_SORT).strip()
        descending = value.startswith("-")
        key = value.lstrip("-")
        if key not in SORT_KEYS or value.count("-") > 1:
            raise SearchError(
                f"unknown sort {value!r}; expected one of {', '.join(SORT_KEYS)}, "
                "with a leading '-' for descending (e.g. -date)"
            )
        return cls(key, descending)

    def __str__(self) -> str:
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class PlaceName:
    """An admin unit as an event refers to it: P-code and names."""

    pcode: str
    name_fr: str
    name_en: str

    def name(self, language: Language = "fr") -> str:
        return self.name_en if language == "en" else self.name_fr


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored: its id and version, the event itself, and its placed units' names
    (``None`` when the event has no unit at that level, or the unit is not in ``places``)."""

    id: int
    version: int
    event: ConflictEvent
    region: PlaceName | None = None
    cercle: PlaceName | None = None
    first_import_id: int | None = None
    last_import_id: int | None = None


@dataclass(frozen=True)
class EventPage:
    """One page of a search."""

    items: list[StoredEvent]
    total: int
    page: int
    page_size: int
    sort: Sort

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between a version and the version that followed it."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EventVersion:
    """A previous version of an event, kept in ``event_versions``.

    ``reason`` is ``revised`` (replaced by a newer version), ``older-vintage`` (an older copy
    that arrived after the stored one) or ``deleted``. ``changes`` lists what differs from the
    version that followed it (for ``older-vintage``: from the current version).
    """

    id: int
    version: int | None
    reason: str
    recorded_at: dt.datetime
    source_timestamp: int | None
    vintage: str | None
    import_id: int | None
    fields: dict[str, Any]
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class ImportRef:
    """The file an event version came from."""

    id: int
    file_name: str
    kind: str
    vintage: str | None
    started_at: dt.datetime


@dataclass(frozen=True)
class EventDetail:
    """An event with its provenance and history, oldest version first."""

    stored: StoredEvent
    versions: list[EventVersion]
    first_import: ImportRef | None
    last_import: ImportRef | None


def name_key(text: str) -> str:
    """Accent- and case-insensitive sort key (Ségou sorts between San and Sikasso)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _rank(column: ColumnElement[Any], labels: Mapping[str, str]) -> ColumnElement[Any]:
    """A ``CASE`` giving each code the rank of its label; other values rank ``NULL``."""
    ordered = sorted(labels, key=lambda code: (name_key(labels[code]), code))
    if not ordered:
        return literal(None, Integer)
    return case({code: rank for rank, code in enumerate(ordered)}, value=column, else_=None)


def _place_names(connection: Connection, level: str, language: Language) -> dict[str, str]:
    name = places.c.name_en if language == "en" else places.c.name_fr
    rows = connection.execute(select(places.c.pcode, name).where(places.c.level == level))
    return {pcode: label for pcode, label in rows}


def _order_by(connection: Connection, sort: Sort, language: Language) -> list[ColumnElement[Any]]:
    keys: list[ColumnElement[Any]]
    if sort.key == "date":
        keys = [events.c.event_date]
    elif sort.key == "fatalities":
        keys = [events.c.fatalities]
    elif sort.key == "type":
        type_labels = {code: term.label(language) for code, term in event_types().items()}
        sub_labels = {code: term.label(language) for (_, code), term in sub_event_types().items()}
        keys = [
            _rank(events.c.event_type, type_labels),
            events.c.event_type,
            _rank(events.c.sub_event_type, sub_labels),
            events.c.sub_event_type,
        ]
    elif sort.key == "source":
        labels = {code: term.label(language) for code, term in sources().items()}
        keys = [_rank(events.c.source, labels), events.c.source]
    else:
        level, column = (
            ("admin1", events.c.admin1_pcode)
            if sort.key == "region"
            else ("admin2", events.c.admin2_pcode)
        )
        keys = [_rank(column, _place_names(connection, level, language)), column]
    # required columns (date, fatalities) are never empty: without NULLS LAST, PostgreSQL reads
    # them straight from their index in either direction
    nullable = sort.key not in ("date", "fatalities")
    ordered: list[ColumnElement[Any]] = []
    for key in keys:
        term = key.desc() if sort.descending else key.asc()
        ordered.append(term.nulls_last() if nullable else term)
    ordered.append(events.c.id.desc() if sort.descending else events.c.id.asc())
    return ordered


def event_select(
    connection: Connection,
    query: EventQuery,
    sort: Sort | str | None = None,
    language: Language = "fr",
) -> Select[Any]:
    """All event columns, ``id``, ``version``, import ids and the region and cercle names
    (``region_name_fr`` …), under ``query``, in the order of ``sort``. Exports page through it."""
    chosen = sort if isinstance(sort, Sort) else Sort.parse(sort)
    return _full_select().where(query.where()).order_by(*_order_by(connection, chosen, language))


def _full_select() -> Select[Any]:
    return select(
        events.c.id,
        events.c.version,
        events.c.first_import_id,
        events.c.last_import_id,
        *(events.c[c] for c in EVENT_COLUMNS),
        regions.c.name_fr.label("region_name_fr"),
        regions.c.name_en.label("region_name_en"),
        cercles.c.name_fr.label("cercle_name_fr"),
        cercles.c.name_en.label("cercle_name_en"),
    ).select_from(
        events.outerjoin(regions, regions.c.pcode == events.c.admin1_pcode).outerjoin(
            cercles, cercles.c.pcode == events.c.admin2_pcode
        )
    )


EVENT_ROW_KEYS: tuple[str, ...] = tuple(_full_select().selected_columns.keys())
"""The names of the columns of :func:`event_select`, in order."""


def count_events(connection: Connection, query: EventQuery) -> int:
    """How many stored events match ``query`` (from the event counts summary when the query
    allows it: a few thousand rows instead of every event)."""
    if not query.needs_events:
        summed = connection.execute(
            select(func.coalesce(func.sum(event_counts.c.events), 0)).where(query.counts_where())
        ).scalar_one()
        return int(summed)
    total = connection.execute(
        select(func.count()).select_from(events).where(query.where())
    ).scalar_one()
    return int(total)


def _place(pcode: str | None, name_fr: str | None, name_en: str | None) -> PlaceName | None:
    if pcode is None or name_fr is None:
        return None
    return PlaceName(pcode, name_fr, name_en or name_fr)


def stored_event(row: RowMapping) -> StoredEvent:
    """A :class:`StoredEvent` from a row of :func:`event_select`."""
    values = {c: row[c] for c in EVENT_COLUMNS}
    if isinstance(values["event_date"], dt.datetime):
        values["event_date"] = values["event_date"].date()
    if values["civilian_targeting"] is not None:
        values["civilian_targeting"] = bool(values["civilian_targeting"])
    return StoredEvent(
        id=int(row["id"]),
        version=int(row["version"]),
        event=ConflictEvent(**values),
        region=_place(row["admin1_pcode"], row["region_name_fr"], row["region_name_en"]),
        cercle=_place(row["admin2_pcode"], row["cercle_name_fr"], row["cercle_name_en"]),
        first_import_id=row["first_import_id"],
        last_import_id=row["last_import_id"],
    )


def check_paging(page: int, page_size: int) -> None:
    """Refuse pages out of bounds with a precise message."""
    if not 1 <= page <= MAX_PAGE:
        raise SearchError(f"page {page}: expected a whole number from 1 to {MAX_PAGE}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise SearchError(
            f"page_size {page_size}: expected a whole number from 1 to {MAX_PAGE_SIZE}"
        )


def search_events(
    connection: Connection,
    query: EventQuery,
    sort: Sort | str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    language: Language = "fr",
) -> EventPage:
    """Page ``page`` (from 1) of the events matching ``query``, sorted by ``sort``.

    Raises :class:`SearchError` for an unknown sort key or a page out of bounds; a page after
    the last one is empty (its ``total`` still counts every match)."""
    chosen = sort if isinstance(sort, Sort) else Sort.parse(sort)
    check_paging(page, page_size)
    ordered = _order_by(connection, chosen, language)
    offset = (page - 1) * page_size
    # sort narrow rows (ids only), then fetch the page's full rows: the sort never carries the
    # notes of 100,000 events
    ids_query = select(events.c.id).where(query.where()).order_by(*ordered)
    if query.q or query.actor:
        # text search reads every row anyway: count in the same pass instead of a second scan
        found = connection.execute(
            ids_query.add_columns(func.count().over()).limit(page_size).offset(offset)
        ).all()
        ids = [row[0] for row in found]
        total = int(found[0][1]) if found else count_events(connection, query)
    else:
        total = count_events(connection, query)
        ids = []
        if offset < total:
            ids = list(connection.execute(ids_query.limit(page_size).offset(offset)).scalars())
    items: list[StoredEvent] = []
    if ids:
        rows = connection.execute(_full_select().where(events.c.id.in_(ids))).mappings()
        by_id = {row["id"]: row for row in rows}
        items = [stored_event(by_id[event_id]) for event_id in ids]
    return EventPage(items=items, total=total, page=page, page_size=page_size, sort=chosen)


def iter_events(
    connection: Connection,
    query: EventQuery,
    sort: Sort | str | None = None,
    language: Language = "fr",
    batch_size: int = 2000,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of :func:`event_select` as tuples (in the order of :data:`EVENT_ROW_KEYS`), in
    batches streamed from the database (never all at once)."""
    statement = event_select(connection, query, sort, language)
    result = connection.execution_options(yield_per=batch_size).execute(statement)
    for partition in result.partitions(batch_size):
        yield [tuple(row) for row in partition]


# ----- one event in detail -----------------------------------------------------------------


def _comparable(value: Any) -> Any:
    """A field value in the form ``event_versions.payload`` keeps it (JSON types, ISO dates)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    changes = []
    for name in CONTENT_COLUMNS:
        old, new = _comparable(before.get(name)), _comparable(after.get(name))
        if old != new:
            changes.append(FieldChange(name, old, new))
    return changes


def _import_ref(connection: Connection, import_id: int | None) -> ImportRef | None:
    if import_id is None:
        return None
    row = connection.execute(
        select(
            imports.c.id,
            imports.c.file_name,
            imports.c.kind,
            imports.c.vintage,
            imports.c.started_at,
        ).where(imports.c.id == import_id)
    ).first()
    if row is None:
        return None
    return ImportRef(row.id, row.file_name, row.kind, row.vintage, row.started_at)


def event_versions_of(
    connection: Connection, source: str, source_id: str, current: Mapping[str, Any] | None
) -> list[EventVersion]:
    """The kept versions of an event, oldest first, each with its changes.

    Revised (and deleted) versions form a chain by version number ending in ``current``;
    each lists what changed in the version after it. Older vintages are compared with
    ``current``."""
    rows = connection.execute(
        select(event_versions)
        .where(event_versions.c.source == source, event_versions.c.source_id == source_id)
        .order_by(event_versions.c.recorded_at, event_versions.c.id)
    ).all()
    chain = sorted(
        (r for r in rows if r.reason != "older-vintage"),
        key=lambda r: (r.version or 0, r.recorded_at, r.id),
    )
    following: dict[int, Mapping[str, Any] | None] = {}
    for position, row in enumerate(chain):
        following[row.id] = (
            json.loads(chain[position + 1].payload) if position + 1 < len(chain) else current
        )
    found = []
    for row in rows:
        payload = json.loads(row.payload)
        after = following.get(row.id, current) if row.reason != "older-vintage" else current
        found.append(
            EventVersion(
                id=row.id,
                version=row.version,
                reason=row.reason,
                recorded_at=row.recorded_at,
                source_timestamp=row.source_timestamp,
                vintage=row.vintage,
                import_id=row.import_id,
                fields=payload,
                changes=_differences(payload, after) if after is not None else [],
            )
        )
    found.sort(key=lambda v: (v.version is None, v.version or 0, v.recorded_at, v.id))
    return found


def get_event(connection: Connection, event_id: int) -> EventDetail | None:
    """One stored event with its region and cercle names, imports and previous versions;
    ``None`` when there is no event with that id."""
    row = connection.execute(_full_select().where(events.c.id == event_id)).mappings().first()
    if row is None:
        return None
    stored = stored_event(row)
    current = {c: row[c] for c in EVENT_COLUMNS}
    return EventDetail(
        stored=stored,
        versions=event_versions_of(
            connection, stored.event.source, stored.event.source_id, current
        ),
        first_import=_import_ref(connection, stored.first_import_id),
        last_import=_import_ref(connection, stored.last_import_id),
    )
