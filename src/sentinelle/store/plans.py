"""The decision log in the store: plans, decisions on them and their outcomes.

All three tables only grow (database triggers refuse UPDATE and DELETE): a changed plan is a
new plan, a changed decision is a new decision on the same plan, a later look at the outcome is
a new outcome. JSON columns hold the plan's inputs, result and options and an outcome's
measures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select

from sentinelle.store.schema import decision_outcomes, decisions, plans

JSON_COLUMNS = {"plans": ("parameters", "result", "options"), "outcomes": ("measures",)}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _insert(connection: Connection, table: Any, values: Mapping[str, Any]) -> int:
    key = connection.execute(insert(table).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _decoded(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    found = dict(row._mapping)
    for column in columns:
        found[column] = json.loads(found[column])
    return found


def insert_plan(connection: Connection, values: Mapping[str, Any]) -> int:
    clean = dict(values)
    for column in JSON_COLUMNS["plans"]:
        clean[column] = _dumps(clean[column])
    return _insert(connection, plans, clean)


def get_plan(connection: Connection, plan_id: int) -> dict[str, Any] | None:
    row = connection.execute(select(plans).where(plans.c.id == plan_id)).first()
    return None if row is None else _decoded(row, JSON_COLUMNS["plans"])


def list_plans(connection: Connection, limit: int = 200) -> list[dict[str, Any]]:
    """The newest plans first."""
    rows = connection.execute(select(plans).order_by(plans.c.id.desc()).limit(limit))
    return [_decoded(r, JSON_COLUMNS["plans"]) for r in rows]


def count_plans(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(plans)).scalar() or 0)


def insert_decision(connection: Connection, values: Mapping[str, Any]) -> int:
    return _insert(connection, decisions, values)


def get_decision(connection: Connection, decision_id: int) -> dict[str, Any] | None:
    row = connection.execute(select(decisions).where(decisions.c.id == decision_id)).first()
    return None if row is None else dict(row._mapping)


def decisions_of(connection: Connection, plan_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each plan's decisions, oldest first."""
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in plan_ids}
    if not plan_ids:
        return found
    rows = connection.execute(
        select(decisions)
        .where(decisions.c.plan_id.in_(plan_ids))
        .order_by(decisions.c.decided_at, decisions.c.id)
    )
    for row in rows:
        found[int(row.plan_id)].append(dict(row._mapping))
    return found


def insert_outcome(connection: Connection, values: Mapping[str, Any]) -> int:
    clean = dict(values)
    clean["measures"] = _dumps(clean["measures"])
    return _insert(connection, decision_outcomes, clean)


def outcomes_of(connection: Connection, decision_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each decision's outcomes, oldest first."""
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in decision_ids}
    if not decision_ids:
        return found
    rows = connection.execute(
        select(decision_outcomes)
        .where(decision_outcomes.c.decision_id.in_(decision_ids))
        .order_by(decision_outcomes.c.recorded_at, decision_outcomes.c.id)
    )
    for row in rows:
        found[int(row.decision_id)].append(_decoded(row, JSON_COLUMNS["outcomes"]))
    return found
