"""The civilian-harm pages: the register (``/harm``), the incident form (``/harm/new``), one
incident with its victims, sources, amends, timeline and forms (``/harm/{id}``), the mitigation
tracker (``/harm/measures``), the patterns (``/harm/patterns``: by dimension, around bases,
before and after a base opened or closed), the monthly report (``/harm/report``, HTML or PDF)
and the ACLED candidates (``/harm/candidates``).

Every check, write, audit entry and the encryption of names are the register's
(:mod:`sentinelle.harm.register`); lists and exports go through the same functions as the API
(``web/api/harm.py``). Names, contacts, victims' notes and amends' recipients are shown only to
roles with ``view_personal_data`` (the register redacts them for the others).

Times typed in the forms (``datetime-local`` inputs carry no zone) are read as UTC, the time of
Bamako all year.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.status import (
    HTTP_303_SEE_OTHER,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_CONTENT,
)

from sentinelle.domain.harm import (
    activities,
    categories,
    confidence_grades,
    forces,
    vocabulary,
)
from sentinelle.domain.vocabulary import Language, Term
from sentinelle.harm.register import (
    AmendsIn,
    HarmError,
    IncidentIn,
    MeasureIn,
    SourceIn,
    VersionConflict,
    VictimIn,
    add_amends,
    add_source,
    add_victim,
    answer_amends,
    create_incident,
    create_measure,
    from_event,
    link_measure,
    list_measures,
    update_incident,
    update_measure,
)
from sentinelle.store.database import Store
from sentinelle.store.schema import harm_incidents
from sentinelle.web import figures, i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import harm as service
from sentinelle.web.api.alerts import cipher_of
from sentinelle.web.api.schemas import MAX_ID
from sentinelle.web.cache import cache_of
from sentinelle.web.components import FilterOptions, filter_options
from sentinelle.web.rendering import render

router = APIRouter()

PathId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
CodeQuery = Annotated[str | None, Query(max_length=60)]
DayQuery = Annotated[str | None, Query(max_length=20)]
TIME_FORMAT = "%Y-%m-%dT%H:%M"
"""The value of a ``datetime-local`` input."""
VICTIM_ROWS = 2
SOURCE_ROWS = 2
REGISTER_LIMIT = 1000
"""Rows shown on the register page (the export has them all)."""
TEXT_LIMIT = 4000
NAME_LIMIT = 200

INCIDENT_FORM = (
    "occurred_at", "time_precision", "reference", "force", "unit", "activity", "category",
    "place", "admin1_pcode", "admin2_pcode", "latitude", "longitude", "location_precision",
    "killed_min", "killed_max", "injured_min", "injured_max", "confidence", "description",
    "investigation", "findings", "lessons",
)  # fmt: skip
VICTIM_FIELDS = ("name", "harm", "sex", "age", "age_group", "civilian_status", "cause", "note")
SOURCE_FIELDS = ("name", "contact", "kind", "reliability", "received_at", "account")
AMENDS_FIELDS = (
    "kind", "offered_on", "amount", "currency", "recipient", "response", "responded_on", "note",
)  # fmt: skip
MEASURE_FIELDS = ("title", "kind", "owner", "due_date", "description", "incidents")
INVESTIGATION_FIELDS = ("investigation", "findings", "confidence", "lessons")
COUNTS = ("killed_min", "killed_max", "injured_min", "injured_max")

VOCABULARY_OF = {
    "time_precision": "time_precision",
    "location_precision": "location_precision",
    "investigation": "investigation",
    "sex": "sex",
    "age_group": "age_group",
    "civilian_status": "civilian_status",
    "harm": "harm",
    "cause": "cause",
    "reliability": "reliability",
    "response": "amends_response",
}
"""Form fields whose choices come from ``harm_vocabulary.csv``."""

VICTIM_DEFAULTS = {"sex": "unknown", "civilian_status": "civilian", "cause": "unknown"}
SOURCE_DEFAULTS = {"reliability": "unknown"}
INCIDENT_DEFAULTS = {
    "time_precision": "day",
    "confidence": "likely",
    "investigation": "not_started",
    **{name: "0" for name in COUNTS},
}


# --- labels ----------------------------------------------------------------------------------


def terms(name: str) -> Mapping[str, Term]:
    """The vocabulary called ``name``: force, category, activity, confidence, or a list of
    ``harm_vocabulary.csv``."""
    special: dict[str, Callable[[], Mapping[str, Term]]] = {
        "force": forces,
        "category": categories,
        "activity": activities,
        "confidence": confidence_grades,
    }
    return special[name]() if name in special else vocabulary(name)


def choices(name: str, language: Language) -> list[tuple[str, str]]:
    return [(code, term.label(language)) for code, term in terms(name).items()]


def label_of(name: str, code: Any, language: Language) -> str:
    if code is None or code == "":
        return "–"
    term = terms(name).get(str(code))
    return term.label(language) if term else str(code)


def field_label(name: str, language: Language) -> str:
    key = f"harm.field.{name}"
    return i18n.translate(key, language) if key in i18n.catalogue() else name


def short_time(value: dt.datetime | None, language: Language) -> str:
    return "–" if value is None else i18n.datetime(value, language)


def range_text(low: Any, high: Any, language: Language) -> str:
    if low is None:
        return "–"
    low, high = int(low), int(high)
    if low == high:
        return i18n.number(low, language)
    return f"{i18n.number(low, language)}–{i18n.number(high, language)}"


def _options(request: Request, language: Language) -> FilterOptions:
    with store_of(request).reading() as connection:
        return cache_of(request).get(
            connection, ("filter_options", language), lambda: filter_options(connection, language)
        )


def unit_names(request: Request, language: Language) -> dict[str, str]:
    options = _options(request, language)
    names = {code: name for code, name in options.regions}
    names.update({code: name for code, name, _ in options.cercles})
    return names


# --- reading forms ---------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> dt.datetime | None:
    """A ``datetime-local`` value as UTC; None if it is not one."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if not service.MIN_YEAR <= value.year <= service.MAX_YEAR:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_day(text: str) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if service.MIN_YEAR <= value.year <= service.MAX_YEAR else None


def parse_number(text: str) -> float | None:
    """A number typed with a point or a comma; None if blank. ValueError if not a number."""
    cleaned = text.strip().replace(",", ".").replace(" ", "")
    if not cleaned:
        return None
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_whole(text: str) -> int | None:
    """A whole number; None if blank. ValueError if not one."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or len(cleaned) > 9:
        raise ValueError(text)
    return int(cleaned)


class Reader:
    """Reads typed values from a form into ``values`` (what was typed, to show again) and
    ``errors`` (field → message in the page's language)."""

    def __init__(self, form: FormData, language: Language, prefix: str = "") -> None:
        self.form = form
        self.language = language
        self.prefix = prefix
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def error(self, name: str, key: str) -> None:
        self.errors.setdefault(self.prefix + name, i18n.translate(key, self.language))

    def text(self, name: str, limit: int = TEXT_LIMIT) -> str | None:
        value = _text(self.form, self.prefix + name)
        self.values[self.prefix + name] = value
        if len(value) > limit:
            self.error(name, "harm.error.too_long")
        return value.strip() or None

    def time(self, name: str) -> dt.datetime | None:
        text = self.text(name, 40) or ""
        if not text:
            return None
        value = parse_time(text)
        if value is None:
            self.error(name, "harm.error.datetime")
        return value

    def day(self, name: str) -> dt.date | None:
        text = self.text(name, 40) or ""
        if not text:
            return None
        value = parse_day(text)
        if value is None:
            self.error(name, "harm.error.date")
        return value

    def whole(self, name: str) -> int | None:
        try:
            return parse_whole(self.text(name, 40) or "")
        except ValueError:
            self.error(name, "harm.error.count")
            return None

    def number(self, name: str) -> float | None:
        try:
            return parse_number(self.text(name, 40) or "")
        except ValueError:
            self.error(name, "harm.error.number")
            return None


ERROR_PATTERNS = (
    ("missing", "harm.error.required"),
    ("in the future", "harm.error.future"),
    ("1990 or later", "harm.error.too_old"),
    ("time zone", "harm.error.datetime"),
    ("characters — expected at most", "harm.error.too_long"),
    ("control characters", "harm.error.plain_text"),
    ("only one given", "harm.error.pair"),
    ("expected −", "harm.error.range"),
    ("whole number of years", "harm.error.age"),
    ("expected a whole number", "harm.error.count"),
    ("expected 0 to", "harm.error.count"),
    ("expected at least", "harm.error.min_max"),
    ("expected a number", "harm.error.number"),
    ("already used", "harm.error.reference_taken"),
    ("no such incident", "harm.error.unknown_incident"),
    ("no such event", "harm.error.unknown_event"),
    ("before the offer", "harm.error.before_offer"),
    ("expected from", "harm.error.answer_date"),
    ("3-letter code", "harm.error.currency"),
    ("expected 0 or more", "harm.error.amount"),
    ("expected a date", "harm.error.date"),
    ("expected a short title", "harm.error.required"),
    ("already answered", "harm.error.already_answered"),
    ("expected one of", "harm.error.choice"),
)
PERSON = re.compile(r"^(victim|source) (\d+) (\w+)$")


def problem_text(problem: str, language: Language) -> str:
    """One of the register's problems in the page's language (its own English when no message
    says it better)."""
    for pattern, key in ERROR_PATTERNS:
        if pattern in problem:
            return i18n.translate(key, language)
    return problem


def field_errors(
    problems: Sequence[str],
    language: Language,
    known: Sequence[str],
    rows: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, str]:
    """The register's ``field: problem`` messages as {form field: message}: ``victim 2 harm``
    becomes the field of the form row that was the second victim sent (``rows``); a problem of
    no field of the form goes under ``form``."""
    out: dict[str, str] = {}
    for message in problems:
        where, _, problem = message.partition(": ")
        name = "latitude" if where == "latitude/longitude" else where
        person = PERSON.match(where)
        if person and rows is not None:
            kind, position, field_name = person.groups()
            sent = rows.get(kind, [])
            index = int(position) - 1
            row = sent[index] if 0 <= index < len(sent) else int(position)
            name = f"{kind}{row}_{field_name}"
        if name not in known:
            name = "form"
            text = problem_text(problem or message, language)
            if text == (problem or message):
                text = message
        else:
            text = problem_text(problem or message, language)
        out.setdefault(name, text)
    return out


# --- the register ----------------------------------------------------------------------------


def _day_filter(text: str | None) -> dt.date | None:
    if not text:
        return None
    value = parse_day(text)
    if value is None:
        raise service.unprocessable(f"date: {text!r} — expected YYYY-MM-DD")
    return value


@router.get("/harm", response_class=HTMLResponse)
def register_page(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    first: DayQuery = None,
    last: DayQuery = None,
    force: CodeQuery = None,
    category: CodeQuery = None,
    investigation: CodeQuery = None,
) -> HTMLResponse:
    """The register: incidents newest first, filtered by period, force, category and
    investigation status, with their counts; no personal data."""
    language = principal.language
    frame = service.incident_frame(
        store_of(request),
        _day_filter(first),
        _day_filter(last),
        force or None,
        category or None,
        investigation or None,
    )
    rows = service.frame_rows(frame.head(REGISTER_LIMIT))
    names = unit_names(request, language)
    table = [
        {
            **row,
            "date_text": i18n.date(row["occurred_at"], language),
            "place_text": " · ".join(
                p
                for p in (
                    row["place"],
                    names.get(row["admin2_pcode"] or row["admin1_pcode"] or "", ""),
                )
                if p
            )
            or "–",
            "force_text": label_of("force", row["force"], language),
            "category_text": label_of("category", row["category"], language),
            "activity_text": label_of("activity", row["activity"], language),
            "killed_text": range_text(row["killed_min"], row["killed_max"], language),
            "injured_text": range_text(row["injured_min"], row["injured_max"], language),
            "confidence_text": label_of("confidence", row["confidence"], language),
            "investigation_text": label_of("investigation", row["investigation"], language),
        }
        for row in rows
    ]
    totals = {
        "incidents": len(frame),
        "killed": range_text(frame["killed_min"].sum(), frame["killed_max"].sum(), language),
        "injured": range_text(frame["injured_min"].sum(), frame["injured_max"].sum(), language),
        "open": int(frame["investigation"].isin(["not_started", "under_way"]).sum()),
        "victims": int(frame["victims"].sum()),
    }
    return render(
        request,
        "harm/register.html",
        principal,
        rows=table,
        totals=totals,
        shown=len(table),
        filters={
            "first": first or "",
            "last": last or "",
            "force": force or "",
            "category": category or "",
            "investigation": investigation or "",
        },
        forces=choices("force", language),
        categories=choices("category", language),
        investigations=choices("investigation", language),
        screen=screen_available(),
        report_month=service.latest_incident_month(store_of(request)),
    )


# --- the incident form -----------------------------------------------------------------------


def blank_values() -> dict[str, str]:
    values = {name: INCIDENT_DEFAULTS.get(name, "") for name in INCIDENT_FORM}
    for i in range(1, VICTIM_ROWS + 1):
        values.update({f"victim{i}_{n}": VICTIM_DEFAULTS.get(n, "") for n in VICTIM_FIELDS})
    for i in range(1, SOURCE_ROWS + 1):
        values.update({f"source{i}_{n}": SOURCE_DEFAULTS.get(n, "") for n in SOURCE_FIELDS})
    values["event_id"] = ""
    return values


def incident_values(incident: IncidentIn) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in INCIDENT_FORM:
        value = getattr(incident, name)
        if value is None:
            values[name] = ""
        elif isinstance(value, dt.datetime):
            values[name] = form_time(value)
        else:
            values[name] = str(value)
    return values


def _form_fields() -> list[str]:
    known = [*INCIDENT_FORM, "event_id"]
    known += [f"victim{i}_{n}" for i in range(1, VICTIM_ROWS + 1) for n in VICTIM_FIELDS]
    known += [f"source{i}_{n}" for i in range(1, SOURCE_ROWS + 1) for n in SOURCE_FIELDS]
    return known


def read_incident(
    form: FormData, language: Language, now: dt.datetime
) -> tuple[
    dict[str, str],
    dict[str, str],
    tuple[IncidentIn, list[VictimIn], list[SourceIn], int | None, dict[str, list[int]]] | None,
]:
    """(values typed, errors, the incident with its victims, sources, event and which form
    rows they came from — or None when there are errors)."""
    reader = Reader(form, language)
    occurred = reader.time("occurred_at")
    if not reader.values["occurred_at"].strip():
        reader.error("occurred_at", "harm.error.required")
    counts = {name: reader.whole(name) for name in COUNTS}
    coordinates = {name: reader.number(name) for name in ("latitude", "longitude")}
    texts = {
        name: reader.text(name, NAME_LIMIT if name in ("place", "unit") else TEXT_LIMIT)
        for name in INCIDENT_FORM
        if name not in ("occurred_at", *COUNTS, "latitude", "longitude")
    }
    event_text = reader.text("event_id", 12) or ""
    event_id = None
    if event_text:
        if event_text.isdigit() and 1 <= int(event_text) <= MAX_ID:
            event_id = int(event_text)
        else:
            reader.error("event_id", "harm.error.unknown_event")
    incident = IncidentIn(
        occurred_at=occurred,  # type: ignore[arg-type]  # None: the register says it is missing
        force=texts["force"] or "",
        category=texts["category"] or "",
        time_precision=texts["time_precision"] or "day",
        reference=texts["reference"],
        place=texts["place"],
        admin1_pcode=texts["admin1_pcode"],
        admin2_pcode=texts["admin2_pcode"],
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
        location_precision=texts["location_precision"],
        unit=texts["unit"],
        activity=texts["activity"],
        killed_min=counts["killed_min"] or 0,
        killed_max=counts["killed_max"] or 0,
        injured_min=counts["injured_min"] or 0,
        injured_max=counts["injured_max"] or 0,
        confidence=texts["confidence"] or "likely",
        description=texts["description"],
        investigation=texts["investigation"] or "not_started",
        findings=texts["findings"],
        lessons=texts["lessons"],
    )
    victims: list[VictimIn] = []
    sources: list[SourceIn] = []
    rows: dict[str, list[int]] = {"victim": [], "source": []}
    for i in range(1, VICTIM_ROWS + 1):
        victim = read_victim(reader, f"victim{i}_")
        if victim is not None:
            victims.append(victim)
            rows["victim"].append(i)
    for i in range(1, SOURCE_ROWS + 1):
        source = read_source(reader, f"source{i}_")
        if source is not None:
            sources.append(source)
            rows["source"].append(i)
    problems = incident.problems(now)
    for position, victim in enumerate(victims, start=1):
        problems += victim.problems(f"victim {position} ")
    for position, source in enumerate(sources, start=1):
        problems += source.problems(now, f"source {position} ")
    for name, message in field_errors(problems, language, _form_fields(), rows).items():
        reader.errors.setdefault(name, message)
    if reader.errors:
        return reader.values, reader.errors, None
    return reader.values, reader.errors, (incident, victims, sources, event_id, rows)


def read_victim(reader: Reader, prefix: str = "") -> VictimIn | None:
    """A victim from the form (fields ``{prefix}name``, …), or None when the row is empty."""
    reader.prefix = prefix
    try:
        name = reader.text("name", NAME_LIMIT)
        harm = reader.text("harm", 60)
        age = reader.whole("age")
        note = reader.text("note")
        sex = reader.text("sex", 60) or "unknown"
        age_group = reader.text("age_group", 60)
        status = reader.text("civilian_status", 60) or "civilian"
        cause = reader.text("cause", 60) or "unknown"
        typed = reader.values[prefix + "age"].strip()
        if not any((name, harm, typed, note, age_group)) and prefix:
            return None
        return VictimIn(
            harm=harm or "",
            name=name,
            sex=sex,
            age=age,
            age_group=age_group,
            civilian_status=status,
            cause=cause,
            note=note,
        )
    finally:
        reader.prefix = ""


def read_source(reader: Reader, prefix: str = "") -> SourceIn | None:
    """A source from the form, or None when the row is empty."""
    reader.prefix = prefix
    try:
        name = reader.text("name", NAME_LIMIT)
        contact = reader.text("contact", NAME_LIMIT)
        kind = reader.text("kind", 60)
        reliability = reader.text("reliability", 60) or "unknown"
        received = reader.time("received_at")
        account = reader.text("account")
        typed = reader.values[prefix + "received_at"].strip()
        if not any((name, contact, kind, typed, account)) and prefix:
            return None
        return SourceIn(
            kind=kind or "",
            reliability=reliability,
            name=name,
            contact=contact,
            received_at=received,
            account=account,
        )
    finally:
        reader.prefix = ""


def form_choices(language: Language) -> dict[str, list[tuple[str, str]]]:
    out = {name: choices(name, language) for name in ("force", "category", "activity")}
    out["confidence"] = choices("confidence", language)
    for name, vocab in VOCABULARY_OF.items():
        out[name] = choices(vocab, language)
    out["source_kind"] = choices("source_kind", language)
    out["amends"] = choices("amends", language)
    out["measure_kind"] = choices("measure_kind", language)
    out["measure_status"] = choices("measure_status", language)
    return out


def _new_page(
    request: Request,
    principal: Principal,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    language = principal.language
    options = _options(request, language)
    return render(
        request,
        "harm/new.html",
        principal,
        status_code=status_code,
        values=values,
        errors=errors,
        choices=form_choices(language),
        regions=options.regions,
        cercles=[
            (code, name, [(c, n) for c, n, parent in options.cercles if parent == code])
            for code, name in options.regions
        ],
        victim_rows=range(1, VICTIM_ROWS + 1),
        source_rows=range(1, SOURCE_ROWS + 1),
        now_text=form_time(dt.datetime.now(dt.UTC)),
        notice=notice,
        definitions={
            code: term.definition_fr if language == "fr" else term.definition_en
            for code, term in confidence_grades().items()
        },
    )


@router.get("/harm/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    principal: Principal = Depends(Require("record_harm")),
    event: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The incident form; ``?event=ID`` fills it from a stored (ACLED) event."""
    values = blank_values()
    notice = None
    if event is not None:
        try:
            with store_of(request).reading() as connection:
                incident, actor = from_event(connection, event)
        except HarmError:
            raise service.unprocessable(f"event: {event} — no such event in the store") from None
        values.update(incident_values(incident))
        values["category"] = ""  # the analyst chooses (the screen only suggests one)
        values["event_id"] = str(event)
        notice = i18n.translate(
            "harm.new.from_event", principal.language, id=event, actor=actor or "–"
        )
    return _new_page(request, principal, values, {}, notice=notice)


@router.post("/harm/new")
async def new_submit(
    request: Request,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Record the incident; problems are shown beside their fields, with what was typed kept,
    and nothing is written."""
    form = await request.form()
    language = principal.language
    values, errors, parsed = read_incident(form, language, dt.datetime.now(dt.UTC))
    if parsed is None:
        return _new_page(request, principal, values, errors, HTTP_422_UNPROCESSABLE_CONTENT)
    incident, victims, sources, event_id, rows = parsed
    try:
        incident_id = await run_in_threadpool(
            create_incident, store_of(request), incident, principal.name, cipher_of(request),
            victims, sources, event_id,
        )  # fmt: skip
    except HarmError as exc:
        errors = field_errors(exc.problems, language, _form_fields(), rows)
        return _new_page(request, principal, values, errors, HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse(f"/harm/{incident_id}?done=created", status_code=HTTP_303_SEE_OTHER)


# --- mitigation measures ---------------------------------------------------------------------


def _measures_page(
    request: Request,
    principal: Principal,
    status_code: int = 200,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    row_errors: Mapping[int, str] | None = None,
    notice: str | None = None,
    conflict: str | None = None,
) -> HTMLResponse:
    language = principal.language
    with store_of(request).reading() as connection:
        found = list_measures(connection)
    rows = [
        {
            **vars(m),
            "kind_text": label_of("measure_kind", m.kind, language),
            "status_text": label_of("measure_status", m.status, language),
            "due_text": i18n.date(m.due_date, language),
            "done_text": i18n.date(m.done_on, language) if m.done_on else "",
        }
        for m in found
    ]
    return render(
        request,
        "harm/measures.html",
        principal,
        status_code=status_code,
        rows=rows,
        overdue=sum(1 for m in found if m.overdue),
        values=values or {"kind": "", "title": "", "owner": "", "due_date": "",
                          "description": "", "incidents": ""},
        errors=errors or {},
        row_errors=row_errors or {},
        choices=form_choices(language),
        notice=notice,
        conflict=conflict,
        today=dt.datetime.now(dt.UTC).date().isoformat(),
    )  # fmt: skip


@router.get("/harm/measures", response_class=HTMLResponse)
def measures_page(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The mitigation tracker: overdue measures first (highlighted), then by due date."""
    notice = None
    if done in ("created", "updated"):
        notice = i18n.translate(f"harm.measures.{done}", principal.language)
    return _measures_page(request, principal, notice=notice)


@router.post("/harm/measures")
async def measure_submit(
    request: Request,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Record a measure and the incidents that motivated it (their numbers, separated by
    commas or spaces)."""
    form = await request.form()
    language = principal.language
    reader = Reader(form, language)
    title = reader.text("title", NAME_LIMIT)
    kind = reader.text("kind", 60)
    owner = reader.text("owner", NAME_LIMIT)
    due = reader.day("due_date")
    if not reader.values["due_date"].strip():
        reader.error("due_date", "harm.error.required")
    description = reader.text("description")
    linked_text = reader.text("incidents", 2000) or ""
    parts = [p for p in re.split(r"[\s,;#]+", linked_text) if p]
    if any(not p.isdigit() or not 1 <= int(p) <= MAX_ID for p in parts):
        reader.error("incidents", "harm.error.incident_ids")
    measure = MeasureIn(
        title=title or "",
        kind=kind or "",
        owner=owner or "",
        due_date=due,  # type: ignore[arg-type]  # None: reported above
        description=description,
    )
    known = list(MEASURE_FIELDS)
    for name, message in field_errors(measure.problems(), language, known).items():
        if name != "due_date" or due is not None:
            reader.errors.setdefault(name, message)
    if not reader.errors:
        try:
            await run_in_threadpool(
                create_measure, store_of(request), measure, [int(p) for p in parts],
                principal.name,
            )  # fmt: skip
        except HarmError as exc:
            for name, message in field_errors(exc.problems, language, known).items():
                reader.errors.setdefault(name, message)
    if reader.errors:
        return _measures_page(
            request,
            principal,
            HTTP_422_UNPROCESSABLE_CONTENT,
            values=reader.values,
            errors=reader.errors,
        )
    return RedirectResponse("/harm/measures?done=created", status_code=HTTP_303_SEE_OTHER)


@router.post("/harm/measures/{measure_id}/status")
async def measure_status_submit(
    request: Request,
    measure_id: PathId,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Change a measure's status (and the day it was done), and link one more incident."""
    form = await request.form()
    language = principal.language
    reader = Reader(form, language)
    version_text = reader.text("version", 12) or ""
    status = reader.text("status", 60)
    done_on = reader.day("done_on")
    link_text = reader.text("link_incident", 12) or ""
    if link_text and (not link_text.isdigit() or not 1 <= int(link_text) <= MAX_ID):
        reader.error("link_incident", "harm.error.incident_ids")
    if not version_text.isdigit() or not 1 <= int(version_text) <= MAX_ID:
        reader.error("version", "harm.error.version")
    if not reader.errors:
        changes: dict[str, Any] = {"status": status or ""}
        if done_on is not None:
            changes["done_on"] = done_on
        store = store_of(request)
        try:
            await run_in_threadpool(
                update_measure, store, measure_id, int(version_text), changes, principal.name
            )
            if link_text:
                await run_in_threadpool(
                    link_measure, store, measure_id, int(link_text), principal.name
                )
        except VersionConflict:
            return _measures_page(
                request,
                principal,
                HTTP_409_CONFLICT,
                conflict=i18n.translate("harm.conflict.measure", language, id=measure_id),
            )
        except HarmError as exc:
            if any(p.startswith("measure: ") and "no such" in p for p in exc.problems):
                raise service.harm_http(exc) from None
            reader.errors["form"] = "; ".join(problem_text(p, language) for p in exc.problems)
    if reader.errors:
        return _measures_page(
            request,
            principal,
            HTTP_422_UNPROCESSABLE_CONTENT,
            row_errors={measure_id: " ".join(dict.fromkeys(reader.errors.values()))},
        )
    return RedirectResponse("/harm/measures?done=updated", status_code=HTTP_303_SEE_OTHER)


# --- patterns --------------------------------------------------------------------------------

BAR_COLOURS = {"incidents": "#0072B2", "killed": "#D55E00", "injured": "#E69F00"}


def pattern_label(by: str, key: str, language: Language) -> str:
    if by == "quarter":
        return key
    if key == "unknown":
        return i18n.translate("harm.unknown", language)
    return label_of(by, key, language)


def pattern_figure(
    rows: Sequence[Mapping[str, Any]], by: str, language: Language
) -> figures.Figure | None:
    """Incidents and killed (the minimum, with the range up to the maximum) per value."""
    if not rows:
        return None
    t = lambda key, **kw: i18n.translate(key, language, **kw)  # noqa: E731
    names = [pattern_label(by, r["key"], language) for r in rows]
    traces = [
        {
            "type": "bar",
            "name": t("harm.patterns.incidents"),
            "x": names,
            "y": [r["incidents"] for r in rows],
            "marker": {"color": BAR_COLOURS["incidents"]},
            "hovertemplate": "%{x}: %{y}<extra>" + t("harm.patterns.incidents") + "</extra>",
        },
        {
            "type": "bar",
            "name": t("harm.patterns.killed"),
            "x": names,
            "y": [r["killed_min"] for r in rows],
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": [r["killed_max"] - r["killed_min"] for r in rows],
                "arrayminus": [0 for _ in rows],
                "color": "#52606d",
            },
            "marker": {"color": BAR_COLOURS["killed"]},
            "customdata": [range_text(r["killed_min"], r["killed_max"], language) for r in rows],
            "hovertemplate": "%{x}: %{customdata}<extra>" + t("harm.patterns.killed") + "</extra>",
        },
    ]
    layout = {
        "height": 340,
        "font": figures.FONT,
        "separators": figures.SEPARATORS.get(language, figures.SEPARATORS["en"]),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 56, "r": 16, "t": 12, "b": 90},
        "barmode": "group",
        "xaxis": {"automargin": True, "type": "category"},
        "yaxis": {"gridcolor": "#e4e7eb", "rangemode": "tozero"},
        "legend": {"orientation": "h", "x": 0, "y": 1.12},
    }
    return {"data": traces, "layout": layout, "config": dict(figures.CONFIG)}


@router.get("/harm/patterns", response_class=HTMLResponse)
def patterns_page(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    first: DayQuery = None,
    last: DayQuery = None,
    force: CodeQuery = None,
    radius_km: service.RadiusQuery = service.RADIUS_KM,
    months: service.MonthsQuery = service.MONTHS,
) -> HTMLResponse:
    """Incidents and killed by category, force, activity and quarter; incidents around each
    stored site while it was held (``radius_km``, with the period and force filters); harm
    incidents and ACLED violence against civilians in the ``months`` months before and after
    each site opened or closed (all incidents: the windows are the period)."""
    language = principal.language
    frame = service.incident_frame(
        store_of(request), _day_filter(first), _day_filter(last), force or None
    )
    sections = []
    for by in service.DIMENSIONS:
        rows = service.patterns(frame, by)
        sections.append(
            {
                "by": by,
                "figure": pattern_figure(rows, by, language),
                "rows": [
                    {
                        **r,
                        "label": pattern_label(by, r["key"], language),
                        "killed_text": range_text(r["killed_min"], r["killed_max"], language),
                        "injured_text": range_text(r["injured_min"], r["injured_max"], language),
                    }
                    for r in rows
                ],
            }
        )
    store = store_of(request)
    changes, spans = before_after_view(store, months, radius_km, language)
    return render(
        request,
        "harm/patterns.html",
        principal,
        sections=sections,
        total=len(frame),
        filters={"first": first or "", "last": last or "", "force": force or ""},
        forces=choices("force", language),
        radius_km=radius_km,
        radius_text=i18n.number(radius_km, language, 0 if radius_km == int(radius_km) else 1),
        months=months,
        bounds={
            "radius_min": int(service.MIN_RADIUS_KM),
            "radius_max": int(service.MAX_RADIUS_KM),
            "months_max": service.MAX_MONTHS,
        },
        bases=bases_view(service.bases_rows(store, frame, radius_km), language),
        changes=changes,
        spans=spans,
    )


def held_text(start: dt.date | None, end: dt.date | None, language: Language) -> str:
    return f"{i18n.date(start, language) if start else '…'} – " + (
        i18n.date(end, language) if end else i18n.translate("harm.bases.still_held", language)
    )


def bases_view(rows: Sequence[Mapping[str, Any]], language: Language) -> list[dict[str, Any]]:
    """The rows of :func:`service.bases_rows` with their texts."""
    return [
        {
            **r,
            "held_text": held_text(r["start_date"], r["end_date"], language),
            "killed_text": range_text(r["killed_min"], r["killed_max"], language),
            "injured_text": range_text(r["injured_min"], r["injured_max"], language),
        }
        for r in rows
    ]


def ratio_text(value: float | None, before: int, after: int, language: Language) -> str:
    """The rate ratio: ∞ when nothing was recorded before but something after, – when
    nothing at all."""
    if value is None:
        return "∞" if before == 0 and after > 0 else "–"
    return i18n.number(value, language, 2)


def p_text(value: float, language: Language) -> str:
    return (
        "< " + i18n.number(0.001, language, 3) if value < 0.001 else i18n.number(value, language, 3)
    )


def before_after_view(
    store: Store, months: int, radius_km: float, language: Language
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """One row per site and change with each series' counts before and after, rate ratio and
    p-value (:func:`service.before_after_rows`), and the span of each series' records."""
    rows, spans = service.before_after_rows(store, months, radius_km)
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["site"], r["change"])
        entry = grouped.setdefault(
            key,
            {
                "site": r["site"],
                "change": r["change"],
                "change_text": i18n.translate(f"harm.before_after.{r['change']}", language),
                "pivot": r["pivot"],
                "pivot_text": i18n.date(r["pivot"], language),
                "window_text": f"{i18n.date(r['before_start'], language)} – "
                f"{i18n.date(r['after_end'], language)}",
                "series": {},
            },
        )
        entry["series"][r["series"]] = {
            **r,
            "ratio_text": ratio_text(r["rate_ratio"], r["before"], r["after"], language),
            "p_text": p_text(r["p_value"], language),
        }
    span_rows = [
        {
            "series": name,
            "label": i18n.translate(f"harm.before_after.records.{name}", language),
            "text": f"{i18n.date(first, language)} – {i18n.date(last, language)}"
            if first is not None and last is not None
            else i18n.translate("harm.before_after.no_records", language),
        }
        for name, (first, last) in spans.items()
    ]
    return list(grouped.values()), span_rows


# --- the monthly report ----------------------------------------------------------------------


@router.get("/harm/report", response_class=Response)
def report_page(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    month: Annotated[str | None, Query(max_length=20)] = None,
    file_format: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
    public: bool = False,
) -> Response:
    """The monthly report (default: the month of the newest incident) as its self-contained
    HTML page, to read, print or save, or as PDF (an attachment). No personal data."""
    store = store_of(request)
    try:
        chosen = service.report_month(store, month)
    except HarmError:
        raise service.unprocessable(
            i18n.translate("harm.report.bad_month", principal.language, month=month or "")
        ) from None
    return service.report_file(store, chosen, file_format, public, principal.language)


# --- ACLED candidates ------------------------------------------------------------------------


def screen_available() -> bool:
    return _screen() is not None


def _screen() -> Callable[..., Any] | None:
    """``sentinelle.harm.screen.candidates`` when it exists (another part of the work)."""
    try:
        module = importlib.import_module("sentinelle.harm.screen")
    except ImportError:
        return None
    found = getattr(module, "candidates", None)
    return found if callable(found) else None


@router.get("/harm/candidates", response_class=HTMLResponse)
def candidates_page(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
) -> HTMLResponse:
    """ACLED events that may be harm caused by a force, to open an incident from."""
    screen = _screen()
    rows: list[dict[str, Any]] = []
    total = 0
    if screen is not None:
        rows, total = candidate_rows(request, screen, principal.language)
    return render(
        request,
        "harm/candidates.html",
        principal,
        rows=rows,
        total=total,
        available=screen is not None,
    )


EXCERPT = 200
CANDIDATE_LIMIT = 500
"""Candidates shown (newest first)."""


def candidate_rows(
    request: Request, screen: Callable[..., Any], language: Language
) -> tuple[list[dict[str, Any]], int]:
    """The screen's candidates as table rows, each marked when an incident was already opened
    from its event."""
    store = store_of(request)
    with store.reading() as connection:
        found = screen(connection)
        linked = {
            int(r[0])
            for r in connection.execute(
                select(harm_incidents.c.event_id).where(harm_incidents.c.event_id.is_not(None))
            )
        }
    rows = []
    for raw in found.head(CANDIDATE_LIMIT).to_dict("records"):
        row = {k: service._python(v) for k, v in raw.items()}
        event_id = row.get("event_id")
        notes = row.get("notes") or ""
        suggested = row.get("suggested_category")
        codes = [c for c in str(row.get("force") or "").split(";") if c]
        rows.append(
            {
                "event_id": event_id,
                "date_text": i18n.date(pd.Timestamp(row["date"]).date(), language)
                if row.get("date") is not None
                else "–",
                "force_text": ", ".join(label_of("force", c, language) for c in codes) or "–",
                "event_type": " · ".join(
                    p for p in (row.get("event_type"), row.get("sub_event_type")) if p
                )
                or "–",
                "fatalities": row.get("fatalities"),
                "place": " · ".join(p for p in (row.get("admin2"), row.get("admin1")) if p) or "–",
                "notes": notes if len(notes) <= EXCERPT else notes[: EXCERPT - 1] + "…",
                "category_text": label_of("category", suggested, language) if suggested else "–",
                "linked": event_id is not None and int(event_id) in linked,
            }
        )
    return rows, len(found)


# --- one incident ----------------------------------------------------------------------------

STEP_DETAILS = {
    "created": ("category", "force", "victims", "sources", "event_id"),
    "victim_added": ("harm", "sex", "age_group", "civilian_status", "cause"),
    "source_added": ("kind", "reliability"),
    "amends_added": ("kind", "offered_on", "amount", "currency", "response"),
    "amends_answered": ("response", "responded_on"),
}
"""What a step's line says (steps that change fields show them before and after)."""
VALUE_VOCABULARY = {
    "category": "category",
    "force": "force",
    "activity": "activity",
    "confidence": "confidence",
    **VOCABULARY_OF,
}


def value_text(name: str, value: Any, language: Language, step: str = "") -> str:
    if value is None or value == "":
        return "–"
    vocab = VALUE_VOCABULARY.get(name)
    if name == "kind":
        vocab = {"source_added": "source_kind", "amends_added": "amends"}.get(step)
    if vocab:
        return label_of(vocab, value, language)
    if isinstance(value, dt.datetime):
        return short_time(value, language)
    if isinstance(value, dt.date):
        return i18n.date(value, language)
    return str(value)


def timeline_rows(steps: Sequence[Mapping[str, Any]], language: Language) -> list[dict[str, Any]]:
    rows = []
    for step in steps:
        details = step.get("details") or {}
        action = step["action"]
        changes = []
        if "before" in details and "after" in details:
            for key, after in details["after"].items():
                before = details["before"].get(key)
                changes.append(
                    (
                        field_label(key, language),
                        f"{value_text(key, before, language)} → {value_text(key, after, language)}",
                    )
                )
        else:
            for key in STEP_DETAILS.get(action, ()):
                if details.get(key) is not None:
                    text = value_text(key, details[key], language, action)
                    changes.append((field_label(key, language), text))
        key = f"harm.step.{action}"
        rows.append(
            {
                "action": action,
                "action_text": i18n.translate(key, language) if key in i18n.catalogue() else action,
                "at_text": short_time(step["at"], language),
                "actor": step["actor"],
                "changes": changes,
                "version": step["version"],
            }
        )
    return rows


def _detail_page(
    request: Request,
    principal: Principal,
    incident_id: int,
    status_code: int = 200,
    errors: Mapping[str, Mapping[str, str]] | None = None,
    submitted: Mapping[str, Mapping[str, str]] | None = None,
    conflict: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    language = principal.language
    found = service.incident_view(request, principal, incident_id)
    names = unit_names(request, language)
    value = lambda name: value_text(name, found.get(name), language)  # noqa: E731
    grade = confidence_grades().get(found["confidence"])
    sections = {
        "what": [
            ("category", value("category")),
            ("force", value("force")),
            ("unit", found["unit"] or "–"),
            ("activity", value("activity")),
            ("description", found["description"] or "–"),
        ],
        "where": [
            ("occurred_at", short_time(found["occurred_at"], language)),
            ("time_precision", value("time_precision")),
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
            ("location_precision", value("location_precision")),
        ],
        "toll": [
            ("killed", range_text(found["killed_min"], found["killed_max"], language)),
            ("injured", range_text(found["injured_min"], found["injured_max"], language)),
            (
                "confidence",
                f"{value('confidence')} — "
                + (grade.definition_fr if language == "fr" else grade.definition_en)
                if grade
                else value("confidence"),
            ),
        ],
        "investigation": [
            ("investigation", value("investigation")),
            ("findings", found["findings"] or "–"),
            ("lessons", found["lessons"] or "–"),
        ],
        "record": [
            ("reference", found["reference"] or "–"),
            ("created_by", found["created_by"]),
            ("created_at", short_time(found["created_at"], language)),
            ("version", str(found["version"])),
        ],
    }
    labelled = {
        key: [(name, field_label(name, language), text) for name, text in rows]
        for key, rows in sections.items()
    }
    victims = [
        {
            "id": v["id"],
            "name": v["name"] or "–",
            "sex": value_text("sex", v["sex"], language),
            "age": "–" if v["age"] is None else str(v["age"]),
            "age_group": value_text("age_group", v["age_group"], language),
            "civilian_status": value_text("civilian_status", v["civilian_status"], language),
            "harm": value_text("harm", v["harm"], language),
            "cause": value_text("cause", v["cause"], language),
            "note": v["note"] or "–",
        }
        for v in found["victims"]
    ]
    sources = [
        {
            "id": s["id"],
            "kind": label_of("source_kind", s["kind"], language),
            "reliability": value_text("reliability", s["reliability"], language),
            "name": s["name"] or "–",
            "contact": s["contact"] or "–",
            "received_at": short_time(s["received_at"], language),
            "account": s["account"] or "–",
        }
        for s in found["sources"]
    ]
    amends = [
        {
            "id": a["id"],
            "kind": label_of("amends", a["kind"], language),
            "offered_on": i18n.date(a["offered_on"], language),
            "amount": "–"
            if a["amount"] is None
            else f"{i18n.number(a['amount'], language, 0)} {a['currency'] or ''}".strip(),
            "recipient": a["recipient"] or "–",
            "response": a["response"],
            "response_text": label_of("amends_response", a["response"], language),
            "responded_on": i18n.date(a["responded_on"], language) if a["responded_on"] else "–",
            "note": a["note"] or "–",
            "offered_iso": a["offered_on"].isoformat()
            if isinstance(a["offered_on"], dt.date)
            else str(a["offered_on"]),
        }
        for a in found["amends"]
    ]
    measures = [
        {
            **m,
            "kind_text": label_of("measure_kind", m["kind"], language),
            "status_text": label_of("measure_status", m["status"], language),
            "due_text": i18n.date(m["due_date"], language),
        }
        for m in found["measures"]
    ]
    current = {
        "investigation": {
            "investigation": found["investigation"],
            "findings": found["findings"] or "",
            "confidence": found["confidence"],
            "lessons": found["lessons"] or "",
        },
        "victim": {n: VICTIM_DEFAULTS.get(n, "") for n in VICTIM_FIELDS},
        "source": {n: SOURCE_DEFAULTS.get(n, "") for n in SOURCE_FIELDS},
        "amends": {n: "pending" if n == "response" else "" for n in AMENDS_FIELDS},
        "answer": {"response": "", "responded_on": "", "amends_id": ""},
    }
    for form_name, typed in (submitted or {}).items():
        if form_name in current:
            current[form_name] = {**current[form_name], **typed}
    return render(
        request,
        "harm/detail.html",
        principal,
        status_code=status_code,
        incident=found,
        sections=labelled,
        victims=victims,
        sources=sources,
        amends=amends,
        measures=measures,
        steps=timeline_rows(found["steps"], language),
        personal=principal.can("view_personal_data"),
        editable=principal.can("record_harm"),
        choices=form_choices(language),
        values=current,
        errors=errors or {},
        conflict=conflict,
        notice=notice,
        today=dt.datetime.now(dt.UTC).date().isoformat(),
        now_text=form_time(dt.datetime.now(dt.UTC)),
        title_text=f"{value('category')} · {i18n.date(found['occurred_at'], language)}",
    )


DONE = ("created", "investigation", "victim", "source", "amends", "answer")


@router.get("/harm/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    incident_id: PathId,
    principal: Principal = Depends(Require("view_harm")),
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """One incident: its fields, timeline, victims (names only for roles that may see personal
    data), sources, amends and measures; forms to change it for ``record_harm``."""
    notice = None
    if done in DONE:
        notice = i18n.translate(f"harm.notice.{done}", principal.language, id=incident_id)
    return _detail_page(request, principal, incident_id, notice=notice)


async def _incident_change(
    request: Request,
    principal: Principal,
    incident_id: int,
    form_name: str,
    read: Callable[[Reader], Any],
    write: Callable[[int, Any], Any],
    known: Sequence[str],
) -> Response:
    """Read a form of the incident's page, write it with the version it carries, and answer
    with a redirect, the page with the problems beside the form (422), or the page as it
    stands now with a message (409)."""
    form = await request.form()
    language = principal.language
    reader = Reader(form, language)
    service.incident_view(request, principal, incident_id)  # 404 first
    version_text = _text(form, "version").strip()
    value = read(reader)
    if not version_text.isdigit() or not 1 <= int(version_text) <= MAX_ID:
        reader.errors["form"] = i18n.translate("harm.error.version", language)

    def again(status_code: int, **extra: Any) -> HTMLResponse:
        typed = {k: v for k, v in reader.values.items()}
        return _detail_page(
            request, principal, incident_id, status_code, submitted={form_name: typed}, **extra
        )

    if not reader.errors:
        try:
            await run_in_threadpool(write, int(version_text), value)
        except VersionConflict:
            return again(
                HTTP_409_CONFLICT,
                conflict=i18n.translate(
                    "harm.conflict.incident", language, read=version_text, id=incident_id
                ),
            )
        except HarmError as exc:
            if any(p.startswith("incident: ") and "no such" in p for p in exc.problems):
                raise service.harm_http(exc) from None
            reader.errors.update(field_errors(exc.problems, language, known))
    if reader.errors:
        return again(HTTP_422_UNPROCESSABLE_CONTENT, errors={form_name: reader.errors})
    return RedirectResponse(
        f"/harm/{incident_id}?done={form_name}#timeline", status_code=HTTP_303_SEE_OTHER
    )


@router.post("/harm/{incident_id}/investigation")
async def investigation_submit(
    request: Request,
    incident_id: PathId,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Change the investigation's status, findings, the confidence and the lessons."""

    def read(reader: Reader) -> dict[str, Any]:
        return {
            "investigation": reader.text("investigation", 60) or "",
            "findings": reader.text("findings"),
            "confidence": reader.text("confidence", 60) or "",
            "lessons": reader.text("lessons"),
        }

    def write(version: int, changes: dict[str, Any]) -> int:
        return update_incident(store_of(request), incident_id, version, changes, principal.name)

    return await _incident_change(
        request, principal, incident_id, "investigation", read, write, INVESTIGATION_FIELDS
    )


@router.post("/harm/{incident_id}/victims")
async def victim_submit(
    request: Request,
    incident_id: PathId,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Add a victim (the name and note encrypted)."""
    cipher = cipher_of(request)

    def read(reader: Reader) -> VictimIn:
        victim = read_victim(reader)
        assert victim is not None
        known = list(VICTIM_FIELDS)
        for name, message in field_errors(victim.problems(), reader.language, known).items():
            reader.errors.setdefault(name, message)
        return victim

    def write(version: int, victim: VictimIn) -> int:
        return add_victim(store_of(request), incident_id, version, victim, principal.name, cipher)

    return await _incident_change(
        request, principal, incident_id, "victim", read, write, VICTIM_FIELDS
    )


@router.post("/harm/{incident_id}/sources")
async def source_submit(
    request: Request,
    incident_id: PathId,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Add a source (the name and contact encrypted)."""
    cipher = cipher_of(request)

    def read(reader: Reader) -> SourceIn:
        source = read_source(reader)
        assert source is not None
        now = dt.datetime.now(dt.UTC)
        for name, message in field_errors(
            source.problems(now), reader.language, SOURCE_FIELDS
        ).items():
            reader.errors.setdefault(name, message)
        return source

    def write(version: int, source: SourceIn) -> int:
        return add_source(store_of(request), incident_id, version, source, principal.name, cipher)

    return await _incident_change(
        request, principal, incident_id, "source", read, write, SOURCE_FIELDS
    )


@router.post("/harm/{incident_id}/amends")
async def amends_submit(
    request: Request,
    incident_id: PathId,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Record amends offered (the recipient encrypted)."""
    cipher = cipher_of(request)

    def read(reader: Reader) -> AmendsIn:
        offered = reader.day("offered_on")
        if not reader.values["offered_on"].strip():
            reader.error("offered_on", "harm.error.required")
        amends = AmendsIn(
            kind=reader.text("kind", 60) or "",
            offered_on=offered,  # type: ignore[arg-type]  # None: reported above
            amount=reader.number("amount"),
            currency=(reader.text("currency", 10) or "").upper() or None,
            recipient=reader.text("recipient", NAME_LIMIT),
            response=reader.text("response", 60) or "pending",
            responded_on=reader.day("responded_on"),
            note=reader.text("note"),
        )
        if offered is not None:
            today = dt.datetime.now(dt.UTC).date()
            for name, message in field_errors(
                amends.problems(today), reader.language, AMENDS_FIELDS
            ).items():
                reader.errors.setdefault(name, message)
        return amends

    def write(version: int, amends: AmendsIn) -> int:
        return add_amends(store_of(request), incident_id, version, amends, principal.name, cipher)

    return await _incident_change(
        request, principal, incident_id, "amends", read, write, AMENDS_FIELDS
    )


@router.post("/harm/{incident_id}/amends/{amends_id}/answer")
async def answer_submit(
    request: Request,
    incident_id: PathId,
    amends_id: PathId,
    principal: Principal = Depends(Require("record_harm")),
) -> Response:
    """Record the answer to amends offered: accepted or declined, and when."""

    def read(reader: Reader) -> tuple[str, dt.date | None]:
        reader.values["amends_id"] = str(amends_id)
        response = reader.text("response", 60) or ""
        if response not in ("accepted", "declined"):
            reader.error("response", "harm.error.choice")
        day = reader.day("responded_on")
        if not reader.values["responded_on"].strip():
            reader.error("responded_on", "harm.error.required")
        return response, day

    def write(version: int, answer: tuple[str, dt.date]) -> int:
        response, day = answer
        return answer_amends(
            store_of(request), incident_id, version, amends_id, response, day, principal.name
        )

    return await _incident_change(
        request, principal, incident_id, "answer", read, write, ("response", "responded_on")
    )
