"""Rendering pages: one Jinja environment, and a context every template can rely on."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sentinelle.web import i18n
from sentinelle.web.access import Principal, identify


@dataclass(frozen=True)
class NavItem:
    """An entry of the main navigation: later capabilities add theirs to :data:`NAVIGATION`."""

    key: str  # message key of the label
    path: str
    permission: str


NAVIGATION: list[NavItem] = [
    NavItem("nav.overview", "/", "view_events"),
    NavItem("nav.events", "/events", "view_events"),
    NavItem("nav.threat", "/threat", "view_events"),
    NavItem("nav.forecast", "/forecast", "view_events"),
    NavItem("nav.planning", "/planning", "view_planning"),
    NavItem("nav.harm", "/harm", "view_harm"),
    NavItem("nav.alerts", "/alerts", "view_alerts"),
    NavItem("nav.data", "/data", "view_imports"),
]


@cache
def environment() -> Environment:
    folder = resources.files("sentinelle.web").joinpath("templates")
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_attr"] = lambda value: json.dumps(value, default=str)
    return env


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (``None`` removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            params += [(key, str(v)) for v in value]
        else:
            params.append((key, str(value)))
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def context(request: Request, principal: Principal | None = None, **values: Any) -> dict[str, Any]:
    principal = principal or identify(request)
    language = principal.language

    def t(key: str, **kw: Any) -> str:
        return i18n.translate(key, language, **kw)

    def can(permission: str) -> bool:
        return principal.can(permission)

    nav = [item for item in NAVIGATION if principal.can(item.permission)]
    base: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "user": principal.user,
        "lang": language,
        "t": t,
        "can": can,
        "nav": nav,
        "csrf_token": principal.csrf_token or "",
        "number": lambda v, digits=0: i18n.number(v, language, digits),
        "percent": lambda v: i18n.percent(v, language),
        "date": lambda v: i18n.date(v, language),
        "datetime": lambda v: i18n.datetime(v, language),
        "url_with": lambda **kw: url_with(request, **kw),
        "json": lambda v: Markup(json.dumps(v, default=str)),
    }
    base.update(values)
    return base


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    html = environment().get_template(template).render(context(request, principal, **values))
    return HTMLResponse(html, status_code=status_code)


Translator = Callable[..., str]


def options(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Select options from (value, label) pairs."""
    return [{"value": v, "label": label} for v, label in pairs]
