"""The built-in demo: a clearly labelled *fictional training scenario* over real Mali geography.

* :mod:`~sentinelle.demo.outline` — a hand-drawn, approximate outline of Mali.
* :mod:`~sentinelle.demo.towns` — real cercle seats and towns (names, coordinates, P-codes).
* :mod:`~sentinelle.demo.areas` — approximate cercles and regions (Voronoi cells of the towns)
  and placing events in them.
* :mod:`~sentinelle.demo.actors`, :mod:`~sentinelle.demo.profiles` — who acts, and the kinds of
  violence with their hotspots (tuning kept as data in ``demo/data``).
* :mod:`~sentinelle.demo.deployments` — MINUSMA's sites and the main roads.
* :mod:`~sentinelle.demo.units` — MINUSMA's units with mobile capacity (fictional).
* :mod:`~sentinelle.demo.scenario` — :func:`generate_scenario`, deterministic from a seed.

Every event of the scenario is invented; its notes and the scenario's label say so.
"""

from sentinelle.demo.areas import DemoPlacer, demo_units
from sentinelle.demo.deployments import minusma_deployments
from sentinelle.demo.outline import mali_outline
from sentinelle.demo.scenario import LABEL_EN, LABEL_FR, Scenario, generate_scenario

__all__ = [
    "LABEL_EN",
    "LABEL_FR",
    "DemoPlacer",
    "Scenario",
    "demo_units",
    "generate_scenario",
    "mali_outline",
    "minusma_deployments",
]
