"""``sentinelle alerts import``, run as a user runs it (a subprocess of the command line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sentinelle.demo import demo_units
from sentinelle.store import places
from sentinelle.store.database import open_store

LOG = (
    "reference,channel,received_at,reporter_name,admin2_pcode,verified_at,verification,"
    "closed_at\n"
    "EW-1,SMS,2018-03-01 08:10,Awa Traoré,ML0502,2018-03-01 09:00,false,2018-03-01 10:00\n"
    "EW-2,patrouille,2018-03-02 08:10,,ML0502,,,\n"
    "EW-3,media,2018-03-03 08:10,,ML0502,2018-03-03 07:00,confirmed,\n"
)


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "400"}
    env.pop("SENTINELLE_DATABASE_URL", None)
    env.pop("SENTINELLE_PERSONAL_DATA_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_import_prints_the_counts_and_writes_the_rejected_rows(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'sentinelle.db'}")  # the CLI's default store
    with store.transaction() as connection:
        places.replace_units(connection, list(demo_units()))
    store.dispose()
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    done = run("alerts", "import", str(path), home=tmp_path)
    assert done.returncode == 0, done.stderr
    for line in ("Rows read: 3", "Imported: 2", "Already imported: 0", "Rejected rows: 1"):
        assert line in done.stdout
    assert "row 4, column 'verified_at' (value '2018-03-03 07:00')" in done.stdout
    report = tmp_path / "reports" / "rejected-1.csv"
    assert "verified_at,2018-03-03 07:00," in report.read_text(encoding="utf-8")
    # the reporter's name was encrypted with the installation's key, made in its home
    assert (tmp_path / "keys" / "personal-data.key").exists()
    assert "Awa" not in (tmp_path / "sentinelle.db").read_bytes().decode("latin-1")
    again = run("alerts", "import", str(path), home=tmp_path, lang="fr")
    assert again.returncode == 0, again.stderr
    for line in ("Lignes lues: 3", "Importées: 0", "Déjà importées: 2", "Lignes rejetées: 1"):
        assert line in again.stdout


def test_a_refused_file_or_a_bad_zone_exits_2_with_one_message(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n", encoding="utf-8")
    refused = run("alerts", "import", str(notes), home=tmp_path)
    assert refused.returncode == 2
    assert "not an alert log: missing column(s) reference" in refused.stderr
    assert "Traceback" not in refused.stderr
    zone = run("alerts", "import", str(notes), "--timezone", "Mars/Olympus", home=tmp_path)
    assert zone.returncode == 2 and "unknown time zone 'Mars/Olympus'" in zone.stderr
