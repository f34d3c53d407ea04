"""Getis-Ord Gi*, false-discovery-rate control, Mann–Kendall and space-time patterns."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats
from shapely.geometry import box

from sentinelle.demo import generate_scenario
from sentinelle.ingest import import_boundaries, ingest_file
from sentinelle.panel import EVENT_INPUT_COLUMNS, build_panel, load_panel
from sentinelle.store.database import Store
from sentinelle.threat.hotspots import (
    HOTSPOT_CLASSES,
    PATTERNS,
    benjamini_hochberg,
    emerging_hotspots,
    gi_star,
    hotspot_test,
    mann_kendall,
    normal_p_values,
    panel_hotspots,
    space_time_patterns,
)
from sentinelle.threat.weights import admin_weights, grid_weights, load_weights, polygon_weights


def path_weights(n: int) -> sparse.csr_array:
    """Units 0 – 1 – … – n-1 in a line."""
    i = np.arange(n - 1)
    rows, cols = np.concatenate([i, i + 1]), np.concatenate([i + 1, i])
    return sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def test_gi_star_by_hand_on_five_units_in_a_line() -> None:
    x = np.array([1.0, 2.0, 3.0, 10.0, 4.0])
    # mean 4, population sd √(26 − 16) = √10; each unit counts in its own neighbourhood:
    # ends have 2 members, the others 3, so every denominator is √10 · √((5c − c²)/4) = √15.
    # numerators: 3 − 2·4, 6 − 3·4, 15 − 3·4, 17 − 3·4, 14 − 2·4
    expected = np.array([-5.0, -6.0, 3.0, 5.0, 6.0]) / math.sqrt(15.0)
    np.testing.assert_allclose(gi_star(x, path_weights(5)), expected, rtol=0, atol=1e-9)
    p = normal_p_values(expected)
    assert p[4] == pytest.approx(2 * stats.norm.sf(6 / math.sqrt(15)), rel=1e-12)


def test_gi_star_includes_the_unit_itself() -> None:
    # an island with the highest count: without itself in its neighbourhood Gi would be empty
    weights = polygon_weights(
        ["A", "B", "C", "D"], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(9, 9, 10, 10)]
    )
    assert weights.islands == ("D",)
    z = gi_star(np.array([0.0, 1.0, 0.0, 9.0]), weights)
    assert z[3] > 1.6 and z[3] == max(z)


def test_gi_star_equals_esda_g_local_star() -> None:
    esda = pytest.importorskip("esda", reason="esda (PySAL) is not installed: pip install esda")
    libpysal = pytest.importorskip("libpysal", reason="libpysal is not installed")
    weights = admin_weights(generate_scenario().units_at("admin2"))
    lw = libpysal.weights.W.from_sparse(weights.matrix)
    rng = np.random.default_rng(7)
    values = rng.negative_binomial(0.8, 0.2, (weights.n, 6)).astype(float)
    ours = gi_star(values, weights)
    for t in range(values.shape[1]):
        theirs = esda.getisord.G_Local(
            values[:, t], lw, transform="B", star=True, permutations=0
        ).Zs
        np.testing.assert_allclose(ours[:, t], theirs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(gi_star(values[:, 2], weights), ours[:, 2], atol=1e-12)


def test_periods_without_variation_have_no_hotspot() -> None:
    values = np.column_stack([np.zeros(5), np.full(5, 3.0), [0, 0, 0, 0, 8.0]])
    result = hotspot_test(values, path_weights(5))
    assert (result.z[:, :2] == 0).all() and (result.p[:, :2] == 1).all()
    assert result.z[4, 2] > 0
    with pytest.raises(ValueError, match="finite"):
        gi_star(np.array([1.0, np.nan, 2, 3, 4]), path_weights(5))
    with pytest.raises(ValueError, match="4 values"):
        gi_star(np.ones(4), path_weights(5))


def test_benjamini_hochberg_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    # sorted 0.005, 0.01, 0.03, 0.04, 0.5 → p·5/rank = .025, .025, .05, .05, .5 (already monotone)
    np.testing.assert_allclose(benjamini_hochberg(p), [0.025, 0.05, 0.05, 0.025, 0.5])
    # step-up: the smaller p-value inherits the smaller adjusted value of a larger one
    np.testing.assert_allclose(benjamini_hochberg([0.02, 0.021, 0.9]), [0.0315, 0.0315, 0.9])
    np.testing.assert_allclose(benjamini_hochberg([0.4, 0.9]), [0.8, 0.9])
    q = benjamini_hochberg([0.01, np.nan, 0.02])  # NaN left out of m
    assert q[0] == pytest.approx(0.02) and np.isnan(q[1]) and q[2] == pytest.approx(0.02)


def test_benjamini_hochberg_per_period_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.2, (40, 7)) ** 2
    q = benjamini_hochberg(p, axis=0)
    for t in range(p.shape[1]):
        np.testing.assert_allclose(q[:, t], stats.false_discovery_control(p[:, t]), rtol=1e-12)
    np.testing.assert_allclose(benjamini_hochberg(p.T, axis=1), q.T)


def test_mann_kendall_by_hand_and_by_brute_force() -> None:
    rising = mann_kendall(np.array([1.0, 2, 3, 4, 5]))
    assert rising.s == 10  # every pair rises; Var S = 5·4·15/18
    assert rising.z == pytest.approx(9 / math.sqrt(50 / 3))
    assert rising.p == pytest.approx(2 * stats.norm.sf(9 / math.sqrt(50 / 3)))
    tied = mann_kendall(np.array([1.0, 1, 2]))
    assert tied.s == 2  # Var S = (3·2·11 − 2·1·9)/18 = 8/3
    assert tied.z == pytest.approx(1 / math.sqrt(8 / 3))
    flat = mann_kendall(np.zeros(6))
    assert flat.s == 0 and flat.p == 1
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, (30, 12)).astype(float)
    result = mann_kendall(x)
    for row in range(len(x)):
        s = sum(np.sign(x[row, j] - x[row, i]) for i in range(12) for j in range(i + 1, 12))
        _, counts = np.unique(x[row], return_counts=True)
        var = (12 * 11 * 29 - (counts * (counts - 1) * (2 * counts + 5)).sum()) / 18
        assert result.s[row] == s
        assert result.z[row] == pytest.approx((s - np.sign(s)) / math.sqrt(var))


HOT, COLD, QUIET = (3.0, 0.001), (-3.0, 0.001), (0.5, 0.5)


def series(states: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    return [z for z, _ in states], [q for _, q in states]


def test_every_space_time_pattern_from_constructed_series() -> None:
    t = 20
    cases: dict[str, tuple[list[float], list[float]]] = {
        "new": series([QUIET] * 19 + [HOT]),
        "new after a cold spell": series([COLD] + [QUIET] * 18 + [HOT]),
        "consecutive": series([QUIET] * 16 + [HOT] * 4),
        "intensifying": (list(np.linspace(2.5, 8.0, t)), [0.001] * t),
        "persistent": ([3.0 + 0.5 * (-1) ** k for k in range(t)], [0.001] * t),
        "persistent with a gap": series([HOT] * 9 + [QUIET] + [HOT] * 10),
        "diminishing": (list(np.linspace(8.0, 2.5, t)), [0.001] * t),
        "sporadic": series([QUIET] * 3 + [HOT] + [QUIET] * 4 + [HOT] + [QUIET] * 10 + [HOT]),
        "sporadic, 85 % hot": series([HOT] * 8 + [QUIET] * 3 + [HOT] * 9),
        "oscillating": series([QUIET] * 3 + [HOT] + [QUIET] * 6 + [COLD] + [QUIET] * 8 + [HOT]),
        "historical": series([HOT] * 19 + [QUIET]),
        "none": series([QUIET] * 5 + [HOT] + [QUIET] * 14),
        "none, cold": series([COLD] * 20),
    }
    z = np.array([case[0] for case in cases.values()])
    q = np.array([case[1] for case in cases.values()])
    patterns = space_time_patterns(z, q)
    expected = [name.split(" ")[0].rstrip(",") for name in cases]
    assert list(patterns.labels) == expected
    assert set(expected) == set(PATTERNS)
    assert patterns.hot_periods[list(cases).index("historical")] == 19
    assert patterns.trend.s[list(cases).index("intensifying")] == t * (t - 1) / 2


def test_new_and_persistent_clusters_from_counts() -> None:
    rng = np.random.default_rng(9)
    rows, cols, t = 10, 10, 12
    gids = [(140 + r) * 720 + 350 + c + 1 for r in range(rows) for c in range(cols)]
    counts = rng.poisson(1.0, (rows, cols, t)).astype(float)
    counts[1:4, 1:4, :] += 12  # a cluster present all along
    counts[6:9, 6:9, -1] += 20  # a cluster that appears in the final period
    values = counts.reshape(rows * cols, t)
    result = hotspot_test(values, grid_weights(gids))
    patterns = space_time_patterns(result.z, result.q).labels.reshape(rows, cols)
    assert patterns[7, 7] == "new"
    assert patterns[2, 2] in {"persistent", "intensifying", "diminishing"}
    assert (patterns[1:4, 1:4] != "none").all()
    assert patterns[0, 9] == "none" and patterns[9, 0] == "none"


def demo_panel() -> tuple[pd.DataFrame, list[str]]:
    scenario = generate_scenario()
    units = scenario.units_at("admin2")
    frame = scenario.placed_events().frame[list(EVENT_INPUT_COLUMNS)]
    panel = build_panel(frame, "admin2", [u.pcode for u in units])
    return panel, [u.pcode for u in units]


def test_panel_hotspots_and_emerging_patterns_on_the_demo() -> None:
    panel, codes = demo_panel()
    units = generate_scenario().units_at("admin2")
    weights = admin_weights(units[::-1])  # another order: aligned to the panel's
    frame = panel_hotspots(panel, weights)
    assert len(frame) == len(panel) and list(frame.columns[:2]) == ["month", "unit"]
    assert list(frame["hotspot"].cat.categories) == list(HOTSPOT_CLASSES)
    assert (frame["gi_q"] >= frame["gi_p"] * (1 - 1e-12)).all()
    hot = frame[frame["hotspot"] == "hot"]
    assert hot["gi_z"].gt(0).all() and hot["gi_q"].le(0.05).all()
    # the scenario's intercommunal violence concentrates around Bankass and Koro
    hot_units = hot["unit"].astype(str).value_counts()
    assert hot_units.index[0].startswith("ML05")
    patterns = emerging_hotspots(panel, weights, window=24)
    assert len(patterns) == len(codes) and patterns.attrs["periods"] == 24
    assert patterns.attrs["final_period"] == "2018-12"
    assert set(patterns["pattern"].astype(str)) <= set(PATTERNS)
    assert (patterns["pattern"] != "none").any()
    mid = emerging_hotspots(panel, weights, window=12, end=pd.Period("2017-12", "M"))
    assert mid.attrs["first_period"] == "2017-01"
    with pytest.raises(ValueError, match="fewer than"):
        emerging_hotspots(panel, weights, window=100)


@pytest.mark.shared_data
def test_2018_vac_hotspots_are_in_the_mopti_region(sqlite_store: Store, shared_data: Path) -> None:
    boundaries = shared_data / "boundaries"
    import_boundaries(sqlite_store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(sqlite_store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(sqlite_store, shared_data / "acled" / "acled_mali_1997-2018_api_export.csv")
    with sqlite_store.transaction() as connection:
        panel = load_panel(connection, "admin2")
        units = list(panel["unit"].cat.categories)
        weights = load_weights(connection, "admin2", units=units)
    assert weights.islands == ()
    assert "ML0505" in weights.neighbours("ML0502")  # Bankass touches Koro
    frame = panel_hotspots(panel, weights)
    hot = frame[(frame["hotspot"] == "hot") & (frame["month"].dt.year == 2018)]
    by_region = hot["unit"].astype(str).str[:4].value_counts()
    print(f"2018 VAC hot cercle-months by region: {by_region.to_dict()}")
    assert by_region.index[0] == "ML05"  # Mopti holds the most hot cercle-months
    assert hot["unit"].astype(str).str.startswith("ML05").any()
    # and 2018's violence against civilians was concentrated there too
    vac_2018 = panel[panel["month"].dt.year == 2018]
    top = vac_2018.groupby("unit", observed=True)["vac_events"].sum().idxmax()
    assert str(top).startswith("ML05") and str(top) in set(hot["unit"].astype(str))


def test_a_subset_of_units_and_an_unknown_end_period() -> None:
    panel, codes = demo_panel()
    mopti = panel[panel["unit"].astype(str).str.startswith("ML05")]  # categories still hold all
    weights = admin_weights([u for u in generate_scenario().units_at("admin2") if u.pcode in codes])
    frame = panel_hotspots(mopti, weights)
    assert set(frame["unit"].astype(str)) == {c for c in codes if c.startswith("ML05")}
    with pytest.raises(ValueError, match="not a period of the panel"):
        emerging_hotspots(panel, weights, end=pd.Period("2030-01", "M"))
