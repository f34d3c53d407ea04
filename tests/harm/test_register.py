"""The civilian harm register on SQLite and PostgreSQL: records and their timeline, validation,
optimistic locking, the audit log, and personal data that the database alone never reveals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, String, Text, func, select, text

from sentinelle.harm.register import (
    AmendsIn,
    HarmError,
    IncidentIn,
    MeasureIn,
    SourceIn,
    VersionConflict,
    VictimIn,
    add_amends,
    add_source,
    add_victim,
    answer_amends,
    create_incident,
    create_measure,
    export_incidents,
    get_incident,
    list_measures,
    public_summary,
    suppressed,
    update_incident,
    update_measure,
)
from sentinelle.protection import PREFIX, REDACTED, Cipher
from sentinelle.store.database import Store
from sentinelle.store.schema import audit_log, harm_incidents, harm_steps, harm_victims

VICTIM = "Aïssata Traoré-TEST"
SOURCE = "Moussa Diallo-TEST"
CONTACT = "+223 00 11 22 33"
RECIPIENT = "Fanta Keïta-TEST"
NAMES = (VICTIM, SOURCE, CONTACT, RECIPIENT, "Aïssata", "Traoré-TEST", "Diallo-TEST", "Keïta-TEST")


@pytest.fixture
def cipher() -> Cipher:
    return Cipher.generate()


def days_ago(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def incident(**changes: Any) -> IncidentIn:
    values: dict[str, Any] = {
        "occurred_at": days_ago(3),
        "force": "minusma",
        "category": "traffic_accident",
        "activity": "convoy",
        "place": "Gao",
        "killed_min": 1,
        "killed_max": 2,
        "injured_min": 0,
        "injured_max": 1,
    }
    return IncidentIn(**{**values, **changes})


def new_incident(store: Store, cipher: Cipher, **changes: Any) -> int:
    return create_incident(store, incident(**changes), "officer", cipher)


def counts(store: Store) -> dict[str, int]:
    with store.reading() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (harm_incidents, harm_victims, harm_steps, audit_log)
        }


def audit_text(store: Store) -> str:
    with store.reading() as connection:
        rows = connection.execute(select(audit_log)).mappings().all()
    return json.dumps([dict(r) for r in rows], default=str, ensure_ascii=False)


def test_an_incident_moves_through_its_life_with_a_step_and_an_audit_entry_each_time(
    store: Store, cipher: Cipher
) -> None:
    victim = VictimIn(harm="killed", name=VICTIM, sex="female", age=34, cause="vehicle")
    source = SourceIn(kind="witness", reliability="usually", name=SOURCE, contact=CONTACT)
    incident_id = create_incident(
        store, incident(reference="H-1"), "officer", cipher, [victim], [source]
    )
    version = update_incident(store, incident_id, 1, {"investigation": "under_way"}, "officer")
    assert version == 2
    # a change that changes nothing is not a new version
    assert update_incident(store, incident_id, 2, {"investigation": "under_way"}, "x") == 2
    version = add_victim(store, incident_id, version, VictimIn(harm="injured", age=9), "officer",
                         cipher)  # fmt: skip
    version = add_source(store, incident_id, version, SourceIn(kind="ngo"), "officer", cipher)
    amends = AmendsIn(kind="condolence_payment", offered_on=days_ago(1).date(), amount=500_000,
                      currency="xof", recipient=RECIPIENT)  # fmt: skip
    version = add_amends(store, incident_id, version, amends, "officer", cipher)
    found = get_incident(store, incident_id, cipher)
    assert found is not None
    amends_id = found["amends"][0]["id"]
    assert found["amends"][0]["currency"] == "XOF"
    version = answer_amends(store, incident_id, version, amends_id, "accepted",
                            dt.datetime.now(dt.UTC).date(), "officer")  # fmt: skip
    changes = {
        "investigation": "concluded",
        "findings": "Speed in town.",
        "confidence": "confirmed",
    }
    version = update_incident(store, incident_id, version, changes, "officer")
    assert version == 7

    found = get_incident(store, incident_id, cipher)
    assert found is not None and found["version"] == 7
    assert found["investigation"] == "concluded" and found["confidence"] == "confirmed"
    assert [s["action"] for s in found["steps"]] == [
        "created", "investigation", "victim_added", "source_added", "amends_added",
        "amends_answered", "investigation",
    ]  # fmt: skip
    assert [s["version"] for s in found["steps"]] == list(range(1, 8))
    assert found["steps"][-1]["details"]["before"]["investigation"] == "under_way"
    assert found["amends"][0]["response"] == "accepted"
    assert len(found["victims"]) == 2 and len(found["sources"]) == 2
    # names: redacted unless asked for
    assert found["victims"][0]["name"] == REDACTED
    assert found["sources"][0]["name"] == REDACTED and found["sources"][0]["contact"] == REDACTED
    assert found["amends"][0]["recipient"] == REDACTED
    shown = get_incident(store, incident_id, cipher, personal=True)
    assert shown is not None
    assert shown["victims"][0]["name"] == VICTIM and shown["victims"][1]["name"] is None
    assert shown["sources"][0]["name"] == SOURCE and shown["sources"][0]["contact"] == CONTACT
    assert shown["amends"][0]["recipient"] == RECIPIENT
    with pytest.raises(Exception, match="does not open"):
        get_incident(store, incident_id, Cipher.generate(), personal=True)

    # one audit entry per change (the no-op update wrote none), none holding a name
    with store.reading() as connection:
        entries = connection.execute(
            select(audit_log.c.action, audit_log.c.record_type).order_by(audit_log.c.id)
        ).all()
    assert [tuple(e) for e in entries] == [
        ("create", "harm_incident"), ("update", "harm_incident"), ("create", "harm_victim"),
        ("create", "harm_source"), ("create", "harm_amends"), ("update", "harm_amends"),
        ("update", "harm_incident"),
    ]  # fmt: skip
    logged = audit_text(store)
    steps = json.dumps(found["steps"], default=str, ensure_ascii=False)
    for name in NAMES:
        assert name not in logged and name not in steps


def test_answering_amends_twice_or_for_another_incident_is_refused(
    store: Store, cipher: Cipher
) -> None:
    first, other = new_incident(store, cipher), new_incident(store, cipher)
    amends = AmendsIn(kind="apology", offered_on=days_ago(2).date())
    version = add_amends(store, first, 1, amends, "officer", cipher)
    found = get_incident(store, first, cipher)
    assert found is not None
    amends_id = found["amends"][0]["id"]
    today = dt.datetime.now(dt.UTC).date()
    with pytest.raises(HarmError, match="not offered for incident"):
        answer_amends(store, other, 1, amends_id, "accepted", today, "officer")
    with pytest.raises(HarmError, match="responded_on"):
        answer_amends(store, first, version, amends_id, "accepted", days_ago(5).date(), "o")
    with pytest.raises(HarmError, match="response"):
        answer_amends(store, first, version, amends_id, "maybe", today, "officer")
    version = answer_amends(store, first, version, amends_id, "declined", today, "officer")
    with pytest.raises(HarmError, match="already answered"):
        answer_amends(store, first, version, amends_id, "accepted", today, "officer")


BAD_INCIDENTS = [
    ({"force": "navy"}, "force"),
    ({"force": None}, "force: missing"),
    ({"category": "accident"}, "category"),
    ({"activity": "parade"}, "activity"),
    ({"confidence": "sure"}, "confidence"),
    ({"investigation": "done"}, "investigation"),
    ({"time_precision": "second"}, "time_precision"),
    ({"occurred_at": days_ago(-2)}, "occurred_at"),
    ({"occurred_at": dt.datetime(2018, 5, 1)}, "occurred_at"),  # no time zone
    ({"occurred_at": "2018-05-01"}, "occurred_at"),
    ({"killed_min": 3, "killed_max": 1}, "killed_max"),
    ({"injured_min": -1}, "injured_min"),
    ({"killed_max": 2.5}, "killed_max"),
    ({"killed_max": True}, "killed_max"),
    ({"latitude": 16.2}, "latitude/longitude"),
    ({"latitude": 95.0, "longitude": 0.0}, "latitude"),
    ({"latitude": 16.0, "longitude": float("nan")}, "longitude"),
    ({"description": "bell \x07 in text"}, "description"),
    ({"place": "x" * 201}, "place"),
    ({"reference": "r" * 61}, "reference"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_INCIDENTS)
def test_a_bad_incident_names_its_field_and_writes_nothing(
    store: Store, cipher: Cipher, changes: dict[str, Any], field: str
) -> None:
    before = counts(store)
    with pytest.raises(HarmError) as refused:
        new_incident(store, cipher, **changes)
    assert any(p.startswith(field) for p in refused.value.problems), refused.value.problems
    assert counts(store) == before


@pytest.mark.parametrize(
    ("victim", "source", "field"),
    [
        (VictimIn(harm="dead"), None, "victim 1 harm"),
        (VictimIn(harm="killed", age=130), None, "victim 1 age"),
        (VictimIn(harm="killed", sex="f"), None, "victim 1 sex"),
        (VictimIn(harm="killed", civilian_status="fighter"), None, "victim 1 civilian_status"),
        (VictimIn(harm="killed", cause="knife"), None, "victim 1 cause"),
        (VictimIn(harm="killed", name="x" * 201), None, "victim 1 name"),
        (None, SourceIn(kind="rumour"), "source 1 kind"),
        (None, SourceIn(kind="ngo", reliability="great"), "source 1 reliability"),
        (None, SourceIn(kind="ngo", received_at=days_ago(-3)), "source 1 received_at"),
    ],
)
def test_bad_victims_and_sources_are_refused_with_the_incident(
    store: Store, cipher: Cipher, victim: VictimIn | None, source: SourceIn | None, field: str
) -> None:
    before = counts(store)
    with pytest.raises(HarmError) as refused:
        create_incident(store, incident(), "officer", cipher,
                        [victim] if victim else [], [source] if source else [])  # fmt: skip
    assert any(p.startswith(field) for p in refused.value.problems), refused.value.problems
    assert counts(store) == before


def test_bad_additions_and_updates_change_nothing(store: Store, cipher: Cipher) -> None:
    incident_id = new_incident(store, cipher, reference="H-9")
    before = counts(store)
    cases: list[tuple[Any, str]] = [
        (lambda: add_victim(store, incident_id, 1, VictimIn(harm="killed", age=-1), "o", cipher),
         "age"),
        (lambda: add_source(store, incident_id, 1, SourceIn(kind="x"), "o", cipher), "kind"),
        (lambda: add_amends(store, incident_id, 1, AmendsIn(kind="apology",
         offered_on=days_ago(1).date(), amount=100), "o", cipher), "currency"),
        (lambda: add_amends(store, incident_id, 1, AmendsIn(kind="apology",
         offered_on=days_ago(-3).date()), "o", cipher), "offered_on"),
        (lambda: add_amends(store, incident_id, 1, AmendsIn(kind="apology",
         offered_on=days_ago(3).date(), response="accepted"), "o", cipher), "responded_on"),
        (lambda: update_incident(store, incident_id, 1, {"killed_min": 5}, "o"), "killed_max"),
        (lambda: update_incident(store, incident_id, 1, {"colour": "red"}, "o"), "colour"),
        (lambda: new_incident(store, cipher, reference="H-9"), "reference"),
        (lambda: update_incident(store, 999_999, 1, {"lessons": "x"}, "o"), "incident"),
    ]  # fmt: skip
    for call, field in cases:
        with pytest.raises(HarmError) as refused:
            call()
        assert field in str(refused.value)
    assert counts(store) == before
    found = get_incident(store, incident_id, cipher)
    assert found is not None and found["version"] == 1 and found["killed_min"] == 1


def test_a_stale_version_is_refused_and_loses_nothing(store: Store, cipher: Cipher) -> None:
    incident_id = new_incident(store, cipher)
    # two people read version 1; the first saves, the second is told to reload
    assert update_incident(store, incident_id, 1, {"lessons": "Slow down."}, "first") == 2
    before = counts(store)
    calls = [
        lambda: update_incident(store, incident_id, 1, {"lessons": "Other."}, "second"),
        lambda: add_victim(store, incident_id, 1, VictimIn(harm="injured"), "second", cipher),
        lambda: add_source(store, incident_id, 1, SourceIn(kind="media"), "second", cipher),
        lambda: add_amends(store, incident_id, 1,
                           AmendsIn(kind="apology", offered_on=days_ago(1).date()), "s", cipher),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(VersionConflict, match="version 1, now 2"):
            call()
    assert counts(store) == before
    found = get_incident(store, incident_id, cipher)
    assert found is not None and found["lessons"] == "Slow down." and found["version"] == 2
    measure_id = create_measure(
        store, MeasureIn("Speed", "speed_rules", "J3", days_ago(-30).date()), [incident_id], "o"
    )
    assert update_measure(store, measure_id, 1, {"status": "under_way"}, "o") == 2
    with pytest.raises(VersionConflict):
        update_measure(store, measure_id, 1, {"status": "done"}, "o")  # fmt: skip


def test_the_database_alone_does_not_reveal_names(store: Store, cipher: Cipher) -> None:
    victim = VictimIn(harm="killed", name=VICTIM, note=f"sister of {SOURCE}", sex="female")
    source = SourceIn(kind="witness", name=SOURCE, contact=CONTACT,
                      account="Saw the truck hit her.")  # fmt: skip
    incident_id = create_incident(store, incident(), "officer", cipher, [victim], [source])
    version = add_victim(store, incident_id, 1, VictimIn(harm="injured", name=VICTIM), "o", cipher)
    version = add_source(
        store,
        incident_id,
        version,
        SourceIn(kind="victim", name=SOURCE, contact=CONTACT),
        "o",
        cipher,
    )
    add_amends(store, incident_id, version, AmendsIn(kind="apology",
               offered_on=days_ago(1).date(), recipient=RECIPIENT), "o", cipher)  # fmt: skip
    export_incidents(store, cipher, "officer", personal=True)
    found = get_incident(store, incident_id, cipher, personal=True)
    assert found is not None and found["victims"][0]["name"] == VICTIM  # the data is there

    # every text column of every table, read straight from the database
    reflected = MetaData()
    reflected.reflect(store.engine)
    seen = 0
    encrypted = 0
    with store.engine.connect() as connection:
        for table in reflected.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for column in columns:
                for (value,) in connection.execute(select(column).where(column.is_not(None))):
                    seen += 1
                    encrypted += str(value).startswith(PREFIX)
                    for name in NAMES:
                        assert name not in str(value), f"{table.name}.{column.name}"
        raw = connection.execute(text("SELECT name, note FROM harm_victims")).all()
    assert seen > 50 and encrypted >= 8
    assert raw[0][0].startswith(PREFIX) and raw[0][1].startswith(PREFIX)
    if store.dialect == "sqlite":
        database = Path(store.engine.url.database or "")
        files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
        assert database in files
        for path in files:
            data = path.read_bytes()
            for name in NAMES:
                assert name.encode("utf-8") not in data, path.name
                assert name.encode("utf-16-le") not in data, path.name


def test_exports_redact_names_unless_asked_and_are_audited(store: Store, cipher: Cipher) -> None:
    incident_id = new_incident(store, cipher)
    add_victim(store, incident_id, 1, VictimIn(harm="killed", name=VICTIM), "o", cipher)
    incidents, victims = export_incidents(store, cipher, "analyst")
    assert list(incidents["id"]) == [incident_id]
    assert list(victims["name"]) == [REDACTED]
    assert VICTIM not in incidents.to_csv() + victims.to_csv()
    _, named = export_incidents(store, cipher, "adviser", personal=True)
    assert list(named["name"]) == [VICTIM]
    with store.reading() as connection:
        exports = connection.execute(
            select(audit_log.c.actor, audit_log.c.detail, audit_log.c.after)
            .where(audit_log.c.action == "export")
            .order_by(audit_log.c.id)
        ).all()
    assert [(e.actor, e.detail) for e in exports] == [
        ("analyst", "personal data redacted"),
        ("adviser", "personal data included"),
    ]
    assert json.loads(exports[1].after)["personal"] is True
    assert VICTIM not in audit_text(store)


def test_public_summary_suppresses_counts_of_one_and_two(store: Store, cipher: Cipher) -> None:
    # crossfire: 1 incident, 2 killed; traffic: 4 incidents, 5 killed; detention: 3, 0 killed
    for _ in range(1):
        new_incident(store, cipher, category="crossfire", killed_min=2, killed_max=4)
    for i in range(4):
        new_incident(store, cipher, category="traffic_accident", killed_min=int(i < 1) * 5,
                     killed_max=5, injured_min=1, injured_max=1)  # fmt: skip
    for _ in range(3):
        new_incident(store, cipher, category="detention", killed_min=0, killed_max=0,
                     activity=None)  # fmt: skip
    first, last = days_ago(30).date(), dt.datetime.now(dt.UTC).date()
    with store.reading() as connection:
        summary = public_summary(connection, first, last).set_index("category")
        by_activity = public_summary(connection, first, last, by="activity").set_index("activity")
        old = public_summary(connection, days_ago(400).date(), days_ago(300).date())
        with pytest.raises(HarmError, match="by"):
            public_summary(connection, first, last, by="victim")
    assert summary.loc["crossfire", "incidents"] == "<3"
    assert summary.loc["crossfire", "killed"] == "<3"
    # one suppressed count in a column: its smallest other non-zero count is hidden too
    assert summary.loc["traffic_accident", "killed"] == "x"
    assert summary.loc["traffic_accident", "injured"] == "4"
    assert summary.loc["detention", "killed"] == "0"
    assert summary.loc["detention", "incidents"] == "x"
    assert summary.loc["traffic_accident", "incidents"] == "4"
    assert by_activity.loc["other", "incidents"] == "3"  # no activity counts as other
    assert by_activity.loc["convoy", "incidents"] == "5"
    assert old.empty
    assert suppressed([0, 1, 2, 7]) == ["0", "<3", "<3", "7"]
    assert suppressed([1, 7, 4]) == ["<3", "7", "x"]
    assert suppressed([1, 0]) == ["<3", "0"]


def test_list_measures_puts_the_overdue_ones_first(store: Store, cipher: Cipher) -> None:
    incident_id = new_incident(store, cipher)
    today = dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    made = {}
    for title, due, status, done_on in (
        ("later", today + 10 * day, "planned", None),
        ("late", today - 5 * day, "under_way", None),
        ("done", today - 20 * day, "done", today - 25 * day),
        ("dropped", today - 30 * day, "dropped", None),
        ("very late", today - 40 * day, "planned", None),
    ):
        made[title] = create_measure(
            store, MeasureIn(title, "speed_rules", "J3", due, status, done_on=done_on),
            [incident_id], "officer",
        )  # fmt: skip
    with pytest.raises(HarmError, match="no such incident"):
        create_measure(store, MeasureIn("x", "training", "J3", today), [999_999], "officer")
    with pytest.raises(HarmError, match="owner"):
        create_measure(store, MeasureIn("x", "training", " ", today), [], "officer")
    with store.reading() as connection:
        measures = list_measures(connection, today=today)
        earlier = list_measures(connection, today=today - 60 * day)
    assert [m.title for m in measures] == ["very late", "late", "dropped", "done", "later"]
    late = {m.title: m for m in measures if m.overdue}
    assert set(late) == {"very late", "late"}
    assert late["late"].days_overdue == 5 and late["very late"].days_overdue == 40
    assert all(m.incidents == [incident_id] for m in measures)
    assert not any(m.overdue for m in earlier)
