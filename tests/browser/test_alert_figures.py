"""The alert figures pages in a real browser: a viewer opens the response dashboard, changes the
breakdown, opens the warning coverage and sees the map drawn with the events and alerts, then
clicks an alert on the map — offline, under the app's Content Security Policy."""

from __future__ import annotations

import re
from typing import Any

from sentinelle.store.database import Store
from tests.browser.conftest import Visit
from tests.browser.test_threat import MAP_READY, SCREEN_POINT
from tests.web.test_alert_figures import HAND_TOTALS, placed_alerts, register

DRAWN = """(id) => {
  const figure = document.getElementById(id);
  return Boolean(figure && figure.dataset.drawn && figure.querySelector(".main-svg g.trace"));
}"""
ALERT_AT = """([id, alert]) => {
  const trace = document.getElementById(id).data.find(
    (t) => t.customdata && t.customdata.some((p) => p[0] === "alert" && p[1] === alert));
  const i = trace.customdata.findIndex((p) => p[1] === alert);
  const near = (j) =>
    Math.abs(trace.lon[j] - trace.lon[i]) < 0.01 && Math.abs(trace.lat[j] - trace.lat[i]) < 0.01;
  const same = trace.customdata.filter((p, j) => near(j));
  return [trace.lon[i], trace.lat[i], same.map((p) => p[1])];
}"""
ZOOM_TO = """([id, lon, lat]) => window.Plotly.relayout(
  document.getElementById(id), {"map.center": {lon: lon, lat: lat}, "map.zoom": 11})"""
TRACE_TYPES = "(id) => document.getElementById(id).data.map((trace) => trace.type)"


def test_a_viewer_reads_the_response_dashboard_and_the_coverage(
    visit: Visit, demo_store: Store
) -> None:
    register(demo_store)  # the demo's own alerts, if it has any, are counted too
    event_id, ids = placed_alerts(demo_store)
    problems: list[str] = []
    page: Any = visit.page
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    visit.sign_in("demo-viewer")

    # the dashboard of June–July 2018
    page.goto(f"{visit.base}/alerts/dashboard?from=2018-06&to=2018-07&by=none&lang=en")
    page.wait_for_function(DRAWN, arg="rate-chart")
    page.wait_for_function(DRAWN, arg="time-chart")
    assert page.inner_text("h1") == "Response dashboard"
    pending = int(page.get_attribute('#headline [data-code="pending"]', "data-value") or -1)
    assert pending >= HAND_TOTALS["pending"]
    assert page.locator("#series-table tbody tr").count() == 2
    assert page.locator("#breakdown-table").count() == 0
    assert "Time to decision" in page.inner_text("#headline-definitions")
    visit.screenshot("alert-dashboard")

    # by priority: the form submits itself when the breakdown changes
    with page.expect_navigation():
        page.select_option("#breakdown-choice", "priority")
    assert "by=priority" in page.url
    page.wait_for_function(DRAWN, arg="breakdown-chart")
    keys = page.locator("#breakdown-table tbody tr").evaluate_all(
        "(rows) => rows.map((row) => row.dataset.key)"
    )
    assert {"high", "medium", "low"} <= set(keys)
    assert "High" in page.inner_text("#breakdown-table")
    assert page.get_attribute("#breakdown", "data-by") == "priority"
    visit.screenshot("alert-dashboard-by-priority")

    # warning coverage: the map with warned and unwarned events and the alerts
    with page.expect_navigation():
        page.click('nav.alert-figures-tabs a[href="/alerts/coverage"]')
    with page.expect_navigation():
        page.fill("#coverage-form input[name=from]", "2018-06")
        page.fill("#coverage-form input[name=to]", "2018-07")
        page.click("#coverage-form button[type=submit]")
    page.wait_for_selector("#coverage-map canvas.maplibregl-canvas")
    page.wait_for_function(MAP_READY, arg="coverage-map")
    page.wait_for_function(DRAWN, arg="coverage-chart")
    types = page.evaluate(TRACE_TYPES, "coverage-map")
    assert types[0] == "choroplethmap" and types.count("scattermap") >= 2
    assert page.locator(f'#coverage-alerts tr[data-alert="{ids["before"]}"]').count() == 1
    assert (
        page.get_attribute(f'#coverage-alerts tr[data-alert="{ids["before"]}"]', "data-followed")
        == "1"
    )
    assert int(page.get_attribute("#coverage-summary", "data-warned") or 0) >= 1
    assert "within 25 km" in page.inner_text("#coverage-definitions")
    visit.screenshot("alert-coverage")

    # closer in, clicking our alert on the map opens it (or another alert at the same place:
    # demo alerts sit on the events they warned of too)
    longitude, latitude, here = page.evaluate(ALERT_AT, ["coverage-map", ids["before"]])
    page.evaluate(ZOOM_TO, ["coverage-map", longitude, latitude])
    page.wait_for_function(MAP_READY, arg="coverage-map")
    page.wait_for_timeout(300)
    page.locator("#coverage-map").scroll_into_view_if_needed()
    x, y = page.evaluate(SCREEN_POINT, ["coverage-map", longitude, latitude])
    with page.expect_navigation():
        page.mouse.click(x, y)
    opened = re.search(r"/alerts/(\d+)$", page.url.split("?")[0])
    assert opened and int(opened.group(1)) in here, (page.url, here)
    assert event_id

    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked
