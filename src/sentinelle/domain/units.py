"""Units with mobile capacity: which unit, its kind, home site, troops, and when it is available."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sentinelle.domain.vocabulary import unit_kinds


class UnitError(ValueError):
    pass


@dataclass(frozen=True)
class UnitRecord:
    """A unit of a mission (quick reaction force, company, helicopter-borne unit...) available
    over a period.

    ``end`` is ``None`` while the unit is still available. ``mobile`` says whether it can move to
    another area; ``home_site`` is the site it deploys from, when known.
    """

    mission: str
    name: str
    kind: str
    troops: int
    start: dt.date
    end: dt.date | None = None
    home_site: str | None = None
    mobile: bool = True
    source: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in unit_kinds():
            raise UnitError(f"unit kind {self.kind!r} is not one of {sorted(unit_kinds())}")
        if self.troops < 1:
            raise UnitError(f"unit {self.name!r}: troops must be ≥ 1, not {self.troops}")
        if self.end is not None and self.end < self.start:
            raise UnitError(f"unit {self.name!r} ends before it starts")

    def available_between(self, first: dt.date, last: dt.date) -> bool:
        """Whether the unit's period overlaps ``first``..``last`` (inclusive)."""
        return self.start <= last and (self.end is None or self.end >= first)
