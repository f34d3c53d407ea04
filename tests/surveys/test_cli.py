"""``sentinelle survey import`` and ``survey estimate`` as a user runs them, on the four
Afrobarometer Mali rounds (read in place; skipped where the shared data are absent)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sentinelle.store.database import open_store
from sentinelle.store.surveys import list_surveys, load_survey
from sentinelle.surveys.estimates import estimate_rounds


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": "en", "COLUMNS": "160"}
    env["SENTINELLE_DATABASE_URL"] = f"sqlite:///{home / 'surveys.db'}"
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.shared_data
def test_import_and_estimate_the_four_rounds(tmp_path: Path, shared_data: Path) -> None:
    for round_ in (4, 5, 6, 7):
        done = run(
            "survey", "import", str(shared_data / f"surveys/afrobarometer_mali_round{round_}.sav"),
            home=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    out = tmp_path / "unsafe.csv"
    shown = run("survey", "estimate", "--by", "region", "--out", str(out), home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Rounds that did not ask it: 4" in shown.stdout
    written = pd.read_csv(out, dtype={"round": str})
    five = written[(written["round"] == "5") & (written["group_kind"] == "region")]
    assert set(five.loc[~five["covered"], "group"]) == {"ML06", "ML07", "ML08"}
    store = open_store(f"sqlite:///{tmp_path / 'surveys.db'}")
    with store.reading() as connection:
        stored = list_surveys(connection)
        surveys = {s.round or s.name: load_survey(connection, s.id) for s in stored}
        dates = {s.round or s.name: s.fieldwork_start for s in stored if s.fieldwork_start}
    store.dispose()
    expected = estimate_rounds(surveys, "felt_unsafe_walking", dates, by=("national", "region"))
    assert len(written) == len(expected)
    assert written["share"].to_numpy() == pytest.approx(
        expected["share"].to_numpy(dtype=float), nan_ok=True
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "happiness"], "--indicator must be one of"),
        (["--by", "caste"], "--by must be"),
        (["--min-n", "0"], "--min-n"),
        (["--out", "x.txt"], "--out"),
        ([], "no survey stored"),
    ],
)
def test_bad_requests_get_one_message(tmp_path: Path, args: list[str], message: str) -> None:
    done = run("survey", "estimate", *args, home=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and message in done.stderr
