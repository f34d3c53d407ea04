"""Deployments: where a mission's forces are, when, and how many."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sentinelle.domain.vocabulary import deployment_kinds


class DeploymentError(ValueError):
    pass


@dataclass(frozen=True)
class Deployment:
    """A base, camp or temporary operating base occupied over a period.

    ``end`` is ``None`` while the site is still occupied. ``troops`` is the average number of
    uniformed personnel over the period when known.
    """

    mission: str
    name: str
    kind: str
    latitude: float
    longitude: float
    start: dt.date
    end: dt.date | None = None
    troops: float | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in deployment_kinds():
            raise DeploymentError(
                f"deployment kind {self.kind!r} is not one of {sorted(deployment_kinds())}"
            )
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise DeploymentError(
                f"deployment {self.name!r}: ({self.latitude}, {self.longitude}) is off the globe"
            )
        if self.end is not None and self.end < self.start:
            raise DeploymentError(f"deployment {self.name!r} ends before it starts")
        if self.troops is not None and self.troops < 0:
            raise DeploymentError(f"deployment {self.name!r}: negative troops {self.troops}")

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)
