"""The decision log in the web app: the log and a plan's chain for every role, decisions and
outcomes recorded through the forms and the API by advisers only, bad input answered with a
message and nothing written, stale assessments flagged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from sentinelle.planning.decisions import save_plan
from sentinelle.planning.plan import plan
from sentinelle.store import plans as plan_store
from sentinelle.store.database import Store
from sentinelle.threat.assess import assess, save_assessment
from tests.web.conftest import csrf_of

MONTH = "2018-06"
Clients = Callable[[str], TestClient]


def _saved_plan(store: Store, with_assessment: bool = True) -> int:
    if with_assessment:
        with store.reading() as connection:
            made = assess(connection, MONTH)
        save_assessment(store, made, "tester")
    with store.reading() as connection:
        solved = plan(connection, MONTH, units=3)
        more = plan(connection, MONTH, units=4)
    return save_plan(
        store,
        solved,
        title="Mopti, three units",
        actor="tester",
        month=MONTH,
        alternatives={"four units": more},
    )


def test_every_role_sees_the_log_and_the_chain(demo_store: Store, client_as: Clients) -> None:
    plan_id = _saved_plan(demo_store)
    viewer = client_as("viewer")
    log = viewer.get("/planning/decisions")
    assert log.status_code == 200
    assert f'data-plan="{plan_id}"' in log.text and "Mopti, three units" in log.text
    page = viewer.get(f"/planning/decisions/{plan_id}")
    assert page.status_code == 200
    assert 'id="chain-threat"' in page.text and "/threat/assessments/" in page.text
    assert "four units" in page.text and "current posture" in page.text
    assert 'id="decide-form"' not in page.text  # a viewer cannot decide
    french = viewer.get(f"/planning/decisions/{plan_id}?lang=fr")
    assert "Analyse de la menace" in french.text
    assert viewer.get("/planning/decisions/999").status_code == 404
    api = viewer.get(f"/api/v1/planning/plans/{plan_id}").json()
    assert api["title"] == "Mopti, three units" and api["assessment"]["as_of"] == MONTH
    assert [o["label"] for o in api["options"]] == ["recommended", "current posture", "four units"]


def test_an_adviser_decides_and_records_the_outcome(demo_store: Store, client_as: Clients) -> None:
    plan_id = _saved_plan(demo_store)
    adviser = client_as("adviser")
    token = csrf_of(adviser)
    page = adviser.get(f"/planning/decisions/{plan_id}")
    assert 'id="decide-form"' in page.text
    done = adviser.post(
        f"/planning/decisions/{plan_id}/decide",
        data={
            "csrf_token": token,
            "choice": "adopted_with_changes",
            "option": "four units",
            "decided_by": "Force Commander",
            "decided_at": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M}",
            "rationale": "One more company from the reserve",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = adviser.get(done.headers["location"])
    assert "La décision est enregistrée." in shown.text  # the demo users read French
    assert 'data-choice="adopted_with_changes"' in shown.text
    with demo_store.reading() as connection:
        (decision,) = plan_store.decisions_of(connection, [plan_id])[plan_id]
    assert decision["decided_by"] == "Force Commander" and decision["recorded_by"] == "demo-adviser"
    # decided today on a June 2018 assessment: the page flags it
    assert 'data-stale="yes"' in shown.text and "months before the decision" in shown.text
    measured = adviser.post(
        f"/planning/decisions/{plan_id}/outcome",
        data={
            "csrf_token": token,
            "decision_id": str(decision["id"]),
            "first_month": "2018-07",
            "last_month": "2018-12",
            "summary": "Attacks moved south",
        },
        follow_redirects=False,
    )
    assert measured.status_code == 303, measured.text
    api = adviser.get(f"/api/v1/planning/plans/{plan_id}").json()
    (outcome,) = api["decisions"][0]["outcomes"]
    assert outcome["summary"] == "Attacks moved south"
    m = outcome["measures"]
    assert 0 <= m["vac_events_covered"] <= m["vac_events"]
    shown = adviser.get(f"/planning/decisions/{plan_id}")
    assert f'id="outcome-{outcome["id"]}"' in shown.text
    assert api["stale"] is True
    stale_only = adviser.get("/api/v1/planning/plans?stale=true").json()
    assert [p["id"] for p in stale_only] == [plan_id]
    assert adviser.get("/api/v1/planning/plans?stale=false").json() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choice": ""}, "must be one of"),
        ({"option": "plan B"}, "has no option"),
        ({"decided_by": " "}, "who decided is required"),
        ({"rationale": ""}, "reason for the decision is required"),
        ({"decided_at": "tomorrow"}, "2018-12-05T10:00"),
        ({"decided_at": "2100-01-01T00:00"}, "in the future"),
    ],
)
def test_bad_decisions_are_shown_and_nothing_is_written(
    demo_store: Store, client_as: Clients, data: dict[str, str], message: str
) -> None:
    plan_id = _saved_plan(demo_store, with_assessment=False)
    adviser = client_as("adviser")
    form = {
        "csrf_token": csrf_of(adviser),
        "choice": "adopted",
        "option": "recommended",
        "decided_by": "Force Commander",
        "decided_at": "",
        "rationale": "Covers the most risk",
    } | data
    done = adviser.post(f"/planning/decisions/{plan_id}/decide", data=form)
    assert done.status_code == 422
    assert 'id="decision-error"' in done.text and message in done.text
    with demo_store.reading() as connection:
        assert plan_store.decisions_of(connection, [plan_id]) == {plan_id: []}


def test_only_advisers_record_and_the_api_checks_input(
    demo_store: Store, client_as: Clients
) -> None:
    plan_id = _saved_plan(demo_store, with_assessment=False)
    body = {"choice": "adopted", "decided_by": "Head of Office", "rationale": "Covers the most"}
    analyst = client_as("analyst")
    refused = analyst.post(
        f"/api/v1/planning/plans/{plan_id}/decisions",
        json=body,
        headers={"X-CSRF-Token": csrf_of(analyst)},
    )
    assert refused.status_code == 403
    adviser = client_as("adviser")
    headers = {"X-CSRF-Token": csrf_of(adviser)}
    made = adviser.post(f"/api/v1/planning/plans/{plan_id}/decisions", json=body, headers=headers)
    assert made.status_code == 201, made.text
    chain = made.json()
    assert chain["decisions"][0]["choice_label"] == "Adopté tel que recommandé"  # French user
    assert chain["decisions"][0]["stale"] == ["no threat assessment was recorded with the plan"]
    decision_id = chain["decisions"][0]["id"]
    for payload, status in (
        ({"first_month": "2018-07", "last_month": "2018-08", "summary": "x"}, 201),
        ({"first_month": "2018-06", "last_month": "2018-08", "summary": "x"}, 422),
        ({"first_month": "2018-13", "last_month": "2019-01", "summary": "x"}, 422),
        ({"first_month": "2018-07", "last_month": "2018-08"}, 422),
    ):
        answer = adviser.post(
            f"/api/v1/planning/decisions/{decision_id}/outcomes", json=payload, headers=headers
        )
        assert answer.status_code == status, (payload, answer.text)
    missing = adviser.post(
        "/api/v1/planning/decisions/999/outcomes",
        json={"first_month": "2018-07", "last_month": "2018-08", "summary": "x"},
        headers=headers,
    )
    assert missing.status_code == 404
    with demo_store.reading() as connection:
        outcomes = plan_store.outcomes_of(connection, [decision_id])[decision_id]
    assert len(outcomes) == 1


def test_an_analyst_saves_the_optimisers_plan(demo_store: Store, client_as: Clients) -> None:
    analyst = client_as("analyst")
    token = csrf_of(analyst)
    form = {
        "csrf_token": token,
        "month": MONTH,
        "risk": "events",
        "period_months": "12",
        "units": "4",
        "unit_size": "150",
        "force_protection": "0.8",
        "reach_km": "50",
        "minimum": "0",
        "temporary_bases": "1",
        "add_units": "0",
        "hold_back": "0",
        "rainy": "1",
    }
    shown = analyst.post("/planning/optimise", data=form)
    assert shown.status_code == 200 and 'id="save-plan-form"' in shown.text
    untitled = analyst.post("/planning/plans", data=form | {"title": "  "})
    assert untitled.status_code == 422 and "Le plan doit avoir un titre." in untitled.text
    saved = analyst.post(
        "/planning/plans", data=form | {"title": "Rains, one base"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    plan_id = int(saved.headers["location"].split("/")[-1].split("?")[0])
    with demo_store.reading() as connection:
        expected = plan(connection, MONTH, units=4, temporary_bases=1, reach_factor=0.6)
        dry = plan(connection, MONTH, units=4, temporary_bases=1)
        found = plan_store.get_plan(connection, plan_id)
    assert found is not None and found["created_by"] == "demo-analyst"
    assert found["result"]["objective"] == pytest.approx(expected.plan.objective)
    labels = {o["label"]: o for o in found["options"]}
    assert set(labels) == {"recommended", "current posture", "without the what-ifs"}
    assert labels["without the what-ifs"]["objective"] == pytest.approx(dry.plan.objective)
    page = analyst.get(saved.headers["location"])
    assert "Rains, one base" in page.text and "Le plan est enregistré" in page.text
    assert 'id="decide-form"' not in page.text  # analysts save plans; advisers decide


def test_the_api_saves_plans_for_those_who_may_run_them(
    demo_store: Store, client_as: Clients
) -> None:
    body = {"month": MONTH, "units": 3, "close": ["Gao"], "title": "Without Gao"}
    viewer = client_as("viewer")
    refused = viewer.post(
        "/api/v1/planning/plans", json=body, headers={"X-CSRF-Token": csrf_of(viewer)}
    )
    assert refused.status_code == 403
    analyst = client_as("analyst")
    headers = {"X-CSRF-Token": csrf_of(analyst)}
    for bad, message in (
        ({"title": ""}, "title"),
        ({"title": "a\x00b"}, "control characters"),
        ({"close": ["Atlantis"]}, "Atlantis"),
        ({"assessment_id": 999}, "no threat assessment #999"),
        ({"speed": 3}, "speed"),
    ):
        answer = analyst.post("/api/v1/planning/plans", json=body | bad, headers=headers)
        assert answer.status_code == 422, answer.text
        assert message in answer.text
    with demo_store.reading() as connection:
        assert plan_store.count_plans(connection) == 0
    made = analyst.post("/api/v1/planning/plans", json=body, headers=headers)
    assert made.status_code == 201, made.text
    chain = made.json()
    assert made.headers["location"] == f"/api/v1/planning/plans/{chain['id']}"
    assert chain["parameters"]["close"] == ["Gao"]
    assert "Gao" not in {u["site"] for u in chain["result"]["units"]}
    assert [o["label"] for o in chain["options"]][-1] == "without the what-ifs"
