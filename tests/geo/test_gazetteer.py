"""The reference table of Mali's admin units, and P-codes for boundary units that have none."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import box

from sentinelle.domain.places import AdminUnit
from sentinelle.geo.gazetteer import Gazetteer, assign_pcodes, mali_gazetteer
from sentinelle.geo.names import default_aliases
from sentinelle.readers.boundaries import read_boundaries

BEFORE_2016 = dt.date(2015, 6, 30)
AFTER_2016 = dt.date(2017, 6, 30)


# --- the table ----------------------------------------------------------------------------------


def test_regions_and_cercles() -> None:
    gazetteer = mali_gazetteer()
    regions = {u.pcode: u.name_fr for u in gazetteer.units("admin1")}
    assert regions == {
        "ML01": "Kayes",
        "ML02": "Koulikoro",
        "ML03": "Sikasso",
        "ML04": "Ségou",
        "ML05": "Mopti",
        "ML06": "Tombouctou",
        "ML07": "Gao",
        "ML08": "Kidal",
        "ML09": "Bamako",
        "ML10": "Ménaka",
    }
    assert len(gazetteer.units("admin2")) == 54
    assert len(gazetteer.units("admin2", on=BEFORE_2016)) == 50
    assert len(gazetteer.units("admin1", on=BEFORE_2016)) == 9
    assert len(gazetteer.units("admin2", on=AFTER_2016)) == 53
    assert len(gazetteer.units("admin1", on=AFTER_2016)) == 10
    menaka = {u.pcode: u.name_fr for u in gazetteer.units("admin2") if u.parent_pcode == "ML10"}
    assert menaka == {
        "ML1001": "Ménaka",
        "ML1002": "Andéramboukane",
        "ML1003": "Inékar",
        "ML1004": "Tidermène",
    }


def test_table_is_consistent() -> None:
    gazetteer = mali_gazetteer()
    for unit in gazetteer.units():
        if unit.level == "admin1":
            assert re.fullmatch(r"ML\d\d", unit.pcode)
            assert unit.parent_pcode is None
        else:
            assert re.fullmatch(r"ML\d{4}", unit.pcode)
            assert unit.parent_pcode == unit.pcode[:4]
            assert gazetteer.unit(unit.parent_pcode).level == "admin1"
        assert unit.name_fr and unit.name_en
    notes = {p: e.note for p, e in gazetteer.entries.items() if e.note}
    assert "ML0704" in notes and "ML1001" in notes["ML0704"]


def test_every_alias_points_to_a_name_in_the_table() -> None:
    gazetteer = mali_gazetteer()
    for alias in default_aliases().aliases:
        levels = [alias.level] if alias.level else ["admin1", "admin2"]
        assert any(gazetteer.find(alias.canonical, lv) for lv in levels), alias
        assert any(gazetteer.find(alias.alias, lv) for lv in levels), alias


def test_find_within_level_parent_and_date() -> None:
    gazetteer = mali_gazetteer()
    assert gazetteer.resolve("Kayes", "admin1") == "ML01"
    assert gazetteer.resolve("KAYES", "admin2") == "ML0103"
    assert gazetteer.resolve("Timbuktu", "admin1") == "ML06"
    assert gazetteer.resolve("Koulikouro", "admin1") == "ML02"
    assert gazetteer.resolve("Baroueli", "admin2") == "ML0401"
    assert gazetteer.resolve("Nioro du Sahel", "admin2") == "ML0106"
    assert gazetteer.resolve("ML-7", "admin1") == "ML07"  # ISO 3166-2
    assert gazetteer.resolve("ML-BKO", "admin1") == "ML09"
    assert {u.pcode for u in gazetteer.find("Menaka", "admin2")} == {"ML0704", "ML1001"}
    assert gazetteer.resolve("Menaka", "admin2") is None  # ambiguous
    assert gazetteer.resolve("Menaka", "admin2", parent="ML07") == "ML0704"
    assert gazetteer.resolve("Menaka", "admin2", parent="ML10") == "ML1001"
    assert gazetteer.resolve("Menaka", "admin2", on=AFTER_2016) == "ML1001"
    assert gazetteer.resolve("Menaka", "admin2", on=BEFORE_2016) == "ML0704"
    assert gazetteer.resolve("Atlantis", "admin2") is None
    assert "ML0506" in gazetteer and "ML9999" not in gazetteer


def test_gazetteer_from_a_users_csv(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "pcode,level,name_fr,name_en,parent_pcode,alternates,valid_from,valid_to,note\n"
        "BF13,admin1,Centre,Centre,,Kadiogo|Ouagadougou,,,\n"
        "BF1300,admin2,Kadiogo,Kadiogo,BF13,,,,\n",
        encoding="utf-8",
    )
    gazetteer = Gazetteer.from_csv(path)
    assert len(gazetteer) == 2
    assert gazetteer.resolve("Ouagadougou", "admin1") == "BF13"
    with pytest.raises(ValueError, match="listed twice"):
        Gazetteer([*gazetteer.entries.values(), *gazetteer.entries.values()])


# --- assigning P-codes --------------------------------------------------------------------------


def unit(name: str, level: str, geometry: object = None, **kw: object) -> AdminUnit:
    return AdminUnit(
        pcode=str(kw.pop("pcode", "")),
        level=level,  # type: ignore[arg-type]
        name_fr=name,
        name_en=name,
        geometry=geometry,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def test_kayes_region_and_kayes_cercle_get_different_pcodes() -> None:
    regions = assign_pcodes([unit("Kayes", "admin1"), unit("Koulikouro", "admin1")])
    assert [u.pcode for u in regions.units] == ["ML01", "ML02"]
    assert regions.units[1].name_fr == "Koulikoro"
    assert "Koulikouro" in regions.units[1].alternates  # the file's spelling is kept
    cercles = assign_pcodes([unit("Kayes", "admin2"), unit("Baroueli", "admin2")])
    assert [(u.pcode, u.parent_pcode) for u in cercles.units] == [
        ("ML0103", "ML01"),
        ("ML0401", "ML04"),
    ]


def test_parent_from_region_polygons() -> None:
    gao = unit("Gao", "admin1", box(0, 0, 2, 2), pcode="ML07")
    menaka_region = unit("Ménaka", "admin1", box(2, 0, 4, 2), pcode="ML10")
    old = unit("Menaka", "admin2", box(0.5, 0.5, 1.5, 1.5), source="f#1")
    new = unit("Menaka", "admin2", box(2.5, 0.5, 3.5, 1.5), source="f#2")
    result = assign_pcodes([old, new], parents=[gao, menaka_region])
    assert [(u.pcode, u.parent_pcode) for u in result.units] == [
        ("ML0704", "ML07"),
        ("ML1001", "ML10"),
    ]
    assert result.units[0].geometry is not None
    assert not result.unmatched


def test_parent_from_overlap_when_the_point_falls_outside() -> None:
    gao = unit("Gao", "admin1", box(0, 0, 2, 2), pcode="ML07")
    kidal = unit("Kidal", "admin1", box(0, 2, 2, 4), pcode="ML08")
    # a cercle drawn mostly in Kidal, its representative point in Kidal
    tessalit = unit("Tessalit", "admin2", box(0.2, 1.9, 1.8, 3.9))
    result = assign_pcodes([tessalit], parents=[gao, kidal])
    assert result.units[0].pcode == "ML0803"


def test_parent_given_as_name_or_pcode() -> None:
    by_name = unit("Menaka", "admin2", parent_pcode="Gao")
    by_code = unit("Menaka", "admin2", parent_pcode="ML10")
    wrong = unit("Menaka", "admin2", parent_pcode="Atlantis", source="x#3")
    result = assign_pcodes([by_name, by_code, wrong])
    assert [u.pcode for u in result.units] == ["ML0704", "ML1001"]
    (problem,) = result.unmatched
    assert problem.source == "x#3"
    assert "parent 'Atlantis'" in problem.reason


def test_unmatched_ambiguous_and_duplicates_are_reported() -> None:
    units = [
        unit("Atlantis", "admin2", source="f#1"),
        unit("Menaka", "admin2", source="f#2"),
        unit("Gao", "admin2", source="f#3"),
        unit("GAO", "admin2", source="f#4"),
        unit("Douentza", "admin2", parent_pcode="ML06", source="f#5"),
        unit("Mopti", "admin2", pcode="ML0506", source="f#6"),
    ]
    result = assign_pcodes(units)
    assert [(u.pcode, u.parent_pcode) for u in result.units] == [("ML0506", "ML05")]
    reasons = {u.source: u.reason for u in result.unmatched}
    assert "no admin2 of that name" in reasons["f#1"]
    assert "several units (ML0704, ML1001)" in reasons["f#2"]
    assert "ML0703 matched by several units" in reasons["f#3"]
    assert "ML0703 matched by several units" in reasons["f#4"]
    assert "found in another region (ML0504)" in reasons["f#5"]
    assert "1 units with a P-code, 5 without" in result.summary()
    assert assign_pcodes([units[1]], on=BEFORE_2016).units[0].pcode == "ML0704"


# --- the real files -----------------------------------------------------------------------------


@pytest.mark.shared_data
def test_geoboundaries_files_get_all_pcodes(shared_data: Path) -> None:
    folder = shared_data / "boundaries"
    adm1 = read_boundaries(folder / "geoBoundaries-MLI-ADM1_simplified.topojson")
    regions = assign_pcodes(adm1.units)
    assert not regions.unmatched
    assert sorted(u.pcode for u in regions.units) == [f"ML0{i}" for i in range(1, 10)]
    for region in regions.units:  # geoBoundaries' ISO 3166-2 codes agree with the P-codes
        iso = next(a for a in region.alternates if a.startswith("ML-"))
        assert mali_gazetteer().resolve(iso, "admin1") == region.pcode

    adm2 = read_boundaries(folder / "geoBoundaries-MLI-ADM2_simplified.topojson")
    cercles = assign_pcodes(adm2.units, parents=regions.units)
    assert not cercles.unmatched, cercles.summary()
    expected = {u.pcode for u in mali_gazetteer().units("admin2", on=BEFORE_2016)}
    assert {u.pcode for u in cercles.units} == expected
    assert len(cercles.units) == 50
    assert all(u.parent_pcode == u.pcode[:4] for u in cercles.units)

    # without the regions, only the Ménaka cercle is ambiguous; a date settles it
    alone = assign_pcodes(adm2.units)
    assert [u.name for u in alone.unmatched] == ["Menaka"]
    assert len(assign_pcodes(adm2.units, on=BEFORE_2016).units) == 50


@pytest.mark.shared_data
def test_ocha_and_acled_names_and_codes_agree_with_the_table(shared_data: Path) -> None:
    gazetteer = mali_gazetteer()
    population = pd.read_csv(
        shared_data / "population" / "cod_ps_mali_admin2_population_2020.csv",
        encoding="utf-8-sig",
    )
    assert len(population) == 50
    for row in population.itertuples():
        assert row.admin2Pcode in gazetteer, row.admin2Pcode
        assert gazetteer.resolve(row.admin2Name_fr, "admin2", parent=row.admin1Pcode) == (
            row.admin2Pcode
        )
        assert gazetteer.resolve(row.admin1Name_fr, "admin1") == row.admin1Pcode

    hdx = pd.read_csv(
        shared_data / "acled" / "acled_hdx_mali_admin2_month_political_violence_1997-2018.csv"
    )
    pairs = hdx[["Admin1", "Admin2", "Admin1 Pcode", "Admin2 Pcode"]].drop_duplicates()
    assert len(pairs) == 53
    for admin1, admin2, pcode1, pcode2 in pairs.itertuples(index=False):
        assert gazetteer.resolve(admin1, "admin1") == pcode1
        assert gazetteer.resolve(admin2, "admin2", parent=pcode1) == pcode2
