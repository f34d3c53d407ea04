"""API: threat assessments — the live threat matrix of a month, saved (immutable, citable)
assessments with the advisers' notes as revisions, their exports, the comparison of two, and
the threat profile of one area.

The functions below the models are shared with the threat pages (``web/pages/threat.py``), so
that a page and its API answer always agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection
from starlette.status import HTTP_201_CREATED, HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.domain.months import MonthError, parse_month
from sentinelle.domain.threat import threat_types
from sentinelle.domain.vocabulary import Language
from sentinelle.explore import search
from sentinelle.explore.filters import EventQuery
from sentinelle.geo.crosswalk import CHOICE_NOTE, menaka_2016
from sentinelle.store import assessments as assessment_store
from sentinelle.store import places
from sentinelle.store.assessments import AssessmentRecord
from sentinelle.threat import export
from sentinelle.threat.actors import (
    TREND_LABELS,
    actor_families,
    family_trend,
    load_vac_events,
    victim_groups,
)
from sentinelle.threat.actors import victims_by_unit as victims_table
from sentinelle.threat.assess import (
    Assessment,
    AssessmentError,
    StoredAssessment,
    annotate,
    assess,
    compare,
    hotspot_patterns,
    load_assessment,
    save_assessment,
    threat_events,
)
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import MAX_ID, RecordId
from sentinelle.web.cache import cache_of

router = APIRouter(tags=["threat"])

UnitKind = Literal["admin1", "admin2"]
UNIT_KINDS: tuple[UnitKind, ...] = ("admin2", "admin1")
SERIES_MONTHS = 36
"""Months of an area profile's series, ending with the assessed month."""
ACTOR_MONTHS = 12
LATEST_EVENTS = 10
MAX_TEXT = 4000
MONTH_PATTERN = r"^\d{4}-\d{2}$"
UNIT_PATTERN = r"^[A-Z]{2}[0-9]{0,8}$"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MonthQuery = Annotated[
    str | None,
    Query(
        max_length=7,
        pattern=MONTH_PATTERN,
        description="month assessed, YYYY-MM (default: the latest month with threat events)",
    ),
]
RevisionQuery = Annotated[
    int | None,
    Query(ge=0, le=MAX_ID, description="revision (0: as computed; default: the latest)"),
]
UnitPath = Annotated[
    str,
    PathParam(
        min_length=2,
        max_length=10,
        pattern=UNIT_PATTERN,
        description="P-code of a region or cercle, e.g. ML05 or ML0505",
    ),
]
UnitKindQuery = Annotated[
    UnitKind, Query(description="`admin2`: cercles (default); `admin1`: regions")
]


# --- models ----------------------------------------------------------------------------------


class MatrixRowOut(BaseModel):
    """One threat: an (area, actor family, threat type) with its classes and, in a saved
    assessment, the advisers' notes as they stood at the revision asked for."""

    row_id: int | None = Field(description="the row's id in a saved assessment (null if live)")
    position: int | None = Field(description="rank in the saved matrix (1: highest risk)")
    unit: str = Field(description="P-code of the area (pre-2016 geography)")
    unit_name: str | None
    actor_family: str = Field(description="code of the perpetrators' actor family")
    threat_type: str
    events_3m: int = Field(description="events in the last 3 months")
    events_12m: int = Field(description="events in the last 12 months")
    fatalities_12m: int = Field(description="reported deaths in the last 12 months")
    max_fatalities_12m: int = Field(description="deaths in the deadliest event of 12 months")
    monthly_rate: float = Field(description="events per month over the last 3 months")
    likelihood: float = Field(
        description="P(at least one event next month): 1 − e^(−rate), or for VAC rows the "
        "area's forecast probability shared out among its VAC rows (see likelihood_source)"
    )
    likelihood_source: str | None = Field(
        default=None,
        description="where the likelihood came from: 'recent frequency' or 'forecast run N "
        "(model)'; empty for assessments saved before forecasts existed",
    )
    likelihood_class: int = Field(ge=1, le=5)
    severity_value: float = Field(description="mean deaths per event over 12 months")
    severity_class: int = Field(ge=1, le=5)
    risk_score: int = Field(ge=1, le=25, description="likelihood class × severity class")
    risk_level: str = Field(description="low, moderate, high or very_high")
    trend: str | None = Field(description="increasing, stable, decreasing or insufficient")
    trend_ratio: float | None = Field(
        description="rate of the last 3 months ÷ rate of the 12 before; null when undefined or "
        "infinite (no events in the 12 months before)"
    )
    trend_p: float | None
    population: float | None = Field(description="civilians at risk: the area's population")
    hotspot_class: str | None = Field(description="space-time hotspot pattern of VAC events")
    motive: str | None = None
    civilians_targeted: str | None = None
    response_tiers: list[str] = Field(default_factory=list, description="I, II and/or III")
    response_phase: str | None = None
    planned_response: str | None = None
    note_revision: int | None = Field(None, description="revision of these notes")
    edited_by: str | None = None
    edited_at: dt.datetime | None = None


class AssessmentSummaryOut(BaseModel):
    """A saved assessment (without its rows)."""

    id: int
    as_of: str = Field(description="the month assessed, YYYY-MM")
    unit_kind: UnitKind
    title: str | None
    created_at: dt.datetime = Field(description="when it was computed and saved (UTC)")
    created_by: str
    rows: int
    latest_revision: int = Field(description="0 when saved; +1 for every note saved")
    citation: str = Field(description="how to cite its latest revision")
    data_version: str = Field(description="the store's data when it was computed")
    url: str = Field(description="its page")


class RevisionOut(BaseModel):
    """One revision: 0 is the saved computation, each later one an adviser's notes on a row."""

    revision: int
    row_id: int | None
    by: str
    at: dt.datetime


class DefinitionOut(BaseModel):
    """A class of a vocabulary the matrix uses."""

    vocabulary: str = Field(
        description="likelihood, severity, risk, threat_type, actor_family, trend, "
        "hotspot_class, response_tier or response_phase"
    )
    code: str
    label_en: str
    label_fr: str
    meaning_en: str
    meaning_fr: str


class AssessmentOut(AssessmentSummaryOut):
    """A saved assessment at one revision: its rows with their notes, what it is, its
    revisions and the definitions of its classes."""

    revision: int = Field(description="the revision shown")
    revision_citation: str = Field(description="how to cite the revision shown")
    parameters: dict[str, Any]
    geography_note: str
    revisions: list[RevisionOut]
    matrix: list[MatrixRowOut]
    definitions: list[DefinitionOut]


class LiveMatrixOut(BaseModel):
    """The threat matrix of a month as computed now from the stored events (not saved)."""

    as_of: str
    unit_kind: UnitKind
    parameters: dict[str, Any]
    data_version: str
    geography_note: str
    matrix: list[MatrixRowOut] = Field(description="highest risk first")


class AssessmentIn(BaseModel):
    """Compute the matrix of a month and save it as an assessment."""

    model_config = ConfigDict(extra="forbid")

    as_of: str = Field(pattern=MONTH_PATTERN, max_length=7, description="month, YYYY-MM")
    unit_kind: UnitKind = "admin2"
    title: str | None = Field(None, max_length=200)

    @field_validator("title")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is not None and CONTROL.search(value.replace("\n", " ")):
            raise ValueError("the title may not contain control characters")
        return value


Tier = Literal["I", "II", "III"]
Phase = Literal["prevention", "pre-emption", "response", "consolidation"]


class NoteIn(BaseModel):
    """An adviser's notes on a row; fields left out keep their current value, ``null`` (or an
    empty text or list) clears one."""

    model_config = ConfigDict(extra="forbid")

    motive: str | None = Field(None, max_length=MAX_TEXT)
    civilians_targeted: str | None = Field(None, max_length=MAX_TEXT)
    response_tiers: list[Tier] | None = Field(None, max_length=3)
    response_phase: Phase | None = None
    planned_response: str | None = Field(None, max_length=MAX_TEXT)

    @field_validator("motive", "civilians_targeted", "planned_response")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is not None and CONTROL.search(value):
            raise ValueError("control characters are not allowed (tabs and new lines are)")
        return value

    def values(self) -> dict[str, str | None]:
        """The fields sent, as :func:`sentinelle.threat.assess.annotate` takes them."""
        sent = self.model_dump(exclude_unset=True)
        out: dict[str, str | None] = {}
        for key, value in sent.items():
            if key == "response_tiers":
                chosen = [t for t in ("I", "II", "III") if t in (value or [])]
                out[key] = "|".join(chosen) or None
            else:
                out[key] = value
        return out


class NoteSavedOut(BaseModel):
    """The notes saved: the assessment's new revision and the row as it now stands."""

    assessment_id: int
    revision: int
    citation: str
    row: MatrixRowOut


class CompareRowOut(BaseModel):
    """One threat in either of two assessments, and how its risk changed."""

    unit: str
    unit_name: str | None
    actor_family: str
    threat_type: str
    change: str = Field(description="new, higher, lower, gone or same")
    risk_score_before: int | None
    risk_level_before: str | None
    risk_score_after: int | None
    risk_level_after: str | None
    events_12m_before: int | None
    events_12m_after: int | None
    fatalities_12m_before: int | None
    fatalities_12m_after: int | None
    trend_before: str | None
    trend_after: str | None


class CompareOut(BaseModel):
    """Two saved assessments side by side (each at its latest revision)."""

    first: AssessmentSummaryOut
    second: AssessmentSummaryOut
    counts: dict[str, int] = Field(description="rows per change")
    rows: list[CompareRowOut]


class TypeSeriesOut(BaseModel):
    """One threat type's monthly counts, aligned with ``SeriesOut.months``."""

    threat_type: str
    label_en: str
    label_fr: str
    values: list[int]


class SeriesOut(BaseModel):
    """Counts per month and threat type."""

    months: list[str]
    types: list[TypeSeriesOut]


class VictimOut(BaseModel):
    group: str
    label_en: str
    label_fr: str
    events: int


class ActorOut(BaseModel):
    """An actor family committing violence against civilians in the area."""

    family: str
    label_en: str
    label_fr: str
    events_12m: int = Field(description="VAC events in the 12 months up to the month")
    fatalities_12m: int
    events_recent: int = Field(description="VAC events in the last 3 months")
    events_prior: int = Field(description="VAC events in the 12 months before those")
    trend: str = Field(description="new, increasing, stable, decreasing or ended")
    trend_label_en: str
    trend_label_fr: str
    victims: list[VictimOut] = Field(description="victim groups over 12 months, most first")


class HotspotOut(BaseModel):
    pattern: str
    label_en: str
    label_fr: str
    meaning_en: str
    meaning_fr: str


class ProfileEventOut(BaseModel):
    id: int
    event_date: dt.date
    event_type: str
    sub_event_type: str | None
    actor1: str | None
    actor2: str | None
    location: str | None
    fatalities: int
    notes: str | None
    url: str


class AreaProfileOut(BaseModel):
    """The threat to civilians in one area: threats over time, who commits violence against
    civilians there, its hotspot pattern, its rows of the matrix and the latest events."""

    unit: str
    unit_kind: UnitKind
    name_fr: str
    name_en: str
    parent: str | None
    as_of: str
    assessment_id: int | None = Field(description="the saved assessment read (null: live)")
    revision: int | None
    series: SeriesOut = Field(
        description=f"threat events per month and threat type, the {SERIES_MONTHS} months up "
        "to the month"
    )
    actors: list[ActorOut]
    hotspot: HotspotOut | None
    risks: list[MatrixRowOut] = Field(description="the area's rows of the matrix")
    latest_events: list[ProfileEventOut] = Field(
        description="the latest events of violence against civilians up to the month"
    )
    geography_note: str


# --- shared with the pages -------------------------------------------------------------------


def unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def events_of(request: Request, connection: Connection, unit_kind: UnitKind) -> pd.DataFrame:
    """The stored events that threaten civilians (cached until the data changes)."""
    cache = cache_of(request)
    return cache.get(
        connection, ("threat-events", unit_kind), lambda: threat_events(connection, unit_kind)
    )


def data_months(request: Request, connection: Connection) -> tuple[pd.Period, pd.Period] | None:
    """The first and last month with threat events (None when there are none)."""
    found = events_of(request, connection, "admin2")
    if found.empty:
        return None
    return found["month"].min(), found["month"].max()


def check_month(request: Request, connection: Connection, text: str | None) -> pd.Period:
    """The month asked for (default: the latest with threat events), refused with 422 when it
    is not a month or lies outside the months with data."""
    months = data_months(request, connection)
    if months is None:
        raise unprocessable("the store holds no events that threaten civilians: nothing to assess")
    first, last = months
    if not text:
        return last
    try:
        month = parse_month(text)
    except MonthError as exc:
        raise unprocessable(f"as_of: {exc}") from None
    except ValueError:  # pandas refuses some years parse_month lets through, e.g. 0000
        raise unprocessable(f"as_of: {text!r} is not a month pandas can represent") from None
    if not first <= month <= last:
        raise unprocessable(
            f"as_of: {month} is outside the months with threat events ({first} to {last})"
        )
    return month


def live(
    request: Request, connection: Connection, month: pd.Period, unit_kind: UnitKind
) -> Assessment:
    """The matrix of ``month`` computed from the stored events (cached until the data changes;
    shared: treat as read-only)."""
    try:
        return cache_of(request).get(
            connection,
            ("threat-live", str(month), unit_kind),
            lambda: assess(connection, month, unit_kind),
        )
    except AssessmentError as exc:
        raise unprocessable(str(exc)) from None


def find_record(connection: Connection, assessment_id: int) -> AssessmentRecord:
    found = assessment_store.get(connection, assessment_id)
    if found is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no assessment {assessment_id}")
    return found


def stored(
    request: Request, connection: Connection, assessment_id: int, revision: int | None = None
) -> StoredAssessment:
    """A saved assessment at ``revision`` (default: the latest): 404 for an unknown id, 422 for
    a revision it does not have. Rows are cached per (id, revision): both never change."""
    found = find_record(connection, assessment_id)
    chosen = found.revision if revision is None else revision
    if not 0 <= chosen <= found.revision:
        raise unprocessable(
            f"revision: assessment {assessment_id} has revisions 0 to {found.revision}, "
            f"not {revision}"
        )
    rows = cache_of(request).get(
        connection,
        ("assessment-rows", assessment_id, chosen),
        lambda: load_assessment(connection, assessment_id, chosen).rows,
    )
    return StoredAssessment(found, chosen, rows)


def month_of(found: AssessmentRecord) -> str:
    return f"{found.as_of:%Y-%m}"


def summary_out(found: AssessmentRecord) -> AssessmentSummaryOut:
    return AssessmentSummaryOut(
        id=found.id,
        as_of=month_of(found),
        unit_kind="admin1" if found.unit_kind == "admin1" else "admin2",
        title=found.title,
        created_at=_utc(found.created_at),
        created_by=found.created_by,
        rows=found.rows,
        latest_revision=found.revision,
        citation=export.citation(found.id, found.revision),
        data_version=found.data_version,
        url=f"/threat/assessments/{found.id}",
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def row_out(record: dict[str, Any]) -> MatrixRowOut:
    tiers = record.get("response_tiers")
    return MatrixRowOut(**{**record, "response_tiers": tiers.split("|") if tiers else []})


def rows_out(records: Sequence[dict[str, Any]]) -> list[MatrixRowOut]:
    return [row_out(r) for r in records]


def definitions_out() -> list[DefinitionOut]:
    return [DefinitionOut(**d.__dict__) for d in export.definitions()]


def assessment_out(connection: Connection, found: StoredAssessment) -> AssessmentOut:
    record = found.record
    return AssessmentOut(
        **summary_out(record).model_dump(),
        revision=found.revision,
        revision_citation=export.citation(record.id, found.revision),
        parameters=record.parameters,
        geography_note=CHOICE_NOTE,
        revisions=[RevisionOut(**e.__dict__) for e in export.revision_log(connection, record.id)],
        matrix=rows_out(export.matrix_records(found)),
        definitions=definitions_out(),
    )


def create(
    request: Request,
    principal: Principal,
    as_of: str | None,
    unit_kind: UnitKind,
    title: str | None,
) -> int:
    """Compute the matrix of a month and save it (audited); returns the new assessment's id."""
    store = store_of(request)
    with store.reading() as connection:
        month = check_month(request, connection, as_of)
        result = live(request, connection, month, unit_kind)
    if result.matrix.empty:
        raise unprocessable(
            f"no threat to civilians in the 12 months up to {month}: nothing to save"
        )
    clean = (title or "").strip() or None
    return save_assessment(store, result, principal.name, clean)


def save_note(
    request: Request,
    principal: Principal,
    assessment_id: int,
    row_id: int,
    values: dict[str, str | None],
) -> int:
    """Save an adviser's notes on a row as the assessment's next revision; returns it."""
    store = store_of(request)
    with store.reading() as connection:
        find_record(connection, assessment_id)
        if assessment_store.row(connection, assessment_id, row_id) is None:
            raise HTTPException(
                HTTP_404_NOT_FOUND, f"assessment {assessment_id} has no row {row_id}"
            )
    try:
        return annotate(store, assessment_id, row_id, values, principal.name)
    except AssessmentError as exc:
        raise unprocessable(str(exc)) from None


def unit_info(
    request: Request, connection: Connection, unit_kind: UnitKind
) -> dict[str, tuple[str, str, str | None]]:
    """P-code → (French name, English name, parent P-code) of the stored units of a level
    (cached)."""
    return cache_of(request).get(
        connection,
        ("unit-info", unit_kind),
        lambda: {
            u.pcode: (u.name_fr, u.name_en, u.parent_pcode)
            for u in places.load_units(connection, unit_kind)
        },
    )


def unit_names(
    request: Request, connection: Connection, unit_kind: UnitKind, language: Language
) -> dict[str, str]:
    """P-code → name in ``language`` of the stored units of a level."""
    info = unit_info(request, connection, unit_kind)
    if language == "en":
        return {code: en for code, (_, en, _) in info.items()}
    return {code: fr for code, (fr, _, _) in info.items()}


def unit_kind_of(unit: str) -> UnitKind:
    """``admin1`` for a region P-code (ML05), ``admin2`` for a cercle (ML0505)."""
    return "admin1" if len(unit) <= 4 else "admin2"


def threat_series(events: pd.DataFrame, unit: str, month: pd.Period) -> SeriesOut:
    """Threat events per month and threat type in ``unit``, the :data:`SERIES_MONTHS` months
    up to ``month`` (months without events included; types without events left out)."""
    months = pd.period_range(month - (SERIES_MONTHS - 1), month, freq="M")
    part = events[(events["unit"] == unit) & events["month"].isin(months)]
    counts = part.groupby(["month", "threat_type"], observed=True).size().unstack(fill_value=0)
    counts = counts.reindex(months, fill_value=0)
    types = []
    for code, kind in threat_types().items():
        if code in counts.columns and counts[code].sum() > 0:
            values = [int(v) for v in counts[code].tolist()]
            types.append(
                TypeSeriesOut(
                    threat_type=code, label_en=kind.label_en, label_fr=kind.label_fr, values=values
                )
            )
    return SeriesOut(months=[str(m) for m in months], types=types)


def _victims(
    request: Request, connection: Connection, month: pd.Period, unit_kind: UnitKind
) -> pd.DataFrame:
    """VAC events and deaths per (month, unit, family, victim group), the 15 months up to
    ``month`` (cached)."""

    def compute() -> pd.DataFrame:
        events = load_vac_events(connection, month - 14, month)
        if events.empty:
            return pd.DataFrame(
                columns=["period", "unit", "family", "victim_group", "events", "fatalities"]
            )
        return victims_table(events, unit_kind, "M", geography="pre2016")

    return cache_of(request).get(connection, ("threat-victims", str(month), unit_kind), compute)


def actors_of(
    request: Request, connection: Connection, unit: str, month: pd.Period, unit_kind: UnitKind
) -> list[ActorOut]:
    """Who commits violence against civilians in ``unit``: events and deaths over 12 months,
    trend (last 3 months against the 12 before), and the victim groups."""
    table = _victims(request, connection, month, unit_kind)
    part = table[table["unit"] == unit]
    if part.empty:
        return []
    monthly = (
        part.groupby(["period", "unit", "family"], observed=True)[["events", "fatalities"]]
        .sum()
        .reset_index()
    )
    trends = family_trend(monthly, as_of=month).set_index("family")
    offset = month.ordinal - pd.PeriodIndex(part["period"]).asi8
    year = part[(offset >= 0) & (offset < ACTOR_MONTHS)]
    totals = year.groupby("family", observed=True)[["events", "fatalities"]].sum()
    families, groups = actor_families(), victim_groups()
    out = []
    for family, trend in trends.iterrows():
        code = str(family)
        term = families.get(code)
        victims = (
            year[year["family"] == code]
            .groupby("victim_group", observed=True)["events"]
            .sum()
            .sort_values(ascending=False)
        )
        trend_code = str(trend["trend"])
        trend_term = TREND_LABELS.get(trend_code)
        out.append(
            ActorOut(
                family=code,
                label_en=term.label_en if term else code,
                label_fr=term.label_fr if term else code,
                events_12m=int(totals["events"].get(code, 0)),
                fatalities_12m=int(totals["fatalities"].get(code, 0)),
                events_recent=int(trend["events_recent"]),
                events_prior=int(trend["events_prior"]),
                trend=trend_code,
                trend_label_en=trend_term.label_en if trend_term else trend_code,
                trend_label_fr=trend_term.label_fr if trend_term else trend_code,
                victims=[
                    VictimOut(
                        group=str(g),
                        label_en=groups[str(g)].label_en if str(g) in groups else str(g),
                        label_fr=groups[str(g)].label_fr if str(g) in groups else str(g),
                        events=int(n),
                    )
                    for g, n in victims.items()
                    if n > 0
                ],
            )
        )
    out.sort(key=lambda a: (-a.events_12m, -a.fatalities_12m, -a.events_recent, a.family))
    return out


def hotspot_out(pattern: str | None) -> HotspotOut | None:
    if not pattern:
        return None
    term = export.HOTSPOT_TERMS.get(pattern)
    if term is None:
        return HotspotOut(
            pattern=pattern, label_en=pattern, label_fr=pattern, meaning_en="", meaning_fr=""
        )
    return HotspotOut(
        pattern=pattern,
        label_en=term.label_en,
        label_fr=term.label_fr,
        meaning_en=term.meaning_en,
        meaning_fr=term.meaning_fr,
    )


def latest_events(
    connection: Connection, unit: str, unit_kind: UnitKind, month: pd.Period
) -> list[ProfileEventOut]:
    """The latest events of violence against civilians in the area up to ``month`` (the area in
    pre-2016 geography: Ménaka's 2016 cercles count in ML0704)."""
    found: list[search.StoredEvent] = []
    for code in menaka_2016().successors(unit):
        region, cercle = (code, None) if unit_kind == "admin1" else (None, code)
        query = EventQuery(end=str(month), region=region, cercle=cercle, vac_only=True)
        found += search.search_events(connection, query, "-date", 1, LATEST_EVENTS).items
    found.sort(key=lambda item: (item.event.event_date, item.id), reverse=True)
    return [
        ProfileEventOut(
            id=item.id,
            event_date=item.event.event_date,
            event_type=item.event.event_type,
            sub_event_type=item.event.sub_event_type,
            actor1=item.event.actor1,
            actor2=item.event.actor2,
            location=item.event.location,
            fatalities=item.event.fatalities,
            notes=item.event.notes,
            url=f"/events/{item.id}",
        )
        for item in found[:LATEST_EVENTS]
    ]


def area_profile(
    request: Request,
    connection: Connection,
    unit: str,
    as_of: str | None = None,
    assessment_id: int | None = None,
) -> AreaProfileOut:
    """The profile of ``unit`` at a saved assessment (its month and rows) or, without one, at
    the month ``as_of`` with the live matrix. 404 for an unknown area."""
    unit_kind = unit_kind_of(unit)
    info = unit_info(request, connection, unit_kind)
    records: list[dict[str, Any]]
    revision: int | None = None
    if assessment_id is not None:
        found = stored(request, connection, assessment_id)
        if found.record.unit_kind != unit_kind:
            raise unprocessable(
                f"assessment {assessment_id} is by {found.record.unit_kind}; {unit} is not"
            )
        month = pd.Period(month_of(found.record), freq="M")
        revision = found.revision
        frame = found.rows[found.rows["unit"] == unit]
        records = export.frame_records(frame)
    else:
        month = check_month(request, connection, as_of)
        matrix = live(request, connection, month, unit_kind).matrix
        records = export.frame_records(matrix[matrix["unit"] == unit])
    if unit not in info and not records:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no area {unit}")
    fallback = str(records[0]["unit_name"] or unit) if records else unit
    name_fr, name_en, parent = info.get(unit, (fallback, fallback, None))
    pattern = records[0]["hotspot_class"] if records else None
    if pattern is None:
        patterns = cache_of(request).get(
            connection,
            ("hotspots", str(month), unit_kind),
            lambda: hotspot_patterns(connection, unit_kind, month),
        )
        pattern = patterns.get(unit)
    return AreaProfileOut(
        unit=unit,
        unit_kind=unit_kind,
        name_fr=name_fr,
        name_en=name_en,
        parent=parent,
        as_of=str(month),
        assessment_id=assessment_id,
        revision=revision,
        series=threat_series(events_of(request, connection, unit_kind), unit, month),
        actors=actors_of(request, connection, unit, month, unit_kind),
        hotspot=hotspot_out(pattern),
        risks=rows_out(records),
        latest_events=latest_events(connection, unit, unit_kind, month),
        geography_note=CHOICE_NOTE,
    )


def compare_rows(frame: pd.DataFrame) -> list[CompareRowOut]:
    """:func:`sentinelle.threat.assess.compare` as API rows."""
    integers = {"risk_score_before", "risk_score_after", "events_12m_before", "events_12m_after",
                "fatalities_12m_before", "fatalities_12m_after"}  # fmt: skip
    out = []
    for record in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key in CompareRowOut.model_fields:
            value = record.get(key)
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                clean[key] = None
            elif key in integers:
                clean[key] = int(value)
            else:
                clean[key] = str(value)
        out.append(CompareRowOut(**clean))
    return out


def comparison(request: Request, connection: Connection, first: int, second: int) -> CompareOut:
    """Two saved assessments side by side (404 when either is unknown)."""
    before, after = find_record(connection, first), find_record(connection, second)
    key = ("assessment-compare", first, before.revision, second, after.revision)
    frame = cache_of(request).get(connection, key, lambda: compare(connection, first, second))
    rows = compare_rows(frame)
    counts = {c: 0 for c in ("new", "higher", "lower", "gone", "same")}
    for row in rows:
        counts[row.change] = counts.get(row.change, 0) + 1
    return CompareOut(
        first=summary_out(before), second=summary_out(after), counts=counts, rows=rows
    )


# --- endpoints -------------------------------------------------------------------------------


@router.get("/assessments", response_model=list[AssessmentSummaryOut])
def list_assessments(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 100,
) -> list[AssessmentSummaryOut]:
    """Saved assessments, the latest month first (then the newest first)."""
    with store_of(request).reading() as connection:
        return [summary_out(r) for r in assessment_store.list_all(connection, limit)]


@router.post("/assessments", response_model=AssessmentOut, status_code=HTTP_201_CREATED)
def create_assessment(
    request: Request,
    body: AssessmentIn,
    response: Response,
    principal: Principal = Depends(Require("edit_assessments")),
) -> AssessmentOut:
    """Compute the threat matrix of a month from the stored events and save it as an
    immutable, citable assessment (revision 0; recorded in the audit log)."""
    assessment_id = create(request, principal, body.as_of, body.unit_kind, body.title)
    response.headers["Location"] = f"/api/v1/assessments/{assessment_id}"
    with store_of(request).reading() as connection:
        return assessment_out(connection, stored(request, connection, assessment_id))


@router.get("/assessments/compare", response_model=CompareOut)
def compare_assessments(
    request: Request,
    first: Annotated[int, Query(ge=1, le=MAX_ID, description="id of the earlier assessment")],
    second: Annotated[int, Query(ge=1, le=MAX_ID, description="id of the later assessment")],
    principal: Principal = Depends(Require("view_events")),
) -> CompareOut:
    """Two saved assessments side by side, one row per (area, family, threat type) in either:
    ``new`` (only in the second), ``gone`` (only in the first), ``higher``, ``lower`` or
    ``same`` risk score."""
    with store_of(request).reading() as connection:
        return comparison(request, connection, first, second)


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def get_assessment(
    request: Request,
    assessment_id: RecordId,
    revision: RevisionQuery = None,
    principal: Principal = Depends(Require("view_events")),
) -> AssessmentOut:
    """A saved assessment at a revision: every row with the notes as they stood then, its
    revisions (who, when), parameters and the definitions of its classes."""
    with store_of(request).reading() as connection:
        return assessment_out(connection, stored(request, connection, assessment_id, revision))


@router.patch("/assessments/{assessment_id}/rows/{row_id}", response_model=NoteSavedOut)
def patch_row(
    request: Request,
    assessment_id: RecordId,
    row_id: RecordId,
    body: NoteIn,
    principal: Principal = Depends(Require("edit_assessments")),
) -> NoteSavedOut:
    """Save an adviser's notes on a row as the assessment's next revision (earlier revisions
    stay as they were; the change is recorded in the audit log, before and after)."""
    revision = save_note(request, principal, assessment_id, row_id, body.values())
    with store_of(request).reading() as connection:
        found = stored(request, connection, assessment_id, revision)
    records = export.matrix_records(found)
    row = next(r for r in records if r["row_id"] == row_id)
    return NoteSavedOut(
        assessment_id=assessment_id,
        revision=revision,
        citation=export.citation(assessment_id, revision),
        row=row_out(row),
    )


@router.get(
    "/assessments/{assessment_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "the matrix as a file, named after the assessment and revision",
            "content": {media: {} for media in export.MEDIA_TYPES.values()},
        }
    },
)
def export_assessment(
    request: Request,
    assessment_id: RecordId,
    format: Annotated[export.MatrixFormat, Query(description="csv or xlsx")] = "csv",
    revision: RevisionQuery = None,
    principal: Principal = Depends(Require("export_events")),
) -> Response:
    """The matrix at a revision with the notes: CSV (each row carries the assessment id,
    revision and month) or XLSX (sheets matrix, about, definitions). Recorded in the audit
    log."""
    with store_of(request).reading() as connection:
        stored(request, connection, assessment_id, revision)  # 404 / 422 first
    result = export.export_matrix(
        store_of(request), principal.name, assessment_id, revision, format, principal.language
    )
    return Response(
        result.content,
        media_type=result.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{result.file_name}"',
            "X-Sentinelle-Citation": result.citation,
            "X-Sentinelle-Rows": str(result.rows),
            "Cache-Control": "no-store",
        },
    )


@router.get("/threat/live", response_model=LiveMatrixOut)
def live_matrix(
    request: Request,
    as_of: MonthQuery = None,
    unit_kind: UnitKindQuery = "admin2",
    principal: Principal = Depends(Require("view_events")),
) -> LiveMatrixOut:
    """The threat matrix of a month computed now from the stored events, highest risk first
    (not saved: save it with ``POST /assessments`` to cite it)."""
    with store_of(request).reading() as connection:
        month = check_month(request, connection, as_of)
        result = live(request, connection, month, unit_kind)
    return LiveMatrixOut(
        as_of=str(result.as_of),
        unit_kind=unit_kind,
        parameters=result.parameters,
        data_version=result.data_version,
        geography_note=CHOICE_NOTE,
        matrix=rows_out(export.frame_records(result.matrix)),
    )


@router.get("/areas/{unit}/profile", response_model=AreaProfileOut)
def profile(
    request: Request,
    unit: UnitPath,
    as_of: MonthQuery = None,
    assessment: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="read the month and the rows of this assessment"),
    ] = None,
    principal: Principal = Depends(Require("view_events")),
) -> AreaProfileOut:
    """The threat profile of a region or cercle: threat events per month by threat type, the
    actor families committing violence against civilians (events, deaths, trend, victims), the
    hotspot pattern, its rows of the matrix and the latest events."""
    with store_of(request).reading() as connection:
        return area_profile(request, connection, unit, as_of, assessment)
