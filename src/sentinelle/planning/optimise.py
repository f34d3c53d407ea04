"""Where to put K mobile units so that they cover as much expected risk as possible.

A maximal covering problem with integer units, solved as a mixed-integer programme by HiGHS
through :func:`scipy.optimize.milp`. Pure arrays in, a :class:`Plan` out; no database.

Variables: ``x_s`` (integer, units at candidate site ``s``, between the required minimum and the
site's capacity), ``y_a`` (binary, area ``a`` counts as covered) and, for temporary bases that
must be opened, ``z_s`` (binary, site opened)::

    maximise   Σ_a risk_a · y_a
    subject to y_a ≤ Σ_{s reaching a} x_s             (an area counts once, however many units)
               Σ_s x_s + Σ_s cost_s · z_s ≤ K          (units; opening a base costs units)
               x_s ≤ min(capacity_s, K) · z_s          (only for new sites: no units unless open)
               Σ_s z_s ≤ max_new_sites                  (if given)
               minimum_s ≤ x_s ≤ capacity_s

Each placed unit is explained (:class:`UnitExplanation`): the areas only it covers, the risk it
adds given the other units, and the best site not chosen that one unit could take instead.
The what-if helpers (:func:`close_sites`, :func:`add_units`, :func:`with_reach`,
:func:`force_protection`) return a changed :class:`PlacementProblem` to solve again.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = [
    "PlacementProblem",
    "Plan",
    "UnitExplanation",
    "add_units",
    "close_sites",
    "force_protection",
    "optimise",
    "solve",
    "with_reach",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_STATUS = {
    0: "optimal",
    1: "time_limit",
    2: "infeasible",
    3: "unbounded",
    4: "error",
}


def _as_count(value: Any, name: str) -> int:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be a whole number, not a boolean")
    whole = isinstance(value, float | np.floating) and float(value).is_integer()
    if isinstance(value, int | np.integer) or whole:
        number = int(value)
    else:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if number < 0:
        raise ValueError(f"{name} must be ≥ 0, got {number}")
    return number


def _site_counts(values: Any, n_sites: int, name: str) -> IntArray:
    array = np.asarray(values)
    if array.shape != (n_sites,):
        raise ValueError(f"{name} must have one value per site ({n_sites}), got {array.shape}")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must hold whole numbers")
    if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
        raise ValueError(f"{name} must hold whole numbers")
    if np.any(array < 0):
        raise ValueError(f"{name} must be ≥ 0")
    return array.astype(np.int64)


def _mask(values: Any, n: int, name: str, what: str) -> BoolArray:
    array = np.asarray(values)
    if array.shape != (n,):
        raise ValueError(f"{name} must have one value per {what} ({n}), got {array.shape}")
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number) or not np.all(np.isin(array, (0, 1))):
            raise ValueError(f"{name} must be boolean (or 0/1)")
        array = array.astype(bool)
    return array


def _reach(values: Any, n_areas: int) -> BoolArray:
    array = np.asarray(values)
    if array.ndim != 2:
        raise ValueError(f"reach must be a 2-D sites × areas matrix, got {array.ndim}-D")
    if array.shape[1] != n_areas:
        raise ValueError(f"reach has {array.shape[1]} area columns but risk has {n_areas} areas")
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number) or not np.all(np.isin(array, (0, 1))):
            raise ValueError("reach must be boolean (or 0/1)")
        array = array.astype(bool)
    return array


@dataclass(frozen=True)
class PlacementProblem:
    """A placement problem, checked on construction (``ValueError`` on anything inconsistent).

    ``risk``: expected risk per area (≥ 0). ``reach``: sites × areas, True where a unit at the
    site covers the area. ``units``: K. ``capacity``: most units per site (default K).
    ``minimum``: units that must stay at a site (default 0). ``new_site``: temporary bases that
    must be opened before units go there; ``opening_cost``: units an opening takes out of K
    (0 at existing sites; if given without ``new_site``, sites with a cost > 0 are the new
    ones). ``max_new_sites``: most new sites opened (needs ``new_site`` or ``opening_cost``).
    Sites and areas are referred to by their index in these arrays.
    """

    risk: FloatArray
    reach: BoolArray
    units: int
    capacity: IntArray = field(default=None)  # type: ignore[arg-type]
    minimum: IntArray = field(default=None)  # type: ignore[arg-type]
    new_site: BoolArray = field(default=None)  # type: ignore[arg-type]
    opening_cost: IntArray = field(default=None)  # type: ignore[arg-type]
    max_new_sites: int | None = None

    def __post_init__(self) -> None:
        risk = np.asarray(self.risk, dtype=float)
        if risk.ndim != 1:
            raise ValueError(f"risk must be 1-D (one value per area), got {risk.ndim}-D")
        if not np.all(np.isfinite(risk)):
            raise ValueError("risk must be finite")
        if np.any(risk < 0):
            raise ValueError("risk must be ≥ 0")
        reach = _reach(self.reach, risk.size)
        n_sites = reach.shape[0]
        units = _as_count(self.units, "units")
        if self.capacity is None:
            capacity = np.full(n_sites, units, dtype=np.int64)
        else:
            capacity = _site_counts(self.capacity, n_sites, "capacity")
        if self.minimum is None:
            minimum = np.zeros(n_sites, dtype=np.int64)
        else:
            minimum = _site_counts(self.minimum, n_sites, "minimum")
        if self.opening_cost is None:
            cost = np.zeros(n_sites, dtype=np.int64)
        else:
            cost = _site_counts(self.opening_cost, n_sites, "opening_cost")
        if self.new_site is not None:
            new = _mask(self.new_site, n_sites, "new_site", "site")
            if np.any(cost[~new] > 0):
                raise ValueError("opening_cost must be 0 at sites that are not new")
        elif self.opening_cost is not None:
            new = cost > 0
        elif self.max_new_sites is not None:
            raise ValueError("max_new_sites needs new_site (or opening_cost) to say which are new")
        else:
            new = np.zeros(n_sites, dtype=bool)
        max_new = None if self.max_new_sites is None else _as_count(self.max_new_sites, "max_new")

        bad = np.flatnonzero(minimum > capacity)
        if bad.size:
            raise ValueError(f"minimum presence exceeds capacity at site(s) {bad.tolist()}")
        forced_open = new & (minimum > 0)
        needed = int(minimum.sum() + cost[forced_open].sum())
        if needed > units:
            raise ValueError(
                f"K = {units} units is less than the minimum presence "
                f"({int(minimum.sum())} units + {int(cost[forced_open].sum())} to open bases)"
            )
        if max_new is not None and int(forced_open.sum()) > max_new:
            raise ValueError(
                f"minimum presence opens {int(forced_open.sum())} new sites, more than "
                f"max_new_sites = {max_new}"
            )
        for name, value in (
            ("risk", risk),
            ("reach", reach),
            ("units", units),
            ("capacity", capacity),
            ("minimum", minimum),
            ("new_site", new),
            ("opening_cost", cost),
            ("max_new_sites", max_new),
        ):
            object.__setattr__(self, name, value)

    @property
    def n_sites(self) -> int:
        return int(self.reach.shape[0])

    @property
    def n_areas(self) -> int:
        return int(self.reach.shape[1])


@dataclass(frozen=True)
class UnitExplanation:
    """Why one unit is where it is.

    ``areas``: the areas this unit covers and no other placed unit does; ``risk_added``: their
    risk (what the plan loses without this unit). ``next_site``: the best site not chosen that
    this one unit could move to (given the other units, capacity and site opening), with
    ``next_risk`` the risk it would add there and ``shortfall = risk_added − next_risk``
    (None/0 when there is no such site). ``required``: the unit is part of a minimum presence.
    """

    site: int
    required: bool
    areas: tuple[int, ...]
    risk_added: float
    next_site: int | None
    next_risk: float
    shortfall: float


@dataclass(frozen=True)
class Plan:
    """The solved placement. ``status``: "optimal" (within ``mip_rel_gap``), "time_limit"
    (best found when time ran out), "no_solution" (time ran out before any: the minimum
    presence is returned). ``gap``: HiGHS's relative optimality gap (``res.mip_gap``; NaN when
    unknown). ``units``: units per site; ``opened``: new sites opened; ``covered``: per area."""

    status: str
    objective: float
    total_risk: float
    share: float
    gap: float
    seconds: float
    units: IntArray
    opened: BoolArray
    covered: BoolArray
    explanations: tuple[UnitExplanation, ...]

    @property
    def covered_areas(self) -> IntArray:
        return np.flatnonzero(self.covered)

    @property
    def sites(self) -> IntArray:
        """Sites with at least one unit."""
        return np.flatnonzero(self.units)


def _model(problem: PlacementProblem) -> tuple[FloatArray, FloatArray, Bounds, list[Any]]:
    n_sites, n_areas = problem.n_sites, problem.n_areas
    units = problem.units
    new = problem.new_site
    # variable order: x (sites), y (areas), z (sites; fixed at 0 where not new)
    c = np.concatenate([np.zeros(n_sites), -problem.risk, np.zeros(n_sites)])
    integrality = np.ones(c.size)
    lower = np.concatenate([problem.minimum, np.zeros(n_areas), np.zeros(n_sites)])
    upper = np.concatenate(
        [np.minimum(problem.capacity, units), np.ones(n_areas), new.astype(float)]
    )
    # an area no site reaches can never be covered
    upper[n_sites : n_sites + n_areas][~problem.reach.any(axis=0)] = 0

    reach_t = sparse.csr_matrix(problem.reach.T.astype(float))
    cover = sparse.hstack(
        [-reach_t, sparse.identity(n_areas), sparse.csr_matrix((n_areas, n_sites))]
    )
    constraints: list[Any] = [LinearConstraint(cover, -np.inf, 0)]
    budget = np.concatenate([np.ones(n_sites), np.zeros(n_areas), problem.opening_cost])
    constraints.append(LinearConstraint(budget[None, :], -np.inf, units))
    if new.any():
        rows = np.flatnonzero(new)
        big_m = np.minimum(problem.capacity[rows], units).astype(float)
        link = sparse.hstack(
            [
                sparse.csr_matrix(
                    (np.ones(rows.size), (np.arange(rows.size), rows)), (rows.size, n_sites)
                ),
                sparse.csr_matrix((rows.size, n_areas)),
                sparse.csr_matrix((-big_m, (np.arange(rows.size), rows)), (rows.size, n_sites)),
            ]
        )
        constraints.append(LinearConstraint(link, -np.inf, 0))
        if problem.max_new_sites is not None:
            count = np.concatenate([np.zeros(n_sites + n_areas), new.astype(float)])
            constraints.append(LinearConstraint(count[None, :], -np.inf, problem.max_new_sites))
    return c, integrality, Bounds(lower, upper), constraints


def _explain(problem: PlacementProblem, x: IntArray) -> tuple[UnitExplanation, ...]:
    reach = problem.reach
    risk = problem.risk
    count = x @ reach.astype(np.int64)  # units covering each area
    opened = problem.new_site & (x > 0)
    slack = problem.units - int(x.sum()) - int(problem.opening_cost[opened].sum())
    n_opened = int(opened.sum())
    explanations = []
    for site in np.flatnonzero(x):
        others = count - reach[site]
        alone = reach[site] & (others == 0)
        added = float(risk[alone].sum())
        # where could this one unit go instead?
        last_here = x[site] == 1 and problem.new_site[site]
        freed_cost = int(problem.opening_cost[site]) if last_here else 0
        freed_slot = 1 if last_here else 0
        allowed = (x == 0) & (problem.capacity >= 1)
        new_alt = problem.new_site & allowed
        allowed &= ~new_alt | (problem.opening_cost <= slack + freed_cost)
        if problem.max_new_sites is not None and n_opened - freed_slot + 1 > problem.max_new_sites:
            allowed &= ~problem.new_site
        gains = reach.astype(float) @ np.where(others == 0, risk, 0.0)
        gains[~allowed] = -np.inf
        if np.isfinite(gains).any():
            next_site: int | None = int(np.argmax(gains))
            next_risk = float(gains[next_site])
        else:
            next_site, next_risk = None, 0.0
        for k in range(int(x[site])):
            explanations.append(
                UnitExplanation(
                    site=int(site),
                    required=k < problem.minimum[site],
                    areas=tuple(int(a) for a in np.flatnonzero(alone)),
                    risk_added=added,
                    next_site=next_site,
                    next_risk=next_risk,
                    shortfall=added - next_risk if next_site is not None else 0.0,
                )
            )
    return tuple(explanations)


def solve(
    problem: PlacementProblem, *, mip_rel_gap: float = 1e-3, time_limit: float = 10.0
) -> Plan:
    """Solve ``problem`` with HiGHS (``scipy.optimize.milp``) and explain each placed unit."""
    if not (mip_rel_gap >= 0):
        raise ValueError(f"mip_rel_gap must be ≥ 0, got {mip_rel_gap}")
    if not (time_limit > 0):
        raise ValueError(f"time_limit must be > 0, got {time_limit}")
    c, integrality, bounds, constraints = _model(problem)
    start = time.perf_counter()
    res = milp(
        c,
        integrality=integrality,
        bounds=bounds,
        constraints=constraints,
        options={"mip_rel_gap": mip_rel_gap, "time_limit": time_limit, "disp": False},
    )
    seconds = time.perf_counter() - start
    n_sites = problem.n_sites
    if res.x is not None:
        x = np.round(res.x[:n_sites]).astype(np.int64)
        status = _STATUS.get(res.status, "error")
        gap = float(getattr(res, "mip_gap", math.nan))
    elif res.status == 1:
        x, status, gap = problem.minimum.copy(), "no_solution", math.nan
    else:
        raise RuntimeError(f"HiGHS found no placement: {res.message}")
    covered = (x @ problem.reach.astype(np.int64)) > 0
    objective = float(problem.risk[covered].sum())
    total = float(problem.risk.sum())
    return Plan(
        status=status,
        objective=objective,
        total_risk=total,
        share=objective / total if total > 0 else 0.0,
        gap=gap,
        seconds=seconds,
        units=x,
        opened=problem.new_site & (x > 0),
        covered=covered,
        explanations=_explain(problem, x),
    )


def optimise(
    risk: Any,
    reach: Any,
    units: int,
    *,
    capacity: Any = None,
    minimum: Any = None,
    new_site: Any = None,
    opening_cost: Any = None,
    max_new_sites: int | None = None,
    mip_rel_gap: float = 1e-3,
    time_limit: float = 10.0,
) -> Plan:
    """Build a :class:`PlacementProblem` from arrays and :func:`solve` it."""
    problem = PlacementProblem(
        risk=risk,
        reach=reach,
        units=units,
        capacity=capacity,
        minimum=minimum,
        new_site=new_site,
        opening_cost=opening_cost,
        max_new_sites=max_new_sites,
    )
    return solve(problem, mip_rel_gap=mip_rel_gap, time_limit=time_limit)


# --- what-if -------------------------------------------------------------------------------


def close_sites(problem: PlacementProblem, sites: Any) -> PlacementProblem:
    """The same problem with ``sites`` (indices) closed: no unit may be placed there.
    Indices stay as they are. A site with a minimum presence cannot be closed."""
    index = np.atleast_1d(np.asarray(sites))
    if index.size and (
        not np.issubdtype(index.dtype, np.integer)
        or index.min() < 0
        or index.max() >= problem.n_sites
    ):
        raise ValueError(f"sites to close must be site indices in [0, {problem.n_sites})")
    held = index[problem.minimum[index] > 0]
    if held.size:
        raise ValueError(f"site(s) {sorted(set(held.tolist()))} hold a minimum presence")
    capacity = problem.capacity.copy()
    capacity[index] = 0
    return dataclasses.replace(problem, capacity=capacity)


def add_units(problem: PlacementProblem, n: int) -> PlacementProblem:
    """The same problem with ``n`` more units (n < 0 removes units). Sites whose capacity was
    the default (K) keep a capacity equal to the new K only if they were at K before."""
    n = int(n)
    units = problem.units + n
    if units < 0:
        raise ValueError(f"cannot remove {-n} units from K = {problem.units}")
    capacity = np.where(problem.capacity >= problem.units, max(units, 0), problem.capacity)
    capacity = np.maximum(capacity, problem.minimum)
    return dataclasses.replace(problem, units=units, capacity=capacity)


def with_reach(problem: PlacementProblem, reach: Any) -> PlacementProblem:
    """The same problem with another reach matrix (e.g. the rainy season's), same shape."""
    array = np.asarray(reach)
    if array.shape != problem.reach.shape:
        raise ValueError(f"reach must keep the shape {problem.reach.shape}, got {array.shape}")
    return dataclasses.replace(problem, reach=array)


def force_protection(problem: PlacementProblem, share: float) -> PlacementProblem:
    """The same problem with a ``share`` (0–1) of the K units kept for force protection:
    K becomes ``floor(K × (1 − share))``. Raises if that falls below the minimum presence."""
    if not (0 <= share <= 1):
        raise ValueError(f"share must be between 0 and 1, got {share}")
    units = math.floor(problem.units * (1 - share) + 1e-9)
    return add_units(problem, units - problem.units)
