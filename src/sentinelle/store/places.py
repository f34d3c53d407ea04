"""Administrative units in the store."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, func, insert, select

from sentinelle.domain.places import AdminUnit, Level
from sentinelle.store.schema import places


def replace_units(
    connection: Connection,
    units: Iterable[AdminUnit],
    import_id: int | None = None,
) -> int:
    """Store ``units``, replacing any stored unit of the same level(s) (a new boundary set
    supersedes the previous one of that level; the import log keeps which file it came from)."""
    units = list(units)
    levels = {u.level for u in units}
    if levels:
        connection.execute(delete(places).where(places.c.level.in_(sorted(levels))))
    if units:
        connection.execute(
            insert(places),
            [
                {
                    "pcode": u.pcode,
                    "level": u.level,
                    "name_fr": u.name_fr,
                    "name_en": u.name_en,
                    "parent_pcode": u.parent_pcode,
                    "alternates": "|".join(u.alternates) or None,
                    "geometry": u.geometry,
                    "source": u.source,
                    "approximate": u.approximate,
                    "import_id": import_id,
                }
                for u in units
            ],
        )
    return len(units)


def load_units(connection: Connection, level: Level | None = None) -> list[AdminUnit]:
    query = select(places).order_by(places.c.pcode)
    if level is not None:
        query = query.where(places.c.level == level)
    return [
        AdminUnit(
            pcode=r.pcode,
            level=r.level,
            name_fr=r.name_fr,
            name_en=r.name_en,
            parent_pcode=r.parent_pcode,
            alternates=tuple(r.alternates.split("|")) if r.alternates else (),
            geometry=r.geometry,
            source=r.source,
            approximate=bool(r.approximate),
        )
        for r in connection.execute(query)
    ]


def count_units(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(places.c.level, func.count()).group_by(places.c.level))
    return {level: int(n) for level, n in rows}


def units_version(connection: Connection) -> tuple[int, int | None, str | None]:
    """Changes whenever units are replaced (for in-memory caches of their polygons)."""
    row = connection.execute(
        select(func.count(), func.max(places.c.import_id), func.max(places.c.pcode))
    ).first()
    assert row is not None
    return int(row[0]), row[1], row[2]
