"""Shapes shared by API endpoints (they make the OpenAPI description precise)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_PAGE_SIZE = 500


class Page(BaseModel, Generic[T]):
    """One page of a longer list."""

    items: list[T]
    total: int = Field(description="items matching the filters, over all pages")
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=MAX_PAGE_SIZE)


class Problem(BaseModel):
    detail: str
