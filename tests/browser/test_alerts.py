"""The alert pages in a real browser, on a phone-sized screen: an analyst records an alert from
the intake form, takes it through verify → assess → decide → dispatch → on site → close, reads
its timeline, then switches to French — offline, under the app's Content Security Policy."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sentinelle.store.database import Store
from tests.browser.conftest import Visit

PHONE = {"width": 390, "height": 844}


def fits_the_screen(page: Any) -> bool:
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def submit(page: Any, action: str) -> None:
    form = page.locator(f"#action-{action}")
    details = page.locator(f'details[data-action="{action}"]')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_an_analyst_records_an_alert_on_a_phone_and_takes_it_to_closing(
    visit: Visit, demo_store: Store
) -> None:
    problems: list[str] = []
    page: Any = visit.page
    failed: list[tuple[int, str]] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    page.set_viewport_size(PHONE)
    visit.sign_in("demo-analyst")

    page.goto(f"{visit.base}/alerts?lang=en")
    assert page.locator("#state-counts").is_visible()
    with page.expect_navigation():
        page.click("a.alerts-new")
    assert page.url.endswith("/alerts/new")
    assert fits_the_screen(page)

    # a first try without the channel: the error shows beside the field, nothing is lost
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#field-received_at", received)
    page.fill("#field-description", "Armed men on motorbikes threaten the weekly market")
    page.fill("#field-reporter_name", "Awa Traoré")
    with page.expect_navigation():
        page.click("#alert-intake button[type=submit]")
    assert page.inner_text("#error-channel") == "Required."
    assert (
        page.input_value("#field-description")
        == "Armed men on motorbikes threaten the weekly market"
    )
    visit.screenshot("alerts-intake-error-phone")

    page.select_option("#field-channel", "community_alert_network")
    page.select_option("#field-urgency", "high")
    page.select_option("#field-threatened_population", "market")
    page.select_option("#field-admin1_pcode", "ML05")
    page.fill("#field-latitude", "14,49")
    page.fill("#field-longitude", "-4.19")
    page.fill("#field-reporter_contact", "+223 00 11 22 33")
    assert fits_the_screen(page)
    visit.screenshot("alerts-intake-phone")
    with page.expect_navigation():
        page.click("#alert-intake button[type=submit]")
    match = re.search(r"/alerts/(\d+)\?created=1$", page.url)
    assert match, page.url
    alert_id = int(match.group(1))
    assert f"Alert #{alert_id} is recorded." in page.inner_text("#alert-notice")
    assert page.inner_text("#alert-state") == "Received"
    assert fits_the_screen(page)
    visit.screenshot("alerts-detail-received-phone")

    # the lifecycle, one step at a time, each from the form open to it
    page.select_option("#action-verify select[name=verification]", "confirmed")
    submit(page, "verify")
    assert page.inner_text("#alert-state") == "Verified"
    page.check("#action-assess input[name=response_required][value=yes]")
    page.select_option("#action-assess select[name=priority]", "high")
    submit(page, "assess")
    assert page.inner_text("#alert-state") == "Assessed"
    page.select_option("#action-decide select[name=decision]", "patrol")
    page.fill("#action-decide input[name=responding_unit]", "Sector Centre QRF")
    submit(page, "decide")
    submit(page, "dispatch")
    assert page.inner_text("#alert-state") == "Dispatched"
    submit(page, "arrive")
    assert page.inner_text("#alert-state") == "On site"
    page.select_option("#action-close select[name=outcome]", "prevented")
    page.fill("#action-close input[name=killed]", "0")
    submit(page, "close")
    assert page.inner_text("#alert-state") == "Closed"
    assert page.get_attribute("#alert-header", "data-version") == "7"

    # the timeline: every step, who, what changed
    steps = page.locator("#timeline li.step")
    assert steps.count() == 7
    actions = [steps.nth(i).get_attribute("data-action") for i in range(7)]
    assert actions == ["receive", "verify", "assess", "decide", "dispatch", "arrive", "close"]
    timeline = page.inner_text("#timeline")
    assert "Sector Centre QRF" in timeline and "Violence prevented" in timeline
    assert "entered by demo-analyst" in timeline
    assert page.locator("#action-reopen").count() == 1  # a closed alert can be reopened
    # an analyst may not see the reporter's identity
    assert page.inner_text('dd[data-field="reporter_name"]') == "[redacted]"
    assert fits_the_screen(page)
    visit.screenshot("alerts-detail-closed-phone")

    # French
    with page.expect_navigation():
        page.click("a[hreflang=fr]")
    assert page.inner_text("#alert-state") == "Clôturée"
    assert "Chronologie" in page.inner_text("#timeline-heading")
    assert "Patrouille" in page.inner_text("#timeline")
    visit.screenshot("alerts-detail-closed-phone-fr")

    # the board on the phone, in French; the closed alert is under its state
    page.goto(f"{visit.base}/alerts?state=closed")
    assert page.locator(f'tr[data-alert-id="{alert_id}"]').count() == 1
    assert "Alertes" in page.inner_text("h1")
    page.goto(f"{visit.base}/alerts")
    visit.screenshot("alerts-board-phone-fr")
    page.set_viewport_size({"width": 1360, "height": 900})
    visit.screenshot("alerts-board-desktop-fr")
    assert not problems, problems
    # the only refused request is the intake form sent without its channel
    assert [(status, url.split("?")[0]) for status, url in failed if "favicon" not in url] == [
        (422, f"{visit.base}/alerts/new")
    ]
