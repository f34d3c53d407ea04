"""Reach by road in ``plan`` and ``align``, on the tiny hand-made store of ``conftest.py`` whose
travel times are worked out by hand there, and the parameters a plan records."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentinelle.planning.alignment import yearly_alignment, yearly_results
from sentinelle.planning.plan import NamedPlan, build_problem, plan, posture_coverage
from sentinelle.planning.roads import read_roads
from sentinelle.store.database import Store
from tests.planning.conftest import load_tiny, write_road_file

MONTH = "2018-12"
CODES = ["ML0501", "ML0502", "ML0503", "ML0504"]  # Alpha, Bravo, Charlie, Delta: 1, 2, 4, 5 VAC


def solved(store: Store, **options: Any) -> NamedPlan:
    with store.reading() as connection:
        return plan(connection, MONTH, **options)


def reached(result: NamedPlan) -> list[list[int]]:
    """Per existing site (S1, S2), which cercles (in P-code order) it reaches."""
    named = result.named
    assert list(named.areas.codes) == CODES
    assert list(named.site_names[: named.n_existing]) == ["S1", "S2"]
    return named.problem.reach[: named.n_existing].astype(int).tolist()


def test_plan_by_road_reaches_what_the_travel_times_allow(
    tiny_store: Store, road_file: Path
) -> None:
    roads = read_roads(road_file)
    # within 1 h, dry: S1 → Alpha (0 h), Bravo (0.660 h), not Charlie (1.772 h); S2 → Delta
    # (0.322 h). One unit goes to S2 (Delta, 5 of 12); two add S1 (Alpha + Bravo): 8.
    dry = solved(tiny_store, units=1, roads=roads, hours=1.0)
    assert reached(dry) == [[1, 1, 0, 0], [0, 0, 0, 1]]
    assert dry.plan.total_risk == 12 and dry.plan.objective == 5
    assert [u.site for u in dry.units()] == ["S2"]
    assert solved(tiny_store, units=2, roads=roads, hours=1.0).plan.objective == 8
    # rainy: Bravo takes 1.065 h, Delta 0.644 h: Alpha + Delta = 6 with two units
    rainy = solved(tiny_store, units=2, roads=roads, hours=1.0, season="rainy")
    assert reached(rainy) == [[1, 0, 0, 0], [0, 0, 0, 1]]
    assert rainy.plan.objective == 6
    # within 2 h, dry: S1 also reaches Charlie (1.772 h); the track is closed when it rains
    two = solved(tiny_store, units=1, roads=roads, hours=2.0)
    assert reached(two) == [[1, 1, 1, 0], [0, 0, 0, 1]]
    assert two.plan.objective == 7 and [u.site for u in two.units()] == ["S1"]
    assert reached(solved(tiny_store, units=1, roads=roads, hours=2.0, season="rainy")) == [
        [1, 1, 0, 0],
        [0, 0, 0, 1],
    ]
    # straight line (no roads): 50 km reaches all four — S1 Charlie at 44.5 km
    straight = solved(tiny_store, units=2)
    assert reached(straight) == [[1, 1, 1, 0], [0, 0, 0, 1]]
    assert straight.plan.objective == 12
    # a temporary base at Charlie's point reaches Charlie only (Bravo: 1.327 h by the track)
    temporary = solved(tiny_store, units=2, roads=roads, hours=1.0, temporary_bases=1)
    assert temporary.plan.objective == 9
    assert {(u.site, u.temporary) for u in temporary.units()} == {
        ("S2", False),
        ("Charlie", True),
    }
    # the current posture by road within 1 h: Alpha, Bravo, Delta
    assert posture_coverage(dry.named) == 8


def test_parameters_record_every_input(tiny_store: Store, road_file: Path) -> None:
    roads = read_roads(road_file)
    result = solved(
        tiny_store, units=3, roads=roads, hours=1.5, season="rainy", close=["S1"], hold_back=0.4
    )
    parameters = result.named.parameters
    json.dumps(parameters)  # JSON values only
    assert parameters["reach_mode"] == "roads" and result.named.reach_mode == "roads"
    assert parameters["roads_file"] == "roads.geojson"
    assert parameters["roads_sha256"] == hashlib.sha256(road_file.read_bytes()).hexdigest()
    assert parameters["season"] == "rainy" and parameters["hours"] == 1.5
    assert parameters["speeds"]["track"] == {"dry_kmh": 20.0, "rainy_kmh": None}  # type: ignore[index]
    assert parameters["close"] == ["S1"] and parameters["hold_back"] == 0.4
    assert parameters["units"] == 3 and parameters["units_given"] is True
    assert parameters["units_final"] == result.named.problem.units == 1  # ⌊3 × 0.6⌋
    assert parameters["forecast_run_id"] is None
    assert parameters["mip_rel_gap"] == 1e-3 and parameters["time_limit"] == 10.0
    for key in (
        "month", "risk", "period_months", "by_population", "unit_size", "force_protection",
        "reach_km", "reach_factor", "minimum", "temporary_bases", "add_units",
    ):  # fmt: skip
        assert key in parameters, key
    straight = solved(tiny_store, unit_size=100, force_protection_share=0.8, reach_factor=0.6)
    assert straight.named.parameters["reach_mode"] == "straight"
    assert straight.named.parameters["roads_sha256"] is None
    assert straight.named.parameters["season"] is None
    assert straight.named.parameters["effective_reach_km"] == pytest.approx(30.0)
    # K derived: (1,000 + 500) troops × 0.2 deployable ÷ 100 = 3
    assert straight.named.parameters["units"] == 3
    assert straight.named.parameters["units_given"] is False
    with tiny_store.reading() as connection, pytest.raises(ValueError, match="reach factor"):
        build_problem(connection, MONTH, units=1, roads=roads, reach_factor=0.6)


NAN_COLUMNS = (
    "probability_low",
    "probability_high",
    "fatalities_mean",
    "fatalities_q10",
    "fatalities_q50",
    "fatalities_q90",
    "crps",
)


def _fake_forecast(probability: float) -> SimpleNamespace:
    rows = [
        {
            "model": "boosting",
            "unit": code,
            "origin": pd.Period("2018-12", "M"),
            "horizon": 1,
            "target_month": pd.Period("2019-01", "M"),
            "probability": probability * (i + 1),
            **dict.fromkeys(NAN_COLUMNS, np.nan),
            "observed_any": np.nan,
            "observed_fatalities": np.nan,
        }
        for i, code in enumerate(CODES)
    ]
    return SimpleNamespace(
        kind="forecast",
        unit_kind="admin2",
        parameters={"primary": "boosting"},
        models=["boosting"],
        features=[],
        data_version="test",
        first_month=pd.Period("2017-01", "M"),
        last_month=pd.Period("2018-12", "M"),
        origins=[pd.Period("2018-12", "M")],
        horizons=[1],
        seconds=0.0,
        predictions=pd.DataFrame(rows),
        scores=pd.DataFrame(),
        reliability=pd.DataFrame(),
    )


def test_parameters_name_the_forecast_run_used(tiny_store: Store, road_file: Path) -> None:
    from sentinelle.store import forecasts

    moment = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    with tiny_store.transaction() as connection:
        forecasts.save_run(connection, _fake_forecast(0.01), "analyst", moment)
        latest = forecasts.save_run(connection, _fake_forecast(0.1), "analyst", moment)
    result = solved(
        tiny_store, units=2, risk="forecast", by_population=False, roads=read_roads(road_file)
    )
    assert result.named.parameters["forecast_run_id"] == latest
    assert (
        result.named.parameters["roads_sha256"]
        == hashlib.sha256(road_file.read_bytes()).hexdigest()
    )
    # the latest run's probabilities: 0.1, 0.2, 0.3, 0.4
    assert result.plan.total_risk == pytest.approx(1.0)


def test_yearly_alignment_by_road(tiny_store: Store, road_file: Path) -> None:
    roads = read_roads(road_file)
    with tiny_store.reading() as connection:
        straight = yearly_alignment(connection, [2018], language="en")
        dry = yearly_results(connection, [2018], language="en", roads=roads, hours=1.0)
        rainy = yearly_alignment(
            connection, [2018], language="en", roads=roads, hours=1.0, season="rainy"
        )
    assert straight["vac_events_within_reach"].tolist() == [1.0]
    assert straight.attrs["reach_mode"] == "straight"
    events = dry.years[0].events
    assert events.reach.matrix.astype(int).tolist() == [[1, 1, 0, 0], [0, 0, 0, 1]]
    assert events.travel_hours is not None and events.mode == "roads"
    np.testing.assert_allclose(
        events.travel_hours[0, :3], [0.0, 0.6596, 1.7716], atol=1e-3
    )  # hand-computed in conftest.py
    assert events.travel_hours[1, 3] == pytest.approx(0.3222, abs=1e-3)
    frame = dry.frame()
    assert frame["vac_events_within_reach"].tolist() == [pytest.approx(8 / 12)]
    assert frame["areas_reached"].tolist() == [3]
    assert frame["high_risk_out_of_reach"].tolist() == ["Charlie"]
    assert frame.attrs["reach_mode"] == "roads" and frame.attrs["hours"] == 1.0
    assert rainy["vac_events_within_reach"].tolist() == [pytest.approx(6 / 12)]
    assert rainy.attrs["season"] == "rainy"


# --- the command line ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sentinelle.store.database import open_store

    folder = tmp_path_factory.mktemp("tiny-cli")
    store = open_store(f"sqlite:///{folder / 'tiny.db'}")
    load_tiny(store, folder / "files")
    store.dispose()
    write_road_file(folder / "roads.geojson")
    return folder


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "200"}
    env["SENTINELLE_DATABASE_URL"] = f"sqlite:///{home / 'tiny.db'}"
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_align_command_by_road(home: Path) -> None:
    roads = str(home / "roads.geojson")
    out = home / "align.csv"
    done = run("align", "--years", "2018", "--roads", roads, "--hours", "1", "--out", str(out),
               home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "by road within 1 h (dry season)" in done.stdout
    assert "Reach by road" in done.stdout and "roads.geojson" in done.stdout
    assert "67% / 12" in done.stdout
    assert pd.read_csv(out)["vac_events_within_reach"].tolist() == [pytest.approx(8 / 12)]
    rainy = run("align", "--years", "2018", "--roads", roads, "--hours", "1", "--season", "rainy",
                home=home, lang="fr")  # fmt: skip
    assert rainy.returncode == 0, rainy.stderr
    assert "par la route en 1 h au plus (saison des pluies)" in rainy.stdout
    assert "50% / 12" in rainy.stdout
    straight = run("align", "--years", "2018", home=home)
    assert "· 50 km" in straight.stdout and "100% / 12" in straight.stdout
    assert "Straight-line reach" in straight.stdout


def test_plan_command_by_road(home: Path) -> None:
    roads = str(home / "roads.geojson")
    dry = run("plan", "--month", MONTH, "--units", "2", "--roads", roads, "--hours", "1",
              home=home)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "Placing mobile units · 2018-12 · events · by road within 1 h (dry season)" in dry.stdout
    assert "Risk covered: 8 / 12 (67%)" in dry.stdout
    rainy = run("plan", "--month", MONTH, "--units", "2", "--roads", roads, "--hours", "1",
                "--rainy", home=home)  # fmt: skip
    assert rainy.returncode == 0, rainy.stderr
    assert "(rainy season)" in rainy.stdout and "Risk covered: 6 / 12 (50%)" in rainy.stdout
    same = run("plan", "--month", MONTH, "--units", "2", "--roads", roads, "--hours", "1",
               "--season", "rainy", home=home)  # fmt: skip
    assert "Risk covered: 6 / 12 (50%)" in same.stdout
    # without roads --rainy is still reach × 0.6: 30 km still reaches Alpha, Bravo (22 km), Delta
    straight = run("plan", "--month", MONTH, "--units", "2", "--rainy", home=home)
    assert "· 30 km" in straight.stdout and "Risk covered: 8 / 12" in straight.stdout


@pytest.mark.parametrize("command", ["align", "plan"])
def test_bad_road_options_are_refused_with_one_message(
    home: Path, tmp_path: Path, command: str
) -> None:
    base = ["--years", "2018"] if command == "align" else ["--month", MONTH, "--units", "1"]
    not_json = tmp_path / "roads.geojson"
    not_json.write_text("this is not JSON")
    no_lines = tmp_path / "points.geojson"
    no_lines.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"highway": "primary"},
                        "geometry": {"type": "Point", "coordinates": [0, 15]},
                    }
                ],
            }
        )
    )
    speeds = tmp_path / "speeds.csv"
    speeds.write_text("road_class,dry_kmh\nprimary,50\n")
    roads = str(home / "roads.geojson")
    from typer.testing import CliRunner

    from sentinelle.cli.main import app

    env = {
        "SENTINELLE_HOME": str(home),
        "SENTINELLE_LANG": "en",
        "SENTINELLE_DATABASE_URL": f"sqlite:///{home / 'tiny.db'}",
        "COLUMNS": "200",
    }
    for args, message in (
        (["--roads", str(tmp_path / "missing.geojson")], "no such file"),
        (["--roads", str(not_json)], "not JSON"),
        (["--roads", str(no_lines)], "no usable road lines"),
        (["--roads", str(tmp_path)], "is a folder"),
        (["--roads", roads, "--speeds", str(speeds)], "missing column"),
        (["--roads", roads, "--hours", "0"], "--hours"),
        (["--roads", roads, "--season", "wet"], "--season"),
        (["--hours", "2"], "add --roads"),
        (["--season", "rainy"], "add --roads"),
    ):
        done = CliRunner().invoke(app, [command, *base, *args], env=env)
        assert done.exit_code == 2, (args, done.stdout, done.stderr)
        assert done.exception is None or isinstance(done.exception, SystemExit)
        assert done.stderr.lstrip().startswith("Error:"), done.stderr
        assert message in " ".join(done.stderr.split()), (args, done.stderr)
    # as a user runs it: one message, no traceback
    user = run(command, *base, "--roads", str(not_json), home=home)
    assert user.returncode == 2 and "Traceback" not in user.stderr and "not JSON" in user.stderr
    if command == "plan":
        both = run(command, *base, "--rainy", "--roads", roads, "--season", "dry", home=home)
        assert both.returncode == 2 and "contradict" in both.stderr
