"""API: places (being built)."""

from fastapi import APIRouter

router = APIRouter(tags=["places"])
