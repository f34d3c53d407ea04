"""Signing in and out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER

from sentinelle import accounts
from sentinelle.web import i18n
from sentinelle.web.access import (
    SESSION_COOKIE,
    Principal,
    Public,
    Require,
    client_ip,
    store_of,
)
from sentinelle.web.rendering import render

router = APIRouter()
PRE_SESSION_COOKIE = "sentinelle_signin"


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form(
    request: Request, principal: Principal, status: int = 200, message: str | None = None
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "auth/sign_in.html",
        principal,
        status_code=status,
        form_token=token,
        next=_safe_next(request.query_params.get("next") or request.query_params.get("n")),
        message=message,
    )
    response.set_cookie(
        PRE_SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        max_age=3600,
    )
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, principal: Principal = Depends(Public())) -> Response:
    if principal.user is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), HTTP_303_SEE_OTHER)
    return _form(request, principal)


@router.post("/sign-in")
def sign_in(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    form_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    principal: Principal = Depends(Public()),
) -> Response:
    expected = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form_token):
        message = i18n.translate("error.csrf", principal.language)
        return _form(request, principal, 403, message)
    store = store_of(request)
    try:
        user = accounts.authenticate(store, username, password, client_ip(request))
    except accounts.TooManyAttempts as exc:
        minutes = max(1, int(exc.retry_after.total_seconds() // 60))
        message = i18n.translate("auth.too_many", principal.language, minutes=minutes)
        return _form(request, principal, 429, message)
    except accounts.AccountError:
        return _form(request, principal, 401, i18n.translate("auth.failed", principal.language))
    session = accounts.open_session(store, user)
    response = RedirectResponse(_safe_next(next), HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        expires=session.expires_at,
    )
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request, principal: Principal = Depends(Require(None))) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.close_session(store_of(request), cookie, principal.name)
    response = RedirectResponse("/sign-in?signed_out=1", HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE)
    return response
