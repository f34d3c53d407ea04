"""The civilian-harm pages in a real browser: an analyst records an incident with a victim through
the form (a first try with a missing field keeps what was typed), then a viewer opens it and
never sees the victim's name — offline, under the app's Content Security Policy."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sentinelle.store.database import Store
from tests.browser.conftest import Visit

VICTIM = "Aïssata Traoré-TEST"
SOURCE = "Moussa Diallo-TEST"


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.click("form[action='/sign-out'] button")
    page.context.clear_cookies()


def test_an_analyst_records_an_incident_and_a_viewer_does_not_see_the_name(
    visit: Visit, demo_store: Store
) -> None:
    page: Any = visit.page
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    visit.sign_in("demo-analyst")

    page.goto(f"{visit.base}/harm?lang=en")
    assert page.locator("#harm-register").is_visible()
    with page.expect_navigation():
        page.click("a.harm-new")
    assert page.url.endswith("/harm/new")

    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#field-occurred_at", when)
    page.select_option("#field-category", "crossfire")
    page.fill("#field-place", "Ténenkou")
    page.fill("#field-killed_min", "1")
    page.fill("#field-killed_max", "1")
    page.fill("#field-victim1_name", VICTIM)
    page.select_option("#field-victim1_harm", "killed")
    page.select_option("#field-victim1_sex", "female")
    page.select_option("#field-source1_kind", "witness")
    page.fill("#field-source1_name", SOURCE)
    # the force is missing: the form comes back with the message beside it, nothing lost
    with page.expect_navigation():
        page.click("#harm-incident button[type=submit]")
    assert page.inner_text("#error-force") == "Required."
    assert page.input_value("#field-victim1_name") == VICTIM
    visit.screenshot("harm-form-error")
    page.select_option("#field-force", "fama")
    with page.expect_navigation():
        page.click("#harm-incident button[type=submit]")
    match = re.search(r"/harm/(\d+)\?done=created", page.url)
    assert match, page.url
    incident_id = int(match.group(1))
    assert page.locator("#harm-notice").is_visible()
    assert page.locator("#victims-table tbody tr").count() == 1
    assert page.locator('.timeline .step[data-action="created"]').count() == 1
    visit.screenshot("harm-incident-analyst")
    sign_out(page)

    visit.sign_in("demo-viewer")
    page.goto(f"{visit.base}/harm/{incident_id}?lang=en")
    page.wait_for_load_state("networkidle")
    text = page.content()
    assert VICTIM not in text and SOURCE not in text
    assert page.inner_text("#victims-table tbody tr td.personal >> nth=0") == "[redacted]"
    assert page.locator("#redacted-note").is_visible()
    assert page.locator("#victim-form").count() == 0
    visit.screenshot("harm-incident-viewer")
    page.goto(f"{visit.base}/harm/patterns?lang=en")
    page.wait_for_selector("#figure-category .main-svg")
    assert VICTIM not in page.content()
    assert not problems, problems
