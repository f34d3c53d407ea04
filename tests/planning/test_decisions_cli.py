"""``sentinelle decisions`` as a user runs it, on the demo: list, show, decide, outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sentinelle.planning.decisions import save_plan
from sentinelle.planning.plan import plan
from sentinelle.store import plans as plan_store
from sentinelle.store.database import open_store

MONTH = "2018-06"


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "220"}
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
    folder = tmp_path_factory.mktemp("decisions-cli")
    loaded = run("demo", home=folder)
    assert loaded.returncode == 0, loaded.stderr
    assert run("assess", "--as-of", MONTH, "--save", home=folder).returncode == 0
    return folder


def _saved_plan(home: Path, title: str) -> int:
    store = open_store(f"sqlite:///{home / 'demo.db'}")
    try:
        with store.reading() as connection:
            solved = plan(connection, MONTH, units=3)
        return save_plan(store, solved, title=title, actor="tester", month=MONTH)
    finally:
        store.dispose()


def test_a_plan_is_decided_measured_and_shown(home: Path) -> None:
    saved = run(
        "plan", "--month", MONTH, "--units", "3", "--close", "Gao", "--save", "Mopti dry season",
        home=home,
    )  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    plan_id = int(saved.stdout.split("as plan #")[1].split(":")[0])
    store = open_store(f"sqlite:///{home / 'demo.db'}")
    with store.reading() as connection:
        found = plan_store.get_plan(connection, plan_id)
    store.dispose()
    assert found is not None and found["assessment_id"] is not None  # the June assessment
    assert found["parameters"]["close"] == ["Gao"] and found["parameters"]["units"] == 3
    empty = run("decisions", "show", str(plan_id), home=home)
    assert empty.returncode == 0, empty.stderr
    assert "no decision yet" in empty.stdout and "Mopti dry season" in empty.stdout
    decided = run(
        "decisions", "decide", str(plan_id), "--choice", "adopted", "--by", "Force Commander",
        "--why", "Covers Mopti", home=home,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    decision_id = int(decided.stdout.split("#")[1].split()[0])
    measured = run(
        "decisions", "outcome", str(decision_id), "--from", "2018-07", "--to", "2018-09",
        "--summary", "Attacks fell", home=home,
    )  # fmt: skip
    assert measured.returncode == 0, measured.stderr
    shown = run("decisions", "show", str(plan_id), home=home)
    assert shown.returncode == 0, shown.stderr
    store = open_store(f"sqlite:///{home / 'demo.db'}")
    with store.reading() as connection:
        (outcome,) = plan_store.outcomes_of(connection, [decision_id])[decision_id]
    store.dispose()
    events = outcome["measures"]["vac_events"]
    assert "Adopted as recommended · recommended · Force Commander" in shown.stdout
    assert "2018-07–2018-09: Attacks fell" in shown.stdout
    assert f"VAC {events:,.0f}" in shown.stdout
    # decided today on a June 2018 assessment: flagged
    assert "stale assessment" in shown.stdout and "months before the decision" in shown.stdout
    listed = run("decisions", "list", home=home, lang="fr")
    assert listed.returncode == 0, listed.stderr
    assert "Journal des décisions" in listed.stdout and "Mopti dry season" in listed.stdout
    assert "évaluation périmée" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "999"], "no plan #999"),
        (["decide", "999", "--choice", "adopted", "--by", "X", "--why", "Y"], "no plan #999"),
        (["decide", "1", "--choice", "maybe", "--by", "X", "--why", "Y"], "must be one of"),
        (["decide", "1", "--choice", "adopted", "--by", "X", "--why", "Y", "--at", "soon"], "--at"),
        (
            ["decide", "1", "--choice", "adopted", "--by", "X", "--why", "Y", "--option", "B"],
            "no option 'B'",
        ),
        (["outcome", "999", "--from", "2018-07", "--to", "2018-08", "--summary", "x"], "#999"),
        (["outcome", "1", "--from", "2018-7", "--to", "2018-08", "--summary", "x"], "YYYY-MM"),
        (["plan", "--month", MONTH, "--save", " "], "--save needs a title"),
        (["plan", "--month", MONTH, "--assessment", "1"], "add --save TITLE"),
        (["plan", "--month", MONTH, "--save", "X", "--assessment", "99"], "assessment #99"),
    ],
)
def test_bad_requests_get_one_message(home: Path, args: list[str], message: str) -> None:
    _saved_plan(home, "Another plan")
    command = args if args[0] == "plan" else ["decisions", *args]
    done = run(*command, home=home)
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    assert message in done.stderr
