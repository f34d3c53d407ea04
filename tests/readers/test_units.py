"""Reading the units template (units with mobile capacity): good files in CSV and XLSX, every
kind of bad row with its precise message, and refused files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from sentinelle.domain.units import UnitRecord
from sentinelle.domain.vocabulary import unit_kinds
from sentinelle.readers.problems import FileRejected
from sentinelle.readers.units import read_units

D = dt.date
HEADER = "mission,name,kind,home_site,troops,mobile,start_date,end_date"
GOOD = (
    f"{HEADER}\n"
    "MINUSMA,QRF East,quick_reaction_force,Camp A,150,yes,2018-01-01,2018-12-31\n"
    "MINUSMA,Company Alpha,Compagnie d'infanterie,Camp B,120,non,2018-03-01,\n"
    "MINUSMA,Heli Detachment,AVIATION,,80,,01 June 2018,2019-05-31\n"
    "MINUSMA,Task Force,MTF,Camp A,600,1,2018-01-01,\n"
    "MINUSMA,Sappers,génie,Camp C,90,False,2018-01-01,\n"
)
EXPECTED = [
    UnitRecord("MINUSMA", "QRF East", "quick_reaction_force", 150, D(2018, 1, 1),
               D(2018, 12, 31), "Camp A", True, "template"),
    UnitRecord("MINUSMA", "Company Alpha", "infantry_company", 120, D(2018, 3, 1), None,
               "Camp B", False, "template"),
    UnitRecord("MINUSMA", "Heli Detachment", "aviation", 80, D(2018, 6, 1), D(2019, 5, 31),
               None, True, "template"),
    UnitRecord("MINUSMA", "Task Force", "mobile_task_force", 600, D(2018, 1, 1), None, "Camp A",
               True, "template"),
    UnitRecord("MINUSMA", "Sappers", "engineers", 90, D(2018, 1, 1), None, "Camp C", False,
               "template"),
]  # fmt: skip


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_the_kinds_are_data_with_both_labels() -> None:
    kinds = unit_kinds()
    assert list(kinds)[:3] == ["quick_reaction_force", "mobile_task_force", "infantry_company"]
    assert {"special_forces", "aviation", "engineers", "other"} <= set(kinds)
    assert kinds["quick_reaction_force"].label("fr") == "Force de réaction rapide"
    assert kinds["engineers"].label("en") == "Engineers"


def test_a_good_csv_gives_every_unit_with_codes_labels_and_defaults(tmp_path: Path) -> None:
    read = read_units(write(tmp_path, "units.csv", GOOD))
    assert read.units == EXPECTED
    assert (read.rows, read.rejected_rows, read.duplicate_rows) == (5, 0, 0)
    assert len(read.problems) == 0
    assert read.missions == ["MINUSMA"]
    assert read.first == D(2018, 1, 1) and read.last is None  # some units are still available


def test_bom_and_windows_1252_and_headers_in_another_case(tmp_path: Path) -> None:
    with_bom = write(tmp_path, "bom.csv", "\ufeff" + GOOD)
    assert read_units(with_bom).units == EXPECTED
    ansi = write(
        tmp_path,
        "ansi.csv",
        "Mission,Name,Kind,Home site,Troops,Start date\n"
        "MINUSMA,Compagnie du génie,Génie,Sévaré,110,2018-01-01\n",
        encoding="cp1252",
    )
    (unit,) = read_units(ansi).units
    assert (unit.name, unit.kind, unit.home_site, unit.mobile) == (
        "Compagnie du génie", "engineers", "Sévaré", True,
    )  # fmt: skip


def test_a_semicolon_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", GOOD.replace(",", ";"))
    with pytest.raises(FileRejected) as caught:
        read_units(path)
    message = str(caught.value)
    assert "missing column(s) mission, name, kind, troops, start_date" in message
    assert "separated by semicolons: save the file as CSV with commas (or as XLSX)" in message


def test_xlsx_with_real_dates_and_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Mission", "Name", "Kind", "Troops", "Mobile", "Start date", "End date"])
    sheet.append(["MINUSMA", "QRF East", "Quick reaction force", 150, "oui",
                  dt.datetime(2018, 1, 1), dt.datetime(2018, 12, 31)])  # fmt: skip
    sheet.append(["MINUSMA", "QRF West", "qrf", 150.5, "yes", dt.datetime(2018, 1, 1), None])
    path = tmp_path / "units.xlsx"
    workbook.save(path)
    read = read_units(path)
    assert read.units == [
        UnitRecord("MINUSMA", "QRF East", "quick_reaction_force", 150, D(2018, 1, 1),
                   D(2018, 12, 31), None, True, "template"),
    ]  # fmt: skip
    (problem,) = read.problems
    assert (problem.row, problem.column, problem.value) == (3, "Troops", "150.5")


BAD = (
    f"{HEADER}\n"
    "MINUSMA,QRF East,quick_reaction_force,Camp A,150,yes,2018-01-01,2018-12-31\n"  # 2 good
    ",Coy 1,infantry_company,,100,,2018-01-01,\n"  # 3 no mission
    "MINUSMA,,infantry_company,,100,,2018-01-01,\n"  # 4 no name
    "MINUSMA,Coy 3,,,100,,2018-01-01,\n"  # 5 no kind
    "MINUSMA,Coy 4,fortress,,100,,2018-01-01,\n"  # 6 unknown kind
    "MINUSMA,Coy 5,infantry_company,,,,2018-01-01,\n"  # 7 no troops
    "MINUSMA,Coy 6,infantry_company,,0,,2018-01-01,\n"  # 8 zero troops
    "MINUSMA,Coy 7,infantry_company,,-5,,2018-01-01,\n"  # 9 negative troops
    "MINUSMA,Coy 8,infantry_company,,12.5,,2018-01-01,\n"  # 10 not whole
    "MINUSMA,Coy 9,infantry_company,,many,,2018-01-01,\n"  # 11 not a number
    "MINUSMA,Coy 10,infantry_company,,100,maybe,2018-01-01,\n"  # 12 unknown mobile
    "MINUSMA,Coy 11,infantry_company,,100,,,\n"  # 13 no start
    "MINUSMA,Coy 12,infantry_company,,100,,2018-02-30,\n"  # 14 bad start
    "MINUSMA,Coy 13,infantry_company,,100,,2018-01-01,soon\n"  # 15 bad end
    "MINUSMA,Coy 14,infantry_company,,100,,2018-06-01,2018-05-31\n"  # 16 end before start
    "MINUSMA,qrf east,qrf,Camp B,80,yes,2018-12-01,\n"  # 17 overlaps row 2 (case ignored)
    "MINUSMA,QRF East,quick_reaction_force,Camp A,150,yes,2019-01-01,\n"  # 18 good: next period
    "MINUSMA,QRF East,quick_reaction_force,Camp A,150,yes,2018-01-01,2018-12-31\n"  # 19 repeat
    "MINUSMA,Coy 15,infantry_company,,100,,2018-01-01\n"  # 20 too few fields
    f"{'M' * 41},Coy 16,infantry_company,,100,,2018-01-01,\n"  # 21 mission too long
)
DATE_EXPECTED = "a date such as 2018-03-01, 01 March 2018 or 22-February-2019"
TROOPS_EXPECTED = "a whole number of troops from 1 to 100,000"
KIND_EXPECTED = (
    "quick_reaction_force, mobile_task_force, infantry_company, special_forces, aviation, "
    "engineers, other"
)


def test_every_bad_row_is_left_out_with_a_precise_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", BAD)
    read = read_units(path)
    assert [(u.name, u.start) for u in read.units] == [
        ("QRF East", D(2018, 1, 1)),
        ("QRF East", D(2019, 1, 1)),
    ]
    assert (read.rows, read.rejected_rows, read.duplicate_rows) == (20, 17, 1)
    found = [(p.file, p.row, p.column, p.value, p.reason) for p in read.problems]
    file = str(path)
    assert found == [
        (file, 3, "mission", None, "missing; expected the mission's name, e.g. MINUSMA"),
        (file, 4, "name", None, "missing; expected the unit's name"),
        (file, 5, "kind", None, f"missing; expected a kind of unit, one of {KIND_EXPECTED}"),
        (file, 6, "kind", "fortress",
         f"unknown kind of unit; expected one of {KIND_EXPECTED} (or their English or French "
         "labels)"),
        (file, 7, "troops", None, f"missing; expected {TROOPS_EXPECTED}"),
        (file, 8, "troops", "0", f"expected {TROOPS_EXPECTED}"),
        (file, 9, "troops", "-5", f"expected {TROOPS_EXPECTED}"),
        (file, 10, "troops", "12.5", f"expected {TROOPS_EXPECTED}"),
        (file, 11, "troops", "many", f"not a whole number; expected {TROOPS_EXPECTED}"),
        (file, 12, "mobile", "maybe",
         "unknown mobile value; expected yes or no (oui/non, true/false, 1/0); blank = yes"),
        (file, 13, "start_date", None, f"missing; expected {DATE_EXPECTED}"),
        (file, 14, "start_date", "2018-02-30", f"not a date; expected {DATE_EXPECTED}"),
        (file, 15, "end_date", "soon", f"not a date; expected {DATE_EXPECTED}"),
        (file, 16, "end_date", "2018-05-31",
         "before the start date; expected a date on or after start_date"),
        (file, 17, "start_date", "2018-12-01",
         "qrf east (MINUSMA) is already available on this date (row 2); expected one row per "
         "unit and continuous period"),
        (file, 20, None, None, "the row has 7 fields; the header has 8"),
        (file, 21, "mission", "M" * 41, "expected a mission name of at most 40 characters"),
    ]  # fmt: skip
    # every row is accounted for: units + merged repeats + rejected rows
    assert read.rows == len(read.units) + read.duplicate_rows + read.rejected_rows


def test_an_open_period_overlaps_every_later_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "units.csv",
        f"{HEADER}\n"
        "MINUSMA,QRF East,qrf,,150,,2019-01-01,2019-06-30\n"
        "MINUSMA,QRF East,qrf,,150,,2018-01-01,\n"  # open: overlaps row 2 (sorted by start)
        "MINUSMA,QRF East,qrf,,150,,2017-01-01,2017-12-31\n"  # before both: good
        "MINUS2,QRF East,qrf,,150,,2018-01-01,\n",  # another mission: another unit
    )
    read = read_units(path)
    assert [(u.mission, u.start) for u in read.units] == [
        ("MINUSMA", D(2018, 1, 1)),
        ("MINUSMA", D(2017, 1, 1)),
        ("MINUS2", D(2018, 1, 1)),
    ]
    (problem,) = read.problems
    assert (problem.row, problem.value) == (2, "2019-01-01")
    assert "already available on this date (row 3)" in problem.reason


def test_a_wrong_header_is_refused_with_the_expected_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.csv", "mission,unit,type,strength\nMINUSMA,QRF,qrf,150\n")
    with pytest.raises(FileRejected) as caught:
        read_units(path)
    assert str(caught.value) == (
        f"{path}: not a mobile units file: missing column(s) name, kind, troops, start_date; "
        "expected the columns mission, name, kind, home_site (optional), troops, mobile "
        "(optional), start_date, end_date (optional) (found: mission, unit, type, strength)"
    )
    with pytest.raises(FileRejected, match="the file is empty"):
        read_units(write(tmp_path, "empty.csv", ""))
