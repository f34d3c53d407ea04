"""The REST API under ``/api/v1``. Each capability has its module; this router gathers them."""

from fastapi import APIRouter

from sentinelle.web.api import (
    account,
    alert_figures,
    alerts,
    audit,
    decisions,
    events,
    forecast,
    harm,
    imports,
    overview,
    places,
    planning,
    threat,
    users,
)

router = APIRouter()
for module in (
    account,
    users,
    audit,
    overview,
    places,
    events,
    imports,
    threat,
    forecast,
    planning,
    decisions,
    alerts,
    alert_figures,
    harm,
):
    router.include_router(module.router)
