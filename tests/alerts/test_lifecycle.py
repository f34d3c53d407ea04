"""The lifecycle accepts exactly the valid sequences of steps.

The oracle below is the lifecycle written out independently from the code, from the rules in
docs/alerts.md; Hypothesis drives random sequences of actions with random (valid and invalid)
values through both and checks they agree at every step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sentinelle.domain.alerts import (
    Standing,
    TransitionError,
    allowed_actions,
    check_transition,
)

ON_SITE = {"patrol", "deployment", "engagement"}
DECISIONS = [*ON_SITE, "referral_authorities", "referral_humanitarian", "none"]
ACTIONS = ["verify", "assess", "decide", "dispatch", "arrive", "close", "reopen", "merge", "note"]
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def oracle(facts: dict[str, Any], action: str, values: dict[str, Any]) -> str | None:
    """The state after ``action``, or None when the lifecycle must refuse it."""
    state = facts["state"]
    if state == "merged":
        return None
    if action == "note":
        return state if isinstance(values.get("text"), str) and values["text"].strip() else None
    if action == "merge":
        into = values.get("merged_into")
        ok = state != "closed" and isinstance(into, int) and not isinstance(into, bool)
        return "merged" if ok and into >= 1 else None
    if action == "reopen":
        ok = (
            state == "closed" and isinstance(values.get("reason"), str) and values["reason"].strip()
        )
        return facts["closed_from"] if ok else None
    outcome_ok = values.get("outcome") in ("prevented", "occurred", "unknown")
    if state == "received" and action == "verify":
        return (
            "verified"
            if values.get("verification") in ("confirmed", "unconfirmed", "false")
            else None
        )
    if state == "verified":
        if action == "assess" and facts["verification"] != "false":
            required = values.get("response_required")
            if required is True:
                return "assessed" if values.get("priority") in ("high", "medium", "low") else None
            if required is False:
                return (
                    "assessed"
                    if values.get("priority") in (None, "high", "medium", "low")
                    else None
                )
            return None
        if action == "close" and facts["verification"] == "false":
            return "closed" if values.get("outcome") is None or outcome_ok else None
        return None
    if state == "assessed":
        if action == "decide" and facts["response_required"]:
            decision = values.get("decision")
            if decision not in DECISIONS:
                return None
            if decision == "none" and not (values.get("decision_reason") or "").strip():
                return None
            return "decided"
        if action == "close" and facts["response_required"] is False:
            return "closed" if values.get("outcome") is None or outcome_ok else None
        return None
    if state == "decided":
        if action == "dispatch" and facts["decision"] in ON_SITE:
            return "dispatched"
        if action == "close" and facts["decision"] not in ON_SITE:
            return "closed" if outcome_ok else None
        return None
    if state == "dispatched":
        return "on_site" if action == "arrive" else None
    if state == "on_site":
        return "closed" if action == "close" and outcome_ok else None
    return None


values_strategy = st.fixed_dictionaries(
    {},
    optional={
        "verification": st.sampled_from(["confirmed", "unconfirmed", "false", "maybe"]),
        "response_required": st.sampled_from([True, False, "yes"]),
        "priority": st.sampled_from(["high", "medium", "low", "urgent"]),
        "decision": st.sampled_from([*DECISIONS, "airstrike"]),
        "decision_reason": st.sampled_from(["", "no capacity", None]),
        "outcome": st.sampled_from(["prevented", "occurred", "unknown", "fine"]),
        "reason": st.sampled_from(["", "new information"]),
        "merged_into": st.sampled_from([1, 0, True, "2"]),
        "text": st.sampled_from(["", "  ", "road blocked at the bridge"]),
    },
)


def standing_of(facts: dict[str, Any], last: dt.datetime) -> Standing:
    return Standing(
        state=facts["state"],
        received_at=T0,
        last_step_at=last,
        verification=facts["verification"],
        response_required=facts["response_required"],
        decision=facts["decision"],
        closed_from=facts["closed_from"],
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), values_strategy), max_size=25))
def test_random_sequences_follow_the_lifecycle(steps: list[tuple[str, dict[str, Any]]]) -> None:
    facts: dict[str, Any] = dict.fromkeys(
        ["verification", "response_required", "decision", "closed_from"]
    )
    facts["state"] = "received"
    moment = T0
    for action, values in steps:
        expected = oracle(facts, action, values)
        standing = standing_of(facts, moment)
        moment = moment + dt.timedelta(minutes=5)
        try:
            changes = check_transition(standing, action, values, moment)
        except TransitionError:
            assert expected is None, (facts, action, values)
            assert action not in allowed_actions(standing) or values is not None
            continue
        assert expected is not None, (facts, action, values)
        assert changes["state"] == expected
        for key in ("verification", "response_required", "decision", "closed_from"):
            if key in changes:
                facts[key] = changes[key]
        facts["state"] = changes["state"]


def test_allowed_actions_match_the_oracle_for_each_state() -> None:
    facts = {"state": "decided", "verification": "confirmed", "response_required": True,
             "decision": "referral_humanitarian", "closed_from": None}  # fmt: skip
    actions = allowed_actions(standing_of(facts, T0))
    assert actions == ["close", "merge", "note"]  # a referral is not dispatched
    facts["decision"] = "patrol"
    assert allowed_actions(standing_of(facts, T0)) == ["dispatch", "merge", "note"]


def test_times_must_run_forward_and_not_into_the_future() -> None:
    from sentinelle.domain.alerts import step_time

    standing = standing_of(
        {"state": "received", "verification": None, "response_required": None,
         "decision": None, "closed_from": None}, T0 + dt.timedelta(hours=2),
    )  # fmt: skip
    now = T0 + dt.timedelta(days=1)
    assert step_time(standing, None, now) == now
    for bad in (T0 + dt.timedelta(hours=1), now + dt.timedelta(hours=1)):
        try:
            step_time(standing, bad, now)
        except TransitionError:
            continue
        raise AssertionError(f"{bad} was accepted")
