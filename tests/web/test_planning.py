"""The planning pages and API: the posture map, the alignment over time and the optimiser — on
SQLite and PostgreSQL, as viewer and analyst. Every number checked is computed again by the
planning engine from the same store (nothing hard-coded), so a page that drifted from the engine
fails."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sentinelle.forecast.data import haversine_km
from sentinelle.planning.alignment import align, yearly_alignment
from sentinelle.planning.plan import RAINY_REACH_FACTOR, load_risk, plan, posture_coverage
from sentinelle.planning.posture import load_posture
from sentinelle.planning.reach import load_areas
from sentinelle.store.database import Store
from sentinelle.store.deployments import load_deployments
from sentinelle.store.schema import events
from sentinelle.web.pages.planning import circle
from tests.web.conftest import csrf_of

Client = Callable[[str], TestClient]


def default_month(store: Store) -> pd.Period:
    """The month the pages open on, worked out here from the store: the latest month with
    deployments, not after the last month with events."""
    with store.reading() as connection:
        records = load_deployments(connection)
        newest = connection.execute(select(func.max(events.c.event_date))).scalar_one()
    first = pd.Period(min(r.start for r in records), freq="M")
    last = pd.Period(max(r.end or dt.date.today() for r in records), freq="M")
    events_month = pd.Period(newest, freq="M")
    return events_month if first <= events_month < last else last


def figure_of(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf'id="{element_id}"[^>]*data-figure=\'([^\']*)\'', html, re.S)
    assert found, f"no figure {element_id}"
    figure: dict[str, Any] = json.loads(unescape(found.group(1)))
    return figure


def attribute(html: str, element_id: str, name: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*?\b{name}="([^"]*)"', html, re.S)
    assert found, f"no {name} on #{element_id}"
    return unescape(found.group(1))


def table_rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr\b[^>]*>.*?</tr>", body.split("<tbody>", 1)[1], re.S)


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'id="error-{name}"[^>]*>([^<]*)<', html)
    return unescape(found.group(1)) if found else None


def post_plan(client: TestClient, lang: str = "en", **fields: Any) -> Any:
    data: dict[str, Any] = {"csrf_token": csrf_of(client)}
    data.update(fields)
    return client.post(f"/planning/optimise?lang={lang}", data=data)


# --- the posture map -------------------------------------------------------------------------


def test_the_pages_render_for_a_viewer(demo_store: Store, client_as: Client) -> None:
    viewer = client_as("viewer")
    month = default_month(demo_store)
    page = viewer.get("/planning?lang=en")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'href="/planning"' in html  # the navigation entry
    assert attribute(html, "posture-summary", "data-month") == str(month)
    with demo_store.reading() as connection:
        areas = load_areas(connection, "en")
        posture = load_posture(connection, month.start_time.date(), month.end_time.date(), 0.8)
        risk, _ = load_risk(connection, areas, "events", month, 12)
    expected = align(posture, areas, risk, 50.0)
    assert int(attribute(html, "posture-summary", "data-sites")) == len(posture.sites) > 0
    assert math.isclose(
        float(attribute(html, "posture-summary", "data-share")), expected.share_within_reach
    )
    out = re.findall(r'<li data-unit="(\w+)">', html.split('id="out-of-reach"', 1)[1])
    assert out == [areas.codes[i] for i in expected.out_of_reach]
    assert len(table_rows(html, "posture-sites")) == len(posture.sites)

    figure = figure_of(html, "posture-map")
    types = [trace["type"] for trace in figure["data"]]
    assert "choropleth" not in types and "choroplethmap" in types
    assert figure["layout"]["map"]["style"] == "white-bg"
    sites = next(t for t in figure["data"] if t["type"] == "scattermap" and t["mode"] == "markers")
    assert sorted(zip(sites["lon"], sites["lat"], strict=True)) == sorted(
        (s.longitude, s.latitude) for s in posture.sites
    )
    troops = {round(s.troops) for s in posture.sites}
    hovered = {int(c[1].split(": ")[1].replace(",", "")) for c in sites["customdata"]}
    assert hovered == troops
    lines = next(t for t in figure["data"] if t["type"] == "scattermap" and t["mode"] == "lines")
    assert lines["lon"].count(None) == len(posture.sites)  # one circle per site

    # in French by default, and the other two pages
    assert "Carte du dispositif" in viewer.get("/planning?lang=fr").text
    assert viewer.get("/planning/alignment").status_code == 200
    form = viewer.get("/planning/optimise")
    assert form.status_code == 200
    assert 'id="optimise-cannot-run"' in form.text and 'id="optimise-run"' not in form.text
    assert 'id="plan-result"' not in form.text


def test_the_reach_circle_lies_at_the_reach() -> None:
    lons, lats = circle(-4.09, 14.53, 50.0)
    distances = haversine_km(-4.09, 14.53, np.array(lons), np.array(lats))
    assert len(lons) == 73 and (lons[0], lats[0]) == (lons[-1], lats[-1])
    assert np.allclose(distances, 50.0, atol=0.01)


def test_bad_posture_parameters_are_shown_beside_their_fields(client_as: Client) -> None:
    viewer = client_as("viewer")
    page = viewer.get(
        "/planning?lang=en&month=2018-13&reach_km=-5&force_protection=1,2&risk=deaths"
    )
    assert page.status_code == 422
    assert "“2018-13” is not a month" in (field_error(page.text, "month") or "")
    assert "above 0 and at most 1000 km, not -5" in (field_error(page.text, "reach_km") or "")
    assert "not 1,2" in (field_error(page.text, "force_protection") or "")
    assert "events, fatalities" in (field_error(page.text, "risk") or "")
    assert 'value="2018-13"' in page.text  # what was typed is kept
    french = viewer.get("/planning?lang=fr&reach_km=abc")
    assert french.status_code == 422
    assert field_error(french.text, "reach_km") == "« abc » n'est pas un nombre."
    # a decimal comma is a number
    assert viewer.get("/planning?lang=fr&force_protection=0,75").status_code == 200
    years = viewer.get("/planning/alignment?lang=en&years=2019:2014")
    assert years.status_code == 422 and "“2019:2014”" in (field_error(years.text, "years") or "")


# --- alignment over time ---------------------------------------------------------------------


def test_alignment_page_and_csv_agree_with_the_engine(demo_store: Store, client_as: Client) -> None:
    viewer = client_as("viewer")
    page = viewer.get("/planning/alignment?lang=en&years=2016:2018&reach_km=60&risk=fatalities")
    assert page.status_code == 200, page.text
    with demo_store.reading() as connection:
        expected = yearly_alignment(
            connection, [2016, 2017, 2018], reach_km=60, risk="fatalities", language="en"
        )
    rows = table_rows(page.text, "alignment-table")
    assert [int(re.search(r'data-year="(\d+)"', r).group(1)) for r in rows] == [2016, 2017, 2018]  # type: ignore[union-attr]
    shares = figure_of(page.text, "alignment-shares")
    events_trace, deaths_trace = shares["data"]
    assert events_trace["x"] == [2016, 2017, 2018]
    assert np.allclose(
        np.array(events_trace["y"], dtype=float),
        expected["vac_events_within_reach"].to_numpy(dtype=float),
        equal_nan=True,
    )
    assert np.allclose(
        np.array(deaths_trace["y"], dtype=float),
        expected["vac_fatalities_within_reach"].to_numpy(dtype=float),
        equal_nan=True,
    )
    ranks = figure_of(page.text, "alignment-ranks")["data"][0]["y"]
    assert np.allclose(
        np.array(ranks, dtype=float), expected["rank_correlation"].to_numpy(float), equal_nan=True
    )

    link = unescape(attribute(page.text, "alignment-csv", "href"))
    download = viewer.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.startswith("# Sentinelle: alignment")
    table = pd.read_csv(io.StringIO(download.text), comment="#", keep_default_na=False)
    assert list(table.columns) == list(expected.columns)
    assert table["year"].tolist() == [2016, 2017, 2018]
    assert table["sites"].tolist() == expected["sites"].tolist()
    assert np.allclose(table["troops"], expected["troops"])
    assert table["high_risk_out_of_reach"].tolist() == expected["high_risk_out_of_reach"].tolist()
    shares_csv = pd.to_numeric(table["vac_events_within_reach"].replace("", np.nan))
    assert np.allclose(shares_csv, expected["vac_events_within_reach"], equal_nan=True)

    api = viewer.get("/api/v1/planning/alignment?years=2016:2018&reach_km=60&risk=fatalities")
    assert api.status_code == 200
    body = api.json()
    assert body["years"] == "2016:2018" and len(body["rows"]) == 3
    for row, (_, want) in zip(body["rows"], expected.iterrows(), strict=True):
        assert row["areas_reached"] == want["areas_reached"]
        assert row["vac_fatalities"] == want["vac_fatalities"]
        assert "; ".join(row["high_risk_out_of_reach"]) == want["high_risk_out_of_reach"]


# --- the optimiser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "engine"),
    [
        (
            {"units": "6", "temporary_bases": "2"},
            {"units": 6, "temporary_bases": 2},
        ),
        (
            {"units": "5", "temporary_bases": "1", "rainy": "1", "hold_back": "0,2"},
            {
                "units": 5,
                "temporary_bases": 1,
                "reach_factor": RAINY_REACH_FACTOR,
                "hold_back": 0.2,
            },
        ),
        ({}, {}),  # K derived from the deployable troops
    ],
)
def test_the_optimiser_shows_the_engines_plan(
    demo_store: Store, client_as: Client, fields: dict[str, str], engine: dict[str, Any]
) -> None:
    month = default_month(demo_store)
    analyst = client_as("analyst")
    with demo_store.reading() as connection:
        sites = load_posture(connection, month.start_time.date(), month.end_time.date())
        closed = sorted(s.name for s in sites.sites)[0]
        expected = plan(connection, month, close=[closed], language="en", **engine)
    page = post_plan(analyst, lang="en", month=str(month), close=closed, **fields)
    assert page.status_code == 200, page.text
    html = page.text
    units = expected.units()
    assert int(attribute(html, "plan-result", "data-units")) == len(units)
    assert (
        int(attribute(html, "plan-result", "data-units-available")) == expected.named.problem.units
    )
    assert float(attribute(html, "plan-result", "data-covered")) == expected.plan.objective
    assert float(attribute(html, "plan-result", "data-total")) == expected.plan.total_risk
    assert attribute(html, "plan-result", "data-status") == expected.plan.status
    rows = table_rows(html, "plan-units")
    assert [unescape(re.search(r'data-site="([^"]*)"', r).group(1)) for r in rows] == [  # type: ignore[union-attr]
        u.site for u in units
    ]
    assert all(closed not in unescape(r.split("</td>", 2)[1]) for r in rows)
    base = posture_coverage(expected.named)
    assert f"{base:,.0f} (" in unescape(html.split('id="result-posture"', 1)[1][:80])

    figure = figure_of(html, "plan-map")
    assert figure["layout"]["map"]["style"] == "white-bg"
    names = [t.get("name") for t in figure["data"]]
    temporary = [u for u in units if u.temporary]
    assert ("Units at temporary bases" in names) == bool(temporary)
    # the selection and the typed values come back
    assert re.search(rf'<option value="{re.escape(closed)}" selected>', html)


def test_the_optimiser_is_for_roles_that_may_run_plans(
    client_as: Client, demo_store: Store
) -> None:
    viewer = client_as("viewer")
    refused = post_plan(viewer, units="3")
    assert refused.status_code == 403
    api = viewer.post(
        "/api/v1/planning/optimise", json={"units": 3}, headers={"X-CSRF-Token": csrf_of(viewer)}
    )
    assert api.status_code == 403
    adviser = client_as("adviser")
    form = adviser.get("/planning/optimise")
    assert 'id="optimise-run"' in form.text and 'id="optimise-cannot-run"' not in form.text
    # a session's form without its CSRF token is refused
    assert adviser.post("/planning/optimise", data={"units": "3"}).status_code == 403


def test_bad_optimiser_inputs_are_shown_beside_their_fields(
    demo_store: Store, client_as: Client
) -> None:
    analyst = client_as("analyst")
    month = str(default_month(demo_store))
    page = post_plan(
        analyst,
        lang="en",
        month="2018-13",
        reach_km="0",
        force_protection="0.8x",
        units="2.5",
        unit_size="-1",
        period_months="200",
        hold_back="1.5",
        risk="rumours",
    )
    assert page.status_code == 422
    html = page.text
    assert 'id="plan-result"' not in html and 'id="optimise-errors"' in html
    assert "“2018-13” is not a month" in (field_error(html, "month") or "")
    assert "not 0" in (field_error(html, "reach_km") or "")
    assert field_error(html, "force_protection") == "“0.8x” is not a number."
    assert field_error(html, "units") == "“2.5” is not a whole number."
    assert "above 0" in (field_error(html, "unit_size") or "")
    assert field_error(html, "period_months") == "Must be from 1 to 120, not 200."
    assert "from 0 to 1, not 1.5" in (field_error(html, "hold_back") or "")
    assert "events, fatalities, forecast" in (field_error(html, "risk") or "")
    assert 'value="0.8x"' in html

    unknown = post_plan(analyst, lang="en", month=month, close="Atlantis")
    assert unknown.status_code == 422
    assert field_error(unknown.text, "close") == "Not a site held in the month: Atlantis."

    with demo_store.reading() as connection:
        held = len(load_posture(connection, *_days(month)).sites)
    crowded = post_plan(analyst, lang="en", month=month, units=str(held - 1), minimum="1")
    assert crowded.status_code == 422
    assert "minimum presence" in (field_error(crowded.text, "minimum") or "")

    no_forecast = post_plan(analyst, lang="fr", month=month, risk="forecast")
    assert no_forecast.status_code == 422
    assert "Aucune prévision" in (field_error(no_forecast.text, "risk") or "")

    empty = post_plan(analyst, lang="en", month="1995-01", units="2")
    assert empty.status_code == 422
    assert "No site is held" in (field_error(empty.text, "month") or "")


def _days(month: str) -> tuple[dt.date, dt.date]:
    period = pd.Period(month, freq="M")
    return period.start_time.date(), period.end_time.date()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_answers_as_the_engine(demo_store: Store, client_as: Client) -> None:
    analyst = client_as("analyst")
    month = default_month(demo_store)
    answer = analyst.get(
        f"/api/v1/planning/posture?month={month}&reach_km=60&force_protection=0.7&risk=fatalities"
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    with demo_store.reading() as connection:
        areas = load_areas(connection, "fr")
        posture = load_posture(connection, *_days(str(month)), 0.7)
        risk, _ = load_risk(connection, areas, "fatalities", month, 12)
        expected = align(posture, areas, risk, 60.0)
        plain = plan(connection, month, units=4, temporary_bases=1, language="fr")
    summary = body["summary"]
    assert summary["sites"] == len(posture.sites)
    assert math.isclose(summary["deployable"], posture.deployable)
    assert math.isclose(summary["total_risk"], expected.total_risk)
    assert math.isclose(summary["share_within_reach"], expected.share_within_reach)
    assert summary["areas_reached"] == int(expected.reach.reached.sum())
    assert [a["code"] for a in body["high_risk_out_of_reach"]] == [
        areas.codes[i] for i in expected.out_of_reach
    ]
    assert {a["code"]: a["reached"] for a in body["areas"]} == dict(
        zip(areas.codes, expected.reach.reached.tolist(), strict=True)
    )

    headers = {"X-CSRF-Token": csrf_of(analyst)}
    solved = analyst.post(
        "/api/v1/planning/optimise",
        json={"month": str(month), "units": 4, "temporary_bases": 1},
        headers=headers,
    )
    assert solved.status_code == 200, solved.text
    result = solved.json()
    assert result["objective"] == plain.plan.objective
    assert result["total"] == plain.plan.total_risk
    assert result["units_available"] == 4
    assert result["posture_coverage"] == posture_coverage(plain.named)
    assert [u["site"] for u in result["units"]] == [u.site for u in plain.units()]
    assert [u["risk_added"] for u in result["units"]] == [u.risk_added for u in plain.units()]
    assert [u["next_site"] for u in result["units"]] == [u.next_site for u in plain.units()]

    bad = {
        "/api/v1/planning/posture?month=2018-13": "month",
        "/api/v1/planning/posture?reach_km=0": "reach_km",
        "/api/v1/planning/posture?force_protection=1": "force_protection",
        "/api/v1/planning/posture?risk=forecast": "risk",
        "/api/v1/planning/alignment?years=2019:2014": "comes before",
        "/api/v1/planning/alignment?years=1990:2030": "at most 30 years",
        "/api/v1/planning/alignment?years=1950:1960": "between 1990 and 2100",
        "/api/v1/planning/alignment.csv?years=20x4": "years",
    }
    for url, words in bad.items():
        refused = analyst.get(url)
        assert refused.status_code == 422, url
        assert words in json.dumps(refused.json()), (url, refused.json())
    for body_in, words in (
        ({"month": "2018-12", "close": ["Atlantis"]}, "no site named 'Atlantis'"),
        ({"units": -1}, "units"),
        ({"hold_back": 2}, "hold_back"),
        ({"risk": "forecast"}, "no live forecast"),
        ({"colour": "red"}, "colour"),
        ({"month": "1995-01"}, "no site held"),
    ):
        refused = analyst.post("/api/v1/planning/optimise", json=body_in, headers=headers)
        assert refused.status_code == 422, body_in
        assert words in json.dumps(refused.json()), (body_in, refused.json())
