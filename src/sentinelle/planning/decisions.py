"""The decision log: threat assessment → plan → decision → outcome.

* :func:`save_plan` keeps a solved plan with the threat-assessment version (id and revision)
  and the forecast run it rests on, every input of the problem, its result (units, coverage,
  optimality gap) and the options considered: the recommendation, the current posture, and any
  alternatives (what-ifs) the planner ran.
* :func:`record_decision` records who decided what on a plan, when and why. A later decision
  on the same plan does not replace the earlier one; both stay, the latest counts.
* :func:`record_outcome` records what happened afterwards: the realised violence against
  civilians over a period, measured from the store inside and outside the plan's coverage.
* :func:`staleness` says why a decision rested on an out-of-date threat picture: no
  assessment; an assessment of a month more than :data:`STALE_AFTER_MONTHS` before the
  decision; a newer assessment or a newer live forecast already saved when the decision was
  taken.

Everything is immutable in the store and every record is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from sentinelle.accounts import now, record
from sentinelle.domain.alerts import plain_text
from sentinelle.domain.vocabulary import plan_decisions
from sentinelle.panel import load_panel
from sentinelle.planning.plan import NamedPlan, month_period, posture_coverage
from sentinelle.store import assessments as assessment_store
from sentinelle.store import forecasts as forecast_store
from sentinelle.store import plans as plan_store
from sentinelle.store.database import Store
from sentinelle.store.imports import data_version
from sentinelle.store.schema import assessments, forecast_runs

__all__ = [
    "STALE_AFTER_MONTHS",
    "Chain",
    "DecisionError",
    "LoggedDecision",
    "chain",
    "decision_log",
    "measure_outcome",
    "record_decision",
    "record_outcome",
    "save_plan",
    "staleness",
]

STALE_AFTER_MONTHS = 2
"""A decision taken more than this many months after the assessed month is flagged stale."""

RECOMMENDED = "recommended"
CURRENT_POSTURE = "current posture"
MAX_TEXT = 4000


class DecisionError(ValueError):
    """A plan, decision or outcome that cannot be recorded as asked."""


def _aware(value: dt.datetime) -> dt.datetime:
    """Datetimes from SQLite come back naive; the store keeps UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _text(value: str | None, what: str, required: bool = True) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise DecisionError(f"{what} is required")
    if len(clean) > MAX_TEXT:
        raise DecisionError(f"{what}: at most {MAX_TEXT:,} characters, not {len(clean):,}")
    if clean and not plain_text(clean):
        raise DecisionError(f"{what}: control characters or invalid text — expected plain text")
    return clean


def _summary(result: NamedPlan, label: str) -> dict[str, Any]:
    solved = result.plan
    return {
        "label": label,
        "objective": float(solved.objective),
        "total_risk": float(solved.total_risk),
        "share": float(solved.share),
        "gap": None if solved.gap != solved.gap else float(solved.gap),
        "status": solved.status,
        "units": int(result.named.problem.units),
        "sites": [u.site for u in result.units()],
        "parameters": dict(getattr(result.named, "parameters", {}) or {}),
    }


def _result(result: NamedPlan) -> dict[str, Any]:
    named, solved = result.named, result.plan
    codes = named.areas.codes
    existing = named.problem.reach[~named.temporary]
    posture_reached = np.asarray(existing.any(axis=0), dtype=bool).reshape(-1)
    if posture_reached.size != len(codes):
        posture_reached = np.zeros(len(codes), dtype=bool)
    base = posture_coverage(named)
    total = float(solved.total_risk)
    return {
        "status": solved.status,
        "objective": float(solved.objective),
        "total_risk": total,
        "share": float(solved.share),
        "gap": None if solved.gap != solved.gap else float(solved.gap),
        "seconds": float(solved.seconds),
        "units": [
            {
                "site": u.site,
                "temporary": u.temporary,
                "latitude": u.latitude,
                "longitude": u.longitude,
                "required": u.required,
                "covers": list(u.covers),
                "covers_alone": list(u.covers_alone),
                "risk_added": u.risk_added,
                "next_site": u.next_site,
                "next_risk": u.next_risk,
            }
            for u in result.units()
        ],
        "covered": [codes[i] for i in solved.covered_areas],
        "posture_covered": [codes[i] for i in range(len(codes)) if posture_reached[i]],
        "posture_coverage": base,
        "posture_share": base / total if total > 0 else 0.0,
        "risk": {codes[i]: float(v) for i, v in enumerate(named.problem.risk) if v > 0},
        "reach_km": float(named.reach_km),
        "notes": list(named.notes),
    }


def _assessment_for(
    connection: Connection, month: pd.Period, assessment_id: int | None
) -> tuple[int | None, int | None]:
    if assessment_id is not None:
        found = assessment_store.get(connection, assessment_id)
        if found is None:
            raise DecisionError(f"there is no threat assessment #{assessment_id}")
        return found.id, found.revision
    row = connection.execute(
        select(assessments.c.id)
        .where(
            (assessments.c.unit_kind == "admin2") & (assessments.c.as_of <= month.start_time.date())
        )
        .order_by(assessments.c.as_of.desc(), assessments.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    return int(row.id), assessment_store.latest_revision(connection, int(row.id))


def _forecast_run_for(connection: Connection, result: NamedPlan) -> int | None:
    parameters = getattr(result.named, "parameters", {}) or {}
    run_id = parameters.get("forecast_run_id")
    if run_id is not None:
        return int(run_id)
    if result.named.risk_source == "forecast":
        run = forecast_store.latest_run(connection, "forecast", "admin2")
        return None if run is None else run.id
    return None


def save_plan(
    store: Store,
    result: NamedPlan,
    *,
    title: str,
    actor: str,
    month: str | pd.Period,
    assessment_id: int | None = None,
    alternatives: Mapping[str, NamedPlan] | None = None,
) -> int:
    """Keep ``result`` in the decision log; returns the plan's id (audited).

    The threat assessment is ``assessment_id`` or else the latest saved assessment of cercles
    for a month up to the plan's, at its latest revision. ``alternatives`` (label → plan) are
    the other options considered, e.g. what-ifs."""
    period = month_period(month)
    clean_title = _text(title, "the plan's title")
    if len(clean_title) > 200:
        raise DecisionError("the plan's title: at most 200 characters")
    options = [_summary(result, RECOMMENDED)]
    options.append(
        {
            "label": CURRENT_POSTURE,
            "objective": posture_coverage(result.named),
            "total_risk": float(result.plan.total_risk),
            "share": (
                posture_coverage(result.named) / result.plan.total_risk
                if result.plan.total_risk > 0
                else 0.0
            ),
            "gap": None,
            "status": "posture",
            "units": int(result.named.n_existing),
            "sites": [result.named.site_names[i] for i in range(result.named.n_existing)],
            "parameters": {},
        }
    )
    for label, alternative in (alternatives or {}).items():
        clean = _text(label, "an option's label")
        if clean in (o["label"] for o in options):
            raise DecisionError(f"two options are labelled {clean!r}")
        options.append(_summary(alternative, clean))
    with store.transaction() as connection:
        used, revision = _assessment_for(connection, period, assessment_id)
        run_id = _forecast_run_for(connection, result)
        parameters = dict(getattr(result.named, "parameters", {}) or {})
        parameters.setdefault("month", str(period))
        parameters.setdefault("risk", result.named.risk_source)
        parameters.setdefault("reach_km", float(result.named.reach_km))
        parameters.setdefault("units", int(result.named.problem.units))
        plan_id = plan_store.insert_plan(
            connection,
            {
                "title": clean_title,
                "month": period.start_time.date(),
                "created_at": now(),
                "created_by": actor,
                "assessment_id": used,
                "assessment_revision": revision,
                "forecast_run_id": run_id,
                "risk_source": result.named.risk_source,
                "parameters": parameters,
                "result": _result(result),
                "options": options,
                "data_version": "|".join(str(v) for v in data_version(connection)),
            },
        )
        record(
            connection,
            actor,
            "create",
            "plan",
            plan_id,
            after={
                "title": clean_title,
                "month": str(period),
                "assessment": used,
                "assessment_revision": revision,
                "forecast_run": run_id,
                "options": [o["label"] for o in options],
            },
        )
    return plan_id


def record_decision(
    store: Store,
    plan_id: int,
    *,
    choice: str,
    option: str,
    decided_by: str,
    decided_at: dt.datetime,
    rationale: str,
    actor: str,
) -> int:
    """Record a decision on a plan; returns its id (audited). ``choice``: one of
    ``plan_decisions.csv``; ``option``: the label of one of the plan's options."""
    choices = plan_decisions()
    if choice not in choices:
        raise DecisionError(f"the decision must be one of {', '.join(choices)}, not {choice!r}")
    who = _text(decided_by, "who decided")
    why = _text(rationale, "the reason for the decision")
    when = _aware(decided_at)
    if when > now() + dt.timedelta(minutes=5):
        raise DecisionError(f"the decision's time {when:%Y-%m-%d %H:%M} UTC is in the future")
    with store.transaction() as connection:
        found = plan_store.get_plan(connection, plan_id)
        if found is None:
            raise DecisionError(f"there is no plan #{plan_id}")
        created = _aware(found["created_at"])
        if when < created.replace(second=0, microsecond=0):  # forms give minutes
            raise DecisionError(
                f"the decision's time {when:%Y-%m-%d %H:%M} UTC is before plan #{plan_id} was "
                f"saved ({created:%Y-%m-%d %H:%M} UTC)"
            )
        labels = [o["label"] for o in found["options"]]
        if option not in labels:
            raise DecisionError(
                f"plan #{plan_id} has no option {option!r}; its options: {', '.join(labels)}"
            )
        decision_id = plan_store.insert_decision(
            connection,
            {
                "plan_id": plan_id,
                "choice": choice,
                "option": option,
                "decided_by": who,
                "decided_at": when,
                "rationale": why,
                "recorded_by": actor,
                "recorded_at": now(),
            },
        )
        record(
            connection,
            actor,
            "create",
            "decision",
            decision_id,
            after={
                "plan": plan_id,
                "choice": choice,
                "option": option,
                "decided_by": who,
                "decided_at": when.isoformat(),
            },
        )
    return decision_id


def measure_outcome(
    connection: Connection, plan: Mapping[str, Any], first: pd.Period, last: pd.Period
) -> dict[str, Any]:
    """Realised VAC over ``first``–``last`` in the cercles the plan covered, those the posture
    reached, and all cercles: events and fatalities, and the shares covered."""
    panel = load_panel(connection, "admin2", first, last, geography="pre2016")
    units = panel["unit"].astype(str)
    result = plan["result"]
    covered = set(result["covered"])
    posture = set(result["posture_covered"])
    measures: dict[str, Any] = {"first_month": str(first), "last_month": str(last)}
    for column, name in (("vac_events", "events"), ("vac_fatalities", "fatalities")):
        values = panel[column].to_numpy(dtype=float)
        total = float(values.sum())
        in_plan = float(values[units.isin(covered).to_numpy()].sum())
        in_posture = float(values[units.isin(posture).to_numpy()].sum())
        measures[f"vac_{name}"] = total
        measures[f"vac_{name}_covered"] = in_plan
        measures[f"vac_{name}_posture"] = in_posture
        measures[f"{name}_share_covered"] = in_plan / total if total > 0 else None
        measures[f"{name}_share_posture"] = in_posture / total if total > 0 else None
    measures["expected_share"] = result["share"]
    return measures


def record_outcome(
    store: Store,
    decision_id: int,
    *,
    first_month: str | pd.Period,
    last_month: str | pd.Period,
    summary: str,
    actor: str,
) -> int:
    """Record what followed a decision over a period after the plan's month (measured from
    the store); returns the outcome's id (audited)."""
    first, last = month_period(first_month), month_period(last_month)
    if last < first:
        raise DecisionError(f"the period ends ({last}) before it starts ({first})")
    text = _text(summary, "the outcome's summary")
    with store.transaction() as connection:
        decision = plan_store.get_decision(connection, decision_id)
        if decision is None:
            raise DecisionError(f"there is no decision #{decision_id}")
        found = plan_store.get_plan(connection, int(decision["plan_id"]))
        assert found is not None
        planned = pd.Period(found["month"], freq="M")
        if first <= planned:
            raise DecisionError(
                f"the outcome's period must start after the plan's month {planned}, not {first}"
            )
        measures = measure_outcome(connection, found, first, last)
        outcome_id = plan_store.insert_outcome(
            connection,
            {
                "decision_id": decision_id,
                "first_month": first.start_time.date(),
                "last_month": last.start_time.date(),
                "summary": text,
                "measures": measures,
                "recorded_by": actor,
                "recorded_at": now(),
            },
        )
        record(
            connection,
            actor,
            "create",
            "decision_outcome",
            outcome_id,
            after={"decision": decision_id, "first": str(first), "last": str(last)},
        )
    return outcome_id


def staleness(
    connection: Connection,
    plan: Mapping[str, Any],
    decided_at: dt.datetime,
    after_months: int = STALE_AFTER_MONTHS,
) -> list[str]:
    """Why the threat picture behind ``plan`` was out of date at ``decided_at`` (empty: it
    was current)."""
    when = _aware(decided_at)
    month = pd.Period(when.replace(tzinfo=None), freq="M")
    reasons = []
    used = plan.get("assessment_id")
    if used is None:
        reasons.append("no threat assessment was recorded with the plan")
    else:
        found = assessment_store.get(connection, int(used))
        if found is not None:
            assessed = pd.Period(found.as_of, freq="M")
            age = (month - assessed).n
            if age > after_months:
                reasons.append(
                    f"assessment #{found.id} is of {assessed}, {age} months before the decision"
                )
            newer = connection.execute(
                select(assessments.c.id, assessments.c.as_of)
                .where(
                    (assessments.c.unit_kind == found.unit_kind)
                    & (assessments.c.as_of > found.as_of)
                    & (assessments.c.created_at <= when)
                )
                .order_by(assessments.c.as_of.desc(), assessments.c.id.desc())
                .limit(1)
            ).first()
            if newer is not None:
                reasons.append(
                    f"assessment #{newer.id} of {pd.Period(newer.as_of, freq='M')} was already "
                    f"saved when the decision was taken"
                )
    run_id = plan.get("forecast_run_id")
    if run_id is not None:
        newer_run = connection.execute(
            select(forecast_runs.c.id)
            .where(
                (forecast_runs.c.kind == "forecast")
                & (forecast_runs.c.unit_kind == "admin2")
                & (forecast_runs.c.id > int(run_id))
                & (forecast_runs.c.created_at <= when)
            )
            .order_by(forecast_runs.c.id.desc())
            .limit(1)
        ).first()
        if newer_run is not None:
            reasons.append(
                f"forecast run #{newer_run.id} was newer than run #{run_id} the plan used"
            )
    return reasons


@dataclass(frozen=True)
class LoggedDecision:
    decision: dict[str, Any]
    stale: tuple[str, ...]
    outcomes: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Chain:
    """One plan with the threat picture it used, its decisions and their outcomes."""

    plan: dict[str, Any]
    assessment: assessment_store.AssessmentRecord | None
    forecast_run: forecast_store.RunRecord | None
    decisions: tuple[LoggedDecision, ...] = field(default_factory=tuple)

    @property
    def latest(self) -> LoggedDecision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def stale(self) -> bool:
        return any(d.stale for d in self.decisions)


def _chains(connection: Connection, found: Sequence[dict[str, Any]]) -> list[Chain]:
    ids = [int(p["id"]) for p in found]
    by_plan = plan_store.decisions_of(connection, ids)
    decision_ids = [int(d["id"]) for ds in by_plan.values() for d in ds]
    outcomes = plan_store.outcomes_of(connection, decision_ids)
    result = []
    for plan in found:
        assessment_id = plan.get("assessment_id")
        run_id = plan.get("forecast_run_id")
        logged = tuple(
            LoggedDecision(
                d,
                tuple(staleness(connection, plan, d["decided_at"])),
                tuple(outcomes[int(d["id"])]),
            )
            for d in by_plan[int(plan["id"])]
        )
        result.append(
            Chain(
                plan,
                None
                if assessment_id is None
                else assessment_store.get(connection, int(assessment_id)),
                None if run_id is None else forecast_store.get_run(connection, int(run_id)),
                logged,
            )
        )
    return result


def chain(connection: Connection, plan_id: int) -> Chain:
    """The chain threat → plan → decisions → outcomes of one plan."""
    found = plan_store.get_plan(connection, plan_id)
    if found is None:
        raise DecisionError(f"there is no plan #{plan_id}")
    return _chains(connection, [found])[0]


def decision_log(connection: Connection, limit: int = 200) -> list[Chain]:
    """Every plan (newest first) with its chain."""
    return _chains(connection, plan_store.list_plans(connection, limit))
