"""Benchmark: threat indicators, trends, onsets, Gi* hotspots and space-time patterns.

Two runs, each in a fresh interpreter so that peak memory (RSS, ``resource.getrusage``) is its own:

a. **Cercles × months, 1997–2018.** The panel comes from the real ACLED export and geoBoundaries
   cercles when the shared data are there (``SENTINELLE_SHARED_DATA``, default ``../shared/data``),
   else from the demo scenario generated over 1997–2018 (the output says which). Timed: indicators
   (with the VAC trend and onsets), Gi* of VAC events for every month with FDR, and the space-time
   pattern of every cercle over all months. Target: under 2 s.
b. **10,000 PRIO-GRID cells × 300 months.** A 100 × 100 block of real cell ids; monthly counts
   from a clustered negative-binomial process (Gaussian hotspots that start, grow and fade at
   their own times, over a low background). Same analyses, queen contiguity from the ids.
   Target: under 60 s and 4 GB peak.

    python benchmarks/bench_threat.py [--part a|b] [--seed N]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

print = functools.partial(print, flush=True)  # show progress as it comes

REPO = Path(__file__).resolve().parents[1]
FIRST, LAST = pd.Period("1997-01", "M"), pd.Period("2018-12", "M")
TARGET_A_SECONDS = 2.0
TARGET_B_SECONDS = 60.0
TARGET_B_MB = 4096.0


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
        f"{platform.system()} {platform.release()} · Python {platform.python_version()} · "
        f"numpy {np.__version__} · pandas {pd.__version__}"
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(steps: dict[str, float], name: str, call: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = call()
    steps[name] = time.perf_counter() - start
    return result


def analyse(
    panel: pd.DataFrame,
    weights: Any,
    population: pd.Series | None,
    threats: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Every threat analysis of this issue on one panel (and, given the threat events, the
    threat matrix of every month); returns timings and a few counts."""
    from sentinelle.threat.hotspots import emerging_hotspots, panel_hotspots
    from sentinelle.threat.indicators import build_indicators
    from sentinelle.threat.matrix import matrix_over_time, threat_cube
    from sentinelle.threat.trend import trend_summary

    steps: dict[str, float] = {}
    matrix_rows = 0
    if threats is not None:
        matrix = timed(
            steps,
            "threat matrix, every month",
            lambda: matrix_over_time(threat_cube(threats), population, trend_summary),
        )
        matrix_rows = len(matrix)
    indicators = timed(
        steps, "indicators + trend + onset", lambda: build_indicators(panel, population)
    )
    hotspots = timed(steps, "Gi* every month + FDR", lambda: panel_hotspots(panel, weights))
    patterns = timed(steps, "space-time patterns", lambda: emerging_hotspots(panel, weights))
    return {
        "steps": steps,
        "seconds": sum(steps.values()),
        "rows": len(indicators),
        "increasing": int((indicators["vac_trend"] == "increasing").sum()),
        "onsets": int(indicators["vac_onset"].sum()),
        "hot": int((hotspots["hotspot"] == "hot").sum()),
        "patterns": {k: int(v) for k, v in patterns["pattern"].value_counts().items() if v},
        "matrix_rows": matrix_rows,
    }


def shared_data() -> Path | None:
    path = Path(os.environ.get("SENTINELLE_SHARED_DATA", REPO.parent / "shared" / "data"))
    return path if (path / "acled" / "acled_mali_1997-2018_api_export.csv").is_file() else None


def part_a() -> dict[str, Any]:
    from sentinelle.panel import EVENT_INPUT_COLUMNS, build_panel, load_panel
    from sentinelle.threat.assess import threat_events, threat_events_of
    from sentinelle.threat.weights import admin_weights, load_weights

    data = shared_data()
    start = time.perf_counter()
    if data is not None:
        from sentinelle.ingest import import_boundaries, ingest_file
        from sentinelle.store.database import open_store

        workdir = Path(tempfile.mkdtemp(prefix="sentinelle-bench-threat-"))
        store = open_store(f"sqlite:///{workdir / 'bench.db'}")
        boundaries = data / "boundaries"
        import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
        import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
        ingest_file(store, data / "acled" / "acled_mali_1997-2018_api_export.csv")
        with store.transaction() as connection:
            panel = load_panel(connection, "admin2", FIRST, LAST)
            weights = load_weights(connection, "admin2", list(panel["unit"].cat.categories))
            threats = threat_events(connection)
        store.dispose()
        source = f"real ACLED export + geoBoundaries cercles ({data})"
    else:
        from sentinelle.demo import generate_scenario

        scenario = generate_scenario(start=str(FIRST), end=str(LAST))
        units = scenario.units_at("admin2")
        events = scenario.placed_events().frame
        frame = events[list(EVENT_INPUT_COLUMNS)]
        panel = build_panel(frame, "admin2", [u.pcode for u in units], FIRST, LAST)
        threats = threat_events_of(events)
        weights = admin_weights(units)
        source = "demo scenario over 1997–2018 (shared data not found)"
    prepare = time.perf_counter() - start
    result = analyse(panel, weights, None, threats)
    result.update(
        source=source,
        prepare=prepare,
        units=len(weights.units),
        periods=int(panel["month"].nunique()),
        weights=weights.summary(),
        peak_mb=peak_mb(),
    )
    return result


def synthetic_grid_panel(
    seed: int, rows: int = 100, cols: int = 100, months: int = 300
) -> tuple[pd.DataFrame, list[str], pd.Series]:
    """A clustered negative-binomial panel over a block of real PRIO-GRID ids (rows 160…,
    columns 320…: 10° S – 40° N, 20° W – 30° E), laid out like :func:`build_panel`'s."""
    rng = np.random.default_rng(seed)
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    gids = ((160 + r) * 720 + 320 + c + 1).reshape(-1)
    n = rows * cols
    t = np.arange(months)
    mu = np.full((n, months), 0.02)
    for _ in range(40):  # hotspots: where, how wide, how strong, when they rise and fade
        cy, cx = rng.uniform(0, rows), rng.uniform(0, cols)
        spread = rng.uniform(1.5, 6.0)
        peak = rng.gamma(2.0, 1.0)
        space = np.exp(-((r - cy) ** 2 + (c - cx) ** 2) / (2 * spread**2)).reshape(-1)
        onset, length = rng.uniform(-50, months), rng.uniform(24, 200)
        time_profile = np.exp(-(((t - onset - length / 2) / (length / 2)) ** 2))
        time_profile *= 1 + 0.3 * np.sin(2 * np.pi * t / 12)  # dry-season rhythm
        mu += peak * space[:, None] * time_profile[None, :]
    size = 0.6  # negative-binomial size: variance = μ + μ² / 0.6

    def draw(mean: np.ndarray) -> np.ndarray:
        return rng.negative_binomial(size, size / (size + mean)).astype(np.int32)

    vac = draw(mu)
    attack = rng.binomial(vac, 0.75).astype(np.int32)
    abduction = rng.binomial(vac - attack, 0.8).astype(np.int32)
    sexual = (vac - attack - abduction).astype(np.int32)
    vac_fatalities = np.where(vac > 0, draw(1.5 * vac), 0).astype(np.int32)
    attack_fatalities = rng.binomial(vac_fatalities, 0.9).astype(np.int32)
    abduction_fatalities = (vac_fatalities - attack_fatalities).astype(np.int32)
    explosions = draw(0.2 * mu)
    battles = draw(0.3 * mu)
    explosion_deaths = np.where(explosions > 0, draw(explosions * 1.0), 0).astype(np.int32)
    battle_deaths = np.where(battles > 0, draw(battles * 2.0), 0).astype(np.int32)
    columns = {
        "vac_events": vac,
        "vac_fatalities": vac_fatalities,
        "events_violence_against_civilians__attack": attack,
        "fatalities_violence_against_civilians__attack": attack_fatalities,
        "events_violence_against_civilians__abduction_forced_disappearance": abduction,
        "fatalities_violence_against_civilians__abduction_forced_disappearance": (
            abduction_fatalities
        ),
        "events_violence_against_civilians__sexual_violence": sexual,
        "fatalities_violence_against_civilians__sexual_violence": np.zeros_like(vac),
        "explosions_civilian_victims_events": explosions,
        "explosions_civilian_victims_fatalities": explosion_deaths,
        "battles_populated_events": battles,
        "battles_populated_fatalities": battle_deaths,
        "fatalities": vac_fatalities + explosion_deaths + battle_deaths,
    }
    units = [str(g) for g in gids]
    periods = pd.period_range("1994-01", periods=months, freq="M")
    frame = pd.DataFrame(
        {
            "month": pd.PeriodIndex(np.repeat(periods, n), freq="M"),
            "unit": pd.Categorical(np.tile(np.asarray(units, dtype=object), months), units),
            **{name: np.ascontiguousarray(v.T).reshape(-1) for name, v in columns.items()},
        }
    )
    frame.attrs.update({"unit_kind": "priogrid", "freq": "M"})
    population = pd.Series(rng.lognormal(10, 1.5, n).round(), index=gids)
    population[rng.random(n) < 0.05] = np.nan  # some cells without an estimate
    return frame, units, population


def part_b(seed: int) -> dict[str, Any]:
    from sentinelle.threat.weights import grid_weights

    start = time.perf_counter()
    panel, units, population = synthetic_grid_panel(seed)
    prepare = time.perf_counter() - start
    steps: dict[str, float] = {}
    weights = timed(steps, "queen weights from ids", lambda: grid_weights(units))
    result = analyse(panel, weights, population)
    result["steps"] = {**steps, **result["steps"]}
    result["seconds"] = sum(result["steps"].values())
    result.update(
        source=f"synthetic clustered negative-binomial counts (seed {seed})",
        prepare=prepare,
        units=len(units),
        periods=int(panel["month"].nunique()),
        events=int(panel["vac_events"].sum()),
        weights=weights.summary(),
        peak_mb=peak_mb(),
    )
    return result


def child(part: str, seed: int) -> dict[str, Any]:
    """Run one part in a fresh interpreter (its own peak memory)."""
    done = subprocess.run(
        [sys.executable, __file__, "--part", part, "--seed", str(seed), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark part {part} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(label: str, result: dict[str, Any], seconds: float, mb: float | None) -> bool:
    print(f"\n{label}")
    print(f"  panel: {result['source']}")
    print(
        f"  {result['units']:,} units × {result['periods']:,} months = {result['rows']:,} rows; "
        f"prepared in {result['prepare']:.1f} s (not timed below)"
    )
    print(f"  weights: {result['weights']}")
    for step, took in result["steps"].items():
        print(f"  {step:<28} {took:8.3f} s")
    print(f"  {'total':<28} {result['seconds']:8.3f} s · peak memory {result['peak_mb']:,.0f} MB")
    print(
        f"  VAC: {result['increasing']:,} unit-months increasing, {result['onsets']:,} onsets, "
        f"{result['hot']:,} hot unit-months; patterns {result['patterns']}"
    )
    if result.get("matrix_rows"):
        print(f"  threat matrix: {result['matrix_rows']:,} rows over all months")
    met = result["seconds"] < seconds and (mb is None or result["peak_mb"] < mb)
    limit = f"< {seconds:g} s" + (f" and < {mb / 1024:g} GB" if mb else "")
    print(f"  target ({limit}): {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["a", "b"], help="run one part only")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        result = part_a() if args.part == "a" else part_b(args.seed)
        print(json.dumps(result))
        return
    print(f"machine: {machine()}")
    parts = [args.part] if args.part else ["a", "b"]
    outcomes = []
    if "a" in parts:
        outcomes.append(
            report("a. cercles × months 1997–2018", child("a", args.seed), TARGET_A_SECONDS, None)
        )
    if "b" in parts:
        outcomes.append(
            report(
                "b. 10,000 PRIO-GRID cells × 300 months",
                child("b", args.seed),
                TARGET_B_SECONDS,
                TARGET_B_MB,
            )
        )
    print(f"\nall targets met: {'yes' if all(outcomes) else 'NO'}")


if __name__ == "__main__":
    main()
