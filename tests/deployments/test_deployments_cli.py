"""``sentinelle deployments import`` and ``list``, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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


def test_import_prints_the_counts_and_list_shows_the_records(tmp_path: Path) -> None:
    path = tmp_path / "deployments.csv"
    path.write_text(
        "mission,name,kind,latitude,longitude,start_date,end_date,troops\n"
        "MINUSMA,Camp A,headquarters,16.27,-0.04,2014-03-01,2023-12-31,2500\n"
        "MINUSMA,Camp B,base,15.66,0.5,2020-01-01,,350\n"
        "MINUSMA,Camp C,base,15.66,0.5,2020-01-01,,-1\n",
        encoding="utf-8",
    )
    done = run("deployments", "import", str(path), home=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for line in (
        "Deployments imported: Sentinelle template",
        "Rows read: 3",
        "Sites: 2",
        "Records read: 2",
        "Rejected rows: 1",
        "Records stored: 2",
    ):
        assert line in out
    assert "row 4, column 'troops' (value '-1')" in out
    report = (tmp_path / "reports" / "rejected-1.csv").read_text(encoding="utf-8")
    assert "troops,-1," in report
    listed = run("deployments", "list", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for cell in ("Camp A", "Headquarters", "2014-03-01", "2023-12-31", "2,500", "ongoing"):
        assert cell in listed.stdout
    french = run("deployments", "list", home=tmp_path, lang="fr")
    assert "Quartier général" in french.stdout and "2 500" in french.stdout


def test_a_refused_file_exits_2_with_one_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    for target in (path, tmp_path / "missing.csv"):
        done = run("deployments", "import", str(target), home=tmp_path)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr and done.stderr.startswith("Error:")
    empty = run("deployments", "list", home=tmp_path)
    assert empty.returncode == 0 and "No deployments stored" in empty.stdout
