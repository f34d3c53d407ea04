"""The overview page (``/``) and its API (``/api/v1/overview``, ``/api/v1/places``).

Expected numbers are computed independently of the code under test: from the stored events read
into pandas (:func:`sentinelle.store.events.load_events`) and filtered here with pandas, or with
plain SQL. Every test runs on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import text

from sentinelle.domain.access import ROLES, allowed
from sentinelle.domain.vocabulary import VAC, event_types
from sentinelle.store import events as event_store
from sentinelle.store import places
from sentinelle.store.database import Store

COLUMNS = (
    "event_date",
    "event_type",
    "fatalities",
    "civilian_targeting",
    "admin1_pcode",
    "admin2_pcode",
    "actor1",
    "actor2",
    "assoc_actor_1",
    "assoc_actor_2",
)
Client = Callable[[str], TestClient]


# --- independent expectations ----------------------------------------------------------------


def stored_events(store: Store) -> pd.DataFrame:
    with store.reading() as connection:
        return event_store.load_events(connection, columns=COLUMNS)


def select_events(frame: pd.DataFrame, **filters: Any) -> pd.DataFrame:
    """The events the filters keep, filtered with pandas."""
    keep = pd.Series(True, index=frame.index)
    if filters.get("start"):
        keep &= frame["event_date"] >= pd.Timestamp(filters["start"] + "-01")
    if filters.get("end"):
        keep &= frame["event_date"] < pd.Period(filters["end"], "M").end_time.normalize() + (
            pd.Timedelta(days=1)
        )
    if filters.get("region"):
        keep &= frame["admin1_pcode"].fillna("") == filters["region"]
    if filters.get("cercle"):
        keep &= frame["admin2_pcode"].fillna("") == filters["cercle"]
    if filters.get("event_type"):
        keep &= frame["event_type"].isin([filters["event_type"]]).fillna(False)
    if filters.get("actor"):
        word = filters["actor"].lower()
        hit = pd.Series(False, index=frame.index)
        for column in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"):
            hit |= frame[column].fillna("").str.lower().str.contains(word, regex=False)
        keep &= hit
    return frame[keep.astype(bool)]


def metric_values(frame: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "events":
        return pd.Series(1, index=frame.index)
    if metric == "vac":
        vac = (frame["event_type"] == VAC).fillna(False) | frame["civilian_targeting"].fillna(False)
        return vac.astype(int)
    return frame["fatalities"].fillna(0).astype(int)


def expected_by_unit(frame: pd.DataFrame, metric: str, level: str) -> dict[str, int]:
    column = "admin1_pcode" if level == "admin1" else "admin2_pcode"
    values = metric_values(frame, metric)
    sums = values.groupby(frame[column].astype(object)).sum()
    return {str(k): int(v) for k, v in sums.items() if int(v)}


def expected_by_month_type(frame: pd.DataFrame, metric: str) -> dict[tuple[str, str], int]:
    values = metric_values(frame, metric)
    months = frame["event_date"].dt.strftime("%Y-%m")
    sums = values.groupby([months, frame["event_type"].astype(object)]).sum()
    return {(str(m), str(t)): int(v) for (m, t), v in sums.items() if int(v)}


def overview_json(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/overview", params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def figures_of(page: str) -> dict[str, dict[str, Any]]:
    """The figures of a page, by element id."""
    found = {}
    for match in re.finditer(r"<div id=\"([\w-]+)\"[^>]*?data-figure='([^']*)'", page, re.S):
        found[match.group(1)] = json.loads(html.unescape(match.group(2)))
    return found


def headline(page: str) -> dict[str, int]:
    return {
        key: int(value) for key, value in re.findall(r'data-total="(\w+)" data-value="(\d+)"', page)
    }


# --- the page --------------------------------------------------------------------------------


def test_every_role_that_may_see_events_gets_the_page_with_the_stored_totals(
    client_as: Client, demo_store: Store
) -> None:
    with demo_store.reading() as connection:
        count = connection.execute(text("SELECT count(*) FROM events")).scalar()
        dead = connection.execute(text("SELECT sum(fatalities) FROM events")).scalar()
    assert any(allowed(role, "view_events") for role in ROLES)
    for role in ROLES:
        response = client_as(role).get("/")
        if not allowed(role, "view_events"):
            assert response.status_code == 403, role
            continue
        assert response.status_code == 200, (role, response.text[:300])
        numbers = headline(response.text)
        assert numbers["events"] == count and numbers["fatalities"] == dead
        assert 'id="overview-map"' in response.text and 'id="overview-series"' in response.text
        assert '<script src="/assets/plotly.min.js" defer></script>' in response.text
        assert '<script src="/static/overview.js" defer></script>' in response.text
        assert client_as(role).get("/api/v1/overview").json()["totals"]["events"] == count


def test_anonymous_visitors_are_sent_to_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/?region=ML05", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/")
    assert app_client.get("/api/v1/overview").status_code == 401
    assert app_client.get("/api/v1/places").status_code == 401


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"region": "ML05"},
        {"start": "2017-03", "end": "2017-08"},
        {"event_type": "Battles"},
        {"actor": "jnim"},
        {"region": "ML07", "start": "2018-01", "event_type": VAC, "actor": "Islamic State"},
        {"cercle": "ML0505"},
    ],
    ids=["all", "region", "period", "event-type", "actor", "combined", "cercle"],
)
def test_page_numbers_follow_the_filters(
    client_as: Client, demo_store: Store, filters: dict[str, str]
) -> None:
    frame = stored_events(demo_store)
    chosen = select_events(frame, **filters)
    assert 0 < len(chosen) <= len(frame)
    if filters:
        assert len(chosen) < len(frame)  # the filter does restrict the demo events
    client = client_as("viewer")
    page = client.get("/", params={**filters, "metric": "vac", "level": "admin2"}).text
    numbers = headline(page)
    vac = metric_values(chosen, "vac")
    assert numbers["events"] == len(chosen)
    assert numbers["vac_events"] == int(vac.sum())
    assert numbers["fatalities"] == int(chosen["fatalities"].fillna(0).sum())
    assert numbers["vac_fatalities"] == int(chosen["fatalities"].fillna(0)[vac == 1].sum())
    assert numbers["regions"] == chosen["admin1_pcode"].nunique()
    assert numbers["cercles"] == chosen["admin2_pcode"].nunique()
    ranked = dict(re.findall(r'<tr data-pcode="(\w+)">.*?data-value="(\d+)"', page, re.S))
    expected = expected_by_unit(chosen, "vac", "admin2")
    top = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert {k: int(v) for k, v in ranked.items()} == dict(top)
    figure = figures_of(page)["overview-map"]
    coloured = figure["data"][-1]
    assert dict(zip(coloured["locations"], coloured["z"], strict=True)) == {
        pcode: expected.get(pcode, 0) for pcode in coloured["locations"]
    }


def test_the_map_is_a_choroplethmap_of_our_own_units_and_nothing_is_fetched_from_elsewhere(
    client_as: Client, demo_store: Store
) -> None:
    with demo_store.reading() as connection:
        regions = {u.pcode: u for u in places.load_units(connection, "admin1")}
        cercles = {u.pcode: u for u in places.load_units(connection, "admin2")}
    client = client_as("analyst")
    page = client.get("/").text
    figure = figures_of(page)["overview-map"]
    assert [t["type"] for t in figure["data"]] == ["choroplethmap"]
    trace = figure["data"][0]
    assert trace["featureidkey"] == "properties.pcode"
    features = trace["geojson"]["features"]
    assert sorted(f["properties"]["pcode"] for f in features) == sorted(regions)
    assert sorted(trace["locations"]) == sorted(regions)
    for feature in features:  # our stored shapes, only simplified for the browser
        stored = regions[feature["properties"]["pcode"]].geometry
        assert stored is not None
        assert shape(feature["geometry"]).hausdorff_distance(stored) < 0.02
    assert figure["layout"]["map"]["style"] == "white-bg"
    assert "geo" not in figure["layout"] and "mapbox" not in figure["layout"]
    for text_ in (page, json.dumps(figure)):
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text_, re.I), re.search(
            r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text_, re.I
        )
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "?", "#")), url

    # a region chosen: its cercles coloured, the other cercles grey and outside the selection
    page = client.get("/", params={"region": "ML05", "level": "admin2"}).text
    outside, inside = figures_of(page)["overview-map"]["data"]
    mopti = {p for p, u in cercles.items() if u.parent_pcode == "ML05"}
    assert set(inside["locations"]) == mopti
    assert set(outside["locations"]) == set(cercles) - mopti
    assert {c[1] for c in inside["customdata"]} == {"ML05"}  # parent, for the click filter
    assert 'data-click-filter="admin2"' in page


def test_the_series_has_every_month_of_the_period_with_zeros(
    client_as: Client, demo_store: Store
) -> None:
    frame = stored_events(demo_store)
    client = client_as("viewer")
    found = overview_json(client, event_type="Riots", start="2015-11", end="2016-12")
    months = found["series"]["months"]
    assert months == [str(p) for p in pd.period_range("2015-11", "2016-12", freq="M")]
    (riots,) = found["series"]["types"]
    assert riots["event_type"] == "Riots" and riots["label_fr"] == "Émeutes"
    chosen = select_events(frame, event_type="Riots", start="2015-11", end="2016-12")
    expected = chosen["event_date"].dt.strftime("%Y-%m").value_counts()
    assert riots["values"] == [int(expected.get(m, 0)) for m in months]
    assert riots["values"][:2] == [0, 0] and 0 in riots["values"][2:]  # explicit zero months
    figure = figures_of(
        client.get("/", params={"event_type": "Riots", "start": "2015-11", "end": "2016-12"}).text
    )["overview-series"]
    (bars,) = figure["data"]
    assert bars["type"] == "bar" and bars["y"] == riots["values"]


def test_languages_switch_labels_and_number_formats(client_as: Client, demo_store: Store) -> None:
    client = client_as("adviser")
    total = len(stored_events(demo_store))
    english = client.get("/", params={"lang": "en"}).text
    french = html.unescape(client.get("/", params={"lang": "fr"}).text)
    assert "<h1>Overview</h1>" in english and "<h1>Vue d'ensemble</h1>" in french
    assert "Events by region" in english and "Événements par région" in french
    names_en = {t["name"] for t in figures_of(english)["overview-series"]["data"]}
    names_fr = {t["name"] for t in figures_of(french)["overview-series"]["data"]}
    assert "Battles" in names_en and "Violence against civilians" in names_en
    assert "Batailles" in names_fr and "Violence contre les civils" in names_fr
    assert names_en.isdisjoint(names_fr)
    assert f">{total:,}<" in english  # 2,946
    assert f">{total:,}<".replace(",", "\u202f") in french  # 2 946 (narrow no-break space)
    assert figures_of(french)["overview-map"]["layout"]["separators"] == ", "
    hover = figures_of(french)["overview-map"]["data"][0]["hovertemplate"]
    assert "Événements" in hover and "%{customdata[3]}" in hover


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["events", "vac", "fatalities"])
@pytest.mark.parametrize("level", ["admin1", "admin2"])
def test_api_numbers_equal_independent_counts(
    client_as: Client, demo_store: Store, metric: str, level: str
) -> None:
    frame = stored_events(demo_store)
    filters = {"start": "2016-06", "end": "2018-03"}
    chosen = select_events(frame, **filters)
    found = overview_json(client_as("viewer"), metric=metric, level=level, **filters)
    assert found["metric"] == metric and found["level"] == level
    values = {u["pcode"]: u["value"] for u in found["units"]}
    with demo_store.reading() as connection:
        stored = {u.pcode for u in places.load_units(connection, level)}
    assert set(values) == stored  # every unit, zeros included
    assert {k: v for k, v in values.items() if v} == expected_by_unit(chosen, metric, level)
    column = "admin1_pcode" if level == "admin1" else "admin2_pcode"
    assert found["unplaced"] == int(metric_values(chosen, metric)[chosen[column].isna()].sum())
    series = {
        (month, kind["event_type"]): value
        for kind in found["series"]["types"]
        for month, value in zip(found["series"]["months"], kind["values"], strict=True)
        if value
    }
    assert series == expected_by_month_type(chosen, metric)
    totals = found["totals"]
    assert totals["events"] == len(chosen)
    assert totals["first_date"] == str(chosen["event_date"].min().date())
    assert totals["last_date"] == str(chosen["event_date"].max().date())
    assert found["definition_en"] and found["definition_fr"]
    assert found["filters"]["start"] == "2016-06" and found["filters"]["event_type"] == []


def test_api_filters_restrict_units_and_numbers(client_as: Client, demo_store: Store) -> None:
    frame = stored_events(demo_store)
    client = client_as("viewer")
    found = overview_json(client, region="ML05", level="admin2", actor="Dan Na")
    with demo_store.reading() as connection:
        mopti = {
            u.pcode for u in places.load_units(connection, "admin2") if u.parent_pcode == "ML05"
        }
    assert {u["pcode"] for u in found["units"]} == mopti
    chosen = select_events(frame, region="ML05", actor="Dan Na")
    assert found["totals"]["events"] == len(chosen) > 0
    assert {u["pcode"]: u["value"] for u in found["units"] if u["value"]} == expected_by_unit(
        chosen, "events", "admin2"
    )
    # a cercle at the region level: only its region is in view
    found = overview_json(client, cercle="ML0505", level="admin1")
    assert [u["pcode"] for u in found["units"]] == ["ML05"]
    assert found["units"][0]["value"] == len(select_events(frame, cercle="ML0505"))


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/api/v1/overview", {"metric": "deaths"}, "metric"),
        ("/api/v1/overview", {"level": "admin3"}, "level"),
        ("/api/v1/overview", {"level": "priogrid"}, "level"),
        ("/api/v1/overview", {"start": "2016-13"}, "not a month"),
        ("/api/v1/overview", {"start": "2017-05", "end": "2017-01"}, "ends before it starts"),
        ("/api/v1/overview", {"region": "ML99"}, "unknown region"),
        ("/api/v1/overview", {"region": "ML0505"}, "not a region"),
        ("/api/v1/overview", {"cercle": "ML05"}, "not a cercle"),
        ("/api/v1/overview", {"region": "ML05", "cercle": "ML0101"}, "not in the region"),
        ("/api/v1/overview", {"event_type": "Massacres"}, "unknown event type"),
        ("/api/v1/overview", {"start": "0001-01", "end": "2018-12"}, "at most"),
        ("/api/v1/overview", {"region": "x" * 30}, "region"),
        ("/api/v1/places", {"level": "admin3"}, "level"),
        ("/api/v1/places", {"tolerance": "-1"}, "tolerance"),
        ("/api/v1/places", {"tolerance": "nan"}, "finite"),
        ("/api/v1/places", {"tolerance": "0.5"}, "tolerance"),
        ("/", {"metric": "deaths"}, "metric"),
        ("/", {"region": "ML99"}, "unknown region"),
        ("/", {"start": "2016-13"}, "not a month"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(
    client_as: Client, path: str, params: dict[str, str], words: str
) -> None:
    response = client_as("viewer").get(path, params=params)
    assert response.status_code == 422, response.text[:300]
    assert words in html.unescape(response.text)


def test_places_api_gives_our_units_as_geojson(client_as: Client, demo_store: Store) -> None:
    client = client_as("viewer")
    with demo_store.reading() as connection:
        counts = places.count_units(connection)
    for level in ("admin1", "admin2"):
        response = client.get("/api/v1/places", params={"level": level})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/geo+json")
        collection = response.json()
        assert collection["type"] == "FeatureCollection"
        assert len(collection["features"]) == counts[level]
        first = collection["features"][0]
        assert set(first["properties"]) == {"pcode", "name_fr", "name_en", "parent", "approximate"}
        assert all(shapely.is_valid(shape(f["geometry"])) for f in collection["features"])
    whole = client.get("/api/v1/places", params={"level": "admin2", "tolerance": 0}).content
    coarse = client.get("/api/v1/places", params={"level": "admin2", "tolerance": 0.05}).content
    assert len(coarse) < len(whole)


def test_openapi_documents_the_overview_and_places(app_client: TestClient) -> None:
    spec = app_client.get("/api/v1/openapi.json").json()
    overview = spec["paths"]["/api/v1/overview"]["get"]
    names = {p["name"] for p in overview["parameters"]}
    assert {"metric", "level", "start", "end", "region", "cercle", "event_type", "actor"} <= names
    assert "OverviewOut" in spec["components"]["schemas"]
    assert "PlacesOut" in spec["components"]["schemas"]
    assert set(event_types()) >= {"Battles", VAC}


def test_every_message_key_of_the_page_exists_in_both_languages() -> None:
    from sentinelle.explore.overview import MAP_LEVELS, METRICS
    from sentinelle.web import i18n
    from sentinelle.web.pages.overview import KEYS

    for mapping, expected in [
        (KEYS.metric, METRICS),
        (KEYS.definition, METRICS),
        (KEYS.level, MAP_LEVELS),
        (KEYS.map_title, MAP_LEVELS),
        (KEYS.map_hint, MAP_LEVELS),
        (KEYS.unplaced, MAP_LEVELS),
    ]:
        assert set(mapping) == set(expected)
    for key in [k for field in vars(KEYS).values() for k in field.values()]:
        english, french = i18n.catalogue()[key]
        assert english.strip() and french.strip(), key
