"""The overview page in a real browser: the map and the chart draw offline (MapLibre's worker
included, under the app's Content Security Policy), and clicking a unit of the map filters on it."""

from __future__ import annotations

from typing import Any

from sentinelle.store import places
from sentinelle.store.database import Store
from tests.browser.conftest import Visit

SCREEN_POINT = """([lon, lat]) => {
  const figure = document.getElementById("overview-map");
  const map = figure._fullLayout.map._subplot.map;
  const point = map.project([lon, lat]);
  const box = figure.querySelector("canvas.maplibregl-canvas").getBoundingClientRect();
  return [box.left + point.x, box.top + point.y];
}"""
MAP_READY = """() => {
  const figure = document.getElementById("overview-map");
  const subplot = figure && figure._fullLayout && figure._fullLayout.map;
  return Boolean(subplot && subplot._subplot && subplot._subplot.map.loaded());
}"""


def inside(store: Store, pcode: str) -> tuple[float, float]:
    """A point (longitude, latitude) inside the stored unit ``pcode``."""
    with store.reading() as connection:
        (unit,) = [u for u in places.load_units(connection) if u.pcode == pcode]
    assert unit.geometry is not None
    point = unit.geometry.representative_point()
    return point.x, point.y


def open_overview(visit: Visit, query: str, problems: list[str]) -> Any:
    page: Any = visit.page
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{visit.base}/{query}")
    page.wait_for_selector("#overview-map canvas.maplibregl-canvas")
    page.wait_for_selector("#overview-series .barlayer .point")
    page.wait_for_function(MAP_READY)
    return page


def click_at(page: Any, lon: float, lat: float) -> None:
    x, y = page.evaluate(SCREEN_POINT, [lon, lat])
    with page.expect_navigation():
        page.mouse.click(x, y)
    page.wait_for_load_state("networkidle")


def test_clicking_a_region_then_a_cercle_on_the_map_filters_on_it(
    visit: Visit, demo_store: Store
) -> None:
    visit.sign_in("demo-viewer")
    problems: list[str] = []
    page = open_overview(visit, "?lang=en&metric=vac", problems)
    visit.screenshot("overview-regions")
    click_at(page, *inside(demo_store, "ML05"))
    assert "region=ML05" in page.url and "metric=vac" in page.url
    assert page.input_value("select[name=region]") == "ML05"

    page = open_overview(visit, "?lang=fr&level=admin2&region=ML05", problems)
    cercle = "ML0505"
    click_at(page, *inside(demo_store, cercle))
    assert f"cercle={cercle}" in page.url and "region=ML05" in page.url
    assert page.input_value("select[name=cercle]") == cercle
    page.wait_for_function(MAP_READY)
    visit.screenshot("overview-cercle")
    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked
