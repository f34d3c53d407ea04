"""The threat pages and API: the map, a saved assessment's matrix with the advisers' notes as
revisions, exports, the comparison of two assessments, the live matrix and an area's profile —
on SQLite and PostgreSQL, for every role."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sentinelle.domain.access import ROLES
from sentinelle.ingest import ingest_file
from sentinelle.store import audit
from sentinelle.store.database import Store
from sentinelle.threat.assess import assess, save_assessment, threat_events
from tests.web.conftest import csrf_of

MONTH = "2018-12"
ROW = re.compile(r'<tr id="row-(\d+)" class="threat-row"([^>]*)>')
KEYS = ("unit", "actor_family", "threat_type")


def saved_assessment(store: Store, month: str = MONTH, actor: str = "demo-adviser") -> int:
    with store.reading() as connection:
        result = assess(connection, month)
    return save_assessment(store, result, actor, f"Test {month}")


def adviser(client_as: Callable[[str], TestClient]) -> tuple[TestClient, dict[str, str]]:
    client = client_as("adviser")
    return client, {"X-CSRF-Token": csrf_of(client)}


def page_rows(html: str) -> list[dict[str, str]]:
    """The matrix rows of an assessment page, from their data attributes."""
    rows = []
    for row_id, attributes in ROW.findall(html):
        values = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', attributes))
        values["row-id"] = row_id
        rows.append(values)
    return rows


# --- pages for every role --------------------------------------------------------------------


def test_pages_render_for_every_role(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    first = saved_assessment(demo_store, "2018-06")
    second = saved_assessment(demo_store, MONTH)
    pages = [
        "/threat",
        "/threat?assessment=&level=admin1",
        f"/threat?assessment={first}",
        "/threat?live=true&as_of=2017-12",
        f"/threat/assessments/{second}",
        f"/threat/assessments/{second}?region=ML05&sort=population&page_size=25",
        f"/threat/assessments/{second}?revision=0",
        f"/threat/areas/ML0505?assessment={second}",
        "/threat/areas/ML05?as_of=2018-12",
        "/threat/compare",
        f"/threat/compare?first={first}&second={second}&change=all&level=admin1",
    ]
    for role in ROLES:
        client = client_as(role)
        for url in pages:
            answer = client.get(url)
            assert answer.status_code == 200, f"{role} {url}: {answer.status_code}"
            assert 'href="/threat"' in answer.text  # the navigation entry
        matrix = client.get(f"/threat/assessments/{second}").text
        may_edit = role in ("adviser", "admin")
        may_export = role != "viewer"
        assert ('name="planned_response"' in matrix) is may_edit, role
        assert ('data-export="csv"' in matrix) is may_export, role
        threat_map = client.get("/threat").text
        assert ('id="create-assessment"' in threat_map) is may_edit, role
        assert f'data-assessment-id="{second}"' in threat_map  # the newest month by default


def test_pages_speak_french_and_english(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    assessment_id = saved_assessment(demo_store)
    client = client_as("viewer")
    french = client.get(f"/threat/assessments/{assessment_id}?lang=fr").text
    english = client.get(f"/threat/assessments/{assessment_id}?lang=en").text
    assert "Très élevé" in french and "Attaques contre des civils" in french
    assert "Matrice des menaces" in french
    assert "Very high" in english and "Attacks on civilians" in english
    assert "Threat matrix" in english
    area = client.get(f"/threat/areas/ML0505?assessment={assessment_id}&lang=fr").text
    assert "Menaces pour les civils à Koro" in area and "janv." in area


# --- who may create and edit -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_viewers_and_analysts_cannot_create_or_edit(
    demo_store: Store, client_as: Callable[[str], TestClient], role: str
) -> None:
    assessment_id = saved_assessment(demo_store)
    client = client_as(role)
    headers = {"X-CSRF-Token": csrf_of(client)}
    refused = [
        client.post("/api/v1/assessments", json={"as_of": MONTH}, headers=headers),
        client.patch(
            f"/api/v1/assessments/{assessment_id}/rows/1",
            json={"planned_response": "x"},
            headers=headers,
        ),
        client.post(
            "/threat/assessments",
            data={"as_of": MONTH, "csrf_token": headers["X-CSRF-Token"]},
            follow_redirects=False,
        ),
        client.post(
            f"/threat/assessments/{assessment_id}/rows/1",
            data={"planned_response": "x", "csrf_token": headers["X-CSRF-Token"]},
            follow_redirects=False,
        ),
    ]
    assert [a.status_code for a in refused] == [403, 403, 403, 403]
    assert len(client.get("/api/v1/assessments").json()) == 1


def test_advisers_create_assessments_from_the_form_and_the_api(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client, headers = adviser(client_as)
    answer = client.post(
        "/threat/assessments",
        data={"as_of": "2018-09", "unit_kind": "admin2", "title": "Sept.", **_csrf(headers)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assessment_id = int(answer.headers["location"].rsplit("/", 1)[1])
    created = client.post(
        "/api/v1/assessments",
        json={"as_of": "2018-09", "unit_kind": "admin1", "title": "by region"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["unit_kind"] == "admin1" and body["revision"] == 0
    assert body["citation"] == f"Sentinelle assessment #{body['id']} rev. 0"
    assert created.headers["location"] == f"/api/v1/assessments/{body['id']}"
    listed = client.get("/api/v1/assessments").json()
    assert {a["id"] for a in listed} == {assessment_id, body["id"]}
    with demo_store.reading() as connection:
        entries = audit.entries(connection, action="create", record_type="assessment")
    assert {e.entry.record_id for e in entries} == {str(assessment_id), str(body["id"])}
    # a month without data is refused with the months that have data, not saved
    bad = client.post(
        "/threat/assessments", data={"as_of": "2030-01", **_csrf(headers)}, follow_redirects=False
    )
    assert bad.status_code == 422 and "2016-01 to 2018-12" in bad.text
    assert len(client.get("/api/v1/assessments").json()) == 2


def _csrf(headers: dict[str, str]) -> dict[str, str]:
    return {"csrf_token": headers["X-CSRF-Token"]}


# --- notes as revisions ----------------------------------------------------------------------


def test_a_note_makes_a_new_revision_and_the_old_one_stays_citable(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    assessment_id = saved_assessment(demo_store)
    client, headers = adviser(client_as)
    row_id = client.get(f"/api/v1/assessments/{assessment_id}").json()["matrix"][2]["row_id"]
    url = f"/api/v1/assessments/{assessment_id}/rows/{row_id}"
    first = client.patch(
        url,
        json={"planned_response": "patrol to the market", "response_tiers": ["II", "I"]},
        headers=headers,
    )
    assert first.status_code == 200, first.text
    assert first.json()["revision"] == 1
    assert first.json()["citation"] == f"Sentinelle assessment #{assessment_id} rev. 1"
    assert first.json()["row"]["response_tiers"] == ["I", "II"]
    # the page's form: every field, tiers as checkboxes
    second = client.post(
        f"/threat/assessments/{assessment_id}/rows/{row_id}",
        data={
            "motive": "reprisals after an attack",
            "civilians_targeted": "Fulani herders",
            "response_tiers": ["III"],
            "response_phase": "prevention",
            "planned_response": "community engagement",
            "back": "region=ML05&sort=-risk&evil=1",
            **_csrf(headers),
        },
        follow_redirects=False,
    )
    assert second.status_code == 303
    location = second.headers["location"]
    assert location == (
        f"/threat/assessments/{assessment_id}?region=ML05&sort=-risk&saved=2#row-{row_id}"
    )

    def row_at(revision: int | None) -> dict[str, Any]:
        query = "" if revision is None else f"?revision={revision}"
        body = client.get(f"/api/v1/assessments/{assessment_id}{query}").json()
        return next(r for r in body["matrix"] if r["row_id"] == row_id)

    assert row_at(0)["planned_response"] is None
    assert row_at(1)["planned_response"] == "patrol to the market"
    assert row_at(1)["motive"] is None
    latest = row_at(None)
    assert latest["planned_response"] == "community engagement"
    assert latest["response_tiers"] == ["III"] and latest["note_revision"] == 2
    # the old revision's page still shows the old note, and is cited as such
    old = client.get(f"/threat/assessments/{assessment_id}?revision=1").text
    assert "patrol to the market" in old and "community engagement" not in old
    assert f"Sentinelle assessment #{assessment_id} rev. 1" in old
    assert 'name="planned_response"' not in old  # earlier revisions are read-only
    now = client.get(location.split("#")[0]).text
    assert "community engagement" in now and 'id="saved-notice"' in now
    revisions = client.get(f"/api/v1/assessments/{assessment_id}").json()["revisions"]
    assert [(r["revision"], r["row_id"], r["by"]) for r in revisions] == [
        (0, None, "demo-adviser"),
        (1, row_id, "demo-adviser"),
        (2, row_id, "demo-adviser"),
    ]
    with demo_store.reading() as connection:
        entries = audit.entries(connection, record_type="assessment_row", newest_first=False)
    assert [e.entry.detail for e in entries] == ["revision 1", "revision 2"]
    last = entries[-1].entry
    assert last.record_id == f"{assessment_id}/{row_id}" and last.actor == "demo-adviser"
    assert last.before is not None and last.after is not None
    assert last.before["planned_response"] == "patrol to the market"
    assert last.after["planned_response"] == "community engagement"
    assert last.after["response_tiers"] == "III"


def test_bad_notes_and_parameters_get_422_or_404_never_500(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    assessment_id = saved_assessment(demo_store)
    client, headers = adviser(client_as)
    url = f"/api/v1/assessments/{assessment_id}/rows/1"
    for body in (
        {"response_phase": "later"},
        {"response_tiers": ["IV"]},
        {"motive": "a\x00b"},
        {"colour": "red"},
        {"planned_response": "x" * 4001},
    ):
        answer = client.patch(url, json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.text)
    assert (
        client.patch(
            f"/api/v1/assessments/{assessment_id}/rows/999999", json={}, headers=headers
        ).status_code
        == 404
    )
    cases = {
        f"/threat/assessments/{assessment_id}?sort=colour": (422, "sort"),
        f"/threat/assessments/{assessment_id}?risk_level=extreme": (422, "risk_level"),
        f"/threat/assessments/{assessment_id}?revision=9": (422, "revisions 0 to 0"),
        "/threat/assessments/999999": (404, ""),
        "/threat/compare?change=worse": (422, "change"),
        "/threat?assessment=abc": (422, "assessment"),
        "/threat?live=true&as_of=2030-01": (422, "outside the months"),
        "/threat/areas/ML9999": (404, ""),
        "/api/v1/assessments/999999": (404, "no assessment 999999"),
        "/api/v1/assessments/compare?first=1&second=999999": (404, "no assessment"),
        "/api/v1/assessments/compare?first=x&second=1": (422, "first"),
        "/api/v1/threat/live?as_of=2018-13": (422, "not a month"),
        "/api/v1/threat/live?as_of=0000-12": (422, "not a month"),
        "/api/v1/threat/live?as_of=1990-01": (422, "outside the months"),
        "/api/v1/threat/live?unit_kind=priogrid": (422, "unit_kind"),
        "/api/v1/areas/ml05/profile": (422, "unit"),
        "/api/v1/areas/ML0505/profile?assessment=999999": (404, ""),
        f"/api/v1/assessments/{assessment_id}/export?format=pdf": (422, "format"),
    }
    for target, (status, words) in cases.items():
        answer = client.get(target)
        assert answer.status_code == status, (target, answer.status_code, answer.text[:300])
        assert words in answer.text, (target, answer.text[:300])


# --- exports ---------------------------------------------------------------------------------


def _typed(name: str, text: Any) -> Any:
    """A CSV or spreadsheet cell as the API gives the field."""
    if text in ("", None):
        return [] if name == "response_tiers" else None
    if name == "response_tiers":
        return str(text).split("|")
    return text


def _same(name: str, exported: Any, api: Any) -> bool:
    if name == "edited_at":
        return exported is None if api is None else str(exported)[:19] == api[:19]
    if isinstance(api, float):
        return math.isclose(float(exported), api, rel_tol=1e-12)
    if isinstance(api, int):
        return int(exported) == api
    return bool(exported == api)


def test_exports_round_trip_to_the_api_rows(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    assessment_id = saved_assessment(demo_store)
    client, headers = adviser(client_as)
    matrix = client.get(f"/api/v1/assessments/{assessment_id}").json()["matrix"]
    row_id = matrix[5]["row_id"]
    note = {"motive": '=HYPERLINK("x")', "planned_response": 'line 1\nline 2, "quoted"'}
    client.patch(f"/api/v1/assessments/{assessment_id}/rows/{row_id}", json=note, headers=headers)
    client.patch(
        f"/api/v1/assessments/{assessment_id}/rows/{row_id}",
        json={"response_tiers": ["I"], "response_phase": "response"},
        headers=headers,
    )
    for revision in (1, 2):
        api = client.get(f"/api/v1/assessments/{assessment_id}?revision={revision}").json()
        rows = api["matrix"]
        fields = [k for k in rows[0] if k not in ("response_tiers",)]
        answer = client.get(
            f"/api/v1/assessments/{assessment_id}/export?format=csv&revision={revision}"
        )
        assert answer.status_code == 200
        assert answer.headers["x-sentinelle-citation"] == (
            f"Sentinelle assessment #{assessment_id} rev. {revision}"
        )
        assert f"rev{revision}_2018-12_admin2.csv" in answer.headers["content-disposition"]
        exported = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))
        assert len(exported) == len(rows)
        for got, want in zip(exported, rows, strict=True):
            assert (got["assessment_id"], got["revision"], got["as_of"]) == (
                str(assessment_id),
                str(revision),
                MONTH,
            )
            for name in [*fields, "response_tiers"]:
                value = _typed(name, got[name])
                assert _same(name, value, want[name]) or (value is None and want[name] is None), (
                    name,
                    got[name],
                    want[name],
                )
        noted = next(r for r in exported if int(r["row_id"]) == row_id)
        assert noted["planned_response"] == note["planned_response"]
        assert noted["response_tiers"] == ("I" if revision == 2 else "")

        book = load_workbook(
            io.BytesIO(
                client.get(
                    f"/api/v1/assessments/{assessment_id}/export?format=xlsx&revision={revision}"
                ).content
            )
        )
        sheet = list(book["matrix"].iter_rows(values_only=True))
        header, body = sheet[0], sheet[1:]
        assert len(body) == len(rows)
        for values, want in zip(body, rows, strict=True):
            got_row = dict(zip(header, values, strict=True))
            for name in [*fields, "response_tiers"]:
                value = _typed(name, got_row[name])
                assert _same(name, value, want[name]) or (value is None and want[name] is None), (
                    name,
                    got_row[name],
                    want[name],
                )
        about = dict(book["about"].iter_rows(min_row=2, values_only=True))
        assert about["citation"] == f"Sentinelle assessment #{assessment_id} rev. {revision}"
        assert (about["assessment_id"], about["revision"], about["as_of"]) == (
            str(assessment_id),
            str(revision),
            MONTH,
        )
        vocabularies = {row[0] for row in book["definitions"].iter_rows(values_only=True)}
        assert {"risk", "likelihood", "severity", "threat_type", "trend"} <= vocabularies
    with demo_store.reading() as connection:
        exports = audit.entries(connection, action="export", record_type="assessment")
    assert len(exports) == 4
    assert client_as("viewer").get(f"/api/v1/assessments/{assessment_id}/export").status_code == 403


# --- comparing -------------------------------------------------------------------------------

MASSACRES = """event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,actor2,inter2,\
country,admin1,admin2,location,latitude,longitude,geo_precision,fatalities,timestamp
TST-MASSACRE-1,2018-12-10,Violence against civilians,Attack,Dan Na Ambassagou,4,Civilians (Mali),\
7,Mali,Mopti,Koro,Koro,14.07,-3.08,1,30,1700000000
TST-MASSACRE-2,2018-12-12,Violence against civilians,Attack,Katiba Serma,2,Civilians (Mali),\
7,Mali,Kayes,Kayes,Kayes,14.45,-11.44,1,30,1700000000
"""


def test_compare_classifies_a_constructed_change(
    demo_store: Store, client_as: Callable[[str], TestClient], tmp_path: Path
) -> None:
    before = saved_assessment(demo_store)
    path = tmp_path / "massacres.csv"
    path.write_text(MASSACRES, encoding="utf-8")
    ingest_file(demo_store, path)
    after = saved_assessment(demo_store)
    client = client_as("viewer")
    answer = client.get(f"/api/v1/assessments/compare?first={before}&second={after}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    changed = {
        (r["unit"], r["actor_family"], r["threat_type"]): r
        for r in body["rows"]
        if r["change"] != "same"
    }
    # Koro's Dan Na Ambassagou attacks: a 30-death massacre raises severity to 5 (higher risk);
    # JNIM (Katiba Serma) attacks in Kayes cercle had no row: new
    koro = changed.pop(("ML0505", "dozo_militias", "vac_attack"))
    assert koro["change"] == "higher" and koro["risk_score_after"] > koro["risk_score_before"]
    assert koro["events_12m_after"] == koro["events_12m_before"] + 1
    kayes = [k for k in changed if k[1] == "jnim" and k[0].startswith("ML01")]
    assert len(kayes) == 1 and changed[kayes[0]]["change"] == "new"
    assert changed[kayes[0]]["risk_score_before"] is None
    assert changed[kayes[0]]["risk_level_after"] == "high"  # likelihood 2 × severity 5
    del changed[kayes[0]]
    assert changed == {}
    assert body["counts"]["higher"] == 1 and body["counts"]["new"] == 1
    assert body["counts"]["same"] == len(body["rows"]) - 2
    page = client.get(f"/threat/compare?first={before}&second={after}")
    assert page.status_code == 200
    assert 'data-change="new" data-count="1"' in page.text
    assert 'data-change="higher" data-count="1"' in page.text


# --- the live matrix and the page's matrix ---------------------------------------------------


def test_live_matrix_is_assess_sorted_by_risk(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("viewer")
    body = client.get("/api/v1/threat/live?as_of=2018-06").json()
    scores = [r["risk_score"] for r in body["matrix"]]
    assert scores == sorted(scores, reverse=True) and len(scores) > 20
    with demo_store.reading() as connection:
        expected = assess(connection, "2018-06").matrix
    assert [tuple(r[k] for k in KEYS) for r in body["matrix"]] == [
        tuple(row) for row in expected[list(KEYS)].itertuples(index=False)
    ]
    assert body["as_of"] == "2018-06" and body["matrix"][0]["row_id"] is None
    default = client.get("/api/v1/threat/live?unit_kind=admin1").json()
    assert default["as_of"] == MONTH and all(len(r["unit"]) == 4 for r in default["matrix"])


def test_matrix_rows_on_the_page_equal_assess(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    assessment_id = saved_assessment(demo_store)
    with demo_store.reading() as connection:
        expected = assess(connection, MONTH).matrix
    client = client_as("viewer")
    html = client.get(f"/threat/assessments/{assessment_id}?page_size=500").text
    shown = page_rows(html)
    assert [(r["unit"], r["family"], r["threat-type"], int(r["risk-score"])) for r in shown] == [
        (r.unit, r.actor_family, r.threat_type, int(r.risk_score))
        for r in expected.itertuples(index=False)
    ]
    # a filter keeps the matching rows in the same order; paging cuts them
    very_high = expected[expected["risk_level"] == "very_high"]
    filtered = page_rows(
        client.get(f"/threat/assessments/{assessment_id}?risk_level=very_high&page_size=500").text
    )
    assert [r["unit"] for r in filtered] == list(very_high["unit"])
    koro = page_rows(client.get(f"/threat/assessments/{assessment_id}?area=ML0505").text)
    assert {r["unit"] for r in koro} == {"ML0505"}
    assert len(koro) == int((expected["unit"] == "ML0505").sum())
    second_page = page_rows(
        client.get(f"/threat/assessments/{assessment_id}?page_size=25&page=2").text
    )
    assert [r["row-id"] for r in second_page] == [r["row-id"] for r in shown[25:50]]
    by_population = page_rows(
        client.get(f"/threat/assessments/{assessment_id}?sort=-population&page_size=500").text
    )
    people = expected.set_index(list(KEYS))["population"]
    ordered = [people[(r["unit"], r["family"], r["threat-type"])] for r in by_population]
    known = [p for p in ordered if p == p]
    assert known == sorted(known, reverse=True)


def test_threat_map_shows_each_areas_highest_risk(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("viewer")
    live = client.get("/threat").text  # nothing saved: the live matrix of the latest month
    assert f'data-live-month="{MONTH}"' in live and 'id="threat-map"' in live
    with demo_store.reading() as connection:
        matrix = assess(connection, MONTH).matrix
    highest = matrix.groupby("unit")["risk_score"].max()
    shown = dict(
        re.findall(r'<tr data-unit="(\w+)" data-risk-level="\w+" data-risk-score="(\d+)"', live)
    )
    assert {k: int(v) for k, v in shown.items()} == highest.to_dict()
    regions = client.get("/threat?level=admin1").text
    assert 'data-unit="ML05"' in regions and 'data-unit="ML0505"' not in regions


def test_area_profile(demo_store: Store, client_as: Callable[[str], TestClient]) -> None:
    client = client_as("viewer")
    body = client.get(f"/api/v1/areas/ML0505/profile?as_of={MONTH}").json()
    assert body["name_fr"] == "Koro" and body["parent"] == "ML05" and body["assessment_id"] is None
    months = body["series"]["months"]
    assert len(months) == 36 and months[-1] == MONTH and months[0] == "2016-01"
    with demo_store.reading() as connection:
        events = threat_events(connection)
        matrix = assess(connection, MONTH).matrix
    koro = events[(events["unit"] == "ML0505") & (events["month"].astype(str) >= months[0])]
    koro = koro[koro["month"].astype(str) <= MONTH]
    total = sum(sum(s["values"]) for s in body["series"]["types"])
    assert total == len(koro)
    assert [r["threat_type"] for r in body["risks"]] == list(
        matrix[matrix["unit"] == "ML0505"]["threat_type"]
    )
    actors = body["actors"]
    assert actors and actors[0]["events_12m"] >= actors[-1]["events_12m"]
    assert all(a["trend"] in ("new", "increasing", "stable", "decreasing", "ended") for a in actors)
    assert body["hotspot"]["pattern"] == matrix[matrix["unit"] == "ML0505"]["hotspot_class"].iloc[0]
    latest = body["latest_events"]
    assert 0 < len(latest) <= 10 and all(e["event_date"] <= "2018-12-31" for e in latest)
    assert [e["event_date"] for e in latest] == sorted(
        (e["event_date"] for e in latest), reverse=True
    )
    page = client.get(f"/threat/areas/ML0505?as_of={MONTH}").text
    assert f'href="/events/{latest[0]["id"]}"' in page
