"""The decision log on the demo store: a plan keeps the threat picture it rests on, decisions
and outcomes are recorded and never changed, stale threat pictures are flagged, and the
outcome is measured from the store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from sentinelle.panel import load_panel
from sentinelle.planning.decisions import (
    CURRENT_POSTURE,
    RECOMMENDED,
    DecisionError,
    chain,
    decision_log,
    measure_outcome,
    record_decision,
    record_outcome,
    save_plan,
    staleness,
)
from sentinelle.planning.plan import plan
from sentinelle.store import audit
from sentinelle.store import plans as plan_store
from sentinelle.store.database import Store
from sentinelle.threat.assess import assess, save_assessment

MONTH = "2018-06"


def _assessment(store: Store, month: str) -> int:
    with store.reading() as connection:
        made = assess(connection, month)
    return save_assessment(store, made, "tester")


def _plan(store: Store) -> int:
    with store.reading() as connection:
        solved = plan(connection, MONTH, units=4)
        rainy = plan(connection, MONTH, units=4, reach_factor=0.6)
    return save_plan(
        store,
        solved,
        title="Central Mali, dry season",
        actor="tester",
        month=MONTH,
        alternatives={"rainy season": rainy},
    )


def test_a_plan_keeps_its_threat_picture_inputs_result_and_options(demo_store: Store) -> None:
    older = _assessment(demo_store, "2018-04")
    used = _assessment(demo_store, MONTH)
    _assessment(demo_store, "2018-07")  # after the plan's month: not the one it rests on
    plan_id = _plan(demo_store)
    with demo_store.reading() as connection:
        solved = plan(connection, MONTH, units=4)
        found = plan_store.get_plan(connection, plan_id)
        entries = audit.entries(connection, record_type="plan")
    assert found is not None
    assert found["assessment_id"] == used != older
    assert found["assessment_revision"] == 0
    assert found["forecast_run_id"] is None
    labels = [o["label"] for o in found["options"]]
    assert labels == [RECOMMENDED, CURRENT_POSTURE, "rainy season"]
    result = found["result"]
    assert result["objective"] == pytest.approx(solved.plan.objective)
    assert [u["site"] for u in result["units"]] == [u.site for u in solved.units()]
    assert set(result["covered"]) == {
        solved.named.areas.codes[i] for i in solved.plan.covered_areas
    }
    rainy = found["options"][2]
    assert rainy["objective"] <= result["objective"] + 1e-9
    assert any(e.entry.record_id == str(plan_id) for e in entries)


def test_decisions_and_outcomes_are_recorded_and_measured(demo_store: Store) -> None:
    _assessment(demo_store, MONTH)
    plan_id = _plan(demo_store)
    decided = dt.datetime.now(dt.UTC)
    first = record_decision(
        demo_store,
        plan_id,
        choice="deferred",
        option=RECOMMENDED,
        decided_by="Force Commander",
        decided_at=decided,
        rationale="Wait for the rainy-season road report",
        actor="adviser",
    )
    second = record_decision(
        demo_store,
        plan_id,
        choice="adopted_with_changes",
        option="rainy season",
        decided_by="Force Commander",
        decided_at=decided + dt.timedelta(seconds=1),
        rationale="Rains have started",
        actor="adviser",
    )
    outcome = record_outcome(
        demo_store,
        second,
        first_month="2018-07",
        last_month="2018-09",
        summary="Fewer attacks in the covered cercles",
        actor="adviser",
    )
    with demo_store.reading() as connection:
        logged = chain(connection, plan_id)
        found = plan_store.get_plan(connection, plan_id)
        assert found is not None
        expected = measure_outcome(
            connection, found, pd.Period("2018-07", "M"), pd.Period("2018-09", "M")
        )
        counts = _panel_counts(connection, "2018-07", "2018-09")
    assert [d.decision["id"] for d in logged.decisions] == [first, second]
    assert logged.latest is not None and logged.latest.decision["choice"] == "adopted_with_changes"
    (stored,) = logged.latest.outcomes
    assert stored["id"] == outcome
    assert stored["measures"] == pytest.approx(expected)
    measures = stored["measures"]
    assert measures["vac_events"] == counts.sum() > 0
    assert measures["vac_events_covered"] == counts.reindex(found["result"]["covered"]).sum()
    assert (
        measures["vac_events_posture"] == counts.reindex(found["result"]["posture_covered"]).sum()
    )
    assert 0 < measures["vac_events_covered"] < measures["vac_events"]
    assert measures["events_share_covered"] == pytest.approx(
        measures["vac_events_covered"] / measures["vac_events"]
    )


def _panel_counts(connection: sa.Connection, first: str, last: str) -> pd.Series:
    """VAC events per cercle over the period, from the panel."""
    panel = load_panel(
        connection, "admin2", pd.Period(first, "M"), pd.Period(last, "M"), geography="pre2016"
    )
    return panel.groupby(panel["unit"].astype(str))["vac_events"].sum()


def test_stale_threat_pictures_are_flagged(demo_store: Store) -> None:
    plan_id = _plan(demo_store)  # no assessment saved yet
    decided = dt.datetime.now(dt.UTC)
    with demo_store.reading() as connection:
        found = plan_store.get_plan(connection, plan_id)
        assert found is not None
        assert staleness(connection, found, decided) == [
            "no threat assessment was recorded with the plan"
        ]
    _assessment(demo_store, "2018-05")
    with_old = _plan(demo_store)
    newer = _assessment(demo_store, MONTH)
    with demo_store.reading() as connection:
        found = plan_store.get_plan(connection, with_old)
        assert found is not None
        # a decision in June 2018 on the May assessment: current then
        assert staleness(connection, found, dt.datetime(2018, 6, 20, tzinfo=dt.UTC)) == []
        # three months on it is old; and today the June assessment exists
        reasons = staleness(connection, found, dt.datetime(2018, 8, 20, tzinfo=dt.UTC))
        assert len(reasons) == 1 and "3 months before the decision" in reasons[0]
        today = staleness(connection, found, dt.datetime.now(dt.UTC))
        assert any(f"assessment #{newer}" in r for r in today)
    record_decision(
        demo_store,
        with_old,
        choice="adopted",
        option=RECOMMENDED,
        decided_by="Head of Office",
        decided_at=dt.datetime.now(dt.UTC),
        rationale="Covers the most risk",
        actor="adviser",
    )
    with demo_store.reading() as connection:
        logged = {c.plan["id"]: c for c in decision_log(connection)}
    assert logged[with_old].stale
    assert not logged[plan_id].stale  # no decision yet: nothing to flag


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"choice": "maybe"}, "must be one of"),
        ({"option": "plan B"}, "has no option 'plan B'"),
        ({"decided_by": "  "}, "who decided is required"),
        ({"rationale": ""}, "reason for the decision is required"),
        ({"rationale": "x" * 4001}, "at most 4,000 characters"),
        ({"decided_by": "Force\x00Commander"}, "control characters"),
        ({"decided_at": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)}, "in the future"),
        ({"decided_at": dt.datetime(2018, 1, 1, tzinfo=dt.UTC)}, "before plan"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_written(
    demo_store: Store, changes: dict[str, object], message: str
) -> None:
    plan_id = _plan(demo_store)
    values: dict[str, object] = {
        "choice": "adopted",
        "option": RECOMMENDED,
        "decided_by": "Force Commander",
        "decided_at": dt.datetime.now(dt.UTC),
        "rationale": "Covers the most risk",
    }
    values.update(changes)
    with pytest.raises(DecisionError, match=message):
        record_decision(demo_store, plan_id, actor="adviser", **values)  # type: ignore[arg-type]
    with demo_store.reading() as connection:
        assert plan_store.decisions_of(connection, [plan_id]) == {plan_id: []}


def test_outcomes_need_a_period_after_the_plan(demo_store: Store) -> None:
    plan_id = _plan(demo_store)
    decision = record_decision(
        demo_store,
        plan_id,
        choice="adopted",
        option=RECOMMENDED,
        decided_by="Force Commander",
        decided_at=dt.datetime.now(dt.UTC),
        rationale="Covers the most risk",
        actor="adviser",
    )
    with pytest.raises(DecisionError, match="start after the plan's month 2018-06"):
        record_outcome(
            demo_store, decision, first_month="2018-06", last_month="2018-07", summary="x",
            actor="adviser",
        )  # fmt: skip
    with pytest.raises(DecisionError, match=r"ends .* before it starts"):
        record_outcome(
            demo_store, decision, first_month="2018-09", last_month="2018-07", summary="x",
            actor="adviser",
        )  # fmt: skip
    with pytest.raises(DecisionError, match="no decision #999"):
        record_outcome(
            demo_store, 999, first_month="2018-07", last_month="2018-08", summary="x",
            actor="adviser",
        )  # fmt: skip


def test_the_log_is_never_changed_in_the_store(demo_store: Store) -> None:
    plan_id = _plan(demo_store)
    for statement in (
        "UPDATE plans SET title = 'changed'",
        "DELETE FROM plans",
    ):
        with (
            pytest.raises(sa.exc.DBAPIError, match="never changed or deleted"),
            demo_store.transaction() as connection,
        ):
            connection.exec_driver_sql(statement)
    with demo_store.reading() as connection:
        found = plan_store.get_plan(connection, plan_id)
    assert found is not None and found["title"] == "Central Mali, dry season"
