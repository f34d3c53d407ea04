"""The unit placement optimiser (sentinelle.planning.optimise) against brute force and by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sentinelle.planning.optimise import (
    PlacementProblem,
    add_units,
    close_sites,
    force_protection,
    optimise,
    solve,
    with_reach,
)


def brute_force(problem: PlacementProblem) -> float:
    """Best covered risk over every feasible placement (units per site), by enumeration."""
    upper = np.minimum(problem.capacity, problem.units)
    ranges = [range(int(lo), int(hi) + 1) for lo, hi in zip(problem.minimum, upper, strict=True)]
    x = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, problem.n_sites)
    opened = (x > 0) & problem.new_site
    used = x.sum(axis=1) + opened.astype(np.int64) @ problem.opening_cost
    ok = used <= problem.units
    if problem.max_new_sites is not None:
        ok &= opened.sum(axis=1) <= problem.max_new_sites
    covered = (x @ problem.reach.astype(np.int64)) > 0
    return float((covered.astype(float) @ problem.risk)[ok].max())


def covered_risk(problem: PlacementProblem, x: np.ndarray) -> float:
    return float(problem.risk[(x @ problem.reach.astype(np.int64)) > 0].sum())


def random_problem(rng: np.random.Generator, variant: str, k: int) -> PlacementProblem:
    n_sites, n_areas = 6, 10
    risk = rng.pareto(1.5, n_areas)
    risk[rng.random(n_areas) < 0.1] = 0.0
    reach = rng.random((n_sites, n_areas)) < rng.uniform(0.15, 0.45)
    kwargs: dict[str, object] = {}
    if variant in ("capacity", "all"):
        kwargs["capacity"] = rng.integers(0, 3, n_sites)
    if variant in ("minimum", "all"):
        capacity = np.asarray(kwargs.get("capacity", np.full(n_sites, k)))
        minimum = np.zeros(n_sites, dtype=int)
        site = int(rng.integers(n_sites))
        if capacity[site] >= 1:
            minimum[site] = 1
        kwargs["minimum"] = minimum
    if variant in ("opening", "all"):
        new = rng.random(n_sites) < 0.5
        minimum = np.asarray(kwargs.get("minimum", np.zeros(n_sites, dtype=int)))
        new &= minimum == 0
        kwargs["new_site"] = new
        kwargs["opening_cost"] = np.where(new, rng.integers(0, 2, n_sites), 0)
        kwargs["max_new_sites"] = int(rng.integers(0, 3))
    return PlacementProblem(risk=risk, reach=reach, units=k, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("variant", ["plain", "capacity", "minimum", "opening", "all"])
def test_milp_agrees_with_brute_force(variant: str) -> None:
    rng = np.random.default_rng(["plain", "capacity", "minimum", "opening", "all"].index(variant))
    for trial in range(30):
        k = 1 + trial % 3
        problem = random_problem(rng, variant, k)
        plan = solve(problem, mip_rel_gap=0.0)
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(brute_force(problem), rel=1e-9, abs=1e-12)
        # the placement is feasible
        x = plan.units
        assert x.sum() + problem.opening_cost[plan.opened].sum() <= problem.units
        assert np.all(x >= problem.minimum) and np.all(x <= problem.capacity)
        if problem.max_new_sites is not None:
            assert plan.opened.sum() <= problem.max_new_sites
        # each unit's explanation: what the plan loses without it
        assert len(plan.explanations) == x.sum()
        for unit in plan.explanations:
            fewer = x.copy()
            fewer[unit.site] -= 1
            assert plan.objective - covered_risk(problem, fewer) == pytest.approx(
                unit.risk_added, abs=1e-9
            )
            if variant == "plain" and unit.next_site is not None:
                # at the optimum, no single move gains
                assert unit.shortfall >= -1e-9
                assert x[unit.next_site] == 0


# Six areas, five sites. Site 0 covers areas 0-1 (18), site 1 areas 1-2 (13), site 2 areas
# 2-3 (8), site 3 area 4 (1), site 4 area 0 (10); area 5 (0.5) is out of reach.
RISK = np.array([10.0, 8.0, 5.0, 3.0, 1.0, 0.5])
REACH = np.zeros((5, 6), dtype=bool)
for _site, _areas in enumerate([[0, 1], [1, 2], [2, 3], [4], [0]]):
    REACH[_site, _areas] = True


def test_hand_made_optimum_and_explanation() -> None:
    plan = optimise(RISK, REACH, 2, mip_rel_gap=0.0)
    assert plan.status == "optimal"
    assert plan.units.tolist() == [1, 0, 1, 0, 0]
    assert plan.sites.tolist() == [0, 2]
    assert plan.objective == pytest.approx(26.0)
    assert plan.total_risk == pytest.approx(27.5)
    assert plan.share == pytest.approx(26.0 / 27.5)
    assert plan.covered_areas.tolist() == [0, 1, 2, 3]
    assert plan.gap == pytest.approx(0.0, abs=1e-9)
    assert plan.seconds >= 0
    at_0, at_2 = plan.explanations
    # the unit at site 0 alone covers areas 0 and 1; moved, the best it could add is site 4's 10
    assert (at_0.site, at_0.areas, at_0.risk_added) == (0, (0, 1), 18.0)
    assert (at_0.next_site, at_0.next_risk, at_0.shortfall) == (4, 10.0, 8.0)
    assert not at_0.required
    # site 2: areas 2 and 3 (8); next best is site 1, which would only add area 2 (5)
    assert (at_2.site, at_2.areas, at_2.risk_added) == (2, (2, 3), 8.0)
    assert (at_2.next_site, at_2.next_risk, at_2.shortfall) == (1, 5.0, 3.0)


def test_what_if_scenarios() -> None:
    base = PlacementProblem(risk=RISK, reach=REACH, units=2)
    closed = solve(close_sites(base, [0]), mip_rel_gap=0.0)
    assert closed.units.tolist() == [0, 1, 0, 0, 1]
    assert closed.objective == pytest.approx(23.0)

    more = solve(add_units(base, 1), mip_rel_gap=0.0)
    assert more.units.tolist() == [1, 0, 1, 1, 0]
    assert more.objective == pytest.approx(27.0)

    protected = force_protection(base, 0.5)
    assert protected.units == 1
    one = solve(protected, mip_rel_gap=0.0)
    assert one.units.tolist() == [1, 0, 0, 0, 0]
    assert one.objective == pytest.approx(18.0)
    assert force_protection(PlacementProblem(risk=RISK, reach=REACH, units=10), 0.25).units == 7

    rainy = REACH.copy()
    rainy[0, 0] = False  # in the rains, site 0 no longer reaches area 0
    wet = solve(with_reach(base, rainy), mip_rel_gap=0.0)
    assert wet.units.tolist() == [0, 1, 0, 0, 1]
    assert wet.objective == pytest.approx(23.0)


def test_minimum_presence_and_capacity() -> None:
    plan = optimise(RISK, REACH, 2, minimum=[0, 0, 0, 1, 0], mip_rel_gap=0.0)
    assert plan.units.tolist() == [1, 0, 0, 1, 0]
    assert plan.objective == pytest.approx(19.0)
    required = {u.site: u.required for u in plan.explanations}
    assert required == {0: False, 3: True}
    # capacity 0 at site 0 acts like a closed site
    capped = optimise(RISK, REACH, 2, capacity=[0, 2, 2, 2, 2], mip_rel_gap=0.0)
    assert capped.objective == pytest.approx(23.0)
    # two units forced at one site: each is redundant with the other
    doubled = optimise(RISK, REACH, 3, minimum=[2, 0, 0, 0, 0], mip_rel_gap=0.0)
    assert doubled.units.tolist() == [2, 0, 1, 0, 0]
    assert [u.risk_added for u in doubled.explanations if u.site == 0] == [0.0, 0.0]


def test_site_opening() -> None:
    new = [True, False, True, False, False]
    # opening sites 0 or 2 costs a unit: with K = 3, sites 1, 3 and 4 (24) beat opening one
    plan = optimise(RISK, REACH, 3, opening_cost=[1, 0, 1, 0, 0], mip_rel_gap=0.0)
    assert plan.units.tolist() == [0, 1, 0, 1, 1]
    assert plan.objective == pytest.approx(24.0)
    assert not plan.opened.any()
    # free to open, but no new site allowed
    closed = optimise(RISK, REACH, 2, new_site=new, max_new_sites=0, mip_rel_gap=0.0)
    assert closed.objective == pytest.approx(23.0)
    assert closed.units[[0, 2]].sum() == 0
    # one new site allowed: the usual optimum (sites 0 and 2, 26) needs two; 23 at best
    one = optimise(RISK, REACH, 2, new_site=new, max_new_sites=1, mip_rel_gap=0.0)
    assert one.opened.sum() <= 1
    assert one.objective == pytest.approx(23.0)
    # the next best of a unit never needs a second new site when only one is allowed
    for unit in one.explanations:
        assert unit.next_site not in (0, 2) or unit.site in (0, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"risk": [-1.0, 2, 3, 4, 5, 6]}, "risk must be ≥ 0"),
        ({"risk": [np.nan, 2, 3, 4, 5, 6]}, "finite"),
        ({"risk": [1.0, 2, 3]}, "area columns"),
        ({"reach": np.ones(6, dtype=bool)}, "2-D"),
        ({"reach": np.full((5, 6), 2)}, "boolean"),
        ({"units": -1}, "units must be ≥ 0"),
        ({"units": 1.5}, "whole number"),
        ({"units": True}, "boolean"),
        ({"capacity": [1, 1, 1]}, "one value per site"),
        ({"capacity": [1.5, 1, 1, 1, 1]}, "whole numbers"),
        ({"minimum": [2, 1, 0, 0, 0]}, "less than the minimum presence"),
        ({"minimum": [1, 0, 0, 0, 0], "capacity": [0, 1, 1, 1, 1]}, "exceeds capacity"),
        ({"max_new_sites": 1}, "needs new_site"),
        ({"new_site": [True, False, False, False, False], "opening_cost": [0, 1, 0, 0, 0]}, "0 at"),
        (
            {"minimum": [1, 0, 1, 0, 0], "new_site": [1, 0, 1, 0, 0], "max_new_sites": 1},
            "more than max_new_sites",
        ),
        ({"minimum": [1, 0, 1, 0, 0], "opening_cost": [1, 0, 0, 0, 0]}, "to open bases"),
    ],
)
def test_bad_inputs_raise(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"risk": RISK, "reach": REACH, "units": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        PlacementProblem(**arguments)  # type: ignore[arg-type]


def test_bad_what_ifs_raise() -> None:
    base = PlacementProblem(risk=RISK, reach=REACH, units=2, minimum=np.array([1, 0, 0, 0, 0]))
    with pytest.raises(ValueError, match="minimum presence"):
        close_sites(base, 0)
    with pytest.raises(ValueError, match="site indices"):
        close_sites(base, [7])
    with pytest.raises(ValueError, match="share"):
        force_protection(base, 1.5)
    with pytest.raises(ValueError, match="less than the minimum presence"):
        force_protection(
            PlacementProblem(risk=RISK, reach=REACH, units=2, minimum=np.array([2, 0, 0, 0, 0])),
            0.5,
        )
    with pytest.raises(ValueError, match="cannot remove"):
        add_units(base, -3)
    with pytest.raises(ValueError, match="keep the shape"):
        with_reach(base, REACH[:, :3])
    with pytest.raises(ValueError, match="mip_rel_gap"):
        solve(base, mip_rel_gap=-1)
