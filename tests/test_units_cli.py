"""``sentinelle units import`` and ``list``, run as a user runs them, and the demo's units."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "400"}
    env.pop("SENTINELLE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_import_prints_the_counts_and_list_shows_the_units(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "mission,name,kind,home_site,troops,mobile,start_date,end_date\n"
        "MINUSMA,QRF East,quick_reaction_force,Camp A,1500,yes,2018-01-01,2018-12-31\n"
        "MINUSMA,Company Alpha,infantry_company,Camp B,120,no,2017-06-01,\n"
        "MINUSMA,Heli,aviation,,80,,2019-01-01,\n"
        "MINUSMA,Coy Bad,infantry_company,,-1,,2018-01-01,\n",
        encoding="utf-8",
    )
    done = run("units", "import", str(path), home=tmp_path)
    assert done.returncode == 0, done.stderr
    for line in (
        "Units imported: MINUSMA (file units.csv, import 1)",
        "Rows read: 4",
        "Units read: 3",
        "of which can move to another area: 2",
        "Rejected rows: 1",
        "Units stored: 3",
        "period: 2017-06-01 .. ongoing",
    ):
        assert line in done.stdout
    assert "row 5, column 'troops' (value '-1'): expected a whole number of troops" in done.stdout
    report = (tmp_path / "reports" / "rejected-1.csv").read_text(encoding="utf-8")
    assert "troops,-1," in report

    again = run("units", "import", str(path), home=tmp_path, lang="fr")
    assert "Unités importées: MINUSMA" in again.stdout
    assert "remplacent 3 unité(s) de MINUSMA" in again.stdout

    listed = run("units", "list", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for cell in ("QRF East", "Quick reaction force", "Camp A", "1,500", "2018-12-31", "ongoing"):
        assert cell in listed.stdout
    assert "Heli" in listed.stdout
    december = run("units", "list", "--month", "2018-12", home=tmp_path)
    assert "Units with mobile capacity · 2018-12" in december.stdout
    assert "Heli" not in december.stdout and "Company Alpha" in december.stdout
    assert "Can move to another area: 1 unit(s), 1,500 troops" in december.stdout
    french = run("units", "list", "--month", "2018-12", home=tmp_path, lang="fr")
    assert "Force de réaction rapide" in french.stdout and "1 500" in french.stdout
    assert "Emprise d'attache" in french.stdout and "non" in french.stdout
    empty = run("units", "list", "--month", "2016-01", home=tmp_path)
    assert empty.returncode == 0 and "No unit available in 2016-01." in empty.stdout


def test_bad_input_exits_2_with_one_message(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n", encoding="utf-8")
    for target in (notes, tmp_path / "missing.csv"):
        done = run("units", "import", str(target), home=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "expected the columns mission, name, kind" in " ".join(
        run("units", "import", str(notes), home=tmp_path).stderr.split()
    )
    bad_month = run("units", "list", "--month", "2018-13", home=tmp_path)
    assert bad_month.returncode == 2 and "is not a month" in bad_month.stderr
    none = run("units", "list", home=tmp_path)
    assert "No units stored: run `sentinelle units import FILE`." in none.stdout


def test_the_example_template_imports_without_a_rejected_row(tmp_path: Path) -> None:
    done = run("units", "import", str(REPO / "docs" / "templates" / "units.csv"), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Rejected rows: 0" in done.stdout and "Units stored: 5" in done.stdout


def test_the_demo_stores_fictional_units_for_minusma(tmp_path: Path) -> None:
    done = run("demo", home=tmp_path)
    assert done.returncode == 0, done.stderr
    database = f"sqlite:///{tmp_path / 'demo.db'}"
    listed = run("--database", database, "units", "list", "--month", "2018-12", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for cell in ("QRF Secteur Est", "Force opérationnelle mobile", "Mopti-Sévaré", "demo"):
        assert cell in listed.stdout
    assert "Compagnie du génie" not in listed.stdout  # left in June 2018
    assert "Can move to another area: 5 unit(s), 1,150 troops" in listed.stdout
