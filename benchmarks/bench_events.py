"""Benchmark: searching and exporting events on a large store.

Loads the demo scenario (about 3,000 events) into a new store, copies its events until the store
holds ``--events`` of them (default 120,000; the copies get new source ids and dates shifted by
whole years, so filters and sorts see realistic spreads), then times, each several times:

* ``GET /api/v1/events`` pages: newest first, sorted by region / cercle / type / fatalities,
  with filters, with a free-text search, and a deep page;
* one event in detail;
* an export of every event as CSV, GeoJSON, GeoPackage (and XLSX with ``--xlsx``).

Runs on SQLite, and on PostgreSQL + PostGIS when ``SENTINELLE_BENCH_POSTGRES_URL`` is set (a new
database is created and dropped). Prints the median time of each request.

    python benchmarks/bench_events.py [--events N] [--xlsx] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sentinelle.config import Settings
from sentinelle.demo.load import DEMO_PASSWORD, ensure_demo_users, load_demo
from sentinelle.store.database import Store, open_store
from sentinelle.web.app import create_app

print = functools.partial(print, flush=True)

COPY_COLUMNS = (
    "source, vintage, source_timestamp, time_precision, disorder_type, event_type, "
    "sub_event_type, original_event_type, civilian_targeting, actor1, assoc_actor_1, inter1, "
    "actor2, assoc_actor_2, inter2, interaction, country, admin1, admin2, admin3, location, "
    "latitude, longitude, geo_precision, sources, source_scale, notes, tags, fatalities, "
    "fatalities_low, fatalities_high, admin1_pcode, admin2_pcode, priogrid_gid, placement, "
    "content_hash, version, first_import_id, last_import_id"
)


def grow(store: Store, target: int) -> int:
    """Copy the stored events (new source ids, dates moved back by whole years) up to ``target``."""
    with store.transaction() as connection:
        base = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
        copies = max(0, -(-target // base) - 1)
        for n in range(1, copies + 1):
            if store.dialect == "postgresql":
                shifted = f"event_date - interval '{n} year'"
                new_id = f"source_id || '-C{n}'"
            else:
                shifted = f"date(event_date, '-{n} years')"
                new_id = f"source_id || '-C{n}'"
            connection.execute(
                text(
                    f"INSERT INTO events (source_id, event_date, {COPY_COLUMNS}) "
                    f"SELECT {new_id}, {shifted}, {COPY_COLUMNS} FROM events "
                    f"WHERE source_id NOT LIKE '%-C%' AND id <= :base"
                ),
                {"base": base},
            )
        if store.dialect == "postgresql":
            connection.execute(text("ANALYZE events"))
        total: int = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
    return total


def timed(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(store: Store, events: int, xlsx: bool) -> None:
    load_demo(store)
    ensure_demo_users(store)
    total = grow(store, events)
    print(f"\n{store.dialect}: {total:,} events")
    with tempfile.TemporaryDirectory() as home:
        app = create_app(Settings(database_url=store.url, home=Path(home)), store=store)
        with TestClient(app) as client:
            page = client.get("/sign-in")
            token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
            client.post(
                "/sign-in",
                data={"username": "demo-analyst", "password": DEMO_PASSWORD, "form_token": token},
            )

            def get(path: str) -> Callable[[], object]:
                def call() -> object:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.text[:300])
                    return response

                return call

            requests = [
                "/api/v1/events",
                "/api/v1/events?sort=region",
                "/api/v1/events?sort=-cercle",
                "/api/v1/events?sort=type",
                "/api/v1/events?sort=-fatalities&page_size=500",
                "/api/v1/events?region=ML05&event_type=Violence+against+civilians&start=2010-01",
                "/api/v1/events?q=dozo+livestock",
                "/api/v1/events?actor=jnim&sort=cercle",
                f"/api/v1/events?page={total // 50 - 1}",
                "/events",
                "/events/1234",
                "/api/v1/events/1234",
            ]
            for path in requests:
                print(f"  {timed(get(path), 5) * 1000:8.0f} ms  GET {path}")
            formats = ["csv", "geojson", "gpkg", *(["xlsx"] if xlsx else [])]
            for fmt in formats:
                path = f"/api/v1/events/export?format={fmt}"
                size = len(get(path)().content)  # type: ignore[attr-defined]
                print(f"  {timed(get(path), 1):8.2f} s   GET {path} ({size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=120_000)
    parser.add_argument("--xlsx", action="store_true", help="also time the XLSX export (slow)")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/bench.db")
        try:
            run(store, args.events, args.xlsx)
        finally:
            store.dispose()
    url = os.environ.get("SENTINELLE_BENCH_POSTGRES_URL")
    if url and not args.sqlite_only:
        base = make_url(url)
        name = f"sentinelle_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        store = open_store(base.set(database=name).render_as_string(hide_password=False))
        try:
            run(store, args.events, args.xlsx)
        finally:
            store.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
