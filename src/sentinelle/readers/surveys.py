"""Survey microdata: SPSS ``.sav`` files (Afrobarometer) and KoboToolbox / ODK exports.

Both give a :class:`~sentinelle.domain.surveys.SurveyData` (one row per respondent, raw codes,
labels, value labels, missing codes recognised per file, design variables).

**SPSS** (:func:`read_spss`, with pyreadstat): variable labels and value labels are kept; the
user-missing values and ranges a variable declares are its missing codes (the codes stay in the
frame); a variable without such a declaration gets the codes whose value label says missing,
don't know, refused, not applicable or not asked (``domain/data/survey_missing_labels.csv``). A
file whose text is not in the encoding it declares is read again as Windows-1252, then Latin-1.
Date variables become ISO strings (``2014-12-05``).

**Kobo / ODK** (:func:`read_kobo`): a data export in CSV (comma or semicolon, UTF-8 or
Windows-1252) or XLSX (first sheet), optionally with the XLSForm it was collected with (sheets
``survey`` and ``choices``, optional ``settings``). With the form:

* each export column is matched to a question by its group path (``group/question``) or its name;
  ``question/choice`` columns are the one-per-choice columns of a ``select_multiple``;
* question labels come from the form's default language (``settings.default_language``, else a
  plain ``label`` column, else French, else English); other languages go to ``translations``;
* ``select_one list`` / ``select_multiple list`` get their list's choices as value labels; codes
  are numbers when every choice name of the list is a number;
* an answer that is not a choice of its list (or a number that does not parse for an ``integer``
  or ``decimal`` question) is blanked and reported as a :class:`Problem` (file, row, column, value,
  expected); the respondent is kept;
* Kobo's system columns (``_id``, ``_uuid``, ``_submission_time``, ``_index``, ``_validation_
  status``, ``meta/instanceID``, ``start``, ``end``, ``today``, ``deviceid``…) are kept and listed
  in ``system``;
* a column that matches no question and is not a system column, a question without a column, a
  form without a ``survey`` sheet or ``name``/``type`` columns, a select referring to a list absent
  from ``choices``, or two questions with the same name refuse the file (:class:`FileRejected`).

Without the form the columns are kept as exported (numbers where every value is a number), with no
labels.

**Design variables** are found by name, then by label (numeric variables without value labels):

* weight: names like ``withinwt``, ``Combinwt``, ``wt``, ``weight``, ``wgt``, ``poids``,
  ``ponderation``; labels mentioning "weight", "weighting" or "pondération". The within-country
  weight is preferred over a combined (cross-country) one;
* strata: names ``strata``, ``stratum``, ``strate`` (optionally with a suffix); labels starting
  with stratum/strata/strate;
* cluster: names ``psu``, ``cluster``, ``grappe``, ``ea``, ``eanumb``, ``ea_number``, ``ea_code``;
  labels starting with cluster, PSU, primary sampling unit, enumeration area, grappe, unité
  primaire.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentinelle.domain.surveys import SurveyData, SurveyDesign, missing_codes
from sentinelle.readers.problems import FileRejected, ProblemLog

# ---------------------------------------------------------------------------------------------
# design variables

WEIGHT_NAME = re.compile(
    r"(within|combin|comb|final|design|survey|samp|hh|ind|pers)?_?"
    r"(wt|wgt|weight|weights|poids|pond|ponderation)(_?[a-z0-9]*)?",
    re.IGNORECASE,
)
WEIGHT_LABEL = re.compile(r"\b(weight|weighting|pondération|ponderation|poids de sondage)\b", re.I)
STRATA_NAME = re.compile(r"(strata|stratum|strate|strat)(_?[a-z0-9]*)?", re.IGNORECASE)
STRATA_LABEL = re.compile(r"^(stratum|strata|strate)\b", re.IGNORECASE)
CLUSTER_NAME = re.compile(
    r"psu|cluster|clust|grappe|ea|eanumb|ea_?num(ber)?|ea_?code|ea_?id", re.IGNORECASE
)
CLUSTER_LABEL = re.compile(
    r"^(cluster|psu|primary sampling unit|enumeration area|grappe|unité primaire)\b",
    re.IGNORECASE,
)


def _first(names: Iterable[str]) -> str | None:
    return next(iter(names), None)


def detect_design(
    frame: pd.DataFrame, labels: dict[str, str], value_labels: dict[str, dict[object, str]]
) -> SurveyDesign:
    """The weight, strata and cluster variables, by name then by label (see the module)."""
    numeric = [
        str(c)
        for c in frame.columns
        if frame[c].dtype.kind in "fi" and not value_labels.get(str(c))
    ]
    weights = [c for c in numeric if WEIGHT_NAME.fullmatch(c)]
    weights += [c for c in numeric if c not in weights and WEIGHT_LABEL.search(labels.get(c, ""))]

    def rank(name: str) -> int:
        text = f"{name} {labels.get(name, '')}".lower()
        if "within" in text:
            return 0
        if "comb" in text or "cross" in text or "pooled" in text:
            return 2
        return 1

    weight = min(weights, key=lambda c: (rank(c), weights.index(c))) if weights else None
    columns = [str(c) for c in frame.columns]
    strata = _first(c for c in columns if STRATA_NAME.fullmatch(c)) or _first(
        c for c in columns if STRATA_LABEL.search(labels.get(c, ""))
    )
    cluster = _first(c for c in columns if CLUSTER_NAME.fullmatch(c)) or _first(
        c for c in columns if CLUSTER_LABEL.search(labels.get(c, ""))
    )
    return SurveyDesign(weight=weight, strata=strata, cluster=cluster, weights=tuple(weights))


# ---------------------------------------------------------------------------------------------
# SPSS

SPSS_ENCODINGS = ("WINDOWS-1252", "LATIN1")
"""Encodings tried, in order, when a file's text does not decode in the encoding it declares."""
_DATE_FORMATS = re.compile(r"^(DATE|ADATE|EDATE|SDATE|JDATE|DATETIME|YMDHMS|MOYR|QYR|WKYR)")


def _read_sav(path: Path, encoding: str | None) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    kwargs: dict[str, Any] = {"user_missing": True, "dates_as_pandas_datetime": False}
    if encoding:
        kwargs["encoding"] = encoding
    return pyreadstat.read_sav(str(path), **kwargs)


def _iso(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    return str(value)


def _number(value: object) -> object:
    """A code as Sentinelle keeps it: floats for numbers, text otherwise."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return value


def read_spss(path: str | Path) -> SurveyData:
    """Read an SPSS ``.sav`` file (see the module). :class:`FileRejected` when it is not one."""
    path = Path(path)
    if not path.exists():
        raise FileRejected(path, "no such file")
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic not in (b"$FL2", b"$FL3"):
        raise FileRejected(path, "is not an SPSS .sav file (it does not start with $FL2/$FL3)")
    errors: list[str] = []
    for encoding in (None, *SPSS_ENCODINGS):
        try:
            frame, meta = _read_sav(path, encoding)
            break
        except Exception as exc:  # pyreadstat raises its own errors and UnicodeDecodeError
            errors.append(f"{encoding or 'declared encoding'}: {exc}")
    else:
        raise FileRejected(path, "cannot read the SPSS file (" + "; ".join(errors) + ")")

    labels = {str(c): str(meta.column_names_to_labels.get(c) or "") for c in meta.column_names}
    value_labels: dict[str, dict[object, str]] = {
        str(var): {_number(code): str(text) for code, text in codes.items()}
        for var, codes in meta.variable_value_labels.items()
        if codes
    }
    for column in frame.columns:
        kind = str(meta.original_variable_types.get(column, ""))
        if meta.readstat_variable_types.get(column) == "string":
            frame[column] = frame[column].astype(object)
        elif _DATE_FORMATS.match(kind.upper()) or frame[column].dtype == object:
            frame[column] = pd.Series(
                [_iso(v) for v in frame[column]], index=frame.index, dtype=object
            )
        else:
            frame[column] = frame[column].astype("float64")

    declared_values: dict[str, list[object]] = {
        str(k): [_number(v) for v in vs] for k, vs in (meta.missing_user_values or {}).items()
    }
    declared_ranges: dict[str, list[dict[str, Any]]] = {
        str(k): list(vs) for k, vs in (meta.missing_ranges or {}).items()
    }
    missing: dict[str, frozenset[object]] = {}
    for var in map(str, frame.columns):
        codes: set[object] = set()
        if var in declared_values or var in declared_ranges:
            codes.update(declared_values.get(var, []))
            candidates = set(value_labels.get(var, {})) | set(frame[var].dropna().unique())
            for r in declared_ranges.get(var, []):
                low, high = _number(r["lo"]), _number(r["hi"])
                if isinstance(low, float) and isinstance(high, float):
                    codes.update(c for c in candidates if isinstance(c, float) and low <= c <= high)
                else:
                    codes.update(c for c in (low, high))
        else:
            codes.update(missing_codes(value_labels.get(var, {})))
        if codes:
            missing[var] = frozenset(codes)
    frame = frame.reset_index(drop=True)
    return SurveyData(
        frame=frame,
        labels=labels,
        value_labels=value_labels,
        missing=missing,
        source=path.name,
        format="spss",
        design=detect_design(frame, labels, value_labels),
    )


# ---------------------------------------------------------------------------------------------
# Kobo / ODK

SYSTEM_COLUMNS = {
    "_id": "Submission id",
    "_uuid": "Submission UUID",
    "_submission_time": "Submission time",
    "_index": "Row index",
    "_parent_index": "Parent row index",
    "_parent_table_name": "Parent table",
    "_validation_status": "Validation status",
    "_notes": "Notes",
    "_status": "Status",
    "_submitted_by": "Submitted by",
    "_tags": "Tags",
    "_version_": "Form version",
    "__version__": "Form version",
    "_xform_id_string": "Form id",
    "_attachments": "Attachments",
    "_geolocation": "Geolocation",
    "_media_count": "Media count",
    "_total_media": "Total media",
    "_media_all_received": "All media received",
    "start": "Interview start",
    "end": "Interview end",
    "today": "Day of the interview",
    "deviceid": "Device id",
    "subscriberid": "Subscriber id",
    "simserial": "SIM serial",
    "phonenumber": "Phone number",
    "username": "Enumerator user name",
    "email": "Enumerator e-mail",
    "audit": "Audit log",
    "instanceid": "Instance id",
    "instancename": "Instance name",
    "deprecatedid": "Deprecated id",
    "uuid": "Form UUID",
}
"""Columns KoboToolbox / ODK add to an export (names or last path segment, case-insensitive;
any other column whose name starts with ``_`` is a system column too)."""
METADATA_TYPES = frozenset(
    (
        *("start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber"),
        *("username", "email", "audit", "start-geopoint", "background-audio"),
    )
)
"""XLSForm question types that record facts of the interview rather than answers."""
NO_COLUMN_TYPES = frozenset(("note", "end group", "end_group", "end repeat", "end_repeat"))
NUMERIC_TYPES = frozenset(("integer", "decimal", "range"))


def is_system_column(header: str) -> bool:
    last = header.rsplit("/", 1)[-1]
    return last.startswith("_") or last.lower() in SYSTEM_COLUMNS or header.startswith("meta/")


@dataclass
class Question:
    name: str
    type: str  # the base type: select_one, select_multiple, integer, text...
    path: str  # group/.../name
    row: int  # the survey sheet's row
    labels: dict[str, str] = field(default_factory=dict)  # language → label ("" = default)
    list_name: str | None = None
    or_other: bool = False


@dataclass
class XLSForm:
    """What Sentinelle uses of an XLSForm: its questions and choice lists, per language."""

    file: str
    questions: dict[str, Question]
    choices: dict[str, dict[str, dict[str, str]]]  # list → choice name → language → label
    languages: list[str]  # "" for a plain ``label`` column, else a language code
    default_language: str

    def label(self, labels: dict[str, str], language: str | None = None) -> str:
        language = self.default_language if language is None else language
        return labels.get(language) or next((v for v in labels.values() if v), "")


_LANGUAGE_NAMES = {"french": "fr", "français": "fr", "francais": "fr", "english": "en"}


def _language(column: str) -> str | None:
    """The language of a ``label`` / ``label::…`` column ("" for plain ``label``), or None."""
    text = column.strip()
    if text.lower() == "label":
        return ""
    if not text.lower().startswith("label::"):
        return None
    language = text.split("::", 1)[1].strip()
    code = re.search(r"\(([A-Za-z-]+)\)\s*$", language)
    if code:
        return code.group(1).lower()
    return _LANGUAGE_NAMES.get(language.lower(), language)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheet_rows(sheet: Any) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return [], []
    header = [_cell(v) for v in rows[0]]
    body = []
    for number, values in enumerate(rows[1:], start=2):
        record = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        if any(record.values()):
            body.append((number, record))
    return header, body


def read_xlsform(path: str | Path) -> XLSForm:
    """Read an XLSForm (``survey``, ``choices``, optional ``settings`` sheets)."""
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise FileRejected(path, "no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise FileRejected(path, f"is not an XLSForm workbook (.xlsx): {exc}") from None
    sheets = {name.strip().lower(): book[name] for name in book.sheetnames}
    if "survey" not in sheets:
        raise FileRejected(
            path,
            f"the XLSForm has no 'survey' sheet (sheets: {', '.join(book.sheetnames)}; "
            "expected survey and choices)",
        )
    header, rows = _sheet_rows(sheets["survey"])
    columns = {h.lower(): h for h in header if h}
    for required in ("type", "name"):
        if required not in columns:
            raise FileRejected(
                path, f"sheet survey has no {required!r} column (columns: {', '.join(header)})"
            )
    label_columns = {h: lang for h in header if h and (lang := _language(h)) is not None}
    languages = list(dict.fromkeys(label_columns.values()))

    choices: dict[str, dict[str, dict[str, str]]] = {}
    if "choices" in sheets:
        c_header, c_rows = _sheet_rows(sheets["choices"])
        c_columns = {h.lower(): h for h in c_header if h}
        for required in ("list_name", "name"):
            if required not in c_columns:
                raise FileRejected(
                    path,
                    f"sheet choices has no {required!r} column (columns: {', '.join(c_header)})",
                )
        c_labels = {h: lang for h in c_header if h and (lang := _language(h)) is not None}
        for lang in c_labels.values():
            if lang not in languages:
                languages.append(lang)
        for number, row in c_rows:
            list_id = row.get(c_columns["list_name"], "")
            name = row.get(c_columns["name"], "")
            if not list_id or not name:
                raise FileRejected(
                    path, f"sheet choices, row {number}: a choice needs a list_name and a name"
                )
            entries = choices.setdefault(list_id, {})
            if name in entries:
                raise FileRejected(
                    path,
                    f"sheet choices, row {number}: choice {name!r} appears twice in list "
                    f"{list_id!r}",
                )
            entries[name] = {lang: row.get(h, "") for h, lang in c_labels.items()}

    default = ""
    if "settings" in sheets:
        _, s_rows = _sheet_rows(sheets["settings"])
        for _, row in s_rows[:1]:
            named = next((v for k, v in row.items() if k.lower() == "default_language"), "")
            default = _language(f"label::{named}") or "" if named else ""
    if default not in languages:
        default = next(
            (x for x in ("", "fr", "en") if x in languages), languages[0] if languages else ""
        )

    questions: dict[str, Question] = {}
    groups: list[tuple[str, bool]] = []  # (name, is_repeat)
    for number, row in rows:
        type_text = " ".join(row.get(columns["type"], "").split())
        name = row.get(columns["name"], "")
        if not type_text:
            continue
        kind = type_text.lower()
        if kind in ("begin group", "begin_group", "begin repeat", "begin_repeat"):
            groups.append((name, "repeat" in kind))
            continue
        if kind in ("end group", "end_group", "end repeat", "end_repeat"):
            if groups:
                groups.pop()
            continue
        if not name:
            raise FileRejected(
                path, f"sheet survey, row {number}: question of type {type_text!r} has no name"
            )
        if any(repeat for _, repeat in groups):
            continue  # answers of repeat groups are in other sheets of the export
        parts = type_text.split()
        base = parts[0].lower()
        list_name: str | None = None
        or_other = False
        if base in ("select_one", "select_multiple"):
            if len(parts) < 2:
                raise FileRejected(
                    path, f"sheet survey, row {number}: {type_text!r} names no choice list"
                )
            list_name = parts[1]
            or_other = len(parts) > 2 and parts[2].lower() == "or_other"
            if list_name not in choices:
                known = ", ".join(sorted(choices)) or "none"
                raise FileRejected(
                    path,
                    f"sheet survey, row {number}: question {name!r} uses choice list "
                    f"{list_name!r}, which is not in the choices sheet (lists: {known})",
                )
        if name in questions:
            raise FileRejected(
                path,
                f"sheet survey, row {number}: question name {name!r} already used on row "
                f"{questions[name].row}",
            )
        path_name = "/".join([g for g, _ in groups if g] + [name])
        questions[name] = Question(
            name=name,
            type=base,
            path=path_name,
            row=number,
            labels={lang: row.get(h, "") for h, lang in label_columns.items()},
            list_name=list_name,
            or_other=or_other,
        )
    if not questions:
        raise FileRejected(path, "sheet survey has no question")
    return XLSForm(str(path), questions, choices, languages, default)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_table(path: Path, problems: ProblemLog) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows (spreadsheet row number, cells as text) of an export."""
    if not path.exists():
        raise FileRejected(path, "no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise FileRejected(path, "the file is empty")
    if raw.startswith(b"PK\x03\x04"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
            raise FileRejected(path, f"looks like an XLSX file but cannot be read: {exc}") from None
        rows_x = list(book[book.sheetnames[0]].iter_rows(values_only=True))
        if not rows_x:
            raise FileRejected(path, "the first sheet is empty")
        header = [_cell(v) for v in rows_x[0]]
        while header and not header[-1]:
            header.pop()
        body = [
            (n, [_cell(v) for v in values[: len(header)]] + [""] * (len(header) - len(values)))
            for n, values in enumerate(rows_x[1:], start=2)
        ]
    else:
        if b"\x00" in raw[:4096]:
            raise FileRejected(path, "is a binary file, not a CSV or XLSX export")
        text = _decode(raw)
        delimiter = _delimiter(text.split("\n", 1)[0])
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
            body = []
            for values in reader:
                number = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    problems.add(
                        path,
                        number,
                        None,
                        None,
                        f"the row has {len(values)} fields, the header has {len(header)} "
                        f"(separator {delimiter!r}); row left out",
                    )
                    continue
                body.append((number, [v.strip() for v in values]))
        except csv.Error as exc:
            raise FileRejected(path, f"is not a readable CSV file: {exc}") from None
    body = [(n, cells) for n, cells in body if any(cells)]
    for index, name in enumerate(header, start=1):
        if not name:
            raise FileRejected(path, f"column {index} has no header")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise FileRejected(path, f"column {name!r} appears twice in the header")
        seen.add(name)
    return header, body


def _as_float(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".")) if text else None
    except ValueError:
        return None
    return None if value is not None and math.isnan(value) else value


def _numeric_list(entries: dict[str, dict[str, str]]) -> bool:
    return bool(entries) and all(_as_float(name) is not None for name in entries)


def _column(values: list[object], numeric: bool) -> pd.Series:
    if numeric:
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(values, dtype=object)


def _plain(values: list[str]) -> pd.Series:
    """A column with no form type: numbers when every non-blank value is a number."""
    present = [v for v in values if v]
    if present and all(_as_float(v) is not None for v in present):
        return _column([_as_float(v) for v in values], True)
    return _column([v or None for v in values], False)


def read_kobo(
    data_path: str | Path,
    xlsform_path: str | Path | None = None,
    problems: ProblemLog | None = None,
) -> SurveyData:
    """Read a KoboToolbox / ODK export, with its XLSForm when given (see the module). Bad answers
    are blanked and added to ``problems``; :class:`FileRejected` when the file cannot be used."""
    path = Path(data_path)
    log = problems if problems is not None else ProblemLog()
    form = read_xlsform(xlsform_path) if xlsform_path is not None else None
    header, body = _read_table(path, log)
    if not body:
        raise FileRejected(path, "the export has no data row")
    cells = {name: [row[i] for _, row in body] for i, name in enumerate(header)}
    numbers = [n for n, _ in body]
    system = tuple(h for h in header if is_system_column(h))

    columns: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[object, str]] = {}
    translations: dict[str, dict[str, str]] = {}
    value_translations: dict[str, dict[str, dict[object, str]]] = {}

    if form is None:
        for h in header:
            columns[h] = _plain(cells[h])
            labels[h] = SYSTEM_COLUMNS.get(h.rsplit("/", 1)[-1].lower(), "")
        frame = pd.DataFrame(columns)
        return SurveyData(
            frame=frame,
            labels=labels,
            value_labels={},
            missing={},
            source=path.name,
            format="kobo",
            design=detect_design(frame, labels, {}),
            system=system,
        )

    by_path = {q.path: q for q in form.questions.values()}
    others = [lang for lang in form.languages if lang and lang != form.default_language]
    matched: dict[str, tuple[Question, str | None]] = {}  # header → (question, choice)
    unknown: list[str] = []
    for h in header:
        parts = h.split("/")
        question = by_path.get(h) or form.questions.get(h)
        if question is not None:
            matched[h] = (question, None)
            continue
        if len(parts) >= 2:
            parent = by_path.get("/".join(parts[:-1])) or form.questions.get(parts[-2])
            if (
                parent is not None
                and parent.type == "select_multiple"
                and parent.list_name is not None
                and parts[-1] in form.choices[parent.list_name]
            ):
                matched[h] = (parent, parts[-1])
                continue
            if parts[-1] in form.questions:
                matched[h] = (form.questions[parts[-1]], None)
                continue
        if h in system:
            continue
        unknown.append(h)
    if unknown:
        expected = ", ".join(q.path for q in form.questions.values())
        raise FileRejected(
            path,
            f"the export's columns do not match the XLSForm {Path(form.file).name}: "
            f"{', '.join(map(repr, unknown[:10]))}"
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            + f" match no question (expected group/question paths: {expected})",
        )
    present = {q.name for q, choice in matched.values() if choice is None}
    absent = [
        q.path
        for q in form.questions.values()
        if q.name not in present
        and q.type not in NO_COLUMN_TYPES
        and q.type not in METADATA_TYPES
        and q.type != "calculate"
    ]
    if absent:
        raise FileRejected(
            path,
            f"the export's columns do not match the XLSForm {Path(form.file).name}: no column "
            f"for question(s) {', '.join(absent)}",
        )

    for h in header:
        if h not in matched:
            columns[h] = _plain(cells[h])
            labels[h] = SYSTEM_COLUMNS.get(h.rsplit("/", 1)[-1].lower(), "")
            continue
        question, choice = matched[h]
        variable = question.name if choice is None else f"{question.name}/{choice}"
        entries = form.choices.get(question.list_name or "", {})
        if choice is not None:
            choice_labels = entries[choice]
            labels[variable] = f"{form.label(question.labels)}: {form.label(choice_labels)}".strip(
                ": "
            )
            for lang in others:
                translations.setdefault(lang, {})[variable] = (
                    f"{form.label(question.labels, lang)}: {form.label(choice_labels, lang)}"
                )
            columns[variable] = _plain(cells[h])
            continue
        labels[variable] = form.label(question.labels) or SYSTEM_COLUMNS.get(
            question.name.lower(), ""
        )
        for lang in others:
            translations.setdefault(lang, {})[variable] = form.label(question.labels, lang)
        values: list[object] = []
        if question.type == "select_one":
            numeric = _numeric_list(entries)
            codes = {(_as_float(k) if numeric else k): k for k in entries}
            for number, text in zip(numbers, cells[h], strict=True):
                if not text:
                    values.append(None)
                    continue
                code: object = _as_float(text) if numeric else text
                if code in codes or (question.or_other and text == "other"):
                    values.append(code if code is not None else text)
                else:
                    values.append(None)
                    log.add(
                        path,
                        number,
                        h,
                        text,
                        f"not a choice of list {question.list_name!r} (expected one of: "
                        f"{', '.join(entries)}); answer left blank",
                    )
            keyed = {(_as_float(k) if numeric else k): v for k, v in entries.items()}
            value_labels[variable] = {c: form.label(v) for c, v in keyed.items()}
            for lang in others:
                value_translations.setdefault(lang, {})[variable] = {
                    c: form.label(v, lang) for c, v in keyed.items()
                }
            columns[variable] = _column(values, numeric and not question.or_other)
        elif question.type == "select_multiple":
            for number, text in zip(numbers, cells[h], strict=True):
                tokens = text.split()
                bad = [
                    t
                    for t in tokens
                    if t not in entries and not (question.or_other and t == "other")
                ]
                if bad:
                    values.append(None)
                    log.add(
                        path,
                        number,
                        h,
                        text,
                        f"{', '.join(map(repr, bad))} not a choice of list "
                        f"{question.list_name!r} (expected one or more of: "
                        f"{', '.join(entries)}, separated by spaces); answer left blank",
                    )
                else:
                    values.append(" ".join(tokens) or None)
            value_labels[variable] = {k: form.label(v) for k, v in entries.items()}
            for lang in others:
                value_translations.setdefault(lang, {})[variable] = {
                    k: form.label(v, lang) for k, v in entries.items()
                }
            columns[variable] = _column(values, False)
        elif question.type in NUMERIC_TYPES:
            for number, text in zip(numbers, cells[h], strict=True):
                value = _as_float(text)
                if text and value is None:
                    log.add(
                        path,
                        number,
                        h,
                        text,
                        f"not a number ({question.type} question); answer left blank",
                    )
                values.append(value)
            columns[variable] = _column(values, True)
        else:
            columns[variable] = _column([v or None for v in cells[h]], False)

    frame = pd.DataFrame(columns)
    system = tuple(
        v
        for h, v in zip(header, frame.columns, strict=True)
        if is_system_column(h) or (h in matched and matched[h][0].type in METADATA_TYPES)
    )
    missing: dict[str, frozenset[object]] = {}
    for variable, labelled in value_labels.items():
        found = set(missing_codes(labelled))
        for lang in others:
            found |= missing_codes(value_translations.get(lang, {}).get(variable, {}))
        if found:
            missing[variable] = frozenset(found)
    return SurveyData(
        frame=frame,
        labels=labels,
        value_labels=value_labels,
        missing=missing,
        source=path.name,
        format="kobo",
        design=detect_design(frame, labels, value_labels),
        translations=translations,
        value_translations=value_translations,
        system=system,
    )


def read_survey(
    path: str | Path,
    xlsform_path: str | Path | None = None,
    problems: ProblemLog | None = None,
) -> SurveyData:
    """An SPSS file (recognised by its content) or a Kobo export."""
    path = Path(path)
    if not path.exists():
        raise FileRejected(path, "no such file")
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic in (b"$FL2", b"$FL3"):
        if xlsform_path is not None:
            raise FileRejected(path, "an SPSS file carries its own labels: no XLSForm is needed")
        return read_spss(path)
    return read_kobo(path, xlsform_path, problems)
