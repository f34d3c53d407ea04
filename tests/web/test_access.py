"""Every route declares one access rule, and that rule holds for every role.

Routes are enumerated from the application itself, so a page or endpoint added later is checked
without touching this test. The expected answers come from the role matrix
(``domain/data/permissions.csv``), not from a list kept here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Mount, Route

from sentinelle.config import Settings
from sentinelle.domain.access import ROLES, allowed
from sentinelle.store.database import Store
from sentinelle.store.schema import events, imports
from sentinelle.web.access import Public, Require
from sentinelle.web.app import create_app
from tests.web.conftest import csrf_of

FRAMEWORK_ROUTES = {"/api/v1/openapi.json"}  # FastAPI's own OpenAPI description: public
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def access_rule(route: APIRoute, path: str) -> Public | Require:
    rules = [d.call for d in route.dependant.dependencies if isinstance(d.call, Public | Require)]
    assert len(rules) == 1, f"{path} declares {len(rules)} access rules; expected one"
    return rules[0]


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full path, route) for every route, through included routers (FastAPI keeps them
    nested in recent versions and flattened in older ones)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            local = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _walk(included.routes, prefix + local)
        else:
            yield prefix + getattr(route, "path", ""), route


def app_routes(app: FastAPI) -> list[tuple[str, str, Public | Require]]:
    found = []
    for path, route in _walk(app.routes):
        if isinstance(route, Mount):
            continue  # /static: our own CSS and JS
        if isinstance(route, APIRoute):
            rule = access_rule(route, path)
            for method in sorted(route.methods):
                found.append((method, path, rule))
        elif isinstance(route, Route):
            assert path in FRAMEWORK_ROUTES, f"{path} has no declared access rule"
    return found


def test_every_route_declares_exactly_one_rule(tmp_path: object, sqlite_store: Store) -> None:
    app = create_app(Settings(database_url=sqlite_store.url, home=tmp_path), sqlite_store)  # type: ignore[arg-type]
    routes = app_routes(app)
    assert len(routes) > 10
    paths = {path for _, path, _ in routes}
    assert {"/sign-in", "/api/v1/me", "/api/v1/users", "/api/v1/audit/verify"} <= paths


def fill(path: str, samples: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: samples.get(m.group(1), "1"), path)


def test_each_rule_holds_for_each_role(
    demo_store: Store, client_as: Callable[[str], TestClient], tmp_path: object
) -> None:
    app = create_app(Settings(database_url=demo_store.url, home=tmp_path), demo_store)  # type: ignore[arg-type]
    with demo_store.reading() as connection:
        event_id = connection.execute(select(events.c.id).limit(1)).scalar_one()
        import_id = connection.execute(select(imports.c.id).limit(1)).scalar_one()
    samples = {
        "event_id": str(event_id),
        "id": str(event_id),
        "import_id": str(import_id),
        "username": "demo-viewer",
        "token_id": "999999",
        "job_id": "999999",
    }
    failures = []
    for method, path, rule in app_routes(app):
        url = fill(path, samples)
        is_api = path.startswith("/api/")
        anonymous = TestClient(app)
        answer = anonymous.request(method, url, follow_redirects=False)
        if isinstance(rule, Public):
            if answer.status_code in (401, 403):
                failures.append(
                    f"anonymous {method} {path}: {answer.status_code} on a public route"
                )
        else:
            expected = 401 if is_api else 303
            if answer.status_code != expected or (
                not is_api and "/sign-in" not in answer.headers.get("location", "")
            ):
                failures.append(
                    f"anonymous {method} {path}: {answer.status_code}, expected {expected}"
                )
        if isinstance(rule, Public):
            continue
        for role in ROLES:
            client = client_as(role)
            headers = {"X-CSRF-Token": csrf_of(client)} if method in UNSAFE else {}
            answer = client.request(method, url, headers=headers, follow_redirects=False)
            may = rule.permission is None or allowed(role, rule.permission)
            refused = answer.status_code in (401, 403)
            if may == refused:
                verdict = "should be allowed" if may else "should be refused"
                failures.append(
                    f"{role} {method} {path}: {answer.status_code} "
                    f"({verdict}, rule {rule.permission})"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("method", ["POST"])
def test_session_requests_without_csrf_token_are_refused(
    client_as: Callable[[str], TestClient], method: str
) -> None:
    admin = client_as("admin")
    answer = admin.request(method, "/api/v1/tokens", json={"name": "x"})
    assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
    answer = admin.request(
        method, "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf_of(admin)}
    )
    assert answer.status_code == 201


def test_api_tokens_work_without_csrf_and_stop_when_revoked(
    client_as: Callable[[str], TestClient], app_client: TestClient
) -> None:
    analyst = client_as("analyst")
    created = analyst.post(
        "/api/v1/tokens", json={"name": "nightly"}, headers={"X-CSRF-Token": csrf_of(analyst)}
    ).json()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    me = app_client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and me.json()["authenticated_by"] == "token"
    # a token request carries no ambient credential: no CSRF token needed
    again = app_client.post("/api/v1/tokens", json={"name": "second"}, headers=bearer)
    assert again.status_code == 201
    app_client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer)
    assert app_client.get("/api/v1/me", headers=bearer).status_code == 401
