"""Surveys in the store: the file's facts (``surveys``), its variables with their labels, value
labels and missing codes (``survey_variables``), and one row of raw answers per respondent
(``survey_responses``). :func:`load_survey` gives back a
:class:`~sentinelle.domain.surveys.SurveyData` equal to the one that was saved.

Codes are stored as JSON: numbers as JSON numbers (floats), text as strings, blanks as ``null``;
value labels as ``[code, label]`` pairs so that a code keeps its type.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, insert, select

from sentinelle.domain.surveys import SurveyData, SurveyDesign
from sentinelle.store.schema import survey_responses, survey_variables, surveys

BATCH = 500
"""Respondents written per INSERT."""


@dataclass(frozen=True)
class SurveyRecord:
    id: int
    name: str
    round: str | None
    country: str | None
    fieldwork_start: dt.date | None
    fieldwork_end: dt.date | None
    source_file: str
    sha256: str
    format: str
    design: SurveyDesign
    respondents: int
    variables: int
    import_id: int
    created_at: dt.datetime


def _json_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | np.integer):
        return float(value)
    return str(value)


def _sort_key(code: object) -> tuple[int, float, str]:
    return (0, float(code), "") if isinstance(code, float) else (1, 0.0, str(code))


def _pairs(labels: dict[object, str]) -> list[list[object]]:
    return [[_json_value(code), text] for code, text in labels.items()]


def _unpairs(pairs: list[list[Any]]) -> dict[object, str]:
    return {code: str(text) for code, text in pairs}


def find_by_sha256(connection: Connection, sha256: str) -> SurveyRecord | None:
    row = connection.execute(select(surveys).where(surveys.c.sha256 == sha256)).first()
    return None if row is None else _record(connection, row)


def save_survey(
    connection: Connection,
    data: SurveyData,
    *,
    name: str,
    sha256: str,
    import_id: int,
    round: str | None = None,
    country: str | None = None,
    fieldwork: tuple[dt.date | None, dt.date | None] = (None, None),
    created_at: dt.datetime | None = None,
) -> int:
    """Write one survey (file facts, variables, respondents); its id."""
    result = connection.execute(
        insert(surveys).values(
            name=name,
            round=round,
            country=country,
            fieldwork_start=fieldwork[0],
            fieldwork_end=fieldwork[1],
            source_file=data.source,
            sha256=sha256,
            format=data.format,
            design=json.dumps(data.design.to_dict()),
            respondents=len(data.frame),
            import_id=import_id,
            created_at=created_at or dt.datetime.now(dt.UTC),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    survey_id = int(key[0])
    system = set(data.system)
    languages = sorted(set(data.translations) | set(data.value_translations))
    rows = []
    for position, variable in enumerate(data.variables):
        translations = {
            lang: {
                "label": data.translations.get(lang, {}).get(variable),
                "values": _pairs(data.value_translations.get(lang, {}).get(variable, {})),
            }
            for lang in languages
            if variable in data.translations.get(lang, {})
            or variable in data.value_translations.get(lang, {})
        }
        rows.append(
            {
                "survey_id": survey_id,
                "position": position,
                "name": variable,
                "label": data.labels.get(variable, ""),
                "kind": "number" if data.frame[variable].dtype.kind == "f" else "text",
                "system": variable in system,
                "value_labels": json.dumps(_pairs(data.value_labels.get(variable, {}))),
                "missing": json.dumps(
                    [
                        _json_value(c)
                        for c in sorted(data.missing.get(variable, frozenset()), key=_sort_key)
                    ]
                ),
                "translations": json.dumps(translations) if translations else None,
            }
        )
    if rows:
        connection.execute(insert(survey_variables), rows)
    columns = data.variables
    answers = []
    for respondent, values in enumerate(data.frame.itertuples(index=False, name=None)):
        answers.append(
            {
                "survey_id": survey_id,
                "respondent": respondent,
                "answers": json.dumps(
                    {c: _json_value(v) for c, v in zip(columns, values, strict=True)},
                    ensure_ascii=False,
                    allow_nan=False,
                ),
            }
        )
        if len(answers) >= BATCH:
            connection.execute(insert(survey_responses), answers)
            answers = []
    if answers:
        connection.execute(insert(survey_responses), answers)
    return survey_id


def _record(connection: Connection, row: Any) -> SurveyRecord:
    variables = connection.execute(
        select(func.count())
        .select_from(survey_variables)
        .where(survey_variables.c.survey_id == row.id)
    ).scalar_one()
    return SurveyRecord(
        id=row.id,
        name=row.name,
        round=row.round,
        country=row.country,
        fieldwork_start=row.fieldwork_start,
        fieldwork_end=row.fieldwork_end,
        source_file=row.source_file,
        sha256=row.sha256,
        format=row.format,
        design=SurveyDesign.from_dict(json.loads(row.design)),
        respondents=row.respondents,
        variables=int(variables),
        import_id=row.import_id,
        created_at=row.created_at,
    )


def list_surveys(connection: Connection) -> list[SurveyRecord]:
    """The stored surveys, oldest fieldwork first (then by id)."""
    rows = connection.execute(select(surveys).order_by(surveys.c.id))
    records = [_record(connection, r) for r in rows]
    return sorted(records, key=lambda r: (r.fieldwork_start or dt.date.max, r.id))


def load_survey(connection: Connection, survey_id: int) -> SurveyData:
    """The stored survey as the reader gave it. KeyError when there is no such survey."""
    row = connection.execute(select(surveys).where(surveys.c.id == survey_id)).first()
    if row is None:
        raise KeyError(f"no survey {survey_id}")
    variables = list(
        connection.execute(
            select(survey_variables)
            .where(survey_variables.c.survey_id == survey_id)
            .order_by(survey_variables.c.position)
        )
    )
    answers = [
        json.loads(a)
        for a in connection.execute(
            select(survey_responses.c.answers)
            .where(survey_responses.c.survey_id == survey_id)
            .order_by(survey_responses.c.respondent)
        ).scalars()
    ]
    columns: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[object, str]] = {}
    missing: dict[str, frozenset[object]] = {}
    translations: dict[str, dict[str, str]] = {}
    value_translations: dict[str, dict[str, dict[object, str]]] = {}
    system: list[str] = []
    for v in variables:
        values = [a.get(v.name) for a in answers]
        if v.kind == "number":
            columns[v.name] = pd.Series(
                [np.nan if x is None else x for x in values], dtype="float64"
            )
        else:
            columns[v.name] = pd.Series(values, dtype=object)
        labels[v.name] = v.label
        pairs = json.loads(v.value_labels)
        if pairs:
            value_labels[v.name] = _unpairs(pairs)
        codes = json.loads(v.missing)
        if codes:
            missing[v.name] = frozenset(codes)
        if v.system:
            system.append(v.name)
        for lang, entry in (json.loads(v.translations) if v.translations else {}).items():
            if entry.get("label") is not None:
                translations.setdefault(lang, {})[v.name] = entry["label"]
            if entry.get("values"):
                value_translations.setdefault(lang, {})[v.name] = _unpairs(entry["values"])
    frame = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(len(answers)))
    return SurveyData(
        frame=frame,
        labels=labels,
        value_labels=value_labels,
        missing=missing,
        source=row.source_file,
        format=row.format,
        design=SurveyDesign.from_dict(json.loads(row.design)),
        translations=translations,
        value_translations=value_translations,
        system=tuple(system),
    )
