"""API: early-warning alerts — record one, list them (filters, sort, pages), read one with the
steps open to it and its timeline, take a step of its lifecycle, and the SMS-gateway webhook.

The lifecycle, its checks, the audit entries and the encryption of reporters' identities are the
engine's (:mod:`sentinelle.alerts.register`); this module maps its answers to HTTP:

* an unknown alert is a 404;
* a step the lifecycle does not allow, or that lacks what it needs, is a 422 saying why;
* a step on an alert that moved on since the caller read it is a 409 with the current version
  (optimistic locking: the caller sends the ``version`` it read, nothing is overwritten).

The functions below the models are shared with the alert pages (``web/pages/alerts.py``), so
that the board and the API agree on what is overdue.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from starlette.requests import ClientDisconnect
from starlette.status import (
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_CONTENT_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_CONTENT,
)

from sentinelle.alerts.measures import Deadline, deadline, effective_priority
from sentinelle.alerts.register import (
    AlertError,
    AlertIn,
    TransitionError,
    VersionConflict,
    create_alert,
    get_alert,
    timeline,
    transition,
)
from sentinelle.config import Settings
from sentinelle.domain.alerts import OPEN_STATES, STATES, vocabulary
from sentinelle.protection import Cipher, cipher_from_env
from sentinelle.store import alerts as alert_store
from sentinelle.store.database import Store
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import MAX_ID, MAX_PAGE_SIZE, Page, RecordId

router = APIRouter(tags=["alerts"])

ALL_STATES = (*STATES, "merged")
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}
SORT_KEYS = ("received", "id", "state", "priority", "updated", "due")
DEFAULT_SORT = "-received"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_TEXT = 20_000
"""A bound on any text the API takes (the engine's own, smaller limits are checked after)."""
WEBHOOK_LIMIT = 16 * 1024
"""Largest body the SMS webhook reads, in bytes."""
SMS_CHANNEL = "community_alert_network"
MESSAGE_ID_LIMIT = 150
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Control characters (tab and line feed are text)."""
SURROGATE = re.compile(r"[\ud800-\udfff]")
"""Lone UTF-16 surrogates (JSON may escape them; no database or cipher takes them)."""
UNIT_PATTERN = r"^[A-Z]{2}[0-9]{0,8}$"
EXCERPT = 160
LIST_COLUMNS = (
    *alert_store.FRAME_COLUMNS,
    "place",
    "description",
    "owner",
    "source",
    "version",
    "updated_at",
)
"""The columns of the alert list and board: never the reporter's name or contact."""
MIN_YEAR, MAX_YEAR = 1900, 2200


# --- the installation's cipher ---------------------------------------------------------------

_CIPHER_LOCK = threading.Lock()


def cipher_of(request: Request) -> Cipher:
    """The cipher of reporters' identities, made once per application from its settings (the
    key lives outside the database: ``sentinelle.protection``)."""
    state = request.app.state
    cipher: Cipher | None = getattr(state, "cipher", None)
    if cipher is None:
        with _CIPHER_LOCK:
            cipher = getattr(state, "cipher", None)
            if cipher is None:
                settings: Settings = state.settings
                try:
                    cipher = cipher_from_env(settings.home)
                except FileExistsError:  # another process created the key file meanwhile
                    cipher = cipher_from_env(settings.home)
                state.cipher = cipher
    return cipher


# --- models ----------------------------------------------------------------------------------


def _codes(name: str) -> str:
    return ", ".join(vocabulary(name))


def _plain(value: str | None) -> str | None:
    if value is not None and CONTROL.search(value):
        raise ValueError("control characters are not allowed (tabs and new lines are)")
    return value


def _unicode(value: Any) -> Any:
    if isinstance(value, str) and SURROGATE.search(value):
        raise ValueError("not valid Unicode text (a lone surrogate)")
    if isinstance(value, dict):
        for key, item in value.items():
            _unicode(key)
            _unicode(item)
    return value


def _sane_time(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"expected a year from {MIN_YEAR} to {MAX_YEAR}")
    return value


class AlertCreateIn(BaseModel):
    """An alert as received. Only ``channel`` and ``received_at`` are required; the rest is
    filled in as it is learnt. Codes are checked against the alert vocabularies, and every
    problem is listed in the 422."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=100, description=f"one of {_codes('channel')}")
    received_at: dt.datetime = Field(
        description="when the alert reached the mission, with a time zone"
    )
    reporter_name: str | None = Field(
        None, max_length=MAX_TEXT, description="personal data: stored encrypted"
    )
    reporter_contact: str | None = Field(
        None, max_length=MAX_TEXT, description="personal data: stored encrypted"
    )
    place: str | None = Field(None, max_length=MAX_TEXT, description="the place as reported")
    admin1_pcode: str | None = Field(None, max_length=100, description="region P-code")
    admin2_pcode: str | None = Field(None, max_length=100, description="cercle P-code")
    latitude: float | None = Field(None, description="WGS 84, with longitude")
    longitude: float | None = Field(None, description="WGS 84, with latitude")
    precision: str | None = Field(None, max_length=100, description=f"{_codes('precision')}")
    threat_type: str | None = Field(None, max_length=100, description="a threat type code")
    threatened_population: str | None = Field(
        None, max_length=100, description=_codes("threatened_population")
    )
    population_note: str | None = Field(None, max_length=MAX_TEXT)
    suspected_perpetrator: str | None = Field(None, max_length=MAX_TEXT)
    urgency: str | None = Field(None, max_length=100, description=_codes("urgency"))
    description: str | None = Field(None, max_length=MAX_TEXT)
    owner: str | None = Field(
        None, max_length=200, description="who follows the alert (default: the sender)"
    )
    message_id: str | None = Field(
        None,
        min_length=1,
        max_length=MESSAGE_ID_LIMIT,
        description="the sender's own id of the alert: a repeat with the same id records "
        "nothing and answers 200 with the first alert",
    )

    _received = field_validator("received_at")(_sane_time)
    _owner = field_validator("owner", "message_id")(_plain)
    _text = field_validator("*")(_unicode)

    def alert_in(self) -> AlertIn:
        values = self.model_dump(exclude={"message_id"})
        return AlertIn(**values)


class AlertCreatedOut(BaseModel):
    id: int
    version: int
    created: bool = Field(description="false when the message id had already been recorded")
    url: str = Field(description="the alert's page")


class AlertSummaryOut(BaseModel):
    """An alert in a list: no personal data."""

    id: int
    state: str
    channel: str
    received_at: dt.datetime
    age_hours: float = Field(description="hours since receipt (until closing, if closed)")
    urgency: str | None
    verification: str | None
    response_required: bool | None
    priority: str | None
    effective_priority: str | None = Field(
        description="the assessed priority, or for an alert not yet assessed its urgency"
    )
    decision: str | None
    place: str | None
    admin1_pcode: str | None
    admin2_pcode: str | None
    latitude: float | None
    longitude: float | None
    threat_type: str | None
    description_excerpt: str | None
    owner: str | None
    source: str
    merged_into: int | None
    due_measure: str | None = Field(
        description="decision_time or on_site_time: the target the alert now runs against"
    )
    due_at: dt.datetime | None = Field(description="when the target is reached")
    overdue: bool
    version: int
    updated_at: dt.datetime | None


class AlertOut(BaseModel):
    """An alert with every field; the reporter's name and contact are ``[redacted]`` unless
    the role may see personal data."""

    id: int
    state: str
    channel: str
    received_at: dt.datetime
    reporter_name: str | None
    reporter_contact: str | None
    place: str | None
    admin1_pcode: str | None
    admin2_pcode: str | None
    latitude: float | None
    longitude: float | None
    precision: str | None
    threat_type: str | None
    threatened_population: str | None
    population_note: str | None
    suspected_perpetrator: str | None
    urgency: str | None
    description: str | None
    verification: str | None
    response_required: bool | None
    priority: str | None
    decision: str | None
    decision_reason: str | None
    responding_unit: str | None
    outcome: str | None
    killed: int | None
    injured: int | None
    closed_from: str | None
    merged_into: int | None
    owner: str | None
    source: str
    source_message_id: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="send it back with the next action")
    verified_at: dt.datetime | None
    assessed_at: dt.datetime | None
    decided_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    on_site_at: dt.datetime | None
    closed_at: dt.datetime | None
    last_step_at: dt.datetime
    actions: list[str] = Field(description="the actions open to the alert in its state")
    effective_priority: str | None
    due_measure: str | None
    due_at: dt.datetime | None
    overdue: bool


class StepOut(BaseModel):
    """One step of an alert's timeline."""

    action: str
    from_state: str | None
    to_state: str
    at: dt.datetime = Field(description="when it happened")
    recorded_at: dt.datetime = Field(description="when it was entered")
    actor: str = Field(description="who entered it")
    owner: str = Field(description="who is responsible for it")
    details: dict[str, Any] = Field(description="the fields the step set")
    version: int = Field(description="the alert's version after the step")


Value = StrictBool | Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)] | str | None


class ActionIn(BaseModel):
    """One step of the lifecycle. ``values`` holds what the action needs: verify —
    ``verification``; assess — ``response_required`` (true/false) and ``priority``; decide —
    ``decision`` (``decision_reason`` required for ``none``, optional ``responding_unit``);
    close — ``outcome`` (after a decision), optional ``killed``, ``injured``; reopen —
    ``reason``; merge — ``merged_into`` (an alert id); note — ``text``."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(max_length=40)
    version: int = Field(ge=1, le=MAX_ID, description="the alert's version as the caller read it")
    values: dict[str, Value] = Field(default_factory=dict, max_length=20)
    at: dt.datetime | None = Field(
        None, description="when the step happened, with a time zone (default: now)"
    )
    owner: str | None = Field(
        None, max_length=200, description="who is responsible for the step (default: the sender)"
    )

    _at = field_validator("at")(_sane_time)
    _owner = field_validator("owner")(_plain)
    _text = field_validator("*")(_unicode)

    @field_validator("values")
    @classmethod
    def _bounded(cls, values: dict[str, Value]) -> dict[str, Value]:
        for key, value in values.items():
            if len(key) > 40:
                raise ValueError("value names are at most 40 characters")
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise ValueError(f"{key}: at most {MAX_TEXT} characters")
        return values


class ActionOut(BaseModel):
    id: int
    version: int = Field(description="the alert's new version")
    state: str
    actions: list[str]


class ConflictOut(BaseModel):
    detail: str
    current_version: int | None = Field(description="the alert's version now")


class ReplayOut(BaseModel):
    detail: str
    id: int = Field(description="the alert already recorded for this message")


class SmsCreatedOut(BaseModel):
    id: int
    version: int
    created: bool


# --- deadlines and lists ---------------------------------------------------------------------


def age_hours(row: Mapping[str, Any], now: dt.datetime) -> float:
    received = row["received_at"]
    end = row.get("closed_at") if row.get("state") == "closed" else None
    return max(((end or now) - received).total_seconds() / 3600, 0.0)


def _python(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def load_rows(
    store: Store, received_from: dt.date | None = None, received_to: dt.date | None = None
) -> list[dict[str, Any]]:
    """Alerts received in the days ``[received_from, received_to]`` (UTC), as plain dicts of
    :data:`LIST_COLUMNS` (times as UTC datetimes)."""
    start = _day(received_from)
    end = _day(received_to + dt.timedelta(days=1)) if received_to else None
    with store.reading() as connection:
        frame = alert_store.load_frame(connection, start, end, LIST_COLUMNS)
    if "updated_at" in frame:
        frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True, format="ISO8601")
    rows = []
    for record in frame.to_dict("records"):
        rows.append({key: _python(value) for key, value in record.items()})
    return rows


def _day(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True)
class AlertFilters:
    states: tuple[str, ...] = ()
    open_only: bool = False
    channel: str | None = None
    priority: str | None = None
    admin1: str | None = None
    admin2: str | None = None

    def check(self) -> None:
        """422 naming the first unknown code."""
        checks: list[tuple[str, Iterable[str | None], Sequence[str]]] = [
            ("state", self.states, ALL_STATES),
            ("channel", [self.channel], list(vocabulary("channel"))),
            ("priority", [self.priority], list(vocabulary("priority"))),
        ]
        for name, values, options in checks:
            for value in values:
                if value is not None and value not in options:
                    raise HTTPException(
                        HTTP_422_UNPROCESSABLE_CONTENT,
                        f"{name}: {value!r} — expected one of {', '.join(options)}",
                    )

    def keep(self, row: Mapping[str, Any]) -> bool:
        state = row["state"]
        if self.states and state not in self.states:
            return False
        if self.open_only and state not in OPEN_STATES:
            return False
        if self.channel and row["channel"] != self.channel:
            return False
        if self.priority and effective_priority(row) != self.priority:
            return False
        if self.admin1 and row["admin1_pcode"] != self.admin1:
            return False
        return not (self.admin2 and row["admin2_pcode"] != self.admin2)


def summary(row: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The fields of :class:`AlertSummaryOut` for a row of :func:`load_rows`."""
    due = deadline(row, now) if row["state"] in OPEN_STATES else Deadline(None, None, None, False)
    text = row.get("description")
    excerpt = None
    if text:
        excerpt = text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
    out = {key: row.get(key) for key in AlertSummaryOut.model_fields if key in row}
    out.update(
        age_hours=round(age_hours(row, now), 2),
        effective_priority=effective_priority(row),
        description_excerpt=excerpt,
        due_measure=due.measure,
        due_at=due.due_at,
        overdue=due.overdue,
    )
    return out


def _state_rank(state: str) -> int:
    return ALL_STATES.index(state) if state in ALL_STATES else len(ALL_STATES)


def _sort_key(key: str, item: Mapping[str, Any]) -> tuple[Any, ...]:
    if key == "received":
        return (item["received_at"],)
    if key == "state":
        return (_state_rank(item["state"]),)
    if key == "priority":
        return (PRIORITY_RANK.get(item["effective_priority"] or "", 9),)
    if key == "updated":
        return (item["updated_at"] or item["received_at"],)
    if key == "due":
        due = item["due_at"]
        return (due is None, due or item["received_at"])
    return ()


def parse_sort(sort: str) -> tuple[str, bool]:
    key, descending = (sort[1:], True) if sort.startswith("-") else (sort, False)
    if key not in SORT_KEYS:
        raise HTTPException(
            HTTP_422_UNPROCESSABLE_CONTENT,
            f"sort: {sort!r} — expected one of {', '.join(SORT_KEYS)}, with '-' to descend",
        )
    return key, descending


def sort_items(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Items sorted by ``sort`` (ties by id, in the same direction)."""
    key, descending = parse_sort(sort)
    return sorted(items, key=lambda i: (*_sort_key(key, i), i["id"]), reverse=descending)


def board_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue first, then oldest first."""
    return sorted(items, key=lambda i: (not i["overdue"], i["received_at"], i["id"]))


def alert_view(request: Request, principal: Principal, alert_id: int) -> dict[str, Any]:
    """One alert (personal data only for roles allowed to see it) with its deadline; 404 if
    there is none."""
    found = get_alert(
        store_of(request),
        alert_id,
        cipher_of(request),
        personal=principal.can("view_personal_data"),
        language=principal.language,
    )
    if found is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no alert {alert_id}")
    now = dt.datetime.now(dt.UTC)
    due = (
        deadline(found, now) if found["state"] in OPEN_STATES else Deadline(None, None, None, False)
    )
    found.update(
        effective_priority=effective_priority(found),
        due_measure=due.measure,
        due_at=due.due_at,
        overdue=due.overdue,
    )
    return found


def problems_out(messages: Iterable[str]) -> list[dict[str, str]]:
    """``field: problem`` messages of the engine as the API's list of problems."""
    out = []
    for message in messages:
        where, _, problem = message.partition(": ")
        if not problem:
            where, problem = "", message
        out.append({"where": f"body.{where}" if where else "body", "problem": problem})
    return out


def record(
    request: Request,
    principal: Principal,
    alert: AlertIn,
    source: str,
    message_id: str | None,
) -> tuple[int, int, bool]:
    """Record an alert; (id, version, created). 422 listing every problem."""
    now = dt.datetime.now(dt.UTC)
    problems = alert.problems(now)
    if problems:
        raise HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, problems_out(problems))
    try:
        created = create_alert(
            store_of(request), alert, principal.name, cipher_of(request), source, message_id
        )
    except AlertError as exc:
        raise HTTPException(
            HTTP_422_UNPROCESSABLE_CONTENT, problems_out(str(exc).split("; "))
        ) from None
    return created.id, created.version, created.created


def act(
    request: Request,
    principal: Principal,
    alert_id: int,
    action: str,
    values: Mapping[str, Any],
    version: int,
    at: dt.datetime | None,
    owner: str | None,
) -> int:
    """Take one step; the new version. Raises :class:`VersionConflict`, 404, or 422."""
    merged_into = values.get("merged_into")
    if (
        isinstance(merged_into, int)
        and not isinstance(merged_into, bool)
        and not 1 <= merged_into <= MAX_ID
    ):
        raise HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, "merged_into: expected an alert id")
    try:
        return transition(
            store_of(request), alert_id, action, values, principal.name, version, at, owner
        )
    except AlertError as exc:
        raise HTTPException(HTTP_404_NOT_FOUND, str(exc)) from None
    except TransitionError as exc:
        raise HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


# --- endpoints -------------------------------------------------------------------------------

StateQuery = Annotated[
    list[str] | None,
    Query(description=f"state(s): {', '.join(ALL_STATES)}", max_length=len(ALL_STATES)),
]
UnitQuery = Annotated[str | None, Query(max_length=10, pattern=UNIT_PATTERN)]


@router.post(
    "/alerts",
    response_model=AlertCreatedOut,
    status_code=HTTP_201_CREATED,
    responses={
        200: {"model": AlertCreatedOut, "description": "a repeat of a recorded message_id"},
        422: {"description": "every problem, each as {where, problem}"},
    },
)
def create(
    request: Request,
    body: AlertCreateIn,
    response: Response,
    principal: Principal = Depends(Require("record_alerts")),
) -> AlertCreatedOut:
    """Record a received alert (audited; the reporter's name and contact are encrypted)."""
    message_id = f"api:{body.message_id}" if body.message_id else None
    alert_id, version, created = record(request, principal, body.alert_in(), "api", message_id)
    if not created:
        response.status_code = 200
    return AlertCreatedOut(id=alert_id, version=version, created=created, url=f"/alerts/{alert_id}")


@router.get("/alerts", response_model=Page[AlertSummaryOut])
def list_alerts(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    state: StateQuery = None,
    open: Annotated[bool, Query(description="only open alerts (not closed nor merged)")] = False,
    channel: Annotated[str | None, Query(max_length=40)] = None,
    priority: Annotated[
        str | None,
        Query(max_length=10, description="high, medium, low (unassessed alerts: their urgency)"),
    ] = None,
    admin1: UnitQuery = None,
    admin2: UnitQuery = None,
    received_from: Annotated[dt.date | None, Query(description="first day (UTC)")] = None,
    received_to: Annotated[dt.date | None, Query(description="last day (UTC), included")] = None,
    sort: Annotated[
        str,
        Query(
            max_length=20,
            description=f"one of {', '.join(SORT_KEYS)}; a leading '-' sorts descending",
        ),
    ] = DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[AlertSummaryOut]:
    """Alerts matching the filters, one page at a time, with the total over all pages. No
    personal data."""
    filters = AlertFilters(tuple(state or ()), open, channel, priority, admin1, admin2)
    filters.check()
    parse_sort(sort)
    if received_from and received_to and received_from > received_to:
        raise HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, "received_from: after received_to")
    now = dt.datetime.now(dt.UTC)
    rows = load_rows(store_of(request), received_from, received_to)
    items = sort_items([summary(r, now) for r in rows if filters.keep(r)], sort)
    start = (page - 1) * page_size
    return Page[AlertSummaryOut](
        items=[AlertSummaryOut(**item) for item in items[start : start + page_size]],
        total=len(items),
        page=page,
        page_size=page_size,
    )


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def alert_detail(
    request: Request,
    alert_id: RecordId,
    principal: Principal = Depends(Require("view_alerts")),
) -> AlertOut:
    """One alert, with the actions open to it and the target it runs against. The reporter's
    name and contact are ``[redacted]`` unless the role may see personal data."""
    return AlertOut(**alert_view(request, principal, alert_id))


@router.get("/alerts/{alert_id}/timeline", response_model=list[StepOut])
def alert_timeline(
    request: Request,
    alert_id: RecordId,
    principal: Principal = Depends(Require("view_alerts")),
) -> list[StepOut]:
    """Every step of the alert, oldest first: when, who entered it, who owns it, what changed."""
    store = store_of(request)
    alert_view(request, principal, alert_id)
    return [StepOut(**step) for step in timeline(store, alert_id)]


@router.post(
    "/alerts/{alert_id}/actions",
    response_model=ActionOut,
    responses={
        404: {"description": "no such alert"},
        409: {"model": ConflictOut, "description": "the alert changed since it was read"},
        422: {"description": "a step the lifecycle does not allow, or missing values"},
    },
)
def alert_action(
    request: Request,
    alert_id: RecordId,
    body: ActionIn,
    principal: Principal = Depends(Require("respond_to_alerts")),
) -> Response | ActionOut:
    """Take one step of the alert's lifecycle (audited). Send the ``version`` read: if the
    alert changed since, nothing is written and the answer is a 409 with the current
    version."""
    try:
        version = act(
            request, principal, alert_id, body.action, body.values, body.version, body.at,
            body.owner,
        )  # fmt: skip
    except VersionConflict as exc:
        return JSONResponse(
            ConflictOut(detail=str(exc), current_version=exc.current).model_dump(),
            status_code=HTTP_409_CONFLICT,
        )
    found = alert_view(request, principal, alert_id)
    return ActionOut(id=alert_id, version=version, state=found["state"], actions=found["actions"])


# --- the SMS gateway -------------------------------------------------------------------------

SMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A message as a RapidPro-style gateway posts it. Other fields are ignored.",
    "properties": {
        "id": {"type": ["string", "integer"], "description": "the gateway's message id"},
        "uuid": {"type": "string", "description": "the message id, if `id` is absent"},
        "urn": {"type": "string", "description": "the sender, e.g. tel:+22376000000"},
        "text": {"type": "string", "description": "the message"},
        "sent_on": {"type": "string", "format": "date-time"},
        "created_on": {"type": "string", "format": "date-time", "description": "if no sent_on"},
        "contact": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
        },
    },
    "required": ["text"],
}


@dataclass(frozen=True)
class SmsMessage:
    message_id: str
    urn: str | None
    name: str | None
    text: str
    sent_at: dt.datetime


def _clean(text: str, limit: int) -> str:
    """Text of a message with its control characters turned into spaces (an alert is never
    refused for a stray character), trimmed."""
    cleaned = SURROGATE.sub("\ufffd", CONTROL.sub(" ", text.replace("\r\n", "\n"))).strip()
    return cleaned[:limit]


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def parse_sms(payload: Any) -> SmsMessage:
    """The message in a webhook's JSON, or a 422 saying what is wrong."""
    if not isinstance(payload, dict):
        raise _unprocessable("expected a JSON object with id (or uuid), text and sent_on")
    raw_id = payload.get("id")
    if raw_id is None or raw_id == "":
        raw_id = payload.get("uuid")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or raw_id == "":
        raise _unprocessable("id: missing — expected the gateway's message id (or uuid)")
    message_id = str(raw_id).strip()
    if (
        not message_id
        or len(message_id) > MESSAGE_ID_LIMIT
        or CONTROL.search(message_id)
        or SURROGATE.search(message_id)
    ):
        raise _unprocessable(f"id: expected at most {MESSAGE_ID_LIMIT} characters of plain text")
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _unprocessable("text: missing — expected the message's text")
    urn = payload.get("urn")
    if urn is not None and not isinstance(urn, str):
        raise _unprocessable("urn: expected text such as tel:+22376000000")
    contact = payload.get("contact")
    name = None
    if isinstance(contact, dict):
        name = contact.get("name")
        if name is not None and not isinstance(name, str):
            raise _unprocessable("contact.name: expected text")
    elif contact is not None and not isinstance(contact, str):
        raise _unprocessable("contact: expected an object with a name")
    moment = payload.get("sent_on") or payload.get("created_on")
    if not isinstance(moment, str) or not moment.strip():
        raise _unprocessable("sent_on: missing — expected the message's time (ISO 8601)")
    try:
        sent_at = dt.datetime.fromisoformat(moment.strip())
    except ValueError:
        raise _unprocessable(
            f"sent_on: {moment[:40]!r} — expected an ISO 8601 time, e.g. 2024-03-01T14:05:00Z"
        ) from None
    if sent_at.tzinfo is None:
        raise _unprocessable("sent_on: expected a time zone, e.g. 2024-03-01T14:05:00Z")
    if not MIN_YEAR <= sent_at.year <= MAX_YEAR:
        raise _unprocessable(f"sent_on: expected a year from {MIN_YEAR} to {MAX_YEAR}")
    body = _clean(text, 4000)
    if not body:
        raise _unprocessable("text: only control characters — expected the message's text")
    return SmsMessage(
        message_id=message_id,
        urn=(_clean(urn, 200) or None) if urn else None,
        name=(_clean(name, 200) or None) if name else None,
        text=body,
        sent_at=sent_at,
    )


async def read_limited(request: Request, limit: int) -> bytes:
    """The request's body, or a 413 as soon as it is known to exceed ``limit`` bytes (from
    its Content-Length, then from the bytes read)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise HTTPException(HTTP_400_BAD_REQUEST, "Content-Length is not a number")
        if int(declared) > limit:
            raise HTTPException(HTTP_413_CONTENT_TOO_LARGE, f"the body exceeds {limit // 1024} KB")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise HTTPException(
                    HTTP_413_CONTENT_TOO_LARGE, f"the body exceeds {limit // 1024} KB"
                )
    except ClientDisconnect:
        raise HTTPException(HTTP_400_BAD_REQUEST, "the client left before the end") from None
    return bytes(body)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@router.post(
    "/alerts/webhook/sms",
    response_model=SmsCreatedOut,
    status_code=HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": SMS_SCHEMA}}}
    },
    responses={
        400: {"description": "not JSON, or not UTF-8"},
        401: {"description": "no API token, or a revoked one"},
        409: {"model": ReplayOut, "description": "this message was already received"},
        413: {"description": f"a body over {WEBHOOK_LIMIT // 1024} KB"},
        415: {"description": "a form instead of JSON"},
        422: {"description": "a field missing or wrong"},
    },
)
async def sms_webhook(
    request: Request,
    principal: Principal = Depends(Require("record_alerts")),
) -> Response | SmsCreatedOut:
    """An SMS from the community alert network, posted by the SMS gateway with an API token of
    a user who may record alerts: recorded as a received alert (channel
    community_alert_network, source sms). A message id already received answers 409 with the
    alert recorded for it; nothing is recorded twice."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(FORM_TYPES):
        raise HTTPException(HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the message as JSON")
    body = await read_limited(request, WEBHOOK_LIMIT)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HTTPException(HTTP_400_BAD_REQUEST, "the body is not JSON (UTF-8)") from None
    message = parse_sms(payload)
    alert = AlertIn(
        channel=SMS_CHANNEL,
        received_at=message.sent_at,
        reporter_name=message.name,
        reporter_contact=message.urn,
        description=message.text,
    )
    alert_id, version, created = await run_in_threadpool(
        record, request, principal, alert, "sms", f"sms:{message.message_id}"
    )
    if not created:
        return JSONResponse(
            ReplayOut(
                detail=f"message {message.message_id!r} was already received as alert {alert_id}",
                id=alert_id,
            ).model_dump(),
            status_code=HTTP_409_CONFLICT,
        )
    return SmsCreatedOut(id=alert_id, version=version, created=True)
