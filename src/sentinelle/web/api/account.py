"""API: who am I, and my API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from sentinelle import accounts
from sentinelle.domain.access import permissions
from sentinelle.store import users as user_store
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import RecordId

router = APIRouter(tags=["account"])


class Me(BaseModel):
    username: str
    display_name: str | None
    role: str
    language: str
    permissions: list[str]
    authenticated_by: str
    csrf_token: str | None = Field(
        default=None, description="send as X-CSRF-Token on unsafe requests of this session"
    )


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="what script uses it")


class CreatedToken(TokenOut):
    token: str = Field(description="shown once; keep it secret")


@router.get("/me", response_model=Me)
def me(principal: Principal = Depends(Require(None))) -> Me:
    assert principal.user is not None
    return Me(
        username=principal.user.username,
        display_name=principal.user.display_name,
        role=principal.user.role,
        language=principal.language,
        permissions=[p for p in permissions() if principal.can(p)],
        authenticated_by=principal.via,
        csrf_token=principal.csrf_token,
    )


@router.get("/tokens", response_model=list[TokenOut])
def my_tokens(
    request: Request, principal: Principal = Depends(Require("use_api_tokens"))
) -> list[TokenOut]:
    assert principal.user is not None
    with store_of(request).reading() as connection:
        tokens = user_store.list_tokens(connection, principal.user.id)
    return [TokenOut(**{k: v for k, v in t.__dict__.items() if k != "user_id"}) for t in tokens]


@router.post("/tokens", response_model=CreatedToken, status_code=201)
def new_token(
    request: Request,
    body: Annotated[NewToken, Body()],
    principal: Principal = Depends(Require("use_api_tokens")),
) -> CreatedToken:
    assert principal.user is not None
    try:
        plain, token = accounts.create_token(
            store_of(request), principal.user.username, body.name, principal.name
        )
    except accounts.AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return CreatedToken(token=plain, **{k: v for k, v in token.__dict__.items() if k != "user_id"})


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke(
    request: Request,
    token_id: RecordId,
    principal: Principal = Depends(Require("use_api_tokens")),
) -> TokenOut:
    assert principal.user is not None
    store = store_of(request)
    with store.reading() as connection:
        mine = {t.id for t in user_store.list_tokens(connection, principal.user.id)}
    if token_id not in mine and not principal.can("manage_users"):
        raise HTTPException(404, f"no API token {token_id} of yours")
    try:
        token = accounts.revoke_token(store, token_id, principal.name)
    except accounts.AccountError as exc:
        raise HTTPException(404, str(exc)) from None
    return TokenOut(**{k: v for k, v in token.__dict__.items() if k != "user_id"})
