from __future__ import annotations

from tests.browser.conftest import Visit


def test_sign_in_with_a_wrong_password_then_the_right_one(visit: Visit) -> None:
    visit.sign_in("demo-analyst", "not the password")
    assert visit.page.locator("[role=alert]").is_visible()  # type: ignore[attr-defined]
    visit.sign_in("demo-analyst")
    assert "/sign-in" not in visit.page.url  # type: ignore[attr-defined]
    assert "demo-analyst" in visit.page.inner_text("header")  # type: ignore[attr-defined]


def test_switch_to_french_and_back(visit: Visit) -> None:
    visit.sign_in("demo-viewer")
    page = visit.page
    page.click("a[hreflang=fr]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "fr"  # type: ignore[attr-defined]
    assert "Se déconnecter" in page.inner_text("header")  # type: ignore[attr-defined]
    visit.screenshot("french-header")
    page.click("a[hreflang=en]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "Sign out" in page.inner_text("header")  # type: ignore[attr-defined]
