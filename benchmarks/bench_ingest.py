"""Benchmark: ingest a large ACLED-format export into SQLite and PostgreSQL.

Generates a synthetic ACLED export (default 1,000,000 rows; fictional events over Mali), then, each
in a fresh subprocess so peak memory is measured per run:

* a raw ``pyarrow.csv.read_csv`` of the file (the floor any CSV reader pays);
* ``sentinelle ingest`` into a new SQLite store;
* ``sentinelle ingest`` into a new PostgreSQL + PostGIS database when
  ``SENTINELLE_BENCH_POSTGRES_URL`` is set (``make bench-ingest`` starts a throwaway server).

Both stores first receive the demo scenario's admin units, so events are placed by
point-in-polygon as in real use. Prints rows/s, peak memory (RSS) and the ratio to the raw read,
with the machine it ran on. Target (issue): ≥ 20,000 rows/s into SQLite on 2 cores, < 2 GB.

    python benchmarks/bench_ingest.py [--rows N] [--keep]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

print = functools.partial(print, flush=True)  # show progress as it comes

TOWNS = [  # (name, admin1, admin2, latitude, longitude)
    ("Gao", "Gao", "Gao", 16.2717, -0.0447),
    ("Tombouctou", "Tombouctou", "Tombouctou", 16.7735, -3.0074),
    ("Kidal", "Kidal", "Kidal", 18.4411, 1.4078),
    ("Mopti", "Mopti", "Mopti", 14.4843, -4.1827),
    ("Bankass", "Mopti", "Bankass", 14.0667, -3.5167),
    ("Koro", "Mopti", "Koro", 14.0722, -3.0764),
    ("Menaka", "Gao", "Menaka", 15.9182, 2.4022),
    ("Segou", "Segou", "Segou", 13.4317, -6.2157),
    ("Niono", "Segou", "Niono", 14.2526, -5.9931),
    ("Bamako", "Bamako", "Bamako", 12.6392, -8.0029),
    ("Sikasso", "Sikasso", "Sikasso", 11.3176, -5.6665),
    ("Kayes", "Kayes", "Kayes", 14.4469, -11.4445),
]
TYPES = [
    ("Violence against civilians", "Attack", 3, 7),
    ("Violence against civilians", "Abduction/forced disappearance", 2, 7),
    ("Battles", "Armed clash", 2, 1),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", 2, 8),
    ("Strategic developments", "Looting/property destruction", 3, 7),
    ("Protests", "Peaceful protest", 6, 0),
]
COLUMNS = [
    "data_id",
    "iso",
    "event_id_cnty",
    "event_id_no_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
    "iso3",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write a fictional ACLED-format CSV of ``rows`` events, in blocks to bound memory."""
    rng = np.random.default_rng(seed)
    block = 200_000
    options = pacsv.WriteOptions(include_header=True)
    with pacsv.CSVWriter(path, schema=_schema(), write_options=options) as writer:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            ids = np.arange(start + 1, start + n + 1)
            town = rng.integers(0, len(TOWNS), n)
            kind = rng.integers(0, len(TYPES), n)
            days = rng.integers(0, 365 * 10, n)
            dates = (np.datetime64("2012-01-01") + days.astype("timedelta64[D]")).astype(str)
            lat = np.array([TOWNS[i][3] for i in town]) + rng.normal(0, 0.05, n)
            lon = np.array([TOWNS[i][4] for i in town]) + rng.normal(0, 0.05, n)
            fatalities = rng.negative_binomial(0.5, 0.2, n)
            columns = {
                "data_id": ids,
                "iso": np.full(n, 466),
                "event_id_cnty": np.char.add("MLI", ids.astype(str)),
                "event_id_no_cnty": ids,
                "event_date": dates,
                "year": np.char.partition(dates, "-")[:, 0],
                "time_precision": rng.integers(1, 3, n),
                "event_type": [TYPES[k][0] for k in kind],
                "sub_event_type": [TYPES[k][1] for k in kind],
                "actor1": np.where(kind < 2, "Unidentified Armed Group (Mali)", "JNIM"),
                "assoc_actor_1": np.full(n, ""),
                "inter1": [TYPES[k][2] for k in kind],
                "actor2": np.where(kind < 2, "Civilians (Mali)", ""),
                "assoc_actor_2": np.full(n, ""),
                "inter2": [TYPES[k][3] for k in kind],
                "interaction": [TYPES[k][2] * 10 + TYPES[k][3] for k in kind],
                "region": np.full(n, "Western Africa"),
                "country": np.full(n, "Mali"),
                "admin1": [TOWNS[i][1] for i in town],
                "admin2": [TOWNS[i][2] for i in town],
                "admin3": [TOWNS[i][0] for i in town],
                "location": [TOWNS[i][0] for i in town],
                "latitude": np.round(lat, 4),
                "longitude": np.round(lon, 4),
                "geo_precision": rng.integers(1, 4, n),
                "source": np.full(n, "Benchmark source"),
                "source_scale": np.full(n, "National"),
                "notes": np.char.add("Fictional benchmark event number ", ids.astype(str)),
                "fatalities": fatalities,
                "timestamp": np.full(n, 1_600_000_000),
                "iso3": np.full(n, "MLI"),
            }
            table = pa.table({c: pa.array(np.asarray(columns[c]).astype(str)) for c in COLUMNS})
            writer.write_table(table.cast(_schema()))


def _schema() -> pa.Schema:
    return pa.schema([(c, pa.string()) for c in COLUMNS])


def _child(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict. Adds peak RSS in MB."""
    script = code + (
        "\nimport json, resource, sys\n"
        "result['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


RAW_READ = """
import sys, time
import pyarrow.csv as pacsv
start = time.perf_counter()
table = pacsv.read_csv(sys.argv[1])
result = {"seconds": time.perf_counter() - start, "rows": table.num_rows}
"""

INGEST = """
import sys, time
from sentinelle.demo import generate_scenario
from sentinelle.ingest import ingest_file
from sentinelle.store import places
from sentinelle.store.database import open_store
store = open_store(sys.argv[2])
units = generate_scenario().units
with store.transaction() as connection:
    places.replace_units(connection, units)
start = time.perf_counter()
report = ingest_file(store, sys.argv[1], kind="acled")
seconds = time.perf_counter() - start
assert report.accounted, report.counts()
result = {"seconds": seconds, "rows": report.rows, "inserted": report.inserted,
          "rejected": report.rejected_rows}
"""


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.node()} · {cpu} · {os.cpu_count()} cores · {memory:.0f} GB RAM · "
        f"{platform.system()} {platform.release()} · Python {platform.python_version()}"
    )


def _fresh_postgres(url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"sentinelle_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    workdir = Path(tempfile.mkdtemp(prefix="sentinelle-bench-"))
    csv_path = workdir / "acled_benchmark.csv"
    start = time.perf_counter()
    generate(csv_path, args.rows)
    size = csv_path.stat().st_size / 2**20
    print(f"generated {args.rows:,} rows ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s")

    raw = _child(RAW_READ, str(csv_path))
    print(
        f"raw pyarrow read: {raw['seconds']:.2f} s, {raw['rows'] / raw['seconds']:,.0f} rows/s, "
        f"peak {raw['peak_mb']:,.0f} MB"
    )
    targets = [("SQLite", f"sqlite:///{workdir / 'bench.db'}", None)]
    pg = os.environ.get("SENTINELLE_BENCH_POSTGRES_URL")
    if pg:
        url, name = _fresh_postgres(pg)
        targets.append(("PostgreSQL", url, name))
    else:
        print("PostgreSQL: skipped (set SENTINELLE_BENCH_POSTGRES_URL; make bench-ingest does)")
    try:
        for label, url, _ in targets:
            run = _child(INGEST, str(csv_path), url)
            rate = run["rows"] / run["seconds"]
            print(
                f"ingest into {label}: {run['seconds']:.1f} s, {rate:,.0f} rows/s, "
                f"peak {run['peak_mb']:,.0f} MB, {run['seconds'] / raw['seconds']:.1f}× the raw "
                f"read ({int(run['inserted']):,} inserted, {int(run['rejected']):,} rejected)"
            )
            if label == "SQLite":
                verdict = "met" if rate >= 20_000 and run["peak_mb"] < 2048 else "NOT met"
                print(f"target (≥ 20,000 rows/s and < 2 GB into SQLite): {verdict}")
    finally:
        for _, _, name in targets:
            if name and pg:
                _drop_postgres(pg, name)
        if not args.keep:
            for path in workdir.iterdir():
                path.unlink()
            workdir.rmdir()
        else:
            print(f"kept {workdir}")


if __name__ == "__main__":
    main()
