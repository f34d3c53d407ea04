"""Importing a survey file (``sentinelle survey import FILE [--form XLSFORM]``).

An SPSS ``.sav`` file or a Kobo/ODK export (with its XLSForm) is read
(:mod:`sentinelle.readers.surveys`) and stored (:mod:`sentinelle.store.surveys`) with an import
log entry (kind ``survey``, with the answers that were blanked as rejected rows) and an audit
entry, in one transaction. A file already imported (same SHA-256) or one that cannot be read is
refused: only a failed import and its audit entry are written, no survey.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from sentinelle.domain.surveys import SurveyData
from sentinelle.readers.files import sha256
from sentinelle.readers.problems import FileRejected, Problem, ProblemLog
from sentinelle.readers.surveys import read_survey
from sentinelle.store import imports
from sentinelle.store.database import Store
from sentinelle.store.surveys import SurveyRecord, find_by_sha256, list_surveys, save_survey

KIND = "survey"
"""The import log's kind for survey files."""
DATE_VARIABLES = re.compile(r"^(dateintr|today|start|_submission_time|date_interview)$", re.I)
DATE_LABELS = re.compile(r"date (of|de l'|de la) ?(interview|entretien|enquête)", re.I)
ROUND = re.compile(r"(?:round|r)[ _-]?(\d+)", re.I)


@dataclass
class SurveyImport:
    """What happened to one survey file."""

    file: str
    import_id: int
    survey_id: int
    name: str
    round: str | None
    format: str
    respondents: int
    variables: int
    weight: str | None
    fieldwork: tuple[dt.date | None, dt.date | None]
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        return {
            "file": self.file,
            "survey_id": self.survey_id,
            "name": self.name,
            "round": self.round,
            "format": self.format,
            "respondents": self.respondents,
            "variables": self.variables,
            "weight": self.weight,
            "rejected_values": len(self.problems),
            "fieldwork_start": None if self.fieldwork[0] is None else self.fieldwork[0].isoformat(),
            "fieldwork_end": None if self.fieldwork[1] is None else self.fieldwork[1].isoformat(),
        }


def fieldwork_dates(data: SurveyData) -> tuple[dt.date | None, dt.date | None]:
    """The first and last interview dates, from the interview-date variable when there is one
    (SPSS ``DATEINTR``, Kobo ``today``/``start``/``_submission_time``)."""
    candidates = [v for v in data.variables if DATE_VARIABLES.match(v)]
    candidates += [v for v in data.variables if DATE_LABELS.search(data.labels.get(v, ""))]
    for variable in candidates:
        days = []
        for value in data.frame[variable]:
            if isinstance(value, str) and len(value) >= 10:
                try:
                    days.append(dt.date.fromisoformat(value[:10]))
                except ValueError:
                    continue
        if days:
            return min(days), max(days)
    return None, None


def _refuse(store: Store, actor: str, path: Path, reason: str) -> FileRejected:
    with store.transaction() as connection:
        import_id = imports.record_failed_import(connection, KIND, str(path), reason)
        imports.audit_import(
            connection,
            actor,
            import_id,
            {"kind": KIND, "file": str(path), "status": "failed"},
            f"survey file refused: {reason}",
        )
    return FileRejected(path, reason)


def import_survey(
    store: Store,
    path: str | Path,
    xlsform: str | Path | None = None,
    name: str | None = None,
    round: str | None = None,
    country: str | None = None,
    *,
    actor: str = "system",
) -> SurveyImport:
    """Read a survey file and store it (see the module). Raises :class:`FileRejected` (after
    logging the failed import) when the file cannot be used or was already imported."""
    path = Path(path)
    problems = ProblemLog()
    try:
        digest = sha256(path) if path.is_file() else ""
        data = read_survey(path, xlsform, problems)
    except FileRejected as exc:
        raise _refuse(store, actor, path, exc.reason) from None
    with store.reading() as connection:
        earlier = find_by_sha256(connection, digest)
    if earlier is not None:
        raise _refuse(
            store,
            actor,
            path,
            f"this file was already imported as survey {earlier.id} ({earlier.name!r}, "
            f"import {earlier.import_id}, {earlier.created_at:%Y-%m-%d %H:%M} UTC); "
            "the same file is not imported twice",
        )
    if round is None:
        found = ROUND.search(path.stem)
        round = found.group(1) if found else None
    name = name or path.stem
    try:
        result = _store(store, path, data, problems, digest, name, round, country, actor)
    except IntegrityError:  # the same file imported at the same moment by someone else
        raise _refuse(store, actor, path, "this file was already imported") from None
    return result


def _store(
    store: Store,
    path: Path,
    data: SurveyData,
    problems: ProblemLog,
    digest: str,
    name: str,
    round: str | None,
    country: str | None,
    actor: str,
) -> SurveyImport:
    fieldwork = fieldwork_dates(data)
    with store.transaction() as connection:
        import_id = imports.start_import(
            connection, KIND, str(path), digest, vintage=None if round is None else f"round {round}"
        )
        survey_id = save_survey(
            connection,
            data,
            name=name,
            sha256=digest,
            import_id=import_id,
            round=round,
            country=country,
            fieldwork=fieldwork,
        )
        imports.save_problems(connection, import_id, list(problems))
        result = SurveyImport(
            file=str(path),
            import_id=import_id,
            survey_id=survey_id,
            name=name,
            round=round,
            format=data.format,
            respondents=len(data.frame),
            variables=len(data.variables),
            weight=data.design.weight,
            fieldwork=fieldwork,
            problems=list(problems),
        )
        counts = result.counts()
        imports.finish_import(connection, import_id, counts)
        imports.audit_import(
            connection,
            actor,
            import_id,
            {"kind": KIND, "status": "done", **counts},
            f"survey {name!r} imported from {path.name} ({len(data.frame)} respondents)",
        )
    return result


def stored_surveys(store: Store) -> list[SurveyRecord]:
    """The stored surveys, oldest fieldwork first."""
    with store.reading() as connection:
        return list_surveys(connection)
