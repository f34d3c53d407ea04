from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pytest

from sentinelle.web import i18n

WEB = Path(str(resources.files("sentinelle.web")))
KEY_USE = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")


def test_every_message_has_french_and_english() -> None:
    for key, (en, fr) in i18n.catalogue().items():
        assert en.strip() and fr.strip(), key
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", fr)), key


def test_every_message_key_used_in_templates_and_code_exists() -> None:
    used = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        used |= set(KEY_USE.findall(path.read_text(encoding="utf-8")))
    # a key ending in "." is the prefix of keys computed in the template (t("x." ~ value))
    missing = sorted(k for k in used if not k.endswith(".") and k not in i18n.catalogue())
    assert not missing, f"message keys used but not defined: {missing}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,de;q=0.9,en;q=0.5,fr;q=0.7", "fr"),
        ("de-DE", None),
        ("", None),
        ("fr;q=0, en", "en"),
    ],
)
def test_browser_preference(header: str, expected: str | None) -> None:
    assert i18n.parse_accept_language(header) == expected


def test_choice_order_query_cookie_user_browser_then_french() -> None:
    assert i18n.choose_language("en", "fr", "fr", "fr") == "en"
    assert i18n.choose_language(None, "en", "fr", "fr") == "en"
    assert i18n.choose_language(None, None, "en", "fr") == "en"
    assert i18n.choose_language(None, None, None, "en-US") == "en"
    assert i18n.choose_language(None, None, None, None) == "fr"


def test_numbers_and_dates_follow_the_language() -> None:
    assert i18n.number(12345, "en") == "12,345"
    assert i18n.number(12345, "fr").replace("\u202f", " ").replace("\xa0", " ") == "12 345"
    assert i18n.date(dt.date(2018, 3, 1), "fr") == "1 mars 2018"
    assert i18n.date(dt.date(2018, 3, 1), "en") == "Mar 1, 2018"
    moment = i18n.datetime(dt.datetime(2018, 3, 1, 14, 5, tzinfo=dt.UTC), "en")
    assert "2:05" in moment and "Bamako" in moment
