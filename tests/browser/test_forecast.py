"""The forecast pages in a real browser: a viewer opens the forecast map, changes the horizon,
opens an area by clicking it on the map, opens the backtest and sees the reliability chart
drawn, and switches to French — offline, under the app's Content Security Policy."""

from __future__ import annotations

from typing import Any

from sentinelle.store import forecasts as forecast_store
from sentinelle.store.database import Store
from tests.browser.conftest import Visit
from tests.browser.test_threat import MAP_READY, SCREEN_POINT, inside
from tests.web.test_forecast import seed_forecasts

AREA = "ML0505"  # Koro
DRAWN = """(id) => {
  const figure = document.getElementById(id);
  return Boolean(figure && figure.dataset.drawn && figure.querySelector(".scatterlayer .trace"));
}"""


def test_a_viewer_reads_the_forecasts(visit: Visit, demo_store: Store) -> None:
    backtest_id, live_id = seed_forecasts(demo_store)
    with demo_store.reading() as connection:
        live = forecast_store.load_predictions(connection, live_id, model="boosting", horizon=3)
    problems: list[str] = []
    page: Any = visit.page
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    visit.sign_in("demo-viewer")

    # the map of the next month
    page.goto(f"{visit.base}/forecast?lang=en")
    page.wait_for_selector("#forecast-map canvas.maplibregl-canvas")
    page.wait_for_function(MAP_READY, arg="forecast-map")
    page.wait_for_function(MAP_READY, arg="forecast-band-map")
    header = page.locator("#forecast-header")
    assert header.get_attribute("data-run-id") == str(live_id)
    assert header.get_attribute("data-horizon") == "1"
    assert "Forecasts are decision support" in page.inner_text("#forecast-note")
    visit.screenshot("forecast-map")

    # three months ahead
    with page.expect_navigation():
        page.click('#horizons a[data-horizon="3"]')
    page.wait_for_function(MAP_READY, arg="forecast-map")
    assert header.get_attribute("data-horizon") == "3"
    first = page.locator("#forecast-areas tbody tr").first
    highest = live.sort_values("probability", ascending=False).iloc[0]
    assert float(first.get_attribute("data-probability")) == highest["probability"]
    visit.screenshot("forecast-map-horizon-3")

    # clicking Koro on the map opens its forecast page
    x, y = page.evaluate(SCREEN_POINT, ["forecast-map", *inside(demo_store, AREA)])
    with page.expect_navigation():
        page.mouse.click(x, y)
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/forecast/areas/{AREA}?horizon=3"), page.url
    assert page.inner_text("#area-name") == "Forecasts of violence against civilians in Koro"
    page.wait_for_function(DRAWN, arg="area-history")
    page.wait_for_function(DRAWN, arg="area-fatalities")
    assert page.locator("#area-upcoming tbody tr").count() == 3
    assert page.get_attribute("#area-backtest", "data-run-id") == str(backtest_id)
    visit.screenshot("forecast-area")

    # the backtest with its reliability chart
    with page.expect_navigation():
        page.click('nav.threat-tabs a[href="/forecast/backtest"]')
    page.wait_for_function(DRAWN, arg="reliability-chart")
    traces = page.evaluate("() => document.getElementById('reliability-chart').data.length")
    assert traces == 4  # the diagonal and three models
    assert page.locator("table.score-table td.best").count() >= 8
    assert page.locator("#metric-definitions dt").count() == 8
    visit.screenshot("forecast-backtest")

    # in French
    with page.expect_navigation():
        page.click('.languages a[hreflang="fr"]')
    page.wait_for_function(DRAWN, arg="reliability-chart")
    assert page.inner_text("h1") == "Évaluation rétrospective"
    assert "Score de Brier" in page.inner_text("table.score-table")
    assert page.inner_text('.topbar nav a[href="/forecast"]') == "Prévisions"
    page.goto(f"{visit.base}/forecast")
    page.wait_for_function(MAP_READY, arg="forecast-map")
    assert "Carte des prévisions" in page.inner_text("h1")
    visit.screenshot("forecast-map-fr")

    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked
