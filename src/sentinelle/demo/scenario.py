"""The built-in demo scenario: a *fictional* training scenario over real Mali geography.

:func:`generate_scenario` draws, from a seed, a few thousand conflict events in the current ACLED
taxonomy, the demo's approximate areas and MINUSMA's sites. The events come from a self-exciting
(Hawkes-like) cluster process: hotspots (:mod:`sentinelle.demo.profiles`) start events at a rate
that varies by month (growth, dry-season peak, random surges), and every event may trigger
follow-up events nearby a few days later (reprisals, pursuits, protest waves). So events cluster in
space and time, the centre and north are far more violent than the south, and intercommunal
violence against civilians concentrates around Bankass, Koro and Bandiagara.

Nothing in the scenario happened. Actor names are those of real groups so that the training feels
real, but every event, date, victim count and note is invented, and the notes say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from sentinelle.demo.areas import DemoPlacer, demo_units
from sentinelle.demo.coding import code_events
from sentinelle.demo.deployments import minusma_deployments
from sentinelle.demo.outline import mali_outline
from sentinelle.demo.process import cluster_process
from sentinelle.demo.profiles import hotspots
from sentinelle.domain.deployments import Deployment
from sentinelle.domain.events import EventFrame
from sentinelle.domain.months import MonthError, parse_month
from sentinelle.domain.places import AdminUnit, Level

LABEL_FR = (
    "Scénario d'entraînement fictif : événements inventés sur une géographie approximative du "
    "Mali ; aucun fait réel n'est décrit."
)
LABEL_EN = (
    "Fictional training scenario: invented events over approximate Mali geography; no real "
    "incident is described."
)


@dataclass(frozen=True, eq=False)
class Scenario:
    """A generated demo scenario. Its events are fictional; :attr:`label` says so in French and
    English, and every event's ``notes`` repeat it."""

    units: list[AdminUnit]
    events: EventFrame
    deployments: list[Deployment]
    seed: int
    label: str

    @property
    def label_fr(self) -> str:
        return LABEL_FR

    @property
    def label_en(self) -> str:
        return LABEL_EN

    @property
    def outline(self) -> Polygon:
        """The scenario's (approximate) outline of Mali."""
        return mali_outline()

    def units_at(self, level: Level) -> list[AdminUnit]:
        """The scenario's units of one level (``admin0``, ``admin1`` or ``admin2``)."""
        return [u for u in self.units if u.level == level]

    def placed_events(self) -> EventFrame:
        """The events with ``admin1_pcode``, ``admin2_pcode``, ``priogrid_gid`` and
        ``placement="point"`` filled by point-in-polygon against the scenario's own areas, so
        that the demo can be analysed without any real boundary file."""
        return DemoPlacer(self.units).place(self.events)


def generate_scenario(seed: int = 2013, start: str = "2016-01", end: str = "2018-12") -> Scenario:
    """Generate the demo scenario for the months ``start``..``end`` (inclusive, ``YYYY-MM``).

    The same seed always gives the same scenario (same events, same order, same ids); another
    seed gives another draw of the same story.
    """
    first, last = parse_month(start), parse_month(end)
    if last < first:
        raise MonthError(f"the demo scenario ends ({end}) before it starts ({start})")
    rng = np.random.default_rng(seed)
    outline = mali_outline()
    spots = hotspots()
    deployments = minusma_deployments()
    points = cluster_process(rng, spots, first, last, outline)
    origin = np.datetime64(first.start_time.date(), "D")
    frame = code_events(rng, points, origin, spots, deployments, seed, outline)
    return Scenario(
        units=list(demo_units()),
        events=EventFrame(frame),
        deployments=list(deployments),
        seed=seed,
        label=f"{LABEL_FR} / {LABEL_EN} (seed {seed})",
    )
