"""Benchmark: 50 concurrent users on the overview and the events API.

Builds a store with 100,000 events (a generated ACLED-format file, placed in the demo scenario's
areas) — on PostgreSQL when ``SENTINELLE_BENCH_POSTGRES_URL`` is set (``make bench-web`` starts a
throwaway server), else SQLite — starts ``sentinelle serve`` on 127.0.0.1, signs 50 virtual users
in, and has each loop over the overview page, ``/api/v1/overview`` and ``/api/v1/events`` with
varied filters (random period, region, event type, metric, page).

Two runs:

* **users** — each user waits a random 0.5–1.5 s between requests (a person reading the page
  they asked for; an analyst really clicks far less often): the target applies here;
* **saturation** — the same users with no pause at all, to show the most the server answers
  per second on this machine (latency is then simply users ÷ throughput).

Prints p50/p95/p99 latency per endpoint and overall, requests/s and errors, with the machine it
ran on (the load generator shares the cores with the server and the database). Target
(issue): p95 under 200 ms.

    python benchmarks/bench_web.py [--events N] [--users N] [--seconds S] [--workers W]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest import _drop_postgres, _fresh_postgres, generate, machine

print = functools.partial(print, flush=True)  # show progress as it comes
PASSWORD = "benchmark-password"
REGIONS = ["ML05", "ML07", "ML06", "ML08", "ML04", "ML09"]
TYPES = ["Violence against civilians", "Battles", "Explosions/Remote violence"]


def build_store(url: str, events: int, workdir: Path) -> None:
    from sentinelle import accounts
    from sentinelle.demo import generate_scenario
    from sentinelle.ingest import ingest_file
    from sentinelle.store import places
    from sentinelle.store.database import open_store

    store = open_store(url)
    with store.transaction() as connection:
        places.replace_units(connection, generate_scenario().units)
    path = workdir / "events.csv"
    generate(path, events)
    start = time.perf_counter()
    report = ingest_file(store, path, kind="acled")
    print(f"store: {report.inserted:,} events ingested in {time.perf_counter() - start:.1f} s")
    accounts.create_user(store, "bench", PASSWORD, "analyst", "benchmark")
    store.dispose()


def random_filters() -> dict[str, str]:
    params: dict[str, str] = {}
    if random.random() < 0.5:
        year = random.randint(2012, 2021)
        params["start"], params["end"] = f"{year}-01", f"{year}-12"
    if random.random() < 0.4:
        params["region"] = random.choice(REGIONS)
    if random.random() < 0.3:
        params["event_type"] = random.choice(TYPES)
    return params


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.recording = False

    def add(self, name: str, seconds: float, ok: bool) -> None:
        if not self.recording:
            return
        self.latencies.setdefault(name, []).append(seconds)
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-in")
    token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    answer = await client.post(
        "/sign-in", data={"username": "bench", "password": PASSWORD, "form_token": token}
    )
    if answer.status_code not in (200, 303):
        raise SystemExit(f"sign-in failed: {answer.status_code}")


async def user(
    base: str, recorder: Recorder, stop: asyncio.Event, think: tuple[float, float]
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        await sign_in(client)
        while not stop.is_set():
            choice = random.random()
            params = random_filters()
            if choice < 0.3:
                name, path = "overview page", "/"
                params["metric"] = random.choice(["events", "vac", "fatalities"])
            elif choice < 0.6:
                name, path = "GET /api/v1/overview", "/api/v1/overview"
                params["metric"] = random.choice(["events", "vac", "fatalities"])
                params["level"] = random.choice(["admin1", "admin2"])
            else:
                name, path = "GET /api/v1/events", "/api/v1/events"
                params["page"] = str(random.randint(1, 20))
                params["page_size"] = "50"
                params["sort"] = random.choice(["-date", "date", "-fatalities"])
            start = time.perf_counter()
            try:
                answer = await client.get(path, params=params)
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            recorder.add(name, time.perf_counter() - start, ok)
            if think[1] > 0:
                await asyncio.sleep(random.uniform(*think))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def load(
    base: str, users: int, seconds: float, warmup: float, think: tuple[float, float]
) -> Recorder:
    recorder = Recorder()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(user(base, recorder, stop, think)) for _ in range(users)]
    await asyncio.sleep(warmup)
    recorder.recording = True
    await asyncio.sleep(seconds)
    recorder.recording = False
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return recorder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    workdir = Path(tempfile.mkdtemp(prefix="sentinelle-bench-web-"))
    pg = os.environ.get("SENTINELLE_BENCH_POSTGRES_URL")
    name = None
    if pg:
        url, name = _fresh_postgres(pg)
        backend = "PostgreSQL"
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
        backend = "SQLite (set SENTINELLE_BENCH_POSTGRES_URL for PostgreSQL)"
        args.workers = 1
    print(f"store: {backend}, {args.events:,} events")
    server = None
    try:
        build_store(url, args.events, workdir)
        env = {**os.environ, "SENTINELLE_HOME": str(workdir), "SENTINELLE_DATABASE_URL": url}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sentinelle.cli.main",
                "serve",
                "--port",
                str(args.port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{args.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
        print(
            f"server: {args.workers} worker(s); {args.users} users for {args.seconds:.0f} s "
            f"after {args.warmup:.0f} s of warm-up"
        )
        runs = [
            ("users (0.5–1.5 s between requests)", (0.5, 1.5)),
            ("saturation (no pause)", (0.0, 0.0)),
        ]
        results = [
            (label, asyncio.run(load(base, args.users, args.seconds, args.warmup, think)))
            for label, think in runs
        ]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if name and pg:
            _drop_postgres(pg, name)
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    for position, (label, recorder) in enumerate(results):
        report(label, recorder, args.seconds, target=position == 0)


def report(label: str, recorder: Recorder, seconds: float, target: bool) -> None:
    print(f"--- {label}")
    everything = [v for values in recorder.latencies.values() for v in values]
    for name, values in [*sorted(recorder.latencies.items()), ("all requests", everything)]:
        errors = (
            recorder.errors.get(name, 0)
            if name != "all requests"
            else sum(recorder.errors.values())
        )
        print(
            f"{name:<22} n={len(values):>6,}  p50 {percentile(values, 0.50):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  p99 {percentile(values, 0.99):6.1f} ms  "
            f"mean {statistics.fmean(values) * 1000:6.1f} ms  errors {errors}"
        )
    p95 = percentile(everything, 0.95)
    print(f"throughput: {len(everything) / seconds:,.0f} requests/s")
    if target:
        print(f"target (p95 < 200 ms): {'met' if p95 < 200 else 'NOT met'} (p95 {p95:.0f} ms)")


if __name__ == "__main__":
    main()
