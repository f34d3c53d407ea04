"""The posture of a period: which sites the mission held, with how many troops, and how many of
them could leave the base.

A site is held in a period when one of its stored deployment records overlaps the period at any
time. Records of the same site (same mission, name and coordinates) are folded into one site
whose troops are the mean of the records' troops weighted by the days each record overlaps the
period (records without a troop figure are left out of the mean; a site with none counts 0
troops). Of those troops a *force-protection share* guards the base itself (default 0.8, i.e.
80 %); the rest, ``troops × (1 − share)``, is the site's deployable capacity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from sentinelle.domain.deployments import Deployment
from sentinelle.store.deployments import load_deployments

DEFAULT_FORCE_PROTECTION = 0.8


@dataclass(frozen=True)
class Site:
    """One site held in the period."""

    mission: str
    name: str
    kind: str
    latitude: float
    longitude: float
    troops: float  # mean troops over the days held in the period (0 when unknown)
    deployable: float  # troops × (1 − force-protection share)
    troops_known: bool = True


@dataclass(frozen=True)
class Posture:
    """The sites held at any time in ``[start, end]``."""

    start: dt.date
    end: dt.date
    force_protection: float
    sites: tuple[Site, ...]

    @property
    def troops(self) -> float:
        return float(sum(s.troops for s in self.sites))

    @property
    def deployable(self) -> float:
        return float(sum(s.deployable for s in self.sites))

    @property
    def longitude(self) -> npt.NDArray[np.float64]:
        return np.array([s.longitude for s in self.sites], dtype=float)

    @property
    def latitude(self) -> npt.NDArray[np.float64]:
        return np.array([s.latitude for s in self.sites], dtype=float)

    @property
    def capacity(self) -> npt.NDArray[np.float64]:
        """Deployable capacity per site, in site order."""
        return np.array([s.deployable for s in self.sites], dtype=float)


def check_force_protection(share: float) -> float:
    """``share`` as a float, or a ValueError when it is not in [0, 1)."""
    value = float(share)
    if math.isnan(value) or not 0.0 <= value < 1.0:
        raise ValueError(
            f"the force-protection share must be at least 0 and below 1 (e.g. 0.8), not {share}"
        )
    return value


def _overlap_days(record: Deployment, start: dt.date, end: dt.date) -> int:
    first = max(record.start, start)
    last = min(record.end or dt.date.max, end)
    return (last - first).days + 1


def posture_of(
    deployments: Iterable[Deployment],
    start: dt.date,
    end: dt.date,
    force_protection: float = DEFAULT_FORCE_PROTECTION,
    mission: str | None = None,
) -> Posture:
    """The posture of ``[start, end]`` from deployment records (of ``mission`` when given)."""
    share = check_force_protection(force_protection)
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    groups: dict[tuple[str, str, float, float], list[tuple[Deployment, int]]] = {}
    for record in deployments:
        if mission is not None and record.mission != mission:
            continue
        days = _overlap_days(record, start, end)
        if days <= 0:
            continue
        key = (record.mission, record.name, round(record.latitude, 5), round(record.longitude, 5))
        groups.setdefault(key, []).append((record, days))
    sites = []
    for (mission_name, name, _, _), records in sorted(groups.items()):
        known = [(r.troops, days) for r, days in records if r.troops is not None]
        weight = sum(days for _, days in known)
        troops = sum(float(t) * days for t, days in known) / weight if weight else 0.0
        first = records[0][0]
        sites.append(
            Site(
                mission=mission_name,
                name=name,
                kind=first.kind,
                latitude=first.latitude,
                longitude=first.longitude,
                troops=troops,
                deployable=troops * (1.0 - share),
                troops_known=bool(known),
            )
        )
    return Posture(start, end, share, tuple(sites))


def load_posture(
    connection: Connection,
    start: dt.date,
    end: dt.date,
    force_protection: float = DEFAULT_FORCE_PROTECTION,
    mission: str | None = None,
) -> Posture:
    """The posture of ``[start, end]`` from the store's deployments."""
    return posture_of(load_deployments(connection), start, end, force_protection, mission)
