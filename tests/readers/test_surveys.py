"""Survey readers: Kobo/ODK exports with their XLSForm (fixtures written here), SPSS files
(written here with pyreadstat, and the real Afrobarometer rounds when present)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sentinelle.domain.surveys import SurveyData, missing_kind
from sentinelle.readers.problems import FileRejected, ProblemLog
from sentinelle.readers.surveys import read_kobo, read_spss, read_survey

SURVEY_SHEET = [
    ["type", "name", "label::Français (fr)", "label::English (en)"],
    ["start", "start", "", ""],
    ["end", "end", "", ""],
    ["today", "today", "", ""],
    ["begin_group", "menage", "Ménage", "Household"],
    ["integer", "age", "Âge du répondant", "Respondent's age"],
    ["select_one sexe", "sexe", "Sexe", "Sex"],
    ["end_group", "", "", ""],
    ["begin_group", "securite", "Sécurité", "Security"],
    [
        "select_one freq",
        "marche",
        "À quelle fréquence vous êtes-vous senti en insécurité en marchant dans le quartier ?",
        "How often have you felt unsafe walking in your neighbourhood?",
    ],
    ["select_multiple menace", "menaces", "Quelles menaces craignez-vous ?", "Which threats?"],
    ["end_group", "", "", ""],
    ["text", "commentaire", "Commentaire", "Comment"],
    ["decimal", "poids", "Poids de sondage", "Survey weight"],
]
CHOICES_SHEET = [
    ["list_name", "name", "label::Français (fr)", "label::English (en)"],
    ["sexe", "1", "Homme", "Man"],
    ["sexe", "2", "Femme", "Woman"],
    ["freq", "0", "Jamais", "Never"],
    ["freq", "1", "Une ou deux fois", "Once or twice"],
    ["freq", "2", "Plusieurs fois", "Several times"],
    ["freq", "9", "Ne sait pas", "Don't know"],
    ["freq", "98", "Refus de répondre", "Refused"],
    ["menace", "vol", "Vol", "Theft"],
    ["menace", "attaque", "Attaque armée", "Armed attack"],
    ["menace", "enlevement", "Enlèvement", "Abduction"],
    ["menace", "nsp", "Ne sait pas", "Don't know"],
]
HEADER = [
    "start",
    "end",
    "today",
    "menage/age",
    "menage/sexe",
    "securite/marche",
    "securite/menaces",
    "securite/menaces/vol",
    "securite/menaces/attaque",
    "securite/menaces/enlevement",
    "securite/menaces/nsp",
    "commentaire",
    "poids",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_index",
]
ROWS = [
    [
        "2024-03-01T09:00:00.000+00:00",
        "2024-03-01T09:20:00.000+00:00",
        "2024-03-01",
        "34",
        "1",
        "2",
        "vol attaque",
        "1",
        "1",
        "0",
        "0",
        "Route de Sévaré, nuit",
        "1.25",
        "101",
        "a1b2-c3",
        "2024-03-01T10:00:00",
        "",
        "1",
    ],
    [
        "2024-03-02T11:00:00.000+00:00",
        "2024-03-02T11:15:00.000+00:00",
        "2024-03-02",
        "51",
        "2",
        "98",
        "nsp",
        "0",
        "0",
        "0",
        "1",
        "",
        "0.8",
        "102",
        "d4e5-f6",
        "2024-03-02T12:00:00",
        "",
        "2",
    ],
    [
        "2024-03-03T08:00:00.000+00:00",
        "2024-03-03T08:30:00.000+00:00",
        "2024-03-03",
        "27",
        "2",
        "0",
        "",
        "",
        "",
        "",
        "",
        "RAS",
        "1.1",
        "103",
        "g7h8-i9",
        "2024-03-03T09:00:00",
        "",
        "3",
    ],
]


def write_xlsform(
    path: Path,
    survey: list[list[str]] | None = None,
    choices: list[list[str]] | None = None,
    survey_sheet: str = "survey",
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = survey_sheet
    for row in SURVEY_SHEET if survey is None else survey:
        sheet.append(row)
    other = book.create_sheet("choices")
    for row in CHOICES_SHEET if choices is None else choices:
        other.append(row)
    book.save(path)
    return path


def _csv_cell(value: str, separator: str) -> str:
    return f'"{value}"' if separator in value or '"' in value else value


def write_export(
    path: Path,
    header: list[str] | None = None,
    rows: list[list[str]] | None = None,
    separator: str = ",",
) -> Path:
    lines = [header or HEADER, *(ROWS if rows is None else rows)]
    text = "\n".join(separator.join(_csv_cell(c, separator) for c in line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_export_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    numeric = {"menage/age", "menage/sexe", "securite/marche", "poids", "_id", "_index"}
    for row in ROWS:
        cells: list[object] = []
        for name, value in zip(HEADER, row, strict=True):
            if name in numeric and value:
                cells.append(float(value) if "." in value else int(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    book.save(path)
    return path


@pytest.fixture
def form(tmp_path: Path) -> Path:
    return write_xlsform(tmp_path / "form.xlsx")


def test_a_kobo_export_with_its_xlsform_keeps_labels_and_choice_lists(
    tmp_path: Path, form: Path
) -> None:
    problems = ProblemLog()
    data = read_kobo(write_export(tmp_path / "export.csv"), form, problems)
    assert not problems.problems
    assert data.format == "kobo" and data.source == "export.csv" and len(data) == 3
    # variables are the questions' names; group paths are resolved
    assert data.variables[:7] == [
        "start",
        "end",
        "today",
        "age",
        "sexe",
        "marche",
        "menaces",
    ]
    assert data.labels["age"] == "Âge du répondant"
    assert data.labels["marche"].startswith("À quelle fréquence")
    assert data.translations["en"]["sexe"] == "Sex"
    assert data.labels["menaces/vol"] == "Quelles menaces craignez-vous ?: Vol"
    assert data.value_labels["sexe"] == {1.0: "Homme", 2.0: "Femme"}
    assert data.value_translations["en"]["marche"][98.0] == "Refused"
    assert data.value_labels["menaces"]["attaque"] == "Attaque armée"
    assert data.missing["marche"] == frozenset({9.0, 98.0})
    assert data.missing["menaces"] == frozenset({"nsp"})
    assert "sexe" not in data.missing
    assert data.frame["marche"].tolist() == [2.0, 98.0, 0.0]
    assert data.frame["marche"].dtype == np.float64
    assert data.frame["menaces"].tolist() == ["vol attaque", "nsp", None]
    assert data.frame["menaces/nsp"].tolist()[:2] == [0.0, 1.0]
    assert data.frame["commentaire"].tolist() == ["Route de Sévaré, nuit", None, "RAS"]
    assert data.valid("marche").tolist()[0] == 2.0 and np.isnan(data.valid("marche")[1])
    assert set(data.system) == {
        "start",
        "end",
        "today",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_index",
    }
    assert data.labels["_submission_time"] == "Submission time"
    assert data.design.weight == "poids"
    assert data.weights().tolist() == [1.25, 0.8, 1.1]
    assert data.find("insécurité", "marchant") == ["marche"]


def test_semicolon_csv_and_xlsx_exports_read_the_same(tmp_path: Path, form: Path) -> None:
    comma = read_kobo(write_export(tmp_path / "comma.csv"), form)
    semicolon = read_kobo(write_export(tmp_path / "semi.csv", separator=";"), form)
    xlsx = read_kobo(write_export_xlsx(tmp_path / "export.xlsx"), form)
    for other in (semicolon, xlsx):
        pd.testing.assert_frame_equal(other.frame, comma.frame)
        assert other.labels == comma.labels
        assert other.value_labels == comma.value_labels
        assert other.missing == comma.missing
    # read_survey recognises a Kobo export by its content
    assert read_survey(tmp_path / "semi.csv", form).variables == comma.variables


def test_without_the_form_columns_are_kept_as_exported(tmp_path: Path) -> None:
    data = read_kobo(write_export(tmp_path / "export.csv"))
    assert data.variables == HEADER
    assert data.frame["menage/age"].tolist() == [34.0, 51.0, 27.0]
    assert data.frame["_uuid"].tolist()[0] == "a1b2-c3"
    assert "_uuid" in data.system and "menage/age" not in data.system
    assert data.value_labels == {} and data.missing == {}


def test_an_answer_outside_its_choice_list_is_blanked_and_reported(
    tmp_path: Path, form: Path
) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][HEADER.index("securite/marche")] = "5"
    rows[2][HEADER.index("securite/menaces")] = "vol pillage"
    rows[0][HEADER.index("menage/age")] = "trente"
    problems = ProblemLog()
    data = read_kobo(write_export(tmp_path / "bad.csv", rows=rows), form, problems)
    assert len(data) == 3  # respondents are kept
    found = {(p.row, p.column, p.value): p.reason for p in problems}
    assert set(found) == {
        (3, "securite/marche", "5"),
        (4, "securite/menaces", "vol pillage"),
        (2, "menage/age", "trente"),
    }
    assert (
        "not a choice of list 'freq' (expected one of: 0, 1, 2, 9, 98)"
        in found[(3, "securite/marche", "5")]
    )
    assert (
        "'pillage' not a choice of list 'menace'" in found[(4, "securite/menaces", "vol pillage")]
    )
    assert "not a number (integer question)" in found[(2, "menage/age", "trente")]
    assert all(p.file.endswith("bad.csv") for p in problems)
    assert np.isnan(data.frame["marche"][1])
    assert data.frame["menaces"][2] is None
    assert np.isnan(data.frame["age"][0])
    assert str(problems.problems[0]).startswith(str(tmp_path / "bad.csv"))


def test_a_row_with_the_wrong_number_of_fields_is_left_out(tmp_path: Path, form: Path) -> None:
    path = write_export(tmp_path / "short.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = ",".join(lines[2].split(",")[:5])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = ProblemLog()
    data = read_kobo(path, form, problems)
    assert len(data) == 2
    [problem] = problems.problems
    assert problem.row == 3 and "the row has 5 fields, the header has 18" in problem.reason


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda h: [*h, "securite/inconnue"],
            "'securite/inconnue' match no question (expected group/question paths: start",
        ),
        (
            lambda h: [c for c in h if c != "securite/marche"],
            "no column for question(s) securite/marche",
        ),
        (lambda h: [*h[:-1], "poids"], "column 'poids' appears twice in the header"),
    ],
)
def test_an_export_that_does_not_match_its_form_is_refused(
    tmp_path: Path, form: Path, change: object, message: str
) -> None:
    header = change(HEADER)  # type: ignore[operator]
    rows = [r[: len(header)] + [""] * (len(header) - len(r)) for r in ROWS]
    path = write_export(tmp_path / "export.csv", header=header, rows=rows)
    with pytest.raises(FileRejected) as caught:
        read_kobo(path, form)
    assert caught.value.file == str(path)
    assert message in caught.value.reason
    if "match no question" in message:
        assert "do not match the XLSForm form.xlsx" in caught.value.reason


def test_a_broken_xlsform_is_refused(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv")
    cases = [
        (write_xlsform(tmp_path / "a.xlsx", survey_sheet="questions"), "has no 'survey' sheet"),
        (
            write_xlsform(
                tmp_path / "b.xlsx",
                survey=[*SURVEY_SHEET[:6], ["select_one sex", "sexe", "Sexe", "Sex"]],
            ),
            "sheet survey, row 7: question 'sexe' uses choice list 'sex', which is not in the "
            "choices sheet (lists: freq, menace, sexe)",
        ),
        (
            write_xlsform(tmp_path / "c.xlsx", survey=[["kind", "name"], ["text", "x"]]),
            "sheet survey has no 'type' column",
        ),
        (
            write_xlsform(tmp_path / "d.xlsx", survey=[*SURVEY_SHEET, ["text", "age", "", ""]]),
            "question name 'age' already used on row 6",
        ),
        (
            write_xlsform(tmp_path / "e.xlsx", choices=[*CHOICES_SHEET, ["sexe", "1", "H", "M"]]),
            "sheet choices, row 13: choice '1' appears twice in list 'sexe'",
        ),
    ]
    for form, message in cases:
        with pytest.raises(FileRejected) as caught:
            read_kobo(export, form)
        assert caught.value.file == str(form)
        assert message in caught.value.reason
    notes = tmp_path / "notes.xlsx"
    notes.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(FileRejected, match="is not an XLSForm workbook"):
        read_kobo(export, notes)


def test_missing_value_labels_are_recognised_in_english_and_french() -> None:
    for label in (
        "Missing",
        "Don't know",
        "Don’t know / Haven’t heard enough",
        "     Refused",
        "Refused to answer",
        "Will not say/Refused",
        "Not applicable (no disability)",
        "Not asked in Ghana",
        "Ne sait pas",
        "Ne sais pas/N'en ai pas entendu",
        "Refusé de répondre",
        "Sans objet",
        "Non applicable",
    ):
        assert missing_kind(label) is not None, label
    for label in (
        "Refused to be interviewed",
        "Refuse to pay bribes",
        "Don't know how to report / ignorance",
        "Know but can't remember",
        "Agnostic(Do not know if there is a God)",
        "Never",
        "Jamais",
    ):
        assert missing_kind(label) is None, label


def test_spss_user_missing_definitions_win_over_labels(tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame(
        {
            "q1": [1.0, 2.0, 8.0, 9.0, -1.0],
            "q2": [0.0, 1.0, 97.0, 98.0, 99.0],
            "region": ["Mopti", "Gao", "Ségou", "Kayes", "Kidal"],
            "wt_within": [1.1, 0.9, 1.0, 1.2, 0.8],
        }
    )
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["Felt unsafe", "Trust police", "Région", "Within-country weight"],
        variable_value_labels={
            "q1": {1.0: "Yes", 2.0: "No", 8.0: "Refused", 9.0: "Don't know", -1.0: "Missing"},
            "q2": {0.0: "Not at all", 1.0: "A lot", 98.0: "Refused", 99.0: "Don't know"},
        },
        missing_ranges={"q2": [{"lo": 97.0, "hi": 99.0}]},
    )
    data = read_spss(path)
    assert data.format == "spss" and data.source == "survey.sav"
    assert data.labels == {
        "q1": "Felt unsafe",
        "q2": "Trust police",
        "region": "Région",
        "wt_within": "Within-country weight",
    }
    assert data.missing["q1"] == frozenset({8.0, 9.0, -1.0})  # from the labels
    assert data.missing["q2"] == frozenset({97.0, 98.0, 99.0})  # the declared range
    assert data.frame["q2"].tolist() == [0.0, 1.0, 97.0, 98.0, 99.0]  # codes are kept
    assert data.frame["region"].tolist()[2] == "Ségou"
    assert data.design.weight == "wt_within"
    assert read_survey(path).variables == data.variables


def test_a_file_that_is_not_spss_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.sav"
    path.write_text("RESPNO,Q1\n1,2\n", encoding="utf-8")
    with pytest.raises(FileRejected, match=r"is not an SPSS \.sav file"):
        read_spss(path)
    with pytest.raises(FileRejected, match="no such file"):
        read_spss(tmp_path / "absent.sav")


# --- the real Afrobarometer rounds -----------------------------------------------------------

ROUNDS = {
    4: (1232, "Withinwt", None, {-1.0, 9.0, 998.0}),
    5: (1200, "withinwt", "Q9A", {-1.0, 9.0, 998.0}),
    6: (1200, "withinwt", "Q10A", {-1.0, 9.0, 98.0}),
    7: (1200, "withinwt", "Q10A", {-1.0, 8.0, 9.0}),
}


@pytest.fixture(scope="module")
def afrobarometer(shared_data: Path) -> dict[int, SurveyData]:
    folder = shared_data / "surveys"
    return {r: read_spss(folder / f"afrobarometer_mali_round{r}.sav") for r in ROUNDS}


@pytest.mark.shared_data
@pytest.mark.parametrize("round_", sorted(ROUNDS))
def test_the_afrobarometer_rounds_read_with_labels_missing_codes_and_weight(
    afrobarometer: dict[int, SurveyData], round_: int
) -> None:
    rows, weight, walking, walking_missing = ROUNDS[round_]
    data = afrobarometer[round_]
    assert len(data) == rows and data.format == "spss"
    assert data.design.weight == weight
    weights = data.weights()
    assert weights.notna().all() and (weights > 0).all()
    assert weights.sum() == pytest.approx(rows, rel=0.01)
    # the walking question, found by its label, not its name
    found = data.find("unsafe", "walking")
    assert found == ([] if walking is None else [walking])
    if walking is not None:
        assert "neighbourhood" in data.labels[walking].lower()
        assert data.value_labels[walking][0.0] == "Never"
        assert data.missing[walking] == frozenset(walking_missing)
        assert set(data.frame[walking].dropna().unique()) <= set(data.value_labels[walking])
    else:  # round 4 has the crime-at-home item only
        assert data.find("feared crime", "home")
    # missing codes differ between rounds, and are recognised from each file's labels
    codes = set().union(*data.missing.values())
    assert {-1.0, 9.0, 998.0} <= codes or {-1.0, 9.0, 98.0} <= codes
    assert 99.0 in codes
    region = next(v for v in data.variables if data.labels[v].lower() == "province or region")
    assert "Mopti" in {label.title() for label in data.value_labels[region].values()}
    dates = data.frame["DATEINTR"].dropna()
    assert dates.str.match(r"^\d{4}-\d{2}-\d{2}$").all()


@pytest.mark.shared_data
def test_missing_codes_differ_between_rounds(afrobarometer: dict[int, SurveyData]) -> None:
    codes = {r: set().union(*d.missing.values()) for r, d in afrobarometer.items()}
    assert 9999.0 not in codes[4] and 9999.0 in codes[5]
    assert 98.0 not in codes[5] and 98.0 in codes[6]
    assert 97.0 in codes[7] and 97.0 not in codes[6]
    assert any("é" in label for label in afrobarometer[4].labels.values())  # Windows-1252 text
