"""Threat indicators per unit and period, built on the panel."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sentinelle.domain.events import ConflictEvent, EventFrame
from sentinelle.panel import EVENT_INPUT_COLUMNS, build_panel
from sentinelle.threat.indicators import COUNTS, build_indicators, onsets
from sentinelle.threat.layout import PanelLayout
from sentinelle.threat.trend import TREND_CLASSES, trend_test

KINDS = {
    "attack": ("Violence against civilians", "Attack"),
    "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
    "sexual": ("Violence against civilians", "Sexual violence"),
    "battle": ("Battles", "Armed clash"),
    "ied": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
}
UNITS = ["ML0501", "ML0502", "ML0505", "ML0703"]
FIRST, LAST = pd.Period("2016-01", "M"), pd.Period("2018-12", "M")


def event(n: int, day: str, pcode: str, kind: str = "attack", **changes: object) -> ConflictEvent:
    event_type, sub_type = KINDS[kind]
    base = ConflictEvent(
        source="acled",
        source_id=f"T{n}",
        event_date=dt.date.fromisoformat(day),
        event_type=event_type,
        sub_event_type=sub_type,
        fatalities=0,
        admin2_pcode=pcode,
        admin1_pcode=pcode[:4],
        priogrid_gid=148618,
        latitude=14.0,
        longitude=-3.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


EVENTS = [
    # ML0501: violence in March 2016 (too early to call it new), then again after 15 quiet months
    event(1, "2016-03-04", "ML0501", fatalities=2),
    event(2, "2017-06-10", "ML0501", "abduction", fatalities=1),
    event(3, "2017-06-11", "ML0501", "sexual"),
    # ML0502: first violence in January 2017 (12 quiet months before: an onset), again in October
    event(4, "2017-01-15", "ML0502", fatalities=7),
    event(5, "2017-10-02", "ML0502", fatalities=3),
    # ML0505: violence in December 2016, the 12th month (11 months of history: not an onset)
    event(6, "2016-12-20", "ML0505", fatalities=4),
    event(7, "2016-12-21", "ML0505", "ied", civilian_targeting=True, fatalities=5),
    event(8, "2016-12-22", "ML0505", "battle", geo_precision=1, fatalities=6),
    event(9, "2016-12-23", "ML0505", "battle", geo_precision=2, fatalities=1),
    # ML0703: explosions that do not target civilians never count as VAC
    event(10, "2017-05-05", "ML0703", "ied", inter2=1, fatalities=2),
]


def panel(freq: str = "M") -> pd.DataFrame:
    frame = EventFrame.from_records(EVENTS).frame[list(EVENT_INPUT_COLUMNS)]
    return build_panel(frame, "admin2", UNITS, FIRST, LAST, freq=freq)  # type: ignore[arg-type]


def row(indicators: pd.DataFrame, unit: str, month: str) -> pd.Series:
    found = indicators[
        (indicators["unit"] == unit) & (indicators["month"] == pd.Period(month, "M"))
    ]
    assert len(found) == 1
    return found.iloc[0]


def test_onsets_are_exactly_where_constructed() -> None:
    indicators = build_indicators(panel())
    found = indicators.loc[indicators["vac_onset"], ["unit", "month"]]
    assert sorted(zip(found["unit"].astype(str), found["month"].astype(str), strict=True)) == [
        ("ML0501", "2017-06"),
        ("ML0502", "2017-01"),
    ]


def test_onset_array_rules() -> None:
    counts = np.array([[0, 0, 1, 0, 0, 2, 0, 3], [1, 0, 0, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(
        onsets(counts, window=2),
        [[False, False, True, False, False, True, False, False], [False] * 8],
    )


def test_counts_by_sub_type_explosions_and_battles() -> None:
    indicators = build_indicators(panel())
    march = row(indicators, "ML0501", "2016-03")
    assert march["vac_events"] == march["vac_attack_events"] == 1
    assert march["vac_fatalities"] == march["vac_attack_fatalities"] == 2
    june = row(indicators, "ML0501", "2017-06")
    assert june["vac_abduction_events"] == 1 and june["vac_abduction_fatalities"] == 1
    assert june["vac_sexual_violence_events"] == 1 and june["vac_events"] == 2
    december = row(indicators, "ML0505", "2016-12")
    # the IED aimed at civilians is VAC, but of no VAC sub-type
    assert december["vac_events"] == 2 and december["vac_attack_events"] == 1
    assert december["vac_fatalities"] == 9 and december["vac_attack_fatalities"] == 4
    assert december["explosions_civilian_victims_events"] == 1
    assert december["explosions_civilian_victims_fatalities"] == 5
    assert december["battles_populated_events"] == 1
    assert december["battles_populated_fatalities"] == 6
    assert december["fatalities"] == 16
    may = row(indicators, "ML0703", "2017-05")
    assert may["vac_events"] == 0 and may["explosions_civilian_victims_events"] == 0
    assert may["fatalities"] == 2


def test_rates_per_100000_are_nan_where_the_population_is_unknown() -> None:
    population = pd.Series({"ML0501": 200_000.0, "ML0502": np.nan, "ML0703": 0.0, "XX99": 5.0})
    indicators = build_indicators(panel(), population)
    march = row(indicators, "ML0501", "2016-03")
    assert march["fatalities_per_100k"] == pytest.approx(1.0)
    assert march["vac_events_per_100k"] == pytest.approx(0.5)
    quiet = row(indicators, "ML0501", "2016-04")
    assert quiet["vac_fatalities_per_100k"] == 0.0  # known population, no deaths: a true zero
    for unit in ("ML0502", "ML0505", "ML0703"):  # NaN, absent, zero population
        rates = indicators.loc[indicators["unit"] == unit, "fatalities_per_100k"]
        assert rates.isna().all()
    assert indicators.attrs["population_known"] == 1
    without = build_indicators(panel())
    assert without["vac_fatalities_per_100k"].isna().all()


def test_columns_are_typed_and_defined() -> None:
    indicators = build_indicators(panel())
    assert list(indicators.columns[:2]) == ["month", "unit"]
    assert len(indicators) == len(UNITS) * 36
    for name in COUNTS:
        assert indicators[name].dtype == "int32", name
    for name in ("fatalities_per_100k", "vac_rate_ratio", "vac_p_increase", "population"):
        assert indicators[name].dtype == "float64", name
    assert indicators["vac_onset"].dtype == bool
    assert list(indicators["vac_trend"].cat.categories) == list(TREND_CLASSES)
    assert not any(indicators[c].dtype == object for c in indicators.columns)
    keys = {"month", "unit"}
    assert set(indicators.columns) - keys == set(indicators.attrs["definitions"])
    assert indicators.attrs["unit_kind"] == "admin2" and indicators.attrs["freq"] == "M"


def test_trend_columns_are_the_trend_test_of_vac_events() -> None:
    source = panel()
    indicators = build_indicators(source)
    vac = PanelLayout.of(source).matrix(source, "vac_events")
    expected = trend_test(vac)
    np.testing.assert_array_equal(
        indicators["vac_trend"].cat.codes.to_numpy(), PanelLayout.long(expected.codes)
    )
    np.testing.assert_array_equal(
        indicators["vac_p_increase"].to_numpy(), PanelLayout.long(expected.p_increase)
    )


def test_weekly_quarterly_and_priogrid_panels() -> None:
    weekly = build_indicators(panel("W"))
    quarterly = build_indicators(panel("Q"))
    assert "week" in weekly.columns and "quarter" in quarterly.columns
    assert weekly["vac_events"].sum() == quarterly["vac_events"].sum() == 7
    # quarterly: ML0502's first violence (2017Q1) has only 4 quarters of history: no onset
    assert not quarterly["vac_onset"].any()
    frame = EventFrame.from_records(EVENTS).frame[list(EVENT_INPUT_COLUMNS)]
    grid = build_panel(frame, "priogrid", first=FIRST, last=LAST)
    rates = build_indicators(grid, pd.Series({148618: 1_000_000}))
    assert set(rates["unit"].astype(str)) == {"148618"}
    assert rates["fatalities_per_100k"].sum() == pytest.approx(31 / 10)


def test_incomplete_panels_are_refused() -> None:
    with pytest.raises(ValueError, match="not complete"):
        build_indicators(panel().iloc[1:])
    with pytest.raises(ValueError, match="lacks the columns"):
        build_indicators(panel().drop(columns=["vac_events"]))
