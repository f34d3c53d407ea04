"""The forecast pages and API: the probability map of the latest live forecast, the backtest
with its scores and reliability curves, an area's forecast history and the stored runs — on
SQLite and PostgreSQL, as viewer and analyst. Every number checked is read back from the store
(nothing hard-coded), and the forecast operations are fuzzed with Schemathesis over a store that
holds runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from sentinelle import accounts
from sentinelle.config import Settings
from sentinelle.domain.access import ROLES
from sentinelle.forecast.backtest import METRICS, ForecastRun, backtest, forecast, parse_origins
from sentinelle.forecast.data import load_forecast_data
from sentinelle.forecast.models import MODELS
from sentinelle.store import forecasts as forecast_store
from sentinelle.store.database import Store
from sentinelle.web import i18n
from sentinelle.web.app import API_PREFIX, create_app

ORIGINS = "2018-08:2018-09"  # inside the demo scenario's months (2016-01 to 2018-12)
HORIZONS = [1, 3]
LIVE_HORIZONS = [1, 2, 3]
MODELS_RUN = ["rolling12", "logit", "boosting"]
AREA = "ML0505"  # Koro
_COMPUTED: dict[str, ForecastRun] = {}


def computed_runs(store: Store) -> tuple[ForecastRun, ForecastRun]:
    """A small backtest and live forecast of the demo scenario, computed once per process (the
    demo data are the same on both back-ends) — saving them is what each test pays."""
    if not _COMPUTED:
        with store.reading() as connection:
            data = load_forecast_data(connection, "admin2")
        _COMPUTED["backtest"] = backtest(data, parse_origins(ORIGINS), HORIZONS, models=MODELS_RUN)
        _COMPUTED["forecast"] = forecast(data, LIVE_HORIZONS, models=MODELS_RUN, bootstrap=3)
    return _COMPUTED["backtest"], _COMPUTED["forecast"]


def seed_forecasts(store: Store) -> tuple[int, int]:
    """Store the backtest and the live forecast; their ids."""
    run, live = computed_runs(store)
    with store.transaction() as connection:
        backtest_id = forecast_store.save_run(connection, run, "demo-analyst", datetime.now(UTC))
        live_id = forecast_store.save_run(connection, live, "demo-analyst", datetime.now(UTC))
    return backtest_id, live_id


@pytest.fixture
def seeded(demo_store: Store) -> tuple[Store, int, int]:
    backtest_id, live_id = seed_forecasts(demo_store)
    return demo_store, backtest_id, live_id


def rows_of(html: str, table_id: str) -> list[dict[str, str]]:
    """The data attributes of each body row of a table."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [
        dict(re.findall(r'data-([a-z-]+)="([^"]*)"', attributes))
        for attributes in re.findall(r"<tr ([^>]*data-[^>]*)>", body)
    ]


def figure_of(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf"id=\"{element_id}\"[^>]*data-figure='([^']*)'", html, re.S)
    assert found, f"no figure #{element_id}"
    figure: dict[str, Any] = json.loads(unescape(found.group(1)))
    return figure


def stored(store: Store, run_id: int, **filters: Any) -> pd.DataFrame:
    with store.reading() as connection:
        return forecast_store.load_predictions(connection, run_id, **filters)


# --- pages -----------------------------------------------------------------------------------


def test_pages_render_for_every_role(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]
) -> None:
    _, backtest_id, live_id = seeded
    pages = [
        "/forecast",
        "/forecast?horizon=3",
        f"/forecast?run={live_id}&horizon=2",
        "/forecast/backtest",
        f"/forecast/backtest?run={backtest_id}&horizon=3",
        f"/forecast/areas/{AREA}",
        f"/forecast/areas/{AREA}?horizon=3&model=logit",
        "/forecast/areas/ML05",
        "/forecast/runs",
        "/forecast/runs?kind=backtest&page=1",
    ]
    for role in ROLES:
        client = client_as(role)
        for url in pages:
            answer = client.get(url)
            assert answer.status_code == 200, f"{role} {url}: {answer.status_code}"
            assert 'href="/forecast"' in answer.text  # the navigation entry
            assert 'id="forecast-note"' in answer.text  # decision support, never a substitute


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_the_map_shows_the_stored_probabilities(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient], role: str
) -> None:
    store, _, live_id = seeded
    client = client_as(role)
    for horizon in LIVE_HORIZONS:
        html = client.get(f"/forecast?horizon={horizon}&lang=en").text
        assert f'data-run-id="{live_id}"' in html and f'data-horizon="{horizon}"' in html
        frame = stored(store, live_id, horizon=horizon)
        primary = frame[frame["model"] == "boosting"].set_index("unit")
        baseline = frame[frame["model"] == "rolling12"].set_index("unit")["probability"]
        rows = rows_of(html, "forecast-areas")
        assert sorted(r["unit"] for r in rows) == sorted(primary.index)
        for row in rows:
            assert float(row["probability"]) == primary.loc[row["unit"], "probability"]
            assert float(row["baseline"]) == baseline[row["unit"]]
        probabilities = [float(r["probability"]) for r in rows]
        assert probabilities == sorted(probabilities, reverse=True)
        top = primary.loc[rows[0]["unit"]]
        low, high = top["probability_low"], top["probability_high"]
        assert f"{i18n.percent(low, 'en')}–{i18n.percent(high, 'en')}" in html
        target = primary["target_month"].iloc[0]
        assert f'data-target-month="{target}"' in html
        figure = figure_of(html, "forecast-map")
        trace = next(t for t in figure["data"] if t.get("zmax") == 1)
        values = dict(zip(trace["locations"], trace["z"], strict=True))
        assert values[AREA] == primary.loc[AREA, "probability"]
        assert f"/forecast/areas/{AREA}?horizon={horizon}" in json.dumps(trace["customdata"])
        assert 'id="forecast-band-map"' in html  # the learned model's uncertainty
    header = client.get("/forecast?lang=en").text
    assert "sentinelle-forecast-1" in header and "December 2018" in header
    assert client.get("/forecast?horizon=6").status_code == 422  # not a horizon of the run


def test_the_backtest_page_shows_the_stored_scores(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]
) -> None:
    store, backtest_id, live_id = seeded
    client = client_as("analyst")
    html = client.get("/forecast/backtest?lang=en").text
    assert f'data-run-id="{backtest_id}"' in html
    with store.reading() as connection:
        scores = forecast_store.load_scores(connection, backtest_id)
        curves = forecast_store.load_reliability(connection, backtest_id)
    for horizon in HORIZONS:
        table = html.split(f'class="data score-table" data-horizon="{horizon}"', 1)[1]
        table = table.split("</table>", 1)[0]
        part = scores[scores["horizon"] == horizon]
        cells = re.findall(
            r'<tr data-model="(\w+)" data-kind="(\w+)"|<td class="number( best)?" '
            r'data-metric="(\w+)" data-value="([^"]*)"',
            table,
        )
        model = None
        seen = 0
        for found_model, kind, best, metric, value in cells:
            if found_model:
                model = found_model
                assert kind == ("learned" if model in ("logit", "boosting") else "baseline")
                continue
            expected = part[(part["model"] == model) & (part["metric"] == metric)]["value"]
            assert float(value) == pytest.approx(float(expected.iloc[0]), abs=0, rel=0)
            values = part[part["metric"] == metric]["value"]
            target = values.max() if "higher is better" in METRICS[metric] else values.min()
            assert bool(best) == (float(value) == target), (horizon, model, metric)
            seen += 1
        assert seen == len(part)
        skill = part[(part["metric"] == "brier_skill") & part["model"].isin(["logit", "boosting"])]
        margin = re.search(rf'data-horizon="{horizon}" data-brier-skill="([^"]+)"', html)
        assert margin and float(margin.group(1)) == skill["value"].max()
    for definition in METRICS.values():
        assert definition in unescape(html)
    assert "Rolling 12 months" in html and "Gradient boosting" in html
    figure = figure_of(html, "reliability-chart")
    assert figure["data"][0]["x"] == [0, 1] and figure["data"][0]["y"] == [0, 1]  # diagonal
    first = curves[(curves["horizon"] == HORIZONS[0]) & (curves["count"] > 0)]
    drawn = {t["name"]: t for t in figure["data"][1:]}
    boosting = first[first["model"] == "boosting"].sort_values("bin_low")
    assert drawn["Gradient boosting"]["y"] == pytest.approx(list(boosting["observed_frequency"]))
    later = figure_of(client.get("/forecast/backtest?horizon=3").text, "reliability-chart")
    assert later != figure
    french = client.get(f"/forecast/backtest?run={backtest_id}&lang=fr").text
    assert "Score de Brier" in french and "Moyenne glissante 12 mois" in french
    assert i18n.translate("forecast.metric.brier.definition", "fr") in unescape(french)
    assert client.get(f"/forecast/backtest?run={live_id}").status_code == 422  # not a backtest
    assert client.get("/forecast/backtest?run=999999").status_code == 404
    assert client.get(f"/forecast/backtest?run={backtest_id}&horizon=2").status_code == 422


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_an_area_page_shows_its_history_and_next_months(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient], role: str
) -> None:
    store, backtest_id, live_id = seeded
    client = client_as(role)
    html = client.get(f"/forecast/areas/{AREA}?horizon=3&lang=en").text
    assert "Forecasts of violence against civilians in Koro" in html
    history = stored(store, backtest_id, unit=AREA, horizon=3)
    rows = rows_of(html, "area-history-table")
    assert [r["month"] for r in rows] == sorted({str(m) for m in history["target_month"]})
    body = html.split('id="area-history-table"', 1)[1].split("</table>", 1)[0]
    for block in body.split("<tr data-month=")[1:]:
        month = block.split('"')[1]
        cells = re.findall(r'data-model="(\w+)" data-value="([^"]*)"', block)
        assert {m for m, _ in cells} == set(MODELS_RUN)
        for model, value in cells:
            expected = history[
                (history["target_month"].astype(str) == month) & (history["model"] == model)
            ]["probability"]
            assert float(value) == expected.iloc[0], (month, model)
    for row in rows:
        observed = history[history["target_month"].astype(str) == row["month"]]["observed_any"]
        assert row["observed"] == str(int(observed.iloc[0]))
    chart = figure_of(html, "area-history")
    names = {t["name"] for t in chart["data"]}
    assert {"Rolling 12 months", "Logistic regression", "Gradient boosting"} <= names
    fatalities = figure_of(html, "area-fatalities")
    boosting = history[history["model"] == "boosting"].sort_values("target_month")
    mean = next(t for t in fatalities["data"] if t["name"].endswith("expected"))
    assert mean["y"] == pytest.approx(list(boosting["fatalities_mean"]))
    upcoming = rows_of(html, "area-upcoming")
    live = stored(store, live_id, unit=AREA, model="boosting").set_index("horizon")
    assert [int(r["horizon"]) for r in upcoming] == LIVE_HORIZONS
    for row in upcoming:
        assert float(row["probability"]) == live.loc[int(row["horizon"]), "probability"]
    logit = client.get(f"/forecast/areas/{AREA}?horizon=1&model=logit&lang=en").text
    assert "Fatalities: forecast (Logistic regression) and observed" in logit
    nearest = client.get(f"/forecast/areas/{AREA}?horizon=2&lang=en")  # from the live map
    assert nearest.status_code == 200 and 'id="horizon-notice"' in nearest.text
    assert 'data-horizon="1" aria-current="true"' in nearest.text
    assert client.get(f"/forecast/areas/{AREA}?model=zero").status_code == 422
    assert client.get(f"/forecast/areas/{AREA}?run={live_id}").status_code == 422
    assert client.get("/forecast/areas/ML9999").status_code == 404
    assert client.get("/forecast/areas/x").status_code == 422


def test_the_runs_page_lists_every_run(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]
) -> None:
    _, backtest_id, live_id = seeded
    client = client_as("viewer")
    html = client.get("/forecast/runs?lang=en").text
    assert f'data-runs="{live_id},{backtest_id}"' in html
    assert f'href="/forecast/backtest?run={backtest_id}"' in html
    assert f'href="/forecast?run={live_id}"' in html
    assert "sentinelle-forecast-1" in html
    only = client.get("/forecast/runs?kind=backtest").text
    assert f'data-runs="{backtest_id}"' in only
    assert client.get("/forecast/runs?kind=other").status_code == 422


def test_empty_states_without_runs(
    demo_store: Store, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("viewer")
    page = client.get("/forecast?lang=en")
    assert page.status_code == 200
    assert 'id="forecast-empty"' in page.text and "sentinelle forecast" in page.text
    backtest_page = client.get("/forecast/backtest?lang=en")
    assert backtest_page.status_code == 200 and "sentinelle backtest" in backtest_page.text
    assert "No forecast run is stored yet" in client.get("/forecast/runs?lang=en").text
    area = client.get(f"/forecast/areas/{AREA}?lang=en")
    assert area.status_code == 200 and "No live forecast is stored for this area" in area.text
    latest = client.get("/api/v1/forecast/latest")
    assert latest.status_code == 404 and "sentinelle forecast" in latest.json()["detail"]
    assert client.get("/api/v1/forecast/runs").json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 50,
    }
    assert client.get("/api/v1/forecast/runs/1").status_code == 404
    assert client.get("/forecast/backtest?run=1").status_code == 404


def test_pages_speak_french(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("viewer")
    french = client.get("/forecast?lang=fr").text
    assert "Carte des prévisions" in french and "Référence : Moyenne glissante 12 mois" in french
    assert i18n.translate("forecast.note", "fr") in unescape(french)
    assert ">Prévisions<" in french  # the navigation
    area = client.get(f"/forecast/areas/{AREA}?lang=fr").text
    assert (
        "Prévisions de violence contre les civils à Koro" in area
        and "Régression logistique" in area
    )


# --- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_api_latest_equals_the_store(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient], role: str
) -> None:
    store, _, live_id = seeded
    client = client_as(role)
    answer = client.get("/api/v1/forecast/latest?horizon=3")
    assert answer.status_code == 200
    body = answer.json()
    assert body["run"]["id"] == live_id and body["run"]["primary"] == "boosting"
    assert body["model"] == {
        "code": "boosting",
        "kind": "learned",
        "label_en": "Gradient boosting",
        "label_fr": "Gradient boosting",
    }
    assert body["baseline"]["code"] == "rolling12" and body["note"]
    frame = stored(store, live_id, horizon=3)
    primary = frame[frame["model"] == "boosting"].set_index("unit")
    baseline = frame[frame["model"] == "rolling12"].set_index("unit")
    assert body["origin"] == str(primary["origin"].iloc[0])
    assert body["target_month"] == str(primary["origin"].iloc[0] + 2)
    assert len(body["areas"]) == len(primary)
    for area in body["areas"]:
        row = primary.loc[area["unit"]]
        assert area["probability"] == row["probability"]
        assert area["probability_low"] == row["probability_low"]
        assert area["probability_high"] == row["probability_high"]
        assert area["baseline_probability"] == baseline.loc[area["unit"], "probability"]
        assert area["fatalities_mean"] == row["fatalities_mean"]
        assert area["fatalities_q90"] == row["fatalities_q90"]
    koro = next(a for a in body["areas"] if a["unit"] == AREA)
    assert koro["name_fr"] == "Koro" and koro["url"] == f"/forecast/areas/{AREA}?horizon=3"
    probabilities = [a["probability"] for a in body["areas"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert client.get("/api/v1/forecast/latest").json()["horizon"] == 1
    assert client.get("/api/v1/forecast/latest?horizon=4").status_code == 422
    assert client.get("/api/v1/forecast/latest?horizon=0").status_code == 422
    assert client.get("/api/v1/forecast/latest?unit_kind=admin1").status_code == 404


def test_api_runs(seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]) -> None:
    store, backtest_id, live_id = seeded
    client = client_as("viewer")
    everything = client.get("/api/v1/forecast/runs").json()
    assert everything["total"] == 2
    assert [r["id"] for r in everything["items"]] == [live_id, backtest_id]
    backtests = client.get("/api/v1/forecast/runs?kind=backtest").json()
    assert backtests["total"] == 1 and backtests["items"][0]["id"] == backtest_id
    assert client.get("/api/v1/forecast/runs?unit_kind=admin1").json()["total"] == 0
    cercles = client.get("/api/v1/forecast/runs?unit_kind=admin2&page_size=1&page=2").json()
    assert cercles["total"] == 2 and [r["id"] for r in cercles["items"]] == [backtest_id]
    assert client.get("/api/v1/forecast/runs?kind=nope").status_code == 422
    detail = client.get(f"/api/v1/forecast/runs/{backtest_id}").json()
    with store.reading() as connection:
        record = forecast_store.get_run(connection, backtest_id)
    assert record is not None
    assert detail["parameters"] == record.parameters and detail["features"] == record.features
    assert detail["first_origin"] == "2018-08" and detail["last_origin"] == "2018-09"
    assert detail["horizons"] == HORIZONS and detail["models"] == MODELS_RUN
    assert detail["baselines"] == ["rolling12"] and detail["learned"] == ["logit", "boosting"]
    assert detail["predictions"] == record.predictions and detail["primary"] is None
    assert detail["url"] == f"/forecast/backtest?run={backtest_id}"
    missing = client.get("/api/v1/forecast/runs/999999")
    assert missing.status_code == 404 and missing.json()["detail"] == "no forecast run 999999"
    assert client.get("/api/v1/forecast/runs/0").status_code == 422


def test_api_predictions_filters_and_pages(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]
) -> None:
    store, backtest_id, _ = seeded
    client = client_as("analyst")
    url = f"/api/v1/forecast/runs/{backtest_id}/predictions"
    whole = stored(store, backtest_id)
    assert client.get(url).json()["total"] == len(whole)
    query = {"model": "logit", "horizon": 3, "unit": AREA, "origin": "2018-09"}
    body = client.get(url, params=query).json()
    chosen = whole[
        (whole["model"] == "logit")
        & (whole["horizon"] == 3)
        & (whole["unit"] == AREA)
        & (whole["origin"] == pd.Period("2018-09", freq="M"))
    ]
    assert body["total"] == len(chosen) == 1
    (item,) = body["items"]
    row = chosen.iloc[0]
    assert item["probability"] == row["probability"] and item["target_month"] == "2018-11"
    assert item["observed_any"] == bool(row["observed_any"])
    assert item["observed_fatalities"] == int(row["observed_fatalities"])
    assert item["fatalities_q50"] == row["fatalities_q50"] and item["crps"] == row["crps"]
    assert item["probability_low"] is None  # backtests carry no bootstrap band
    pages = [
        client.get(url, params={"model": "boosting", "page": p, "page_size": 40}).json()
        for p in (1, 2, 3, 4, 5)
    ]
    seen = [(i["unit"], i["origin"], i["horizon"]) for p in pages for i in p["items"]]
    assert len(seen) == len(set(seen)) == pages[0]["total"] == (whole["model"] == "boosting").sum()
    for bad, message in [
        ({"model": "zero"}, "has no model 'zero'"),
        ({"horizon": 2}, "not 2"),
        ({"origin": "2017-01"}, "not 2017-01"),
        ({"origin": "2018-13"}, "not a month"),
    ]:
        answer = client.get(url, params=bad)
        assert answer.status_code == 422 and message in answer.json()["detail"], bad
    for bad in [{"model": "Not a model!"}, {"horizon": 30}, {"unit": "ml0505"}, {"page": 0}]:
        assert client.get(url, params=bad).status_code == 422, bad
    assert client.get("/api/v1/forecast/runs/999999/predictions").status_code == 404


def test_api_scores_and_reliability(
    seeded: tuple[Store, int, int], client_as: Callable[[str], TestClient]
) -> None:
    store, backtest_id, live_id = seeded
    client = client_as("viewer")
    body = client.get(f"/api/v1/forecast/runs/{backtest_id}/scores").json()
    with store.reading() as connection:
        scores = forecast_store.load_scores(connection, backtest_id)
        curves = forecast_store.load_reliability(connection, backtest_id)
    assert len(body["scores"]) == len(scores)
    for item, row in zip(body["scores"], scores.itertuples(), strict=True):
        assert (item["model"], item["horizon"], item["metric"]) == (
            row.model,
            row.horizon,
            row.metric,
        )
        assert item["value"] == (None if pd.isna(row.value) else row.value)
        assert item["definition"] == METRICS[row.metric]
        assert item["model_kind"] == ("baseline" if row.model == "rolling12" else "learned")
    assert {m["code"]: m["definition"] for m in body["metrics"]} == {
        m: METRICS[m] for m in set(scores["metric"])
    }
    assert [m["code"] for m in body["models"]] == ["rolling12", "logit", "boosting"]
    assert body["models"][0]["label_fr"] == "Moyenne glissante 12 mois"
    live_scores = client.get(f"/api/v1/forecast/runs/{live_id}/scores").json()
    assert live_scores["scores"] == []  # nothing observed yet
    reliability = client.get(f"/api/v1/forecast/runs/{backtest_id}/reliability").json()
    assert len(reliability["bins"]) == len(curves)
    chosen = client.get(
        f"/api/v1/forecast/runs/{backtest_id}/reliability", params={"model": "logit", "horizon": 3}
    ).json()["bins"]
    part = curves[(curves["model"] == "logit") & (curves["horizon"] == 3)]
    assert [b["count"] for b in chosen] == list(part["count"])
    assert [b["bin_low"] for b in chosen] == list(part["bin_low"])
    assert (
        client.get(f"/api/v1/forecast/runs/{backtest_id}/reliability?horizon=2").status_code == 422
    )
    assert client.get("/api/v1/forecast/runs/999999/scores").status_code == 404
    assert client.get("/api/v1/forecast/runs/999999/reliability").status_code == 404


def test_labels_follow_the_engine() -> None:
    for metric, definition in METRICS.items():
        assert i18n.translate(f"forecast.metric.{metric}.definition", "en") == definition
        assert i18n.translate(f"forecast.metric.{metric}", "fr")
    for model in MODELS:
        assert i18n.translate(f"forecast.model.{model}", "en")
        assert i18n.translate(f"forecast.model.{model}", "fr")


def test_no_server_errors_on_forecast_operations(
    seeded: tuple[Store, int, int], tmp_path: Path
) -> None:
    """Schemathesis on the forecast operations over a store that holds runs (the suite-wide
    fuzz test runs them over a store without any)."""
    store, _, _ = seeded
    app = create_app(Settings(database_url=store.url, home=tmp_path), store=store)
    schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app).include(
        tag="forecast"
    )
    token, _ = accounts.create_token(store, "demo-viewer", "schemathesis", "test")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
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
    assert operations == 6
    assert not failures, "\n".join(sorted(set(failures))[:20])
