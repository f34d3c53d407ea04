"""The alert register on SQLite and PostgreSQL: records, lifecycle, merging, protection of the
reporter, and concurrent updates that lose nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from sqlalchemy import text

from sentinelle.alerts.register import (
    AlertError,
    AlertIn,
    TransitionError,
    VersionConflict,
    create_alert,
    get_alert,
    timeline,
    transition,
)
from sentinelle.protection import PREFIX, REDACTED, Cipher
from sentinelle.store.database import Store

CLIENTS = 50


@pytest.fixture
def cipher() -> Cipher:
    return Cipher.generate()


def received(hours_ago: float = 3) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)


def new_alert(store: Store, cipher: Cipher, **fields: object) -> int:
    alert = AlertIn(channel="community_alert_network", received_at=received(), **fields)  # type: ignore[arg-type]
    return create_alert(store, alert, "duty-officer", cipher).id


def test_the_reporter_is_encrypted_at_rest_and_shown_only_when_allowed(
    store: Store, cipher: Cipher
) -> None:
    alert_id = new_alert(store, cipher, reporter_name="Fatoumata Diallo",
                         reporter_contact="+223 70 00 00 00")  # fmt: skip
    with store.reading() as connection:
        stored = connection.execute(
            text("SELECT reporter_name, reporter_contact FROM alerts WHERE id = :i"),
            {"i": alert_id},
        ).one()
        audit = connection.execute(text("SELECT after FROM audit_log")).scalars().all()
    assert all(value.startswith(PREFIX) for value in stored)
    assert "Fatoumata" not in str(stored) and not any("Fatoumata" in str(a) for a in audit)
    assert get_alert(store, alert_id, cipher, personal=False)["reporter_name"] == REDACTED
    assert get_alert(store, alert_id, cipher, personal=True)["reporter_name"] == "Fatoumata Diallo"
    with pytest.raises(Exception, match="does not open"):
        get_alert(store, alert_id, Cipher.generate(), personal=True)


def test_a_whole_lifecycle_with_its_timeline(store: Store, cipher: Cipher) -> None:
    alert_id = new_alert(store, cipher, threat_type="vac_attack", urgency="high")
    version = 1
    for action, values in [
        ("verify", {"verification": "confirmed"}),
        ("assess", {"response_required": True, "priority": "high"}),
        ("decide", {"decision": "patrol", "responding_unit": "Company B"}),
        ("dispatch", {}),
        ("note", {"text": "the patrol is stopped at the river crossing"}),
        ("arrive", {}),
        ("close", {"outcome": "prevented", "killed": 0, "injured": 1}),
        ("reopen", {"reason": "villagers report a second attack"}),
        ("close", {"outcome": "occurred", "killed": 2}),
    ]:
        version = transition(store, alert_id, action, values, "duty-officer", version)
    found = get_alert(store, alert_id, cipher)
    assert found is not None
    assert (found["state"], found["outcome"], found["killed"], found["version"]) == (
        "closed", "occurred", 2, 10,
    )  # fmt: skip
    steps = timeline(store, alert_id)
    assert [s["action"] for s in steps] == [
        *("receive", "verify", "assess", "decide", "dispatch"),
        *("note", "arrive", "close", "reopen", "close"),
    ]
    assert steps[8]["to_state"] == "on_site" and steps[8]["details"]["reason"].startswith(
        "villagers"
    )
    assert [s["version"] for s in steps] == list(range(1, 11))
    assert all(s["at"] >= p["at"] for p, s in itertools.pairwise(steps))


def test_refused_steps_change_nothing(store: Store, cipher: Cipher) -> None:
    alert_id = new_alert(store, cipher)
    with pytest.raises(TransitionError, match="steps cannot be skipped"):
        transition(store, alert_id, "dispatch", {}, "x", 1)
    with pytest.raises(TransitionError, match="verification is required"):
        transition(store, alert_id, "verify", {}, "x", 1)
    with pytest.raises(VersionConflict, match="changed since it was read"):
        transition(store, alert_id, "verify", {"verification": "false"}, "x", 7)
    with pytest.raises(AlertError, match="no alert 999"):
        transition(store, 999, "verify", {"verification": "false"}, "x", 1)
    found = get_alert(store, alert_id, Cipher.generate())
    assert found is not None and (found["state"], found["version"]) == ("received", 1)
    assert len(timeline(store, alert_id)) == 1


def test_duplicates_are_merged_and_both_kept(store: Store, cipher: Cipher) -> None:
    first, second = new_alert(store, cipher), new_alert(store, cipher)
    transition(store, second, "merge", {"merged_into": first}, "x", 1)
    merged = get_alert(store, second, cipher)
    assert merged is not None and merged["state"] == "merged" and merged["merged_into"] == first
    assert merged["actions"] == []
    third = new_alert(store, cipher)
    with pytest.raises(TransitionError, match="itself merged"):
        transition(store, third, "merge", {"merged_into": second}, "x", 1)
    with pytest.raises(TransitionError, match="into itself"):
        transition(store, third, "merge", {"merged_into": third}, "x", 1)


def test_intake_problems_are_listed_by_field(store: Store, cipher: Cipher) -> None:
    bad = AlertIn(channel="pigeon", received_at=received(-2), latitude=95.0,
                  threat_type="storm")  # fmt: skip
    with pytest.raises(AlertError) as error:
        create_alert(store, bad, "x", cipher)
    message = str(error.value)
    for part in ("channel: 'pigeon'", "is in the future", "latitude: 95.0", "threat_type: 'storm'",
                 "only one given"):  # fmt: skip
        assert part in message
    with pytest.raises(AlertError, match="not a cercle in the store"):
        create_alert(store, AlertIn("patrol", received(), admin2_pcode="ML9999"), "x", cipher)


def test_the_same_gateway_message_makes_one_alert(store: Store, cipher: Cipher) -> None:
    alert = AlertIn("community_alert_network", received())
    first = create_alert(store, alert, "gateway", cipher, source="sms", message_id="msg-41")
    again = create_alert(store, alert, "gateway", cipher, source="sms", message_id="msg-41")
    assert first.created and not again.created and first.id == again.id


def test_fifty_clients_at_once_lose_no_update_and_see_conflicts(
    store: Store, cipher: Cipher
) -> None:
    alert_id = new_alert(store, cipher)
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def verify_once() -> None:
        barrier.wait()
        try:
            transition(store, alert_id, "verify", {"verification": "confirmed"}, "c", 1)
            result = "ok"
        except VersionConflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    def add_note(number: int) -> None:
        barrier.wait()
        conflicts = 0
        while True:
            found = get_alert(store, alert_id, cipher)
            assert found is not None
            try:
                transition(store, alert_id, "note", {"text": f"note {number}"}, f"c{number}",
                           found["version"])  # fmt: skip
                break
            except VersionConflict:
                conflicts += 1
        with lock:
            outcomes.append(f"noted after {conflicts}")

    threads = [threading.Thread(target=verify_once) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == CLIENTS - 1
    outcomes.clear()
    threads = [threading.Thread(target=add_note, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    steps = timeline(store, alert_id)
    notes = sorted(s["details"]["text"] for s in steps if s["action"] == "note")
    assert notes == sorted(f"note {n}" for n in range(CLIENTS))  # no update lost
    found = get_alert(store, alert_id, cipher)
    assert found is not None and found["version"] == 2 + CLIENTS
    assert len(outcomes) == CLIENTS
    assert any(o != "noted after 0" for o in outcomes)  # conflicts were reported and retried
