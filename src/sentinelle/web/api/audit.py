"""API: the audit log (administrators)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from sentinelle.store import audit as audit_store
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import MAX_PAGE_SIZE, Page

router = APIRouter(tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    record_type: str
    record_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None
    hash: str


class VerificationOut(BaseModel):
    entries: int
    ok: bool
    first_bad_id: int | None
    problem: str | None


@router.get("/audit", response_model=Page[AuditOut])
def audit_entries(
    request: Request,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    action: Annotated[str | None, Query(max_length=40)] = None,
    _: Principal = Depends(Require("view_audit")),
) -> Page[AuditOut]:
    with store_of(request).reading() as connection:
        total = audit_store.count(connection, action)
        found = audit_store.entries(
            connection, limit=page_size, offset=(page - 1) * page_size, action=action
        )
    items = [
        AuditOut(
            id=s.id,
            hash=s.hash,
            **{
                k: getattr(s.entry, k)
                for k in (
                    "at",
                    "actor",
                    "action",
                    "record_type",
                    "record_id",
                    "before",
                    "after",
                    "detail",
                )
            },
        )
        for s in found
    ]
    return Page[AuditOut](items=items, total=total, page=page, page_size=page_size)


@router.get("/audit/verify", response_model=VerificationOut)
def verify(request: Request, _: Principal = Depends(Require("view_audit"))) -> VerificationOut:
    with store_of(request).reading() as connection:
        result = audit_store.verify(connection)
    return VerificationOut(**result.__dict__)
