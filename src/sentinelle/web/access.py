"""Who is asking, and may they? Every route declares its rule with one dependency:

* ``Depends(Public())`` — anyone, signed in or not (sign-in page, assets, health check);
* ``Depends(Require("permission"))`` — a signed-in user whose role has that permission
  (``domain/data/permissions.csv``); ``Require(None)`` — any signed-in user.

A request is signed in by a session cookie (browsers) or an ``Authorization: Bearer snt_…`` API
token (scripts). Unsafe methods (POST, PUT, PATCH, DELETE) in a session must carry the session's
CSRF token, in the form field ``csrf_token`` or the ``X-CSRF-Token`` header; token requests need
none (they carry no ambient credentials). Pages answer a missing sign-in with a redirect to the
sign-in page; the API with 401.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request
from starlette.status import HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN

from sentinelle import accounts
from sentinelle.domain.access import allowed
from sentinelle.domain.vocabulary import Language
from sentinelle.store.database import Store
from sentinelle.store.users import UserRecord
from sentinelle.web import i18n

SESSION_COOKIE = "sentinelle_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request (``None`` for a public request)."""

    user: UserRecord | None
    via: Literal["session", "token", "none"]
    csrf_token: str | None
    language: Language

    @property
    def name(self) -> str:
        return self.user.username if self.user else "anonymous"

    def can(self, permission: str) -> bool:
        return self.user is not None and allowed(self.user.role, permission)


class SignInRequired(Exception):
    """A page needs a signed-in user (turned into a redirect by the app)."""


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _language(request: Request, user: UserRecord | None) -> Language:
    return i18n.choose_language(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        user.language if user else None,
        request.headers.get("accept-language"),
    )


def identify(request: Request) -> Principal:
    """The principal of a request, from its API token or session cookie (cached on it)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    store = store_of(request)
    user: UserRecord | None = None
    via: Literal["session", "token", "none"] = "none"
    csrf = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.token_user(store, header[7:].strip())
        if user is None:
            raise HTTPException(
                HTTP_401_UNAUTHORIZED,
                "invalid or revoked API token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        via = "token"
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            found = accounts.session_user(store, cookie)
            if found is not None:
                user, csrf = found
                via = "session"
    principal = Principal(user, via, csrf, _language(request, user))
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if request.method not in UNSAFE or principal.via != "session":
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise HTTPException(HTTP_403_FORBIDDEN, "missing or wrong CSRF token")


class Public:
    """Access rule: anyone."""

    permission: str | None = None
    public = True

    async def __call__(self, request: Request) -> Principal:
        return identify(request)


class Require:
    """Access rule: a signed-in user whose role has ``permission`` (any user if None)."""

    public = False

    def __init__(self, permission: str | None = None) -> None:
        if permission is not None:
            allowed("admin", permission)  # refuses unknown permissions at import time
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:
        principal = identify(request)
        if principal.user is None:
            if is_api(request):
                raise HTTPException(
                    HTTP_401_UNAUTHORIZED,
                    "sign in or send an API token",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            raise SignInRequired()
        if self.permission is not None and not principal.can(self.permission):
            raise HTTPException(
                HTTP_403_FORBIDDEN,
                f"the role {principal.user.role!r} may not {self.permission.replace('_', ' ')}",
            )
        await _check_csrf(request, principal)
        return principal
