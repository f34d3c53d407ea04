"""Alembic environment: migrations run on the connection :class:`Store` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sentinelle.store.schema import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through sentinelle.store.database.Store.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
