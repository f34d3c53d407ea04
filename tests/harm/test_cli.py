"""``sentinelle harm …`` as a user runs it, on the demo store: list, show (names only with
--personal, audited), export (redacted by default), the monthly report, the measures tracker,
and precise errors without a traceback."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from sentinelle.demo._data import data_rows
from sentinelle.store.schema import audit_log

FICTIONAL = [r["name"] for r in data_rows("harm_victims.csv") if r["name"]]


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "250"}
    env["SENTINELLE_DATABASE_URL"] = f"sqlite:///{home / 'demo.db'}"
    env.pop("SENTINELLE_PERSONAL_DATA_KEY", None)
    env.pop("SENTINELLE_PERSONAL_DATA_KEY_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("harm-cli")
    loaded = run("demo", home=path)
    assert loaded.returncode == 0, loaded.stderr
    return path


def audit(home: Path, action: str) -> list[tuple[str, str | None, str | None]]:
    engine = create_engine(f"sqlite:///{home / 'demo.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(audit_log.c.record_type, audit_log.c.record_id, audit_log.c.detail)
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.id)
            ).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]


def test_the_demo_holds_the_fictional_incidents_once(home: Path) -> None:
    again = run("demo", home=home)  # loading twice adds nothing
    assert again.returncode == 0, again.stderr
    done = run("harm", "list", home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("DEMO-H-") == len(data_rows("harm_incidents.csv")) == 26
    june = run("harm", "list", "--month", "2018-06", home=home, lang="fr")
    assert june.returncode == 0, june.stderr
    assert "Incidents de dommages aux civils" in june.stdout
    assert [r for r in ("DEMO-H-021", "DEMO-H-022", "DEMO-H-023") if r in june.stdout] == [
        "DEMO-H-021", "DEMO-H-022", "DEMO-H-023",
    ]  # fmt: skip
    assert "DEMO-H-020" not in june.stdout
    empty = run("harm", "list", "--month", "2015-01", home=home)
    assert empty.returncode == 0 and "No incident recorded in 2015-01." in empty.stdout


def test_show_redacts_names_unless_personal_which_is_audited(home: Path) -> None:
    shown = run("harm", "show", "21", home=home)
    assert shown.returncode == 0, shown.stderr
    assert "DEMO-H-021" in shown.stdout and "Traffic accident" in shown.stdout
    assert "[redacted]" in shown.stdout
    assert not any(name in shown.stdout for name in FICTIONAL)
    assert ("harm_incident", "21", "personal data shown (sentinelle harm show --personal)") \
        not in audit(home, "view")  # fmt: skip
    personal = run("harm", "show", "21", "--personal", home=home, lang="fr")
    assert personal.returncode == 0, personal.stderr
    assert "Bréhima Traoré (fictif)" in personal.stdout
    assert "journal d'audit" in personal.stdout
    assert ("harm_incident", "21", "personal data shown (sentinelle harm show --personal)") \
        in audit(home, "view")  # fmt: skip


def test_export_is_redacted_by_default_and_audited(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "harm.csv"
    done = run("harm", "export", str(out), home=home)
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        incidents = list(csv.DictReader(handle))
    with (tmp_path / "harm-victims.csv").open(encoding="utf-8") as handle:
        victims = list(csv.DictReader(handle))
    assert len(incidents) == 26 and len(victims) == len(data_rows("harm_victims.csv"))
    assert {v["name"] for v in victims} <= {"[redacted]", ""}
    text = out.read_text(encoding="utf-8") + (tmp_path / "harm-victims.csv").read_text("utf-8")
    assert not any(name in text for name in FICTIONAL)
    named = run("harm", "export", str(tmp_path / "named.csv"), "--personal", home=home)
    assert named.returncode == 0, named.stderr
    assert "Moussa Keïta (fictif)" in (tmp_path / "named-victims.csv").read_text("utf-8")
    details = [d for kind, _, d in audit(home, "export") if kind == "harm_incidents"]
    assert details[-2:] == ["personal data redacted", "personal data included"]


def test_report_as_html_and_pdf(home: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    done = run("harm", "report", "--month", "2018-06", "--out", str(page), home=home, lang="fr")
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert "rapport mensuel" in text and "juin 2018" in text and "DEMO-H-022" in text
    assert not any(name in text for name in FICTIONAL)
    public = tmp_path / "public.html"
    done = run("harm", "report", "--month", "2018-06", "--out", str(public), "--public",
               home=home)  # fmt: skip
    assert done.returncode == 0 and "Public version" in public.read_text(encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    done = run("harm", "report", "--month", "2018-12", "--out", str(pdf), home=home)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 5_000


def test_measures_tracker_lists_the_overdue_first(home: Path) -> None:
    done = run("harm", "measures", home=home)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "#" in line]
    overdue = [i for i, line in enumerate(lines) if "overdue by" in line]
    assert len(lines) == len(data_rows("harm_measures.csv")) == 5
    assert overdue == [0, 1]  # the demo's two late measures, first
    assert all("Done" in line for line in lines[2:])
    assert "Kidal" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("harm", "show", "9999"), "no incident #9999"),
        (("harm", "list", "--month", "2018-13"), "month: '2018-13'"),
        (("harm", "report", "--month", "June", "--out", "r.html"), "month: 'June'"),
        (("harm", "report", "--month", "2018-06", "--out", "r.docx"), ".html or .pdf"),
        (("harm", "report", "--month", "2018-06", "--out", "/no/such/r.pdf"), "no such folder"),
        (("harm", "export", "out.xlsx"), "must end in .csv"),
    ],
)
def test_precise_errors_without_a_traceback(
    home: Path, args: tuple[str, ...], message: str
) -> None:
    done = run(*args, home=home)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_screen_lists_candidate_events(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "candidates.csv"
    done = run("harm", "screen", "--from", "2018-01", "--to", "2018-12-31", "--out", str(out),
               home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all("2018-01-01" <= r["date"][:10] <= "2018-12-31" for r in rows)
    assert f"{len(rows)} candidate events" in done.stdout
    bad = run("harm", "screen", "--from", "2018-1", home=home)
    assert bad.returncode == 2 and "--from: '2018-1'" in bad.stderr
