"""Server-rendered pages. Each capability has its module; this router gathers them."""

from fastapi import APIRouter

from sentinelle.web.pages import auth, data, events, forecast, overview, threat

router = APIRouter(include_in_schema=False)
for module in (auth, overview, events, data, threat, forecast):
    router.include_router(module.router)
