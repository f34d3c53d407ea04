"""The monthly civilian-harm report in the web app (HTML and PDF, never a name), harm around
bases and before and after a base opened or closed on the patterns page and in the API — on
SQLite and PostgreSQL, against the demo's 26 fictional incidents and MINUSMA sites."""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from sentinelle.harm.patterns import before_after, near_bases
from sentinelle.harm.register import list_incidents
from sentinelle.store.database import Store
from sentinelle.store.deployments import load_deployments
from sentinelle.store.events import load_events
from tests.web.test_harm import SECRETS, post_form, record_through_form

DEMO_VICTIMS = Path(__file__).parents[2] / "src/sentinelle/demo/data/harm_victims.csv"
VAC = "Violence against civilians"


# --- helpers -------------------------------------------------------------------------------


def key_figure(page: str, code: str) -> list[str]:
    """The cells (month, 12 months) of a row of the report's key figures."""
    table = re.search(r'<table id="key-figures">(.*?)</table>', page, re.S)
    assert table, "no key-figures table"
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', table.group(1), re.S)
    assert row, f"no {code} row"
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))][1:]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def demo_names() -> list[str]:
    victims = pd.read_csv(DEMO_VICTIMS, comment="#")
    return [str(n) for n in victims["name"].dropna()]


def cells(page: str, row_pattern: str) -> dict[str, str]:
    """``data-cell`` → text of the table row whose opening tag matches ``row_pattern``."""
    row = re.search(rf"<tr {row_pattern}>(.*?)</tr>", page, re.S)
    assert row, f"no row {row_pattern}"
    found = re.findall(r'<td class="number" data-cell="([^"]+)">(.*?)</td>', row.group(1), re.S)
    return {name: html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for name, text in found}


def demo_sites(store: Store) -> pd.DataFrame:
    """The demo's deployments as sites, folded here by name (the demo's records of one site
    follow each other without a gap): the first start and the last end."""
    with store.reading() as connection:
        records = pd.DataFrame(
            [
                {
                    "name": d.name,
                    "latitude": d.latitude,
                    "longitude": d.longitude,
                    "start_date": d.start,
                    "end_date": d.end,
                }
                for d in load_deployments(connection)
            ]
        )
    return (
        records.groupby("name", sort=False)
        .agg(
            latitude=("latitude", "first"),
            longitude=("longitude", "first"),
            start_date=("start_date", "min"),
            end_date=("end_date", "max"),
        )
        .reset_index()
    )


def demo_vac(store: Store) -> pd.DataFrame:
    with store.reading() as connection:
        frame = load_events(
            connection,
            columns=["event_date", "event_type", "civilian_targeting", "latitude", "longitude"],
        )
    vac = (frame["event_type"] == VAC).fillna(False) | frame["civilian_targeting"].fillna(False)
    return frame[vac.astype(bool)].reset_index(drop=True)


# --- the monthly report --------------------------------------------------------------------


def test_the_report_counts_the_incidents_of_the_month(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    viewer = client_as("viewer")
    with demo_store.reading() as connection:
        everything = list_incidents(connection)
    for month in ("2018-06", "2017-02", "2016-03"):
        first, last = month_bounds(month)
        year_first = (pd.Timestamp(first) - pd.DateOffset(months=11)).date()
        with demo_store.reading() as connection:
            in_month = len(list_incidents(connection, first, last))
            in_year = len(list_incidents(connection, year_first, last))
        answer = viewer.get(f"/harm/report?month={month}&format=html&lang=en")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert key_figure(answer.text, "incidents") == [str(in_month), str(in_year)]
        listed = re.search(r'<table id="month-incidents"', answer.text)
        assert bool(listed) == (in_month > 0)
    assert in_month == 0  # March 2016: the demo has none, and says so
    # the default month is the newest incident's
    newest = everything["occurred_at"].max().tz_convert("UTC")
    default = viewer.get("/harm/report?lang=en")
    assert default.status_code == 200
    assert f"<strong>{newest.strftime('%B %Y')}</strong>" in default.text
    assert 'lang="en"' in default.text
    assert 'lang="fr"' in viewer.get("/harm/report?lang=fr").text
    # the public variant suppresses small counts
    with demo_store.reading() as connection:
        june = len(list_incidents(connection, *month_bounds("2018-06")))
    public = viewer.get("/harm/report?month=2018-06&public=1&lang=en").text
    assert "Public version" in public
    assert key_figure(public, "incidents")[0] == ("<3" if 0 < june < 3 else str(june))
    # the register links to it, with the newest incident's month
    register = viewer.get("/harm?lang=en").text
    form = re.search(r'<form[^>]*action="/harm/report"[^>]*>(.*?)</form>', register, re.S)
    assert form
    assert f'name="month" value="{newest.strftime("%Y-%m")}"' in form.group(1)
    assert 'name="format" value="pdf"' in form.group(1) and 'name="public"' in form.group(1)


def test_the_report_as_pdf_renders(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    answer = client_as("viewer").get("/harm/report?month=2018-06&format=pdf&lang=en")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="harm-report-2018-06.pdf"'
    assert answer.content.startswith(b"%PDF")
    assert "June 2018" in pdf_text(answer.content)
    document = pdfium.PdfDocument(answer.content)
    try:
        assert len(document) >= 1
        image = document[0].render(scale=1).to_pil()
    finally:
        document.close()
    png = io.BytesIO()
    image.save(png, format="PNG")
    assert png.getvalue().startswith(b"\x89PNG")
    pixels = np.asarray(Image.open(io.BytesIO(png.getvalue())).convert("L"))
    assert pixels.shape[0] > 500 and pixels.shape[1] > 400  # A4 at 72 dpi: 595 × 842
    dark = (pixels < 128).mean()
    assert 0.002 < dark < 0.5, f"{dark:.4f} of the page is dark: blank or a black page"
    # the API gives the same file
    api = client_as("analyst").get("/api/v1/harm/report?month=2018-06&format=pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
    assert api.headers["content-disposition"].endswith('filename="harm-report-2018-06.pdf"')


def test_the_report_never_holds_a_name(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    analyst = client_as("analyst")
    incident_id = record_through_form(analyst)  # a victim and a source with names
    answer = post_form(
        analyst,
        f"/harm/{incident_id}/amends",
        f"/harm/{incident_id}",
        kind="condolence_payment",
        offered_on=dt.date.today().isoformat(),
        amount="150000",
        currency="xof",
        recipient=SECRETS[-1],
        response="pending",
        note="",
    )
    assert answer.status_code == 303
    # the form's time: yesterday, UTC
    month = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m")
    names = [*SECRETS, *demo_names()]
    assert len(names) > 10
    viewer = client_as("viewer")
    for query, place in (
        (f"month={month}", "Gao"),
        (f"month={month}&public=1", "Gao"),
        ("", "Gao"),  # the default month: the new incident's
        ("month=2017-08", "Kidal"),  # a demo incident with (fictional) victims
    ):
        page = viewer.get(f"/harm/report?{query}&format=html")
        assert page.status_code == 200
        for name in names:
            assert name not in page.text, (query, name)
        assert "fictif" not in page.text and "fictive" not in page.text
        assert (f'data-code="{incident_id}"' in page.text) == (place == "Gao")  # listed
        pdf = viewer.get(f"/harm/report?{query}&format=pdf")
        assert pdf.status_code == 200
        text = pdf_text(pdf.content)
        assert place in text  # the text was read
        for name in names:
            assert name not in text, (query, name)
        assert "fictif" not in text and "fictive" not in text


# --- around bases --------------------------------------------------------------------------


def test_the_bases_table_is_near_bases_over_the_stored_sites(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    sites = demo_sites(demo_store)
    assert len(sites) >= 14
    with demo_store.reading() as connection:
        incidents = list_incidents(connection)
    viewer = client_as("viewer")
    for radius in (10, 25):
        expected = near_bases(incidents, sites, radius)
        assert expected["incidents"].sum() > 0
        page = viewer.get(f"/harm/patterns?radius_km={radius}&lang=en")
        assert page.status_code == 200
        section = page.text.split('id="around-bases"', 1)[1].split("</section>", 1)[0]
        shown = re.findall(r'<tr data-site="([^"]+)">', section)
        assert [html.unescape(s) for s in shown] == list(expected["site"])
        for row in expected.itertuples():
            found = cells(section, f'data-site="{html.escape(str(row.site))}"')
            assert found["incidents"] == str(row.incidents)
            killed = (
                str(row.killed_min)
                if row.killed_min == row.killed_max
                else f"{row.killed_min}–{row.killed_max}"
            )
            assert found["killed"] == killed
        api = viewer.get(f"/api/v1/harm/patterns/bases?radius_km={radius}").json()
        assert api["radius_km"] == radius
        got = pd.DataFrame(api["rows"])
        assert list(got["site"]) == list(expected["site"])
        for column in ("incidents", "killed_min", "killed_max", "injured_min", "injured_max"):
            assert list(got[column]) == [int(v) for v in expected[column]], column
        assert list(got["start_date"]) == [d.isoformat() for d in expected["start_date"]]
    # the filters apply: one force only
    minusma = viewer.get("/api/v1/harm/patterns/bases?radius_km=10&force=minusma").json()
    theirs = incidents[incidents["force"] == "minusma"].reset_index(drop=True)
    expected = near_bases(theirs, sites, 10)
    assert [r["incidents"] for r in minusma["rows"]] == list(expected["incidents"])
    # the routes are the command line's
    assert 'id="routes-note"' in page.text and "GeoJSON" in page.text


def test_before_and_after_is_before_after_for_each_opening_and_closing(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    sites = demo_sites(demo_store)
    vac = demo_vac(demo_store)
    with demo_store.reading() as connection:
        incidents = list_incidents(connection)
    months, radius = 6, 10
    expected: dict[tuple[str, str], pd.DataFrame] = {}
    for site in sites.to_dict("records"):
        for change in ("opening", "closing"):
            table = before_after(
                incidents, site, months, change=change, radius_km=radius, vac_events=vac
            )
            if (table["before"] + table["after"]).sum() > 0:
                expected[(site["name"], change)] = table
    assert ("Léré", "closing") in expected  # ACLED events around it in the demo
    viewer = client_as("viewer")
    api = viewer.get(f"/api/v1/harm/patterns/before-after?months={months}&radius_km={radius}")
    assert api.status_code == 200
    rows = api.json()["rows"]
    assert {(r["site"], r["change"]) for r in rows} == set(expected)
    for row in rows:
        want = expected[(row["site"], row["change"])].set_index("series").loc[row["series"]]
        assert (row["before"], row["after"]) == (want["before"], want["after"])
        assert row["pivot"] == want["pivot"].date().isoformat()
        assert row["p_value"] == pytest.approx(want["p_value"])
        if math.isfinite(want["rate_ratio"]):
            assert row["rate_ratio"] == pytest.approx(want["rate_ratio"])
        else:
            assert row["rate_ratio"] is None
    # the page shows the same for one site
    page = viewer.get(f"/harm/patterns?months={months}&radius_km={radius}&lang=en").text
    section = page.split('id="before-after"', 1)[1].split("</section>", 1)[0]
    want = expected[("Léré", "closing")].set_index("series")
    found = cells(section, 'data-site="Léré" data-change="closing"')
    for series in ("harm_incidents", "acled_vac"):
        assert found[f"{series}.before"] == str(want.loc[series, "before"])
        assert found[f"{series}.after"] == str(want.loc[series, "after"])
        assert found[f"{series}.p"] == f"{want.loc[series, 'p_value']:.3f}"
    assert len(re.findall(r"<tr data-site=", section)) == len(expected)
    # more months, more records
    wider = viewer.get("/api/v1/harm/patterns/before-after?months=24").json()["rows"]
    assert sum(r["before"] + r["after"] for r in wider) >= sum(
        r["before"] + r["after"] for r in rows
    )


# --- bad inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_bad_values_are_422_with_a_message(
    demo_store: Store, client_as: Callable[[str], TestClient], role: str
) -> None:
    client = client_as(role)
    for month in ("2018-13", "2018-00", "abc", "1989-12", "9999-12", "2018-6", "20181"):
        page = client.get(f"/harm/report?month={month}&lang=en")
        assert page.status_code == 422, month
        assert "is not a month: expected YYYY-MM" in html.unescape(page.text), month
        api = client.get(f"/api/v1/harm/report?month={month}")
        assert api.status_code == 422 and "YYYY-MM" in api.json()["detail"], month
    french = client.get("/harm/report?month=2018-13&lang=fr")
    assert french.status_code == 422 and "n'est pas un mois" in html.unescape(french.text)
    for query in ("format=docx", "public=maybe", "month=" + "9" * 30):
        assert client.get(f"/harm/report?{query}").status_code == 422, query
        assert client.get(f"/api/v1/harm/report?{query}").status_code == 422, query
    for query in (
        "radius_km=0",
        "radius_km=0.5",
        "radius_km=101",
        "radius_km=nan",
        "radius_km=inf",
        "radius_km=abc",
        "months=0",
        "months=37",
        "months=1.5",
        "months=x",
    ):
        assert client.get(f"/harm/patterns?{query}").status_code == 422, query
        for path in ("bases", "before-after"):
            if path == "bases" and query.startswith("months"):
                continue
            answer = client.get(f"/api/v1/harm/patterns/{path}?{query}")
            assert answer.status_code == 422, (path, query)
    assert client.get("/harm/patterns?radius_km=1&months=1").status_code == 200
    assert client.get("/harm/patterns?radius_km=100&months=36").status_code == 200
