"""The early-warning pages: the alert board (``/alerts``), the intake form (``/alerts/new``) and
one alert with its timeline and the steps open to it (``/alerts/{id}``).

What is overdue, the lists and every write go through the same functions as the API
(``web/api/alerts.py``), which call the engine (``sentinelle.alerts.register``): the lifecycle,
the audit and the encryption of reporters' identities are never done here.

Times typed in the forms (``datetime-local`` inputs carry no zone) are read as UTC, the time of
Bamako all year; pages say so beside each time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.status import (
    HTTP_303_SEE_OTHER,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_CONTENT,
)

from sentinelle.alerts.register import (
    AlertError,
    AlertIn,
    VersionConflict,
    create_alert,
    threat_codes,
    timeline,
)
from sentinelle.domain.alerts import (
    OPEN_STATES,
    decisions,
    label,
    measures,
    transitions,
    vocabulary,
)
from sentinelle.domain.threat import threat_types
from sentinelle.domain.vocabulary import Language
from sentinelle.store import alerts as alert_store
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import alerts as service
from sentinelle.web.api.schemas import MAX_ID
from sentinelle.web.cache import cache_of
from sentinelle.web.components import FilterOptions, filter_options
from sentinelle.web.rendering import render

router = APIRouter()

BOARD_PAGE_SIZE = 100
FORM_TEXT_LIMIT = 4000
TIME_FORMAT = "%Y-%m-%dT%H:%M"
"""The value of a ``datetime-local`` input."""
FORM_ID = re.compile(r"^[0-9a-f]{32}$")
INTAKE_FIELDS = (
    "channel",
    "received_at",
    "urgency",
    "threat_type",
    "threatened_population",
    "population_note",
    "place",
    "admin1_pcode",
    "admin2_pcode",
    "latitude",
    "longitude",
    "precision",
    "suspected_perpetrator",
    "description",
    "reporter_name",
    "reporter_contact",
    "owner",
)
TEXT_LIMITS = {
    "population_note": 1000,
    "place": 200,
    "suspected_perpetrator": 60,
    "description": 4000,
    "reporter_name": 200,
    "reporter_contact": 200,
    "owner": 200,
}
"""``maxlength`` of the intake form's text inputs (the engine's limits)."""
DETAIL_HIDDEN = {"state", "owner", "closed_from", *(f"{s}_at" for s in OPEN_STATES), "closed_at"}
"""Step details not shown as changes (the state and times have their own columns)."""

PathId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
UnitQuery = Annotated[str | None, Query(max_length=10, pattern=r"^([A-Z]{2}[0-9]{0,8})?$")]
Code = Annotated[str | None, Query(max_length=40)]


# --- labels and formats ----------------------------------------------------------------------


def _t(language: Language) -> Any:
    return lambda key, **values: i18n.translate(key, language, **values)


def short_time(value: dt.datetime | None, language: Language) -> str:
    """``25 Nov 2026 13:04`` (UTC, the time of Bamako)."""
    if value is None:
        return "–"
    return format_datetime(
        value, format="d MMM y HH:mm", tzinfo=ZoneInfo(i18n.TIMEZONE), locale=language
    )


def duration(hours: float, language: Language) -> str:
    """``45 min``, ``5 h 20 min``, ``3 d 4 h`` (``3 j 4 h`` in French)."""
    t = _t(language)
    minutes = max(round(hours * 60), 0)
    if minutes < 60:
        return str(t("alerts.duration.minutes", minutes=minutes))
    if minutes < 48 * 60:
        whole, rest = divmod(minutes, 60)
        if rest:
            return str(t("alerts.duration.hours_minutes", hours=whole, minutes=rest))
        return str(t("alerts.duration.hours", hours=whole))
    days, rest = divmod(minutes // 60, 24)
    return str(t("alerts.duration.days_hours", days=days, hours=rest))


def vocab_options(name: str, language: Language) -> list[tuple[str, str]]:
    terms = decisions() if name == "decision" else vocabulary(name)
    return [(code, term.label(language)) for code, term in terms.items()]


def source_label(code: str, language: Language) -> str:
    key = f"alerts.source.{code}"
    return i18n.translate(key, language) if key in i18n.catalogue() else code


def threat_label(code: str | None, language: Language) -> str:
    if not code:
        return ""
    if code == "other":
        return str(i18n.translate("alerts.threat.other", language))
    term = threat_types().get(code)
    return term.label(language) if term else code


def threat_options(language: Language) -> list[tuple[str, str]]:
    return [(code, threat_label(code, language)) for code in threat_codes()]


def state_label(state: str | None, language: Language) -> str:
    return label("state", state, language) if state else ""


def action_label(action: str, language: Language) -> str:
    if action == "receive":
        return str(i18n.translate("alerts.action.receive", language))
    for item in transitions():
        if item.action == action:
            return item.label(language)
    return action


def priority_text(row: Mapping[str, Any], language: Language) -> str:
    """The assessed priority, or ``Urgency: high`` for an alert not yet assessed."""
    if row.get("priority"):
        return label("priority", row["priority"], language)
    if row.get("urgency"):
        return str(
            i18n.translate(
                "alerts.urgency_only", language, urgency=label("urgency", row["urgency"], language)
            )
        )
    return "–"


def unit_names(options: FilterOptions) -> dict[str, str]:
    names = {code: name for code, name in options.regions}
    names.update({code: name for code, name, _ in options.cercles})
    return names


def place_text(row: Mapping[str, Any], names: Mapping[str, str]) -> str:
    parts = [row.get("place")]
    for key in ("admin2_pcode", "admin1_pcode"):
        code = row.get(key)
        if code:
            parts.append(names.get(code, code))
            break
    return " · ".join(p for p in parts if p)


def due_text(item: Mapping[str, Any], now: dt.datetime, language: Language) -> str:
    due = item.get("due_at")
    if due is None:
        return ""
    t = _t(language)
    term = measures().get(str(item["due_measure"]))
    measure = term.label(language) if term else str(item["due_measure"])
    if item["overdue"]:
        late = duration((now - due).total_seconds() / 3600, language)
        return str(t("alerts.overdue_by", measure=measure, time=late))
    left = duration((due - now).total_seconds() / 3600, language)
    return str(t("alerts.due_in", measure=measure, time=left))


def _options(request: Request, language: Language) -> FilterOptions:
    with store_of(request).reading() as connection:
        return cache_of(request).get(
            connection, ("filter_options", language), lambda: filter_options(connection, language)
        )


# --- the board -------------------------------------------------------------------------------


@router.get("/alerts", response_class=HTMLResponse)
def board_page(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    state: Annotated[list[str] | None, Query(max_length=8)] = None,
    channel: Code = None,
    priority: Code = None,
    region: UnitQuery = None,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Open alerts, overdue first then oldest first, with their age and target; counts per
    state at the top (each a filter)."""
    language = principal.language
    states = tuple(s for s in (state or ()) if s)
    filters = service.AlertFilters(
        states, not states, channel or None, priority or None, region or None
    )
    filters.check()
    now = dt.datetime.now(dt.UTC)
    rows = service.load_rows(store_of(request))
    others = service.AlertFilters((), False, filters.channel, filters.priority, filters.admin1)
    counted = [r for r in rows if others.keep(r)]
    counts = {s: 0 for s in (*OPEN_STATES, "closed", "merged")}
    overdue_count = 0
    for row in counted:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
        if row["state"] in OPEN_STATES and service.deadline(row, now).overdue:
            overdue_count += 1
    items = [service.summary(r, now) for r in rows if filters.keep(r)]
    if overdue:
        items = [i for i in items if i["overdue"]]
    closed_only = bool(states) and not set(states) & set(OPEN_STATES)
    items = service.sort_items(items, "-received") if closed_only else service.board_order(items)
    total = len(items)
    pages = max(math.ceil(total / BOARD_PAGE_SIZE), 1)
    page = min(page, pages)
    shown = items[(page - 1) * BOARD_PAGE_SIZE : page * BOARD_PAGE_SIZE]
    options = _options(request, language)
    names = unit_names(options)
    table = [
        {
            **item,
            "received_text": short_time(item["received_at"], language),
            "age_text": duration(item["age_hours"], language),
            "state_text": state_label(item["state"], language),
            "priority_text": priority_text(item, language),
            "place_text": place_text(item, names),
            "threat_text": threat_label(item["threat_type"], language),
            "channel_text": label("channel", item["channel"], language),
            "due_text": due_text(item, now, language),
        }
        for item in shown
    ]
    return render(
        request,
        "alerts/board.html",
        principal,
        rows=table,
        counts=counts,
        open_total=sum(counts[s] for s in OPEN_STATES),
        overdue_count=overdue_count,
        states=states,
        filters=filters,
        overdue=overdue,
        total=total,
        page=page,
        pages=pages,
        channels=vocab_options("channel", language),
        priorities=vocab_options("priority", language),
        regions=options.regions,
        state_labels={s: state_label(s, language) for s in counts},
        open_states=OPEN_STATES,
        now=now,
    )


# --- the intake form -------------------------------------------------------------------------


def form_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_form_time(text: str) -> dt.datetime | None:
    """A ``datetime-local`` value as UTC (the time of Bamako); None if it is not one."""
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if not service.MIN_YEAR <= value.year <= service.MAX_YEAR:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_number(text: str) -> float | None:
    """A number typed with a point or a comma; None if blank. ValueError if not a number."""
    text = text.strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


ERROR_PATTERNS = (
    ("missing", "alerts.error.required"),
    ("in the future", "alerts.error.future"),
    ("1990 or later", "alerts.error.too_old"),
    ("time zone", "alerts.error.datetime"),
    ("characters — expected at most", "alerts.error.too_long"),
    ("control characters", "alerts.error.plain_text"),
    ("only one given", "alerts.error.pair"),
    ("expected −", "alerts.error.range"),
    ("expected a number", "alerts.error.number"),
    ("not a region", "alerts.error.unknown_region"),
    ("not a cercle", "alerts.error.unknown_cercle"),
    ("lies in", "alerts.error.cercle_region"),
    ("expected one of", "alerts.error.choice"),
)


def field_problems(messages: Sequence[str], language: Language) -> dict[str, str]:
    """The engine's ``field: problem`` messages as {form field: message in the language}."""
    out: dict[str, str] = {}
    for message in messages:
        where, _, problem = message.partition(": ")
        name = "latitude" if where == "latitude/longitude" else where
        if name not in INTAKE_FIELDS:
            name = "form"
        text = problem or message
        for pattern, key in ERROR_PATTERNS:
            if pattern in problem:
                text = i18n.translate(key, language)
                break
        out.setdefault(name, text)
    return out


@dataclass
class Intake:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    alert: AlertIn | None = None


def read_intake(form: FormData, language: Language, now: dt.datetime) -> Intake:
    """The intake form as an :class:`AlertIn`, or the problems beside each field."""
    t = _t(language)
    values = {name: _text(form, name) for name in INTAKE_FIELDS}
    intake = Intake(values)
    errors = intake.errors
    for name, limit in TEXT_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = t("alerts.error.too_long")
    for name in INTAKE_FIELDS:
        if name not in TEXT_LIMITS and len(values[name]) > 100:
            errors[name] = t("alerts.error.choice")
    received = parse_form_time(values["received_at"]) if values["received_at"].strip() else None
    if not values["received_at"].strip():
        errors["received_at"] = t("alerts.error.required")
    elif received is None:
        errors["received_at"] = t("alerts.error.datetime")
    if not values["channel"]:
        errors["channel"] = t("alerts.error.required")
    coordinates: dict[str, float | None] = {}
    for name in ("latitude", "longitude"):
        try:
            coordinates[name] = parse_number(values[name])
        except ValueError:
            errors[name] = t("alerts.error.number")
    if errors:
        return intake
    assert received is not None
    alert = AlertIn(
        channel=values["channel"],
        received_at=received,
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
        **{
            name: values[name] or None
            for name in INTAKE_FIELDS
            if name not in ("channel", "received_at", "latitude", "longitude")
        },
    )
    errors.update(field_problems(alert.problems(now), language))
    if not errors:
        intake.alert = alert
    return intake


def _intake_page(
    request: Request,
    principal: Principal,
    intake: Intake,
    form_id: str,
    status_code: int = 200,
) -> HTMLResponse:
    language = principal.language
    options = _options(request, language)
    cercles: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in options.cercles:
        cercles.setdefault(parent, []).append((code, name))
    return render(
        request,
        "alerts/new.html",
        principal,
        status_code=status_code,
        values=intake.values,
        errors=intake.errors,
        form_id=form_id,
        channels=vocab_options("channel", language),
        urgencies=vocab_options("urgency", language),
        precisions=vocab_options("precision", language),
        populations=vocab_options("threatened_population", language),
        threats=threat_options(language),
        regions=options.regions,
        cercles=[(code, name, cercles.get(code, [])) for code, name in options.regions],
        limits=TEXT_LIMITS,
        now_text=form_time(dt.datetime.now(dt.UTC)),
    )


@router.get("/alerts/new", response_class=HTMLResponse)
def new_alert_page(
    request: Request, principal: Principal = Depends(Require("record_alerts"))
) -> HTMLResponse:
    """The intake form: one column, phone-sized, every choice from the vocabularies."""
    values = {name: "" for name in INTAKE_FIELDS}
    values["received_at"] = form_time(dt.datetime.now(dt.UTC))
    return _intake_page(request, principal, Intake(values), uuid.uuid4().hex)


@router.post("/alerts/new")
async def new_alert_submit(
    request: Request, principal: Principal = Depends(Require("record_alerts"))
) -> Response:
    """Record the alert and show it; problems are shown beside their fields, nothing typed is
    lost. The form's own id makes a second press of the button (or a resend on a bad network)
    record nothing twice."""
    form = await request.form()
    language = principal.language
    form_id = _text(form, "form_id")
    if not FORM_ID.match(form_id):
        form_id = uuid.uuid4().hex
    intake = read_intake(form, language, dt.datetime.now(dt.UTC))
    if intake.alert is None:
        return _intake_page(request, principal, intake, form_id, HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        created = await run_in_threadpool(
            create_alert,
            store_of(request),
            intake.alert,
            principal.name,
            service.cipher_of(request),
            "web",
            f"web:{form_id}",
        )
    except AlertError as exc:
        intake.errors.update(field_problems(str(exc).split("; "), language))
        return _intake_page(request, principal, intake, form_id, HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse(f"/alerts/{created.id}?created=1", status_code=HTTP_303_SEE_OTHER)


# --- one alert -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """A field of an action's form."""

    name: str
    kind: str  # select | yesno | text | textarea | number | alert
    vocabulary: str | None = None
    required: bool = False


ACTION_FIELDS: dict[str, tuple[FormField, ...]] = {
    "verify": (FormField("verification", "select", "verification", True),),
    "assess": (
        FormField("response_required", "yesno", required=True),
        FormField("priority", "select", "priority"),
    ),
    "decide": (
        FormField("decision", "select", "decision", True),
        FormField("decision_reason", "textarea"),
        FormField("responding_unit", "text"),
    ),
    "dispatch": (),
    "arrive": (),
    "close": (
        FormField("outcome", "select", "outcome"),
        FormField("killed", "number"),
        FormField("injured", "number"),
    ),
    "reopen": (FormField("reason", "textarea", required=True),),
    "merge": (FormField("merged_into", "alert", required=True),),
    "note": (FormField("text", "textarea", required=True),),
}
"""What each action's form asks (an action added to the lifecycle later gets a text input for
each value it requires)."""


def action_fields(action: str) -> tuple[FormField, ...]:
    if action in ACTION_FIELDS:
        return ACTION_FIELDS[action]
    for item in transitions():
        if item.action == action:
            return tuple(FormField(name, "text", required=True) for name in item.requires)
    return ()


def field_label(name: str, language: Language) -> str:
    key = f"alerts.field.{name}"
    return i18n.translate(key, language) if key in i18n.catalogue() else name


def field_problem(name: str, key: str, language: Language) -> str:
    """``Quand : Attendu : une date…`` — a field's label and a message."""
    colon = i18n.translate("alerts.colon", language)
    return f"{field_label(name, language)}{colon}{i18n.translate(key, language)}"


class FormProblem(ValueError):
    """A value of an action's form that is not what the field takes."""


def read_action_values(action: str, form: FormData, language: Language) -> dict[str, Any]:
    """The values an action's form sent, typed as the engine takes them."""
    values: dict[str, Any] = {}
    for spec in action_fields(action):
        text = _text(form, spec.name).strip()
        if len(text) > FORM_TEXT_LIMIT:
            raise FormProblem(field_problem(spec.name, "alerts.error.too_long", language))
        if spec.kind == "yesno":
            values[spec.name] = {"yes": True, "no": False}.get(text)
        elif spec.kind in ("number", "alert"):
            if not text:
                values[spec.name] = None
                continue
            if not text.isdigit() or int(text) > MAX_ID:
                key = "alerts.error.alert_id" if spec.kind == "alert" else "alerts.error.count"
                raise FormProblem(field_problem(spec.name, key, language))
            values[spec.name] = int(text)
        else:
            values[spec.name] = text or None
    return values


def _value_text(name: str, value: Any, language: Language) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(i18n.translate("alerts.yes" if value else "alerts.no", language))
    vocabularies = {
        "verification": "verification",
        "priority": "priority",
        "urgency": "urgency",
        "decision": "decision",
        "outcome": "outcome",
        "channel": "channel",
        "precision": "precision",
        "threatened_population": "threatened_population",
    }
    if name in vocabularies:
        return label(vocabularies[name], str(value), language)
    if name == "merged_into":
        return f"#{value}"
    return str(value)


def timeline_rows(steps: Sequence[Mapping[str, Any]], language: Language) -> list[dict[str, Any]]:
    rows = []
    for step in steps:
        details = step.get("details") or {}
        changes = [
            (field_label(key, language), _value_text(key, value, language))
            for key, value in details.items()
            if key not in DETAIL_HIDDEN and key not in ("text", "reason") and value is not None
        ]
        late = (step["recorded_at"] - step["at"]).total_seconds() > 120
        rows.append(
            {
                "action": step["action"],
                "action_text": action_label(step["action"], language),
                "from_text": state_label(step.get("from_state"), language),
                "to_text": state_label(step["to_state"], language),
                "moved": step.get("from_state") not in (None, step["to_state"]),
                "at": step["at"],
                "at_text": short_time(step["at"], language),
                "recorded_text": short_time(step["recorded_at"], language) if late else "",
                "actor": step["actor"],
                "owner": step["owner"],
                "changes": changes,
                "text": details.get("text") or details.get("reason"),
                "version": step["version"],
            }
        )
    return rows


def merged_here(request: Request, alert_id: int) -> list[int]:
    """Alerts merged into this one."""
    with store_of(request).reading() as connection:
        frame = alert_store.load_frame(connection, columns=("id", "merged_into"))
    return sorted(int(i) for i in frame.loc[frame["merged_into"] == alert_id, "id"])


def action_forms(
    found: Mapping[str, Any], language: Language, submitted: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One form per action open to the alert, its choices labelled."""
    forms = []
    for action in found["actions"]:
        mine = submitted.get("action") == action
        fields = []
        for spec in action_fields(action):
            options: list[tuple[str, str]] = []
            if spec.kind == "select" and spec.vocabulary:
                options = vocab_options(spec.vocabulary, language)
                if spec.name == "decision":
                    options = [
                        (code, f"{text} · {i18n.translate('alerts.on_site', language)}")
                        if decisions()[code].on_site
                        else (code, text)
                        for code, text in options
                    ]
            required = spec.required or (
                spec.name == "outcome" and found["state"] in ("decided", "on_site")
            )
            fields.append(
                {
                    "name": spec.name,
                    "kind": spec.kind,
                    "label": field_label(spec.name, language),
                    "options": options,
                    "required": required,
                    "value": submitted.get(spec.name, "") if mine else "",
                }
            )
        forms.append(
            {
                "action": action,
                "label": action_label(action, language),
                "fields": fields,
                "open": mine,
                "at": submitted.get("at", "") if mine else "",
                "owner": submitted.get("owner", "") if mine else "",
            }
        )
    return forms


def _detail_page(
    request: Request,
    principal: Principal,
    alert_id: int,
    status_code: int = 200,
    error: str | None = None,
    conflict: str | None = None,
    submitted: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    language = principal.language
    found = service.alert_view(request, principal, alert_id)
    now = dt.datetime.now(dt.UTC)
    steps = timeline(store_of(request), alert_id)
    names = unit_names(_options(request, language))
    personal = principal.can("view_personal_data")
    value = lambda name: _value_text(name, found.get(name), language)  # noqa: E731
    sections = {
        "what": [
            ("threat_type", threat_label(found["threat_type"], language) or "–"),
            ("description", found["description"] or "–"),
            ("threatened_population", value("threatened_population")),
            ("population_note", found["population_note"] or "–"),
            ("suspected_perpetrator", found["suspected_perpetrator"] or "–"),
            ("urgency", value("urgency")),
        ],
        "where": [
            ("place", found["place"] or "–"),
            ("admin1_pcode", names.get(found["admin1_pcode"] or "", found["admin1_pcode"] or "–")),
            ("admin2_pcode", names.get(found["admin2_pcode"] or "", found["admin2_pcode"] or "–")),
            (
                "coordinates",
                f"{i18n.number(found['latitude'], language, 4)}, "
                f"{i18n.number(found['longitude'], language, 4)}"
                if found["latitude"] is not None and found["longitude"] is not None
                else "–",
            ),
            ("precision", value("precision")),
        ],
        "receipt": [
            ("channel", value("channel")),
            ("received_at", short_time(found["received_at"], language)),
            ("source", source_label(str(found["source"]), language)),
            ("created_by", str(found["created_by"])),
            ("created_at", short_time(found["created_at"], language)),
            ("reporter_name", found["reporter_name"] or "–"),
            ("reporter_contact", found["reporter_contact"] or "–"),
        ],
        "response": [
            ("verification", value("verification")),
            ("response_required", value("response_required")),
            ("priority", value("priority")),
            ("decision", value("decision")),
            ("decision_reason", found["decision_reason"] or "–"),
            ("responding_unit", found["responding_unit"] or "–"),
            ("outcome", value("outcome")),
            ("killed", value("killed")),
            ("injured", value("injured")),
            ("owner", found["owner"] or "–"),
        ],
    }
    labelled = {
        key: [(name, field_label(name, language), text) for name, text in rows]
        for key, rows in sections.items()
    }
    return render(
        request,
        "alerts/detail.html",
        principal,
        status_code=status_code,
        alert=found,
        sections=labelled,
        personal=personal,
        state_text=state_label(found["state"], language),
        age_text=duration((now - found["received_at"]).total_seconds() / 3600, language),
        due_text=due_text(found, now, language),
        priority_text=priority_text(found, language),
        steps=timeline_rows(steps, language),
        forms=action_forms(found, language, submitted or {})
        if principal.can("respond_to_alerts")
        else [],
        merged=merged_here(request, alert_id),
        error=error,
        conflict=conflict,
        notice=notice,
        now_text=form_time(now),
    )


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(
    request: Request,
    alert_id: PathId,
    principal: Principal = Depends(Require("view_alerts")),
    created: bool = False,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """One alert: its fields (the reporter's identity only for roles that may see it), every
    step of its timeline, and for responders a form for each step open to it."""
    language = principal.language
    notice = None
    if created:
        notice = i18n.translate("alerts.notice.created", language, id=alert_id)
    elif done:
        notice = i18n.translate("alerts.notice.done", language, action=action_label(done, language))
    return _detail_page(request, principal, alert_id, notice=notice)


@router.post("/alerts/{alert_id}/actions")
async def alert_action_page(
    request: Request,
    alert_id: PathId,
    principal: Principal = Depends(Require("respond_to_alerts")),
) -> Response:
    """Take the step of the submitted form. A refused step shows why, beside the form, with
    what was typed; if the alert changed since the page was read, the page shows it as it
    stands now and says so."""
    form = await request.form()
    language = principal.language
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    submitted.pop("csrf_token", None)
    action = _text(form, "action").strip()[:40]
    version_text = _text(form, "version").strip()

    def again(status_code: int, **values: Any) -> HTMLResponse:
        return _detail_page(
            request, principal, alert_id, status_code, submitted=submitted, **values
        )

    service.alert_view(request, principal, alert_id)  # 404 first
    if not version_text.isdigit() or not 1 <= int(version_text) <= MAX_ID:
        return again(
            HTTP_422_UNPROCESSABLE_CONTENT, error=i18n.translate("alerts.error.version", language)
        )
    at_text = _text(form, "at").strip()
    at = parse_form_time(at_text) if at_text else None
    if at_text and at is None:
        return again(
            HTTP_422_UNPROCESSABLE_CONTENT,
            error=field_problem("at", "alerts.error.datetime", language),
        )
    owner = _text(form, "owner").strip()
    if len(owner) > 200 or service.CONTROL.search(owner):
        return again(
            HTTP_422_UNPROCESSABLE_CONTENT,
            error=field_problem("owner", "alerts.error.too_long", language),
        )
    try:
        values = read_action_values(action, form, language)
        await run_in_threadpool(
            service.act, request, principal, alert_id, action, values, int(version_text), at,
            owner or None,
        )  # fmt: skip
    except FormProblem as exc:
        return again(HTTP_422_UNPROCESSABLE_CONTENT, error=str(exc))
    except VersionConflict as exc:
        return _detail_page(
            request,
            principal,
            alert_id,
            HTTP_409_CONFLICT,
            conflict=i18n.translate(
                "alerts.conflict", language, read=exc.expected, now=exc.current or "–"
            ),
            submitted=submitted,
        )
    except HTTPException as exc:
        if exc.status_code != HTTP_422_UNPROCESSABLE_CONTENT:
            raise
        return again(
            HTTP_422_UNPROCESSABLE_CONTENT,
            error=i18n.translate("alerts.error.refused", language, detail=exc.detail),
        )
    return RedirectResponse(
        f"/alerts/{alert_id}?done={action}#timeline", status_code=HTTP_303_SEE_OTHER
    )
