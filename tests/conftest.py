"""Shared fixtures: stores on SQLite and on a real PostgreSQL + PostGIS server, and the real Mali
data in ``../shared/data`` (read in place, never copied)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sentinelle.store.database import Store, open_store

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_data_dir() -> Path | None:
    path = Path(os.environ.get("SENTINELLE_SHARED_DATA", REPO.parent / "shared" / "data"))
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real reference data; tests that need it skip where it is absent (a user's clone)."""
    path = shared_data_dir()
    if path is None:
        pytest.skip(
            "real Mali data not found: set SENTINELLE_SHARED_DATA to the shared/data folder "
            "(present in CI)"
        )
    return path


def postgres_url() -> str | None:
    return os.environ.get("SENTINELLE_TEST_POSTGRES_URL") or None


@pytest.fixture
def postgres_store() -> Iterator[Store]:
    """A store in a brand-new PostgreSQL database, dropped afterwards."""
    url = postgres_url()
    if url is None:
        pytest.skip("SENTINELLE_TEST_POSTGRES_URL is not set (`make test` starts a server)")
    base = make_url(url)
    name = f"sentinelle_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(base.set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.dispose()
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Engine, name: str) -> None:
    """Drop a test database, waiting for stray server processes (e.g. autovacuum) to leave."""
    for attempt in range(20):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == 19:
                raise
            time.sleep(0.25)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on both back-ends."""
    fixture = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    result: Store = request.getfixturevalue(fixture)
    return result


@pytest.fixture
def demo_store(store: Store) -> Store:
    """The store fixture (SQLite and PostgreSQL) with the demo scenario and one user per role
    (demo-viewer, demo-analyst, demo-adviser, demo-admin)."""
    from sentinelle.demo.load import ensure_demo_users
    from sentinelle.demo.load import load_demo_with_population as load_demo

    load_demo(store)
    ensure_demo_users(store)
    return store
