"""Browser tests: Playwright driving Debian's Chromium against the real app served by uvicorn
on 127.0.0.1, over a store holding the demo scenario (SQLite and PostgreSQL).

Every page a test opens records the requests it makes; a test fails if any goes anywhere but
127.0.0.1 (the app must work offline). Screenshots go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn

from sentinelle.config import Settings
from sentinelle.demo.load import DEMO_PASSWORD
from sentinelle.store.database import Store
from sentinelle.web.app import create_app

CHROMIUM = os.environ.get("SENTINELLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live_server(demo_store: Store, tmp_path: Path) -> Iterator[str]:
    """The app on a free port of 127.0.0.1; yields its base URL."""
    port = _free_port()
    app = create_app(Settings(database_url=demo_store.url, home=tmp_path), store=demo_store)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Visit:
    """A browser page that remembers every request it made."""

    def __init__(self, page: object, base: str) -> None:
        self.page = page
        self.base = base
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))  # type: ignore[attr-defined]

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlparse(url).scheme not in ("data", "blob", "about")
            and urlparse(url).hostname != "127.0.0.1"
        ]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        page = self.page
        page.goto(f"{self.base}/sign-in")  # type: ignore[attr-defined]
        page.fill("input[name=username]", username)  # type: ignore[attr-defined]
        page.fill("input[name=password]", password)  # type: ignore[attr-defined]
        page.click("button[type=submit]")  # type: ignore[attr-defined]
        page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


@pytest.fixture
def visit(browser: object, live_server: str, request: pytest.FixtureRequest) -> Iterator[Visit]:
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="en-GB", viewport={"width": 1360, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    visit = Visit(page, live_server)
    yield visit
    name = request.node.name.replace("[", "-").replace("]", "")
    visit.screenshot(f"{name}-end")
    context.close()
    foreign = visit.foreign_requests()
    assert not foreign, f"pages requested something outside 127.0.0.1: {foreign}"
