"""French and English in the web application.

Messages live in ``web/messages/*.csv`` (columns ``key,en,fr``; one file per area, so pages add
their own without touching others). Numbers and dates are formatted with Babel's CLDR data, which
ships inside the package (no download). The language is, in order: ``?lang=`` (remembered in a
cookie), the cookie, the user's preference, the browser's ``Accept-Language``; French when
nothing says otherwise (the mission's working language).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from sentinelle.domain.vocabulary import Language

LANGUAGES: tuple[Language, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Language = "fr"
COOKIE = "sentinelle_lang"
TIMEZONE = "Africa/Bamako"  # shown beside UTC; Mali is UTC+0 all year


class MissingMessage(KeyError):
    pass


@cache
def catalogue() -> Mapping[str, tuple[str, str]]:
    """key → (English, French), from every CSV in ``web/messages``."""
    folder = resources.files("sentinelle.web").joinpath("messages")
    messages: dict[str, tuple[str, str]] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".csv"):
            continue
        for row in csv.DictReader(item.read_text(encoding="utf-8").splitlines()):
            key = row["key"].strip()
            if key in messages:
                raise ValueError(f"message {key!r} defined twice (again in {item.name})")
            messages[key] = (row["en"], row["fr"])
    return messages


def translate(key: str, language: Language, **values: Any) -> str:
    """The message ``key`` in ``language``, with ``{name}`` placeholders filled."""
    try:
        en, fr = catalogue()[key]
    except KeyError:
        raise MissingMessage(key) from None
    text = fr if language == "fr" else en
    return text.format(**values) if values else text


def parse_accept_language(header: str | None) -> Language | None:
    """The first of our languages in an ``Accept-Language`` header, by quality."""
    if not header:
        return None
    choices = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower()[:2]
        if language in LANGUAGES and quality > 0:
            choices.append((-quality, position, language))
    if not choices:
        return None
    chosen: Language = "fr" if sorted(choices)[0][2] == "fr" else "en"
    return chosen


def choose_language(
    query: str | None, cookie: str | None, preference: str | None, accept: str | None
) -> Language:
    for value in (query, cookie, preference):
        if value in LANGUAGES:
            return "fr" if value == "fr" else "en"
    return parse_accept_language(accept) or DEFAULT_LANGUAGE


def number(value: float | int | None, language: Language, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale=language)


def percent(value: float | None, language: Language) -> str:
    return "–" if value is None else format_percent(value, format="#,##0.0 %", locale=language)


def date(value: dt.date | None, language: Language, style: str = "medium") -> str:
    return "–" if value is None else format_date(value, format=style, locale=language)


def datetime(value: dt.datetime | None, language: Language) -> str:
    """A moment in UTC, shown with the local zone (Bamako is UTC+0 all year)."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = format_datetime(value, format="medium", tzinfo=ZoneInfo(TIMEZONE), locale=language)
    return f"{text} (UTC, {TIMEZONE.split('/')[1]})"
