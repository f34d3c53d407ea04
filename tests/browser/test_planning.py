"""The planning pages in a real browser: an analyst opens the posture map and the alignment
chart, goes to the optimiser, fills its form (month, K, temporary bases, a closed site, the
rainy season), runs it and sees the result map drawn and the explanation table — offline,
under the app's Content Security Policy. Then the plan is saved in the decision log
and an adviser records a decision on it, which is flagged as resting on a stale assessment."""

from __future__ import annotations

from typing import Any

from sentinelle.planning.plan import RAINY_REACH_FACTOR, plan
from sentinelle.store import plans as plan_store
from sentinelle.store.database import Store
from tests.browser.conftest import Visit
from tests.browser.test_threat import MAP_READY
from tests.web.test_planning import default_month

DRAWN = """(id) => {
  const figure = document.getElementById(id);
  return Boolean(figure && figure.dataset.drawn && figure.querySelector(".scatterlayer .trace"));
}"""
TRACE_NAMES = "(id) => document.getElementById(id).data.map((trace) => trace.name)"


def test_an_analyst_runs_the_optimiser_in_the_browser(
    visit: Visit,
    demo_store: Store,
) -> None:
    month = default_month(demo_store)
    with demo_store.reading() as connection:
        first = plan(connection, month, units=5, temporary_bases=2, language="en")
        closed = first.units()[0].site  # close the site of the first unit placed
        expected = plan(
            connection,
            month,
            units=5,
            temporary_bases=2,
            close=[closed],
            reach_factor=RAINY_REACH_FACTOR,
            language="en",
        )
    problems: list[str] = []
    page: Any = visit.page
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    visit.sign_in("demo-analyst")

    # the posture map, then the optimiser from the tabs
    page.goto(f"{visit.base}/planning?lang=en")
    page.wait_for_function(MAP_READY, arg="posture-map")
    assert page.get_attribute("#posture-summary", "data-month") == str(month)
    visit.screenshot("planning-posture")
    with page.expect_navigation():
        page.click('nav.threat-tabs a[href="/planning/alignment"]')
    page.wait_for_function(DRAWN, arg="alignment-shares")
    assert page.locator("#alignment-table tbody tr").count() >= 1
    visit.screenshot("planning-alignment")
    with page.expect_navigation():
        page.click('nav.threat-tabs a[href="/planning/optimise"]')
    assert page.inner_text("h1") == "Placing mobile units"

    page.fill("#field-month", str(month))
    page.fill("#field-units", "5")
    page.fill("#field-temporary_bases", "2")
    page.select_option("#field-close", [closed])
    page.check("#field-rainy")
    with page.expect_navigation():
        page.click("#optimise-run")

    page.wait_for_function(MAP_READY, arg="plan-map")
    result = page.locator("#plan-result")
    units = expected.units()
    assert int(result.get_attribute("data-units")) == len(units)
    assert float(result.get_attribute("data-covered")) == expected.plan.objective
    rows = page.locator("#plan-units tbody tr")
    assert rows.count() == len(units)
    assert [rows.nth(i).get_attribute("data-site") for i in range(rows.count())] == [
        u.site for u in units
    ]
    assert closed not in [u.site for u in units]
    names = page.evaluate(TRACE_NAMES, "plan-map")
    assert "Units at existing sites" in names or "Units at temporary bases" in names
    # what was typed is kept
    assert page.input_value("#field-units") == "5"
    assert page.is_checked("#field-rainy")
    visit.screenshot("planning-optimiser-result")
    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked  # (a 404 for /favicon.ico is the browser's own request)


def test_a_saved_plan_is_decided_in_the_browser(visit: Visit, demo_store: Store) -> None:
    month = default_month(demo_store)
    page: Any = visit.page
    visit.sign_in("demo-analyst")
    page.goto(f"{visit.base}/planning/optimise?lang=en")
    page.fill("#field-month", str(month))
    page.fill("#field-units", "3")
    with page.expect_navigation():
        page.click("#optimise-run")
    page.fill("#plan-title", "Three units, dry season")
    with page.expect_navigation():
        page.click("#save-plan-form button[type=submit]")
    assert page.inner_text("#decision-notice") == "The plan is saved in the decision log."
    plan_id = int(page.url.split("/planning/decisions/")[1].split("?")[0])
    assert page.locator("#decide-form").count() == 0  # an analyst does not decide

    with page.expect_navigation():
        page.click("form[action='/sign-out'] button")
    visit.sign_in("demo-adviser")
    page.goto(f"{visit.base}/planning/decisions/{plan_id}?lang=en")
    page.select_option("#choice", "adopted")
    page.fill("#decided_by", "Force Commander")
    page.fill("#rationale", "Covers the riskiest cercles")
    with page.expect_navigation():
        page.click("#decide-form button[type=submit]")
    assert page.inner_text("#decision-notice") == "The decision is recorded."
    decision = page.locator("article.decision.latest")
    assert decision.get_attribute("data-choice") == "adopted"
    # no assessment was saved with the plan: the decision is flagged
    assert decision.get_attribute("data-stale") == "yes"
    assert "no threat assessment was recorded" in decision.inner_text()
    visit.screenshot("planning-decision-chain")
    with demo_store.reading() as connection:
        found = plan_store.decisions_of(connection, [plan_id])[plan_id]
    assert [d["decided_by"] for d in found] == ["Force Commander"]
    page.goto(f"{visit.base}/planning/decisions?stale=true&lang=en")
    assert page.locator(f'#decision-log tr[data-plan="{plan_id}"]').count() == 1
    visit.screenshot("planning-decision-log")
