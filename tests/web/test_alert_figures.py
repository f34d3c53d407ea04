"""The alert figures pages and API: the response dashboard and the warning coverage, on SQLite
and PostgreSQL. Alerts are recorded through the register with known times, so the figures are
worked out by hand below; every number a page or the API shows is also checked against the
engine (:mod:`sentinelle.alerts.figures`) over the same store."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from sentinelle import accounts
from sentinelle.alerts.figures import coverage, figures, vac_events
from sentinelle.alerts.measures import TABLE_COLUMNS
from sentinelle.alerts.register import AlertIn, create_alert, transition
from sentinelle.config import Settings
from sentinelle.demo.load import ensure_demo_users
from sentinelle.domain.access import ROLES
from sentinelle.domain.alerts import measures, targets
from sentinelle.protection import Cipher
from sentinelle.store.database import Store
from sentinelle.web import i18n
from sentinelle.web.app import API_PREFIX, create_app
from tests.web.conftest import ROLE_USERS, sign_in

UTC = dt.UTC
START = dt.datetime(2018, 6, 1, tzinfo=UTC)
END = dt.datetime(2018, 8, 1, tzinfo=UTC)
CUTOFF = END - dt.timedelta(microseconds=1)
PERIOD = {"from": "2018-06", "to": "2018-07"}


def at(month: int, day: int, hour: float) -> dt.datetime:
    return dt.datetime(2018, month, day, tzinfo=UTC) + dt.timedelta(hours=hour)


def record(
    store: Store,
    cipher: Cipher,
    received: dt.datetime,
    steps: list[tuple[str, float, dict[str, Any]]],
    **fields: Any,
) -> int:
    """An alert received at ``received`` that then takes ``steps`` (action, hours after
    receipt, values)."""
    fields.setdefault("channel", "community_alert_network")
    alert_id = create_alert(store, AlertIn(received_at=received, **fields), "duty", cipher).id
    version = 1
    for action, hours, values in steps:
        moment = received + dt.timedelta(hours=hours)
        version = transition(store, alert_id, action, values, "duty", version, at=moment)
    return alert_id


CONFIRMED = {"verification": "confirmed"}


def register(store: Store) -> dict[str, int]:
    """The hand-made register (times UTC, hours after receipt):

    * A1 5 June, high, patrol: decided after 1.5 h, on site after 6 h — responded, in time;
    * A2 10 June, medium, referral: decided after 20 h (target 12 h) — responded, late;
    * A3 2 July: a false alert, closed once verified — requires no response;
    * A4 15 July, high: assessed, never decided — pending and late at the cut-off;
    * A5 20 July: no response required;
    * A6 21 July, low, deployment: decided after 3 h, on site after 200 h (target 168 h);
    * A7 5 June: merged into A1 — left out;
    * A9 15 May, high, patrol: decided after 3 h (late), on site after 10 h — the month before.
    """
    cipher = Cipher.generate()
    ids = {}
    ids["A1"] = record(store, cipher, at(6, 5, 8), [
        ("verify", 0.5, CONFIRMED),
        ("assess", 1, {"response_required": True, "priority": "high"}),
        ("decide", 1.5, {"decision": "patrol", "responding_unit": "Bataillon A"}),
        ("dispatch", 2, {}),
        ("arrive", 6, {}),
        ("close", 30, {"outcome": "prevented"}),
    ], urgency="high", threat_type="other")  # fmt: skip
    ids["A2"] = record(store, cipher, at(6, 10, 12), [
        ("verify", 1, CONFIRMED),
        ("assess", 2, {"response_required": True, "priority": "medium"}),
        ("decide", 20, {"decision": "referral_authorities", "responding_unit": "Police"}),
        ("close", 21, {"outcome": "unknown"}),
    ], channel="patrol")  # fmt: skip
    ids["A3"] = record(store, cipher, at(7, 2, 9), [
        ("verify", 1, {"verification": "false"}),
        ("close", 2, {}),
    ], channel="partner")  # fmt: skip
    ids["A4"] = record(store, cipher, at(7, 15, 10), [
        ("verify", 0.5, CONFIRMED),
        ("assess", 1, {"response_required": True, "priority": "high"}),
    ])  # fmt: skip
    ids["A5"] = record(store, cipher, at(7, 20, 10), [
        ("verify", 1, CONFIRMED),
        ("assess", 2, {"response_required": False}),
        ("close", 3, {}),
    ], channel="media")  # fmt: skip
    ids["A6"] = record(store, cipher, at(7, 21, 6), [
        ("verify", 1, CONFIRMED),
        ("assess", 2, {"response_required": True, "priority": "low"}),
        ("decide", 3, {"decision": "deployment", "responding_unit": "Bataillon A"}),
        ("dispatch", 5, {}),
        ("arrive", 200, {}),
    ])  # fmt: skip
    ids["A7"] = record(store, cipher, at(6, 5, 9), [
        ("merge", 0.2, {"merged_into": ids["A1"]}),
    ])  # fmt: skip
    ids["A9"] = record(store, cipher, at(5, 15, 10), [
        ("verify", 0.5, CONFIRMED),
        ("assess", 1, {"response_required": True, "priority": "high"}),
        ("decide", 3, {"decision": "patrol"}),
        ("dispatch", 4, {}),
        ("arrive", 10, {}),
    ])  # fmt: skip
    return ids


HAND_TOTALS = {
    "alerts": 6,  # A1–A6 (A7 merged, A9 in May)
    "requiring_response": 4,  # A1, A2, A4, A6
    "responded": 3,  # A1 (dispatched), A2 (referral), A6 (dispatched)
    "pending": 1,  # A4
    "response_rate": 0.75,
    "decided": 3,
    "decision_median_h": 3.0,  # of 1.5, 20, 3
    "decision_p90_h": 3 + 0.8 * 17,  # linear between 3 and 20
    "decision_late": 2,  # A2 (20 h > 12 h), A4 (undecided, past 2 h)
    "decision_within_target": 0.5,  # (4 known − 2 late) ÷ 4
    "on_site": 2,
    "on_site_median_h": 103.0,  # of 6 and 200
    "on_site_p90_h": 6 + 0.9 * 194,
    "on_site_late": 1,  # A6 (200 h > 168 h)
    "on_site_within_target": 0.5,
}
HAND_MONTHS: dict[str, dict[str, float]] = {
    "2018-06": {"alerts": 2, "requiring_response": 2, "responded": 2, "response_rate": 1.0,
                "pending": 0, "decision_median_h": 10.75, "on_site_median_h": 6.0},
    "2018-07": {"alerts": 4, "requiring_response": 2, "responded": 1, "response_rate": 0.5,
                "pending": 1, "decision_median_h": 3.0, "on_site_median_h": 200.0},
}  # fmt: skip
HAND_PRIORITY: dict[str, dict[str, float | None]] = {
    "high": {"alerts": 2, "requiring_response": 2, "responded": 1, "response_rate": 0.5},
    "medium": {"alerts": 1, "requiring_response": 1, "responded": 1, "response_rate": 1.0},
    "low": {"alerts": 1, "requiring_response": 1, "responded": 1, "response_rate": 1.0},
    "unknown": {"alerts": 2, "requiring_response": 0, "responded": 0, "response_rate": None},
}
HAND_MAY = {"alerts": 1, "requiring_response": 1, "responded": 1, "response_rate": 1.0,
            "decision_median_h": 3.0, "decision_within_target": 0.0,
            "on_site_within_target": 1.0}  # fmt: skip


@pytest.fixture
def registered(store: Store, tmp_path: Path) -> Iterator[tuple[Store, dict[str, int], TestClient]]:
    """The hand-made register in a store of its own (users, no demo data), and a viewer."""
    ensure_demo_users(store)
    ids = register(store)
    app = create_app(Settings(database_url=store.url, home=tmp_path), store=store)
    with TestClient(app) as client:
        yield store, ids, sign_in(client, ROLE_USERS["viewer"])


def same(value: Any, expected: Any) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return value in (None, "")
    return math.isclose(float(value), float(expected), rel_tol=1e-9, abs_tol=1e-9)


def engine(store: Store, by: tuple[str, ...] = (), freq: str | None = "M") -> Any:
    with store.reading() as connection:
        return figures(connection, CUTOFF, by=by, freq=freq, start=START)


# --- API -------------------------------------------------------------------------------------


def test_api_response_figures_equal_the_hand_values_and_the_engine(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    store, _, client = registered
    answer = client.get("/api/v1/alert-figures/response", params=PERIOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["first_month"] == "2018-06" and body["last_month"] == "2018-07"
    assert dt.datetime.fromisoformat(body["cutoff"]) == CUTOFF  # a past period: its end
    assert dt.datetime.fromisoformat(body["end"]) == END
    table, totals = engine(store)
    for column, expected in HAND_TOTALS.items():
        assert same(body["totals"][column], expected), column
        assert same(body["totals"][column], totals[column]), column
    assert [r["period"] for r in body["rows"]] == ["2018-06", "2018-07"]
    for row, (_, expected) in zip(body["rows"], table.iterrows(), strict=True):
        assert row["period_start"] == str(expected["period"].start_time.date())
        for column in TABLE_COLUMNS:
            assert same(row[column], expected[column]), (row["period"], column)
        for column, value in HAND_MONTHS[row["period"]].items():
            assert same(row[column], value), (row["period"], column)
    definitions = {d["code"]: d for d in body["definitions"]}
    assert {c: d["definition_en"] for c, d in definitions.items()} == table.attrs["definitions"]
    assert {c: d["definition_fr"] for c, d in definitions.items()} == table.attrs["definitions_fr"]
    assert definitions["response_rate"]["label_fr"] == "Taux de réponse"
    assert {(t["measure"], t["priority"]): t["hours"] for t in body["targets"]} == targets()


def test_api_breakdowns_and_frequencies(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    store, _, client = registered
    body = client.get(
        "/api/v1/alert-figures/response", params={**PERIOD, "by": "priority", "freq": "all"}
    ).json()
    table, _ = engine(store, ("priority",), None)
    by_priority = {r["breakdown"]["priority"]: r for r in body["rows"]}
    assert set(by_priority) == set(HAND_PRIORITY) == set(table["priority"])
    for code, expected in HAND_PRIORITY.items():
        assert by_priority[code]["period"] is None
        for column, value in expected.items():
            assert same(by_priority[code][column], value), (code, column)
        row = table[table["priority"] == code].iloc[0]
        for column in TABLE_COLUMNS:
            assert same(by_priority[code][column], row[column]), (code, column)
    two = client.get(
        "/api/v1/alert-figures/response",
        params=[("from", "2018-06"), ("to", "2018-07"), ("by", "channel"), ("by", "priority")],
    ).json()
    table, _ = engine(store, ("channel", "priority"), "M")
    assert len(two["rows"]) == len(table)
    assert {(r["period"], r["breakdown"]["channel"], r["breakdown"]["priority"])
            for r in two["rows"]} == {
        (str(p), c, q) for p, c, q in zip(table["period"], table["channel"], table["priority"],
                                          strict=True)
    }  # fmt: skip
    quarter = client.get("/api/v1/alert-figures/response", params={**PERIOD, "freq": "Q"}).json()
    assert [r["period"] for r in quarter["rows"]] == ["2018Q2", "2018Q3"]
    weeks = client.get("/api/v1/alert-figures/response", params={**PERIOD, "freq": "W"}).json()
    assert sum(r["alerts"] for r in weeks["rows"]) == HAND_TOTALS["alerts"]
    unit = client.get(
        "/api/v1/alert-figures/response", params={**PERIOD, "by": "responding_unit", "freq": "all"}
    ).json()
    units = {r["breakdown"]["responding_unit"]: r["alerts"] for r in unit["rows"]}
    assert units == {"Bataillon A": 2, "Police": 1, "unknown": 3}


def test_a_period_that_runs_to_today_is_measured_now(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    store, _, client = registered
    now = dt.datetime.now(UTC)
    month = f"{now:%Y-%m}"
    before = dt.datetime.now(UTC)
    body = client.get("/api/v1/alert-figures/response", params={"from": "2018-05", "to": month})
    after = dt.datetime.now(UTC)
    assert body.status_code == 200
    cutoff = dt.datetime.fromisoformat(body.json()["cutoff"])
    assert before <= cutoff <= after
    totals = body.json()["totals"]
    with store.reading() as connection:
        _, expected = figures(
            connection, cutoff, freq="M", start=dt.datetime(2018, 5, 1, tzinfo=UTC)
        )
    assert totals["alerts"] == expected["alerts"] == 7  # A1–A6 and A9
    assert same(totals["response_rate"], expected["response_rate"])  # A4 still pending: 4 of 5
    assert same(totals["response_rate"], 4 / 5)
    default = client.get("/api/v1/alert-figures/response").json()
    assert default["last_month"] == "2018-07"  # the newest alert's month
    assert default["first_month"] == "2017-08"  # twelve months


def test_api_csv_holds_the_table_and_its_definitions(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    store, _, client = registered
    answer = client.get(
        "/api/v1/alert-figures/response.csv",
        params={**PERIOD, "by": "priority", "freq": "all", "lang": "fr"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        "alert-response-2018-06-2018-07-by-priority-all.csv"
        in answer.headers["content-disposition"]
    )
    comments = [line for line in answer.text.splitlines() if line.startswith("#")]
    table, _ = engine(store, ("priority",), None)
    for code, text in table.attrs["definitions_fr"].items():
        assert any(code in line and text in line for line in comments), code
    assert any("Date d'arrêt : " + CUTOFF.isoformat() in line for line in comments)
    assert any("decision_time high : 2 h" in line for line in comments)
    frame = pd.read_csv(io.StringIO(answer.text), comment="#", keep_default_na=False)
    assert list(frame.columns) == ["period", "period_start", "priority", "priority_label",
                                   *TABLE_COLUMNS]  # fmt: skip
    labels = dict(zip(frame["priority"], frame["priority_label"], strict=True))
    assert labels["high"] == "Haute" and labels["unknown"] == "Non renseigné"
    for row in frame.to_dict("records"):
        expected = table[table["priority"] == row["priority"]].iloc[0]
        for column in TABLE_COLUMNS:
            assert same(row[column], expected[column]), (row["priority"], column)
    english = client.get("/api/v1/alert-figures/response.csv", params={**PERIOD, "lang": "en"}).text
    assert table.attrs["definitions"]["response_rate"] in english
    monthly = pd.read_csv(io.StringIO(english), comment="#")
    assert list(monthly["period"]) == ["2018-06", "2018-07"]
    assert list(monthly["alerts"]) == [2, 4]


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2018-13"},
        {"from": "2018-6"},
        {"to": "June"},
        {"from": "2018-07", "to": "2018-06"},
        {"from": "2099-01", "to": "2099-02"},
        {"from": "1980-01", "to": "1980-02"},
        {"from": "2000-01", "to": "2018-12"},  # more than 120 months
        {"freq": "D"},
        {"by": "colour"},
        {"by": ["channel", "priority", "urgency"]},
        {"by": ["channel", "channel"]},
    ],
)
def test_bad_response_queries_are_422(
    registered: tuple[Store, dict[str, int], TestClient], query: dict[str, Any]
) -> None:
    _, _, client = registered
    for path in ("/api/v1/alert-figures/response", "/api/v1/alert-figures/response.csv"):
        answer = client.get(path, params=query)
        assert answer.status_code == 422, (path, query, answer.text)
        assert answer.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"radius_km": 0},
        {"radius_km": 500},
        {"radius_km": "far"},
        {"days": -1},
        {"days": 91},
        {"days": 2.5},
        {"from": "2018-00"},
    ],
)
def test_bad_coverage_queries_are_422(
    registered: tuple[Store, dict[str, int], TestClient], query: dict[str, Any]
) -> None:
    _, _, client = registered
    assert client.get("/api/v1/alert-figures/coverage", params=query).status_code == 422
    page = client.get("/alerts/coverage", params=query)
    assert page.status_code == 422 and "The request is not valid" in unescape(
        client.get("/alerts/coverage", params={**query, "lang": "en"}).text
    )


def test_bad_dashboard_queries_are_422(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    _, _, client = registered
    for query in [
        {"freq": "D"},
        {"by": "colour"},
        {"from": "2018-13"},
        {"from": "2018-07", "to": "2018-06"},
        {"cmp_from": "2018-05", "cmp_to": "2018-01"},
        {"cmp_from": "2099-01"},
    ]:
        assert client.get("/alerts/dashboard", params=query).status_code == 422, query


# --- pages -----------------------------------------------------------------------------------


def data_values(html: str, table_id: str) -> dict[str, dict[str, str]]:
    """Row key → column → data-value of a figures table."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for key, cells in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', body, re.S):
        rows[key] = dict(re.findall(r'data-column="(\w+)" data-value="([^"]*)"', cells))
    return rows


def test_the_dashboard_shows_the_figures(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    store, _, client = registered
    answer = client.get("/alerts/dashboard", params={**PERIOD, "by": "priority", "lang": "en"})
    assert answer.status_code == 200, answer.text
    html = answer.text
    headline = dict(re.findall(r'data-code="(\w+)" data-value="([^"]*)"', html))
    for code in ("response_rate", "decision_median_h", "on_site_median_h",
                 "decision_within_target", "on_site_within_target", "pending"):  # fmt: skip
        assert same(headline[code], HAND_TOTALS[code]), code
    assert i18n.percent(0.75, "en") in html and "3.0 h" in html and "103.0 h" in html
    table, _ = engine(store)
    series = data_values(html, "series-table")
    assert set(series) == {"2018-06", "2018-07"}
    for _, row in table.iterrows():
        for column in TABLE_COLUMNS:
            assert same(series[str(row["period"])][column], row[column])
    split, _ = engine(store, ("priority",), None)
    shown = data_values(html, "breakdown-table")
    assert set(shown) == set(split["priority"])
    for _, row in split.iterrows():
        for column in TABLE_COLUMNS:
            assert same(shown[row["priority"]][column], row[column]), (row["priority"], column)
    assert ">High<" in html and ">Not recorded<" in html  # labels, not codes
    # the definitions and targets printed, in the page's language
    text = unescape(html)
    for definition in table.attrs["definitions"].values():
        assert text.count(definition) >= 3  # headline, tables, charts
    assert "Time to decision: high 2 h · medium 12 h · low 48 h" in text
    assert "as of the end of the period" in text
    # charts
    rate = json.loads(unescape(re.search(r"id=\"rate-chart\"[^>]*data-figure='([^']*)'",
                                         html).group(1)))  # type: ignore[union-attr]  # fmt: skip
    assert rate["data"][0]["y"] == [1.0, 0.5] and rate["data"][0]["x"] == ["Jun 2018", "Jul 2018"]
    assert 'id="breakdown-chart"' in html and 'id="time-chart"' in html
    # comparison with May (the two months before by default: April–May)
    compare = dict(
        re.findall(r'<tr data-column="(\w+)" data-before="([^"]*)" data-now="[^"]*"', html)
    )
    for column, value in HAND_MAY.items():
        assert same(compare[column], value), column
    assert 'data-before-from="2018-04" data-before-to="2018-05"' in html
    assert "−25.0 pts" in text  # response rate 100 % → 75 %
    assert "/api/v1/alert-figures/response.csv?from=2018-06&amp;to=2018-07&amp;freq=M" in html
    assert "by=priority&amp;freq=all" in html


def test_dashboard_choices_and_french(
    registered: tuple[Store, dict[str, int], TestClient],
) -> None:
    store, _, client = registered
    chosen = client.get(
        "/alerts/dashboard",
        params={**PERIOD, "freq": "Q", "by": "none", "cmp_from": "2018-05", "cmp_to": "2018-05"},
    ).text
    assert set(data_values(chosen, "series-table")) == {"2018Q2", "2018Q3"}
    assert 'id="breakdown-table"' not in chosen
    assert 'data-before-from="2018-05" data-before-to="2018-05"' in chosen
    one_month = client.get("/alerts/dashboard", params={**PERIOD, "cmp_from": "2018-05"}).text
    assert 'data-before-from="2018-05" data-before-to="2018-06"' in one_month
    french = unescape(
        client.get("/alerts/dashboard", params={**PERIOD, "by": "channel", "lang": "fr"}).text
    )
    table, _ = engine(store)
    for definition in table.attrs["definitions_fr"].values():
        assert definition in french
    assert "Tableau de bord de la réponse" in french and "Taux de réponse" in french
    assert "Réseau d'alerte communautaire (appel ou SMS)" in french
    assert i18n.percent(0.75, "fr") in french
    assert i18n.translate("alert_figures.tab.board", "fr") in french


def test_empty_store_pages(store: Store, tmp_path: Path) -> None:
    ensure_demo_users(store)
    app = create_app(Settings(database_url=store.url, home=tmp_path), store=store)
    with TestClient(app) as client:
        sign_in(client, ROLE_USERS["viewer"])
        for url in ("/alerts/dashboard?lang=en", "/alerts/coverage?lang=en"):
            answer = client.get(url)
            assert answer.status_code == 200, url
            assert 'id="no-alerts"' in answer.text
        body = client.get("/api/v1/alert-figures/response").json()
        assert body["rows"] == [] and body["totals"]["alerts"] == 0
        assert body["totals"]["response_rate"] is None
        cover = client.get("/api/v1/alert-figures/coverage").json()
        assert cover["summary"] == {"vac_events": 0, "warned": 0, "coverage": None}


# --- warning coverage on the demo scenario ---------------------------------------------------


def placed_alerts(store: Store) -> tuple[int, dict[str, int]]:
    """Alerts around one VAC event of June 2018 in the demo: one at its place two days before,
    one far from any event, one without coordinates. Returns the event's id and the alerts'."""
    with store.reading() as connection:
        events = vac_events(connection, START, dt.datetime(2018, 7, 1, tzinfo=UTC))
    vac = events[events["vac"] & events["latitude"].notna() & (events["fatalities"] > 0)]
    event = vac.sort_values(["event_date", "event_id"]).iloc[len(vac) // 2]
    day = pd.Timestamp(event["event_date"]).to_pydatetime().replace(tzinfo=UTC)
    cipher = Cipher.generate()
    ids = {
        "before": record(store, cipher, day - dt.timedelta(days=2) + dt.timedelta(hours=10), [],
                         latitude=float(event["latitude"]), longitude=float(event["longitude"])),
        "far": record(store, cipher, dt.datetime(2018, 6, 12, 9, tzinfo=UTC), [],
                      latitude=25.0, longitude=5.0),
        "nowhere": record(store, cipher, dt.datetime(2018, 6, 14, 9, tzinfo=UTC), []),
    }  # fmt: skip
    return int(event["event_id"]), ids


def test_coverage_page_and_api_equal_the_engine(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    event_id, ids = placed_alerts(demo_store)
    client = client_as("viewer")
    with demo_store.reading() as connection:
        expected = coverage(connection, START, END, 25.0, 7)
    body = client.get("/api/v1/alert-figures/coverage", params=PERIOD).json()
    warned = expected.coverage["warned"]
    assert body["summary"] == {
        "vac_events": len(warned),
        "warned": int(warned.sum()),
        "coverage": pytest.approx(warned.mean()),
    }
    assert body["radius_km"] == 25 and body["days"] == 7
    assert body["alerts_without_place"] == expected.alerts_without_place >= 1
    assert sorted(e["event_id"] for e in body["events"]) == sorted(expected.coverage["event_id"])
    events = {e["event_id"]: e for e in body["events"]}
    assert events[event_id]["warned"] and events[event_id]["url"] == f"/events/{event_id}"
    assert events[event_id]["lead_days"] >= 2  # our alert, or an earlier one
    alerts = {a["alert_id"]: a for a in body["alerts"]}
    assert set(alerts) == set(expected.after["alert_id"])
    ours = alerts[ids["before"]]
    assert (
        ours["violence_followed"] and ours["vac_after"] >= 1 and event_id in ours["vac_event_ids"]
    )
    assert ours["first_vac_days"] <= 2 and ours["url"] == f"/alerts/{ids['before']}"
    assert len(ours["vac_event_ids"]) == ours["vac_after"]
    far = alerts[ids["far"]]
    assert (far["events_after"], far["vac_after"], far["violence_followed"]) == (0, 0, False)
    assert ids["nowhere"] not in alerts
    after = expected.after.set_index("alert_id")
    for alert_id, item in alerts.items():
        assert item["vac_fatalities_after"] == after.loc[alert_id, "vac_fatalities_after"]
    months = {m["month"]: m for m in body["by_month"]}
    frame = expected.coverage.assign(
        month=pd.to_datetime(expected.coverage["event_date"]).dt.to_period("M")
    )
    for month, part in frame.groupby("month"):
        assert months[str(month)]["vac_events"] == len(part)
        assert months[str(month)]["warned"] == int(part["warned"].sum())
    regions = {r["admin1_pcode"]: r for r in body["by_region"]}
    for region, part in frame.groupby("admin1_pcode"):
        assert regions[region]["warned"] == int(part["warned"].sum())
        assert regions[region]["name_fr"]
    assert {d["code"] for d in body["definitions"]} == {"link", "violence_followed", "coverage",
                                                        "lead"}  # fmt: skip
    assert (
        "within 25 km"
        in next(d for d in body["definitions"] if d["code"] == "link")["definition_en"]
    )

    # the page shows the same numbers
    html = client.get("/alerts/coverage", params={**PERIOD, "lang": "en"}).text
    summary = re.search(r'id="coverage-summary"(.*?)>', html, re.S).group(1)  # type: ignore[union-attr]
    assert f'data-vac-events="{len(warned)}"' in summary
    assert f'data-warned="{int(warned.sum())}"' in summary
    assert f'data-alerts="{len(expected.after)}"' in summary
    row = re.search(rf'<tr data-alert="{ids["before"]}"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'data-followed="1"' in row
    assert f'href="/alerts/{ids["before"]}"' in html and f'href="/events/{event_id}"' in html
    figure = json.loads(unescape(re.search(r"id=\"coverage-map\"[^>]*data-figure='([^']*)'",
                                           html).group(1)))  # type: ignore[union-attr]  # fmt: skip
    kinds = {trace["type"] for trace in figure["data"]}
    assert {"choroplethmap", "scattermap"} <= kinds and figure["layout"]["map"][
        "style"
    ] == "white-bg"
    points = [p for t in figure["data"] if t["type"] == "scattermap" for p in t["customdata"]]
    assert ["event", event_id] in [p[:2] for p in points]
    assert f"/alerts/{ids['before']}" in {p[4] for p in points}
    text = unescape(html)
    for definition in body["definitions"]:
        assert definition["definition_en"] in text

    # a smaller radius and window link no more
    tight = client.get("/api/v1/alert-figures/coverage",
                       params={**PERIOD, "radius_km": 1, "days": 0}).json()  # fmt: skip
    assert tight["summary"]["warned"] <= body["summary"]["warned"]
    with demo_store.reading() as connection:
        narrow = coverage(connection, START, END, 1.0, 0)
    assert tight["summary"]["warned"] == int(narrow.coverage["warned"].sum())


URLS = (
    "/alerts/dashboard",
    "/alerts/coverage",
    "/api/v1/alert-figures/response",
    "/api/v1/alert-figures/response.csv",
    "/api/v1/alert-figures/coverage",
)


def test_every_role_sees_the_figures(
    demo_store: Store, client_as: Callable[[str], TestClient], app_client: TestClient
) -> None:
    for role in ROLES:
        client = client_as(role)
        for url in URLS:
            answer = client.get(url)
            assert answer.status_code == 200, (role, url, answer.status_code)
    assert app_client.get("/api/v1/alert-figures/response").status_code == 401
    page = app_client.get("/alerts/dashboard", follow_redirects=False)
    assert page.status_code == 303 and "/sign-in" in page.headers["location"]
    assert measures()  # the definitions the pages print come from the domain data


def test_no_server_errors_on_alert_figure_operations(
    registered: tuple[Store, dict[str, int], TestClient], tmp_path: Path
) -> None:
    """Schemathesis on the alert figure operations over a store that holds alerts."""
    store, _, _ = registered
    app = create_app(Settings(database_url=store.url, home=tmp_path), store=store)
    schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app).include(
        tag="alert figures"
    )
    token, _ = accounts.create_token(store, "demo-viewer", "schemathesis", "test")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case: Any) -> None:
            try:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
            except Exception as exc:  # the app raised: a server error
                failures.append(f"{case.method} {case.formatted_path} {case.query or ''} → {exc!r}")
                return
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query or ''} → "
                    f"{response.status_code}: {response.text[:300]}"
                )

        check()
    assert operations == 3
    assert not failures, "\n".join(sorted(set(failures))[:20])
