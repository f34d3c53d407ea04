"""The early-warning pages and API: the alert board, the intake form, an alert's page with its
timeline and actions, the REST API (lifecycle, optimistic locking, redaction) and the SMS-gateway
webhook (authentication, size limit, replays, malformed bodies, fuzzing) — on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sentinelle import accounts
from sentinelle.domain.access import ROLES, allowed
from sentinelle.store import audit
from sentinelle.store.database import Store
from sentinelle.store.schema import alerts
from sentinelle.web.api.alerts import WEBHOOK_LIMIT, deadline
from tests.web.conftest import csrf_of

ERROR = re.compile(r'<span class="field-error" id="error-([a-z_0-9]+)" role="alert">([^<]+)</span>')
WEBHOOK = "/api/v1/alerts/webhook/sms"
COUNT = re.compile(r'data-state="(\w+)">\s*<span class="count">([\d\s,\u202f\u00a0]+)</span>')


def counts_of(html: str) -> dict[str, int]:
    """The board's counts per state (and open, overdue)."""
    return {key: int(re.sub(r"\D", "", value)) for key, value in COUNT.findall(html)}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ago(hours: float) -> str:
    return (now() - dt.timedelta(hours=hours)).isoformat()


def bearer(store: Store, username: str = "demo-analyst") -> dict[str, str]:
    token, _ = accounts.create_token(store, username, "sms-gateway", "test")
    return {"Authorization": f"Bearer {token}"}


def api(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(client)}


def create(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"channel": "community_liaison", "received_at": ago(1), **fields}
    answer = client.post("/api/v1/alerts", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def step(
    client: TestClient,
    headers: dict[str, str],
    alert_id: int,
    action: str,
    version: int,
    **values: Any,
) -> Any:
    return client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": action, "version": version, "values": values},
        headers=headers,
    )


def form_token(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def responder(client_as: Callable[[str], TestClient]) -> tuple[TestClient, dict[str, str]]:
    client = client_as("analyst")
    return client, api(client)


# --- pages for every role --------------------------------------------------------------------


def test_pages_render_for_every_role(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    analyst = client_as("analyst")
    created = create(
        analyst, api(analyst), urgency="high", reporter_name="Awa Traoré", place="Boni"
    )
    for role in ROLES:
        client = client_as(role)
        for url in ("/alerts", "/alerts?state=closed", f"/alerts/{created['id']}"):
            answer = client.get(url)
            assert answer.status_code == 200, f"{role} {url}: {answer.status_code}"
            assert 'href="/alerts"' in answer.text  # the navigation entry
        intake = client.get("/alerts/new")
        assert intake.status_code == (200 if allowed(role, "record_alerts") else 403)
        detail = client.get(f"/alerts/{created['id']}").text
        may_respond = allowed(role, "respond_to_alerts")
        assert ('id="action-verify"' in detail) == may_respond
        assert ("Awa Traoré" in detail) == allowed(role, "view_personal_data")
        board = client.get("/alerts").text
        assert ('href="/alerts/new"' in board) == allowed(role, "record_alerts")
        assert 'href="/alerts/dashboard"' in board  # the response figures


def test_pages_speak_french_and_english(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("adviser")
    created = create(client, api(client), urgency="medium")
    french = client.get(f"/alerts/{created['id']}?lang=fr").text
    assert f"Alerte n° {created['id']}" in french and "Chronologie" in french
    assert "Vérifier" in french and "Reçue" in french
    assert "Enregistrer une alerte" in client.get("/alerts/new").text
    english = client.get("/alerts?lang=en").text
    assert "Record an alert" in english and "overdue" in english


def test_unknown_alert_is_404_and_bad_filters_422(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("viewer")
    assert client.get("/alerts/999999").status_code == 404
    assert client.get("/api/v1/alerts/999999").status_code == 404
    assert client.get("/api/v1/alerts/999999/timeline").status_code == 404
    assert client.get("/alerts?state=nonsense").status_code == 422
    for query in ("state=nonsense", "channel=fax", "priority=urgent", "sort=colour"):
        answer = client.get(f"/api/v1/alerts?{query}")
        assert answer.status_code == 422, query
        assert "expected one of" in answer.json()["detail"]


# --- the intake form -------------------------------------------------------------------------


def test_intake_form_shows_errors_beside_fields_and_keeps_what_was_typed(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    page = client.get("/alerts/new?lang=en")
    assert 'type="datetime-local"' in page.text and 'inputmode="decimal"' in page.text
    assert "stored encrypted" in page.text  # the note on the reporter's identity
    answer = client.post(
        "/alerts/new",
        data={
            "csrf_token": form_token(page.text),
            "form_id": form_token(page.text, "form_id"),
            "channel": "",
            "received_at": "2024-02-31T10:00",
            "latitude": "quatorze",
            "longitude": "-4.2",
            "description": "Armed men seen near the well of Boni",
            "reporter_name": "Awa Traoré",
        },
    )
    assert answer.status_code == 422
    errors = dict(ERROR.findall(answer.text))
    assert set(errors) == {"channel", "received_at", "latitude"}
    assert errors["channel"] == "Required."
    assert "Armed men seen near the well of Boni" in answer.text  # nothing lost
    assert 'value="Awa Traoré"' in answer.text and 'value="-4.2"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    # the engine's own checks are shown beside their fields too
    answer = client.post(
        "/alerts/new",
        data={
            "csrf_token": form_token(page.text),
            "channel": "patrol",
            "received_at": (now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "latitude": "14.5",
            "admin1_pcode": "ML05",
            "admin2_pcode": "ML0101",
        },
    )
    assert answer.status_code == 422
    errors = dict(ERROR.findall(answer.text))
    assert errors["received_at"] == "This time is in the future."
    assert "latitude" in errors


def test_intake_form_records_once_and_opens_the_alert(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    page = client.get("/alerts/new?lang=en").text
    received = (now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "csrf_token": form_token(page),
        "form_id": form_token(page, "form_id"),
        "channel": "community_alert_network",
        "received_at": received,
        "urgency": "high",
        "threat_type": "other",
        "description": "Threats against the market of Boni",
        "latitude": "15,02",  # a decimal comma, as typed on a French phone
        "longitude": "-1.96",
        "reporter_name": "Awa Traoré",
        "reporter_contact": "+223 76 00 00 00",
    }
    answer = client.post("/alerts/new", data=form, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    match = re.fullmatch(r"/alerts/(\d+)\?created=1", location)
    assert match, location
    alert_id = int(match.group(1))
    # pressing the button twice records nothing twice
    again = client.post("/alerts/new", data=form, follow_redirects=False)
    assert again.headers["location"] == location
    with demo_store.reading() as connection:
        row = connection.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().one()
        count = connection.execute(
            select(alerts.c.id).where(alerts.c.description == form["description"])
        ).all()
    assert len(count) == 1
    assert row["source"] == "web" and row["created_by"] == "demo-analyst"
    assert row["latitude"] == pytest.approx(15.02)
    assert row["reporter_name"].startswith("fernet:")  # encrypted at rest
    assert row["received_at"].strftime("%Y-%m-%dT%H:%M") == received
    detail = client.get(location).text
    assert f"Alert #{alert_id} is recorded." in detail
    assert "Threats against the market of Boni" in detail


# --- the lifecycle through the API -----------------------------------------------------------


def test_lifecycle_through_the_api_with_its_timeline(
    demo_store: Store, responder: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = responder
    created = create(client, headers, urgency="high", admin2_pcode="ML0505")
    alert_id, version = created["id"], created["version"]
    assert created["url"] == f"/alerts/{alert_id}"
    path: list[tuple[str, dict[str, Any], str]] = [
        ("verify", {"verification": "confirmed"}, "verified"),
        ("assess", {"response_required": True, "priority": "high"}, "assessed"),
        ("decide", {"decision": "patrol", "responding_unit": "Sector East"}, "decided"),
        ("dispatch", {}, "dispatched"),
        ("arrive", {}, "on_site"),
        ("close", {"outcome": "prevented", "killed": 0}, "closed"),
    ]
    for action, values, state in path:
        answer = step(client, headers, alert_id, action, version, **values)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["state"] == state and body["version"] == version + 1
        version = body["version"]
    found = client.get(f"/api/v1/alerts/{alert_id}").json()
    assert found["state"] == "closed" and found["outcome"] == "prevented"
    assert found["admin1_pcode"] == "ML05"  # the cercle's region
    assert "reopen" in found["actions"] and "verify" not in found["actions"]
    assert found["overdue"] is False and found["due_at"] is None
    steps = client.get(f"/api/v1/alerts/{alert_id}/timeline").json()
    assert [s["action"] for s in steps] == ["receive"] + [a for a, _, _ in path]
    assert all(s["actor"] == "demo-analyst" for s in steps)
    assert steps[3]["details"]["decision"] == "patrol"
    # the page shows every step
    page = client.get(f"/alerts/{alert_id}?lang=en").text
    assert page.count('<li class="step"') == 7
    assert "Sector East" in page and "Violence prevented" in page
    # every step was audited by the engine
    with demo_store.reading() as connection:
        entries = audit.entries(connection, record_type="alert")
    actions = {e.entry.action for e in entries if str(e.entry.record_id) == str(alert_id)}
    assert actions >= {"create", "verify", "assess", "decide", "close"}


def test_stale_version_is_409_and_skipping_is_422(
    demo_store: Store, responder: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = responder
    alert_id = create(client, headers)["id"]
    assert (
        step(client, headers, alert_id, "verify", 1, verification="unconfirmed").status_code == 200
    )
    stale = step(client, headers, alert_id, "verify", 1, verification="confirmed")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    skipped = step(client, headers, alert_id, "dispatch", 2)
    assert skipped.status_code == 422
    assert "cannot be skipped" in skipped.json()["detail"]
    missing = step(client, headers, alert_id, "assess", 2)
    assert missing.status_code == 422 and "response_required" in missing.json()["detail"]
    unknown = step(client, headers, 999_999, "verify", 1, verification="confirmed")
    assert unknown.status_code == 404
    nested = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "verify", "version": 2, "values": {"verification": ["x"]}},
        headers=headers,
    )
    assert nested.status_code == 422
    future = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "assess", "version": 2, "values": {"response_required": False},
              "at": (now() + dt.timedelta(days=1)).isoformat()},
        headers=headers,
    )  # fmt: skip
    assert future.status_code == 422 and "future" in future.json()["detail"]
    # a false alert is closed once verified; merging asks for an existing alert
    other = create(client, headers)["id"]
    assert step(client, headers, other, "merge", 1, merged_into=999_999).status_code == 422
    merged = step(client, headers, other, "merge", 1, merged_into=alert_id)
    assert merged.status_code == 200 and merged.json()["state"] == "merged"


def test_viewers_may_read_but_not_record_or_respond(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    analyst = client_as("analyst")
    alert_id = create(analyst, api(analyst))["id"]
    viewer = client_as("viewer")
    headers = api(viewer)
    assert viewer.get(f"/api/v1/alerts/{alert_id}").status_code == 200
    assert viewer.post("/api/v1/alerts", json={}, headers=headers).status_code == 403
    assert step(viewer, headers, alert_id, "verify", 1, verification="false").status_code == 403


def test_the_reporter_is_redacted_unless_the_role_may_see_personal_data(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    analyst = client_as("analyst")
    alert_id = create(
        analyst, api(analyst), reporter_name="Awa Traoré", reporter_contact="+22376000000"
    )["id"]
    for role in ROLES:
        client = client_as(role)
        found = client.get(f"/api/v1/alerts/{alert_id}").json()
        if allowed(role, "view_personal_data"):
            assert found["reporter_name"] == "Awa Traoré"
            assert found["reporter_contact"] == "+22376000000"
        else:
            assert found["reporter_name"] == found["reporter_contact"] == "[redacted]"
        listed = client.get("/api/v1/alerts").text
        assert "Awa" not in listed and "22376000000" not in listed
    with demo_store.reading() as connection:
        stored = connection.execute(
            select(alerts.c.reporter_name, alerts.c.reporter_contact).where(alerts.c.id == alert_id)
        ).one()
    assert all(value.startswith("fernet:") for value in stored)


def test_create_lists_every_bad_field_and_repeats_are_recorded_once(
    demo_store: Store, responder: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = responder
    answer = client.post(
        "/api/v1/alerts",
        json={
            "channel": "fax",
            "received_at": "2024-03-01T10:00:00",
            "urgency": "extreme",
            "latitude": 14.5,
        },
        headers=headers,
    )
    assert answer.status_code == 422
    where = {p["where"] for p in answer.json()["detail"]}
    assert where == {
        "body.channel",
        "body.urgency",
        "body.received_at",
        "body.latitude/longitude",
    }
    surrogate = client.post(
        "/api/v1/alerts",
        content=b'{"channel": "patrol", "received_at": "2024-03-01T10:00Z", "place": "\\ud800"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 422
    wrong_place = client.post(
        "/api/v1/alerts",
        json={"channel": "patrol", "received_at": ago(1), "admin2_pcode": "ML9999"},
        headers=headers,
    )
    assert wrong_place.status_code == 422
    assert wrong_place.json()["detail"][0]["where"] == "body.admin2_pcode"
    first = client.post(
        "/api/v1/alerts",
        json={"channel": "patrol", "received_at": ago(1), "message_id": "radio-17"},
        headers=headers,
    )
    again = client.post(
        "/api/v1/alerts",
        json={"channel": "patrol", "received_at": ago(1), "message_id": "radio-17"},
        headers=headers,
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False


def test_list_filters_sorts_and_pages(
    demo_store: Store, responder: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = responder
    old = create(client, headers, channel="patrol", urgency="high", received_at=ago(30),
                 admin1_pcode="ML05")["id"]  # fmt: skip
    new = create(client, headers, channel="media", urgency="low", received_at=ago(1))["id"]
    closed = create(client, headers, channel="media", received_at=ago(5))["id"]
    assert step(client, headers, closed, "verify", 1, verification="false").status_code == 200
    assert step(client, headers, closed, "close", 2).status_code == 200

    recent = f"received_from={(now() - dt.timedelta(days=3)).date()}"  # not the demo's 2018

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/v1/alerts?{recent}&{query}")
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids("sort=received") == [old, closed, new]
    assert ids("") == [new, closed, old]  # newest first by default
    assert ids("open=true&sort=id") == [old, new]
    assert ids("state=closed") == [closed]
    assert ids("state=received&state=closed&sort=id") == [old, new, closed]
    assert ids("channel=media&sort=id") == [new, closed]
    assert ids("priority=high") == [old]  # not yet assessed: its urgency
    assert ids("admin1=ML05") == [old]
    assert ids("sort=due")[0] == old  # the earliest target first
    day = (now() - dt.timedelta(hours=30)).date()
    within = f"received_from={day - dt.timedelta(days=1)}&received_to={day}"
    assert [i["id"] for i in client.get(f"/api/v1/alerts?{within}").json()["items"]] == [old]
    since = f"received_from={(now() - dt.timedelta(hours=6)).date()}&sort=id"
    assert [i["id"] for i in client.get(f"/api/v1/alerts?{since}").json()["items"]] == [
        new,
        closed,
    ]
    page = client.get(f"/api/v1/alerts?{recent}&sort=id&page=2&page_size=2").json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [closed]
    item = client.get(f"/api/v1/alerts?{recent}&sort=id").json()["items"][0]
    assert item["overdue"] is True and item["due_measure"] == "decision_time"
    assert item["age_hours"] == pytest.approx(30, abs=0.1)
    assert "reporter_name" not in item
    everything = client.get("/api/v1/alerts?page_size=1").json()
    assert everything["total"] > 3  # the demo's alerts too
    today = now().date()
    bad = client.get(f"/api/v1/alerts?received_from={today}&received_to=2020-01-01")
    assert bad.status_code == 422


def test_deadlines_follow_the_targets() -> None:
    received = now() - dt.timedelta(hours=3)
    base = {"received_at": received, "assessed_at": None, "verification": None}
    high = deadline({**base, "state": "received", "urgency": "high"}, now())
    assert high.measure == "decision_time" and high.overdue  # 2 h for high priority
    medium = deadline({**base, "state": "received", "urgency": "medium"}, now())
    assert not medium.overdue and medium.due_at == received + dt.timedelta(hours=12)
    assert deadline({**base, "state": "received"}, now()).due_at is None  # no urgency
    false = deadline({**base, "state": "verified", "verification": "false", "urgency": "high"},
                     now())  # fmt: skip
    assert false.due_at is None
    on_site = deadline(
        {**base, "state": "dispatched", "priority": "high", "decision": "patrol",
         "assessed_at": received},
        now(),
    )  # fmt: skip
    assert on_site.measure == "on_site_time" and not on_site.overdue  # 12 h
    referral = deadline(
        {**base, "state": "decided", "priority": "high", "decision": "referral_authorities"},
        now(),
    )
    assert referral.due_at is None


# --- the board and an alert's page -----------------------------------------------------------


def test_board_puts_overdue_first_then_oldest_with_counts(
    demo_store: Store, responder: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = responder
    before = counts_of(client.get("/alerts").text)
    oldest = create(client, headers, urgency="low", received_at=ago(20))["id"]  # 48 h: on time
    late = create(client, headers, urgency="high", received_at=ago(3))["id"]  # 2 h: overdue
    fresh = create(client, headers, urgency="high", received_at=ago(0.5))["id"]
    verified = create(client, headers, received_at=ago(10))["id"]
    assert step(client, headers, verified, "verify", 1, verification="confirmed").status_code == 200
    page = client.get("/alerts?lang=en").text
    rows = re.findall(r'data-alert-id="(\d+)" data-state="(\w+)" data-overdue="(\w+)"', page)
    mine = {late, oldest, verified, fresh}
    order = [int(r[0]) for r in rows if int(r[0]) in mine]
    assert order == [late, oldest, verified, fresh]
    flags = {int(r[0]): r[2] for r in rows}
    assert flags[late] == "true" and {flags[i] for i in mine - {late}} == {"false"}
    # overdue first: no alert on time comes before an overdue one
    seen = [r[2] for r in rows]
    assert seen == sorted(seen, key=lambda flag: flag != "true")
    counts = counts_of(page)
    assert counts["open"] == before["open"] + 4 and counts["overdue"] == before["overdue"] + 1
    assert counts["received"] == before["received"] + 3
    assert counts["verified"] == before["verified"] + 1
    assert "Time to decision: overdue by" in page
    only = re.findall(
        r'data-alert-id="\d+" data-state="(\w+)"', client.get("/alerts?state=verified").text
    )
    assert set(only) == {"verified"}
    overdue = client.get("/alerts?overdue=true").text
    assert str(late) in re.findall(r'data-alert-id="(\d+)"', overdue)
    assert set(re.findall(r'data-overdue="(\w+)"', overdue)) == {"true"}
    closed = client.get("/alerts?state=closed").text
    assert str(late) not in re.findall(r'data-alert-id="(\d+)"', closed)


def test_page_actions_keep_the_version_and_say_what_went_wrong(
    demo_store: Store, responder: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = responder
    alert_id = create(client, headers, urgency="medium")["id"]
    page = client.get(f"/alerts/{alert_id}?lang=en").text
    token = form_token(page)
    assert 'name="version" value="1"' in page
    assert 'name="merged_into"' in page  # the merge form asks for the other alert's id
    done = client.post(
        f"/alerts/{alert_id}/actions",
        data={"csrf_token": token, "action": "verify", "version": "1",
              "verification": "confirmed", "owner": "Sector East PoC"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"] == f"/alerts/{alert_id}?done=verify#timeline"
    # a second tab still holding version 1
    stale = client.post(
        f"/alerts/{alert_id}/actions",
        data={"csrf_token": token, "action": "verify", "version": "1",
              "verification": "false"},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "changed while you were reading it" in stale.text
    assert 'id="alert-state">Verified<' in stale.text  # the fresh state
    assert 'name="version" value="2"' in stale.text
    refused = client.post(
        f"/alerts/{alert_id}/actions",
        data={"csrf_token": token, "action": "assess", "version": "2",
              "response_required": "yes", "at": "2024-01-01T10:00"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "This step cannot be taken" in refused.text
    assert 'value="2024-01-01T10:00"' in refused.text  # what was typed is kept
    bad_id = client.post(
        f"/alerts/{alert_id}/actions",
        data={"csrf_token": token, "action": "merge", "version": "2", "merged_into": "x1"},
    )
    assert bad_id.status_code == 422 and "Expected an alert number." in bad_id.text
    steps = client.get(f"/api/v1/alerts/{alert_id}/timeline").json()
    assert steps[-1]["owner"] == "Sector East PoC" and steps[-1]["actor"] == "demo-analyst"


# --- the SMS gateway -------------------------------------------------------------------------


def message(**changes: Any) -> dict[str, Any]:
    body = {
        "id": 4105426,
        "urn": "tel:+22376000000",
        "text": "Des hommes armés menacent le marché de Boni",
        "sent_on": (now() - dt.timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        "contact": {"uuid": "c1", "name": "Awa Traoré"},
        "channel": {"uuid": "ch1", "name": "Orange Mali"},
    }
    body.update(changes)
    return body


def test_webhook_records_an_sms_alert_once(
    demo_store: Store, app_client: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    headers = bearer(demo_store)
    sent = message()
    answer = app_client.post(WEBHOOK, json=sent, headers=headers)
    assert answer.status_code == 201, answer.text
    alert_id = answer.json()["id"]
    adviser = client_as("adviser")
    found = adviser.get(f"/api/v1/alerts/{alert_id}").json()
    assert found["channel"] == "community_alert_network" and found["source"] == "sms"
    assert found["state"] == "received" and found["description"] == sent["text"]
    assert found["reporter_contact"] == "tel:+22376000000"
    assert found["reporter_name"] == "Awa Traoré"
    assert found["created_by"] == "demo-analyst"
    assert dt.datetime.fromisoformat(found["received_at"]) == dt.datetime.fromisoformat(
        sent["sent_on"]
    )
    # the gateway retries: nothing is recorded twice
    replay = app_client.post(WEBHOOK, json=sent, headers=headers)
    assert replay.status_code == 409 and replay.json()["id"] == alert_id
    with demo_store.reading() as connection:
        rows = connection.execute(select(alerts.c.id).where(alerts.c.source == "sms")).all()
    assert len(rows) == 1
    # a uuid and created_on do as well
    other = message(id=None, uuid="5e1a6d3c-0000-4000-8000-000000000001", sent_on=None,
                    created_on="2024-03-01T14:05:00.000000Z", contact=None, urn=None)  # fmt: skip
    answer = app_client.post(WEBHOOK, json=other, headers=headers)
    assert answer.status_code == 201, answer.text
    # a stray character never loses an alert: it is replaced
    odd = json.dumps(message(id="odd-1", text="Alerte \ud800 \x00 Boni")).encode()
    answer = app_client.post(
        WEBHOOK, content=odd, headers={**headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    found = adviser.get(f"/api/v1/alerts/{answer.json()['id']}").json()
    assert found["description"] == "Alerte \ufffd   Boni"


def test_webhook_needs_a_token_of_someone_who_records_alerts(
    demo_store: Store, app_client: TestClient
) -> None:
    assert app_client.post(WEBHOOK, json=message()).status_code == 401
    wrong = {"Authorization": "Bearer snt_not-a-token"}
    assert app_client.post(WEBHOOK, json=message(), headers=wrong).status_code == 401
    viewer = bearer(demo_store, "demo-viewer")
    assert app_client.post(WEBHOOK, json=message(), headers=viewer).status_code == 403


def test_webhook_refuses_large_and_malformed_bodies(
    demo_store: Store, app_client: TestClient
) -> None:
    headers = {**bearer(demo_store), "Content-Type": "application/json"}
    large = json.dumps(message(text="x" * (WEBHOOK_LIMIT + 10))).encode()
    answer = app_client.post(WEBHOOK, content=large, headers=headers)
    assert answer.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        for _ in range(40):
            yield b" " * 1024

    answer = app_client.post(WEBHOOK, content=chunks(), headers=headers)
    assert answer.status_code == 413
    cases: list[tuple[bytes, int, str]] = [
        (b"{not json", 400, "not JSON"),
        (b"\xff\xfe\x00", 400, "not JSON"),
        (b"[1, 2]", 422, "JSON object"),
        (json.dumps(message(text="")).encode(), 422, "text"),
        (json.dumps(message(id=None)).encode(), 422, "id"),
        (json.dumps(message(sent_on="yesterday")).encode(), 422, "sent_on"),
        (json.dumps(message(sent_on="2024-03-01T10:00:00")).encode(), 422, "time zone"),
        (json.dumps(message(sent_on="2099-03-01T10:00:00Z")).encode(), 422, "future"),
        (json.dumps(message(urn=["tel:1"])).encode(), 422, "urn"),
        (json.dumps(message(contact={"name": 7})).encode(), 422, "contact.name"),
        (json.dumps(message(id="x" * 500)).encode(), 422, "id"),
    ]
    for body, status, words in cases:
        answer = app_client.post(WEBHOOK, content=body, headers=headers)
        assert answer.status_code == status, (body[:60], answer.text)
        assert words in json.dumps(answer.json()), answer.text
    form = app_client.post(
        WEBHOOK, data={"text": "x"}, headers={"Authorization": headers["Authorization"]}
    )
    assert form.status_code == 415
    declared = app_client.post(
        WEBHOOK, content=b"{}", headers={**headers, "Content-Length": str(10 * WEBHOOK_LIMIT)}
    )
    assert declared.status_code in (400, 413)


JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
JSON = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers() | st.text(max_size=30) | JSON,
        "uuid": st.uuids().map(str) | JSON,
        "urn": st.text(max_size=40).map(lambda s: "tel:" + s) | JSON,
        "text": st.text(max_size=200) | JSON,
        "sent_on": st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat())
        | st.text(max_size=30)
        | JSON,
        "created_on": st.text(max_size=30),
        "contact": st.fixed_dictionaries({}, optional={"name": JSON}) | JSON,
    },
)
BODIES = (
    FIELDS.map(lambda d: json.dumps(d, allow_nan=True).encode())
    | JSON.map(lambda d: json.dumps(d).encode())
    | st.binary(max_size=300)
)
HEADERS: st.SearchStrategy[dict[str, str | bytes]] = st.dictionaries(
    st.sampled_from(["Content-Type", "Accept", "X-Request-Id", "Accept-Language", "Cookie"]),
    st.sampled_from(
        [
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "*/*",
            "fr",
            "sentinelle_session=x",
            "\u00f8".encode(),
        ]
    ),
    max_size=3,
)


def test_webhook_fuzz_answers_only_2xx_or_4xx(demo_store: Store, app_client: TestClient) -> None:
    token = bearer(demo_store)
    answers: set[int] = set()

    @given(body=BODIES, headers=HEADERS, authenticated=st.booleans())
    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(body: bytes, headers: dict[str, str | bytes], authenticated: bool) -> None:
        sent = {**headers, **(token if authenticated else {})}
        answer = app_client.post(WEBHOOK, content=body, headers=sent)
        answers.add(answer.status_code)
        assert answer.status_code < 500, (body[:200], headers, answer.text)
        assert answer.status_code in (201, 400, 401, 409, 413, 415, 422), answer.status_code
        if not authenticated:
            assert answer.status_code == 401

    check()
    assert 401 in answers and answers & {400, 422}
