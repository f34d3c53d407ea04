"""An analyst's journey through the app in a real browser: filter the overview by region and
period, find and open an event, export what they see as GeoJSON, work in French."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select

from sentinelle.store.database import Store
from sentinelle.store.schema import events
from tests.browser.conftest import Visit


def count(store: Store, *conditions: Any) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).where(*conditions)).scalar_one())


def test_filter_open_an_event_export_geojson_in_french(visit: Visit, demo_store: Store) -> None:
    page: Any = visit.page
    visit.sign_in("demo-analyst")

    # overview: region and period through the filter bar
    page.goto(f"{visit.base}/?lang=fr")
    page.select_option("select[name=region]", "ML05")
    page.fill("input[name=start]", "2017-01")
    page.fill("input[name=end]", "2017-12")
    with page.expect_navigation():
        page.click("form.filterbar button[type=submit]")
    page.wait_for_selector("#overview-map canvas")
    assert "region=ML05" in page.url and "start=2017-01" in page.url
    assert page.locator("html").get_attribute("lang") == "fr"
    expected = count(
        demo_store,
        events.c.admin1_pcode == "ML05",
        events.c.event_date >= dt.date(2017, 1, 1),
        events.c.event_date <= dt.date(2017, 12, 31),
    )
    assert page.get_attribute("[data-total=events]", "data-value") == str(expected)
    visit.screenshot("journey-overview-mopti-2017")

    # events explorer with the same filters, then one event
    page.goto(f"{visit.base}/events?region=ML05&start=2017-01&end=2017-12&lang=fr")
    first = page.locator("table.data tbody tr a").first
    with page.expect_navigation():
        first.click()
    assert "/events/" in page.url
    notes = page.inner_text(".events-notes")
    assert "fictif" in notes.lower() or "fictional" in notes.lower()
    visit.screenshot("journey-event-detail")

    # export the filtered events as GeoJSON
    page.goto(f"{visit.base}/events?region=ML05&start=2017-01&end=2017-12&lang=fr")
    with page.expect_download() as download_info:
        page.click("form.events-export button[value=geojson]")
    path = download_info.value.path()
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == expected
    assert {f["properties"]["admin1_pcode"] for f in collection["features"]} == {"ML05"}
