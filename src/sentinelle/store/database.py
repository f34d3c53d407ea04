"""Opening a store: engine, migrations, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry


class StoreError(Exception):
    """The store cannot be opened or used (bad URL, server down, missing PostGIS...)."""


def _sqlite_pragmas(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that a whole
    # file's ingest (DDL included) is one transaction that a crash rolls back entirely.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writing transactions take SQLite's write lock at once (BEGIN IMMEDIATE), so two writers
    # queue instead of failing when the second finds its snapshot stale; reading transactions
    # stay deferred and run beside a writer (WAL).
    writing = connection.get_execution_options().get("sentinelle_writing", True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


class Store:
    """A connection to the store. Open with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One writing transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite it does not wait for writers)."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(sentinelle_writing=False)
            with connection.begin():
                yield connection

    def migrate(self) -> None:
        """Bring the schema to the latest migration (creates it in an empty database)."""
        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    location = resources.files("sentinelle.store").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config


def create_store_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() in ("", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        # enough pooled connections for a web worker's thread pool: a connection opened beyond
        # the pool is a new server process, which under load costs more than the query
        return create_engine(parsed, pool_pre_ping=True, pool_size=20, max_overflow=20)
    raise StoreError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///path or "
        "postgresql+psycopg://user@host:port/db"
    )


def open_store(url: str, migrate: bool = True) -> Store:
    """Open (and by default migrate) the store at ``url``; :class:`StoreError` if impossible."""
    store = Store(create_store_engine(url))
    if migrate:
        try:
            store.migrate()
        except OperationalError as exc:
            raise StoreError(f"cannot open the store at {store.url}: {exc.orig}") from None
    return store
