"""The overview's SQL aggregates (sentinelle.explore.overview), checked against the analytical
panel (sentinelle.panel, computed in numpy from the events) on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import text

from sentinelle.domain.places import AdminUnit
from sentinelle.domain.vocabulary import event_types
from sentinelle.explore.filters import EventQuery, FilterError
from sentinelle.explore.overview import (
    check_places,
    monthly_by_type,
    overview,
    totals,
    unit_values,
    units_geojson,
)
from sentinelle.panel import load_panel, slug
from sentinelle.store import places
from sentinelle.store.database import Store

PANEL_COLUMN = {"events": "events", "vac": "vac_events", "fatalities": "fatalities"}


@pytest.mark.parametrize("level", ["admin1", "admin2"])
def test_unit_values_and_totals_agree_with_the_panel(demo_store: Store, level: str) -> None:
    first, last = pd.Period("2016-04", "M"), pd.Period("2017-09", "M")
    query = EventQuery(start="2016-04", end="2017-09")
    with demo_store.reading() as connection:
        panel = load_panel(connection, level, first, last)  # type: ignore[arg-type]
        by_unit = panel.groupby("unit", observed=True).sum(numeric_only=True)
        for metric, column in PANEL_COLUMN.items():
            found = unit_values(connection, query, metric, level)  # type: ignore[arg-type]
            assert found.values == {str(k): int(v) for k, v in by_unit[column].items()}
            assert found.total == int(panel[column].sum()) + (
                found.unplaced  # events without a unit are not in the panel
            )
        headline = totals(connection, query)
    assert headline.events == int(panel["events"].sum()) + (panel.attrs["events_without_unit"])
    assert headline.first_date is not None and headline.first_date >= first.start_time.date()


def test_monthly_series_agree_with_the_panel(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        panel = load_panel(connection, "admin1")
        monthly = panel.groupby("month").sum(numeric_only=True)
        series = monthly_by_type(connection, EventQuery(), "events")
        fatalities = monthly_by_type(connection, EventQuery(), "fatalities")
    unplaced = panel.attrs["events_without_unit"]
    assert list(series.index) == list(monthly.index)
    assert list(series.columns) == [t for t in event_types() if series[t].sum() > 0]
    assert all(str(dtype) == "int64" for dtype in series.dtypes)
    for event_type in series.columns:
        difference = series[event_type] - monthly[f"events_{slug(event_type)}"]
        assert (difference >= 0).all()
        assert int(difference.sum()) <= unplaced  # the panel leaves out unplaced events
    assert int(series.to_numpy().sum()) == int(monthly["events"].sum()) + unplaced
    assert int(fatalities.to_numpy().sum()) >= int(monthly["fatalities"].sum())


def test_series_months_are_explicit_and_bounded(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        before = monthly_by_type(connection, EventQuery(start="2015-10", end="2016-02"), "vac")
        nothing = monthly_by_type(connection, EventQuery(actor="nobody at all"), "events")
        chosen = monthly_by_type(
            connection, EventQuery(start="2014-01", event_types=("Riots",)), "events"
        )
        last_riot = connection.execute(
            text("SELECT max(event_date) FROM events WHERE event_type = 'Riots'")
        ).scalar()
        with pytest.raises(FilterError, match="at most"):
            monthly_by_type(connection, EventQuery(start="1800-01", end="2018-01"), "events")
    assert [str(m) for m in before.index] == ["2015-10", "2015-11", "2015-12", "2016-01", "2016-02"]
    assert before.loc[pd.Period("2015-12", "M")].sum() == 0
    assert before.loc[pd.Period("2016-01", "M")].sum() > 0
    assert nothing.empty and len(nothing.index) == 0
    assert list(chosen.columns) == ["Riots"] and str(chosen.index[0]) == "2014-01"
    assert str(chosen.index[-1]) == str(last_riot)[:7]  # closed at the last month with a riot


def test_filters_outside_the_store_are_refused(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        check_places(connection, EventQuery(region="ML05", cercle="ML0505"))
        for query, message in [
            (EventQuery(region="ML42"), "unknown region"),
            (EventQuery(cercle="ML4242"), "unknown cercle"),
            (EventQuery(region="ML0505"), "not a region"),
            (EventQuery(region="ML07", cercle="ML0505"), "not in the region"),
        ]:
            with pytest.raises(FilterError, match=message):
                check_places(connection, query)
            with pytest.raises(FilterError):
                overview(connection, query)


def test_units_geojson_is_simplified_cached_and_follows_a_boundary_import(
    demo_store: Store,
) -> None:
    with demo_store.reading() as connection:
        stored = {u.pcode: u for u in places.load_units(connection, "admin1")}
        whole = units_geojson(connection, "admin1", 0)
        coarse = units_geojson(connection, "admin1", 0.1)
        again = units_geojson(connection, "admin1", 0.1)
    assert again is coarse  # cached
    assert [f["properties"]["pcode"] for f in whole["features"]] == sorted(stored)
    for feature in whole["features"]:
        original = stored[feature["properties"]["pcode"]].geometry
        assert original is not None
        assert shape(feature["geometry"]).hausdorff_distance(original) < 1e-4
        assert feature["properties"]["name_fr"] == stored[feature["id"]].name_fr
    points = sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in whole["features"])
    fewer = sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in coarse["features"])
    assert fewer < points

    # a new boundary set for the level replaces the units: the cache must not hide it, even
    # when nothing but the names changes
    for suffix in (" (nouveau)", " (encore)"):
        renamed = [
            AdminUnit(
                pcode=u.pcode,
                level=u.level,
                name_fr=u.name_fr + suffix,
                name_en=u.name_en,
                parent_pcode=u.parent_pcode,
                geometry=u.geometry,
                approximate=u.approximate,
            )
            for u in stored.values()
        ]
        with demo_store.transaction() as connection:
            places.replace_units(connection, renamed)
        with demo_store.reading() as connection:
            after = units_geojson(connection, "admin1", 0.1)
        assert [f["properties"]["name_fr"] for f in after["features"]] == [
            u.name_fr for u in renamed
        ]
