"""Benchmark: recording alerts through the REST API, and the response figures over 100,000 alerts.

Two parts, on PostgreSQL when ``SENTINELLE_BENCH_POSTGRES_URL`` is set (``make bench-alerts``
starts a throwaway server), else SQLite:

* **alert creation** — a store with the demo scenario's admin units and an analyst's API token;
  ``sentinelle serve`` with 2 workers (uvicorn) on 127.0.0.1; concurrent clients each send
  ``POST /api/v1/alerts`` back to back (varied channels, places placed by point-in-polygon,
  reporters' names encrypted, a unique ``message_id`` each) for a fixed time after a warm-up.
  Prints alerts recorded per second (target: 200/s sustained), p50/p95/p99 latency and errors,
  and checks that the store holds every alert answered 201.
* **response figures** — 100,000 alerts over four years with valid lifecycles (verified,
  assessed, decided, dispatched, on site, closed, with the short cuts; duplicates merged; a few
  still open at the cut-off) generated in bulk with their steps (a sample is replayed through
  ``check_transition``), then the response-figures call the pages and API make
  (``sentinelle.alerts.figures.figures``: ``load_frame`` + ``measures.response_table`` +
  ``response_totals``, by month) timed over repeated calls, and its parts apart. Target: p95
  under 300 ms.

Prints the figures and the machine (the load generator shares the cores with the server and the
database). Not a pass/fail test.

    python benchmarks/bench_alerts.py [--clients N] [--seconds S] [--alerts N] [--repeats N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest import _drop_postgres, _fresh_postgres, machine

print = functools.partial(print, flush=True)  # show progress as it comes
PASSWORD = "benchmark-password"
CUTOFF = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
FIRST = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
STEP_COLUMNS = (
    "verified_at",
    "assessed_at",
    "decided_at",
    "dispatched_at",
    "on_site_at",
    "closed_at",
)
STEP_ACTIONS = {
    "verified_at": ("verify", "verified"),
    "assessed_at": ("assess", "assessed"),
    "decided_at": ("decide", "decided"),
    "dispatched_at": ("dispatch", "dispatched"),
    "on_site_at": ("arrive", "on_site"),
    "closed_at": ("close", "closed"),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _towns() -> list[tuple[float, float]]:
    from sentinelle.demo.towns import towns

    return [(t.latitude, t.longitude) for t in towns()]


# --- part (a): alert creation through the API ------------------------------------------------


def build_api_store(url: str, home: Path) -> str:
    """Admin units, an analyst and an API token; the token."""
    from sentinelle import accounts
    from sentinelle.demo import demo_units
    from sentinelle.protection import cipher_from_env
    from sentinelle.store import places
    from sentinelle.store.database import open_store

    store = open_store(url)
    with store.transaction() as connection:
        places.replace_units(connection, list(demo_units()))
    accounts.create_user(store, "bench", PASSWORD, "analyst", "benchmark")
    token, _ = accounts.create_token(store, "bench", "bench-alerts", "benchmark")
    store.dispose()
    cipher_from_env(home)  # the key file, made before the workers start
    return token


def alert_body(places: list[tuple[float, float]]) -> dict[str, Any]:
    lat, lon = random.choice(places)
    received = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=random.uniform(0, 120))
    body: dict[str, Any] = {
        "channel": random.choice(
            ["community_alert_network", "community_liaison", "patrol", "partner", "media"]
        ),
        "received_at": received.isoformat(),
        "place": "bench village",
        "precision": random.choice(["exact", "near", "area"]),
        "threat_type": random.choice(["vac_attack", "vac_abduction", "fighting_in_towns"]),
        "threatened_population": random.choice(["village", "market", "travellers"]),
        "urgency": random.choice(["high", "medium", "low"]),
        "description": "Benchmark alert: armed men reported near the village",
        "message_id": uuid.uuid4().hex,
    }
    if random.random() < 0.8:
        body["latitude"] = round(lat + random.uniform(-0.05, 0.05), 4)
        body["longitude"] = round(lon + random.uniform(-0.05, 0.05), 4)
    if random.random() < 0.6:
        body["reporter_name"] = "Bench Reporter"
        body["reporter_contact"] = "+223 00 00 00 00"
    return body


class Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.created = 0
        self.errors: dict[str, int] = {}
        self.recording = False
        self.sent_201 = 0  # every 201, warm-up included (checked against the store)

    def add(self, seconds: float, status: str) -> None:
        if status == "201":
            self.sent_201 += 1
        if not self.recording:
            return
        self.latencies.append(seconds)
        if status == "201":
            self.created += 1
        else:
            self.errors[status] = self.errors.get(status, 0) + 1


async def client_loop(
    base: str, token: str, recorder: Recorder, stop: asyncio.Event, places: list[Any]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                answer = await client.post("/api/v1/alerts", json=alert_body(places))
                status = str(answer.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            recorder.add(time.perf_counter() - start, status)


async def load(base: str, token: str, clients: int, seconds: float, warmup: float) -> Recorder:
    recorder = Recorder()
    stop = asyncio.Event()
    places = _towns()
    tasks = [
        asyncio.create_task(client_loop(base, token, recorder, stop, places))
        for _ in range(clients)
    ]
    await asyncio.sleep(warmup)
    recorder.recording = True
    await asyncio.sleep(seconds)
    recorder.recording = False
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return recorder


def start_server(url: str, home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_DATABASE_URL": url}
    env.pop("SENTINELLE_PERSONAL_DATA_KEY", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sentinelle.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            error = server.stderr.read().decode() if server.stderr else ""
            raise SystemExit(f"the server did not start\n{error[-2000:]}")
        time.sleep(0.3)


def count_alerts(url: str) -> int:
    from sentinelle.store import alerts as alert_store
    from sentinelle.store.database import open_store

    store = open_store(url, migrate=False)
    with store.reading() as connection:
        found = alert_store.count_alerts(connection)
    store.dispose()
    return found


def bench_creation(url: str, home: Path, args: argparse.Namespace) -> None:
    token = build_api_store(url, home)
    server = start_server(url, home, args.port, args.workers)
    try:
        print(
            f"server: {args.workers} worker(s); {args.clients} clients posting back to back for "
            f"{args.seconds:.0f} s after {args.warmup:.0f} s of warm-up"
        )
        recorder = asyncio.run(
            load(f"http://127.0.0.1:{args.port}", token, args.clients, args.seconds, args.warmup)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = count_alerts(url)
    rate = recorder.created / args.seconds
    values = recorder.latencies or [0.0]
    print("--- alert creation: POST /api/v1/alerts")
    print(
        f"created {recorder.created:,} in {args.seconds:.0f} s: {rate:,.0f} alerts/s  "
        f"p50 {percentile(values, 0.5):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms  "
        f"p99 {percentile(values, 0.99):6.1f} ms  mean {statistics.fmean(values) * 1000:6.1f} ms"
    )
    print(f"errors: {recorder.errors or 'none'}")
    check = "all stored" if stored == recorder.sent_201 else "MISMATCH"
    print(f"store holds {stored:,} alerts for {recorder.sent_201:,} answers 201 ({check})")
    print(f"target (200 alerts/s sustained): {'met' if rate >= 200 else 'NOT met'}")


# --- part (b): response figures over 100,000 alerts -----------------------------------------


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    """Durations in hours as timedelta64."""
    hours = rng.lognormal(np.log(median), sigma, n)
    return (hours * 3600e6).astype("timedelta64[us]")


def _or_none(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``mask``, else None (an object array of Python values)."""
    out = np.full(len(values), None, dtype=object)
    out[mask] = values[mask].tolist()
    return out


def generate_lifecycles(n: int, seed: int = 2018) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` alerts received 2015–2018 with valid lifecycles as of :data:`CUTOFF`, and their
    steps (vectorised; every rule of ``sentinelle.domain.alerts`` followed by construction)."""
    from sentinelle.demo.towns import towns

    rng = np.random.default_rng(seed)
    span = (CUTOFF - FIRST).total_seconds()
    offsets = np.sort(rng.uniform(0, span, n))
    received = np.datetime64(FIRST.replace(tzinfo=None), "us") + (offsets * 1e6).astype(
        "timedelta64[us]"
    )
    all_towns = towns()
    town = rng.integers(0, len(all_towns), n)
    ids = np.arange(1, n + 1)
    # duplicates: merged into an earlier alert that is not itself a duplicate
    duplicate = rng.random(n) < 0.05
    primary = np.floor(rng.random(n) * np.arange(n)).astype(int)
    duplicate &= (np.arange(n) > 0) & ~duplicate[primary]
    verification = rng.choice(["confirmed", "unconfirmed", "false"], n, p=[0.5, 0.35, 0.15])
    required = (verification != "false") & (rng.random(n) < 0.7)
    priority = rng.choice(["high", "medium", "low"], n, p=[0.3, 0.45, 0.25])
    decision = rng.choice(
        [
            "patrol",
            "deployment",
            "engagement",
            "referral_authorities",
            "referral_humanitarian",
            "none",
        ],
        n,
        p=[0.4, 0.08, 0.15, 0.12, 0.08, 0.17],
    )
    on_site = np.isin(decision, ["patrol", "deployment", "engagement"])
    target = np.select([priority == "high", priority == "medium"], [2.0, 12.0], 48.0)
    times: dict[str, np.ndarray] = {}
    nat = np.datetime64("NaT", "us")
    verified = received + _lognormal(rng, 1.5, 0.9, n)
    assessed = verified + _lognormal(rng, 1.0, 0.8, n)
    decided = np.maximum(
        assessed + np.timedelta64(5, "m"),
        received + (rng.lognormal(np.log(target * 0.6), 1.0) * 3600e6).astype("timedelta64[us]"),
    )
    dispatched = decided + _lognormal(rng, 3.0, 0.9, n)
    arrived = dispatched + _lognormal(rng, 5.0, 0.7, n)
    false, not_required = verification == "false", (verification != "false") & ~required
    decided_only = required & ~on_site
    goes = required & on_site
    closed = np.where(
        false,
        verified + _lognormal(rng, 2.0, 0.8, n),
        np.where(
            not_required,
            assessed + _lognormal(rng, 4.0, 0.8, n),
            np.where(
                decided_only,
                decided + _lognormal(rng, 24.0, 0.8, n),
                arrived + _lognormal(rng, 30.0, 0.8, n),
            ),
        ),
    )
    times["verified_at"] = verified
    times["assessed_at"] = np.where(false, nat, assessed)
    times["decided_at"] = np.where(required, decided, nat)
    times["dispatched_at"] = np.where(goes, dispatched, nat)
    times["on_site_at"] = np.where(goes, arrived, nat)
    times["closed_at"] = closed
    for column in STEP_COLUMNS:  # duplicates: received, then merged
        times[column] = np.where(duplicate, nat, times[column])
    # steps after the cut-off were not taken: the alert waits at its last step
    cutoff = np.datetime64(CUTOFF.replace(tzinfo=None), "us")
    late = np.zeros(n, dtype=bool)
    for column in STEP_COLUMNS:
        late |= ~np.isnat(times[column]) & (times[column] >= cutoff)
        times[column] = np.where(late, nat, times[column])
    merged_at = received + _lognormal(rng, 1.5, 0.8, n)
    duplicate &= merged_at < cutoff
    state = np.full(n, "received", dtype=object)
    for column in STEP_COLUMNS:
        state = np.where(~np.isnat(times[column]), STEP_ACTIONS[column][1], state)
    state = np.where(duplicate, "merged", state)
    reached = {c: ~np.isnat(times[c]) for c in STEP_COLUMNS}
    closed_from = _or_none(
        reached["closed_at"],
        np.where(
            false,
            "verified",
            np.where(not_required, "assessed", np.where(decided_only, "decided", "on_site")),
        ),
    )
    outcome = rng.choice(["prevented", "occurred", "unknown"], n, p=[0.35, 0.2, 0.45])
    needs_outcome = reached["closed_at"] & required
    killed = np.where(needs_outcome & (outcome == "occurred"), rng.poisson(1.5, n), -1)
    frame = pd.DataFrame(
        {
            "id": ids,
            "channel": rng.choice(
                [
                    "community_alert_network",
                    "community_liaison",
                    "patrol",
                    "partner",
                    "authorities",
                    "media",
                ],
                n,
                p=[0.4, 0.2, 0.1, 0.12, 0.12, 0.06],
            ),
            "received_at": received,
            "place": [all_towns[t].name_fr for t in town],
            "admin1_pcode": [all_towns[t].admin1_pcode for t in town],
            "admin2_pcode": [all_towns[t].admin2_pcode for t in town],
            "latitude": [all_towns[t].latitude for t in town],
            "longitude": [all_towns[t].longitude for t in town],
            "threat_type": rng.choice(
                ["vac_attack", "vac_abduction", "fighting_in_towns", "explosive_harm", "other"], n
            ),
            "urgency": rng.choice(["high", "medium", "low"], n),
            "state": state,
            "verification": _or_none(reached["verified_at"], verification),
            "response_required": _or_none(reached["assessed_at"], required),
            "priority": _or_none(reached["assessed_at"] & required, priority),
            "decision": _or_none(reached["decided_at"], decision),
            "decision_reason": _or_none(
                reached["decided_at"] & (decision == "none"), np.full(n, "no troops available")
            ),
            "outcome": _or_none(needs_outcome, outcome),
            "killed": pd.Series(np.where(killed >= 0, killed, 0))
            .astype("Int64")
            .where(killed >= 0),
            "closed_from": closed_from,
            "merged_into": pd.Series(primary + 1).astype("Int64").where(duplicate),
            **{c: times[c] for c in STEP_COLUMNS},
        }
    )
    frame["owner"] = "bench"
    frame["source"] = "csv"
    frame["source_message_id"] = [f"bench:{i}" for i in ids]
    frame["created_by"] = "bench"
    frame["created_at"] = frame["received_at"]
    last = frame[list(STEP_COLUMNS)].max(axis=1)
    last = last.fillna(frame["received_at"])
    frame["updated_at"] = np.where(duplicate, merged_at, last)
    steps = _steps(frame, merged_at, duplicate)
    frame["version"] = steps.groupby("alert_id").size().reindex(frame["id"]).to_numpy()
    return frame, steps


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars as Python ones, missing as None."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if value is None or value is pd.NA or value != value else value


def _details(frame: pd.DataFrame, column: str, mask: np.ndarray) -> list[str]:
    """The step's details as the register writes them (the fields the step sets)."""
    rows = frame.loc[mask]
    if column == "verified_at":
        keys = ["verification"]
    elif column == "assessed_at":
        keys = ["response_required", "priority"]
    elif column == "decided_at":
        keys = ["decision", "decision_reason"]
    elif column == "closed_at":
        keys = ["outcome", "killed", "closed_from"]
    else:
        return ["{}"] * int(mask.sum())
    values = [rows[k].astype(object).tolist() for k in keys]
    return [
        json.dumps({k: _plain(v) for k, v in zip(keys, row, strict=True)})
        for row in zip(*values, strict=True)
    ]


def _steps(frame: pd.DataFrame, merged_at: np.ndarray, duplicate: np.ndarray) -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "alert_id": frame["id"],
                "action": "receive",
                "from_state": None,
                "to_state": "received",
                "at": frame["received_at"],
                "order": 0,
                "details": "{}",
            }
        )
    ]
    previous = pd.Series("received", index=frame.index, dtype=object)
    for order, column in enumerate(STEP_COLUMNS, start=1):
        mask = frame[column].notna().to_numpy()
        action, to_state = STEP_ACTIONS[column]
        parts.append(
            pd.DataFrame(
                {
                    "alert_id": frame["id"][mask],
                    "action": action,
                    "from_state": previous[mask],
                    "to_state": to_state,
                    "at": frame[column][mask],
                    "order": order,
                    "details": _details(frame, column, mask),
                }
            )
        )
        previous = previous.where(~mask, to_state)
    parts.append(
        pd.DataFrame(
            {
                "alert_id": frame["id"][duplicate],
                "action": "merge",
                "from_state": "received",
                "to_state": "merged",
                "at": merged_at[duplicate],
                "order": 9,
                "details": [
                    json.dumps({"merged_into": int(m)}) for m in frame["merged_into"][duplicate]
                ],
            }
        )
    )
    steps = pd.concat(parts, ignore_index=True).sort_values(["alert_id", "order"])
    steps["version"] = steps.groupby("alert_id").cumcount() + 1
    steps["recorded_at"] = steps["at"]
    steps["actor"] = "bench"
    steps["owner"] = "bench"
    return steps.drop(columns="order").reset_index(drop=True)


def check_sample(frame: pd.DataFrame, steps: pd.DataFrame, size: int = 2000) -> int:
    """Replay a sample of the lifecycles through ``check_transition``; how many were checked."""
    from sentinelle.domain.alerts import Standing, check_transition

    ids = set(np.random.default_rng(1).choice(frame["id"].to_numpy(), size, replace=False))
    sample = steps[steps["alert_id"].isin(ids)]
    for _, group in sample.groupby("alert_id"):
        records = group.to_dict("records")
        received = pd.Timestamp(records[0]["at"]).tz_localize("UTC").to_pydatetime()
        standing = Standing("received", received, received)
        facts: dict[str, Any] = {}
        for step in records[1:]:
            at = pd.Timestamp(step["at"]).tz_localize("UTC").to_pydatetime()
            changes = check_transition(standing, step["action"], json.loads(step["details"]), at)
            facts.update(changes)
            standing = Standing(
                changes["state"],
                received,
                at,
                facts.get("verification"),
                facts.get("response_required"),
                facts.get("decision"),
                facts.get("closed_from"),
            )
    return len(ids)


def _as_text(frame: pd.DataFrame, columns: list[str], postgres: bool) -> pd.DataFrame:
    """UTC times as the text each back-end takes in bulk (zone given to PostgreSQL)."""
    out = frame.copy()
    suffix = "+00" if postgres else ""
    for column in columns:
        text = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d %H:%M:%S.%f") + suffix
        out[column] = text.astype(object).where(out[column].notna(), None)
    return out


def store_lifecycles(url: str, frame: pd.DataFrame, steps: pd.DataFrame) -> None:
    from sqlalchemy import text

    from sentinelle.demo import demo_units
    from sentinelle.store import places
    from sentinelle.store.bulk import bulk_insert
    from sentinelle.store.database import open_store
    from sentinelle.store.schema import alert_steps, alerts

    store = open_store(url)
    postgres = store.dialect == "postgresql"
    times = ["received_at", *STEP_COLUMNS, "created_at", "updated_at"]
    rows = _as_text(frame, times, postgres)
    rows["response_required"] = rows["response_required"].astype(object)
    with store.transaction() as connection:
        places.replace_units(connection, list(demo_units()))
        bulk_insert(connection, alerts, rows)
        bulk_insert(connection, alert_steps, _as_text(steps, ["at", "recorded_at"], postgres))
        if postgres:
            sequence = "pg_get_serial_sequence('alerts', 'id')"
            connection.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM alerts))"))
            connection.execute(text("ANALYZE alerts"))
    store.dispose()


def copy_frame(connection: Any, cutoff: dt.datetime) -> pd.DataFrame:
    """For comparison only (PostgreSQL): the frame of ``load_frame`` read with ``COPY ... TO
    STDOUT`` and parsed by pyarrow, instead of row by row through SQLAlchemy."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    from sentinelle.store.alerts import FRAME_COLUMNS, TIME_COLUMNS

    raw = connection.connection.driver_connection
    buffer = io.BytesIO()
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        query = (
            f"COPY (SELECT {', '.join(FRAME_COLUMNS)} FROM alerts WHERE received_at < "
            f"'{cutoff.isoformat()}' ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)"
        )
        with cursor.copy(query) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    types: dict[str, Any] = {c: pa.timestamp("us", tz="UTC") for c in TIME_COLUMNS}
    types["response_required"] = pa.bool_()
    convert = pacsv.ConvertOptions(column_types=types, true_values=["t"], false_values=["f"])
    table = pacsv.read_csv(buffer, convert_options=convert)
    frame = table.to_pandas()
    frame["response_required"] = frame["response_required"].astype("boolean")
    return frame


def bench_figures(url: str, args: argparse.Namespace) -> None:
    from sentinelle.alerts.figures import figures
    from sentinelle.alerts.measures import response_table
    from sentinelle.store import alerts as alert_store
    from sentinelle.store.database import open_store

    start = time.perf_counter()
    frame, steps = generate_lifecycles(args.alerts)
    print(
        f"generated {len(frame):,} alerts and {len(steps):,} steps in "
        f"{time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    checked = check_sample(frame, steps)
    print(
        f"lifecycles replayed through check_transition: {checked:,} sampled, all accepted "
        f"({time.perf_counter() - start:.1f} s)"
    )
    start = time.perf_counter()
    store_lifecycles(url, frame, steps)
    print(f"stored in bulk in {time.perf_counter() - start:.1f} s")
    store = open_store(url, migrate=False)
    timings: dict[str, list[float]] = {
        "figures (load + table + totals)": [],
        "load_frame": [],
        "response_table by month": [],
    }
    postgres = url.startswith("postgresql")
    if postgres:
        timings["(COPY + pyarrow read instead)"] = []
    table = pd.DataFrame()
    totals: dict[str, float] = {}
    for repeat in range(args.repeats + 2):
        with store.reading() as connection:
            start = time.perf_counter()
            table, totals = figures(connection, CUTOFF)
            whole = time.perf_counter() - start
            start = time.perf_counter()
            loaded = alert_store.load_frame(connection, None, CUTOFF)
            load_time = time.perf_counter() - start
            if postgres:
                start = time.perf_counter()
                copied = copy_frame(connection, CUTOFF)
                if repeat >= 2:
                    timings["(COPY + pyarrow read instead)"].append(time.perf_counter() - start)
                if repeat == 0:
                    same = response_table(copied, CUTOFF).equals(response_table(loaded, CUTOFF))
                    print(f"COPY read gives the same table: {same}")
        start = time.perf_counter()
        response_table(loaded, CUTOFF)
        table_time = time.perf_counter() - start
        if repeat >= 2:  # two warm-up calls
            timings["figures (load + table + totals)"].append(whole)
            timings["load_frame"].append(load_time)
            timings["response_table by month"].append(table_time)
    store.dispose()
    print(f"--- response figures over {len(frame):,} alerts, {args.repeats} calls")
    for name, values in timings.items():
        print(
            f"{name:<32} p50 {percentile(values, 0.5):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms"
        )
    print(
        f"table: {len(table)} months; totals as of {CUTOFF.date()}: "
        f"{int(totals['alerts']):,} alerts (merged left out), "
        f"{int(totals['requiring_response']):,} requiring a response, "
        f"response rate {totals['response_rate']:.1%}, "
        f"decision median {totals['decision_median_h']:.1f} h (p90 "
        f"{totals['decision_p90_h']:.1f} h), on site median {totals['on_site_median_h']:.1f} h, "
        f"{int(totals['pending']):,} pending"
    )
    p95 = percentile(timings["figures (load + table + totals)"], 0.95)
    print(f"target (p95 < 300 ms): {'met' if p95 < 300 else 'NOT met'} (p95 {p95:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--skip-api", action="store_true", help="only the response figures")
    parser.add_argument("--skip-figures", action="store_true", help="only the alert creation")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    pg = os.environ.get("SENTINELLE_BENCH_POSTGRES_URL")
    workdir = Path(tempfile.mkdtemp(prefix="sentinelle-bench-alerts-"))
    print(f"store: {'PostgreSQL' if pg else 'SQLite (set SENTINELLE_BENCH_POSTGRES_URL)'}")
    made: list[str] = []

    def fresh(name: str) -> str:
        if pg:
            url, database = _fresh_postgres(pg)
            made.append(database)
            return url
        args.workers = 1
        return f"sqlite:///{workdir / name}"

    try:
        if not args.skip_api:
            bench_creation(fresh("api.db"), workdir, args)
        if not args.skip_figures:
            bench_figures(fresh("figures.db"), args)
    finally:
        for database in made:
            assert pg is not None
            _drop_postgres(pg, database)
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
