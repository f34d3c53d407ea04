"""API: overview (being built)."""

from fastapi import APIRouter

router = APIRouter(tags=["overview"])
