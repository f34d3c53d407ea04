"""The register of civilian harm caused by the mission's and partner forces' operations.

An **incident** (when, where, which force and unit, doing what, what kind of harm, killed and
injured as min–max ranges, a confidence grade, the investigation and its findings, lessons) has
**victims** and **sources** (whose names and contacts are personal data: encrypted before they
reach the database with a key kept outside it, and shown only when the caller may see them),
**amends** offered and the answer to them, and a **timeline** of steps that only grows. Every
change is checked against the incident's version (optimistic locking: two people editing at
once cannot overwrite each other) and written to the audit log without personal data.

**Mitigation measures** (convoy timing, speed rules, a buffer around a camp, …) have an owner, a
due date, a status and the incidents that motivated them; :func:`list_measures` flags the
overdue ones.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, insert, select, update

from sentinelle.accounts import now as clock
from sentinelle.accounts import record
from sentinelle.domain.alerts import CLOCK_SKEW, plain_text
from sentinelle.domain.harm import (
    activities,
    categories,
    confidence_grades,
    force_of,
    forces,
    vocabulary,
)
from sentinelle.protection import REDACTED, Cipher
from sentinelle.store.database import Store
from sentinelle.store.schema import (
    events,
    harm_amends,
    harm_incidents,
    harm_sources,
    harm_steps,
    harm_victims,
    measure_incidents,
    mitigation_measures,
)

__all__ = [
    "AmendsIn",
    "HarmError",
    "IncidentIn",
    "MeasureIn",
    "SourceIn",
    "VersionConflict",
    "VictimIn",
    "add_amends",
    "add_source",
    "add_victim",
    "answer_amends",
    "create_incident",
    "create_measure",
    "export_incidents",
    "from_event",
    "get_incident",
    "link_measure",
    "list_incidents",
    "list_measures",
    "public_summary",
    "suppressed",
    "update_incident",
    "update_measure",
]

PERSONAL = {"victims": ("name", "note"), "sources": ("name", "contact"), "amends": ("recipient",)}
"""Encrypted columns: shown only with the ``view_personal_data`` permission."""
TEXT_LIMIT = 4000
NAME_LIMIT = 200
MAX_PEOPLE = 100_000
SMALL_COUNT = 3
"""Counts below this are suppressed (shown as "<3") in the public report."""
INCIDENT_FIELDS = (
    "reference", "occurred_at", "time_precision", "place", "admin1_pcode", "admin2_pcode",
    "latitude", "longitude", "location_precision", "force", "unit", "activity", "category",
    "killed_min", "killed_max", "injured_min", "injured_max", "confidence", "description",
    "investigation", "findings", "lessons",
)  # fmt: skip


class HarmError(ValueError):
    """A request the register refuses; ``problems`` lists each as 'field: value — expected'."""

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class VersionConflict(HarmError):
    """The record changed since the caller read it."""


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class _Checks:
    """Collects problems as 'field: value — expected'."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.problems: list[str] = []

    def add(self, name: str, message: str) -> None:
        self.problems.append(f"{self.prefix}{name}: {message}")

    def code(self, name: str, value: Any, options: Iterable[str], required: bool = True) -> None:
        choices = list(options)
        if value is None or value == "":
            if required:
                self.add(name, f"missing — expected one of {', '.join(choices)}")
            return
        if value not in choices:
            self.add(name, f"{value!r} — expected one of {', '.join(choices)}")

    def text(self, name: str, value: Any, limit: int = TEXT_LIMIT) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.add(name, f"{value!r} — expected text")
        elif len(value) > limit:
            self.add(name, f"{len(value)} characters — expected at most {limit}")
        elif not plain_text(value):
            self.add(name, "control characters or invalid text — expected plain text")

    def count(self, name: str, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(name, f"{value!r} — expected a whole number")
            return False
        if not 0 <= value <= MAX_PEOPLE:
            self.add(name, f"{value} — expected 0 to {MAX_PEOPLE:,}")
            return False
        return True

    def moment(self, name: str, value: Any, now: dt.datetime, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(name, "missing — expected a date and time with a time zone")
            return
        if not isinstance(value, dt.datetime):
            self.add(name, f"{value!r} — expected a date and time with a time zone")
        elif value.tzinfo is None:
            self.add(name, f"{value.isoformat()} — expected a time zone (e.g. +00:00)")
        elif value > now + CLOCK_SKEW:
            self.add(name, f"{value.isoformat()} — is in the future")
        elif value.year < 1990:
            self.add(name, f"{value.isoformat()} — expected 1990 or later")


def _blank(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


@dataclass
class IncidentIn:
    """An incident as reported. Required: when, the force, the harm category; the rest is
    filled in as it is learnt. Killed and injured are ranges (min ≤ max; unknown: 0–0)."""

    occurred_at: dt.datetime
    force: str
    category: str
    time_precision: str = "day"
    reference: str | None = None
    place: str | None = None
    admin1_pcode: str | None = None
    admin2_pcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str | None = None
    unit: str | None = None
    activity: str | None = None
    killed_min: int = 0
    killed_max: int = 0
    injured_min: int = 0
    injured_max: int = 0
    confidence: str = "likely"
    description: str | None = None
    investigation: str = "not_started"
    findings: str | None = None
    lessons: str | None = None

    def cleaned(self) -> IncidentIn:
        values = {f.name: _blank(getattr(self, f.name)) for f in fields(self)}
        return IncidentIn(**values)

    def problems(self, now: dt.datetime) -> list[str]:
        checks = _Checks()
        checks.moment("occurred_at", self.occurred_at, now)
        checks.code("force", self.force, forces())
        checks.code("category", self.category, categories())
        checks.code("time_precision", self.time_precision, vocabulary("time_precision"))
        checks.code("activity", self.activity, activities(), required=False)
        checks.code(
            "location_precision",
            self.location_precision,
            vocabulary("location_precision"),
            required=False,
        )
        checks.code("confidence", self.confidence, confidence_grades())
        checks.code("investigation", self.investigation, vocabulary("investigation"))
        checks.text("reference", self.reference, 60)
        for name in ("place", "unit"):
            checks.text(name, getattr(self, name), NAME_LIMIT)
        for name in ("description", "findings", "lessons"):
            checks.text(name, getattr(self, name))
        for low, high in (("killed_min", "killed_max"), ("injured_min", "injured_max")):
            ok = checks.count(low, getattr(self, low)) & checks.count(high, getattr(self, high))
            if ok and getattr(self, low) > getattr(self, high):
                checks.add(
                    high, f"{getattr(self, high)} — expected at least {low} ({getattr(self, low)})"
                )
        has_lat, has_lon = self.latitude is not None, self.longitude is not None
        if has_lat != has_lon:
            checks.add("latitude/longitude", "only one given — expected both or neither")
        for name, bound in (("latitude", 90), ("longitude", 180)):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                checks.add(name, f"{value!r} — expected a number")
            elif not math.isfinite(value) or not -bound <= value <= bound:
                checks.add(name, f"{value} — expected −{bound} to {bound}")
        return checks.problems


@dataclass
class VictimIn:
    """A person harmed. ``name`` and ``note`` are personal data (encrypted)."""

    harm: str
    name: str | None = None
    sex: str = "unknown"
    age: int | None = None
    age_group: str | None = None
    civilian_status: str = "civilian"
    cause: str = "unknown"
    note: str | None = None

    def problems(self, prefix: str = "") -> list[str]:
        checks = _Checks(prefix)
        checks.code("harm", self.harm, vocabulary("harm"))
        checks.code("sex", self.sex, vocabulary("sex"))
        checks.code("age_group", self.age_group, vocabulary("age_group"), required=False)
        checks.code("civilian_status", self.civilian_status, vocabulary("civilian_status"))
        checks.code("cause", self.cause, vocabulary("cause"))
        checks.text("name", self.name, NAME_LIMIT)
        checks.text("note", self.note)
        if self.age is not None and (
            isinstance(self.age, bool) or not isinstance(self.age, int) or not 0 <= self.age <= 120
        ):
            checks.add("age", f"{self.age!r} — expected a whole number of years, 0 to 120")
        return checks.problems

    def group(self) -> str:
        """The age group: as given, else from the age, else unknown."""
        if self.age_group:
            return self.age_group
        if self.age is None:
            return "unknown"
        return "child" if self.age < 18 else ("adult" if self.age < 60 else "elderly")


@dataclass
class SourceIn:
    """Where the information came from. ``name`` and ``contact`` are personal (encrypted)."""

    kind: str
    reliability: str = "unknown"
    name: str | None = None
    contact: str | None = None
    received_at: dt.datetime | None = None
    account: str | None = None

    def problems(self, now: dt.datetime, prefix: str = "") -> list[str]:
        checks = _Checks(prefix)
        checks.code("kind", self.kind, vocabulary("source_kind"))
        checks.code("reliability", self.reliability, vocabulary("reliability"))
        checks.text("name", self.name, NAME_LIMIT)
        checks.text("contact", self.contact, NAME_LIMIT)
        checks.text("account", self.account)
        checks.moment("received_at", self.received_at, now, required=False)
        return checks.problems


@dataclass
class AmendsIn:
    """Amends offered: acknowledgement, apology, a payment (amount and currency), care,
    repair, assistance. ``recipient`` is personal data (encrypted)."""

    kind: str
    offered_on: dt.date
    amount: float | None = None
    currency: str | None = None
    recipient: str | None = None
    response: str = "pending"
    responded_on: dt.date | None = None
    note: str | None = None

    def problems(self, today: dt.date, prefix: str = "") -> list[str]:
        checks = _Checks(prefix)
        checks.code("kind", self.kind, vocabulary("amends"))
        checks.code("response", self.response, vocabulary("amends_response"))
        checks.text("recipient", self.recipient, NAME_LIMIT)
        checks.text("note", self.note)
        if not isinstance(self.offered_on, dt.date) or self.offered_on > today:
            checks.add("offered_on", f"{self.offered_on!r} — expected a date, not in the future")
        if self.amount is not None:
            if isinstance(self.amount, bool) or not isinstance(self.amount, int | float):
                checks.add("amount", f"{self.amount!r} — expected a number")
            elif not math.isfinite(self.amount) or self.amount < 0:
                checks.add("amount", f"{self.amount} — expected 0 or more")
            elif not self.currency:
                checks.add("currency", "missing — expected a currency code such as XOF or USD")
        if self.currency is not None and not (
            isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isalpha()
        ):
            checks.add("currency", f"{self.currency!r} — expected a 3-letter code (XOF, USD)")
        if self.response != "pending" and self.responded_on is None:
            checks.add("responded_on", "missing — expected the date of the answer")
        if self.responded_on is not None and isinstance(self.offered_on, dt.date):
            if self.responded_on < self.offered_on:
                checks.add("responded_on", f"{self.responded_on} — before the offer")
            elif self.responded_on > today:
                checks.add("responded_on", f"{self.responded_on} — is in the future")
        return checks.problems


@dataclass
class MeasureIn:
    """A mitigation measure decided after incidents."""

    title: str
    kind: str
    owner: str
    due_date: dt.date
    status: str = "planned"
    description: str | None = None
    done_on: dt.date | None = None

    def problems(self) -> list[str]:
        checks = _Checks()
        if not _blank(self.title):
            checks.add("title", "missing — expected a short title")
        checks.text("title", self.title, NAME_LIMIT)
        if not _blank(self.owner):
            checks.add("owner", "missing — expected who is responsible")
        checks.text("owner", self.owner, NAME_LIMIT)
        checks.text("description", self.description)
        checks.code("kind", self.kind, vocabulary("measure_kind"))
        checks.code("status", self.status, vocabulary("measure_status"))
        if not isinstance(self.due_date, dt.date):
            checks.add("due_date", f"{self.due_date!r} — expected a date")
        if self.status == "done" and self.done_on is None:
            checks.add("done_on", "missing — expected the date the measure was done")
        return checks.problems


# --- incidents -------------------------------------------------------------------------------


def _step(
    connection: Connection,
    incident_id: int,
    action: str,
    actor: str,
    at: dt.datetime,
    details: Mapping[str, Any],
    version: int,
) -> None:
    connection.execute(
        insert(harm_steps).values(
            incident_id=incident_id,
            action=action,
            at=at,
            actor=actor,
            details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
            version=version,
        )
    )


def _audit_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values for the audit log and the timeline: never a name or a contact."""
    return {k: v for k, v in values.items() if k not in ("name", "contact", "recipient", "note")}


def _check(problems: list[str]) -> None:
    if problems:
        raise HarmError(problems)


def _victim_row(victim: VictimIn, cipher: Cipher) -> dict[str, Any]:
    return {
        "name": cipher.encrypt(_blank(victim.name)),
        "sex": victim.sex,
        "age": victim.age,
        "age_group": victim.group(),
        "civilian_status": victim.civilian_status,
        "harm": victim.harm,
        "cause": victim.cause,
        "note": cipher.encrypt(_blank(victim.note)),
    }


def _source_row(source: SourceIn, cipher: Cipher) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "reliability": source.reliability,
        "name": cipher.encrypt(_blank(source.name)),
        "contact": cipher.encrypt(_blank(source.contact)),
        "received_at": source.received_at,
        "account": _blank(source.account),
    }


def create_incident(
    store: Store,
    incident: IncidentIn,
    actor: str,
    cipher: Cipher,
    victims: Sequence[VictimIn] = (),
    sources: Sequence[SourceIn] = (),
    event_id: int | None = None,
) -> int:
    """Record an incident with its first victims and sources; returns its id (audited)."""
    now = clock()
    clean = incident.cleaned()
    problems = clean.problems(now)
    for i, victim in enumerate(victims, start=1):
        problems += victim.problems(f"victim {i} ")
    for i, source in enumerate(sources, start=1):
        problems += source.problems(now, f"source {i} ")
    _check(problems)
    values = {k: getattr(clean, k) for k in INCIDENT_FIELDS}
    values["occurred_at"] = _utc(clean.occurred_at)
    with store.transaction() as connection:
        if event_id is not None:
            found = connection.execute(select(events.c.id).where(events.c.id == event_id)).first()
            if found is None:
                raise HarmError(f"event_id: {event_id} — no such event in the store")
        if clean.reference is not None:
            taken = connection.execute(
                select(harm_incidents.c.id).where(harm_incidents.c.reference == clean.reference)
            ).first()
            if taken is not None:
                raise HarmError(
                    f"reference: {clean.reference!r} — already used by incident {taken.id}"
                )
        key = connection.execute(
            insert(harm_incidents).values(
                **values,
                event_id=event_id,
                created_by=actor,
                created_at=now,
                updated_at=now,
                version=1,
            )
        ).inserted_primary_key
        assert key is not None
        incident_id = int(key[0])
        for victim in victims:
            connection.execute(
                insert(harm_victims).values(incident_id=incident_id, **_victim_row(victim, cipher))
            )
        for source in sources:
            connection.execute(
                insert(harm_sources).values(incident_id=incident_id, **_source_row(source, cipher))
            )
        details = {**values, "victims": len(victims), "sources": len(sources)}
        if event_id is not None:
            details["event_id"] = event_id
        _step(connection, incident_id, "created", actor, now, details, 1)
        record(connection, actor, "create", "harm_incident", incident_id, after=details)
    return incident_id


def _lock(connection: Connection, incident_id: int, expected_version: int) -> dict[str, Any]:
    row = (
        connection.execute(
            select(harm_incidents).where(harm_incidents.c.id == incident_id).with_for_update()
        )
        .mappings()
        .first()
    )
    if row is None:
        raise HarmError(f"incident: {incident_id} — no such incident")
    if int(row["version"]) != expected_version:
        raise VersionConflict(
            f"incident {incident_id} changed since it was read (version {expected_version}, "
            f"now {row['version']}): reload it and try again"
        )
    return dict(row)


def _bump(connection: Connection, incident_id: int, version: int, now: dt.datetime) -> int:
    connection.execute(
        update(harm_incidents)
        .where(and_(harm_incidents.c.id == incident_id, harm_incidents.c.version == version))
        .values(updated_at=now, version=version + 1)
    )
    return version + 1


def update_incident(
    store: Store,
    incident_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    actor: str,
) -> int:
    """Change fields of an incident (e.g. the investigation's status and findings, the
    confidence, the lessons); returns its new version. The step and the audit entry keep the
    values before and after."""
    unknown = sorted(set(changes) - set(INCIDENT_FIELDS))
    if unknown:
        raise HarmError(f"{', '.join(unknown)}: not a field of an incident")
    with store.transaction() as connection:
        row = _lock(connection, incident_id, expected_version)
        now = clock()
        merged = {k: row[k] for k in INCIDENT_FIELDS}
        merged["occurred_at"] = _utc(merged["occurred_at"])
        merged.update(changes)
        clean = IncidentIn(**merged).cleaned()
        _check(clean.problems(now))
        after = {k: getattr(clean, k) for k in changes}
        if "occurred_at" in after:
            after["occurred_at"] = _utc(after["occurred_at"])
        before = {k: _utc(row[k]) if isinstance(row[k], dt.datetime) else row[k] for k in changes}
        changed = {k: v for k, v in after.items() if before[k] != v}
        if not changed:
            return expected_version
        connection.execute(
            update(harm_incidents)
            .where(harm_incidents.c.id == incident_id)
            .values(**changed, updated_at=now, version=expected_version + 1)
        )
        version = expected_version + 1
        step = "investigation" if set(changed) & {"investigation", "findings"} else "updated"
        _step(connection, incident_id, step, actor, now,
              {"before": {k: before[k] for k in changed}, "after": changed}, version)  # fmt: skip
        record(connection, actor, "update", "harm_incident", incident_id,
               before={k: before[k] for k in changed}, after=changed)  # fmt: skip
    return version


def _add_to_incident(
    store: Store,
    incident_id: int,
    expected_version: int,
    table: Any,
    row: Mapping[str, Any],
    details: Mapping[str, Any],
    action: str,
    record_type: str,
    actor: str,
) -> int:
    """Insert ``row`` under the incident (locked at ``expected_version``), bump the incident's
    version and write the step and the audit entry with ``details`` (never personal data)."""
    with store.transaction() as connection:
        _lock(connection, incident_id, expected_version)
        now = clock()
        connection.execute(insert(table).values(incident_id=incident_id, **row))
        version = _bump(connection, incident_id, expected_version, now)
        _step(connection, incident_id, action, actor, now, details, version)
        record(connection, actor, "create", record_type, incident_id, after=dict(details))
    return version


def add_victim(
    store: Store,
    incident_id: int,
    expected_version: int,
    victim: VictimIn,
    actor: str,
    cipher: Cipher,
) -> int:
    """Add a victim; returns the incident's new version (the name never reaches the log)."""
    _check(victim.problems())
    row = _victim_row(victim, cipher)
    return _add_to_incident(
        store, incident_id, expected_version, harm_victims, row, _audit_view(row),
        "victim_added", "harm_victim", actor,
    )  # fmt: skip


def add_source(
    store: Store,
    incident_id: int,
    expected_version: int,
    source: SourceIn,
    actor: str,
    cipher: Cipher,
) -> int:
    """Add a source; returns the incident's new version."""
    _check(source.problems(clock()))
    row = _source_row(source, cipher)
    details = _audit_view({k: v for k, v in row.items() if k != "account"})
    return _add_to_incident(
        store, incident_id, expected_version, harm_sources, row, details,
        "source_added", "harm_source", actor,
    )  # fmt: skip


def add_amends(
    store: Store,
    incident_id: int,
    expected_version: int,
    amends: AmendsIn,
    actor: str,
    cipher: Cipher,
) -> int:
    """Record amends offered; returns the incident's new version."""
    _check(amends.problems(clock().date()))
    row = {**asdict(amends), "recipient": cipher.encrypt(_blank(amends.recipient))}
    row["currency"] = amends.currency.upper() if amends.currency else None
    return _add_to_incident(
        store, incident_id, expected_version, harm_amends, {**row, "version": 1},
        _audit_view(row), "amends_added", "harm_amends", actor,
    )  # fmt: skip


def answer_amends(
    store: Store,
    incident_id: int,
    expected_version: int,
    amends_id: int,
    response: str,
    responded_on: dt.date,
    actor: str,
) -> int:
    """Record the answer to amends offered (accepted or declined); returns the incident's
    new version."""
    if response not in ("accepted", "declined"):
        raise HarmError(f"response: {response!r} — expected accepted or declined")
    with store.transaction() as connection:
        _lock(connection, incident_id, expected_version)
        now = clock()
        found = (
            connection.execute(
                select(harm_amends).where(
                    (harm_amends.c.id == amends_id) & (harm_amends.c.incident_id == incident_id)
                )
            )
            .mappings()
            .first()
        )
        if found is None:
            raise HarmError(f"amends: {amends_id} — not offered for incident {incident_id}")
        if found["response"] != "pending":
            raise HarmError(f"amends: {amends_id} — already answered ({found['response']})")
        if responded_on < found["offered_on"] or responded_on > now.date():
            raise HarmError(
                f"responded_on: {responded_on} — expected from {found['offered_on']} to today"
            )
        connection.execute(
            update(harm_amends)
            .where(harm_amends.c.id == amends_id)
            .values(response=response, responded_on=responded_on, version=found["version"] + 1)
        )
        version = _bump(connection, incident_id, expected_version, now)
        details = {"amends": amends_id, "response": response, "responded_on": responded_on}
        _step(connection, incident_id, "amends_answered", actor, now, details, version)
        record(connection, actor, "update", "harm_amends", amends_id,
               before={"response": "pending"}, after=details)  # fmt: skip
    return version


def _decrypted(
    rows: Iterable[Mapping[str, Any]], personal: Sequence[str], cipher: Cipher, show: bool
) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = dict(row)
        for key in personal:
            if item.get(key) is not None:
                item[key] = cipher.decrypt(item[key]) if show else REDACTED
        for key, value in list(item.items()):
            if isinstance(value, dt.datetime):
                item[key] = _utc(value)
        out.append(item)
    return out


def get_incident(
    store: Store, incident_id: int, cipher: Cipher, personal: bool = False
) -> dict[str, Any] | None:
    """An incident with its victims, sources, amends, timeline and measures. Names and
    contacts are decrypted only when ``personal``; otherwise they read "[redacted]"."""
    with store.reading() as connection:
        row = (
            connection.execute(select(harm_incidents).where(harm_incidents.c.id == incident_id))
            .mappings()
            .first()
        )
        if row is None:
            return None

        def children(table: Any) -> list[Any]:
            return list(
                connection.execute(
                    select(table).where(table.c.incident_id == incident_id).order_by(table.c.id)
                ).mappings()
            )

        victims, sources, amends, steps = (
            children(t) for t in (harm_victims, harm_sources, harm_amends, harm_steps)
        )
        measures = list(
            connection.execute(
                select(mitigation_measures)
                .join(measure_incidents, measure_incidents.c.measure_id == mitigation_measures.c.id)
                .where(measure_incidents.c.incident_id == incident_id)
                .order_by(mitigation_measures.c.id)
            ).mappings()
        )
    out = _decrypted([dict(row)], (), cipher, personal)[0]
    out["victims"] = _decrypted(victims, PERSONAL["victims"], cipher, personal)
    out["sources"] = _decrypted(sources, PERSONAL["sources"], cipher, personal)
    out["amends"] = _decrypted(amends, PERSONAL["amends"], cipher, personal)
    out["steps"] = [{**s, "at": _utc(s["at"]), "details": json.loads(s["details"])} for s in steps]
    out["measures"] = [dict(m) for m in measures]
    return out


def list_incidents(
    connection: Connection,
    first: dt.date | None = None,
    last: dt.date | None = None,
    force: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Incidents (no personal data), newest first, with their number of victims and sources
    and whether amends were accepted."""
    query = select(harm_incidents)
    if first is not None:
        query = query.where(
            harm_incidents.c.occurred_at >= dt.datetime.combine(first, dt.time(), dt.UTC)
        )
    if last is not None:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(harm_incidents.c.occurred_at < end)
    if force:
        query = query.where(harm_incidents.c.force == force)
    if category:
        query = query.where(harm_incidents.c.category == category)
    frame = pd.read_sql(
        query.order_by(harm_incidents.c.occurred_at.desc(), harm_incidents.c.id.desc()),
        connection,
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    for table, name in ((harm_victims, "victims"), (harm_sources, "sources")):
        counts: dict[int, int] = dict(
            connection.execute(
                select(table.c.incident_id, func.count()).group_by(table.c.incident_id)
            ).all()
        )
        frame[name] = frame["id"].map(counts).fillna(0).astype(int)
    accepted = {
        r[0]
        for r in connection.execute(
            select(harm_amends.c.incident_id).where(harm_amends.c.response == "accepted")
        )
    }
    frame["amends_accepted"] = frame["id"].isin(accepted)
    return frame


def export_incidents(
    store: Store,
    cipher: Cipher,
    actor: str,
    personal: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(incidents, victims) for an export. Victims' names are redacted unless ``personal`` —
    an export of personal data is written to the audit log (every export is)."""
    with store.reading() as connection:
        incidents = list_incidents(connection)
        victims = pd.read_sql(select(harm_victims).order_by(harm_victims.c.id), connection)
    for key in PERSONAL["victims"]:
        victims[key] = [
            (cipher.decrypt(v) if personal else REDACTED) if isinstance(v, str) else None
            for v in victims[key]
        ]
    with store.transaction() as connection:
        record(
            connection,
            actor,
            "export",
            "harm_incidents",
            None,
            after={"incidents": len(incidents), "victims": len(victims), "personal": personal},
            detail="personal data included" if personal else "personal data redacted",
        )
    return incidents, victims


def public_summary(
    connection: Connection,
    first: dt.date,
    last: dt.date,
    by: str = "category",
    threshold: int = SMALL_COUNT,
) -> pd.DataFrame:
    """Aggregate counts for a public report: incidents, killed and injured (the minimum of each
    range) by ``by`` (category, force or activity) over the period; any count from 1 to
    ``threshold − 1`` is suppressed (shown as "<threshold"), as is any row that would let it
    be recovered from the total."""
    if by not in ("category", "force", "activity"):
        raise HarmError(f"by: {by!r} — expected category, force or activity")
    frame = list_incidents(connection, first, last)
    grouped = (
        frame.assign(key=frame[by].fillna("other"))
        .groupby("key")
        .agg(incidents=("id", "size"), killed=("killed_min", "sum"), injured=("injured_min", "sum"))
        .reset_index()
    )

    out = pd.DataFrame({by: grouped["key"]})
    for column in ("incidents", "killed", "injured"):
        out[column] = suppressed([int(v) for v in grouped[column]], threshold)
    return out


def suppressed(values: Sequence[int], threshold: int = SMALL_COUNT) -> list[str]:
    """``values`` (one column of a public table) as shown: 1 to ``threshold − 1`` as
    "<threshold"; if exactly one is so suppressed, the smallest other non-zero one is hidden too
    (shown as "x"), so that the suppressed one cannot be recovered from the column's total."""
    small = [i for i, v in enumerate(values) if 0 < v < threshold]
    shown = [f"<{threshold}" if i in small else str(int(v)) for i, v in enumerate(values)]
    if len(small) == 1:
        others = [(v, i) for i, v in enumerate(values) if v >= threshold]
        if others:
            shown[min(others)[1]] = "x"
    return shown


def from_event(connection: Connection, event_id: int) -> tuple[IncidentIn, str | None]:
    """An incident pre-filled from a stored event (an ACLED screen candidate): date, place,
    coordinates, the force among its actors, fatalities as the killed range, the notes as the
    description; the harm category is the caller's to choose (the screen suggests one).
    Returns the incident and the force's ACLED actor name."""
    row = connection.execute(select(events).where(events.c.id == event_id)).mappings().first()
    if row is None:
        raise HarmError(f"event_id: {event_id} — no such event in the store")
    actor = None
    force = "other"
    for name in (row.get("actor1"), row.get("actor2")):
        code = force_of(name)
        if code is not None:
            actor, force = name, code
            break
    date = row["event_date"]
    killed = int(row.get("fatalities") or 0)
    incident = IncidentIn(
        occurred_at=dt.datetime.combine(date, dt.time(12), dt.UTC),
        time_precision="day",
        force=force,
        category="other",
        place=row.get("location"),
        admin1_pcode=row.get("admin1_pcode"),
        admin2_pcode=row.get("admin2_pcode"),
        latitude=row.get("latitude"),
        longitude=row.get("longitude"),
        location_precision="village" if row.get("geo_precision") == 1 else "cercle",
        killed_min=killed,
        killed_max=killed,
        confidence="likely",
        description=row.get("notes"),
        reference=None,
    )
    return incident, actor


# --- mitigation measures ---------------------------------------------------------------------


def create_measure(
    store: Store, measure: MeasureIn, incident_ids: Sequence[int], actor: str
) -> int:
    """Record a mitigation measure and the incidents that motivated it; returns its id."""
    _check(measure.problems())
    now = clock()
    with store.transaction() as connection:
        _known_incidents(connection, incident_ids)
        key = connection.execute(
            insert(mitigation_measures).values(
                title=measure.title.strip(),
                kind=measure.kind,
                description=_blank(measure.description),
                owner=measure.owner.strip(),
                due_date=measure.due_date,
                status=measure.status,
                done_on=measure.done_on,
                created_by=actor,
                created_at=now,
                updated_at=now,
                version=1,
            )
        ).inserted_primary_key
        assert key is not None
        measure_id = int(key[0])
        for incident_id in sorted(set(incident_ids)):
            connection.execute(
                insert(measure_incidents).values(measure_id=measure_id, incident_id=incident_id)
            )
        record(connection, actor, "create", "mitigation_measure", measure_id,
               after={**asdict(measure), "incidents": sorted(set(incident_ids))})  # fmt: skip
    return measure_id


def _known_incidents(connection: Connection, incident_ids: Sequence[int]) -> None:
    wanted = set(incident_ids)
    if not wanted:
        return
    found = {
        r[0]
        for r in connection.execute(
            select(harm_incidents.c.id).where(harm_incidents.c.id.in_(wanted))
        )
    }
    missing = sorted(wanted - found)
    if missing:
        raise HarmError(f"incidents: {', '.join(map(str, missing))} — no such incident")


def update_measure(
    store: Store, measure_id: int, expected_version: int, changes: Mapping[str, Any], actor: str
) -> int:
    """Change a measure's status, owner, due date, …; returns its new version (audited)."""
    allowed = {f.name for f in fields(MeasureIn)}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise HarmError(f"{', '.join(unknown)}: not a field of a measure")
    with store.transaction() as connection:
        row = (
            connection.execute(
                select(mitigation_measures)
                .where(mitigation_measures.c.id == measure_id)
                .with_for_update()
            )
            .mappings()
            .first()
        )
        if row is None:
            raise HarmError(f"measure: {measure_id} — no such measure")
        if int(row["version"]) != expected_version:
            raise VersionConflict(
                f"measure {measure_id} changed since it was read (version {expected_version}, "
                f"now {row['version']}): reload it and try again"
            )
        merged = MeasureIn(**{k: row[k] for k in allowed} | dict(changes))
        if merged.status == "done" and merged.done_on is None:
            merged.done_on = clock().date()
        _check(merged.problems())
        after = {k: getattr(merged, k) for k in allowed if getattr(merged, k) != row[k]}
        if not after:
            return expected_version
        connection.execute(
            update(mitigation_measures)
            .where(mitigation_measures.c.id == measure_id)
            .values(**after, updated_at=clock(), version=expected_version + 1)
        )
        record(connection, actor, "update", "mitigation_measure", measure_id,
               before={k: row[k] for k in after}, after=after)  # fmt: skip
    return expected_version + 1


def link_measure(store: Store, measure_id: int, incident_id: int, actor: str) -> None:
    """Link one more motivating incident to a measure (audited; a repeat changes nothing)."""
    with store.transaction() as connection:
        if (
            connection.execute(
                select(mitigation_measures.c.id).where(mitigation_measures.c.id == measure_id)
            ).first()
            is None
        ):
            raise HarmError(f"measure: {measure_id} — no such measure")
        _known_incidents(connection, [incident_id])
        exists = connection.execute(
            select(measure_incidents.c.id).where(
                (measure_incidents.c.measure_id == measure_id)
                & (measure_incidents.c.incident_id == incident_id)
            )
        ).first()
        if exists is not None:
            return
        connection.execute(
            insert(measure_incidents).values(measure_id=measure_id, incident_id=incident_id)
        )
        record(connection, actor, "link", "mitigation_measure", measure_id,
               after={"incident": incident_id})  # fmt: skip


@dataclass
class MeasureView:
    id: int
    title: str
    kind: str
    owner: str
    due_date: dt.date
    status: str
    done_on: dt.date | None
    version: int
    incidents: list[int] = field(default_factory=list)
    overdue: bool = False
    days_overdue: int = 0


def list_measures(connection: Connection, today: dt.date | None = None) -> list[MeasureView]:
    """Every measure, overdue ones first (due before ``today`` and neither done nor dropped),
    then by due date."""
    day = today or clock().date()
    links: dict[int, list[int]] = {}
    for measure_id, incident_id in connection.execute(
        select(measure_incidents.c.measure_id, measure_incidents.c.incident_id).order_by(
            measure_incidents.c.incident_id
        )
    ):
        links.setdefault(int(measure_id), []).append(int(incident_id))
    out = []
    for row in connection.execute(select(mitigation_measures)).mappings():
        open_ = row["status"] not in ("done", "dropped")
        late = (day - row["due_date"]).days if open_ else 0
        out.append(
            MeasureView(
                id=row["id"],
                title=row["title"],
                kind=row["kind"],
                owner=row["owner"],
                due_date=row["due_date"],
                status=row["status"],
                done_on=row["done_on"],
                version=row["version"],
                incidents=links.get(int(row["id"]), []),
                overdue=late > 0,
                days_overdue=max(late, 0),
            )
        )
    return sorted(out, key=lambda m: (not m.overdue, m.due_date, m.id))
