"""Deployments (bases, camps, temporary operating bases) in the store."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from sentinelle.domain.deployments import Deployment
from sentinelle.store.schema import deployments


def replace_deployments(
    connection: Connection,
    items: Iterable[Deployment],
    source: str,
    import_id: int | None = None,
) -> int:
    """Store ``items`` as the deployments of ``source``, replacing that source's previous set."""
    items = list(items)
    connection.execute(delete(deployments).where(deployments.c.source == source))
    if items:
        connection.execute(
            insert(deployments),
            [
                {
                    "mission": d.mission,
                    "name": d.name,
                    "kind": d.kind,
                    "latitude": d.latitude,
                    "longitude": d.longitude,
                    "start_date": d.start,
                    "end_date": d.end,
                    "troops": d.troops,
                    "source": source,
                    "import_id": import_id,
                }
                for d in items
            ],
        )
    return len(items)


def load_deployments(connection: Connection) -> list[Deployment]:
    rows = connection.execute(select(deployments).order_by(deployments.c.id))
    return [
        Deployment(
            mission=r.mission,
            name=r.name,
            kind=r.kind,
            latitude=r.latitude,
            longitude=r.longitude,
            start=r.start_date,
            end=r.end_date,
            troops=r.troops,
            source=r.source,
        )
        for r in rows
    ]
