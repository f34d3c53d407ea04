"""Server-rendered pages. Each capability has its module; this router gathers them."""

from fastapi import APIRouter

from sentinelle.web.pages import (
    alert_figures,
    alerts,
    auth,
    data,
    decisions,
    events,
    forecast,
    harm,
    overview,
    planning,
    threat,
)

router = APIRouter(include_in_schema=False)
# alert_figures before alerts: /alerts/dashboard and /alerts/coverage must match before
# /alerts/{alert_id}
for module in (
    auth,
    overview,
    events,
    data,
    threat,
    forecast,
    decisions,
    planning,
    alert_figures,
    alerts,
    harm,
):
    router.include_router(module.router)
