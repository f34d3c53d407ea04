"""MINUSMA's units with mobile capacity for the demo scenario (``demo/data/mobile_units.csv``).

The units are fictional (names, sizes and periods invented for training); their home sites are
the demo's MINUSMA sites.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from sentinelle.demo._data import data_rows
from sentinelle.demo.deployments import DEMO_SOURCE, MINUSMA
from sentinelle.domain.units import UnitRecord


@cache
def minusma_mobile_units() -> tuple[UnitRecord, ...]:
    """MINUSMA's quick reaction forces, mobile task force, companies and helicopter-borne unit
    (fictional demo values)."""
    return tuple(
        UnitRecord(
            mission=MINUSMA,
            name=r["name"],
            kind=r["kind"],
            troops=int(r["troops"]),
            start=dt.date.fromisoformat(r["start"]),
            end=dt.date.fromisoformat(r["end"]) if r["end"] else None,
            home_site=r["home_site"] or None,
            mobile=r["mobile"] == "yes",
            source=DEMO_SOURCE,
        )
        for r in data_rows("mobile_units.csv")
    )
