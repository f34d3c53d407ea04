"""The FastAPI application: :func:`create_app` wires pages, API, assets and error handling."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import plotly
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.status import HTTP_303_SEE_OTHER
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentinelle import __version__
from sentinelle.config import Settings, settings_from_env
from sentinelle.store.database import Store, open_store
from sentinelle.web import i18n
from sentinelle.web.access import Public, SignInRequired, identify, is_api
from sentinelle.web.rendering import render

API_PREFIX = "/api/v1"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
"""Everything from this server only: the browser itself refuses anything from elsewhere.
(plotly.js needs 'unsafe-eval' for some of its number formatting, and its maps (MapLibre) start
their Web Worker from a ``blob:`` URL made by plotly.min.js itself.)"""


class SecurityHeaders:
    """Security headers on every response, the language cookie when ``?lang=`` is given, and
    a 400 for URLs holding NUL characters (no stored text has them; PostgreSQL refuses them).
    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs more per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in raw or b"\x00" in raw:
            response = JSONResponse({"detail": "NUL characters are not allowed in URLs"}, 400)
            await response(scope, receive, send)
            return
        language = None
        for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
            if key == "lang" and value in i18n.LANGUAGES:
                language = value

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if language:
                    headers.append(
                        "Set-Cookie",
                        f"{i18n.COOKIE}={language}; Max-Age={365 * 86400}; Path=/; SameSite=Lax",
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


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


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-worker serving: settings from the environment."""
    return create_app(settings_from_env())


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
