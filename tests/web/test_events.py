"""The events explorer and its API: search, filters, sorting and pages agree with independent
queries on the store; an event's page shows its notes and how the source revised it; exports
need the right permission, carry their filters and hold the API's rows."""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sentinelle import exports
from sentinelle.domain.vocabulary import VAC, sources
from sentinelle.ingest import ingest_file
from sentinelle.store import events as event_store
from sentinelle.store.database import Store
from sentinelle.store.schema import audit_log, places

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
Client = Callable[[str], TestClient]


def stored_frame(store: Store) -> pd.DataFrame:
    """Every stored event with its region and cercle names, read without the search module."""
    with store.reading() as connection:
        frame = event_store.load_events(connection)
        names = pd.DataFrame(
            connection.execute(select(places.c.pcode, places.c.name_fr, places.c.name_en)).all(),
            columns=["pcode", "name_fr", "name_en"],
        )
    frame = frame.astype({c: object for c in frame.columns if c != "id"})
    frame = frame.where(frame.notna(), None)
    for level, column in (("region", "admin1_pcode"), ("cercle", "admin2_pcode")):
        renamed = names.rename(
            columns={"pcode": column, "name_fr": f"{level}_fr", "name_en": f"{level}_en"}
        )
        frame = frame.merge(renamed, on=column, how="left")
    frame.index = pd.Index(frame["id"].to_numpy(), name=None)
    return frame


def contains(series: pd.Series, text: str) -> pd.Series:
    return series.fillna("").astype(str).str.lower().str.contains(text.lower(), regex=False)


def all_items(client: TestClient, language: str = "en", **params: Any) -> list[dict[str, Any]]:
    """Every event the API lists for ``params``, page after page."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.get(
            "/api/v1/events",
            params={**params, "page": page, "page_size": 500, "lang": language},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if page * 500 >= body["total"]:
            assert len(items) == body["total"]
            return items
        page += 1


def all_ids(client: TestClient, **params: Any) -> list[int]:
    return [item["id"] for item in all_items(client, **params)]


def test_filters_and_free_text_give_the_events_an_independent_query_finds(
    demo_store: Store, client_as: Client
) -> None:
    viewer = client_as("viewer")
    frame = stored_frame(demo_store)
    dates = pd.to_datetime(frame["event_date"])
    actors = ["actor1", "actor2", "assoc_actor_1", "assoc_actor_2"]
    cercle = frame["admin2_pcode"].dropna().iloc[0]
    cases: list[tuple[dict[str, Any], pd.Series]] = [
        ({}, frame["id"] > 0),
        ({"region": "ML05"}, frame["admin1_pcode"] == "ML05"),
        ({"cercle": cercle}, frame["admin2_pcode"] == cercle),
        (
            {"event_type": ["Battles", VAC]},
            frame["event_type"].isin(["Battles", VAC]),
        ),
        (
            {"start": "2017-03", "end": "2017-08"},
            (dates >= "2017-03-01") & (dates <= "2017-08-31"),
        ),
        (
            {"actor": "dozo"},
            pd.concat([contains(frame[a], "dozo") for a in actors], axis=1).any(axis=1),
        ),
        (
            {"vac_only": "true"},
            (frame["event_type"] == VAC) | (frame["civilian_targeting"] == True),  # noqa: E712
        ),
        (
            {"q": "livestock Macina"},
            pd.concat(
                [
                    pd.concat(
                        [
                            contains(frame[c], word)
                            for c in ("notes", "location", "actor1", "actor2", "source_id")
                        ],
                        axis=1,
                    ).any(axis=1)
                    for word in ("livestock", "macina")
                ],
                axis=1,
            ).all(axis=1),
        ),
        (
            {"region": "ML05", "event_type": VAC, "start": "2018-01", "q": "attacked"},
            (frame["admin1_pcode"] == "ML05")
            & (frame["event_type"] == VAC)
            & (dates >= "2018-01-01")
            & contains(frame["notes"], "attacked"),
        ),
    ]
    for params, expected in cases:
        wanted = sorted(frame.index[expected.to_numpy(dtype=bool)].tolist())
        assert wanted, params  # every case selects something …
        if params:
            assert len(wanted) < len(frame), params  # … and filters something out
        assert sorted(all_ids(viewer, **params)) == wanted, params


def name_key(text: Any) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", str(text)) if unicodedata.category(c) != "Mn"
    ).lower()


def test_sorting_matches_an_independent_sort(demo_store: Store, client_as: Client) -> None:
    viewer = client_as("viewer")
    frame = stored_frame(demo_store)
    assert frame["sub_event_type"].notna().all()
    frame["date"] = frame["event_date"]
    frame["type"] = (
        frame["event_type"].map(name_key) + "\x00" + frame["sub_event_type"].map(name_key)
    )
    frame["region"] = frame["region_en"].map(name_key, na_action="ignore")
    frame["cercle"] = frame["cercle_en"].map(name_key, na_action="ignore")
    frame["source"] = frame["source"].map(lambda s: sources()[s].label_en)
    assert frame["cercle"].isna().any()  # some events have no cercle: they come last
    for key in ("date", "type", "region", "cercle", "fatalities", "source"):
        for descending in (False, True):
            expected = frame.sort_values(
                [key, "id"], ascending=not descending, na_position="last", kind="stable"
            )["id"].tolist()
            got = all_ids(viewer, sort=f"-{key}" if descending else key)
            assert got == expected, (key, descending)


def test_names_sort_as_a_french_reader_expects(client_as: Client) -> None:
    items = all_items(client_as("viewer"), "fr", sort="region")
    order = list(dict.fromkeys(i["region"]["name_fr"] for i in items if i["region"]))
    assert order.index("Ségou") < order.index("Sikasso")  # the accent does not push it last
    assert order == sorted(order, key=name_key)
    labels = list(
        dict.fromkeys(i["event_type"] for i in all_items(client_as("viewer"), "fr", sort="type"))
    )
    assert labels[0] == "Battles" and labels[-1] == VAC  # Batailles … Violence contre les civils


def test_pages_are_consecutive_slices_of_one_order(client_as: Client) -> None:
    viewer = client_as("viewer")
    everything = all_ids(viewer, sort="-fatalities", region="ML05")
    total = len(everything)
    for page, size in ((1, 7), (2, 7), (5, 13), (total // 10 + 1, 10)):
        body = viewer.get(
            "/api/v1/events",
            params={"sort": "-fatalities", "region": "ML05", "page": page, "page_size": size},
        ).json()
        assert body["total"] == total and (body["page"], body["page_size"]) == (page, size)
        assert [i["id"] for i in body["items"]] == everything[(page - 1) * size : page * size]
    beyond = viewer.get(f"/api/v1/events?region=ML05&page={total + 1}&page_size=1").json()
    assert beyond["items"] == [] and beyond["total"] == total


BAD_REQUESTS = [
    ("/api/v1/events?sort=elevation", "unknown sort 'elevation'"),
    ("/api/v1/events?sort=--date", "unknown sort"),
    ("/api/v1/events?page_size=501", "page_size"),
    ("/api/v1/events?page=0", "page"),
    ("/api/v1/events?start=2018-13", "start"),
    ("/api/v1/events?start=2018-05&end=2018-01", "ends before it starts"),
    ("/api/v1/events?event_type=Massacres", "unknown event type"),
    ("/api/v1/events/export?format=pdf", "'csv', 'xlsx', 'geojson' or 'gpkg'"),
    ("/api/v1/events/export?format=csv&hxl=maybe", "hxl"),
    ("/api/v1/events/export?format=csv&sort=colour", "unknown sort"),
    ("/api/v1/events/nine", "event_id"),
    ("/events?sort=nowhere", "unknown sort"),
    ("/events?page_size=100000", "page_size"),
]


def test_bad_parameters_are_refused_precisely(client_as: Client) -> None:
    analyst = client_as("analyst")
    for path, fragment in BAD_REQUESTS:
        response = analyst.get(path)
        assert response.status_code == 422, (path, response.text)
        assert fragment in response.text, (path, response.text)


def test_an_export_that_cannot_be_made_says_why(
    client_as: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 100)
    response = client_as("analyst").get("/api/v1/events/export?format=xlsx")
    assert response.status_code == 422
    assert "more than an XLSX sheet holds (99 rows)" in response.json()["detail"]
    assert (
        client_as("analyst").get("/api/v1/events/export?format=csv&region=ML08").status_code == 200
    )


def test_unknown_events_are_404(client_as: Client) -> None:
    analyst = client_as("analyst")
    assert analyst.get("/api/v1/events/987654").status_code == 404
    assert analyst.get("/events/987654").status_code == 404


def acled_copy(tmp_path: Path, name: str, notes: str, fatalities: int, timestamp: int) -> Path:
    """dyadic_small.csv with TST1 as ACLED coded it in another vintage."""
    lines = (FIXTURES / "acled" / "dyadic_small.csv").read_text(encoding="utf-8").splitlines()
    original = '"Fictional test row: armed men attacked a village.",3,1600000000'
    assert sum(original in line for line in lines) == 1
    changed = [line.replace(original, f'"{notes}",{fatalities},{timestamp}') for line in lines]
    path = tmp_path / name
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    return path


def test_an_events_page_shows_its_notes_sources_and_how_it_was_revised(
    demo_store: Store, client_as: Client, tmp_path: Path
) -> None:
    ingest_file(demo_store, FIXTURES / "acled" / "dyadic_small.csv")
    revised = "Fictional test row: armed men attacked a village and burned the granaries."
    ingest_file(
        demo_store, acled_copy(tmp_path, "dyadic_small_revised.csv", revised, 5, 1_700_000_000)
    )
    analyst = client_as("analyst")
    (found,) = analyst.get("/api/v1/events?q=TST1&source=acled").json()["items"]
    event_id = found["id"]

    detail = analyst.get(f"/api/v1/events/{event_id}").json()
    assert detail["version"] == 2 and detail["fatalities"] == 5
    assert detail["notes"].endswith("burned the granaries.")
    (version,) = detail["versions"]
    assert version["reason"] == "revised" and version["version"] == 1
    assert version["source_timestamp"] == 1600000000
    assert version["fields"]["fatalities"] == 3
    changes = {c["field"]: (c["before"], c["after"]) for c in version["changes"]}
    assert changes["fatalities"] == (3, 5)
    assert set(changes) == {"fatalities", "notes"}
    assert detail["last_import"]["file_name"].endswith("dyadic_small_revised.csv")
    assert detail["first_import"]["file_name"].endswith("dyadic_small.csv")

    page = analyst.get(f"/events/{event_id}?lang=en")
    assert page.status_code == 200
    html = page.text
    assert "armed men attacked a village and burned the granaries." in html
    assert "Fictional test source" in html  # the reports it was coded from
    assert "Revised by the source" in html
    assert "<del>3</del> → <ins>5</ins>" in html
    assert "Bankass" in html and "14,0667" not in html  # English number formatting
    assert "14.0667" in html and "-3.5167" in html
    assert "1 · exact town" in html  # geographic precision, labelled

    # an older vintage arriving late is kept, compared with the current version
    older = acled_copy(
        tmp_path, "dyadic_small_2019.csv", "Early report: an attack.", 1, 1_500_000_000
    )
    assert ingest_file(demo_store, older).older == 1
    history = analyst.get(f"/api/v1/events/{event_id}").json()
    assert [v["reason"] for v in history["versions"]] == ["revised", "older-vintage"]
    assert history["fatalities"] == 5  # the newer version stays
    late = {c["field"]: (c["before"], c["after"]) for c in history["versions"][1]["changes"]}
    assert late["fatalities"] == (1, 5)
    page = analyst.get(f"/events/{event_id}?lang=en").text
    assert "Older copy received later" in page and "<del>1</del> → <ins>5</ins>" in page

    unrevised = analyst.get(
        f"/events/{analyst.get('/api/v1/events?q=TST2').json()['items'][0]['id']}"
    )
    assert "has not revised this event" in unrevised.text or "pas révisé" in unrevised.text


def test_the_list_page_filters_sorts_and_links_to_each_event(client_as: Client) -> None:
    viewer = client_as("viewer")
    api = viewer.get("/api/v1/events?region=ML05&q=dozo&sort=-fatalities&page_size=25").json()
    page = viewer.get("/events?region=ML05&q=dozo&sort=-fatalities&page_size=25&lang=fr")
    assert page.status_code == 200
    html = page.text
    links = [int(part.split('"', 1)[0]) for part in html.split('<a href="/events/')[1:]]
    assert links == [item["id"] for item in api["items"]]
    assert 'value="dozo"' in html  # the search box keeps the words
    assert "Violence contre les civils" in html or "Batailles" in html  # French labels
    assert 'aria-sort="descending"' in html
    assert f"{api['total']} résultats" in html.replace("\u202f", " ").replace("\xa0", " ")


def test_export_buttons_only_for_those_who_may_export(client_as: Client) -> None:
    assert "/api/v1/events/export" not in client_as("viewer").get("/events").text
    html = client_as("analyst").get("/events?region=ML05&sort=fatalities").text
    form = html.split('action="/api/v1/events/export"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="region" value="ML05">' in form
    assert '<input type="hidden" name="sort" value="fatalities">' in form
    for fmt in ("csv", "xlsx", "geojson", "gpkg"):
        assert f'name="format" value="{fmt}"' in form


def test_a_viewer_may_not_export_and_nobody_anonymous_may_list(
    client_as: Client, app_client: TestClient
) -> None:
    response = client_as("viewer").get("/api/v1/events/export?format=csv")
    assert response.status_code == 403
    assert "may not export events" in response.json()["detail"]
    assert app_client.get("/api/v1/events").status_code == 401
    assert app_client.get("/api/v1/events/export?format=csv").status_code == 401
    assert app_client.get("/events", follow_redirects=False).status_code == 303


def test_an_analysts_export_holds_the_api_rows_and_says_its_filters(
    demo_store: Store, client_as: Client
) -> None:
    analyst = client_as("analyst")
    filters = {"region": "ML05", "event_type": VAC, "start": "2017-01"}
    listed = []
    page = 1
    while True:
        body = analyst.get(
            "/api/v1/events", params={**filters, "sort": "date", "page": page, "page_size": 500}
        ).json()
        listed += body["items"]
        if page * 500 >= body["total"]:
            break
        page += 1

    response = analyst.get(
        "/api/v1/events/export", params={**filters, "format": "csv", "hxl": "true"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-sentinelle-filters"] == urlencode(
        [("start", "2017-01"), ("region", "ML05"), ("event_type", VAC)]
    )
    assert response.headers["x-sentinelle-rows"] == str(len(listed))
    disposition = response.headers["content-disposition"]
    assert "sentinelle-events_start-2017-01_region-ML05_event_type-Violence-against" in disposition
    frame = pd.read_csv(io.BytesIO(response.content), skiprows=[1], keep_default_na=False)
    assert frame["id"].tolist() == [item["id"] for item in listed]
    assert frame["source_id"].tolist() == [item["source_id"] for item in listed]
    assert frame["fatalities"].tolist() == [item["fatalities"] for item in listed]
    assert frame["admin2_pcode"].tolist() == [item["admin2_pcode"] or "" for item in listed]
    assert frame["notes"].tolist() == [item["notes"] for item in listed]

    xlsx = analyst.get("/api/v1/events/export", params={**filters, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    ids = [row[0] for row in book["events"].iter_rows(min_row=2, values_only=True)]
    assert ids == [item["id"] for item in listed]

    geojson = analyst.get("/api/v1/events/export", params={**filters, "format": "geojson"})
    assert geojson.headers["content-type"] == "application/geo+json"
    document = json.loads(geojson.content)
    assert [f["id"] for f in document["features"]] == [item["id"] for item in listed]

    gpkg = analyst.get("/api/v1/events/export", params={**filters, "format": "gpkg"})
    assert gpkg.status_code == 200 and gpkg.content[:16] == b"SQLite format 3\x00"

    with demo_store.reading() as connection:
        logged = connection.execute(
            select(audit_log.c.actor, audit_log.c.detail)
            .where(audit_log.c.action == "export")
            .order_by(audit_log.c.id)
        ).all()
    assert [actor for actor, _ in logged] == ["demo-analyst"] * 4
    assert [json.loads(d)["format"] for _, d in logged] == ["csv", "xlsx", "geojson", "gpkg"]
    assert all(json.loads(d)["rows"] == len(listed) for _, d in logged)
