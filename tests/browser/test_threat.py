"""The threat pages in a real browser: an adviser saves an assessment from the threat map,
edits a row's planned response (a new revision), and opens an area's profile by clicking it
on the map — offline, under the app's Content Security Policy."""

from __future__ import annotations

import re
from typing import Any

from sentinelle.store import places
from sentinelle.store.database import Store
from tests.browser.conftest import Visit

MAP_READY = """(id) => {
  const figure = document.getElementById(id);
  const subplot = figure && figure._fullLayout && figure._fullLayout.map;
  return Boolean(subplot && subplot._subplot && subplot._subplot.map.loaded());
}"""
SCREEN_POINT = """([id, lon, lat]) => {
  const figure = document.getElementById(id);
  const map = figure._fullLayout.map._subplot.map;
  const point = map.project([lon, lat]);
  const box = figure.querySelector("canvas.maplibregl-canvas").getBoundingClientRect();
  return [box.left + point.x, box.top + point.y];
}"""


def inside(store: Store, pcode: str) -> tuple[float, float]:
    """A point (longitude, latitude) inside the stored unit ``pcode``."""
    with store.reading() as connection:
        (unit,) = [u for u in places.load_units(connection) if u.pcode == pcode]
    assert unit.geometry is not None
    point = unit.geometry.representative_point()
    return point.x, point.y


def test_an_adviser_saves_an_assessment_edits_a_response_and_opens_an_area(
    visit: Visit, demo_store: Store
) -> None:
    problems: list[str] = []
    page: Any = visit.page
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    visit.sign_in("demo-adviser")
    page.goto(f"{visit.base}/threat?lang=en")
    page.wait_for_selector("#threat-map canvas.maplibregl-canvas")
    page.wait_for_function(MAP_READY, arg="threat-map")
    assert "Live threat matrix for 2018-12" in page.inner_text(".threat-citation")
    visit.screenshot("threat-live-map")

    # a new assessment for a month chosen in the form
    page.fill("#create-assessment input[name=as_of]", "2018-09")
    page.fill("#create-assessment input[name=title]", "September review")
    with page.expect_navigation():
        page.click("#create-assessment button[type=submit]")
    match = re.search(r"/threat/assessments/(\d+)$", page.url)
    assert match, page.url
    assessment_id = int(match.group(1))
    header = page.inner_text("#assessment-header")
    assert f"Assessment #{assessment_id} of September 2018" in header
    assert f"Sentinelle assessment #{assessment_id} rev. 0" in header

    # the planned response of the first row: a new revision
    first = page.locator("tr.threat-row").first
    row_id = first.get_attribute("data-row-id")
    notes = page.locator(f'tr[data-notes-for="{row_id}"]')
    notes.locator("summary").click()
    notes.locator("input[name=response_tiers][value=II]").check()
    notes.locator("select[name=response_phase]").select_option("response")
    notes.locator("textarea[name=planned_response]").fill("Patrol to the weekly market")
    with page.expect_navigation():
        notes.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "saved=1" in page.url
    assert f"Sentinelle assessment #{assessment_id} rev. 1" in page.inner_text("#saved-notice")
    assert page.get_attribute("#assessment-header", "data-revision") == "1"
    saved = page.locator(f'tr[data-notes-for="{row_id}"] dd[data-field=planned_response]')
    assert saved.inner_text() == "Patrol to the weekly market"
    assert page.locator('#threat-revisions tr[data-revision="1"]').count() == 1
    visit.screenshot("threat-matrix-revision")

    # revision 0 still reads as it was
    page.goto(f"{visit.base}/threat/assessments/{assessment_id}?revision=0")
    assert page.locator("dd[data-field=planned_response]").count() == 0

    # the map shows the new assessment; clicking Koro opens its profile at that assessment
    page.goto(f"{visit.base}/threat?assessment={assessment_id}")
    page.wait_for_selector("#threat-map canvas.maplibregl-canvas")
    page.wait_for_function(MAP_READY, arg="threat-map")
    x, y = page.evaluate(SCREEN_POINT, ["threat-map", *inside(demo_store, "ML0505")])
    with page.expect_navigation():
        page.mouse.click(x, y)
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/threat/areas/ML0505?assessment={assessment_id}"), page.url
    assert page.inner_text("#area-name") == "Threats to civilians in Koro"
    page.wait_for_selector("#area-series .barlayer .point", state="attached")
    assert page.locator("#area-risks tbody tr").count() > 0
    assert page.locator("#area-events li").count() > 0
    visit.screenshot("threat-area")

    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked
