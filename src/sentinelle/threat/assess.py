"""Assessing the threat: from the store's events to a matrix, and saved assessments that plans
and decisions can cite.

``assess`` computes the matrix for a month; ``save_assessment`` stores it as an immutable,
dated version (audited); ``annotate`` records an adviser's notes on a row as a new revision
(audited, before and after); ``load_assessment`` gives it back as it stood at any revision;
``compare`` sets two assessments side by side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, select

from sentinelle.accounts import now, record
from sentinelle.domain.months import parse_month
from sentinelle.domain.threat import responses
from sentinelle.geo.crosswalk import to_pre2016
from sentinelle.panel import load_panel
from sentinelle.store import assessments as assessment_store
from sentinelle.store import events as event_store
from sentinelle.store import forecasts as forecast_store
from sentinelle.store import places
from sentinelle.store.database import Store
from sentinelle.store.imports import data_version
from sentinelle.store.schema import assessments as assessments_table
from sentinelle.threat.actors import family_of
from sentinelle.threat.hotspots import emerging_hotspots
from sentinelle.threat.matrix import (
    FREQUENCY_SOURCE,
    MATRIX_COLUMNS,
    apply_forecast,
    classify_threats,
    matrix_over_time,
    threat_cube,
)
from sentinelle.threat.population import population_by_unit
from sentinelle.threat.trend import trend_summary
from sentinelle.threat.weights import load_weights

UnitKind = Literal["admin1", "admin2"]
EVENT_COLUMNS = (
    "event_date",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "inter1",
    "inter2",
    "geo_precision",
    "actor1",
    "actor2",
    "fatalities",
    "admin1_pcode",
    "admin2_pcode",
)


class AssessmentError(ValueError):
    """A request about assessments that cannot be done (unknown id, bad month, bad note)."""


def threat_events(
    connection: Connection, unit_kind: UnitKind = "admin2", sources: Iterable[str] | None = None
) -> pd.DataFrame:
    """The store's events that are threats to civilians (see :func:`threat_events_of`)."""
    frame = event_store.load_events(connection, columns=EVENT_COLUMNS, sources=sources)
    return threat_events_of(frame, unit_kind)


def threat_events_of(events: pd.DataFrame, unit_kind: UnitKind = "admin2") -> pd.DataFrame:
    """Events (with :data:`EVENT_COLUMNS`) that are threats to civilians, with ``month``,
    ``unit`` (pre-2016 geography, so that series run across the 2016 Ménaka split),
    ``actor_family`` (of the perpetrator: the first actor, or the second when the first is
    civilians) and ``threat_type``."""
    frame = events.copy()
    frame["threat_type"] = classify_threats(frame)
    frame = frame[frame["threat_type"].notna()].copy()
    perpetrator = frame["actor1"].where(
        pd.to_numeric(frame["inter1"]).fillna(-1) != 7, frame["actor2"]
    )
    frame["actor_family"] = family_of(perpetrator.astype("string"))
    column = "admin2_pcode" if unit_kind == "admin2" else "admin1_pcode"
    frame["unit"] = to_pre2016(frame[column].astype("string"))
    frame["month"] = frame["event_date"].dt.to_period("M")
    return frame[["month", "unit", "actor_family", "threat_type", "fatalities"]]


HOTSPOT_WINDOW = 24
"""Months over which an area's space-time hotspot pattern (of VAC events) is read."""


def hotspot_patterns(
    connection: Connection, unit_kind: UnitKind, month: pd.Period
) -> dict[str, str]:
    """Each area's space-time hotspot pattern of VAC events over the :data:`HOTSPOT_WINDOW`
    months ending with ``month`` (empty when the store has no polygons to say who neighbours
    whom, or too short a history)."""
    first = month - (HOTSPOT_WINDOW - 1)
    try:
        panel = load_panel(connection, unit_kind, first, month, geography="pre2016")
        units = list(panel["unit"].cat.categories)
        weights = load_weights(connection, unit_kind, units)
        found = emerging_hotspots(panel, weights, "vac_events", end=month)
    except ValueError:
        return {}
    return dict(zip(found["unit"].astype(str), found["pattern"].astype(str), strict=True))


@dataclass
class Assessment:
    """A computed (not yet saved) assessment."""

    as_of: pd.Period
    unit_kind: UnitKind
    matrix: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)
    data_version: str = ""


def forecast_probability(
    connection: Connection, unit_kind: UnitKind, month: pd.Period
) -> tuple[pd.Series, str, int | None]:
    """Per area, the probability of VAC in the month after ``month`` from the latest live
    forecast that learned from data up to ``month`` (its published model, first horizon), with
    a label of where it came from; empty when there is no such run."""
    run = forecast_store.latest_run(connection, "forecast", unit_kind, last_month=month)
    if run is None or not run.horizons:
        return pd.Series(dtype="float64"), FREQUENCY_SOURCE, None
    first = min(run.horizons)
    found = forecast_store.load_predictions(connection, run.id, model=run.primary, horizon=first)
    found = found[found["target_month"] == month + 1]
    probability = pd.Series(
        found["probability"].to_numpy(dtype=float), index=found["unit"].astype(str).to_numpy()
    ).dropna()
    return probability, f"forecast run {run.id} ({run.primary})", run.id


def _names(connection: Connection, unit_kind: UnitKind, language: str = "fr") -> dict[str, str]:
    return {u.pcode: u.name(language) for u in places.load_units(connection, unit_kind)}


def assess(
    connection: Connection,
    as_of: str | pd.Period,
    unit_kind: UnitKind = "admin2",
    sources: Iterable[str] | None = None,
) -> Assessment:
    """The threat matrix for the month ``as_of`` (``YYYY-MM``) from the store's events."""
    month = parse_month(as_of) if isinstance(as_of, str) else as_of
    events = threat_events(connection, unit_kind, sources)
    if events.empty:
        raise AssessmentError("the store holds no events that are threats to civilians")
    first = min(events["month"].min(), month)
    cube = threat_cube(events, first=first, last=month)
    population = population_by_unit(connection, unit_kind, geography="pre2016")
    whole = matrix_over_time(cube, population if len(population) else None, trend_summary)
    matrix = whole[whole["as_of"] == month].reset_index(drop=True)
    names = _names(connection, unit_kind)
    matrix.insert(2, "unit_name", matrix["unit"].map(names).fillna(matrix["unit"]))
    patterns = hotspot_patterns(connection, unit_kind, month)
    matrix["hotspot_class"] = matrix["unit"].map(patterns).astype("string")
    probability, source, run_id = forecast_probability(connection, unit_kind, month)
    matrix = apply_forecast(matrix, probability, source)
    parameters = {
        "as_of": str(month),
        "unit_kind": unit_kind,
        "sources": sorted(sources) if sources else "all",
        "recent_months": 3,
        "window_months": 12,
        "likelihood": "1 - exp(-events in the last 3 months / 3)"
        if run_id is None
        else f"VAC rows: {source}, shared out by the rows' VAC events over 12 months; "
        "other rows: 1 - exp(-events in the last 3 months / 3)",
        "forecast_run": run_id,
        "trend": "last 3 months against the 12 before, overdispersion-corrected binomial test",
        "hotspots": f"Gi* space-time pattern of VAC events over {HOTSPOT_WINDOW} months",
        "geography": "pre2016",
    }
    version = "|".join(str(v) for v in data_version(connection))
    return Assessment(month, unit_kind, matrix, parameters, version)


def save_assessment(
    store: Store, assessment: Assessment, actor: str, title: str | None = None
) -> int:
    """Store the assessment as an immutable version; returns its id (audited)."""
    with store.transaction() as connection:
        assessment_id = assessment_store.save(
            connection,
            assessment.as_of.start_time.date(),
            assessment.unit_kind,
            assessment.matrix,
            actor,
            now(),
            assessment.parameters,
            assessment.data_version,
            title,
        )
        record(
            connection,
            actor,
            "create",
            "assessment",
            assessment_id,
            after={
                "as_of": str(assessment.as_of),
                "unit_kind": assessment.unit_kind,
                "rows": len(assessment.matrix),
                "title": title,
            },
        )
    return assessment_id


def _check_note(values: dict[str, str | None]) -> dict[str, str | None]:
    unknown = set(values) - set(assessment_store.NOTE_FIELDS)
    if unknown:
        raise AssessmentError(f"unknown note field(s): {', '.join(sorted(unknown))}")
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
    tiers = clean.get("response_tiers")
    if tiers:
        chosen = [t.strip() for t in tiers.replace(",", "|").split("|") if t.strip()]
        bad = [t for t in chosen if t not in responses()["tier"]]
        if bad:
            raise AssessmentError(f"unknown response tier(s) {', '.join(bad)}; expected I, II, III")
        clean["response_tiers"] = "|".join(chosen)
    phase = clean.get("response_phase")
    if phase and phase not in responses()["phase"]:
        raise AssessmentError(
            f"unknown response phase {phase!r}; expected {', '.join(responses()['phase'])}"
        )
    for key, value in clean.items():
        if value is not None and len(value) > 4000:
            raise AssessmentError(f"{key}: at most 4,000 characters")
    return clean


def annotate(
    store: Store, assessment_id: int, row_id: int, values: dict[str, str | None], actor: str
) -> int:
    """Save an adviser's notes on one row as the assessment's next revision; returns it. The
    previous notes stay (revisions are never overwritten) and the change is audited."""
    clean = _check_note(values)
    with store.transaction() as connection:
        locked = connection.execute(
            select(assessments_table.c.id)
            .where(assessments_table.c.id == assessment_id)
            .with_for_update()
        ).first()
        if locked is None:
            raise AssessmentError(f"no assessment {assessment_id}")
        found = assessment_store.row(connection, assessment_id, row_id)
        if found is None:
            raise AssessmentError(f"assessment {assessment_id} has no row {row_id}")
        current = assessment_store.rows_at(connection, assessment_id)
        before_row = current[current["row_id"] == row_id].iloc[0]
        before = {k: _plain(before_row.get(k)) for k in assessment_store.NOTE_FIELDS}
        after = {**before, **clean}
        revision = assessment_store.add_note(connection, assessment_id, row_id, after, actor, now())
        record(
            connection,
            actor,
            "update",
            "assessment_row",
            f"{assessment_id}/{row_id}",
            before=before,
            after=after,
            detail=f"revision {revision}",
        )
    return revision


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value


@dataclass(frozen=True)
class StoredAssessment:
    record: assessment_store.AssessmentRecord
    revision: int
    rows: pd.DataFrame


def load_assessment(
    connection: Connection, assessment_id: int, revision: int | None = None
) -> StoredAssessment:
    found = assessment_store.get(connection, assessment_id)
    if found is None:
        raise AssessmentError(f"no assessment {assessment_id}")
    chosen = found.revision if revision is None else revision
    if not 0 <= chosen <= found.revision:
        raise AssessmentError(
            f"assessment {assessment_id} has revisions 0 to {found.revision}, not {revision}"
        )
    return StoredAssessment(
        found, chosen, assessment_store.rows_at(connection, assessment_id, chosen)
    )


def compare(connection: Connection, first_id: int, second_id: int) -> pd.DataFrame:
    """Two assessments side by side, one row per (area, family, threat type) in either, with
    ``change``: new, gone, higher, lower or same risk."""
    keys = ["unit", "actor_family", "threat_type"]
    kept = [*keys, "unit_name", "risk_score", "risk_level", "events_12m", "fatalities_12m",
            "trend"]  # fmt: skip
    first = load_assessment(connection, first_id).rows[kept]
    second = load_assessment(connection, second_id).rows[kept]
    both = first.merge(second, on=keys, how="outer", suffixes=("_before", "_after"))
    both["unit_name"] = both["unit_name_after"].fillna(both["unit_name_before"])
    before = both["risk_score_before"]
    after = both["risk_score_after"]
    both["change"] = "same"
    both.loc[before.isna(), "change"] = "new"
    both.loc[after.isna(), "change"] = "gone"
    both.loc[before.notna() & after.notna() & (after > before), "change"] = "higher"
    both.loc[before.notna() & after.notna() & (after < before), "change"] = "lower"
    order = {"new": 0, "higher": 1, "lower": 2, "gone": 3, "same": 4}
    both["_order"] = both["change"].map(order)
    return (
        both.sort_values(["_order", "risk_score_after"], ascending=[True, False])
        .drop(columns=["_order", "unit_name_before", "unit_name_after"])
        .reset_index(drop=True)
    )


__all__ = [
    "MATRIX_COLUMNS",
    "Assessment",
    "AssessmentError",
    "annotate",
    "assess",
    "compare",
    "load_assessment",
    "save_assessment",
    "threat_events",
]


def as_date(text: str) -> dt.date:
    return parse_month(text).start_time.date()
