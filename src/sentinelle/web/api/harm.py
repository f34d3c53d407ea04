"""API: the civilian-harm register — incidents with their victims, sources, amends and timeline,
mitigation measures, the export (redacted unless the role may export personal data), the
patterns (by dimension, around bases, before and after a base opened or closed), the public
summary and the monthly report (HTML or PDF).

The checks, the timeline, the audit entries and the encryption of names and contacts are the
register's (:mod:`sentinelle.harm.register`); this module maps its answers to HTTP:

* an unknown incident or measure is a 404;
* a value the register refuses is a 422 listing every problem as ``{where, problem}``;
* a change to a record that changed since the caller read it is a 409 with the current version
  (optimistic locking: send the ``version`` read; nothing is overwritten).

The functions below the models are shared with the pages (``web/pages/harm.py``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import math
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, func, select
from starlette.status import (
    HTTP_201_CREATED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_CONTENT,
)

from sentinelle.domain.harm import activities, categories, confidence_grades, forces, vocabulary
from sentinelle.domain.vocabulary import Language
from sentinelle.harm.patterns import Change, before_after, near_bases, sites_of
from sentinelle.harm.register import (
    SMALL_COUNT,
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
    export_incidents,
    get_incident,
    link_measure,
    list_incidents,
    list_measures,
    public_summary,
    update_incident,
    update_measure,
)
from sentinelle.harm.report import monthly_report, parse_report_month, report_pdf
from sentinelle.store import events as event_store
from sentinelle.store.database import Store
from sentinelle.store.deployments import load_deployments
from sentinelle.store.schema import events, harm_incidents, mitigation_measures
from sentinelle.threat.actors import is_vac
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.alerts import cipher_of, problems_out
from sentinelle.web.api.schemas import MAX_ID, MAX_PAGE_SIZE, Page, RecordId

router = APIRouter(tags=["harm"])

MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_TEXT = 20_000
"""A bound on any text the API takes (the register's own, smaller limits are checked after)."""
MAX_PEOPLE_ROWS = 100
"""Victims or sources sent with one new incident."""
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 100_000
DIMENSIONS = ("category", "force", "activity", "quarter")
"""What the patterns are counted by."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Text a spreadsheet would read as a formula: written with a leading apostrophe."""
RADIUS_KM, MIN_RADIUS_KM, MAX_RADIUS_KM = 10.0, 1.0, 100.0
"""The radius around a base (km): default and bounds."""
MONTHS, MAX_MONTHS = 6, 36
"""Months before and after a base opened or closed: default and bound."""
SERIES = ("harm_incidents", "acled_vac")
"""The series compared before and after: the register's incidents, ACLED's violence against
civilians."""
VAC_COLUMNS = ("event_date", "event_type", "civilian_targeting", "latitude", "longitude")
PDF = "application/pdf"

# --- validators ------------------------------------------------------------------------------


def _unicode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("not valid Unicode text (a lone surrogate)") from None
    return value


def _sane_time(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date) and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"expected a year from {MIN_YEAR} to {MAX_YEAR}")
    return value


Code = Annotated[str, Field(max_length=60)]
OptionalCode = Annotated[str | None, Field(None, max_length=60)]
Text = Annotated[str | None, Field(None, max_length=MAX_TEXT)]
Count = Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]
Version = Annotated[int, Field(ge=1, le=MAX_ID, description="the version as the caller read it")]


def _codes(terms: Iterable[str]) -> str:
    return ", ".join(terms)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _text = field_validator("*")(_unicode)


class VictimBody(_Body):
    """A person harmed. ``name`` and ``note`` are personal data: stored encrypted, shown only
    to roles that may see personal data."""

    harm: Code = Field(description=_codes(vocabulary("harm")))
    name: Text = None
    sex: Code = Field("unknown", description=_codes(vocabulary("sex")))
    age: int | None = Field(None, ge=-1000, le=1000, description="years, 0 to 120")
    age_group: OptionalCode = Field(None, description=_codes(vocabulary("age_group")))
    civilian_status: Code = Field("civilian", description=_codes(vocabulary("civilian_status")))
    cause: Code = Field("unknown", description=_codes(vocabulary("cause")))
    note: Text = None

    def victim(self) -> VictimIn:
        return VictimIn(**self.model_dump(exclude={"version"}))


class SourceBody(_Body):
    """Where the information came from. ``name`` and ``contact`` are personal data."""

    kind: Code = Field(description=_codes(vocabulary("source_kind")))
    reliability: Code = Field("unknown", description=_codes(vocabulary("reliability")))
    name: Text = None
    contact: Text = None
    received_at: dt.datetime | None = Field(None, description="with a time zone")
    account: Text = Field(None, description="what the source said (no names): kept in clear")

    _received = field_validator("received_at")(_sane_time)

    def source(self) -> SourceIn:
        return SourceIn(**self.model_dump(exclude={"version"}))


class _IncidentFields(_Body):
    time_precision: Code = Field("day", description=_codes(vocabulary("time_precision")))
    reference: Text = Field(None, description="the mission's own reference (unique)")
    place: Text = None
    admin1_pcode: OptionalCode = None
    admin2_pcode: OptionalCode = None
    latitude: float | None = Field(None, description="WGS 84, with longitude")
    longitude: float | None = Field(None, description="WGS 84, with latitude")
    location_precision: OptionalCode = Field(
        None, description=_codes(vocabulary("location_precision"))
    )
    unit: Text = Field(None, description="the contingent or unit involved")
    activity: OptionalCode = Field(None, description=_codes(activities()))
    killed_min: Count = 0
    killed_max: Count = 0
    injured_min: Count = 0
    injured_max: Count = 0
    confidence: Code = Field("likely", description=_codes(confidence_grades()))
    description: Text = None
    investigation: Code = Field("not_started", description=_codes(vocabulary("investigation")))
    findings: Text = None
    lessons: Text = None


class IncidentBody(_IncidentFields):
    """An incident as reported, with its first victims and sources. Required: ``occurred_at``
    (with a time zone), ``force`` and ``category``; killed and injured are min–max ranges."""

    occurred_at: dt.datetime = Field(description="when it happened, with a time zone")
    force: Code = Field(description=_codes(forces()))
    category: Code = Field(description=_codes(categories()))
    victims: list[VictimBody] = Field(default_factory=list, max_length=MAX_PEOPLE_ROWS)
    sources: list[SourceBody] = Field(default_factory=list, max_length=MAX_PEOPLE_ROWS)
    event_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="the stored (ACLED) event it is opened from"
    )

    _occurred = field_validator("occurred_at")(_sane_time)

    def incident(self) -> IncidentIn:
        return IncidentIn(**self.model_dump(exclude={"victims", "sources", "event_id"}))


class IncidentPatch(_Body):
    """Fields to change (only those sent), with the version read."""

    version: Version
    occurred_at: dt.datetime | None = None
    force: OptionalCode = None
    category: OptionalCode = None
    time_precision: OptionalCode = None
    reference: Text = None
    place: Text = None
    admin1_pcode: OptionalCode = None
    admin2_pcode: OptionalCode = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: OptionalCode = None
    unit: Text = None
    activity: OptionalCode = None
    killed_min: Count | None = None
    killed_max: Count | None = None
    injured_min: Count | None = None
    injured_max: Count | None = None
    confidence: OptionalCode = None
    description: Text = None
    investigation: OptionalCode = None
    findings: Text = None
    lessons: Text = None

    _occurred = field_validator("occurred_at")(_sane_time)

    def changes(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set if k != "version"}


class VictimPost(VictimBody):
    version: Version


class SourcePost(SourceBody):
    version: Version


class AmendsBody(_Body):
    """Amends offered. ``recipient`` is personal data."""

    version: Version
    kind: Code = Field(description=_codes(vocabulary("amends")))
    offered_on: dt.date
    amount: float | None = Field(None, description="with currency")
    currency: Annotated[str | None, Field(None, max_length=10, description="XOF, USD, …")]
    recipient: Text = None
    response: Code = Field("pending", description=_codes(vocabulary("amends_response")))
    responded_on: dt.date | None = None
    note: Text = None

    _dates = field_validator("offered_on", "responded_on")(_sane_time)

    def amends(self) -> AmendsIn:
        return AmendsIn(**self.model_dump(exclude={"version"}))


class AnswerBody(_Body):
    version: Version
    response: Literal["accepted", "declined"]
    responded_on: dt.date

    _dates = field_validator("responded_on")(_sane_time)


class MeasureBody(_Body):
    """A mitigation measure and the incidents that motivated it."""

    title: Annotated[str, Field(max_length=MAX_TEXT)]
    kind: Code = Field(description=_codes(vocabulary("measure_kind")))
    owner: Annotated[str, Field(max_length=MAX_TEXT)]
    due_date: dt.date
    status: Code = Field("planned", description=_codes(vocabulary("measure_status")))
    description: Text = None
    done_on: dt.date | None = None
    incidents: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=1000
    )

    _dates = field_validator("due_date", "done_on")(_sane_time)

    def measure(self) -> MeasureIn:
        return MeasureIn(**self.model_dump(exclude={"incidents"}))


class MeasurePatch(_Body):
    """Fields of a measure to change (only those sent), incidents to link, and the version
    read."""

    version: Version
    title: Annotated[str | None, Field(None, max_length=MAX_TEXT)]
    kind: OptionalCode = None
    owner: Annotated[str | None, Field(None, max_length=MAX_TEXT)]
    due_date: dt.date | None = None
    status: OptionalCode = None
    description: Text = None
    done_on: dt.date | None = None
    link_incidents: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=1000
    )

    _dates = field_validator("due_date", "done_on")(_sane_time)

    def changes(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in self.model_fields_set
            if k not in ("version", "link_incidents")
        }


class CreatedOut(BaseModel):
    id: int
    version: int
    url: str = Field(description="the record's page")


class VersionOut(BaseModel):
    id: int
    version: int = Field(description="the record's new version")


class ConflictOut(BaseModel):
    detail: str
    current_version: int | None = Field(description="the record's version now")


class IncidentSummaryOut(BaseModel):
    """An incident in a list: no personal data."""

    id: int
    reference: str | None
    occurred_at: dt.datetime
    time_precision: str
    place: str | None
    admin1_pcode: str | None
    admin2_pcode: str | None
    latitude: float | None
    longitude: float | None
    force: str
    unit: str | None
    activity: str | None
    category: str
    killed_min: int
    killed_max: int
    injured_min: int
    injured_max: int
    confidence: str
    investigation: str
    victims: int = Field(description="number of victims recorded")
    sources: int = Field(description="number of sources recorded")
    amends_accepted: bool
    event_id: int | None
    version: int


class VictimOut(BaseModel):
    id: int
    name: str | None = Field(description="[redacted] unless the role may see personal data")
    sex: str
    age: int | None
    age_group: str
    civilian_status: str
    harm: str
    cause: str
    note: str | None = Field(description="[redacted] unless the role may see personal data")


class SourceOut(BaseModel):
    id: int
    kind: str
    reliability: str
    name: str | None = Field(description="[redacted] unless the role may see personal data")
    contact: str | None = Field(description="[redacted] unless the role may see personal data")
    received_at: dt.datetime | None
    account: str | None


class AmendsOut(BaseModel):
    id: int
    kind: str
    offered_on: dt.date
    amount: float | None
    currency: str | None
    recipient: str | None = Field(description="[redacted] unless the role may see personal data")
    response: str
    responded_on: dt.date | None
    note: str | None


class StepOut(BaseModel):
    action: str
    at: dt.datetime
    actor: str
    details: dict[str, Any] = Field(description="what the step changed (never personal data)")
    version: int = Field(description="the incident's version after the step")


class MeasureRefOut(BaseModel):
    id: int
    title: str
    kind: str
    owner: str
    due_date: dt.date
    status: str


class IncidentOut(BaseModel):
    """An incident with every field, its victims, sources, amends, timeline and measures."""

    id: int
    reference: str | None
    occurred_at: dt.datetime
    time_precision: str
    place: str | None
    admin1_pcode: str | None
    admin2_pcode: str | None
    latitude: float | None
    longitude: float | None
    location_precision: str | None
    force: str
    unit: str | None
    activity: str | None
    category: str
    killed_min: int
    killed_max: int
    injured_min: int
    injured_max: int
    confidence: str
    description: str | None
    investigation: str
    findings: str | None
    lessons: str | None
    event_id: int | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="send it back with the next change")
    victims: list[VictimOut]
    sources: list[SourceOut]
    amends: list[AmendsOut]
    steps: list[StepOut]
    measures: list[MeasureRefOut]


class MeasureOut(BaseModel):
    id: int
    title: str
    kind: str
    owner: str
    due_date: dt.date
    status: str
    done_on: dt.date | None
    version: int
    incidents: list[int]
    overdue: bool
    days_overdue: int


class PatternRowOut(BaseModel):
    key: str
    incidents: int
    killed_min: int
    killed_max: int
    injured_min: int
    injured_max: int


class PatternsOut(BaseModel):
    by: str
    rows: list[PatternRowOut]


class SummaryRowOut(BaseModel):
    key: str
    incidents: str = Field(
        description=f"a count, '<{SMALL_COUNT}' when suppressed, or 'x' when hidden so that a "
        "suppressed count cannot be recovered from the total"
    )
    killed: str
    injured: str


class SummaryOut(BaseModel):
    by: str
    first: dt.date
    last: dt.date
    threshold: int = Field(description="counts from 1 to threshold − 1 are suppressed")
    rows: list[SummaryRowOut]


class BaseRowOut(BaseModel):
    """Incidents within the radius of a site while it was held."""

    site: str = Field(
        description="the deployment's name; a name held in separate periods, or at two places, "
        "is told apart by its dates"
    )
    latitude: float
    longitude: float
    start_date: dt.date | None = Field(description="held from (the first deployment's start)")
    end_date: dt.date | None = Field(description="held to (null while the site is held)")
    incidents: int
    killed_min: int
    killed_max: int
    injured_min: int
    injured_max: int


class BasesOut(BaseModel):
    radius_km: float
    first: dt.date | None
    last: dt.date | None
    rows: list[BaseRowOut]


class BeforeAfterRowOut(BaseModel):
    """One series within the radius of a site, in the months before and after it opened or
    closed."""

    series: Literal["harm_incidents", "acled_vac"] = Field(
        description="harm_incidents (the register) or acled_vac (stored ACLED events of "
        "violence against civilians)"
    )
    site: str
    change: Literal["opening", "closing"]
    pivot: dt.date = Field(description="the day it opened, or the first day it was not held")
    before_start: dt.date
    after_end: dt.date
    before: int
    after: int
    days_before: int
    days_after: int
    rate_ratio: float | None = Field(
        description="after / before, per day; null when nothing was recorded before"
    )
    p_value: float = Field(description="exact two-sided test that the rate did not change")
    covered: bool = Field(
        description="the series' records span both windows (else a window undercounts)"
    )


class SpanOut(BaseModel):
    series: str
    first: dt.date | None
    last: dt.date | None


class BeforeAfterOut(BaseModel):
    months: int
    radius_km: float
    spans: list[SpanOut] = Field(
        description="the first and last day of the register's incidents (harm_incidents) and "
        "of the stored ACLED events (acled_vac)"
    )
    rows: list[BeforeAfterRowOut]


# --- shared with the pages -------------------------------------------------------------------


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


def unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def check_code(name: str, value: str | None, options: Iterable[str]) -> None:
    choices = list(options)
    if value is not None and value not in choices:
        raise unprocessable(f"{name}: {value!r} — expected one of {', '.join(choices)}")


def check_period(first: dt.date | None, last: dt.date | None) -> None:
    for name, day in (("first", first), ("last", last)):
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise unprocessable(f"{name}: {day} — expected a year from {MIN_YEAR} to {MAX_YEAR}")
    if first is not None and last is not None and first > last:
        raise unprocessable(f"first: {first} — after last ({last})")


def incident_frame(
    store: Store,
    first: dt.date | None = None,
    last: dt.date | None = None,
    force: str | None = None,
    category: str | None = None,
    investigation: str | None = None,
) -> pd.DataFrame:
    """The register's incidents matching the filters (no personal data), newest first; 422
    for an unknown code or a bad period."""
    check_period(first, last)
    check_code("force", force, forces())
    check_code("category", category, categories())
    check_code("investigation", investigation, vocabulary("investigation"))
    with store.reading() as connection:
        frame = list_incidents(connection, first, last, force, category)
    if investigation:
        frame = frame[frame["investigation"] == investigation]
    return frame


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _python(v) for k, v in row.items()} for row in frame.to_dict("records")]


def harm_http(exc: HarmError) -> HTTPException:
    """A refusal of the register as a 404 (an unknown incident or measure) or a 422."""
    for problem in exc.problems:
        if problem.startswith(("incident: ", "measure: ")) and "no such" in problem:
            return HTTPException(HTTP_404_NOT_FOUND, problem)
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, problems_out(exc.problems))


def current_version(store: Store, table: Any, record_id: int) -> int | None:
    with store.reading() as connection:
        found = connection.execute(select(table.c.version).where(table.c.id == record_id)).first()
    return None if found is None else int(found[0])


def conflict(store: Store, table: Any, record_id: int, exc: VersionConflict) -> JSONResponse:
    out = ConflictOut(detail=str(exc), current_version=current_version(store, table, record_id))
    return JSONResponse(out.model_dump(), status_code=HTTP_409_CONFLICT)


def incident_view(request: Request, principal: Principal, incident_id: int) -> dict[str, Any]:
    """One incident (names and contacts only for roles that may see personal data); 404 if
    there is none."""
    found = get_incident(
        store_of(request),
        incident_id,
        cipher_of(request),
        personal=principal.can("view_personal_data"),
    )
    if found is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    return found


def quarter_of(moment: Any) -> str:
    stamp = pd.Timestamp(moment)
    return f"{stamp.year}-Q{(stamp.month - 1) // 3 + 1}"


def _by_dimension() -> Any:
    """``sentinelle.harm.patterns.by_dimension`` when it is installed (None otherwise)."""
    try:
        module = importlib.import_module("sentinelle.harm.patterns")
    except ImportError:
        return None
    return getattr(module, "by_dimension", None)


def patterns(frame: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Incidents, killed and injured (ranges summed) by a dimension of :data:`DIMENSIONS`
    (the register's :func:`sentinelle.harm.patterns.by_dimension` where it has the dimension);
    quarters in order, the others largest first; a missing value is ``unknown``."""
    if by not in DIMENSIONS:
        raise unprocessable(f"by: {by!r} — expected one of {', '.join(DIMENSIONS)}")
    if frame.empty:
        return []
    measures = ("incidents", "killed_min", "killed_max", "injured_min", "injured_max")
    engine = _by_dimension()
    if engine is not None and by != "quarter":
        grouped = engine(frame, by).rename(columns={by: "key"})
        grouped["key"] = grouped["key"].astype(object).where(grouped["key"].notna(), "unknown")
    else:
        keys = (
            frame["occurred_at"].map(quarter_of) if by == "quarter" else frame[by].fillna("unknown")
        )
        grouped = (
            frame.assign(key=keys, incidents=1).groupby("key")[list(measures)].sum().reset_index()
        )
    if by == "quarter":
        grouped = grouped.sort_values("key")
    else:
        grouped = grouped.sort_values(["incidents", "key"], ascending=[False, True])
    return [
        {"key": str(row["key"]), **{m: int(row[m]) for m in measures}}
        for row in grouped.to_dict("records")
    ]


def stored_sites(connection: Connection) -> pd.DataFrame:
    """The stored deployments as sites (:func:`sentinelle.harm.patterns.sites_of`: one row per
    site and held period)."""
    return sites_of(load_deployments(connection))


def bases_rows(store: Store, frame: pd.DataFrame, radius_km: float) -> list[dict[str, Any]]:
    """Per stored site, the incidents of ``frame`` within ``radius_km`` while it was held
    (:func:`sentinelle.harm.patterns.near_bases`)."""
    with store.reading() as connection:
        sites = stored_sites(connection)
    if sites.empty:
        return []
    table = near_bases(frame, sites, radius_km)
    return [
        {
            **{k: _python(v) for k, v in row.items()},
            "site": str(row["site"]),
            "start_date": _day_of(row["start_date"]),
            "end_date": _day_of(row["end_date"]),
        }
        for row in table.to_dict("records")
    ]


def _day_of(value: Any) -> dt.date | None:
    value = _python(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else pd.Timestamp(value).date()


def vac_events(
    connection: Connection, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Stored events of violence against civilians (:func:`sentinelle.threat.actors.is_vac`)
    from ``start`` to ``end`` (days, included), with their coordinates."""
    frame = event_store.load_events(connection, columns=VAC_COLUMNS, start=start, end=end)
    return frame[is_vac(frame)].reset_index(drop=True)


def _span(connection: Connection, column: Any) -> tuple[dt.date | None, dt.date | None]:
    first, last = connection.execute(select(func.min(column), func.max(column))).one()
    return _day_of(first), _day_of(last)


def before_after_rows(
    store: Store, months: int, radius_km: float
) -> tuple[list[dict[str, Any]], dict[str, tuple[dt.date | None, dt.date | None]]]:
    """For each stored site's opening and closing with harm incidents or ACLED events of
    violence against civilians within ``radius_km`` in the ``months`` months before or after:
    :func:`sentinelle.harm.patterns.before_after`'s rows (one per series), each saying whether
    the series' records cover both windows; and the span of each series' records."""
    with store.reading() as connection:
        sites = stored_sites(connection)
        spans = {
            "harm_incidents": _span(connection, harm_incidents.c.occurred_at),
            "acled_vac": _span(connection, events.c.event_date),
        }
        if sites.empty:
            return [], spans
        pivots = [pd.Timestamp(d) for d in sites["start_date"].dropna()] + [
            pd.Timestamp(d) + pd.Timedelta(days=1) for d in sites["end_date"].dropna()
        ]
        window = pd.DateOffset(months=months)
        incidents = list_incidents(connection)
        vac = vac_events(connection, min(pivots) - window, max(pivots) + window)
    rows: list[dict[str, Any]] = []
    changes: tuple[tuple[Change, str], ...] = (("opening", "start_date"), ("closing", "end_date"))
    for site in sites.to_dict("records"):
        for change, column in changes:
            if site[column] is None or pd.isna(site[column]):
                continue
            table = before_after(
                incidents, site, months, change=change, radius_km=radius_km, vac_events=vac
            )
            if int((table["before"] + table["after"]).sum()) == 0:
                continue
            for record in table.to_dict("records"):
                first, last = spans[str(record["series"])]
                start, end = record["before_start"].date(), record["after_end"].date()
                ratio = float(record["rate_ratio"])
                rows.append(
                    {
                        "series": str(record["series"]),
                        "site": str(record["site"]),
                        "change": change,
                        "pivot": record["pivot"].date(),
                        "before_start": start,
                        "after_end": end,
                        "before": int(record["before"]),
                        "after": int(record["after"]),
                        "days_before": int(record["days_before"]),
                        "days_after": int(record["days_after"]),
                        "rate_ratio": ratio if math.isfinite(ratio) else None,
                        "p_value": float(record["p_value"]),
                        "covered": first is not None
                        and last is not None
                        and first <= start
                        and end <= last,
                    }
                )
    return rows, spans


def latest_incident_month(store: Store) -> str:
    """``YYYY-MM`` of the newest incident (UTC); the current month when there is none."""
    with store.reading() as connection:
        newest = connection.execute(select(func.max(harm_incidents.c.occurred_at))).scalar()
    if isinstance(newest, dt.datetime) and newest.tzinfo is not None:
        newest = newest.astimezone(dt.UTC)
    moment = newest or dt.datetime.now(dt.UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def report_month(store: Store, month: str | None) -> str:
    """The month asked for (``YYYY-MM``, 1990 to :data:`MAX_YEAR`), by default the newest
    incident's; :class:`HarmError` for anything else."""
    chosen = month.strip() if month and month.strip() else latest_incident_month(store)
    if chosen[:4].isdigit() and int(chosen[:4]) > MAX_YEAR:  # before the date arithmetic
        raise HarmError(f"month: {chosen!r} — expected YYYY-MM from 1990 to {MAX_YEAR}")
    parse_report_month(chosen)
    return chosen


def report_file(
    store: Store, month: str, file_format: str, public: bool, language: Language
) -> Response:
    """The monthly report (:func:`sentinelle.harm.report.monthly_report`) as its self-contained
    HTML page or as PDF (an attachment ``harm-report-YYYY-MM.pdf``). Never any personal data."""
    html = monthly_report(store, month, language, public=public)
    name = f"harm-report-{month}"
    if file_format == "pdf":
        return Response(
            report_pdf(html),
            media_type=PDF,
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.html"'},
    )


def export_tables(
    request: Request, principal: Principal, personal: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(incidents, victims) for an export, audited; names only with ``personal`` (403 for a
    role that may not export personal data)."""
    if personal and not principal.can("export_personal_data"):
        raise HTTPException(
            HTTP_403_FORBIDDEN,
            f"the role {principal.user.role if principal.user else '?'!r} may not export "
            "personal data: ask without personal=true for the redacted export",
        )
    incidents, victims = export_incidents(
        store_of(request), cipher_of(request), principal.name, personal
    )
    return _plain_frame(incidents), _plain_frame(victims)


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as ISO 8601 text (UTC), so CSV and XLSX agree."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in out[column]]
        elif out[column].dtype == object:
            out[column] = [
                v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in out[column]
            ]
    return out


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def flat_export(incidents: pd.DataFrame, victims: pd.DataFrame) -> pd.DataFrame:
    """One row per victim with its incident's fields (an incident without victims: one row
    with the victim's columns empty)."""
    renamed = victims.drop(columns=["incident_id"], errors="ignore").rename(
        columns=lambda c: f"victim_{c}"
    )
    renamed["incident_id"] = victims["incident_id"]
    merged = incidents.rename(columns={"id": "incident_id"}).merge(
        renamed, on="incident_id", how="left"
    )
    merged = merged.sort_values(["incident_id", "victim_id"], kind="stable")
    return merged.map(_safe_cell)


def export_csv(incidents: pd.DataFrame, victims: pd.DataFrame) -> bytes:
    return flat_export(incidents, victims).to_csv(index=False).encode("utf-8")


def export_xlsx(incidents: pd.DataFrame, victims: pd.DataFrame) -> bytes:
    book = Workbook(write_only=True)
    for title, frame in (("incidents", incidents), ("victims", victims)):
        sheet = book.create_sheet(title)
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_safe_cell(_python(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(personal: bool, extension: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return f"civilian-harm-{'personal' if personal else 'redacted'}-{stamp}.{extension}"


# --- endpoints -------------------------------------------------------------------------------

DateQuery = Annotated[dt.date | None, Query(description="first or last day (UTC), included")]
CodeQuery = Annotated[str | None, Query(max_length=60)]


@router.get("/harm/incidents", response_model=Page[IncidentSummaryOut])
def incidents_list(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    first: DateQuery = None,
    last: DateQuery = None,
    force: CodeQuery = None,
    category: CodeQuery = None,
    investigation: CodeQuery = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[IncidentSummaryOut]:
    """Incidents, newest first, one page at a time. No personal data."""
    frame = incident_frame(store_of(request), first, last, force, category, investigation)
    rows = frame_rows(frame.iloc[(page - 1) * page_size : page * page_size])
    return Page[IncidentSummaryOut](
        items=[IncidentSummaryOut(**row) for row in rows],
        total=len(frame),
        page=page,
        page_size=page_size,
    )


@router.post(
    "/harm/incidents",
    response_model=CreatedOut,
    status_code=HTTP_201_CREATED,
    responses={422: {"description": "every problem, each as {where, problem}"}},
)
def incident_create(
    request: Request,
    body: IncidentBody,
    principal: Principal = Depends(Require("record_harm")),
) -> CreatedOut:
    """Record an incident with its first victims and sources (audited; names and contacts
    encrypted)."""
    try:
        incident_id = create_incident(
            store_of(request),
            body.incident(),
            principal.name,
            cipher_of(request),
            [v.victim() for v in body.victims],
            [s.source() for s in body.sources],
            body.event_id,
        )
    except HarmError as exc:
        raise harm_http(exc) from None
    return CreatedOut(id=incident_id, version=1, url=f"/harm/{incident_id}")


@router.get("/harm/incidents/{incident_id}", response_model=IncidentOut)
def incident_detail(
    request: Request,
    incident_id: RecordId,
    principal: Principal = Depends(Require("view_harm")),
) -> IncidentOut:
    """One incident with its victims, sources, amends, timeline and measures. Names, contacts,
    victims' notes and amends' recipients are ``[redacted]`` unless the role may see personal
    data."""
    return IncidentOut(**incident_view(request, principal, incident_id))


CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such incident"},
    409: {"model": ConflictOut, "description": "the incident changed since it was read"},
    422: {"description": "every problem, each as {where, problem}"},
}


def _change(request: Request, incident_id: int, action: Any) -> Response | VersionOut:
    try:
        version = action()
    except VersionConflict as exc:
        return conflict(store_of(request), harm_incidents, incident_id, exc)
    except HarmError as exc:
        raise harm_http(exc) from None
    return VersionOut(id=incident_id, version=int(version))


@router.patch(
    "/harm/incidents/{incident_id}", response_model=VersionOut, responses=CHANGE_RESPONSES
)
def incident_update(
    request: Request,
    incident_id: RecordId,
    body: IncidentPatch,
    principal: Principal = Depends(Require("record_harm")),
) -> Response | VersionOut:
    """Change fields of an incident (the investigation, findings, confidence, lessons, …);
    only the fields sent change. Audited, with a step in the timeline."""
    return _change(
        request,
        incident_id,
        lambda: update_incident(
            store_of(request), incident_id, body.version, body.changes(), principal.name
        ),
    )


@router.post(
    "/harm/incidents/{incident_id}/victims", response_model=VersionOut, responses=CHANGE_RESPONSES
)
def victim_add(
    request: Request,
    incident_id: RecordId,
    body: VictimPost,
    principal: Principal = Depends(Require("record_harm")),
) -> Response | VersionOut:
    """Add a victim (the name and note encrypted, never in the audit log)."""
    return _change(
        request,
        incident_id,
        lambda: add_victim(
            store_of(request),
            incident_id,
            body.version,
            body.victim(),
            principal.name,
            cipher_of(request),
        ),
    )


@router.post(
    "/harm/incidents/{incident_id}/sources", response_model=VersionOut, responses=CHANGE_RESPONSES
)
def source_add(
    request: Request,
    incident_id: RecordId,
    body: SourcePost,
    principal: Principal = Depends(Require("record_harm")),
) -> Response | VersionOut:
    """Add a source (the name and contact encrypted)."""
    return _change(
        request,
        incident_id,
        lambda: add_source(
            store_of(request),
            incident_id,
            body.version,
            body.source(),
            principal.name,
            cipher_of(request),
        ),
    )


@router.post(
    "/harm/incidents/{incident_id}/amends", response_model=VersionOut, responses=CHANGE_RESPONSES
)
def amends_add(
    request: Request,
    incident_id: RecordId,
    body: AmendsBody,
    principal: Principal = Depends(Require("record_harm")),
) -> Response | VersionOut:
    """Record amends offered (the recipient encrypted)."""
    return _change(
        request,
        incident_id,
        lambda: add_amends(
            store_of(request),
            incident_id,
            body.version,
            body.amends(),
            principal.name,
            cipher_of(request),
        ),
    )


@router.post(
    "/harm/incidents/{incident_id}/amends/{amends_id}/answer",
    response_model=VersionOut,
    responses=CHANGE_RESPONSES,
)
def amends_answer(
    request: Request,
    incident_id: RecordId,
    amends_id: RecordId,
    body: AnswerBody,
    principal: Principal = Depends(Require("record_harm")),
) -> Response | VersionOut:
    """Record the answer to amends offered (accepted or declined)."""
    return _change(
        request,
        incident_id,
        lambda: answer_amends(
            store_of(request),
            incident_id,
            body.version,
            amends_id,
            body.response,
            body.responded_on,
            principal.name,
        ),
    )


@router.get("/harm/measures", response_model=list[MeasureOut])
def measures_list(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
) -> list[MeasureOut]:
    """Every mitigation measure: overdue ones first (due before today, neither done nor
    dropped), then by due date."""
    with store_of(request).reading() as connection:
        found = list_measures(connection)
    return [MeasureOut(**vars(m)) for m in found]


@router.post(
    "/harm/measures",
    response_model=CreatedOut,
    status_code=HTTP_201_CREATED,
    responses={422: {"description": "every problem, each as {where, problem}"}},
)
def measure_create(
    request: Request,
    body: MeasureBody,
    principal: Principal = Depends(Require("record_harm")),
) -> CreatedOut:
    """Record a mitigation measure and the incidents that motivated it (audited)."""
    try:
        measure_id = create_measure(
            store_of(request), body.measure(), body.incidents, principal.name
        )
    except HarmError as exc:
        raise harm_http(exc) from None
    return CreatedOut(id=measure_id, version=1, url="/harm/measures")


@router.patch(
    "/harm/measures/{measure_id}",
    response_model=VersionOut,
    responses={
        404: {"description": "no such measure"},
        409: {"model": ConflictOut, "description": "the measure changed since it was read"},
        422: {"description": "every problem, each as {where, problem}"},
    },
)
def measure_update(
    request: Request,
    measure_id: RecordId,
    body: MeasurePatch,
    principal: Principal = Depends(Require("record_harm")),
) -> Response | VersionOut:
    """Change a measure's status, owner, due date, … (only the fields sent) and link more
    motivating incidents. Audited."""
    store = store_of(request)
    try:
        version = update_measure(store, measure_id, body.version, body.changes(), principal.name)
        for incident_id in body.link_incidents:
            link_measure(store, measure_id, incident_id, principal.name)
    except VersionConflict as exc:
        return conflict(store, mitigation_measures, measure_id, exc)
    except HarmError as exc:
        raise harm_http(exc) from None
    return VersionOut(id=measure_id, version=version)


PersonalQuery = Annotated[
    bool,
    Query(description="names included (only for roles that may export personal data)"),
]


@router.get(
    "/harm/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 403: {"description": "personal=true refused"}},
)
def export_csv_file(
    request: Request,
    principal: Principal = Depends(Require("export_events")),
    personal: PersonalQuery = False,
) -> Response:
    """The register as CSV: one row per victim with its incident's fields (an incident without
    victims has one row). Victims' names and notes read ``[redacted]`` unless ``personal=true``
    and the role may export personal data. Every export is in the audit log."""
    incidents, victims = export_tables(request, principal, personal)
    return Response(
        export_csv(incidents, victims),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export_name(personal, "csv")}"'},
    )


@router.get(
    "/harm/export.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, 403: {"description": "personal=true refused"}},
)
def export_xlsx_file(
    request: Request,
    principal: Principal = Depends(Require("export_events")),
    personal: PersonalQuery = False,
) -> Response:
    """The register as XLSX: a sheet of incidents and one of victims (redacted as the CSV)."""
    incidents, victims = export_tables(request, principal, personal)
    return Response(
        export_xlsx(incidents, victims),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{export_name(personal, "xlsx")}"'},
    )


@router.get("/harm/patterns", response_model=PatternsOut)
def patterns_of(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    by: Annotated[str, Query(max_length=20, description=", ".join(DIMENSIONS))] = "category",
    first: DateQuery = None,
    last: DateQuery = None,
    force: CodeQuery = None,
    category: CodeQuery = None,
) -> PatternsOut:
    """Incidents, killed and injured (min and max summed) by category, force, activity or
    quarter."""
    if by not in DIMENSIONS:
        raise unprocessable(f"by: {by!r} — expected one of {', '.join(DIMENSIONS)}")
    frame = incident_frame(store_of(request), first, last, force, category)
    return PatternsOut(by=by, rows=[PatternRowOut(**row) for row in patterns(frame, by)])


@router.get("/harm/summary", response_model=SummaryOut)
def summary_of(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    first: DateQuery = None,
    last: DateQuery = None,
    by: Annotated[
        Literal["category", "force", "activity"], Query(description="category, force or activity")
    ] = "category",
) -> SummaryOut:
    """Aggregates for a public report: incidents, killed and injured (the minimum of each
    range) by category, force or activity over the period (default: all of it up to today);
    counts below the threshold are suppressed."""
    start = first or dt.date(MIN_YEAR, 1, 1)
    end = last or dt.datetime.now(dt.UTC).date()
    check_period(start, end)
    with store_of(request).reading() as connection:
        frame = public_summary(connection, start, end, by)
    rows = [
        SummaryRowOut(
            key=str(row[by]),
            incidents=str(row["incidents"]),
            killed=str(row["killed"]),
            injured=str(row["injured"]),
        )
        for row in frame.to_dict("records")
    ]
    return SummaryOut(by=by, first=start, last=end, threshold=SMALL_COUNT, rows=rows)


RadiusQuery = Annotated[
    float,
    Query(ge=MIN_RADIUS_KM, le=MAX_RADIUS_KM, description="kilometres around each site"),
]
MonthsQuery = Annotated[
    int, Query(ge=1, le=MAX_MONTHS, description="months before and after the change")
]


@router.get("/harm/patterns/bases", response_model=BasesOut)
def bases_of(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    radius_km: RadiusQuery = RADIUS_KM,
    first: DateQuery = None,
    last: DateQuery = None,
    force: CodeQuery = None,
    category: CodeQuery = None,
) -> BasesOut:
    """Per stored site (deployments of one name and place whose periods touch are one site),
    the incidents within ``radius_km`` while it was held, with killed and injured (min and max
    summed)."""
    store = store_of(request)
    frame = incident_frame(store, first, last, force, category)
    rows = bases_rows(store, frame, radius_km)
    return BasesOut(
        radius_km=radius_km, first=first, last=last, rows=[BaseRowOut(**r) for r in rows]
    )


@router.get("/harm/patterns/before-after", response_model=BeforeAfterOut)
def before_after_of(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    months: MonthsQuery = MONTHS,
    radius_km: RadiusQuery = RADIUS_KM,
) -> BeforeAfterOut:
    """For each stored site's opening and closing with harm incidents or ACLED events of
    violence against civilians within ``radius_km`` in the ``months`` months before or after:
    the counts before and after, the rate ratio (per day) and the exact two-sided p-value, one
    row per series. ``covered`` is false when a window runs outside the series' records."""
    rows, spans = before_after_rows(store_of(request), months, radius_km)
    return BeforeAfterOut(
        months=months,
        radius_km=radius_km,
        spans=[SpanOut(series=k, first=v[0], last=v[1]) for k, v in spans.items()],
        rows=[BeforeAfterRowOut(**r) for r in rows],
    )


@router.get(
    "/harm/report",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}, PDF: {}}},
        422: {"description": "not a month YYYY-MM from 1990 to 2200"},
    },
)
def report_of(
    request: Request,
    principal: Principal = Depends(Require("view_harm")),
    month: Annotated[
        str | None,
        Query(max_length=20, description="YYYY-MM; default: the month of the newest incident"),
    ] = None,
    file_format: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
    public: Annotated[
        bool, Query(description="counts of 1 or 2 suppressed, for publication")
    ] = False,
) -> Response:
    """The monthly civilian-harm report in the caller's language: a self-contained HTML page
    or its PDF. It never holds personal data (no names, no free text)."""
    store = store_of(request)
    try:
        chosen = report_month(store, month)
    except HarmError as exc:
        raise unprocessable(str(exc)) from None
    return report_file(store, chosen, file_format, public, principal.language)


def known_events(rows: Iterable[Mapping[str, Any]]) -> set[int]:
    return {int(r["event_id"]) for r in rows if r.get("event_id") is not None}
