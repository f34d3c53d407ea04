"""Shapes shared by API endpoints (they make the OpenAPI description precise)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_PAGE_SIZE = 500
MAX_ID = 2_147_483_647

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="a record's id")]
"""Path parameter for record ids: bounded, so that absurd ids get 422, not a database error."""


class Page(BaseModel, Generic[T]):
    """One page of a longer list."""

    items: list[T]
    total: int = Field(description="items matching the filters, over all pages")
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=MAX_PAGE_SIZE)


class Problem(BaseModel):
    detail: str
