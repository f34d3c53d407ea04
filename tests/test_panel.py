from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from sentinelle.domain.events import ConflictEvent, EventFrame
from sentinelle.panel import EVENT_INPUT_COLUMNS, build_panel, count_columns, load_panel
from sentinelle.store import events as event_store
from sentinelle.store.database import Store


def event(
    n: int, day: str, pcode: str | None, kind: str = "vac", **changes: object
) -> ConflictEvent:
    types = {
        "vac": ("Violence against civilians", "Attack"),
        "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
        "battle": ("Battles", "Armed clash"),
        "ied": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
        "protest": ("Protests", "Peaceful protest"),
    }
    event_type, sub_type = types[kind]
    base = ConflictEvent(
        source="acled",
        source_id=f"T{n}",
        event_date=dt.date.fromisoformat(day),
        event_type=event_type,
        sub_event_type=sub_type,
        fatalities=n,
        admin2_pcode=pcode,
        admin1_pcode=pcode[:4] if pcode else None,
        priogrid_gid=148618 if pcode else None,
        latitude=14.0,
        longitude=-3.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


EVENTS = [
    event(1, "2018-01-05", "ML0505"),
    event(2, "2018-01-20", "ML0505", "abduction"),
    event(3, "2018-03-02", "ML0502", "battle"),
    event(4, "2018-03-09", "ML0502", "ied", civilian_targeting=True),
    event(5, "2018-03-10", "ML0502", "protest"),
    event(6, "2018-02-11", None),  # no cercle (e.g. ACLED geo-precision 3)
    event(7, "2018-02-12", "ML1002"),  # a cercle created in 2016 (Ménaka region)
]


def frame() -> pd.DataFrame:
    return EventFrame.from_records(EVENTS).frame[list(EVENT_INPUT_COLUMNS)]


def test_every_unit_and_month_has_a_row_with_explicit_zeros() -> None:
    panel = build_panel(frame(), "admin2", units=["ML0502", "ML0505", "ML0101", "ML1002"])
    assert len(panel) == 3 * 4  # January..March × 4 units
    assert panel[["month", "unit"]].drop_duplicates().shape[0] == 12
    quiet = panel[panel["unit"] == "ML0101"]
    assert (quiet[count_columns()] == 0).all().all()
    koro_jan = panel[(panel["unit"] == "ML0505") & (panel["month"] == pd.Period("2018-01", "M"))]
    row = koro_jan.iloc[0]
    assert row["events"] == 2 and row["vac_events"] == 2 and row["vac_fatalities"] == 3
    assert row["events_violence_against_civilians__abduction_forced_disappearance"] == 1
    assert panel.attrs["events_without_unit"] == 1


def test_vac_includes_civilian_targeting_and_political_violence_excludes_protests() -> None:
    panel = build_panel(frame(), "admin2")
    bankass_march = panel[
        (panel["unit"] == "ML0502") & (panel["month"] == pd.Period("2018-03", "M"))
    ].iloc[0]
    assert bankass_march["events"] == 3
    assert bankass_march["vac_events"] == 1  # the IED aimed at civilians
    assert bankass_march["political_violence_events"] == 2  # battle + IED, not the protest
    assert bankass_march["fatalities_battles"] == 3


def test_dtypes_are_compact_and_keys_typed() -> None:
    panel = build_panel(frame(), "admin2")
    assert str(panel["month"].dtype) == "period[M]"
    assert isinstance(panel["unit"].dtype, pd.CategoricalDtype)
    assert all(str(panel[c].dtype) == "int32" for c in count_columns())
    assert not any(panel[c].dtype == object for c in panel.columns)


def test_pre2016_geography_counts_menaka_cercles_in_ml0704() -> None:
    as_placed = build_panel(frame(), "admin2")
    harmonised = build_panel(frame(), "admin2", geography="pre2016")
    assert "ML1002" in set(as_placed["unit"]) and "ML0704" not in set(as_placed["unit"])
    assert "ML0704" in set(harmonised["unit"]) and "ML1002" not in set(harmonised["unit"])
    assert harmonised["events"].sum() == as_placed["events"].sum()
    assert "ML0704" in harmonised.attrs["geography_note"]


def test_period_bounds_and_priogrid() -> None:
    panel = build_panel(
        frame(), "priogrid", first=pd.Period("2018-02", "M"), last=pd.Period("2018-04", "M")
    )
    assert list(panel["month"].unique().astype(str)) == ["2018-02", "2018-03", "2018-04"]
    assert set(panel["unit"]) == {"148618"}
    assert panel.attrs["events_outside_period"] == 2


def test_admin1_panel_sums_its_cercles() -> None:
    by_cercle = build_panel(frame(), "admin2")
    by_region = build_panel(frame(), "admin1")
    assert by_region["events"].sum() == by_cercle["events"].sum()


def test_load_panel_from_store(store: Store) -> None:
    with store.transaction() as connection:
        event_store.upsert_events(connection, EventFrame.from_records(EVENTS))
        panel = load_panel(connection, "admin2", sources=["acled"])
        nothing = load_panel(
            connection,
            "admin2",
            first=pd.Period("2018-01", "M"),
            last=pd.Period("2018-02", "M"),
            sources=["ucdp"],
        )
    assert panel["events"].sum() == 6
    assert nothing["events"].sum() == 0
    with store.transaction() as connection, pytest.raises(ValueError, match="no events"):
        load_panel(connection, "admin2", sources=["ucdp"])


def test_weekly_and_quarterly_panels_count_the_same_events() -> None:
    monthly = build_panel(frame(), "admin2")
    weekly = build_panel(frame(), "admin2", freq="W")
    quarterly = build_panel(frame(), "admin2", freq="Q")
    assert "week" in weekly.columns and "quarter" in quarterly.columns
    assert weekly["events"].sum() == quarterly["events"].sum() == monthly["events"].sum()
    assert list(quarterly["quarter"].astype(str).unique()) == ["2018Q1"]
    assert weekly["week"].nunique() == 10  # 1 January .. 11 March 2018, weeks ending Sunday


def test_explosions_on_civilians_and_battles_at_places() -> None:
    events = EventFrame.from_records(
        [
            event(1, "2018-01-05", "ML0505", "ied", inter2=7),
            event(2, "2018-01-06", "ML0505", "ied", civilian_targeting=True),
            event(3, "2018-01-07", "ML0505", "ied", inter2=1),
            event(4, "2018-01-08", "ML0505", "battle", geo_precision=1),
            event(5, "2018-01-09", "ML0505", "battle", geo_precision=2),
        ]
    ).frame[list(EVENT_INPUT_COLUMNS)]
    row = build_panel(events, "admin2").iloc[0]
    assert row["explosions_civilian_victims_events"] == 2
    assert row["explosions_civilian_victims_fatalities"] == 1 + 2
    assert row["battles_populated_events"] == 1 and row["battles_populated_fatalities"] == 4
