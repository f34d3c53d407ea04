"""API: the decision log — saved plans with the threat picture they rest on, the decisions taken
on them and their outcomes (``/api/v1/planning/plans``, ``/api/v1/planning/decisions``).

The functions below the models are shared with the decision-log pages
(``web/pages/decisions.py``), so that a page and its API answer always agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.status import HTTP_201_CREATED, HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.domain.vocabulary import plan_decisions
from sentinelle.planning.decisions import (
    Chain,
    DecisionError,
    LoggedDecision,
    chain,
    decision_log,
    record_decision,
    record_outcome,
    save_plan,
)
from sentinelle.planning.plan import NamedPlan
from sentinelle.store import plans as plan_store
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import planning as planning_api
from sentinelle.web.api.planning import OptimiseIn, PlanOptions
from sentinelle.web.api.schemas import MAX_ID, RecordId

router = APIRouter(tags=["planning"])

MAX_TEXT = 4000
MONTH_PATTERN = r"^\d{4}-\d{2}$"


class OutcomeOut(BaseModel):
    id: int
    first_month: str
    last_month: str
    summary: str
    measures: dict[str, Any] = Field(
        description="realised VAC events and fatalities: total, in the plan's coverage "
        "(_covered), within the posture's reach (_posture), and the shares"
    )
    recorded_by: str
    recorded_at: dt.datetime


class DecisionOut(BaseModel):
    id: int
    plan_id: int
    choice: str
    choice_label: str
    option: str
    decided_by: str
    decided_at: dt.datetime
    rationale: str
    recorded_by: str
    recorded_at: dt.datetime
    stale: list[str] = Field(description="why the threat picture was out of date, if it was")
    outcomes: list[OutcomeOut]


class AssessmentRefOut(BaseModel):
    id: int
    revision: int | None
    as_of: str
    created_at: dt.datetime


class ForecastRefOut(BaseModel):
    id: int
    model: str
    created_at: dt.datetime
    last_month: str


class LoggedPlanOut(BaseModel):
    id: int
    title: str
    month: str
    created_at: dt.datetime
    created_by: str
    risk_source: str
    assessment: AssessmentRefOut | None
    forecast_run: ForecastRefOut | None
    parameters: dict[str, Any]
    result: dict[str, Any]
    options: list[dict[str, Any]]
    decisions: list[DecisionOut]
    stale: bool = Field(description="a decision on it rested on an out-of-date threat picture")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: str = Field(max_length=30, description="adopted, adopted_with_changes, ...")
    option: str = Field(default="recommended", max_length=200)
    decided_by: str = Field(max_length=200)
    decided_at: dt.datetime | None = Field(default=None, description="default: now")
    rationale: str = Field(max_length=MAX_TEXT)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")
    last_month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")
    summary: str = Field(max_length=MAX_TEXT)


class SavePlanIn(OptimiseIn):
    """A plan to run and keep in the decision log: the optimiser's fields, a title and,
    optionally, the threat assessment it rests on (default: the latest up to its month)."""

    title: str = Field(min_length=1, max_length=200)
    assessment_id: int | None = Field(default=None, ge=1, le=MAX_ID)


WITHOUT_WHAT_IFS = "without the what-ifs"


def has_what_ifs(options: PlanOptions) -> bool:
    return bool(options.close or options.add_units or options.hold_back or options.rainy)


def save_options(
    request: Request,
    principal: Principal,
    options: PlanOptions,
    title: str,
    assessment_id: int | None = None,
) -> int:
    """Run the plan of ``options`` and keep it in the decision log; with what-ifs, the same
    plan without them is kept as an option considered. Returns the plan's id."""
    store = store_of(request)
    result = planning_api.run_plan(store, options, principal.language)
    alternatives: dict[str, NamedPlan] = {}
    if has_what_ifs(options):
        plain = dataclasses.replace(options, close=(), add_units=0, hold_back=0.0, rainy=False)
        alternatives[WITHOUT_WHAT_IFS] = planning_api.run_plan(store, plain, principal.language)
    return save_plan(
        store,
        result,
        title=title,
        actor=principal.name,
        month=options.month,
        assessment_id=assessment_id,
        alternatives=alternatives,
    )


def unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def _decision_out(logged: LoggedDecision, language: str) -> DecisionOut:
    d = logged.decision
    terms = plan_decisions()
    label = terms[d["choice"]].label("fr" if language == "fr" else "en")
    return DecisionOut(
        **{k: d[k] for k in ("id", "plan_id", "choice", "option", "decided_by", "rationale")},
        choice_label=label,
        decided_at=_utc(d["decided_at"]),
        recorded_by=d["recorded_by"],
        recorded_at=_utc(d["recorded_at"]),
        stale=list(logged.stale),
        outcomes=[
            OutcomeOut(
                id=o["id"],
                first_month=f"{o['first_month']:%Y-%m}",
                last_month=f"{o['last_month']:%Y-%m}",
                summary=o["summary"],
                measures=o["measures"],
                recorded_by=o["recorded_by"],
                recorded_at=_utc(o["recorded_at"]),
            )
            for o in logged.outcomes
        ],
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def plan_out(found: Chain, language: str = "en") -> LoggedPlanOut:
    plan = found.plan
    a, run = found.assessment, found.forecast_run
    return LoggedPlanOut(
        id=plan["id"],
        title=plan["title"],
        month=f"{plan['month']:%Y-%m}",
        created_at=_utc(plan["created_at"]),
        created_by=plan["created_by"],
        risk_source=plan["risk_source"],
        assessment=None
        if a is None
        else AssessmentRefOut(
            id=a.id,
            revision=plan["assessment_revision"],
            as_of=f"{a.as_of:%Y-%m}",
            created_at=_utc(a.created_at),
        ),
        forecast_run=None
        if run is None
        else ForecastRefOut(
            id=run.id,
            model=run.primary,
            created_at=_utc(run.created_at),
            last_month=str(run.last_month),
        ),
        parameters=plan["parameters"],
        result=plan["result"],
        options=plan["options"],
        decisions=[_decision_out(d, language) for d in found.decisions],
        stale=found.stale,
    )


def find_chain(request: Request, plan_id: int) -> Chain:
    with store_of(request).reading() as connection:
        try:
            return chain(connection, plan_id)
        except DecisionError as exc:
            raise HTTPException(HTTP_404_NOT_FOUND, str(exc)) from None


def add_decision(request: Request, principal: Principal, plan_id: int, body: DecisionIn) -> int:
    """Record a decision on a plan (404 for an unknown plan, 422 for a bad decision)."""
    find_chain(request, plan_id)
    try:
        return record_decision(
            store_of(request),
            plan_id,
            choice=body.choice,
            option=body.option,
            decided_by=body.decided_by,
            decided_at=body.decided_at or dt.datetime.now(dt.UTC),
            rationale=body.rationale,
            actor=principal.name,
        )
    except DecisionError as exc:
        raise unprocessable(str(exc)) from None


def add_outcome(request: Request, principal: Principal, decision_id: int, body: OutcomeIn) -> int:
    """Record a decision's outcome (404 for an unknown decision, 422 for a bad period)."""
    try:
        return record_outcome(
            store_of(request),
            decision_id,
            first_month=body.first_month,
            last_month=body.last_month,
            summary=body.summary,
            actor=principal.name,
        )
    except DecisionError as exc:
        if str(exc).startswith("there is no decision"):
            raise HTTPException(HTTP_404_NOT_FOUND, str(exc)) from None
        raise unprocessable(str(exc)) from None
    except ValueError as exc:  # a month that does not exist, e.g. 2018-13
        raise unprocessable(str(exc)) from None


# --- endpoints -------------------------------------------------------------------------------


@router.get("/planning/plans", response_model=list[LoggedPlanOut])
def list_plans(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 100,
    stale: Annotated[
        bool | None, Query(description="only plans with (true) or without (false) stale decisions")
    ] = None,
) -> list[LoggedPlanOut]:
    """Saved plans, newest first, each with its threat picture, decisions and outcomes."""
    with store_of(request).reading() as connection:
        chains = decision_log(connection, limit)
    if stale is not None:
        chains = [c for c in chains if c.stale == stale]
    return [plan_out(c, principal.language) for c in chains]


@router.post("/planning/plans", response_model=LoggedPlanOut, status_code=HTTP_201_CREATED)
def create_plan(
    request: Request,
    body: SavePlanIn,
    response: Response,
    principal: Principal = Depends(Require("run_plans")),
) -> LoggedPlanOut:
    """Run the optimiser with these inputs and keep the plan in the decision log with the
    threat assessment and forecast run it rests on, every input, its result and the options
    considered (audited; never changed afterwards)."""
    with store_of(request).reading() as connection:
        month = planning_api.chosen_month(request, connection, body.month)
    options = planning_api.options_of(body, month)
    try:
        plan_id = save_options(request, principal, options, body.title, body.assessment_id)
    except ValueError as exc:  # the engine's refusals, and DecisionError
        raise unprocessable(str(exc)) from None
    response.headers["Location"] = f"/api/v1/planning/plans/{plan_id}"
    return plan_out(find_chain(request, plan_id), principal.language)


@router.get("/planning/plans/{plan_id}", response_model=LoggedPlanOut)
def get_plan(
    request: Request, plan_id: RecordId, principal: Principal = Depends(Require("view_planning"))
) -> LoggedPlanOut:
    """One plan's chain: threat assessment → plan → decisions → outcomes."""
    return plan_out(find_chain(request, plan_id), principal.language)


@router.post(
    "/planning/plans/{plan_id}/decisions",
    response_model=LoggedPlanOut,
    status_code=HTTP_201_CREATED,
)
def create_decision(
    request: Request,
    plan_id: RecordId,
    body: DecisionIn,
    response: Response,
    principal: Principal = Depends(Require("record_decisions")),
) -> LoggedPlanOut:
    """Record who decided what on the plan, when and why (audited; never overwritten: a later
    decision is added after the earlier ones). Returns the plan's chain."""
    decision_id = add_decision(request, principal, plan_id, body)
    response.headers["Location"] = f"/api/v1/planning/plans/{plan_id}#decision-{decision_id}"
    return plan_out(find_chain(request, plan_id), principal.language)


@router.post(
    "/planning/decisions/{decision_id}/outcomes",
    response_model=OutcomeOut,
    status_code=HTTP_201_CREATED,
)
def create_outcome(
    request: Request,
    decision_id: RecordId,
    body: OutcomeIn,
    principal: Principal = Depends(Require("record_decisions")),
) -> OutcomeOut:
    """Record what followed a decision over months after the plan's month; the realised VAC
    in and out of the plan's coverage is measured from the store (audited)."""
    outcome_id = add_outcome(request, principal, decision_id, body)
    with store_of(request).reading() as connection:
        decision = plan_store.get_decision(connection, decision_id)
        assert decision is not None
        found = chain(connection, int(decision["plan_id"]))
    (logged,) = [d for d in found.decisions if d.decision["id"] == decision_id]
    (made,) = [o for o in _decision_out(logged, principal.language).outcomes if o.id == outcome_id]
    return made
