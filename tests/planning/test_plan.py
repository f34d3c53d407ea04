"""Placing mobile units from the store (the demo: fictional events, MINUSMA-like sites over real
geography), its what-ifs, and ``sentinelle plan`` as a user runs it."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sentinelle.planning.plan import NamedPlan, build_problem, month_period, plan, posture_coverage
from sentinelle.store.database import Store

MONTH = "2018-12"


def solved(store: Store, **options: Any) -> NamedPlan:
    with store.reading() as connection:
        return plan(connection, MONTH, **options)


def test_the_plan_covers_at_least_what_the_posture_covers(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        named = build_problem(connection, MONTH, units=1)
    sites = named.n_existing
    assert sites > 0 and named.posture.sites
    same = solved(demo_store, units=sites)
    assert same.plan.status == "optimal"
    assert same.plan.objective >= posture_coverage(same.named) - 1e-9
    assert 0 < same.plan.objective <= same.plan.total_risk
    # with temporary bases on top the plan can only do better
    wider = solved(demo_store, units=sites, temporary_bases=2)
    assert wider.plan.objective >= same.plan.objective - 1e-9
    assert int(wider.plan.opened.sum()) <= 2
    # every unit reads in words: a site name, the cercles it covers, the next best site
    units = wider.units()
    assert 0 < len(units) <= sites  # units that would add nothing may stay unplaced
    names = set(named.areas.names)
    site_names = {s.name for s in named.posture.sites} | names
    for unit in units:
        assert unit.site in site_names
        assert set(unit.covers) <= names and set(unit.covers_alone) <= set(unit.covers)
        assert unit.next_site is None or unit.next_site in site_names
        assert unit.risk_added >= 0
    frame = wider.frame()
    assert len(frame) == len(units) and frame.attrs["covered_risk"] == wider.plan.objective


def test_k_is_derived_from_the_deployable_capacity(demo_store: Store) -> None:
    derived = solved(demo_store, unit_size=150, force_protection_share=0.8, mobile_units=False)
    deployable = derived.named.posture.deployable
    assert derived.named.problem.units == int(deployable // 150)
    assert derived.named.parameters["units_source"] == "deployable troops"
    more_protection = solved(
        demo_store, unit_size=150, force_protection_share=0.9, mobile_units=False
    )
    assert more_protection.named.problem.units <= derived.named.problem.units
    assert more_protection.plan.objective <= derived.plan.objective + 1e-9


def test_k_is_the_stored_units_with_mobile_capacity(demo_store: Store) -> None:
    from sentinelle.planning.units import mobile_units_in

    with demo_store.reading() as connection:
        stored = mobile_units_in(connection, MONTH)
    movable = sorted(u.name for u in stored if u.mobile)
    assert 0 < len(movable) < len(stored)  # the demo holds a unit that cannot move
    derived = solved(demo_store)
    assert derived.named.problem.units == len(movable)
    assert derived.named.parameters["units_source"] == "mobile units"
    assert sorted(derived.named.parameters["mobile_units"]) == movable  # type: ignore[arg-type]
    given = solved(demo_store, units=2)
    assert given.named.problem.units == 2 and given.named.parameters["units_source"] == "given"
    # a month before any unit is stored: back to the deployable troops
    early = solved_in(demo_store, "2014-06")
    assert early.named.parameters["units_source"] == "deployable troops"


def solved_in(store: Store, month: str, **options: Any) -> NamedPlan:
    with store.reading() as connection:
        return plan(connection, month, **options)


def test_closing_a_site_never_increases_covered_risk(demo_store: Store) -> None:
    base = solved(demo_store, units=4)
    for name in sorted({u.site for u in base.units()}):
        closed = solved(demo_store, units=4, close=[name])
        assert closed.plan.objective <= base.plan.objective + 1e-9
        assert name not in {u.site for u in closed.units()}


def test_adding_units_never_decreases_covered_risk(demo_store: Store) -> None:
    covered = [solved(demo_store, units=4, extra_units=n).plan.objective for n in range(0, 5)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(covered))
    assert covered[0] == solved(demo_store, units=4).plan.objective


def test_rain_and_holding_units_back_never_increase_covered_risk(demo_store: Store) -> None:
    dry = solved(demo_store, units=5, temporary_bases=1)
    rainy = solved(demo_store, units=5, temporary_bases=1, reach_factor=0.6)
    assert rainy.named.reach_km == pytest.approx(30.0)
    assert rainy.plan.objective <= dry.plan.objective + 1e-9
    held = solved(demo_store, units=5, temporary_bases=1, hold_back=0.4)
    assert held.named.problem.units == 3
    assert held.plan.objective <= dry.plan.objective + 1e-9


def test_fatalities_and_minimum_presence(demo_store: Store) -> None:
    deaths = solved(demo_store, units=3, risk="fatalities", period_months=6)
    assert deaths.plan.total_risk >= 0 and deaths.named.risk_source == "fatalities"
    with demo_store.reading() as connection:
        sites = build_problem(connection, MONTH, units=1).n_existing
    kept = solved(demo_store, units=sites + 2, minimum=1)
    assert sum(u.required for u in kept.units()) == sites
    with pytest.raises(ValueError, match="minimum presence"):
        solved(demo_store, units=sites - 1, minimum=1)


def test_bad_requests_are_refused(demo_store: Store) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_period("2018-13")
    for options, message in (
        ({"close": ["Atlantis"]}, "no site named"),
        ({"risk": "rumours"}, "risk must be"),
        ({"reach_factor": 1.5}, "reach factor"),
        ({"units": -1}, "units"),
        ({"risk": "forecast"}, "no live forecast"),
    ):
        with pytest.raises(ValueError, match=message):
            solved(demo_store, **({"units": 3} | options))
    with demo_store.reading() as connection, pytest.raises(ValueError, match="no site held"):
        build_problem(connection, "1990-01", units=2)


# --- the command line ---------------------------------------------------------------------


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "200"}
    env["SENTINELLE_DATABASE_URL"] = f"sqlite:///{home / 'demo.db'}"
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan-cli")
    loaded = run("demo", home=folder)
    assert loaded.returncode == 0, loaded.stderr
    return folder


def test_plan_prints_the_units_and_writes_them(home: Path) -> None:
    out = home / "plan.csv"
    done = run(
        "plan", "--month", MONTH, "--units", "5", "--temporary-bases", "2", "--close", "Gao",
        "--out", str(out), home=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Placing mobile units · 2018-12 · events · 50 km" in done.stdout
    assert "Risk covered:" in done.stdout and "Optimality gap" in done.stdout
    assert "Solved in" in done.stdout and "Next best" in done.stdout
    frame = pd.read_csv(out)
    assert 0 < len(frame) <= 5 and "Gao" not in set(frame["site"])
    assert frame["temporary"].sum() <= 2
    french = run("plan", "--month", MONTH, "--rainy", "--unit-size", "150", home=home, lang="fr")
    assert french.returncode == 0, french.stderr
    assert "Placement des unités mobiles" in french.stdout and "30 km" in french.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2018-13"], "YYYY-MM"),
        (["--month", MONTH, "--risk", "rumours"], "--risk"),
        (["--month", MONTH, "--force-protection", "1.2"], "--force-protection"),
        (["--month", MONTH, "--close", "Atlantis"], "Atlantis"),
        (["--month", MONTH, "--out", "plan.txt"], "--out"),
        (["--month", MONTH, "--risk", "forecast"], "forecast"),
    ],
)
def test_plan_refuses_bad_input_with_one_message(home: Path, args: list[str], message: str) -> None:
    done = run("plan", *args, home=home)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert message in done.stderr
