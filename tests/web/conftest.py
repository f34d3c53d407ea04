"""Fixtures for the web application: a store holding the demo scenario and one user per role
(on SQLite and on PostgreSQL), and HTTP clients signed in as each role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sentinelle.config import Settings
from sentinelle.demo.load import DEMO_PASSWORD
from sentinelle.domain.access import ROLES
from sentinelle.store.database import Store
from sentinelle.web.app import create_app

ROLE_USERS = {role: f"demo-{role}" for role in ROLES}


@pytest.fixture
def app_client(demo_store: Store, tmp_path: Path) -> Iterator[TestClient]:
    """An anonymous client of the app over the demo store."""
    settings = Settings(database_url=demo_store.url, home=tmp_path)
    with TestClient(create_app(settings, store=demo_store)) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> TestClient:
    """Sign ``client`` in through the real form (pre-session token included)."""
    page = client.get("/sign-in")
    token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "form_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token (pages also embed it in a meta tag and in forms)."""
    token: str = client.get("/api/v1/me").json()["csrf_token"]
    return token


@pytest.fixture
def client_as(demo_store: Store, tmp_path: Path) -> Iterator[Callable[[str], TestClient]]:
    """``client_as("analyst")``: a client signed in as the demo user of that role."""
    clients: list[TestClient] = []
    settings = Settings(database_url=demo_store.url, home=tmp_path)
    app = create_app(settings, store=demo_store)

    def make(role: str) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return sign_in(client, ROLE_USERS[role])

    yield make
    for client in clients:
        client.__exit__(None, None, None)
