"""Server-rendered pages. Each capability has its module; this router gathers them."""

from fastapi import APIRouter

from sentinelle.web.pages import (
    alert_figures,
    alerts,
    auth,
    data,
    events,
    forecast,
    overview,
    threat,
)

router = APIRouter(include_in_schema=False)
# alert_figures before alerts: /alerts/dashboard and /alerts/coverage must match before
# /alerts/{alert_id}
for module in (auth, overview, events, data, threat, forecast, alert_figures, alerts):
    router.include_router(module.router)
