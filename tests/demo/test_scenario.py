"""The demo scenario: deterministic, inside Mali, valid vocabulary, realistic shape, labelled."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from sentinelle.demo import (
    LABEL_EN,
    LABEL_FR,
    DemoPlacer,
    Scenario,
    demo_units,
    generate_scenario,
    mali_outline,
)
from sentinelle.demo.actors import JNIM, JNIM_CREATED, MINUSMA
from sentinelle.demo.deployments import nearest_active_site, roads
from sentinelle.demo.towns import towns
from sentinelle.domain.months import MonthError
from sentinelle.domain.places import priogrid_gid
from sentinelle.domain.vocabulary import (
    VAC,
    deployment_kinds,
    event_types,
    inter_codes,
    sub_event_types,
)

SOUTH = ("ML01", "ML02", "ML03", "ML09")
CENTRE_AND_NORTH = ("ML04", "ML05", "ML06", "ML07", "ML08")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate_scenario(2013)


@pytest.fixture(scope="module")
def events(scenario: Scenario) -> pd.DataFrame:
    return scenario.placed_events().frame


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_events(scenario: Scenario) -> None:
    again = generate_scenario(2013)
    pd.testing.assert_frame_equal(scenario.events.frame, again.events.frame)


def test_another_seed_gives_other_events(scenario: Scenario) -> None:
    other = generate_scenario(7).events.frame
    mine = scenario.events.frame
    assert len(other) != len(mine) or not other["event_date"].equals(mine["event_date"])


def test_scenario_has_a_few_thousand_events_over_three_years(scenario: Scenario) -> None:
    frame = scenario.events.frame
    assert 2_000 <= len(frame) <= 4_000
    assert frame["event_date"].min() >= pd.Timestamp("2016-01-01")
    assert frame["event_date"].max() <= pd.Timestamp("2018-12-31")
    assert frame["event_date"].is_monotonic_increasing


def test_months_requested_bound_the_events() -> None:
    frame = generate_scenario(1, start="2017-03", end="2017-05").events.frame
    assert len(frame) > 0
    assert frame["event_date"].min() >= pd.Timestamp("2017-03-01")
    assert frame["event_date"].max() <= pd.Timestamp("2017-05-31")


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(MonthError):
        generate_scenario(1, start="2018-01", end="2017-12")


# --- geography ---------------------------------------------------------------------------------


def test_areas_partition_the_outline() -> None:
    outline = mali_outline()
    cercles = [u.geometry for u in demo_units() if u.level == "admin2" and u.geometry]
    assert len(cercles) == 50
    union = shapely.union_all(cercles)
    assert union.symmetric_difference(outline).area < 1e-6 * outline.area
    assert sum(c.area for c in cercles) == pytest.approx(outline.area, rel=1e-6)  # no overlaps


def test_regions_are_unions_of_their_cercles() -> None:
    units = demo_units()
    regions = [u for u in units if u.level == "admin1"]
    assert sorted(u.pcode for u in regions) == [f"ML0{k}" for k in range(1, 10)]
    for region in regions:
        members = [u.geometry for u in units if u.parent_pcode == region.pcode]
        assert members and region.geometry is not None
        assert region.geometry.symmetric_difference(shapely.union_all(members)).area < 1e-9


def test_units_are_labelled_approximate_with_french_and_english_names() -> None:
    units = {u.pcode: u for u in demo_units()}
    assert all(u.approximate and u.source == "demo" for u in units.values())
    assert (units["ML06"].name_fr, units["ML06"].name_en) == ("Tombouctou", "Timbuktu")
    assert (units["ML0406"].name_fr, units["ML0406"].name_en) == ("Ségou", "Segou")
    assert units["ML0704"].name_fr == "Ménaka" and units["ML0704"].parent_pcode == "ML07"
    assert units["ML0901"].parent_pcode == "ML09"
    assert units["ML"].level == "admin0"


def test_each_of_the_fifty_cercles_has_one_seat() -> None:
    cercles = sorted(u.pcode for u in demo_units() if u.level == "admin2")
    seats = sorted(t.admin2_pcode for t in towns() if t.seat)
    assert seats == cercles
    assert len(cercles) == 50 and "ML0704" in cercles and "ML0901" in cercles


def test_every_town_lies_in_its_own_cercle() -> None:
    placer = DemoPlacer(demo_units())
    found = placer.admin2_pcodes(
        np.array([t.latitude for t in towns()]), np.array([t.longitude for t in towns()])
    )
    assert found == [t.admin2_pcode for t in towns()]


def test_every_event_is_inside_the_outline_and_placed(events: pd.DataFrame) -> None:
    inside = shapely.contains_xy(mali_outline(), events["longitude"], events["latitude"])
    assert inside.all()
    assert (events["placement"] == "point").all()
    assert events["admin2_pcode"].notna().all()
    assert (events["admin1_pcode"] == events["admin2_pcode"].str.slice(0, 4)).all()
    expected_gid = priogrid_gid(events["latitude"], events["longitude"])
    assert (events["priogrid_gid"].to_numpy(dtype="float64") == expected_gid).all()


def test_admin_names_agree_with_the_placed_units(events: pd.DataFrame) -> None:
    names = {u.pcode: u.name_fr for u in demo_units()}
    assert (events["admin2"] == events["admin2_pcode"].map(names)).all()
    assert (events["admin1"] == events["admin1_pcode"].map(names)).all()
    assert set(events["location"]) <= {t.name_fr for t in towns()}


# --- vocabulary --------------------------------------------------------------------------------


def test_event_types_and_actors_follow_the_vocabulary(events: pd.DataFrame) -> None:
    pairs = set(zip(events["event_type"], events["sub_event_type"], strict=True))
    assert pairs <= set(sub_event_types())
    assert set(events["event_type"]) <= set(event_types())
    vocabulary = sub_event_types()
    disorder = [
        vocabulary[p].disorder_type
        for p in zip(events["event_type"], events["sub_event_type"], strict=True)
    ]
    assert list(events["disorder_type"]) == disorder
    codes = set(inter_codes())
    assert set(events["inter1"]) <= codes
    assert set(events["inter2"].dropna()) <= codes


def test_interaction_combines_the_inter_codes(events: pd.DataFrame) -> None:
    inter1 = events["inter1"].astype(int)
    inter2 = events["inter2"].fillna(0).astype(int)
    low, high = np.minimum(inter1, inter2), np.maximum(inter1, inter2)
    expected = np.where(inter2 == 0, 10 * inter1, 10 * low + high)
    assert (events["interaction"].astype(int).to_numpy() == expected).all()


def test_violence_against_civilians_is_civilian_targeting(events: pd.DataFrame) -> None:
    vac = events["event_type"] == VAC
    assert events.loc[vac, "civilian_targeting"].all()
    targeting = events["civilian_targeting"].fillna(False).astype(bool)
    assert (events.loc[targeting, "inter2"] == 7).all()
    explosions = events["event_type"] == "Explosions/Remote violence"
    assert events.loc[explosions, "civilian_targeting"].any()


def test_fields_are_filled_as_in_an_acled_export(events: pd.DataFrame) -> None:
    for column in (
        "disorder_type",
        "actor1",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "sources",
        "source_scale",
        "notes",
        "tags",
    ):
        assert events[column].notna().all(), column
    assert set(events["geo_precision"]) <= {1, 2, 3}
    assert events["geo_precision"].isin([1, 2]).mean() > 0.9
    assert set(events["time_precision"]) <= {1, 2, 3}
    assert (events["fatalities_low"] <= events["fatalities"]).all()
    assert (events["fatalities"] <= events["fatalities_high"]).all()
    assert events["source_timestamp"].notna().all()


def test_actor_names_follow_the_history_of_the_groups(events: pd.DataFrame) -> None:
    day = events["event_date"].dt.date
    jnim = (events["actor1"] == JNIM) | (events["actor2"] == JNIM)
    assert jnim.any()
    assert (day[jnim] >= JNIM_CREATED).all()
    ansar_dine = events["actor1"] == "Ansar Dine"
    assert ansar_dine.any() and (day[ansar_dine] < JNIM_CREATED).all()


# --- realism -----------------------------------------------------------------------------------


def test_centre_and_north_have_far_more_violence_against_civilians(
    events: pd.DataFrame,
) -> None:
    vac = events[events["event_type"] == VAC]
    north = vac["admin1_pcode"].isin(CENTRE_AND_NORTH).sum()
    south = vac["admin1_pcode"].isin(SOUTH).sum()
    assert north >= 10 * max(south, 1)
    assert events["admin1_pcode"].isin(SOUTH).sum() > 0  # quiet, not empty


def test_intercommunal_violence_concentrates_in_bankass_koro_bandiagara(
    events: pd.DataFrame,
) -> None:
    militia_vac = events[(events["event_type"] == VAC) & (events["inter1"] == 4)]
    assert len(militia_vac) > 100
    share = militia_vac["admin2_pcode"].isin(["ML0501", "ML0502", "ML0505"]).mean()
    assert share > 0.4
    assert (militia_vac["admin1_pcode"] == "ML05").mean() > 0.6


def test_monthly_counts_per_cercle_are_overdispersed(events: pd.DataFrame) -> None:
    month = events["event_date"].dt.to_period("M")
    counts = (
        events.assign(month=month)
        .groupby(["admin2_pcode", "month"], observed=True)
        .size()
        .unstack(fill_value=0)
        .reindex(columns=pd.period_range("2016-01", "2018-12", freq="M"), fill_value=0)
    )
    busy = counts[counts.sum(axis=1) >= 36]
    ratio = busy.var(axis=1) / busy.mean(axis=1)
    assert len(busy) >= 10
    assert ratio.median() > 1.5  # a homogeneous Poisson process would give about 1


def test_events_are_closer_to_each_other_than_uniform_points(events: pd.DataFrame) -> None:
    scattered = events[events["geo_precision"] == 2]
    points = scattered[["longitude", "latitude"]].to_numpy()
    observed = np.median(cKDTree(points).query(points, k=2)[0][:, 1])
    rng = np.random.default_rng(0)
    outline = mali_outline()
    west, south, east, north = outline.bounds
    uniform = rng.uniform([west, south], [east, north], size=(20 * len(points), 2))
    uniform = uniform[shapely.contains_xy(outline, uniform[:, 0], uniform[:, 1])][: len(points)]
    expected = np.median(cKDTree(uniform).query(uniform, k=2)[0][:, 1])
    assert observed < 0.5 * expected


def test_fatalities_are_overdispersed_with_rare_massacres(events: pd.DataFrame) -> None:
    deaths = events["fatalities"].astype(int)
    assert (deaths == 0).mean() > 0.4
    assert deaths.var() > 5 * deaths.mean()
    assert deaths.max() >= 30


def test_attacks_on_minusma_happen_near_its_active_sites(
    scenario: Scenario, events: pd.DataFrame
) -> None:
    attacks = events[events["actor2"] == MINUSMA]
    assert len(attacks) > 50
    distance, _ = nearest_active_site(
        tuple(scenario.deployments),
        attacks["event_date"].to_numpy().astype("datetime64[D]"),
        attacks["latitude"].to_numpy(dtype="float64"),
        attacks["longitude"].to_numpy(dtype="float64"),
    )
    assert (distance <= 1.6).all()


def test_ieds_lie_on_roads(events: pd.DataFrame) -> None:
    def median_distance(frame: pd.DataFrame) -> float:
        points = shapely.points(frame["longitude"], frame["latitude"])
        return float(np.median(shapely.distance(points, roads())))

    ied = events["sub_event_type"] == "Remote explosive/landmine/IED"
    battles = events["event_type"] == "Battles"
    assert median_distance(events[ied]) < 0.05  # about 5 km
    assert median_distance(events[ied]) < 0.5 * median_distance(events[battles])


# --- deployments -------------------------------------------------------------------------------


def test_deployments_are_minusma_sites_in_mali(scenario: Scenario) -> None:
    sites = scenario.deployments
    assert len(sites) >= 12
    assert {d.kind for d in sites} <= set(deployment_kinds())
    assert all(d.mission == "MINUSMA" and d.source == "demo" for d in sites)
    assert all(d.troops and d.troops > 0 for d in sites)
    lon = np.array([d.longitude for d in sites])
    lat = np.array([d.latitude for d in sites])
    assert shapely.contains_xy(mali_outline(), lon, lat).all()
    region = dict(
        zip(
            [d.name for d in sites],
            [p[:4] if p else None for p in DemoPlacer(scenario.units).admin2_pcodes(lat, lon)],
            strict=True,
        )
    )
    assert region["Kidal"] == "ML08" and region["Bamako"] == "ML09"
    assert region["Ménaka"] == "ML07" and region["Tombouctou"] == "ML06"
    headquarters = [d for d in sites if d.kind == "headquarters" and d.name == "Bamako"]
    assert headquarters and headquarters[0].active_on(dt.date(2017, 6, 1))


# --- labels ------------------------------------------------------------------------------------


def test_scenario_says_it_is_fictional_in_french_and_english(scenario: Scenario) -> None:
    assert "fictif" in scenario.label and "Fictional" in scenario.label
    assert LABEL_FR in scenario.label and LABEL_EN in scenario.label
    frame = scenario.events.frame
    assert frame["notes"].str.contains("FICTIONAL", regex=False).all()
    assert (frame["source"] == "demo").all()
    assert (frame["vintage"] == "demo-2013").all()
    assert frame["source_id"].is_unique
    assert all(re.fullmatch(r"DEMO-\d{6}", s) for s in frame["source_id"])
