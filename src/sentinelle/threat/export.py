"""Saved threat assessments as files and as plain records: the matrix at one revision with the
advisers' notes, what it is (citation, month, who computed it, parameters) and the definitions
of every class it uses.

* :func:`matrix_records` — the rows of a saved assessment at a revision as plain Python values
  (the web API and the files are written from these, so they always agree);
* :func:`about` and :func:`definitions` — the metadata and the definitions, in French or
  English;
* :func:`write_matrix` — CSV (the table: each row carries the assessment id, revision and
  month, so that a row cut out of the file stays citable) or XLSX (sheets ``matrix``, ``about``
  and ``definitions``);
* :func:`export_matrix` — a file for a user, recorded in the audit log;
* :func:`revision_log` — who saved which revision of an assessment, and when.

The trend classes and hotspot patterns are described here (:data:`TREND_TERMS`,
:data:`HOTSPOT_TERMS`) with French and English labels and meanings, for the files and the pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Connection

from sentinelle import __version__
from sentinelle.accounts import now, record
from sentinelle.domain.threat import responses, scale, threat_types
from sentinelle.domain.vocabulary import Language, Term
from sentinelle.geo.crosswalk import CHOICE_NOTE
from sentinelle.store import assessments as assessment_store
from sentinelle.store.database import Store
from sentinelle.threat.actors import actor_families
from sentinelle.threat.assess import StoredAssessment, load_assessment

MatrixFormat = Literal["csv", "xlsx"]
MATRIX_FORMATS: tuple[MatrixFormat, ...] = ("csv", "xlsx")
MEDIA_TYPES: dict[MatrixFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

ROW_FIELDS = (
    "row_id",
    *assessment_store.ROW_COLUMNS,
    *assessment_store.NOTE_FIELDS,
    "note_revision",
    "edited_by",
    "edited_at",
)
"""The fields of a matrix record, in file order (after the citation columns)."""
INTEGER_FIELDS = frozenset(
    {
        "row_id",
        "position",
        "events_3m",
        "events_12m",
        "fatalities_12m",
        "max_fatalities_12m",
        "likelihood_class",
        "severity_class",
        "risk_score",
        "note_revision",
    }
)
FLOAT_FIELDS = frozenset(
    {"monthly_rate", "likelihood", "severity_value", "trend_ratio", "trend_p", "population"}
)
CITATION_FIELDS = ("assessment_id", "revision", "as_of")
LABEL_FIELDS = ("actor_family_label", "threat_type_label", "risk_level_label")
FILE_FIELDS = (*CITATION_FIELDS, *ROW_FIELDS, *LABEL_FIELDS)
"""The columns of an exported matrix."""


@dataclass(frozen=True)
class DescribedTerm(Term):
    """A class with a label and a meaning in both languages."""

    meaning_en: str
    meaning_fr: str

    def meaning(self, language: Language = "en") -> str:
        return self.meaning_fr if language == "fr" else self.meaning_en


def _terms(*rows: tuple[str, str, str, str, str]) -> dict[str, DescribedTerm]:
    return {r[0]: DescribedTerm(*r) for r in rows}


TREND_TERMS = _terms(
    ("increasing", "increasing", "en hausse",
     "significantly more events in the last 3 months than in the 12 before (p < 0.05)",
     "nettement plus d'événements sur les 3 derniers mois que sur les 12 précédents (p < 0,05)"),
    ("stable", "stable", "stable",
     "no significant change between the last 3 months and the 12 before",
     "pas de changement significatif entre les 3 derniers mois et les 12 précédents"),
    ("decreasing", "decreasing", "en baisse",
     "significantly fewer events in the last 3 months than in the 12 before (p < 0.05)",
     "nettement moins d'événements sur les 3 derniers mois que sur les 12 précédents (p < 0,05)"),
    ("insufficient", "too few events", "trop peu d'événements",
     "fewer than 5 events in 15 months, or a history shorter than 15 months: no trend can be "
     "told; quiet months are not evidence of safety",
     "moins de 5 événements en 15 mois, ou un historique de moins de 15 mois : aucune tendance "
     "ne peut être établie ; des mois calmes ne prouvent pas la sécurité"),
)  # fmt: skip
"""The matrix's trend classes (``threat.trend``)."""

HOTSPOT_TERMS = _terms(
    ("new", "new", "nouveau",
     "a hot spot of violence against civilians this month, never before in the last 24 months",
     "point chaud de violence contre les civils ce mois-ci, jamais auparavant sur 24 mois"),
    ("consecutive", "consecutive", "consécutif",
     "a hot spot for an uninterrupted run of months up to now, not before that run",
     "point chaud pendant une suite ininterrompue de mois jusqu'à maintenant, pas avant"),
    ("intensifying", "intensifying", "qui s'intensifie",
     "a hot spot in at least 90% of the last 24 months, and clustering is getting stronger",
     "point chaud au moins 90 % des 24 derniers mois, et la concentration se renforce"),
    ("persistent", "persistent", "persistant",
     "a hot spot in at least 90% of the last 24 months, without a significant trend",
     "point chaud au moins 90 % des 24 derniers mois, sans tendance significative"),
    ("diminishing", "diminishing", "qui s'atténue",
     "a hot spot in at least 90% of the last 24 months, but clustering is weakening",
     "point chaud au moins 90 % des 24 derniers mois, mais la concentration s'affaiblit"),
    ("sporadic", "sporadic", "sporadique",
     "a hot spot now, and on and off before in the last 24 months",
     "point chaud maintenant, et par intermittence auparavant sur les 24 derniers mois"),
    ("oscillating", "oscillating", "oscillant",
     "a hot spot now, on and off before, and a cold spot at times in the last 24 months",
     "point chaud maintenant, par intermittence auparavant, et parfois point froid sur 24 mois"),
    ("historical", "historical", "historique",
     "not a hot spot now, but in at least 90% of the last 24 months",
     "pas un point chaud maintenant, mais au moins 90 % des 24 derniers mois"),
    ("none", "none", "aucun",
     "not a hot spot now (or never in the last 24 months): violence does not cluster here "
     "more than chance would have it",
     "pas un point chaud maintenant (ou jamais sur 24 mois) : la violence ne s'y concentre pas "
     "plus que le hasard ne le voudrait"),
)  # fmt: skip
"""The space-time hotspot patterns of VAC events (``threat.hotspots``; Getis-Ord Gi* with a
false-discovery-rate correction, over the 24 months up to the assessed month)."""


def term_label(terms: dict[str, Any], code: Any, language: Language) -> str:
    """The label of ``code`` in a vocabulary, or the code itself (empty when missing)."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return ""
    term = terms.get(str(code))
    return term.label(language) if term is not None else str(code)


def risk_terms() -> dict[str, Term]:
    return {c.code: c for c in scale("risk")}


def citation(assessment_id: int, revision: int) -> str:
    """How to cite an assessment at a revision."""
    return f"Sentinelle assessment #{assessment_id} rev. {revision}"


# --- records -------------------------------------------------------------------------------


def _plain(name: str, value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if name in INTEGER_FIELDS:
        return int(value)
    if name in FLOAT_FIELDS:
        number = float(value)
        return number if math.isfinite(number) else None
    if name == "edited_at":
        moment = pd.Timestamp(value).to_pydatetime()
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return str(value)


def matrix_records(stored: StoredAssessment) -> list[dict[str, Any]]:
    """The rows of a saved assessment at its revision, in saved order (highest risk first), as
    plain values: ints, floats (``None`` for a missing or infinite value — a trend ratio with an
    empty baseline), strings or ``None``; ``response_tiers`` as saved (``I|II``)."""
    return frame_records(stored.rows)


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records of :data:`ROW_FIELDS` from a matrix frame, saved (with row ids and notes) or
    just computed (those fields are then ``None``), as :func:`matrix_records` describes."""
    columns = {name: frame[name].tolist() if name in frame else [None] * len(frame)
               for name in ROW_FIELDS}  # fmt: skip
    return [
        {name: _plain(name, columns[name][i]) for name in ROW_FIELDS} for i in range(len(frame))
    ]


def file_records(stored: StoredAssessment, language: Language) -> list[dict[str, Any]]:
    """:func:`matrix_records` with the citation columns and the labels in ``language``."""
    base = {
        "assessment_id": stored.record.id,
        "revision": stored.revision,
        "as_of": f"{stored.record.as_of:%Y-%m}",
    }
    families, types, risks = actor_families(), threat_types(), risk_terms()
    out = []
    for row in matrix_records(stored):
        out.append(
            {
                **base,
                **row,
                "actor_family_label": term_label(families, row["actor_family"], language),
                "threat_type_label": term_label(types, row["threat_type"], language),
                "risk_level_label": term_label(risks, row["risk_level"], language),
            }
        )
    return out


# --- what the file is ------------------------------------------------------------------------


def about(
    stored: StoredAssessment, language: Language, generated_at: dt.datetime | None = None
) -> list[tuple[str, str]]:
    """What an exported matrix is, as (key, value) pairs."""
    found = stored.record
    moment = generated_at or now()
    pairs = [
        ("title", "Sentinelle threat assessment (PoC threat matrix)"),
        ("citation", citation(found.id, stored.revision)),
        ("assessment_id", str(found.id)),
        ("revision", str(stored.revision)),
        ("latest_revision", str(found.revision)),
        ("as_of", f"{found.as_of:%Y-%m}"),
        ("unit_kind", found.unit_kind),
        ("assessment_title", found.title or ""),
        ("computed_at", _utc(found.created_at).isoformat(timespec="seconds")),
        ("computed_by", found.created_by),
        ("rows", str(found.rows)),
        ("data_version", found.data_version),
        ("generated_at", _utc(moment).isoformat(timespec="seconds")),
        ("sentinelle_version", __version__),
        ("labels_language", language),
        ("geography", CHOICE_NOTE),
        (
            "notes",
            "motive, civilians_targeted, response_tiers (|-separated: I, II, III), "
            "response_phase and planned_response are the advisers' notes as they stood at this "
            "revision; note_revision, edited_by and edited_at say when each row's notes were "
            "last saved",
        ),
    ]
    pairs += [
        (f"parameter.{key}", value if isinstance(value, str) else json.dumps(value))
        for key, value in sorted(found.parameters.items())
    ]
    return pairs


@dataclass(frozen=True)
class Definition:
    """One class of a vocabulary the matrix uses, in both languages."""

    vocabulary: str
    code: str
    label_en: str
    label_fr: str
    meaning_en: str
    meaning_fr: str

    def label(self, language: Language) -> str:
        return self.label_fr if language == "fr" else self.label_en

    def meaning(self, language: Language) -> str:
        return self.meaning_fr if language == "fr" else self.meaning_en


def definitions() -> list[Definition]:
    """Every class the matrix uses: scales, threat types, actor families, trends, hotspot
    patterns, response tiers and phases."""
    found: list[Definition] = []
    for name in ("likelihood", "severity", "risk"):
        found += [
            Definition(name, c.code, c.label_en, c.label_fr, c.meaning_en, c.meaning_fr)
            for c in scale(name)
        ]
    for code, kind in threat_types().items():
        source = f"ACLED: {kind.event_type}" + (
            f" / {kind.sub_event_type}" if kind.sub_event_type else ""
        )
        condition = {"civilians": " (civilians targeted)", "populated": " (at a named place)"}
        condition_fr = {"civilians": " (civils visés)", "populated": " (en un lieu nommé)"}
        found.append(
            Definition(
                "threat_type",
                code,
                kind.label_en,
                kind.label_fr,
                source + condition.get(kind.condition, ""),
                source + condition_fr.get(kind.condition, ""),
            )
        )
    found += [
        Definition("actor_family", code, t.label_en, t.label_fr, "", "")
        for code, t in actor_families().items()
    ]
    for vocabulary, terms in (("trend", TREND_TERMS), ("hotspot_class", HOTSPOT_TERMS)):
        found += [
            Definition(vocabulary, code, t.label_en, t.label_fr, t.meaning_en, t.meaning_fr)
            for code, t in terms.items()
        ]
    for part in ("tier", "phase"):
        found += [
            Definition(f"response_{part}", code, t.label_en, t.label_fr, "", "")
            for code, t in responses()[part].items()
        ]
    return found


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --- files -----------------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _utc(value).isoformat()
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else value


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A spreadsheet cell: forbidden characters removed, text never read as a formula."""
    if isinstance(value, dt.datetime):
        return _utc(value).isoformat()
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def write_matrix(
    stored: StoredAssessment,
    fmt: MatrixFormat,
    language: Language = "fr",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The matrix as a CSV or XLSX file (see the module note)."""
    rows = file_records(stored, language)
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(FILE_FIELDS)
        for row in rows:
            writer.writerow([_csv_value(row[name]) for name in FILE_FIELDS])
        return text.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}; expected csv or xlsx")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("matrix")
    sheet.append(list(FILE_FIELDS))
    for row in rows:
        sheet.append([_cell(sheet, row[name]) for name in FILE_FIELDS])
    info = book.create_sheet("about")
    info.append(["key", "value"])
    for key, value in about(stored, language, generated_at):
        info.append([key, _cell(info, value)])
    terms = book.create_sheet("definitions")
    terms.append(["vocabulary", "code", "label", "meaning"])
    for entry in definitions():
        values = (entry.vocabulary, entry.code, entry.label(language), entry.meaning(language))
        terms.append([_cell(terms, v) for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class MatrixExport:
    """An exported matrix: its bytes and what to call them."""

    content: bytes
    file_name: str
    media_type: str
    rows: int
    citation: str


def file_name(stored: StoredAssessment, fmt: MatrixFormat) -> str:
    """``sentinelle-assessment-12-rev3_2018-12_admin2.csv``."""
    found = stored.record
    return (
        f"sentinelle-assessment-{found.id}-rev{stored.revision}_{found.as_of:%Y-%m}_"
        f"{found.unit_kind}.{fmt}"
    )


def export_matrix(
    store: Store,
    actor: str,
    assessment_id: int,
    revision: int | None,
    fmt: MatrixFormat,
    language: Language = "fr",
) -> MatrixExport:
    """The matrix of an assessment at a revision (default: the latest) as a file; the export is
    recorded in the audit log. Raises ``AssessmentError`` for an unknown id or revision."""
    with store.reading() as connection:
        stored = load_assessment(connection, assessment_id, revision)
    moment = now()
    content = write_matrix(stored, fmt, language, moment)
    name = file_name(stored, fmt)
    with store.transaction() as connection:
        record(
            connection,
            actor,
            "export",
            "assessment",
            assessment_id,
            detail=json.dumps(
                {
                    "format": fmt,
                    "revision": stored.revision,
                    "rows": len(stored.rows),
                    "file_name": name,
                    "personal_data": False,
                },
                sort_keys=True,
            ),
        )
    return MatrixExport(
        content, name, MEDIA_TYPES[fmt], len(stored.rows), citation(assessment_id, stored.revision)
    )


# --- revisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionEntry:
    """One revision of an assessment: 0 is the saved computation, each later one a row's notes."""

    revision: int
    row_id: int | None
    by: str
    at: dt.datetime


def revision_log(connection: Connection, assessment_id: int) -> list[RevisionEntry]:
    """Every revision of an assessment, oldest first (revision 0: when it was saved, by whom).
    Empty for an unknown assessment."""
    found = assessment_store.get(connection, assessment_id)
    if found is None:
        return []
    entries = [RevisionEntry(0, None, found.created_by, _utc(found.created_at))]
    entries += [
        RevisionEntry(revision, row_id, editor, _utc(at))
        for revision, row_id, editor, at in assessment_store.revisions(connection, assessment_id)
    ]
    return entries
