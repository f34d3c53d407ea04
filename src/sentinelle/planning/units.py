"""The mission's units with mobile capacity in a month, and what they add up to.

:func:`mobile_units_in` reads the units stored by ``sentinelle units import`` (and the demo)
whose period of availability overlaps the month; :func:`mobile_capacity` counts those that can
move to another area and their troops (a number of units K for the placement optimiser).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from sentinelle.store.units import load_units


@dataclass(frozen=True)
class MobileUnit:
    """A unit available in the month: its name, kind (a code of ``unit_kinds.csv``), home site
    (``None`` when unknown), troops and whether it can move to another area."""

    name: str
    kind: str
    home_site: str | None
    troops: int
    mobile: bool


def mobile_units_in(
    connection: Connection, month: str | pd.Period, mission: str | None = None
) -> list[MobileUnit]:
    """The units available in ``month`` (``YYYY-MM`` or a monthly period; of ``mission`` when
    given), by mission and name. A unit with two periods in the month (it left and came back)
    counts once, as its later period describes it."""
    found: dict[tuple[str, str], MobileUnit] = {}
    for u in load_units(connection, month, mission):  # by mission, name, then start
        found[(u.mission.casefold(), u.name.casefold())] = MobileUnit(
            name=u.name, kind=u.kind, home_site=u.home_site, troops=u.troops, mobile=u.mobile
        )
    return list(found.values())


def mobile_capacity(units: Iterable[MobileUnit]) -> tuple[int, int]:
    """(number of units that can move to another area, their troops)."""
    mobile = [u for u in units if u.mobile]
    return len(mobile), sum(u.troops for u in mobile)
