"""Benchmark: the rolling-origin backtest of VAC forecasts at cercle level.

The store is built from the real ACLED export, geoBoundaries regions and cercles, the COD-PS
population and the Geo-PKO MINUSMA sites when the shared data are there
(``SENTINELLE_SHARED_DATA``, default ``../shared/data``); otherwise from the demo scenario (the
output says which). Then every model and baseline is backtested on origins 2016-01 to 2018-12 at
horizons 1, 3 and 6, and the table of every score is printed with the run time, the machine,
and whether the best learned model beats the best baseline on the Brier score and on average
precision at horizons 1 and 3 (with the margins, whatever they are). This prints numbers; it is
not a pass/fail test. Target: the whole backtest in under 120 s on 2 cores.

    python benchmarks/bench_forecast.py [--origins 2016-01:2018-12] [--horizons 1,3,6]
                                        [--out scores.csv]
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ingest

print = functools.partial(print, flush=True)  # show progress as it comes

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 120.0


def machine() -> str:
    import lightgbm
    import sklearn

    return (
        f"{bench_ingest.machine()} · numpy {np.__version__} · "
        f"scikit-learn {sklearn.__version__} · lightgbm {lightgbm.__version__}"
    )


def shared_data() -> Path | None:
    path = Path(os.environ.get("SENTINELLE_SHARED_DATA", REPO.parent / "shared" / "data"))
    return path if (path / "acled" / "acled_mali_1997-2018_api_export.csv").is_file() else None


def build_store() -> tuple[object, str]:
    from sentinelle.store.database import open_store

    workdir = Path(tempfile.mkdtemp(prefix="sentinelle-bench-forecast-"))
    store = open_store(f"sqlite:///{workdir / 'bench.db'}")
    data = shared_data()
    if data is None:
        from sentinelle.demo.load import load_demo_with_population

        load_demo_with_population(store)
        return store, "demo scenario (fictional; the shared data were not found)"
    from sentinelle.deployments import ingest_deployments
    from sentinelle.ingest import import_boundaries, ingest_file
    from sentinelle.threat.population import ingest_population

    boundaries = data / "boundaries"
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(store, data / "acled" / "acled_mali_1997-2018_api_export.csv")
    ingest_population(store, data / "population" / "cod_ps_mali_admin2_population_2020.csv")
    ingest_deployments(store, data / "peacekeeping" / "geopko_v2.3_minusma_locations.csv")
    return store, (
        f"real ACLED export, geoBoundaries cercles, COD-PS population, Geo-PKO sites ({data})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", default="2016-01:2018-12")
    parser.add_argument("--horizons", default="1,3,6")
    parser.add_argument("--out", type=Path, default=None, help="write the scores to this CSV")
    options = parser.parse_args()

    from sentinelle.forecast.backtest import METRICS, backtest, parse_horizons, parse_origins
    from sentinelle.forecast.data import load_forecast_data
    from sentinelle.forecast.models import BASELINES, LEARNED

    print(f"machine: {machine()}")
    start = time.perf_counter()
    store, source = build_store()
    print(f"data: {source} (store built in {time.perf_counter() - start:.1f} s)")
    with store.reading() as connection:  # type: ignore[attr-defined]
        data = load_forecast_data(connection, "admin2")
    origins = parse_origins(options.origins)
    horizons = parse_horizons(options.horizons)
    print(
        f"units: {data.shape[0]} cercles (pre-2016 geography) × {data.shape[1]} months "
        f"({data.months[0]}–{data.months[-1]}); origins {origins[0]}–{origins[-1]} "
        f"({len(origins)}); horizons {horizons}"
    )
    for note in data.notes:
        print(f"note: {note}")
    started = time.perf_counter()
    run = backtest(data, origins, horizons)
    seconds = time.perf_counter() - started
    wide = run.scores.pivot_table(index=["horizon", "model"], columns="metric", values="value")
    wide = wide[[m for m in METRICS if m in wide.columns]]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print()
        print(wide.round(4).to_string())
    print()
    for metric, text in METRICS.items():
        print(f"  {metric}: {text}")
    print()
    for horizon in horizons:
        part = wide.loc[horizon]
        line = [f"horizon {horizon}:"]
        for metric, better in (("brier", min), ("average_precision", max)):
            baseline_name = better(BASELINES, key=lambda m, c=metric: part.loc[m, c])
            learned_name = better(LEARNED, key=lambda m, c=metric: part.loc[m, c])
            base, learned = part.loc[baseline_name, metric], part.loc[learned_name, metric]
            wins = learned < base if better is min else learned > base
            line.append(
                f"{metric}: best learned {learned_name} {learned:.4f} vs best baseline "
                f"{baseline_name} {base:.4f} ({'beats' if wins else 'does NOT beat'} it, "
                f"{100 * (learned - base) / base:+.1f}%)"
            )
        print("  ".join(line))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
    print(
        f"\nbacktest: {seconds:.1f} s for {len(origins)} origins × {len(horizons)} horizons × "
        f"{len(run.models)} models, {len(run.predictions):,} forecasts, peak {peak:.0f} MB "
        f"(target under {TARGET_SECONDS:.0f} s: {verdict})"
    )
    if options.out is not None:
        run.scores.to_csv(options.out, index=False)
        print(f"scores written to {options.out}")


if __name__ == "__main__":
    main()
