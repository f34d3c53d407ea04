"""``sentinelle backtest`` and ``sentinelle forecast`` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sentinelle.forecast.backtest import METRICS
from sentinelle.store import forecasts as forecast_store
from sentinelle.store.database import open_store


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "160"}
    env["SENTINELLE_DATABASE_URL"] = f"sqlite:///{home / 'demo.db'}"
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("forecast-cli")
    loaded = run("demo", home=folder)
    assert loaded.returncode == 0, loaded.stderr
    return folder


def test_backtest_writes_scores_and_predictions_and_stores_the_run(home: Path) -> None:
    scores_file, predictions_file = home / "scores.csv", home / "preds.csv"
    done = run(
        "backtest", "--unit", "admin2", "--origins", "2018-07:2018-10", "--horizons", "1,3",
        "--models", "zero,rolling12,logit", "--out", str(scores_file),
        "--predictions", str(predictions_file), home=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Run saved: #" in done.stdout
    scores = pd.read_csv(scores_file)
    assert not scores.duplicated(["model", "horizon", "metric"]).any()
    assert set(scores["model"]) == {"zero", "rolling12", "logit"}
    assert set(scores["horizon"]) == {1, 3} and set(scores["metric"]) == set(METRICS)
    assert set(scores.loc[scores["model"] == "logit", "kind"]) == {"learned"}
    predictions = pd.read_csv(predictions_file)
    for column in ("unit", "origin", "target_month", "model", "probability", "observed_any"):
        assert column in predictions.columns
    assert {"fatalities_q10", "fatalities_q50", "fatalities_q90"} <= set(predictions.columns)
    assert len(predictions) == 4 * 2 * 3 * predictions["unit"].nunique()
    store = open_store(f"sqlite:///{home / 'demo.db'}")
    with store.reading() as connection:
        latest = forecast_store.latest_run(connection, "backtest", "admin2")
    store.dispose()
    assert latest is not None and latest.predictions == len(predictions)


def test_forecast_prints_the_areas_most_at_risk_and_stores_the_run(home: Path) -> None:
    out = home / "forecast.xlsx"
    done = run("forecast", "--bootstrap", "2", "--model", "logit", "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    assert "Probability of violence against civilians in 2019-01 · logit" in done.stdout
    assert "decision support" in done.stdout
    frame = pd.read_excel(out)
    assert set(frame["origin"].astype(str)) == {"2019-01"}
    assert sorted(frame["horizon"].unique()) == [1, 2, 3, 4, 5, 6]
    store = open_store(f"sqlite:///{home / 'demo.db'}")
    with store.reading() as connection:
        latest = forecast_store.latest_run(connection, "forecast", "admin2")
    store.dispose()
    assert latest is not None and latest.primary == "logit"
    french = run("forecast", "--bootstrap", "0", "--no-save", "--top", "3", home=home, lang="fr")
    assert "Probabilité de violence contre les civils en 2019-01" in french.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backtest", "--origins", "2018-13"], "expected YYYY-MM"),
        (["backtest", "--origins", "2018-01", "--horizons", "0"], "1 to 24"),
        (["backtest", "--origins", "2018-01", "--models", "oracle"], "unknown oracle"),
        (["backtest", "--origins", "1990-01"], "nothing to learn from"),
        (["backtest", "--origins", "2018-01", "--out", "x.txt"], "must end in .csv or .xlsx"),
        (["backtest", "--origins", "2018-01", "--unit", "village"], "--unit must be"),
        (["forecast", "--model", "rolling12"], "--model must be one of logit, boosting"),
        (["forecast", "--as-of", "June"], "expected YYYY-MM"),
    ],
)
def test_bad_requests_give_one_message(home: Path, args: list[str], message: str) -> None:
    done = run(*args, home=home)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
