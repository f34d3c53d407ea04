"""API: the response figures and the warning coverage of the early-warning alerts.

* ``GET /alert-figures/response`` — how fast and how often the mission responded to the alerts
  received in a period (months ``from``–``to``), per week, month, quarter or year and by a
  breakdown, with the totals, the definitions and targets used, and the cut-off;
* ``GET /alert-figures/response.csv`` — the same table as CSV, the definitions, targets and
  cut-off written as ``#`` comment lines above the header;
* ``GET /alert-figures/coverage`` — the period's events of violence against civilians (VAC),
  each warned of by an alert or not, the share warned by month and by region, and each alert
  with the violence that followed it.

The numbers are the engine's (:mod:`sentinelle.alerts.figures`); this module only chooses the
period and shapes the answers. The functions below the models are shared with the pages
(``web/pages/alert_figures.py``), so that a page and its API answer always agree.

**The period and its cut-off.** A period is whole months, UTC: from the first instant of
``from`` to the end of ``to``. Alerts are counted in the period they were received, and every
step counts only if it had happened by the cut-off: the end of the period, or now when the
period runs to today. A past period's figures can therefore be reproduced at any later time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select
from starlette.status import HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.alerts.figures import alerts_frame, coverage, figures, vac_events
from sentinelle.alerts.linking import DAYS, RADIUS_KM, coverage_summary, links
from sentinelle.alerts.measures import DIMENSIONS, TABLE_COLUMNS
from sentinelle.domain.alerts import label as vocabulary_label
from sentinelle.domain.alerts import measures
from sentinelle.domain.months import MonthError, parse_month
from sentinelle.domain.threat import threat_types
from sentinelle.domain.vocabulary import Language
from sentinelle.store.schema import alerts as alerts_table
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of

router = APIRouter(prefix="/alert-figures", tags=["alert figures"])

MONTH_PATTERN = r"^\d{4}-\d{2}$"
FIRST_YEAR = 1990
MAX_MONTHS = 120
"""The longest period asked at once (ten years: at most 520 weekly rows)."""
DEFAULT_MONTHS = 12
RADIUS_BOUNDS = (1.0, 200.0)
"""Radius of a link between an alert and an event, in km."""
DAYS_BOUNDS = (0, 90)
"""Window of a link, in days after the alert's day."""
MAX_BREAKDOWNS = 2

Dimension = Literal[
    "admin1_pcode",
    "admin2_pcode",
    "channel",
    "threat_type",
    "priority",
    "responding_unit",
    "urgency",
]
assert get_args(Dimension) == DIMENSIONS, "Dimension must list the engine's DIMENSIONS"
Frequency = Literal["W", "M", "Q", "Y", "all"]
"""W, M, Q or Y: one row per week, month, quarter or year; ``all``: one row for the period."""
RATE_COLUMNS = ("response_rate", "decision_within_target", "on_site_within_target")
HOUR_COLUMNS = ("decision_median_h", "decision_p90_h", "on_site_median_h", "on_site_p90_h")
COUNT_COLUMNS = tuple(c for c in TABLE_COLUMNS if c not in RATE_COLUMNS + HOUR_COLUMNS)
COVERAGE_TERMS = ("link", "violence_followed", "coverage", "lead")
"""The coverage page's definitions (``alert_figures.definition.*`` messages)."""

FromQuery = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=7,
        pattern=MONTH_PATTERN,
        description="first month, YYYY-MM (default: 11 months before `to`)",
    ),
]
ToQuery = Annotated[
    str | None,
    Query(
        max_length=7,
        pattern=MONTH_PATTERN,
        description="last month, YYYY-MM (default: the month of the newest alert, else now)",
    ),
]
ByQuery = Annotated[
    list[Dimension] | None,
    Query(description=f"break down by up to {MAX_BREAKDOWNS} of {', '.join(DIMENSIONS)}"),
]
FreqQuery = Annotated[
    Frequency,
    Query(description="rows per W(eek), M(onth), Q(uarter), Y(ear), or `all` for one row"),
]
RadiusQuery = Annotated[
    float,
    Query(
        ge=RADIUS_BOUNDS[0],
        le=RADIUS_BOUNDS[1],
        description="an event within this distance of an alert (km) can follow it",
    ),
]
DaysQuery = Annotated[
    int,
    Query(
        ge=DAYS_BOUNDS[0],
        le=DAYS_BOUNDS[1],
        description="an event on the alert's day or up to this many days after can follow it",
    ),
]


# --- models ----------------------------------------------------------------------------------


class FiguresOut(BaseModel):
    """The response figures of a set of alerts (see ``definitions``). Rates are shares from 0
    to 1, times are hours; null when there is nothing to measure."""

    alerts: int = Field(description="alerts received (merged alerts left out)")
    requiring_response: int = Field(description="assessed as requiring a response by the cut-off")
    responded: int = Field(description="of which received a response by the cut-off")
    pending: int = Field(description="requiring a response, not responded to by the cut-off")
    response_rate: float | None = Field(description="responded ÷ requiring_response")
    decided: int
    decision_median_h: float | None
    decision_p90_h: float | None
    decision_late: int = Field(description="decided after the target, or undecided and past it")
    decision_within_target: float | None
    on_site: int
    on_site_median_h: float | None
    on_site_p90_h: float | None
    on_site_late: int
    on_site_within_target: float | None


class ResponseRowOut(FiguresOut):
    period: str | None = Field(description="e.g. 2018-06, 2018Q2, 2018 (null: the whole period)")
    period_start: dt.date | None = Field(description="the period's first day")
    breakdown: dict[str, str] = Field(
        description="the value of each breakdown column (`unknown` when not recorded)"
    )


class DefinitionOut(BaseModel):
    code: str
    label_en: str
    label_fr: str
    definition_en: str
    definition_fr: str


class TargetOut(BaseModel):
    measure: str
    priority: str
    hours: float


class PeriodOut(BaseModel):
    first_month: str = Field(description="YYYY-MM")
    last_month: str = Field(description="YYYY-MM")
    start: dt.datetime = Field(description="the period's first instant (UTC)")
    end: dt.datetime = Field(description="the instant after the period (UTC, exclusive)")


class ResponseOut(PeriodOut):
    """The response table of the alerts received in the period, as of the cut-off."""

    cutoff: dt.datetime = Field(
        description="steps count only if they had happened by then: the end of the period, or "
        "the time of the request when the period runs to today"
    )
    freq: Frequency
    by: list[str]
    rows: list[ResponseRowOut]
    totals: FiguresOut
    definitions: list[DefinitionOut]
    targets: list[TargetOut] = Field(description="hours allowed per measure and priority")


class ShareOut(BaseModel):
    vac_events: int
    warned: int = Field(description="VAC events preceded by an alert")
    coverage: float | None = Field(description="warned ÷ vac_events")


class MonthShareOut(ShareOut):
    month: str


class RegionShareOut(ShareOut):
    admin1_pcode: str
    name_fr: str
    name_en: str


class VacEventOut(BaseModel):
    event_id: int
    event_date: dt.date
    latitude: float | None
    longitude: float | None
    fatalities: int
    admin1_pcode: str | None
    admin2_pcode: str | None
    location: str | None
    warned: bool
    first_alert_id: int | None = Field(description="the earliest alert linked to it")
    lead_days: int | None = Field(description="days from that alert to the event (0: same day)")
    url: str


class AlertAfterOut(BaseModel):
    alert_id: int
    received_at: dt.datetime
    admin1_pcode: str | None
    admin2_pcode: str | None
    latitude: float
    longitude: float
    threat_type: str | None
    priority: str | None
    events_after: int = Field(description="events of any type linked to the alert")
    vac_after: int = Field(description="VAC events linked to the alert")
    vac_fatalities_after: int
    first_vac_days: int | None = Field(description="days to the first VAC event that followed")
    violence_followed: bool
    vac_event_ids: list[int]
    url: str


class CoverageOut(PeriodOut):
    """VAC events of the period and the alerts before them; alerts of the period and the
    violence after them."""

    radius_km: float
    days: int
    alerts_without_place: int = Field(description="alerts of the period without coordinates")
    summary: ShareOut
    by_month: list[MonthShareOut]
    by_region: list[RegionShareOut]
    events: list[VacEventOut]
    alerts: list[AlertAfterOut]
    definitions: list[DefinitionOut]


# --- the period ------------------------------------------------------------------------------


def unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _instant(month: pd.Period) -> dt.datetime:
    return month.start_time.to_pydatetime().replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Period:
    """Whole months, UTC, and the cut-off their figures are measured at."""

    first: pd.Period
    last: pd.Period
    start: dt.datetime
    end: dt.datetime  # exclusive
    cutoff: dt.datetime
    to_today: bool  # the period runs to now: measured as of now

    @classmethod
    def of(cls, first: pd.Period, last: pd.Period, now: dt.datetime) -> Period:
        start, end = _instant(first), _instant(last + 1)
        to_today = end > now
        cutoff = now if to_today else end - dt.timedelta(microseconds=1)
        return cls(first, last, start, end, cutoff, to_today)

    @property
    def months(self) -> int:
        return int((self.last - self.first).n) + 1

    def before(self, now: dt.datetime) -> Period:
        """The period of the same length just before this one."""
        return Period.of(self.first - self.months, self.first - 1, now)

    def out(self) -> dict[str, Any]:
        return {
            "first_month": str(self.first),
            "last_month": str(self.last),
            "start": self.start,
            "end": self.end,
        }


def alert_months(connection: Connection) -> tuple[pd.Period, pd.Period] | None:
    """The months of the oldest and newest alert received (None without alerts)."""
    first, last = connection.execute(
        select(func.min(alerts_table.c.received_at), func.max(alerts_table.c.received_at))
    ).one()
    if first is None or last is None:
        return None
    return _month_of(first), _month_of(last)


def _month_of(moment: Any) -> pd.Period:
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_period("M")


def parse_month_field(name: str, text: str | None) -> pd.Period | None:
    if not text:
        return None
    try:
        month = parse_month(text)
    except (MonthError, ValueError) as exc:
        raise unprocessable(f"{name}: {exc}") from None
    if month.year < FIRST_YEAR:
        raise unprocessable(f"{name}: {text} — expected {FIRST_YEAR} or later")
    return month


def choose_period(
    connection: Connection,
    first_text: str | None,
    last_text: str | None,
    now: dt.datetime,
    names: tuple[str, str] = ("from", "to"),
) -> Period:
    """The period asked (422 when it is not one); by default the twelve months up to the
    newest alert (or up to now when there is none)."""
    first, last = parse_month_field(names[0], first_text), parse_month_field(names[1], last_text)
    this_month = _month_of(now)
    if last is None:
        known = alert_months(connection)
        last = known[1] if known is not None else this_month
        if first is not None and first > last:
            last = max(first, this_month)
    if first is None:
        first = last - (DEFAULT_MONTHS - 1)
    return checked_period(first, last, now, names)


def checked_period(
    first: pd.Period, last: pd.Period, now: dt.datetime, names: tuple[str, str] = ("from", "to")
) -> Period:
    if last < first:
        raise unprocessable(f"{names[1]}: {last} is before {names[0]} {first}")
    if first > _month_of(now):
        raise unprocessable(f"{names[0]}: {first} is in the future")
    if first.year < FIRST_YEAR:
        raise unprocessable(f"{names[0]}: {first} — expected {FIRST_YEAR} or later")
    months = int((last - first).n) + 1
    if months > MAX_MONTHS:
        raise unprocessable(
            f"{names[0]}–{names[1]}: {months} months; expected at most {MAX_MONTHS}"
        )
    return Period.of(first, last, now)


def check_by(by: Sequence[str] | None) -> tuple[str, ...]:
    chosen = tuple(by or ())
    if len(chosen) > MAX_BREAKDOWNS:
        raise unprocessable(f"by: at most {MAX_BREAKDOWNS} breakdowns, not {len(chosen)}")
    if len(set(chosen)) != len(chosen):
        raise unprocessable("by: a breakdown is given twice")
    return chosen


# --- the response figures --------------------------------------------------------------------


def number(value: Any) -> float | None:
    """A float, or None for missing and not-a-number values."""
    if value is None or value is pd.NA:
        return None
    result = float(value)
    return None if math.isnan(result) or math.isinf(result) else result


def figures_out(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in TABLE_COLUMNS:
        value = values[column]
        out[column] = int(value) if column in COUNT_COLUMNS else number(value)
    return out


def response_table(
    connection: Connection, period: Period, by: Sequence[str], freq: Frequency
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The engine's response table and totals for the period, as of its cut-off."""
    return figures(
        connection, period.cutoff, by=tuple(by), freq=None if freq == "all" else freq,
        start=period.start,
    )  # fmt: skip


def period_text(value: Any) -> tuple[str | None, dt.date | None]:
    if isinstance(value, pd.Period):
        return str(value), value.start_time.date()
    return None, None


def response_rows(table: pd.DataFrame, by: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for record in table.to_dict("records"):
        period, start = period_text(record.get("period"))
        rows.append(
            {
                "period": period,
                "period_start": start,
                "breakdown": {key: str(record[key]) for key in by},
                **figures_out(record),
            }
        )
    return rows


def definitions_out(attrs: Mapping[str, Any]) -> list[DefinitionOut]:
    """The definitions a table was computed with (its ``attrs``), with the measures' labels."""
    terms = measures()
    english: Mapping[str, str] = attrs.get("definitions", {})
    french: Mapping[str, str] = attrs.get("definitions_fr", {})
    return [
        DefinitionOut(
            code=code,
            label_en=terms[code].label_en if code in terms else code,
            label_fr=terms[code].label_fr if code in terms else code,
            definition_en=text,
            definition_fr=french.get(code, text),
        )
        for code, text in english.items()
    ]


def targets_out(attrs: Mapping[str, Any]) -> list[TargetOut]:
    out = []
    for key, hours in attrs.get("targets", {}).items():
        measure, _, priority = str(key).partition(" ")
        out.append(TargetOut(measure=measure, priority=priority, hours=float(hours)))
    return out


def response_out(
    connection: Connection, period: Period, by: Sequence[str], freq: Frequency
) -> tuple[ResponseOut, pd.DataFrame]:
    table, totals = response_table(connection, period, by, freq)
    answer = ResponseOut(
        **period.out(),
        cutoff=period.cutoff,
        freq=freq,
        by=list(by),
        rows=[ResponseRowOut(**row) for row in response_rows(table, by)],
        totals=FiguresOut(**figures_out(totals)),
        definitions=definitions_out(table.attrs),
        targets=targets_out(table.attrs),
    )
    return answer, table


# --- labels (pages and CSV) ------------------------------------------------------------------


def value_label(
    dimension: str, code: str, language: Language, units: Mapping[str, tuple[str, str]]
) -> str:
    """The label of a breakdown value in ``language`` (``units``: P-code → (fr, en) names)."""
    if code in ("unknown", "", "<NA>"):
        return i18n.translate("alert_figures.value.unknown", language)
    if dimension in ("admin1_pcode", "admin2_pcode"):
        fr, en = units.get(code, (code, code))
        return fr if language == "fr" else en
    if dimension == "threat_type":
        found = threat_types().get(code)
        if found is not None:
            return found.label(language)
        if code == "other":
            return i18n.translate("alert_figures.value.other", language)
        return code
    if dimension in ("channel", "priority", "urgency"):
        return vocabulary_label(dimension, code, language)
    return code


def unit_names(request: Request, connection: Connection) -> dict[str, tuple[str, str]]:
    """P-code → (French, English) name of every stored region and cercle."""
    from sentinelle.web.api.threat import unit_info

    regions = unit_info(request, connection, "admin1")
    cercles = unit_info(request, connection, "admin2")
    return {code: (fr, en) for code, (fr, en, _) in (*regions.items(), *cercles.items())}


# --- CSV -------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # never read as a formula by a spreadsheet
    return value


def response_csv(
    answer: ResponseOut,
    language: Language,
    units: Mapping[str, tuple[str, str]],
) -> str:
    """The table as CSV: ``#`` comment lines (what, period, cut-off, each definition and target,
    in ``language``), then a header and a row per period and breakdown value. Text is quoted,
    so a ``#`` inside a value is never taken for a comment."""
    out = io.StringIO()
    lines = [
        i18n.translate("alert_figures.csv.title", language),
        i18n.translate(
            "alert_figures.csv.period",
            language,
            first=answer.first_month,
            last=answer.last_month,
            start=answer.start.isoformat(),
            end=answer.end.isoformat(),
        ),
        i18n.translate("alert_figures.csv.cutoff", language, cutoff=answer.cutoff.isoformat()),
    ]
    for definition in answer.definitions:
        name = definition.label_fr if language == "fr" else definition.label_en
        text = definition.definition_fr if language == "fr" else definition.definition_en
        lines.append(f"{definition.code} ({name}): {text}")
    for target in answer.targets:
        lines.append(
            i18n.translate(
                "alert_figures.csv.target",
                language,
                measure=target.measure,
                priority=target.priority,
                hours=f"{target.hours:g}",
            )
        )
    lines.append(i18n.translate("alert_figures.csv.units", language))
    for line in lines:
        out.write("# " + " ".join(line.split()) + "\n")
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    header = ["period", "period_start"]
    for key in answer.by:
        header += [key, f"{key}_label"]
    writer.writerow([*header, *TABLE_COLUMNS])
    for row in answer.rows:
        cells: list[Any] = [row.period, row.period_start.isoformat() if row.period_start else None]
        for key in answer.by:
            code = row.breakdown[key]
            cells += [code, value_label(key, code, language, units)]
        values = row.model_dump()
        cells += [values[c] for c in TABLE_COLUMNS]
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()


# --- warning coverage ------------------------------------------------------------------------


@dataclass
class CoverageData:
    """What the coverage page and API show, from :func:`sentinelle.alerts.figures.coverage`."""

    period: Period
    radius_km: float
    days: int
    alerts_without_place: int
    events: pd.DataFrame  # one row per VAC event of the period (warned, first alert, lead)
    alerts: pd.DataFrame  # one row per placed alert of the period (what followed) + its fields
    followed_by: dict[int, list[int]]  # alert id → ids of the VAC events that followed it
    by_month: pd.DataFrame
    by_region: pd.DataFrame
    overall: pd.DataFrame


def coverage_data(
    connection: Connection, period: Period, radius_km: float, days: int
) -> CoverageData:
    found = coverage(connection, period.start, period.end, radius_km, days)
    received = alerts_frame(connection, period.start, period.end)
    info = received.rename(columns={"id": "alert_id"})[
        ["alert_id", "received_at", "admin1_pcode", "admin2_pcode", "latitude", "longitude",
         "threat_type", "priority"]
    ]  # fmt: skip
    after = found.after.merge(info, on="alert_id", how="left")
    after = after.sort_values(["received_at", "alert_id"], ignore_index=True)
    followed_by: dict[int, list[int]] = {}
    if len(after):
        window = vac_events(
            connection,
            period.start - dt.timedelta(days=days),
            period.end + dt.timedelta(days=days),
        )
        vac = window[window["vac"]]
        pairs = links(received[received["id"].isin(after["alert_id"])], vac, radius_km, days)
        pairs = pairs.sort_values(["alert_id", "days_after", "event_id"])
        for alert_id, part in pairs.groupby("alert_id", sort=False):
            followed_by[int(alert_id)] = [int(e) for e in part["event_id"]]
    events = found.coverage.sort_values(["event_date", "event_id"], ignore_index=True)
    regions = events.copy()
    regions["admin1_pcode"] = regions["admin1_pcode"].astype("string").fillna("unknown")
    return CoverageData(
        period=period,
        radius_km=radius_km,
        days=days,
        alerts_without_place=found.alerts_without_place,
        events=events,
        alerts=after,
        followed_by=followed_by,
        by_month=coverage_summary(events, "month"),
        by_region=coverage_summary(regions, "admin1_pcode"),
        overall=coverage_summary(events, None),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _share(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "vac_events": int(row["vac_events"]),
        "warned": int(row["warned"]),
        "coverage": number(row["coverage"]),
    }


def event_records(events: pd.DataFrame) -> list[VacEventOut]:
    return [
        VacEventOut(
            event_id=int(r["event_id"]),
            event_date=pd.Timestamp(r["event_date"]).date(),
            latitude=number(r["latitude"]),
            longitude=number(r["longitude"]),
            fatalities=int(r["fatalities"]),
            admin1_pcode=_optional_text(r["admin1_pcode"]),
            admin2_pcode=_optional_text(r["admin2_pcode"]),
            location=_optional_text(r["location"]),
            warned=bool(r["warned"]),
            first_alert_id=_optional_int(r["first_alert_id"]),
            lead_days=_optional_int(r["lead_days"]),
            url=f"/events/{int(r['event_id'])}",
        )
        for r in events.to_dict("records")
    ]


def alert_records(data: CoverageData) -> list[AlertAfterOut]:
    out = []
    for r in data.alerts.to_dict("records"):
        alert_id = int(r["alert_id"])
        out.append(
            AlertAfterOut(
                alert_id=alert_id,
                received_at=pd.Timestamp(r["received_at"]).to_pydatetime(),
                admin1_pcode=_optional_text(r["admin1_pcode"]),
                admin2_pcode=_optional_text(r["admin2_pcode"]),
                latitude=float(r["latitude"]),
                longitude=float(r["longitude"]),
                threat_type=_optional_text(r["threat_type"]),
                priority=_optional_text(r["priority"]),
                events_after=int(r["events_after"]),
                vac_after=int(r["vac_after"]),
                vac_fatalities_after=int(r["vac_fatalities_after"]),
                first_vac_days=_optional_int(r["first_vac_days"]),
                violence_followed=bool(r["violence_followed"]),
                vac_event_ids=data.followed_by.get(alert_id, []),
                url=f"/alerts/{alert_id}",
            )
        )
    return out


def coverage_definitions(radius_km: float, days: int) -> list[DefinitionOut]:
    """What the coverage figures mean, with the radius and window used."""
    values = {"radius": f"{radius_km:g}", "days": days}
    return [
        DefinitionOut(
            code=code,
            label_en=i18n.translate(f"alert_figures.term.{code}", "en"),
            label_fr=i18n.translate(f"alert_figures.term.{code}", "fr"),
            definition_en=i18n.translate(f"alert_figures.definition.{code}", "en", **values),
            definition_fr=i18n.translate(f"alert_figures.definition.{code}", "fr", **values),
        )
        for code in COVERAGE_TERMS
    ]


def coverage_out(data: CoverageData, units: Mapping[str, tuple[str, str]]) -> CoverageOut:
    overall = data.overall.to_dict("records")[0]
    return CoverageOut(
        **data.period.out(),
        radius_km=data.radius_km,
        days=data.days,
        alerts_without_place=data.alerts_without_place,
        summary=ShareOut(**_share(overall)),
        by_month=[
            MonthShareOut(month=str(r["month"]), **_share(r))
            for r in data.by_month.to_dict("records")
        ],
        by_region=[
            RegionShareOut(
                admin1_pcode=str(r["admin1_pcode"]),
                name_fr=units.get(str(r["admin1_pcode"]), (str(r["admin1_pcode"]),) * 2)[0],
                name_en=units.get(str(r["admin1_pcode"]), (str(r["admin1_pcode"]),) * 2)[1],
                **_share(r),
            )
            for r in data.by_region.to_dict("records")
        ],
        events=event_records(data.events),
        alerts=alert_records(data),
        definitions=coverage_definitions(data.radius_km, data.days),
    )


# --- endpoints -------------------------------------------------------------------------------


@router.get("/response", response_model=ResponseOut)
def response_figures(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    first: FromQuery = None,
    to: ToQuery = None,
    by: ByQuery = None,
    freq: FreqQuery = "M",
) -> ResponseOut:
    """The response figures of the alerts received in the period (``from``–``to``, whole
    months), one row per period of ``freq`` and value of each ``by`` column, with the totals
    over the period, the definitions and targets used and the cut-off (the end of the period,
    or now when it runs to today). Rates are shares (0–1), times hours; null when there is
    nothing to measure."""
    chosen = check_by(by)
    with store_of(request).reading() as connection:
        period = choose_period(connection, first, to, utc_now())
        answer, _ = response_out(connection, period, chosen, freq)
    return answer


@router.get(
    "/response.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the table as CSV"}},
)
def response_figures_csv(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    first: FromQuery = None,
    to: ToQuery = None,
    by: ByQuery = None,
    freq: FreqQuery = "M",
) -> Response:
    """The table of ``GET /alert-figures/response`` as CSV. Lines starting with ``#`` come
    first and give the period, the cut-off, the definitions and the targets (in the request's
    language, ``?lang=fr|en``); read it with e.g. ``pandas.read_csv(path, comment="#")``.
    Each breakdown column is followed by its label."""
    chosen = check_by(by)
    with store_of(request).reading() as connection:
        period = choose_period(connection, first, to, utc_now())
        answer, _ = response_out(connection, period, chosen, freq)
        units = unit_names(request, connection) if chosen else {}
    text = response_csv(answer, principal.language, units)
    name = f"alert-response-{answer.first_month}-{answer.last_month}"
    if chosen:
        name += "-by-" + "-".join(c.replace("_pcode", "") for c in chosen)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{freq}.csv"'},
    )


@router.get("/coverage", response_model=CoverageOut)
def warning_coverage(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    first: FromQuery = None,
    to: ToQuery = None,
    radius_km: RadiusQuery = RADIUS_KM,
    days: DaysQuery = DAYS,
) -> CoverageOut:
    """The period's VAC events, each warned of by an alert (within ``radius_km`` and on the
    alert's day or up to ``days`` days after it) or not, with the earliest such alert and its
    lead; the share warned overall, by month and by region; and each alert of the period with
    coordinates, with the events that followed it (any, VAC, their fatalities, the first VAC
    event's delay)."""
    with store_of(request).reading() as connection:
        period = choose_period(connection, first, to, utc_now())
        data = coverage_data(connection, period, radius_km, days)
        units = unit_names(request, connection)
    return coverage_out(data, units)
