"""Importing surveys into the store (SQLite and PostgreSQL): round trip, duplicates, the import
log and audit entries, and ``sentinelle survey import | list``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from sentinelle.domain.surveys import SurveyData
from sentinelle.readers.problems import FileRejected, ProblemLog
from sentinelle.readers.surveys import read_kobo, read_spss
from sentinelle.store import audit, imports
from sentinelle.store.database import Store
from sentinelle.store.schema import rejected_rows, survey_responses, survey_variables, surveys
from sentinelle.store.surveys import list_surveys, load_survey
from sentinelle.surveys.importer import import_survey, stored_surveys
from tests.readers.test_surveys import HEADER, ROWS, write_export, write_xlsform


def assert_same(loaded: SurveyData, read: SurveyData) -> None:
    pd.testing.assert_frame_equal(loaded.frame, read.frame)
    assert loaded.labels == read.labels
    assert loaded.value_labels == read.value_labels
    assert loaded.missing == read.missing
    assert (loaded.source, loaded.format, loaded.design) == (read.source, read.format, read.design)
    assert loaded.translations == read.translations
    assert loaded.value_translations == read.value_translations
    assert loaded.system == read.system


def _count(store: Store, table: object) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_kobo_survey_round_trips_and_a_second_import_is_refused(
    store: Store, tmp_path: Path
) -> None:
    form = write_xlsform(tmp_path / "form.xlsx")
    rows = [list(r) for r in ROWS]
    rows[1][HEADER.index("securite/marche")] = "5"  # not a choice: blanked and logged
    export = write_export(tmp_path / "enquete_r2.csv", rows=rows)
    done = import_survey(store, export, form, name="Perceptions Mopti", actor="tester")
    assert done.respondents == 3 and done.round == "2" and done.weight == "poids"
    assert [(p.row, p.column) for p in done.problems] == [(3, "securite/marche")]
    assert done.fieldwork == (pd.Timestamp("2024-03-01").date(), pd.Timestamp("2024-03-03").date())

    with store.reading() as connection:
        loaded = load_survey(connection, done.survey_id)
        [record] = list_surveys(connection)
        [log] = imports.list_imports(connection)
        logged = list(connection.execute(select(rejected_rows)))
        [stored] = audit.entries(connection)
    entry = stored.entry
    assert_same(loaded, read_kobo(export, form, ProblemLog()))
    assert record.name == "Perceptions Mopti" and record.format == "kobo"
    assert record.respondents == 3 and record.variables == len(HEADER)
    assert record.import_id == done.import_id == log.id
    assert log.kind == "survey" and log.status == "done" and log.counts["rejected_values"] == 1
    assert [(r.row, r.column, r.value) for r in logged] == [(3, "securite/marche", "5")]
    assert entry.actor == "tester" and entry.action == "import"
    assert entry.after is not None and entry.after["kind"] == "survey"
    assert "Perceptions Mopti" in (entry.detail or "")

    copy = tmp_path / "copie.csv"
    copy.write_bytes(export.read_bytes())
    with pytest.raises(FileRejected, match=f"already imported as survey {done.survey_id}"):
        import_survey(store, copy, form, actor="tester")
    assert _count(store, surveys) == 1
    assert _count(store, survey_responses) == 3
    assert _count(store, survey_variables) == len(HEADER)
    with store.reading() as connection:
        failed = imports.list_imports(connection)[0]
        assert audit.count(connection) == 2
    assert failed.status == "failed" and "already imported" in (failed.message or "")


def test_a_refused_file_writes_no_survey(store: Store, tmp_path: Path) -> None:
    form = write_xlsform(tmp_path / "form.xlsx")
    export = write_export(
        tmp_path / "bad.csv", header=[*HEADER, "extra"], rows=[[*r, "x"] for r in ROWS]
    )
    with pytest.raises(FileRejected, match="'extra' match no question"):
        import_survey(store, export, form, actor="tester")
    assert _count(store, surveys) == 0 and _count(store, survey_responses) == 0
    assert stored_surveys(store) == []
    with store.reading() as connection:
        [log] = imports.list_imports(connection)
    assert log.status == "failed" and log.kind == "survey"


@pytest.mark.shared_data
def test_an_afrobarometer_round_round_trips(store: Store, shared_data: Path) -> None:
    path = shared_data / "surveys" / "afrobarometer_mali_round7.sav"
    done = import_survey(store, path, country="Mali", actor="tester")
    assert done.round == "7" and done.respondents == 1200 and done.weight == "withinwt"
    assert done.fieldwork[0] is not None and done.fieldwork[0].year == 2017
    with store.reading() as connection:
        loaded = load_survey(connection, done.survey_id)
        [record] = list_surveys(connection)
    assert_same(loaded, read_spss(path))
    assert record.country == "Mali" and record.fieldwork_start == done.fieldwork[0]


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


def test_the_cli_imports_and_lists_surveys(tmp_path: Path) -> None:
    form = write_xlsform(tmp_path / "form.xlsx")
    rows = [list(r) for r in ROWS]
    rows[2][HEADER.index("menage/sexe")] = "3"
    export = write_export(tmp_path / "export.csv", rows=rows)
    empty = run("survey", "list", home=tmp_path)
    assert empty.returncode == 0 and "No survey stored" in empty.stdout
    done = run(
        "survey", "import", str(export), "--form", str(form), "--name", "Mopti", "--round", "1",
        home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for line in (
        "Survey imported: Mopti (file export.csv, survey 1, import 1)",
        "Respondents: 3",
        "Weight: poids",
        "Fieldwork: 2024-03-01 .. 2024-03-03",
        "Answers left blank: 1",
        "row 4, column 'menage/sexe' (value '3'): not a choice of list 'sexe'",
    ):
        assert line in done.stdout
    again = run("survey", "import", str(export), "--form", str(form), home=tmp_path, lang="fr")
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "already imported as survey 1" in " ".join(again.stderr.split())
    listed = run("survey", "list", home=tmp_path, lang="fr")
    assert listed.returncode == 0, listed.stderr
    for cell in ("Enquêtes", "Mopti", "2024-03-01 .. 2024-03-03", "poids", "kobo", "export.csv"):
        assert cell in listed.stdout
