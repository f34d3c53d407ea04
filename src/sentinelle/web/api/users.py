"""API: users and roles (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from sentinelle import accounts
from sentinelle.domain.access import ROLES, Role
from sentinelle.web.access import Principal, Require, store_of

router = APIRouter(tags=["users"])


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str | None
    role: str
    language: str | None
    active: bool


class NewUser(BaseModel):
    username: str = Field(min_length=3, max_length=100)
    password: str = Field(min_length=accounts.MIN_PASSWORD_LENGTH, max_length=500)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern="^(fr|en)$")


class UserChange(BaseModel):
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(
        default=None, min_length=accounts.MIN_PASSWORD_LENGTH, max_length=500
    )
    display_name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern="^(fr|en)?$")


def _out(user: accounts.UserRecord) -> UserOut:
    return UserOut(**user.public())


@router.get("/users", response_model=list[UserOut])
def list_users(request: Request, _: Principal = Depends(Require("manage_users"))) -> list[UserOut]:
    return [_out(u) for u in accounts.list_users(store_of(request))]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    request: Request,
    body: Annotated[NewUser, Body()],
    principal: Principal = Depends(Require("manage_users")),
) -> UserOut:
    try:
        user = accounts.create_user(
            store_of(request),
            body.username,
            body.password,
            body.role,
            principal.name,
            display_name=body.display_name,
            language=body.language,
        )
    except accounts.AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return _out(user)


@router.patch("/users/{username}", response_model=UserOut)
def change_user(
    request: Request,
    username: str,
    body: Annotated[UserChange, Body()],
    principal: Principal = Depends(Require("manage_users")),
) -> UserOut:
    try:
        user = accounts.update_user(
            store_of(request),
            username,
            principal.name,
            role=body.role,
            active=body.active,
            password=body.password,
            display_name=body.display_name,
            language=body.language,
        )
    except accounts.AccountError as exc:
        status = 404 if str(exc).startswith("no user") else 422
        raise HTTPException(status, str(exc)) from None
    return _out(user)


__all__ = ["ROLES", "router"]
