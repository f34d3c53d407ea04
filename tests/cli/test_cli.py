"""The command line, run as a user runs it (a subprocess of the installed ``sentinelle``)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def run(
    *args: str, home: Path, database: str | None = None, lang: str = "en"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "120"}
    env.pop("SENTINELLE_DATABASE_URL", None)
    if database:
        env["SENTINELLE_DATABASE_URL"] = database
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_demo_prints_the_summary_by_region_type_and_month(tmp_path: Path) -> None:
    done = run("demo", home=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Fictional training scenario" in out
    for heading in ("Events by region", "Events by type", "Events by month"):
        assert heading in out
    assert "Mopti" in out and "Violence against civilians" in out and "2018-06" in out
    assert (tmp_path / "demo.db").exists()
    again = run("demo", home=tmp_path, lang="fr")
    assert again.returncode == 0 and "Événements par région" in again.stdout
    assert "Scénario d'entraînement fictif" in again.stdout


def test_bad_input_gives_one_message_and_no_traceback(tmp_path: Path) -> None:
    not_acled = tmp_path / "notes.csv"
    not_acled.write_text("a,b\n1,2\n", encoding="utf-8")
    cases = [
        ("ingest", str(not_acled)),
        ("ingest", str(tmp_path / "missing.csv")),
        ("ingest", "--kind", "excel", str(not_acled)),
        ("panel", "--period", "2018-13:2019-01"),
        ("panel", "--unit", "district"),
        ("geo", "import", str(not_acled)),
        ("geo", "fetch", "MLI", "--api-base", "http://127.0.0.1:9"),
    ]
    for args in cases:
        done = run(*args, home=tmp_path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout, args
        assert done.stderr.lstrip().startswith("Error:"), (args, done.stderr)
    bad_url = run("status", home=tmp_path, database="mysql://x/y")
    assert bad_url.returncode == 2 and "unsupported database" in bad_url.stderr


def test_ingest_writes_the_rejected_rows_report(tmp_path: Path) -> None:
    done = run("ingest", str(FIXTURES / "acled" / "bad_rows.csv"), home=tmp_path)
    assert done.returncode == 0, done.stderr
    match = re.search(r"Rejected rows written to (\S+)", done.stdout)
    assert match, done.stdout
    report = pd.read_csv(match.group(1))
    assert list(report.columns) == ["file", "row", "column", "value", "reason"]
    assert set(report["row"]) == {3, 4, 5, 6, 7, 8, 9, 12, 13, 14}
    status = run("status", home=tmp_path)
    assert status.returncode == 0 and "acled" in status.stdout


@pytest.mark.shared_data
def test_the_readme_use_your_own_data_commands_work(tmp_path: Path, shared_data: Path) -> None:
    """Runs the README's 'Use your own data' block with the real files put in place of its
    example names."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Use your own data", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    files = {
        "geoBoundaries-MLI-ADM1_simplified.topojson": shared_data
        / "boundaries/geoBoundaries-MLI-ADM1_simplified.topojson",
        "geoBoundaries-MLI-ADM2_simplified.topojson": shared_data
        / "boundaries/geoBoundaries-MLI-ADM2_simplified.topojson",
        "acled_mali_export.csv": shared_data / "acled/acled_mali_1997-2018_api_export.csv",
        "panel.csv": tmp_path / "panel.csv",
        "cod_ps_mali_admin2_population_2020.csv": shared_data
        / "population/cod_ps_mali_admin2_population_2020.csv",
        "geopko_v2.3_minusma_locations.csv": shared_data
        / "peacekeeping/geopko_v2.3_minusma_locations.csv",
        "scores.csv": tmp_path / "scores.csv",
        "ewrr_log.csv": tmp_path / "ewrr_log.csv",
        "docs/templates/units.csv": REPO / "docs/templates/units.csv",
        "maps": tmp_path / "maps",
        "candidates.csv": tmp_path / "candidates.csv",
        "harm-2018-12.pdf": tmp_path / "harm-2018-12.pdf",
        "afrobarometer_mali_round7.sav": shared_data / "surveys/afrobarometer_mali_round7.sav",
    }
    # a small early-warning log of our own, in the documented template (docs/alerts.md)
    (tmp_path / "ewrr_log.csv").write_text(
        "reference,channel,received_at,admin2_pcode,verified_at,verification,assessed_at,"
        "response_required,priority,decided_at,decision,dispatched_at,on_site_at,closed_at,"
        "outcome\n"
        "EW-1,community_alert_network,2018-05-02T08:00Z,ML0502,2018-05-02T08:30Z,confirmed,"
        "2018-05-02T09:00Z,yes,high,2018-05-02T09:30Z,patrol,2018-05-02T10:00Z,"
        "2018-05-02T16:00Z,2018-05-03T08:00Z,prevented\n"
        "EW-2,media,2018-06-10T12:00Z,ML0505,2018-06-10T14:00Z,false,,,,,,,,"
        "2018-06-10T15:00Z,\n",
        encoding="utf-8",
    )
    commands = [
        line.split("#", 1)[0].strip()
        for line in block.splitlines()
        if line.strip().startswith("sentinelle ")
    ]
    assert len(commands) >= 7
    for command in commands:
        args = shlex.split(command)[1:]
        args = [str(files.get(a, a)) for a in args]
        done = run(*args, home=tmp_path)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    panel = pd.read_csv(tmp_path / "panel.csv")
    assert len(panel) == 50 * 36  # 50 cercles × 36 months, explicit zeros included
    assert panel["events"].sum() > 1000
    figures = run("alerts", "figures", "--period", "2018-01:2018-12", home=tmp_path)
    assert "1.00" in figures.stdout  # EW-1 got its patrol: a response rate of 1
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert set(scores["horizon"]) == {1, 3, 6}
    assert not scores.duplicated(["model", "horizon", "metric"]).any()
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == [
        f"alignment-{year}.svg" for year in range(2014, 2019)
    ]
    candidates = pd.read_csv(tmp_path / "candidates.csv")
    assert len(candidates) > 0 and candidates["fatalities"].ge(0).all()
    assert (tmp_path / "harm-2018-12.pdf").read_bytes().startswith(b"%PDF")
    chain = run("decisions", "show", "1", home=tmp_path)
    assert "Centre, dry season 2019" in chain.stdout and "Force Commander" in chain.stdout
    # the plan rests on the 2018-12 assessment saved above; deciding on it years later is flagged
    assert "Threat assessment #1" in chain.stdout and "months before the decision" in chain.stdout


def test_users_and_audit_from_the_command_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'users.db'}"

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SENTINELLE_HOME": str(tmp_path), "SENTINELLE_LANG": "en",
               "SENTINELLE_DATABASE_URL": database}  # fmt: skip
        return subprocess.run(
            [sys.executable, "-m", "sentinelle.cli.main", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    added = cli(
        "users",
        "add",
        "aminata",
        "--role",
        "analyst",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    short = cli("users", "add", "fatou", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 10" in short.stderr
    assert cli("users", "set", "aminata", "--role", "adviser").returncode == 0
    token = cli("users", "token", "aminata", "--name", "nightly")
    assert token.returncode == 0 and "snt_" in token.stdout
    listed = cli("users", "list").stdout
    assert "aminata" in listed and "adviser" in listed
    verified = cli("audit", "verify")
    assert verified.returncode == 0 and "intact: 3 entries" in verified.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "users.db") as raw:
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("UPDATE audit_log SET actor = 'forger' WHERE id = 2")
    broken = cli("audit", "verify")
    assert broken.returncode == 1 and "entry 2" in broken.stderr
