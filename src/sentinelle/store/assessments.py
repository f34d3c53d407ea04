"""Threat assessments in the store: immutable, dated snapshots of the threat matrix, and the
adviser's notes on their rows, kept as numbered revisions (never overwritten).

An assessment is cited as (id, revision): the rows as computed, with each row's notes as they
stood at that revision. Saving an assessment is revision 0; every note saved adds 1.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select

from sentinelle.store.bulk import bulk_insert
from sentinelle.store.schema import assessment_notes, assessment_rows, assessments

ROW_COLUMNS = (
    "position",
    "unit",
    "unit_name",
    "actor_family",
    "threat_type",
    "events_3m",
    "events_12m",
    "fatalities_12m",
    "max_fatalities_12m",
    "monthly_rate",
    "likelihood",
    "likelihood_class",
    "severity_value",
    "severity_class",
    "risk_score",
    "risk_level",
    "trend",
    "trend_ratio",
    "trend_p",
    "population",
    "hotspot_class",
    "likelihood_source",
)
NOTE_FIELDS = (
    "motive",
    "civilians_targeted",
    "response_tiers",
    "response_phase",
    "planned_response",
)


@dataclass(frozen=True)
class AssessmentRecord:
    id: int
    as_of: dt.date
    unit_kind: str
    title: str | None
    created_at: dt.datetime
    created_by: str
    parameters: dict[str, Any]
    data_version: str
    rows: int
    revision: int  # the latest revision (number of notes saved)


def _record(row: Any, revision: int) -> AssessmentRecord:
    return AssessmentRecord(
        id=row.id,
        as_of=row.as_of,
        unit_kind=row.unit_kind,
        title=row.title,
        created_at=row.created_at,
        created_by=row.created_by,
        parameters=json.loads(row.parameters) if row.parameters else {},
        data_version=row.data_version,
        rows=row.rows,
        revision=revision,
    )


def save(
    connection: Connection,
    as_of: dt.date,
    unit_kind: str,
    matrix: pd.DataFrame,
    created_by: str,
    created_at: dt.datetime,
    parameters: dict[str, Any],
    data_version: str,
    title: str | None = None,
) -> int:
    """Store a computed matrix (columns :data:`ROW_COLUMNS` but ``position``) as a new
    assessment; returns its id."""
    result = connection.execute(
        insert(assessments).values(
            as_of=as_of,
            unit_kind=unit_kind,
            title=title,
            created_at=created_at,
            created_by=created_by,
            parameters=json.dumps(parameters, sort_keys=True, default=str),
            data_version=data_version,
            rows=len(matrix),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    assessment_id = int(key[0])
    rows = matrix.reset_index(drop=True).copy()
    rows["position"] = range(1, len(rows) + 1)
    frame = pd.DataFrame({"assessment_id": assessment_id}, index=rows.index)
    for column in ROW_COLUMNS:
        values = rows[column] if column in rows.columns else pd.Series(pd.NA, index=rows.index)
        frame[column] = values.astype(object).where(values.notna(), None)
    bulk_insert(connection, assessment_rows, frame)
    return assessment_id


def latest_revision(connection: Connection, assessment_id: int) -> int:
    found = connection.execute(
        select(func.max(assessment_notes.c.revision)).where(
            assessment_notes.c.assessment_id == assessment_id
        )
    ).scalar()
    return int(found or 0)


def get(connection: Connection, assessment_id: int) -> AssessmentRecord | None:
    row = connection.execute(select(assessments).where(assessments.c.id == assessment_id)).first()
    if row is None:
        return None
    return _record(row, latest_revision(connection, assessment_id))


def list_all(connection: Connection, limit: int = 100) -> list[AssessmentRecord]:
    revisions = dict(
        connection.execute(
            select(
                assessment_notes.c.assessment_id, func.max(assessment_notes.c.revision)
            ).group_by(assessment_notes.c.assessment_id)
        ).all()
    )
    rows = connection.execute(
        select(assessments)
        .order_by(assessments.c.as_of.desc(), assessments.c.id.desc())
        .limit(limit)
    )
    return [_record(r, int(revisions.get(r.id, 0))) for r in rows]


def rows_at(
    connection: Connection, assessment_id: int, revision: int | None = None
) -> pd.DataFrame:
    """The assessment's rows (in saved order, with ``row_id``) and each row's notes as they
    stood at ``revision`` (default: the latest)."""
    frame = pd.read_sql(
        select(assessment_rows)
        .where(assessment_rows.c.assessment_id == assessment_id)
        .order_by(assessment_rows.c.position),
        connection,
    ).rename(columns={"id": "row_id"})
    notes_query = select(assessment_notes).where(assessment_notes.c.assessment_id == assessment_id)
    if revision is not None:
        notes_query = notes_query.where(assessment_notes.c.revision <= revision)
    notes = pd.read_sql(notes_query.order_by(assessment_notes.c.revision), connection)
    latest = notes.drop_duplicates("row_id", keep="last")
    columns = ["row_id", *NOTE_FIELDS, "revision", "edited_by", "edited_at"]
    merged = frame.merge(latest[columns], on="row_id", how="left")
    return merged.rename(columns={"revision": "note_revision"})


def add_note(
    connection: Connection,
    assessment_id: int,
    row_id: int,
    values: dict[str, str | None],
    edited_by: str,
    edited_at: dt.datetime,
) -> int:
    """Save a new version of a row's notes; returns the assessment's new revision."""
    revision = latest_revision(connection, assessment_id) + 1
    connection.execute(
        insert(assessment_notes).values(
            assessment_id=assessment_id,
            row_id=row_id,
            revision=revision,
            edited_by=edited_by,
            edited_at=edited_at,
            **{k: values.get(k) for k in NOTE_FIELDS},
        )
    )
    return revision


def row(connection: Connection, assessment_id: int, row_id: int) -> dict[str, Any] | None:
    found = connection.execute(
        select(assessment_rows).where(
            (assessment_rows.c.id == row_id) & (assessment_rows.c.assessment_id == assessment_id)
        )
    ).first()
    return dict(found._mapping) if found else None


def revisions(
    connection: Connection, assessment_id: int
) -> list[tuple[int, int, str, dt.datetime]]:
    """(revision, row id, edited by, edited at) of every saved note, oldest first."""
    rows = connection.execute(
        select(
            assessment_notes.c.revision,
            assessment_notes.c.row_id,
            assessment_notes.c.edited_by,
            assessment_notes.c.edited_at,
        )
        .where(assessment_notes.c.assessment_id == assessment_id)
        .order_by(assessment_notes.c.revision)
    )
    return [(int(r.revision), int(r.row_id), r.edited_by, r.edited_at) for r in rows]
