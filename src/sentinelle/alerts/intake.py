"""Importing an existing early-warning / rapid-response log (``sentinelle alerts import FILE``).

A mission that kept its alerts in a spreadsheet brings them into the register with this
template (CSV or XLSX; English or French headers, matched ignoring case, accents and spaces;
docs/alerts.md, "Importing an existing log", shows it with an example). One row per alert:

=========================  ======================  =============================================
English header             French header           content
=========================  ======================  =============================================
reference                  reference               the log's own id of the alert (required)
channel                    canal                   how it came in (required): a code or label
received_at                recue_le                when it reached the mission (required)
reporter_name              nom_informateur         personal data: stored encrypted
reporter_contact           contact_informateur     personal data: stored encrypted
place                      lieu                    the place as reported
admin1_pcode               pcode_region            region P-code, e.g. ML05
admin2_pcode               pcode_cercle            cercle P-code, e.g. ML0506
latitude / longitude       latitude / longitude    decimal degrees (both or neither)
precision                  precision               exact, near, area
threat_type                type_menace             a threat type (vac_attack...) or other
threatened_population      population_menacee      village, displaced, market, travellers...
population_note            note_population         who exactly is threatened
suspected_perpetrator      auteur_presume          as reported
urgency                    urgence                 high, medium, low (as reported)
description                description             what was reported
verified_at, verification  verifiee_le, ...        confirmed, unconfirmed, false
assessed_at                evaluee_le              with response_required (yes/no) and priority
decided_at, decision       decidee_le, decision    patrol, deployment, engagement, referral...
decision_reason            motif_decision          required for a decision of no response
responding_unit            unite_intervenante      the unit or team that responds
dispatched_at              deployee_le             for patrols, deployments, engagements
on_site_at                 sur_place_le            arrival on site
closed_at, outcome         cloturee_le, issue      prevented, occurred, unknown
killed, injured            tues, blesses           whole numbers
duplicate_of               doublon_de              reference of the alert this one repeats
=========================  ======================  =============================================

Codes may be written as codes or as their English or French labels. Times are ISO 8601
(``2018-03-01 14:05``, a zone may follow) or day first (``01/03/2018 14:05``); a time without a
zone is in ``zone`` (UTC by default: Mali's time); a date alone is midnight.

Each row is **replayed** through the lifecycle with the register's own functions
(:func:`~sentinelle.alerts.register.create_in` then
:func:`~sentinelle.alerts.register.transition_in` for each step the row records), so the same
rules apply as in the register: no step skipped, steps in time order, a reason for no response,
an outcome on closing... A row with ``duplicate_of`` is then merged into that alert (in this file
or imported before), at the time of its last step.

Every bad row is left out and reported (file, row, column, value, reason) and the good rows are
kept. The reference is the alert's message id (``csv:<reference>``): a row whose reference was
already imported is counted as *already imported* and left as it is, so importing the same log
again adds only its new rows. The whole file (alerts, steps, audit entries, the import log entry
and its rejected rows) is written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from sentinelle.accounts import record
from sentinelle.alerts.register import (
    AlertError,
    AlertIn,
    TransitionError,
    create_in,
    places_cache,
    transition_in,
)
from sentinelle.domain.alerts import MAX_CASUALTIES, decisions, vocabulary
from sentinelle.domain.threat import threat_types
from sentinelle.protection import Cipher
from sentinelle.readers.files import sha256
from sentinelle.readers.incidents import header_key
from sentinelle.readers.problems import FileRejected, Problem
from sentinelle.readers.tabular import ROW, TableFile
from sentinelle.store import alerts as alert_store
from sentinelle.store import imports
from sentinelle.store.database import Store

KIND = "alerts"
"""The import log's kind for alert logs."""
SOURCE = "csv"
MESSAGE_PREFIX = "csv:"
REFERENCE_LIMIT = 150
OTHER_THREAT = "other"

HEADERS: dict[str, tuple[str, str]] = {
    "reference": ("reference", "reference"),
    "channel": ("channel", "canal"),
    "received_at": ("received_at", "recue_le"),
    "reporter_name": ("reporter_name", "nom_informateur"),
    "reporter_contact": ("reporter_contact", "contact_informateur"),
    "place": ("place", "lieu"),
    "admin1_pcode": ("admin1_pcode", "pcode_region"),
    "admin2_pcode": ("admin2_pcode", "pcode_cercle"),
    "latitude": ("latitude", "latitude"),
    "longitude": ("longitude", "longitude"),
    "precision": ("precision", "precision"),
    "threat_type": ("threat_type", "type_menace"),
    "threatened_population": ("threatened_population", "population_menacee"),
    "population_note": ("population_note", "note_population"),
    "suspected_perpetrator": ("suspected_perpetrator", "auteur_presume"),
    "urgency": ("urgency", "urgence"),
    "description": ("description", "description"),
    "verified_at": ("verified_at", "verifiee_le"),
    "verification": ("verification", "verification"),
    "assessed_at": ("assessed_at", "evaluee_le"),
    "response_required": ("response_required", "reponse_requise"),
    "priority": ("priority", "priorite"),
    "decided_at": ("decided_at", "decidee_le"),
    "decision": ("decision", "decision"),
    "decision_reason": ("decision_reason", "motif_decision"),
    "responding_unit": ("responding_unit", "unite_intervenante"),
    "dispatched_at": ("dispatched_at", "deployee_le"),
    "on_site_at": ("on_site_at", "sur_place_le"),
    "closed_at": ("closed_at", "cloturee_le"),
    "outcome": ("outcome", "issue"),
    "killed": ("killed", "tues"),
    "injured": ("injured", "blesses"),
    "duplicate_of": ("duplicate_of", "doublon_de"),
}
"""Template field → (English header, French header)."""
REQUIRED = ("reference", "channel", "received_at")
CODED = {
    "channel": "channel",
    "precision": "precision",
    "threat_type": "threat_type",
    "threatened_population": "threatened_population",
    "urgency": "urgency",
    "verification": "verification",
    "priority": "priority",
    "decision": "decision",
    "outcome": "outcome",
}
"""Template field → the vocabulary its codes come from."""
TEXTS = (
    "reporter_name",
    "reporter_contact",
    "place",
    "admin1_pcode",
    "admin2_pcode",
    "population_note",
    "suspected_perpetrator",
    "description",
    "decision_reason",
    "responding_unit",
)
STEPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("verify", "verified_at", ("verification",)),
    ("assess", "assessed_at", ("response_required", "priority")),
    ("decide", "decided_at", ("decision", "decision_reason", "responding_unit")),
    ("dispatch", "dispatched_at", ()),
    ("arrive", "on_site_at", ()),
    ("close", "closed_at", ("outcome", "killed", "injured")),
)
"""The lifecycle a row records: (action, its time column, the columns it sets)."""
STEP_WHAT = {
    "verified_at": "verification",
    "assessed_at": "assessment",
    "decided_at": "decision",
    "dispatched_at": "dispatch",
    "on_site_at": "arrival on site",
    "closed_at": "closing",
}
ALERT_FIELDS = (
    "channel",
    "received_at",
    "reporter_name",
    "reporter_contact",
    "place",
    "admin1_pcode",
    "admin2_pcode",
    "latitude",
    "longitude",
    "precision",
    "threat_type",
    "threatened_population",
    "population_note",
    "suspected_perpetrator",
    "urgency",
    "description",
)
ALIASES = {
    "channel": {
        **dict.fromkeys(
            ("sms", "call", "phone", "telephone", "appel", "can", "rac"), "community_alert_network"
        ),
        **dict.fromkeys(("cla", "alc"), "community_liaison"),
        **dict.fromkeys(("ngo", "ong"), "partner"),
    },
}
"""Short names common in logs, besides the codes and labels: SMS or call (appel), CAN / RAC
(community alert network), CLA / ALC (community liaison assistant), NGO / ONG."""
YES = {"yes", "oui", "y", "o", "true", "vrai", "1"}
NO = {"no", "non", "n", "false", "faux", "0"}
DAY_FIRST = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
)
TIME_EXPECTED = (
    "a date and time such as 2018-03-01 14:05 (ISO 8601, a zone may follow) or "
    "01/03/2018 14:05 (day first)"
)


@dataclass
class AlertImport:
    """What happened to one alert log: ``rows`` = imported + already imported + rejected."""

    file: str
    import_id: int
    rows: int
    imported: int
    already_imported: int
    rejected_rows: int
    merged: int  # imported rows merged into the alert they repeat
    steps: int  # lifecycle steps replayed (besides each alert's receipt)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        return {
            "file": self.file,
            "rows": self.rows,
            "imported": self.imported,
            "already_imported": self.already_imported,
            "rejected_rows": self.rejected_rows,
            "merged": self.merged,
            "steps": self.steps,
        }


@dataclass
class _Row:
    number: int
    reference: str
    alert: AlertIn
    steps: list[tuple[str, str, dt.datetime, dict[str, Any]]]  # action, time field, at, values
    duplicate_of: str | None
    cells: dict[str, str | None]


def _terms(vocabulary_name: str) -> list[tuple[str, str, str]]:
    """(code, English label, French label) of a vocabulary, in its order."""
    if vocabulary_name == "decision":
        return [(c, d.label_en, d.label_fr) for c, d in decisions().items()]
    if vocabulary_name == "threat_type":
        terms = [(c, t.label_en, t.label_fr) for c, t in threat_types().items()]
        return [*terms, (OTHER_THREAT, "Other", "Autre")]
    return [(c, t.label_en, t.label_fr) for c, t in vocabulary(vocabulary_name).items()]


def _labels(vocabulary_name: str) -> dict[str, str]:
    """Comparison key (code, English or French label, alias) → code."""
    out: dict[str, str] = {}
    for code, label_en, label_fr in _terms(vocabulary_name):
        for text in (code, label_en, label_fr):
            out.setdefault(header_key(text), code)
    for alias, code in ALIASES.get(vocabulary_name, {}).items():
        out.setdefault(alias, code)
    return out


def _codes_text(vocabulary_name: str) -> str:
    codes = ", ".join(code for code, _, _ in _terms(vocabulary_name))
    return f"one of {codes} (a code, or its English or French label)"


def parse_time(text: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A time written in the log, in UTC; ``None`` if it is not one."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    moment: dt.datetime | None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for fmt in DAY_FIRST:
            try:
                moment = dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
            break
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class _Reader:
    """Turns the cells of one row into an alert and its steps, or problems."""

    def __init__(self, file: str, columns: Mapping[str, str], zone: dt.tzinfo) -> None:
        self.file = file
        self.columns = columns  # template field → the file's column
        self.zone = zone
        self.labels = {name: _labels(vocabulary_name) for name, vocabulary_name in CODED.items()}

    def column(self, name: str) -> str:
        """The file's header for a template field (the English header if the file has none)."""
        if "/" in name:
            return ", ".join(self.column(part) for part in name.split("/"))
        return self.columns.get(name, HEADERS[name][0] if name in HEADERS else name)

    def problem(self, number: int, name: str, value: object, reason: str) -> Problem:
        text = None if value is None else str(value)
        return Problem(self.file, number, self.column(name), text, reason)

    def read(self, number: int, cells: dict[str, str | None]) -> tuple[_Row | None, list[Problem]]:
        problems: list[Problem] = []

        def bad(name: str, reason: str) -> None:
            problems.append(self.problem(number, name, cells.get(name), reason))

        reference = cells.get("reference")
        if reference is None:
            bad("reference", "missing; expected the log's own id of the alert")
        elif len(reference) > REFERENCE_LIMIT or any(ord(c) < 32 for c in reference):
            bad("reference", f"expected at most {REFERENCE_LIMIT} characters of plain text")
        values: dict[str, Any] = {}
        for name in CODED:
            text = cells.get(name)
            if text is None:
                values[name] = None
                continue
            code = self.labels[name].get(header_key(text))
            if code is None:
                bad(name, f"unknown {name.replace('_', ' ')}; expected {_codes_text(CODED[name])}")
            values[name] = code
        if cells.get("channel") is None:
            bad("channel", f"missing; expected {_codes_text('channel')}")
        for name in TEXTS:
            values[name] = cells.get(name)
        for name in ("latitude", "longitude"):
            text = cells.get(name)
            values[name] = None if text is None else _number(text)
            if text is not None and values[name] is None:
                bad(name, "not a number; expected decimal degrees such as 14.49 or -4.19")
        for name in ("killed", "injured"):
            text = cells.get(name)
            number_value = None if text is None else _number(text)
            if text is not None and (number_value is None or not number_value.is_integer()):
                bad(name, f"not a whole number; expected a whole number from 0 to {MAX_CASUALTIES}")
                number_value = None
            values[name] = None if number_value is None else int(number_value)
        required = cells.get("response_required")
        values["response_required"] = None
        if required is not None:
            flag = required.strip().lower()
            if flag in YES:
                values["response_required"] = True
            elif flag in NO:
                values["response_required"] = False
            else:
                bad("response_required", "expected yes or no (oui/non)")
        times: dict[str, dt.datetime | None] = {}
        for name in ("received_at", *STEP_WHAT):
            text = cells.get(name)
            times[name] = None if text is None else parse_time(text, self.zone)
            if text is not None and times[name] is None:
                bad(name, f"not a date and time; expected {TIME_EXPECTED}")
        if cells.get("received_at") is None:
            bad("received_at", f"missing; expected {TIME_EXPECTED}")
        steps: list[tuple[str, str, dt.datetime, dict[str, Any]]] = []
        for action, time_field, fields in STEPS:
            given = [f for f in fields if cells.get(f) is not None]
            if cells.get(time_field) is None:
                if given:
                    bad(
                        time_field,
                        f"missing; expected the time of the {STEP_WHAT[time_field]} "
                        f"({', '.join(self.column(f) for f in given)} given)",
                    )
                continue
            at = times[time_field]
            if at is not None:
                steps.append((action, time_field, at, {f: values[f] for f in fields}))
        duplicate_of = cells.get("duplicate_of")
        if duplicate_of is not None and duplicate_of == reference:
            bad("duplicate_of", "an alert cannot repeat itself; expected another reference")
        received = times["received_at"]
        alert = AlertIn(
            **{name: values[name] for name in ALERT_FIELDS if name != "received_at"},
            received_at=received or dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        )
        if problems:  # the register's own checks too, so that the row is fixed in one go
            named = {p.column for p in problems}
            for message in alert.problems(dt.datetime.now(dt.UTC)):
                name, reason = _split(message, "received_at")
                if self.column(name) not in named and (name != "received_at" or received):
                    bad(name, reason)
        if problems or reference is None:
            return None, problems
        return _Row(number, reference, alert, steps, duplicate_of, cells), []

    def engine_problems(
        self, row: _Row, exc: Exception, time_field: str | None, fields: tuple[str, ...]
    ) -> list[Problem]:
        """The register's refusal as problems on the columns it names."""
        if isinstance(exc, AlertError):
            out = []
            for message in str(exc).split("; "):
                name, reason = _split(message, time_field or "received_at")
                value = row.cells.get(name) if "/" not in name else None
                out.append(self.problem(row.number, name, value, reason))
            return out
        message = str(exc)
        longest_first = sorted(fields, key=len, reverse=True)
        named = next((f for f in longest_first if message.startswith(f)), None)
        column = named or time_field or "received_at"
        return [self.problem(row.number, column, row.cells.get(column), message)]


def _split(message: str, default: str) -> tuple[str, str]:
    """(field, reason) of a register message ``field: value — expected``."""
    name, _, reason = message.partition(": ")
    known = name in HEADERS or ("/" in name and all(part in HEADERS for part in name.split("/")))
    if not reason or not known:
        return default, message
    return name, reason


def _columns(table: TableFile) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, (english, french) in HEADERS.items():
        lookup[header_key(english)] = name
        lookup[header_key(french)] = name
    found: dict[str, str] = {}
    for column in table._columns():
        field_name = lookup.get(header_key(column))
        if field_name is not None and field_name not in found:
            found[field_name] = column
    return found


def _read_rows(
    path: str | Path, zone: dt.tzinfo = dt.UTC
) -> tuple[_Reader, list[_Row], list[Problem], int]:
    """(reader, good rows, problems, rows read) of an alert log; :class:`FileRejected` for a
    file that is not one."""
    table = TableFile(path)
    table.slow_path = True  # exact row numbers; logs are small
    columns = _columns(table)
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        expected = ", ".join(f"{HEADERS[f][0]} / {HEADERS[f][1]}" for f in missing)
        raise FileRejected(path, f"not an alert log: missing column(s) {expected}")
    reader = _Reader(table.name, columns, zone)
    rows: list[_Row] = []
    problems: list[Problem] = []
    count = 0
    for chunk in table.chunks():
        for record_ in chunk.to_dict("records"):
            count += 1
            cells: dict[str, str | None] = {}
            for name, column in columns.items():
                value = record_.get(column)
                text = None if value is None or value is pd.NA else str(value).strip()
                cells[name] = text or None
            row, found = reader.read(int(record_[ROW]), cells)
            problems.extend(found)
            if row is not None:
                rows.append(row)
    problems.extend(table.problems)
    count += len(table.problems.rows)
    return reader, rows, problems, count


def _replay(
    connection: Connection,
    reader: _Reader,
    row: _Row,
    units: Any,
    actor: str,
    cipher: Cipher,
) -> tuple[list[Problem], int, bool]:
    """Create the row's alert and take its steps inside a savepoint: (problems, steps,
    merged). On a refusal the savepoint is rolled back and nothing of the row remains."""
    done = 0
    time_field: str | None = None
    fields: tuple[str, ...] = ()
    try:
        with connection.begin_nested():
            message_id = MESSAGE_PREFIX + row.reference
            alert_id = create_in(connection, units, row.alert, actor, cipher, SOURCE, message_id)
            version = 1
            last = row.alert.received_at
            for action, step_field, at, values in row.steps:
                time_field, fields = step_field, tuple(values)
                version = _transition(connection, alert_id, action, values, actor, version, at)
                last, done = at, done + 1
            if row.duplicate_of is not None:
                time_field, fields = "duplicate_of", ("duplicate_of",)
                primary = alert_store.alert_by_message_id(
                    connection, MESSAGE_PREFIX + row.duplicate_of
                )
                if primary is None:
                    raise TransitionError(
                        f"no alert with reference {row.duplicate_of!r} in this file or imported "
                        "before (or its row was rejected)"
                    )
                merge = {"merged_into": int(primary["id"])}
                _transition(connection, alert_id, "merge", merge, actor, version, last)
                done += 1
    except (AlertError, TransitionError) as exc:
        return reader.engine_problems(row, exc, time_field, fields), 0, False
    return [], done, row.duplicate_of is not None


def _transition(
    connection: Connection,
    alert_id: int,
    action: str,
    values: Mapping[str, Any],
    actor: str,
    version: int,
    at: dt.datetime,
) -> int:
    clean = {k: v for k, v in values.items() if v is not None}
    return transition_in(connection, alert_id, action, clean, actor, version, at=at)


def import_alerts(
    store: Store,
    path: str | Path,
    cipher: Cipher,
    actor: str = "system",
    zone: dt.tzinfo = dt.UTC,
) -> AlertImport:
    """Import an alert log (see the module docstring) in one transaction. Raises
    :class:`FileRejected` (after logging the failed import) for a file that is not one; bad rows
    are reported in the result, not raised."""
    name = str(path)
    try:
        reader, rows, problems, count = _read_rows(path, zone)
    except FileRejected as exc:
        with store.transaction() as connection:
            import_id = imports.record_failed_import(connection, KIND, name, exc.reason)
            record(connection, actor, "import", "import", import_id,
                   after={"kind": KIND, "file": name, "status": "failed"},
                   detail=f"alert log refused: {exc.reason}"[:2000])  # fmt: skip
        raise
    units = places_cache(store)
    imported = already = merged = steps = 0
    seen: dict[str, int] = {}
    rejected = {p.row for p in problems if p.row is not None}
    with store.transaction() as connection:
        import_id = imports.start_import(connection, KIND, name, sha256(path), Path(name).name)
        # duplicates are merged once the alerts they repeat exist
        for row in sorted(rows, key=lambda r: (r.duplicate_of is not None, r.number)):
            if row.reference in seen:
                problems.append(
                    reader.problem(
                        row.number,
                        "reference",
                        row.reference,
                        f"the same reference as row {seen[row.reference]}; expected one row "
                        "per alert",
                    )
                )
                rejected.add(row.number)
                continue
            seen[row.reference] = row.number
            if alert_store.alert_by_message_id(connection, MESSAGE_PREFIX + row.reference):
                already += 1
                continue
            found, done, was_merged = _replay(connection, reader, row, units, actor, cipher)
            if found:
                problems.extend(found)
                rejected.add(row.number)
                continue
            imported += 1
            steps += done
            merged += was_merged
        problems.sort(key=lambda p: (p.row is None, p.row or 0))
        result = AlertImport(
            file=name,
            import_id=import_id,
            rows=count,
            imported=imported,
            already_imported=already,
            rejected_rows=len(rejected),
            merged=merged,
            steps=steps,
            problems=problems,
        )
        imports.save_problems(connection, import_id, problems)
        imports.finish_import(connection, import_id, result.counts())
        record(connection, actor, "import", "import", import_id,
               after={"kind": KIND, "status": "done", **result.counts()},
               detail=f"alerts imported from {Path(name).name}")  # fmt: skip
    return result
