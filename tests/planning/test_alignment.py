"""Posture, reach and alignment: a hand-made posture along a meridian, bad inputs, and MINUSMA's
Geo-PKO sites against ACLED's violence against civilians (skipped without the shared data)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentinelle.domain.deployments import Deployment
from sentinelle.planning.alignment import (
    align,
    high_risk_areas,
    parse_years,
    rank_correlation,
    yearly_alignment,
)
from sentinelle.planning.posture import posture_of
from sentinelle.planning.reach import areas_from, reach
from sentinelle.store.database import Store

YEAR = (dt.date(2020, 1, 1), dt.date(2020, 12, 31))


def site(name: str, latitude: float, troops: float | None, **dates: dt.date) -> Deployment:
    return Deployment(
        mission="TEST",
        name=name,
        kind="base",
        latitude=latitude,
        longitude=0.0,
        start=dates.get("start", dt.date(2019, 1, 1)),
        end=dates.get("end"),
        troops=troops,
    )


# Along the meridian 0°, 0.1° of latitude ≈ 11.12 km.
# Sites: S1 at 10.0° (1,000 troops), S2 at 10.8° (500), S3 at 13.0° (2,000).
# Areas: A0 10.0°, A1 10.4°, A2 11.0°, A3 12.0°, A4 13.0°.
# Within 50 km:  S1 → A0 (0 km), A1 (0.4° ≈ 44.5 km); not A2 (111 km).
#                S2 → A1 (0.4° ≈ 44.5 km), A2 (0.2° ≈ 22.2 km); not A0 (89 km), A3 (133 km).
#                S3 → A4 (0 km); not A3 (111 km).
# At 80 % force protection the deployable capacity is S1 200, S2 100, S3 400, so the capacity
# reaching each area is A0 200, A1 300, A2 100, A3 0, A4 400.
SITES = [site("S1", 10.0, 1000), site("S2", 10.8, 500), site("S3", 13.0, 2000)]
AREAS = areas_from(["A0", "A1", "A2", "A3", "A4"], [0.0] * 5, [10.0, 10.4, 11.0, 12.0, 13.0])
# Risk A0 1, A1 2, A2 0, A3 5, A4 2 (total 10).
RISK = pd.Series({"A0": 1.0, "A1": 2.0, "A2": 0.0, "A3": 5.0, "A4": 2.0})


def test_posture_folds_records_and_keeps_capacity_after_force_protection() -> None:
    records = [
        *SITES,
        site("gone", 11.0, 300, start=dt.date(2018, 1, 1), end=dt.date(2019, 12, 31)),
        # two records of one site: 100 troops for 31 days of the year, 400 for the other 335
        site("split", 12.0, 100, start=dt.date(2019, 6, 1), end=dt.date(2020, 1, 31)),
        site("split", 12.0, 400, start=dt.date(2020, 2, 1)),
        site("unknown", 12.5, None, start=dt.date(2020, 12, 31)),
    ]
    posture = posture_of(records, *YEAR, force_protection=0.8)
    by_name = {s.name: s for s in posture.sites}
    assert set(by_name) == {"S1", "S2", "S3", "split", "unknown"}  # "gone" ended in 2019
    assert by_name["split"].troops == pytest.approx((100 * 31 + 400 * 335) / 366)
    assert by_name["unknown"].troops == 0 and not by_name["unknown"].troops_known
    assert by_name["S1"].deployable == pytest.approx(200)
    no_protection = posture_of(SITES, *YEAR, force_protection=0.0)
    assert no_protection.deployable == pytest.approx(3500)
    assert posture_of(SITES, *YEAR).deployable == pytest.approx(700)


def test_reach_matrix_and_reached_capacity_by_hand() -> None:
    covered = reach(posture_of(SITES, *YEAR), AREAS, 50.0)
    assert covered.matrix.tolist() == [
        [True, True, False, False, False],
        [False, True, True, False, False],
        [False, False, False, False, True],
    ]
    assert covered.capacity == pytest.approx([200, 300, 100, 0, 400])
    assert covered.distance_km[1, 2] == pytest.approx(22.24, abs=0.01)
    # at 40 km S1 and S2 no longer reach A1 (44.5 km)
    assert reach(posture_of(SITES, *YEAR), AREAS, 40.0).capacity == pytest.approx(
        [200, 0, 100, 0, 400]
    )


def test_alignment_by_hand() -> None:
    result = align(posture_of(SITES, *YEAR), AREAS, RISK, reach_km=50.0)
    # within reach: A0 1 + A1 2 + A2 0 + A4 2 = 5 of 10
    assert result.share_within_reach == pytest.approx(0.5)
    # Spearman: risk ranks (A0..A4) 2, 3.5, 1, 5, 3.5; capacity ranks 3, 4, 2, 1, 5.
    # Deviations from the mean rank 3: (-1, .5, -2, 2, .5) and (0, 1, -1, -2, 2):
    # products sum to 0 + .5 + 2 - 4 + 1 = -.5; squares 9.5 and 10 → ρ = -.5 / √95.
    assert result.rank_correlation == pytest.approx(-0.5 / math.sqrt(95))
    # 80 % of the risk (8): A3 5, then A1 2 (7), then A4 2 (9) — A3 is the one out of reach
    assert [AREAS.codes[i] for i in result.high_risk] == ["A3", "A1", "A4"]
    assert [AREAS.codes[i] for i in result.out_of_reach] == ["A3"]
    top2 = align(posture_of(SITES, *YEAR), AREAS, RISK, top_k=2)
    assert [AREAS.codes[i] for i in top2.high_risk] == ["A3", "A1"]
    # risk given as a plain sequence in the areas' order gives the same answer
    same = align(posture_of(SITES, *YEAR), AREAS, [1, 2, 0, 5, 2])
    assert same.share_within_reach == result.share_within_reach


def test_no_risk_or_no_site_gives_nan_not_an_error() -> None:
    nothing = align(posture_of(SITES, *YEAR), AREAS, [0, 0, 0, 0, 0])
    assert math.isnan(nothing.share_within_reach) and math.isnan(nothing.rank_correlation)
    assert nothing.high_risk == () and nothing.out_of_reach == ()
    empty = align(posture_of([], *YEAR), AREAS, RISK)
    assert empty.share_within_reach == 0 and math.isnan(empty.rank_correlation)
    assert len(empty.out_of_reach) == 3
    assert math.isnan(rank_correlation([1, 2, 3], [4, 4, 4]))


@pytest.mark.parametrize("share", [1.0, -0.1, 1.5, float("nan")])
def test_force_protection_outside_zero_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="force-protection share"):
        posture_of(SITES, *YEAR, force_protection=share)


def test_bad_inputs_are_refused() -> None:
    posture = posture_of(SITES, *YEAR)
    with pytest.raises(ValueError, match="positive number of kilometres"):
        reach(posture, AREAS, 0)
    with pytest.raises(ValueError, match="non-negative"):
        align(posture, AREAS, [1, -1, 0, 0, 0])
    with pytest.raises(ValueError, match="5 areas"):
        align(posture, AREAS, [1, 2])
    with pytest.raises(ValueError, match="top-k"):
        high_risk_areas([1, 2], top_k=0)
    with pytest.raises(ValueError, match="ends"):
        posture_of(SITES, dt.date(2020, 2, 1), dt.date(2020, 1, 1))
    with pytest.raises(ValueError, match="unique"):
        areas_from(["A", "A"], [0, 0], [0, 0])
    assert parse_years("2014:2016") == [2014, 2015, 2016] and parse_years("2015") == [2015]
    for text in ("2016:2014", "20x4", "2014:2015:2016", ""):
        with pytest.raises(ValueError):
            parse_years(text)


# --- real data --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    from sentinelle.deployments import ingest_deployments
    from sentinelle.ingest import import_boundaries, ingest_file
    from sentinelle.store.database import open_store

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('align') / 'real.db'}")
    boundaries = shared_data / "boundaries"
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(store, shared_data / "acled" / "acled_mali_1997-2018_api_export.csv")
    ingest_deployments(store, shared_data / "peacekeeping" / "geopko_v2.3_minusma_locations.csv")
    return store


def test_minusma_alignment_2014_2018_matches_a_direct_computation(
    real_store: Store, shared_data: Path
) -> None:
    from sentinelle.geo.crosswalk import to_pre2016
    from sentinelle.panel import load_panel
    from sentinelle.store import places

    with real_store.reading() as connection:
        table = yearly_alignment(connection, range(2014, 2019), reach_km=50, force_protection=0.8)
        units = places.load_units(connection, "admin2")
        panel = load_panel(
            connection,
            "admin2",
            pd.Period("2016-01", "M"),
            pd.Period("2016-12", "M"),
            geography="pre2016",
        )
    assert table["year"].tolist() == [2014, 2015, 2016, 2017, 2018]
    assert (table["sites"] > 0).all() and (table["deployable"] > 0).all()
    for column in ("vac_events_within_reach", "vac_fatalities_within_reach"):
        assert table[column].between(0, 1).all()
    assert (table["vac_events"] > 0).all()

    # 2016 by hand: Geo-PKO's 2016 locations, each cercle's representative point, and a
    # haversine of our own; a cercle is covered when some location lies within 50 km of it.
    geopko = pd.read_csv(shared_data / "peacekeeping" / "geopko_v2.3_minusma_locations.csv")
    held = geopko[geopko["year"] == 2016][["latitude", "longitude"]].drop_duplicates()
    codes = pd.Series([u.pcode for u in units], dtype="string")
    kept = [u for u, p in zip(units, to_pre2016(codes), strict=True) if u.pcode == p]
    points = {u.pcode: u.geometry.representative_point() for u in kept if u.geometry is not None}

    def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        p1, p2 = math.radians(lat1), math.radians(lat2)
        a = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        return 2 * 6371.0088 * math.asin(math.sqrt(a))

    covered = {
        code
        for code, point in points.items()
        if any(km(r.latitude, r.longitude, point.y, point.x) <= 50 for r in held.itertuples())
    }
    vac = panel.groupby(panel["unit"].astype(str), observed=True)["vac_events"].sum()
    expected = vac[vac.index.isin(covered)].sum() / vac.sum()
    row = table.set_index("year").loc[2016]
    assert row["sites"] == len(held)
    assert row["areas_reached"] == len(covered)
    assert row["vac_events"] == vac.sum()
    assert row["vac_events_within_reach"] == pytest.approx(expected)
    assert not np.isnan(row["rank_correlation"])


def test_align_command_prints_the_table_and_refuses_bad_input(
    real_store: Store, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "SENTINELLE_HOME": str(tmp_path), "SENTINELLE_LANG": "en"}
    env["SENTINELLE_DATABASE_URL"] = real_store.engine.url.render_as_string(hide_password=False)
    env["COLUMNS"] = "200"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sentinelle.cli.main", "align", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    out = tmp_path / "align.csv"
    done = run("--years", "2014:2016", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "VAC events within reach" in done.stdout
    assert pd.read_csv(out)["year"].tolist() == [2014, 2015, 2016]
    for args in (
        ["--years", "2016:2014"],
        ["--years", "2014", "--force-protection", "1"],
        ["--years", "2014", "--reach-km", "0"],
        ["--years", "2014", "--risk", "deaths"],
        ["--years", "2014", "--out", "x.txt"],
    ):
        bad = run(*args)
        assert bad.returncode == 2, (args, bad.stderr)
        assert bad.stderr.lstrip().startswith("Error:") and "Traceback" not in bad.stderr
