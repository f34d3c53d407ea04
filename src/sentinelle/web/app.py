"""The FastAPI application: :func:`create_app` wires pages, API, assets and error handling."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import plotly
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.status import HTTP_303_SEE_OTHER

from sentinelle import __version__
from sentinelle.config import Settings, settings_from_env
from sentinelle.store.database import Store, open_store
from sentinelle.web import i18n
from sentinelle.web.access import Public, SignInRequired, identify, is_api
from sentinelle.web.rendering import render

API_PREFIX = "/api/v1"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-eval'; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
"""Everything from this server only: the browser itself refuses anything from elsewhere.
(plotly.js needs 'unsafe-eval' for some of its number formatting.)"""


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        language = request.query_params.get("lang")
        if language in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, language, max_age=365 * 86400, samesite="lax")
        return response


def plotly_js() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The application over ``store`` (default: the store named by the settings)."""
    settings = settings or settings_from_env()
    app = FastAPI(
        title="Sentinelle API",
        version=__version__,
        description="Protection of civilians in peace operations. All endpoints need a signed-in "
        "session or an API token (`Authorization: Bearer snt_…`).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # FastAPI's built-in docs load from a CDN; the app must work offline
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store or open_store(settings.database_url)
    app.add_middleware(SecurityHeaders)
    static = resources.files("sentinelle.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_asset(_: Any = Depends(Public())) -> FileResponse:
        return FileResponse(
            plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/healthz", include_in_schema=False)
    def health(_: Any = Depends(Public())) -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    from sentinelle.web.api import router as api_router
    from sentinelle.web.pages import router as pages_router

    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(pages_router)
    _error_handlers(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={target}", status_code=HTTP_303_SEE_OTHER)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        principal = identify(request)
        key = {403: "error.forbidden", 404: "error.not_found"}.get(exc.status_code)
        if exc.status_code == 403 and "CSRF" in str(exc.detail):
            key = "error.csrf"
        message = (
            i18n.translate(key, principal.language)
            if key
            else i18n.translate("error.bad_request", principal.language, detail=exc.detail)
        )
        return render(
            request, "errors/error.html", principal, status_code=exc.status_code, message=message
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        if is_api(request):
            return JSONResponse({"detail": problems}, status_code=422)
        principal = identify(request)
        detail = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
        message = i18n.translate("error.bad_request", principal.language, detail=detail)
        return render(request, "errors/error.html", principal, status_code=422, message=message)
