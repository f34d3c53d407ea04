"""Population files: OCHA COD-PS tables and the generic template, with precise problems."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from sentinelle.readers.population import read_population, year_from_name
from sentinelle.readers.problems import FileRejected
from sentinelle.readers.tabular import write_xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COD_PS = Path("population") / "cod_ps_mali_admin2_population_2020.csv"


@pytest.mark.shared_data
def test_the_real_cod_ps_table_gives_fifty_cercles_and_its_total(shared_data: Path) -> None:
    path = shared_data / COD_PS
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected_total = sum(int(r["T_TL"]) for r in rows)
    table, problems, stats = read_population(path)
    frame = table.frame
    print(f"COD-PS 2020: {len(frame)} cercles, {frame['population'].sum():,.0f} people")
    assert not len(problems)
    assert (stats.rows, stats.events, stats.rejected_rows) == (50, 50, 0) and stats.balanced
    assert len(frame) == 50 and frame["pcode"].is_unique
    assert set(frame["level"]) == {"admin2"}
    assert frame["population"].sum() == expected_total
    assert table.years == [2020] and table.year_from == "file name"
    menaka = frame.set_index("pcode").loc["ML0704"]
    assert (menaka["population"], menaka["male"], menaka["female"]) == (67119, 35475, 31644)
    assert menaka["name"] == "Ménaka"
    assert not frame["pcode"].str.startswith("ML10").any()  # pre-2016 geography


def test_a_cod_ps_table_with_nulls_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "cod_ps_admin2.csv"
    path.write_bytes(
        "\ufeffadmin2Name_fr,admin2Pcode,admin1Name_fr,admin1Pcode,M_TL,F_TL,T_TL\r\n"
        "Bankass,ML0502,Mopti,ML05,162929,163417,326346\r\n"
        "Koro,ML0505,Mopti,ML05,<Null>,<Null>,446902\r\n"  # no sex split: fine
        "Kidal,ML0802,Kidal,ML08,<Null>,<Null>,<Null>\r\n".encode()  # no total: row 4 rejected
    )
    table, problems, stats = read_population(path, year=2020)
    assert table.frame["pcode"].tolist() == ["ML0502", "ML0505"]
    assert table.year_from == "argument" and table.years == [2020]
    koro = table.frame.iloc[1]
    assert koro["population"] == 446902 and pd.isna(koro["male"])
    [problem] = list(problems)
    assert (problem.row, problem.column, problem.value) == (4, "population", None)
    assert problem.reason == "missing; expected a number of people ≥ 0"
    assert stats.rejected_rows == 1 and stats.balanced


def test_bad_rows_of_the_template_are_reported_precisely(tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    path.write_text(
        "Code P,Nom,Population,Année,Hommes,Femmes,Parent\n"
        "ML0506,Mopti,454 689,2020,225586,229103,ML05\n"  # row 2: good (grouped thousands)
        "ML0502,Bankass,-12,2020,,,\n"  # row 3: negative
        "ML0503,Djenné,beaucoup,2020,,,\n"  # row 4: not a number
        "ML9999,Nowhere,1000,2020,,,\n"  # row 5: unknown P-code
        "ML0504,Douentza,303974,2020,,,ML07\n"  # row 6: wrong parent region
        "ML0505,Koro,446902,2020,100,200,\n"  # row 7: male + female far from the total
        "ML0507,Ténenkou,200810,1850,,,\n"  # row 8: year out of range
        "ML0701,Ansongo,162637,2020,,,\n"  # rows 9, 10: the same figure twice: merged
        "ML0701,Ansongo,162637,2020,,,\n"
        "ML0801,Abeibara,12690,2020,,,\n"  # rows 11, 12: differing figures: both rejected
        "ML0801,Abeibara,12000,2020,,,\n"
        'ml0804,Tin-Essako,"9,887",2020,,,\n'  # row 13: lower case code, comma thousands
        ",Sans code,5000,2020,,,\n",  # row 14: no P-code
        encoding="utf-8",
    )
    table, problems, stats = read_population(path)
    assert sorted(table.frame["pcode"]) == ["ML0506", "ML0701", "ML0804"]
    figures = table.frame.set_index("pcode")["population"]
    assert figures["ML0506"] == 454689 and figures["ML0804"] == 9887
    found = {(p.row, p.column): p for p in problems}
    assert set(found) == {
        (3, "population"), (4, "population"), (5, "pcode"), (6, "parent"), (7, "population"),
        (8, "year"), (11, "pcode"), (12, "pcode"), (14, "pcode"),
    }  # fmt: skip
    assert found[3, "population"].value == "-12"
    assert found[3, "population"].reason == "expected a number of people ≥ 0"
    assert found[4, "population"].reason == "not a number; expected a number of people ≥ 0"
    assert found[5, "pcode"].value == "ML9999"
    assert found[5, "pcode"].reason.startswith("unknown P-code; expected a region or cercle")
    assert found[6, "parent"].reason == "ML0504 belongs to ML05 in the gazetteer; expected ML05"
    assert "male + female differs" in found[7, "population"].reason
    assert found[8, "year"].reason == "expected a year from 1950 to 2100"
    assert "appears in rows 11, 12 with different figures" in found[11, "pcode"].reason
    assert found[14, "pcode"].reason.startswith("missing; expected")
    assert str(found[5, "pcode"]) == (
        f"{path}, row 5, column 'pcode' (value 'ML9999'): " + found[5, "pcode"].reason
    )
    assert (stats.rows, stats.events, stats.duplicate_rows, stats.rejected_rows) == (13, 3, 1, 9)
    assert stats.balanced


def test_english_headers_regions_and_several_years_in_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "regions.xlsx"
    write_xlsx(
        pd.DataFrame(
            {
                "pcode": ["ML05", "ML05", "ML10"],
                "population": [2_500_000, 2_600_000, 80_000],
                "year": [2019, 2020, 2020],
                "male": [None, 1_290_000, None],
                "female": [None, 1_310_000, None],
            }
        ),
        path,
    )
    table, problems, _ = read_population(path)
    assert not len(problems)
    assert table.years == [2019, 2020] and table.year_from == "column"
    assert set(table.frame["level"]) == {"admin1"}


def test_files_that_are_not_population_tables_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="not a population table: missing column"):
        read_population(FIXTURES / "acled" / "dyadic_small.csv", year=2020)
    no_year = tmp_path / "figures.csv"
    no_year.write_text("pcode,population\nML0506,10\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="the year of the figures is not known"):
        read_population(no_year)
    with pytest.raises(FileRejected, match="expected a year from 1950 to 2100"):
        read_population(no_year, year=20)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FileRejected, match="empty"):
        read_population(empty, year=2020)


def test_the_year_is_read_from_the_file_name() -> None:
    assert year_from_name("cod_ps_mali_admin2_population_2020.csv") == 2020
    assert year_from_name("mli_pop_adm2_2018_v2.csv") == 2018
    assert year_from_name("population.csv") is None
    assert year_from_name("table_12020.csv") is None
