"""The alert register: record alerts, move them through their lifecycle, merge duplicates.

Every write is one transaction holding the alert change, its step in the timeline and an audit
entry. Changes use optimistic locking: the caller says which version of the alert it acted on,
and a change to an alert that moved on since is refused with :class:`VersionConflict` (nothing is
overwritten). Reporters' names and contacts are encrypted before they reach the database
(:mod:`sentinelle.protection`) and shown only to roles allowed to see personal data.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from sentinelle.accounts import now as clock
from sentinelle.accounts import record
from sentinelle.domain.alerts import (
    CLOCK_SKEW,
    Standing,
    TransitionError,
    allowed_actions,
    check_transition,
    plain_text,
    step_time,
    vocabulary,
)
from sentinelle.domain.threat import threat_types
from sentinelle.protection import REDACTED, Cipher
from sentinelle.store import alerts as alert_store
from sentinelle.store import places
from sentinelle.store.alerts import VersionConflict
from sentinelle.store.database import Store

__all__ = [
    "AlertError",
    "AlertIn",
    "Created",
    "TransitionError",
    "VersionConflict",
    "create_alert",
    "create_in",
    "get_alert",
    "timeline",
    "transition",
    "transition_in",
]

PERSONAL = ("reporter_name", "reporter_contact")
SOURCES = ("web", "api", "csv", "sms", "demo")
TEXT_LIMITS = {
    "reporter_name": 200,
    "reporter_contact": 200,
    "place": 200,
    "population_note": 1000,
    "suspected_perpetrator": 60,
    "description": 4000,
}
OTHER_THREAT = "other"


class AlertError(ValueError):
    """An alert that cannot be recorded as given (field, value, what was expected)."""


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Times are kept in UTC; a time read back without a zone is UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def threat_codes() -> list[str]:
    return [*threat_types(), OTHER_THREAT]


@dataclass
class AlertIn:
    """What is known when an alert arrives. Only ``channel`` and ``received_at`` are
    required; the rest is filled in as it is learnt."""

    channel: str
    received_at: dt.datetime
    reporter_name: str | None = None
    reporter_contact: str | None = None
    place: str | None = None
    admin1_pcode: str | None = None
    admin2_pcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None
    threat_type: str | None = None
    threatened_population: str | None = None
    population_note: str | None = None
    suspected_perpetrator: str | None = None
    urgency: str | None = None
    description: str | None = None
    owner: str | None = None

    def problems(self, now: dt.datetime) -> list[str]:
        """Every problem, each as 'field: value — expected'."""
        out: list[str] = []

        def code(name: str, value: str | None, options: list[str], required: bool = False) -> None:
            if value is None or value == "":
                if required:
                    out.append(f"{name}: missing — expected one of {', '.join(options)}")
                return
            if value not in options:
                out.append(f"{name}: {value!r} — expected one of {', '.join(options)}")

        code("channel", self.channel, list(vocabulary("channel")), required=True)
        code("precision", self.precision, list(vocabulary("precision")))
        code("threat_type", self.threat_type, threat_codes())
        code("threatened_population", self.threatened_population,
             list(vocabulary("threatened_population")))  # fmt: skip
        code("urgency", self.urgency, list(vocabulary("urgency")))
        if not isinstance(self.received_at, dt.datetime):
            out.append("received_at: missing — expected a date and time with a time zone")
        elif self.received_at.tzinfo is None:
            out.append(
                f"received_at: {self.received_at.isoformat()} — expected a time zone "
                "(e.g. 2024-03-01T14:05+00:00)"
            )
        elif self.received_at > now + CLOCK_SKEW:
            out.append(f"received_at: {self.received_at.isoformat()} — is in the future")
        elif self.received_at.year < 1990:
            out.append(f"received_at: {self.received_at.isoformat()} — expected 1990 or later")
        for name, limit in TEXT_LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str):
                out.append(f"{name}: {value!r} — expected text")
            elif len(value) > limit:
                out.append(f"{name}: {len(value)} characters — expected at most {limit}")
            elif not plain_text(value):
                out.append(f"{name}: control characters or invalid text — expected plain text")
        has_lat, has_lon = self.latitude is not None, self.longitude is not None
        if has_lat != has_lon:
            out.append("latitude/longitude: only one given — expected both or neither")
        for name, value, bound in (
            ("latitude", self.latitude, 90),
            ("longitude", self.longitude, 180),
        ):
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                out.append(f"{name}: {value!r} — expected a number")
            elif not -bound <= value <= bound:
                out.append(f"{name}: {value} — expected −{bound} to {bound}")
        return out


@dataclass
class Created:
    id: int
    created: bool  # False when the message id was already recorded (an idempotent repeat)
    version: int


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _owner(value: str | None, fallback: str) -> str:
    """The owner of a step: a name of at most 200 characters of plain text."""
    owner = _blank(value)
    if owner is None:
        return fallback
    if len(owner) > 200 or not plain_text(owner):
        raise TransitionError("owner: expected a name of at most 200 characters of plain text")
    return owner


def _admin_codes(units: _Units, alert: AlertIn) -> tuple[str | None, str | None]:
    """The alert's region and cercle: as given (checked against the store's units), else from
    its coordinates."""
    admin1, admin2 = _blank(alert.admin1_pcode), _blank(alert.admin2_pcode)
    if admin2 is not None:
        if admin2 not in units.admin2_parent:
            raise AlertError(f"admin2_pcode: {admin2!r} — not a cercle in the store")
        parent = units.admin2_parent[admin2]
        if admin1 is not None and parent and admin1 != parent:
            raise AlertError(f"admin1_pcode: {admin1!r} — cercle {admin2} lies in {parent}")
        admin1 = admin1 or parent
    if admin1 is not None and admin1 not in units.admin1:
        raise AlertError(f"admin1_pcode: {admin1!r} — not a region in the store")
    if admin2 is None and alert.latitude is not None and alert.longitude is not None:
        found = units.locate(alert.longitude, alert.latitude)
        if found is not None:
            admin2, parent = found
            admin1 = admin1 or parent
    return admin1, admin2


@dataclass
class _Units:
    admin1: set[str]
    admin2_parent: dict[str, str | None]
    polygons: list[tuple[str, str | None, Any]] = field(default_factory=list)

    def locate(self, lon: float, lat: float) -> tuple[str, str | None] | None:
        from shapely import Point

        point = Point(lon, lat)
        for code, parent, geometry in self.polygons:
            if geometry.covers(point):
                return code, parent
        return None


_UNITS: dict[tuple[int, str], tuple[Any, float, _Units]] = {}
UNITS_RECHECK_SECONDS = 5.0
"""How long the cached units are used before checking whether they were replaced."""


def places_cache(store: Store) -> _Units:
    """The store's admin units, kept in memory and re-read when they change (checked at most
    every :data:`UNITS_RECHECK_SECONDS`: an import of new boundaries is seen within seconds)."""
    key = (id(store.engine), store.url)
    cached = _UNITS.get(key)
    moment = time.monotonic()
    if cached is not None and moment - cached[1] < UNITS_RECHECK_SECONDS:
        return cached[2]
    with store.reading() as connection:
        version = places.units_version(connection)
        if cached is not None and cached[0] == version:
            _UNITS[key] = (version, moment, cached[2])
            return cached[2]
        regions = places.load_units(connection, "admin1")
        cercles = places.load_units(connection, "admin2")
    polygons = [(u.pcode, u.parent_pcode, u.geometry) for u in cercles if u.geometry is not None]
    for _, _, geometry in polygons:
        from shapely import prepare

        prepare(geometry)
    units = _Units({u.pcode for u in regions}, {u.pcode: u.parent_pcode for u in cercles}, polygons)
    _UNITS[key] = (version, moment, units)
    return units


def _audit_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """An alert's fields for the audit log: personal data is never copied there."""
    return {
        k: ("[encrypted]" if k in PERSONAL and v is not None else v)
        for k, v in values.items()
        if v is not None
    }


def _values(store_units: _Units, alert: AlertIn, actor: str, cipher: Cipher, source: str,
            message_id: str | None, now: dt.datetime) -> dict[str, Any]:  # fmt: skip
    if source not in SOURCES:
        raise AlertError(f"source: {source!r} — expected one of {', '.join(SOURCES)}")
    problems = alert.problems(now)
    if problems:
        raise AlertError("; ".join(problems))
    admin1, admin2 = _admin_codes(store_units, alert)
    try:
        owner = _owner(alert.owner, actor)
    except TransitionError as exc:
        raise AlertError(str(exc)) from None
    received = as_utc(alert.received_at)
    assert received is not None
    return {
        "channel": alert.channel,
        "received_at": received,
        "reporter_name": cipher.encrypt(_blank(alert.reporter_name)),
        "reporter_contact": cipher.encrypt(_blank(alert.reporter_contact)),
        "place": _blank(alert.place),
        "admin1_pcode": admin1,
        "admin2_pcode": admin2,
        "latitude": alert.latitude,
        "longitude": alert.longitude,
        "precision": alert.precision or None,
        "threat_type": alert.threat_type or None,
        "threatened_population": alert.threatened_population or None,
        "population_note": _blank(alert.population_note),
        "suspected_perpetrator": _blank(alert.suspected_perpetrator),
        "urgency": alert.urgency or None,
        "description": _blank(alert.description),
        "state": "received",
        "owner": owner,
        "source": source,
        "source_message_id": message_id,
        "created_by": actor,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def create_in(
    connection: Connection,
    units: _Units,
    alert: AlertIn,
    actor: str,
    cipher: Cipher,
    source: str = "web",
    message_id: str | None = None,
) -> int:
    """Record a received alert inside the caller's transaction; returns its id. ``units`` is
    :func:`places_cache` of the store (region and cercle checks, placement of coordinates)."""
    now = clock()
    values = _values(units, alert, actor, cipher, source, message_id, now)
    alert_id = alert_store.insert_alert(connection, values)
    alert_store.insert_step(
        connection, alert_id, "receive", None, "received", values["received_at"], now, actor,
        values["owner"], {"channel": alert.channel}, 1,
    )  # fmt: skip
    record(connection, actor, "create", "alert", alert_id, after=_audit_view(values))
    return alert_id


def create_alert(
    store: Store,
    alert: AlertIn,
    actor: str,
    cipher: Cipher,
    source: str = "web",
    message_id: str | None = None,
) -> Created:
    """Record a received alert (idempotent on ``message_id``: a repeat returns the first,
    with ``created`` false; the database's unique index decides, so two copies arriving at
    once still make one alert)."""
    units = places_cache(store)
    try:
        with store.transaction() as connection:
            alert_id = create_in(connection, units, alert, actor, cipher, source, message_id)
    except IntegrityError:
        if message_id is None:
            raise
        with store.reading() as connection:
            found = alert_store.alert_by_message_id(connection, message_id)
        if found is None:
            raise
        return Created(int(found["id"]), False, int(found["version"]))
    return Created(alert_id, True, 1)


def _standing(connection: Connection, row: Mapping[str, Any]) -> Standing:
    last = as_utc(alert_store.last_step_time(connection, int(row["id"])))
    received = as_utc(row["received_at"])
    assert received is not None
    return Standing(
        state=row["state"],
        received_at=received,
        last_step_at=last or received,
        verification=row["verification"],
        response_required=row["response_required"],
        decision=row["decision"],
        closed_from=row["closed_from"],
    )


def transition_in(
    connection: Connection,
    alert_id: int,
    action: str,
    values: Mapping[str, Any],
    actor: str,
    expected_version: int,
    at: dt.datetime | None = None,
    owner: str | None = None,
) -> int:
    """:func:`transition` inside the caller's transaction."""
    row = alert_store.get_alert(connection, alert_id, for_update=True)
    now = clock()  # read after the lock: later than any step committed before it
    if row is None:
        raise AlertError(f"no alert {alert_id}")
    if int(row["version"]) != expected_version:
        raise VersionConflict(alert_id, expected_version, int(row["version"]))
    standing = _standing(connection, row)
    moment = step_time(standing, as_utc(at), now)
    changes = check_transition(standing, action, values, moment)
    if action == "merge":
        _check_merge(connection, alert_id, int(changes["merged_into"]))
    step_owner = _owner(owner, actor)
    changes["owner"] = step_owner
    version = alert_store.update_alert(connection, alert_id, expected_version, changes, now)
    details = {k: v for k, v in changes.items() if k not in ("state", "owner")}
    if action == "reopen":
        details["reason"] = values.get("reason")
    if action == "note":
        details["text"] = str(values.get("text", "")).strip()
    alert_store.insert_step(
        connection, alert_id, action, standing.state, changes["state"], moment, now, actor,
        step_owner, details, version,
    )  # fmt: skip
    before = {k: row.get(k) for k in changes}
    record(connection, actor, action, "alert", alert_id, before=before, after=changes)
    return version


def transition(
    store: Store,
    alert_id: int,
    action: str,
    values: Mapping[str, Any],
    actor: str,
    expected_version: int,
    at: dt.datetime | None = None,
    owner: str | None = None,
) -> int:
    """Take one step of the lifecycle; returns the alert's new version.

    Raises :class:`AlertError` (no such alert), :class:`TransitionError` (a step the lifecycle
    does not allow, or missing fields) or :class:`VersionConflict` (the alert moved on)."""
    with store.transaction() as connection:
        return transition_in(
            connection, alert_id, action, values, actor, expected_version, at, owner
        )


def _check_merge(connection: Connection, alert_id: int, into: int) -> None:
    if into == alert_id:
        raise TransitionError("an alert cannot be merged into itself")
    primary = alert_store.get_alert(connection, into)
    if primary is None:
        raise TransitionError(f"merged_into: no alert {into}")
    if primary["state"] == "merged":
        raise TransitionError(
            f"alert {into} was itself merged into alert {primary['merged_into']}: merge into that"
        )


def get_alert(
    store: Store, alert_id: int, cipher: Cipher, personal: bool = False, language: str = "en"
) -> dict[str, Any] | None:
    """An alert as a plain dict; personal fields decrypted when ``personal``, else redacted.
    ``actions`` lists the steps open to it."""
    with store.reading() as connection:
        row = alert_store.get_alert(connection, alert_id)
        if row is None:
            return None
        standing = _standing(connection, row)
    out = dict(row)
    for key in PERSONAL:
        if out[key] is not None:
            out[key] = cipher.decrypt(out[key]) if personal else REDACTED
    for key, value in list(out.items()):
        if isinstance(value, dt.datetime):
            out[key] = as_utc(value)
    out["actions"] = allowed_actions(standing)
    out["last_step_at"] = standing.last_step_at
    return out


def timeline(store: Store, alert_id: int) -> list[dict[str, Any]]:
    """The alert's steps, oldest first."""
    with store.reading() as connection:
        steps = alert_store.load_steps(connection, alert_id)
    for step in steps:
        step["at"] = as_utc(step["at"])
        step["recorded_at"] = as_utc(step["recorded_at"])
    return steps
