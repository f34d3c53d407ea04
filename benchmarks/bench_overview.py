"""Benchmark: the overview's aggregates and API on a large store.

Loads the demo scenario into a fresh store, copies its events (new source ids) until the store
holds ``--events`` of them (default 120,000), then times, median of ``--repeat`` runs:

* the SQL aggregates of :mod:`sentinelle.explore.overview` (per unit, monthly by type, totals);
* ``GET /api/v1/overview`` and ``GET /`` through the application (signed in as demo-viewer),
  without filters and with a region, period and actor filter.

Runs on SQLite, and on a throwaway PostgreSQL database when ``SENTINELLE_BENCH_POSTGRES_URL`` is
set (``make bench-ingest`` / ``scripts/run-tests.sh --with-pg`` start a server). Target: the API
answers in well under a second on 100,000+ events.

    python benchmarks/bench_overview.py [--events N] [--repeat R]
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sentinelle.config import Settings
from sentinelle.demo.load import DEMO_PASSWORD, ensure_demo_users, load_demo
from sentinelle.explore import overview
from sentinelle.explore.filters import EventQuery
from sentinelle.store.database import Store, open_store
from sentinelle.store.schema import events
from sentinelle.web.app import create_app

print = functools.partial(print, flush=True)  # show progress as it comes

FILTERED = {"region": "ML05", "start": "2017-01", "end": "2018-06", "actor": "jnim"}


def grow(store: Store, target: int) -> int:
    """Copy the stored events (with new source ids) until there are at least ``target``."""
    columns = [c.name for c in events.columns if c.name != "id"]
    listed = ", ".join(columns)
    picked = ", ".join("source_id || :suffix" if c == "source_id" else c for c in columns)
    with store.transaction() as connection:
        base = connection.execute(text("SELECT count(*) FROM events")).scalar() or 0
        copies = max(0, -(-target // max(base, 1)) - 1)
        for copy in range(copies):
            connection.execute(
                text(
                    f"INSERT INTO events ({listed}) SELECT {picked} FROM events "
                    "WHERE source_id NOT LIKE '%~%'"
                ),
                {"suffix": f"~{copy}"},
            )
        total = connection.execute(text("SELECT count(*) FROM events")).scalar() or 0
    if store.dialect == "postgresql":
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("ANALYZE events")
            )
    return int(total)


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs (after one warm-up run)."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


@contextmanager
def postgres_store() -> Iterator[Store | None]:
    url = os.environ.get("SENTINELLE_BENCH_POSTGRES_URL")
    if not url:
        yield None
        return
    base = make_url(url)
    name = f"sentinelle_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(base.set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def sign_in(client: TestClient) -> None:
    page = client.get("/sign-in")
    token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/sign-in",
        data={"username": "demo-viewer", "password": DEMO_PASSWORD, "form_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def bench(store: Store, label: str, target: int, repeat: int, home: Path) -> None:
    load_demo(store)
    ensure_demo_users(store)
    start = time.perf_counter()
    total = grow(store, target)
    print(f"\n{label}: {total:,} events (copied in {time.perf_counter() - start:.1f} s)")
    for name, query in (("no filter", EventQuery()), ("filtered", EventQuery(**FILTERED))):
        with store.reading() as connection:
            per_unit = timed(
                functools.partial(overview.unit_values, connection, query, "vac", "admin2"), repeat
            )
            series = timed(
                functools.partial(overview.monthly_by_type, connection, query, "events"), repeat
            )
            totals = timed(functools.partial(overview.totals, connection, query), repeat)
            whole = timed(
                functools.partial(overview.overview, connection, query, "vac", "admin2"), repeat
            )
        print(
            f"  aggregates, {name:9}: per cercle {per_unit:6.1f} ms · monthly by type "
            f"{series:6.1f} ms · totals {totals:6.1f} ms · all of the overview {whole:6.1f} ms"
        )
    app = create_app(Settings(database_url=store.url, home=home), store=store)
    with TestClient(app) as client:
        sign_in(client)
        for name, params in (("no filter", {}), ("filtered", FILTERED)):
            api = timed(functools.partial(client.get, "/api/v1/overview", params=params), repeat)
            page = timed(
                functools.partial(client.get, "/", params={**params, "level": "admin2"}), repeat
            )
            print(f"  GET /api/v1/overview, {name:9}: {api:6.1f} ms · GET / {page:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=120_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        sqlite = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            bench(sqlite, "SQLite", args.events, args.repeat, Path(folder))
        finally:
            sqlite.dispose()
        with postgres_store() as postgres:
            if postgres is None:
                print("\nPostgreSQL: skipped (SENTINELLE_BENCH_POSTGRES_URL is not set)")
            else:
                bench(postgres, "PostgreSQL", args.events, args.repeat, Path(folder))


if __name__ == "__main__":
    main()
