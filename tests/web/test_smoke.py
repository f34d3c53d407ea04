from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_sign_in_then_me(client_as: Callable[[str], TestClient]) -> None:
    analyst = client_as("analyst")
    me = analyst.get("/api/v1/me").json()
    assert me["role"] == "analyst" and "import_data" in me["permissions"]
    assert me["csrf_token"]
