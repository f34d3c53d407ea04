"""The data page (being built)."""

from fastapi import APIRouter

router = APIRouter()
