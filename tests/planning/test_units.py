"""Units with mobile capacity available in a month, and their capacity (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sentinelle.domain.units import UnitRecord
from sentinelle.planning.units import MobileUnit, mobile_capacity, mobile_units_in
from sentinelle.store.database import Store
from sentinelle.store.units import insert_units

D = dt.date
UNITS = [
    UnitRecord("TEST", "QRF", "quick_reaction_force", 150, D(2018, 1, 1), D(2018, 6, 15), "S1"),
    # the same unit back after two weeks: one unit in June, as its later period says
    UnitRecord("TEST", "QRF", "quick_reaction_force", 160, D(2018, 6, 30), None, "S2"),
    UnitRecord("TEST", "Guard company", "infantry_company", 120, D(2017, 1, 1), None, "S1",
               mobile=False),
    UnitRecord("TEST", "Heli", "aviation", 80, D(2018, 3, 1), D(2018, 3, 31)),
    UnitRecord("OTHER", "QRF", "quick_reaction_force", 200, D(2018, 1, 1)),
]  # fmt: skip


def test_units_available_in_a_month_and_their_capacity(store: Store) -> None:
    with store.transaction() as connection:
        insert_units(connection, UNITS, "template")
    with store.reading() as connection:
        march = mobile_units_in(connection, "2018-03", mission="TEST")
        june = mobile_units_in(connection, pd.Period("2018-06", "M"), mission="TEST")
        july_all = mobile_units_in(connection, "2018-07")
        before = mobile_units_in(connection, "2016-12")
    assert march == [
        MobileUnit("Guard company", "infantry_company", "S1", 120, False),
        MobileUnit("Heli", "aviation", None, 80, True),
        MobileUnit("QRF", "quick_reaction_force", "S1", 150, True),
    ]
    assert mobile_capacity(march) == (2, 230)  # the guard company cannot move
    assert june == [
        MobileUnit("Guard company", "infantry_company", "S1", 120, False),
        MobileUnit("QRF", "quick_reaction_force", "S2", 160, True),
    ]
    assert mobile_capacity(june) == (1, 160)
    assert [u.troops for u in july_all] == [200, 120, 160]  # OTHER's QRF first
    assert mobile_capacity(july_all) == (2, 360)
    assert before == [] and mobile_capacity(before) == (0, 0)
