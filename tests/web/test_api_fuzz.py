"""Schemathesis against the OpenAPI description: generated requests (valid and invalid) to every
operation, as an administrator, must never get a server error. Bounded: a few dozen examples
per operation, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from sentinelle import accounts
from sentinelle.config import Settings
from sentinelle.store.database import Store
from sentinelle.web.app import API_PREFIX, create_app

EXAMPLES_PER_OPERATION = 25


def test_no_server_errors_on_any_operation(demo_store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=demo_store.url, home=tmp_path), store=demo_store)
    schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            # a fresh token for every request: a generated DELETE may revoke the previous one
            token, _ = accounts.create_token(demo_store, "demo-admin", "schemathesis", "test")
            try:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
            except Exception as exc:  # the app raised: a server error
                failures.append(f"{case.method} {case.formatted_path} {case.query or ''} → {exc!r}")
                return
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query or ''} → "
                    f"{response.status_code}: {response.text[:300]}"
                )

        check()
    assert operations >= 5
    assert not failures, "\n".join(sorted(set(failures))[:20])
