"""The decision log pages: every saved plan with its latest decision (``/planning/decisions``)
and one plan's chain — threat assessment → plan → decisions → outcomes — with the forms to
record a decision and an outcome (``/planning/decisions/{plan_id}``).

The records come from the same functions as the API (``web/api/decisions.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.status import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.domain.vocabulary import Language, plan_decisions
from sentinelle.planning.decisions import STALE_AFTER_MONTHS, decision_log
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import decisions as service
from sentinelle.web.api.schemas import RecordId
from sentinelle.web.pages.planning import optimise_page, read_posted_plan
from sentinelle.web.rendering import render

router = APIRouter()

LOG_SHOWN = 200


def _choices(language: Language) -> list[tuple[str, str]]:
    return [(code, term.label(language)) for code, term in plan_decisions().items()]


def _parameters(plan: service.LoggedPlanOut, language: Language) -> list[tuple[str, str]]:
    """The plan's inputs as (label, value) rows, in a stable order."""
    shown = []
    for key, value in sorted(plan.parameters.items()):
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            text = i18n.translate("decisions.yes" if value else "decisions.no", language)
        elif isinstance(value, float):
            text = i18n.number(value, language, 2 if abs(value) < 10 else 0)
        else:
            text = str(value)
        shown.append((key, text))
    return shown


@router.get("/planning/decisions", response_class=HTMLResponse)
def log_page(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    stale: Annotated[bool | None, Query()] = None,
) -> HTMLResponse:
    """Every saved plan, newest first, with its latest decision and a flag when a decision
    rested on a stale threat assessment."""
    with store_of(request).reading() as connection:
        chains = decision_log(connection, LOG_SHOWN)
    plans = [service.plan_out(c, principal.language) for c in chains]
    if stale is not None:
        plans = [p for p in plans if p.stale == stale]
    return render(
        request,
        "planning/decisions.html",
        principal,
        tab="decisions",
        plans=plans,
        stale=stale,
        stale_months=STALE_AFTER_MONTHS,
    )


def _plan_page(
    request: Request,
    principal: Principal,
    plan_id: int,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    language = principal.language
    plan = service.plan_out(service.find_chain(request, plan_id), language)
    latest = plan.decisions[-1] if plan.decisions else None
    now = dt.datetime.now(dt.UTC)
    return render(
        request,
        "planning/decision.html",
        principal,
        status_code=status_code,
        tab="decisions",
        plan=plan,
        latest=latest,
        parameters=_parameters(plan, language),
        choices=_choices(language),
        error=error,
        notice=notice,
        form=form
        or {
            "choice": "",
            "option": plan.options[0]["label"] if plan.options else "",
            "decided_by": "",
            "decided_at": f"{now:%Y-%m-%dT%H:%M}",
            "rationale": "",
            "first_month": "",
            "last_month": "",
            "summary": "",
        },
        stale_months=STALE_AFTER_MONTHS,
    )


@router.get("/planning/decisions/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    plan_id: RecordId,
    principal: Principal = Depends(Require("view_planning")),
    saved: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """One plan's chain: the threat assessment and forecast it used, its inputs and options,
    the decisions taken on it and their outcomes."""
    notice = None
    if saved in ("decision", "outcome", "plan"):
        notice = i18n.translate(f"decisions.saved.{saved}", principal.language)
    return _plan_page(request, principal, plan_id, notice=notice)


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


@router.post("/planning/decisions/{plan_id}/decide")
def decide_page(
    request: Request,
    plan_id: RecordId,
    principal: Principal = Depends(Require("record_decisions")),
    choice: Annotated[str, Form(max_length=30)] = "",
    option: Annotated[str, Form(max_length=200)] = "",
    decided_by: Annotated[str, Form(max_length=200)] = "",
    decided_at: Annotated[str, Form(max_length=40)] = "",
    rationale: Annotated[str, Form(max_length=service.MAX_TEXT)] = "",
) -> Response:
    """The form "record a decision" on a plan's page."""
    form = {
        "choice": choice,
        "option": option,
        "decided_by": decided_by,
        "decided_at": decided_at,
        "rationale": rationale,
        "first_month": "",
        "last_month": "",
        "summary": "",
    }
    language = principal.language
    try:
        when = None
        if decided_at.strip():
            try:
                when = dt.datetime.fromisoformat(decided_at.strip()).replace(tzinfo=dt.UTC)
            except ValueError:
                raise service.unprocessable(
                    i18n.translate("decisions.error.when", language, value=decided_at)
                ) from None
        try:
            body = service.DecisionIn(
                choice=choice,
                option=option or "recommended",
                decided_by=decided_by,
                decided_at=when,
                rationale=rationale,
            )
        except ValidationError as exc:
            raise service.unprocessable(_problems(exc)) from None
        service.add_decision(request, principal, plan_id, body)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        return _plan_page(
            request, principal, plan_id, status_code=422, error=str(exc.detail), form=form
        )
    return RedirectResponse(
        f"/planning/decisions/{plan_id}?saved=decision#decisions", status_code=HTTP_303_SEE_OTHER
    )


@router.post("/planning/decisions/{plan_id}/outcome")
def outcome_page(
    request: Request,
    plan_id: RecordId,
    principal: Principal = Depends(Require("record_decisions")),
    decision_id: Annotated[int, Form(ge=1, le=2_147_483_647)] = 0,
    first_month: Annotated[str, Form(max_length=20)] = "",
    last_month: Annotated[str, Form(max_length=20)] = "",
    summary: Annotated[str, Form(max_length=service.MAX_TEXT)] = "",
) -> Response:
    """The form "record the outcome" of the plan's latest decision."""
    form = {
        "choice": "",
        "option": "",
        "decided_by": "",
        "decided_at": "",
        "rationale": "",
        "first_month": first_month,
        "last_month": last_month,
        "summary": summary,
    }
    try:
        found = service.find_chain(request, plan_id)
        if decision_id not in [d.decision["id"] for d in found.decisions]:
            raise service.unprocessable(
                i18n.translate("decisions.error.decision", principal.language, plan=plan_id)
            )
        try:
            body = service.OutcomeIn(
                first_month=first_month.strip(), last_month=last_month.strip(), summary=summary
            )
        except ValidationError as exc:
            raise service.unprocessable(_problems(exc)) from None
        service.add_outcome(request, principal, decision_id, body)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        return _plan_page(
            request, principal, plan_id, status_code=422, error=str(exc.detail), form=form
        )
    return RedirectResponse(
        f"/planning/decisions/{plan_id}?saved=outcome#decisions", status_code=HTTP_303_SEE_OTHER
    )


@router.post("/planning/plans")
async def save_plan_page(
    request: Request, principal: Principal = Depends(Require("run_plans"))
) -> Response:
    """The optimiser's "save this plan": run it again with the same inputs, keep it in the
    decision log and open its page; problems go back to the optimiser's form."""
    language = principal.language
    state, sites, month, options = await read_posted_plan(request, language)
    form = await request.form()
    raw = form.get("title")
    title = raw.strip()[:200] if isinstance(raw, str) else ""
    if options is not None and not title:
        state.errors["form"] = i18n.translate("decisions.error.title", language)
    if options is None or state.errors:
        return optimise_page(
            request, principal, state, sites, month, HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        plan_id = await run_in_threadpool(service.save_options, request, principal, options, title)
    except ValueError as exc:
        state.errors["form"] = str(exc)
        return optimise_page(
            request, principal, state, sites, month, HTTP_422_UNPROCESSABLE_CONTENT
        )
    return RedirectResponse(
        f"/planning/decisions/{plan_id}?saved=plan", status_code=HTTP_303_SEE_OTHER
    )
