"""The events page (being built)."""

from fastapi import APIRouter

router = APIRouter()
