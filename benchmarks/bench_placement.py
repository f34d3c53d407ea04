"""Benchmark: placing events in Mali's regions and cercles (sentinelle.geo.placement).

Reads the geoBoundaries ADM1/ADM2 files from the shared data (``SENTINELLE_SHARED_DATA``, default
``../shared/data``), gives them P-codes, then places chunks of random points drawn inside Mali
(with ACLED-like admin names and geo_precision) and prints points per second. A second run draws
points over Mali's bounding box, so about half fall outside the country and go through the
nearest-unit and by-name paths. Target: at least 100,000 points/s on 2 cores.

    python benchmarks/bench_placement.py [--points 100000] [--chunks 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from sentinelle.geo.gazetteer import assign_pcodes
from sentinelle.geo.placement import Placer
from sentinelle.readers.boundaries import read_boundaries

NAMES = [("Mopti", "Douentza"), ("Gao", "Menaka"), ("Menaka", "Anderamboukane"), ("Segou", None)]


def shared_data() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return Path(os.environ.get("SENTINELLE_SHARED_DATA", default))


def random_events(n: int, outline: shapely.Geometry, inside_only: bool, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    west, south, east, north = outline.bounds
    x = rng.uniform(west, east, 3 * n)
    y = rng.uniform(south, north, 3 * n)
    if inside_only:
        keep = shapely.intersects_xy(outline, x, y)
        x, y = x[keep], y[keep]
    pick = rng.integers(0, len(NAMES), n)
    return pd.DataFrame(
        {
            "latitude": y[:n],
            "longitude": x[:n],
            "geo_precision": pd.array(rng.choice([1, 2, 3], n, p=[0.6, 0.37, 0.03]), "Int8"),
            "admin1": pd.array([NAMES[i][0] for i in pick], dtype="string[pyarrow]"),
            "admin2": pd.array([NAMES[i][1] for i in pick], dtype="string[pyarrow]"),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000, help="points per chunk")
    parser.add_argument("--chunks", type=int, default=10)
    args = parser.parse_args()

    folder = shared_data() / "boundaries"
    regions = assign_pcodes(
        read_boundaries(folder / "geoBoundaries-MLI-ADM1_simplified.topojson").units
    ).units
    cercles = assign_pcodes(
        read_boundaries(folder / "geoBoundaries-MLI-ADM2_simplified.topojson").units,
        parents=regions,
    ).units
    start = time.perf_counter()
    placer = Placer(regions, cercles)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
    )
    print(f"placer built in {time.perf_counter() - start:.3f} s ({len(cercles)} cercles)")
    outline = shapely.union_all([u.geometry for u in cercles])
    for label, inside_only in (("inside Mali", True), ("Mali's bounding box", False)):
        frames = [
            random_events(args.points, outline, inside_only, seed) for seed in range(args.chunks)
        ]
        placer.place(frames[0].iloc[:1000])  # warm up
        start = time.perf_counter()
        counts: dict[str, int] = {}
        for frame in frames:
            _, report = placer.place(frame)
            for kind, count in report.counts.items():
                counts[kind] = counts.get(kind, 0) + count
        elapsed = time.perf_counter() - start
        total = args.points * args.chunks
        print(
            f"{label}: {total:,} points in {args.chunks} chunks, {elapsed:.2f} s, "
            f"{total / elapsed:,.0f} points/s; {counts}"
        )


if __name__ == "__main__":
    main()
