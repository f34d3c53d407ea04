"""Population per cercle, region and PRIO-GRID cell, from the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import box

from sentinelle.demo.load import load_demo
from sentinelle.domain.places import AdminUnit, priogrid_gid
from sentinelle.geo.gazetteer import mali_gazetteer
from sentinelle.readers.problems import FileRejected
from sentinelle.store import imports
from sentinelle.store import population as population_store
from sentinelle.store.database import Store
from sentinelle.threat.population import (
    MENAKA_NOTE,
    cell_shares,
    cercle_population,
    demo_population,
    ingest_population,
    load_demo_population,
    population_by_unit,
    region_population,
    spread_to_priogrid,
)

COD_PS = Path("population") / "cod_ps_mali_admin2_population_2020.csv"


@pytest.mark.shared_data
def test_the_cod_ps_table_is_stored_and_summed_by_region(store: Store, shared_data: Path) -> None:
    result = ingest_population(store, shared_data / COD_PS)
    assert result.units == {"admin2": 50} and result.years == [2020]
    assert result.total == {2020: 17_907_114} and not result.problems
    again = ingest_population(store, shared_data / COD_PS)  # replaces, never adds
    with store.reading() as connection:
        cercles = population_by_unit(connection, "admin2")
        regions = population_by_unit(connection, "admin1")
        logged = imports.get_import(connection, again.import_id)
        assert len(population_store.load_population(connection)) == 50
    assert logged is not None and logged.kind == "population" and logged.status == "done"
    assert logged.counts["figures"] == 50
    assert len(cercles) == 50 and cercles.sum() == 17_907_114
    assert cercles["ML0506"] == 454_689 and cercles.name == "population"
    assert cercles.attrs["year"] == 2020 and cercles.attrs["note"] == MENAKA_NOTE
    assert len(regions) == 9 and regions.sum() == cercles.sum()
    mopti = cercles[cercles.index.str.startswith("ML05")].sum()
    assert regions["ML05"] == mopti == 2_509_703
    assert regions["ML07"] == cercles[["ML0701", "ML0702", "ML0703", "ML0704"]].sum()


def test_bad_rows_are_kept_in_the_import_log(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "population_2019.csv"
    path.write_text(
        "pcode,population\nML0506,454689\nML0502,-3\nML9999,10\nML0505,dix\n", encoding="utf-8"
    )
    result = ingest_population(store, path)
    assert result.years == [2019] and result.units == {"admin2": 1}
    assert result.rejected_rows == 3
    with store.reading() as connection:
        stored = imports.load_problems(connection, result.import_id)
        figures = population_by_unit(connection, "admin2", 2019)
    assert [(p.row, p.column, p.value) for p in stored] == [
        (3, "population", "-3"),
        (4, "pcode", "ML9999"),
        (5, "population", "dix"),
    ]
    assert figures.dropna().to_dict() == {"ML0506": 454_689}


def test_a_file_that_is_not_a_population_table_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "notes_2020.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="not a population table"):
        ingest_population(store, path)
    only_bad = tmp_path / "bad_2020.csv"
    only_bad.write_text("pcode,population\nML9999,10\n", encoding="utf-8")
    with pytest.raises(FileRejected, match=r"no usable row: .*row 2, column 'pcode'"):
        ingest_population(store, only_bad)
    with store.reading() as connection:
        assert population_store.population_years(connection) == []
        assert [i.status for i in imports.list_imports(connection)] == ["failed", "failed"]
        empty = population_by_unit(connection, "admin1")
    assert empty.empty and empty.attrs["missing"] == "no population figures stored"


def test_the_latest_year_is_used_unless_one_is_asked(store: Store) -> None:
    figures = pd.DataFrame(
        {
            "pcode": ["ML0506", "ML0506", "ML0502"],
            "level": ["admin2"] * 3,
            "year": [2018, 2020, 2020],
            "population": [400_000.0, 454_689.0, 326_346.0],
        }
    )
    with store.transaction() as connection:
        population_store.replace_population(connection, figures, "test")
    with store.reading() as connection:
        assert population_by_unit(connection, "admin2").to_dict() == {
            "ML0502": 326_346.0,
            "ML0506": 454_689.0,
        }
        assert population_by_unit(connection, "admin2", 2018).to_dict() == {"ML0506": 400_000.0}
        assert population_by_unit(connection, "admin2", 2015).empty
        assert population_store.count_population(connection) == {2018: 1, 2020: 2}


# --- Ménaka -------------------------------------------------------------------------------------

NEW_CERCLES = ["ML1001", "ML1002", "ML1003", "ML1004"]


def test_menaka_is_never_split_between_the_cercles_of_2016() -> None:
    figures = pd.Series({"ML0703": 295_236.0, "ML0704": 67_119.0})
    # the stored cercles are those of 2016: the new cercles have no figure of their own
    as_placed = cercle_population(figures, ["ML0703", *NEW_CERCLES])
    assert as_placed["ML0704"] == 67_119 and as_placed[NEW_CERCLES].isna().all()
    regions = region_population(as_placed, units=["ML07", "ML10"])
    assert regions["ML07"] == 295_236 + 67_119 and pd.isna(regions["ML10"])
    # in pre-2016 geography the new units are counted in the old ones
    pre2016 = cercle_population(figures, ["ML0703", *NEW_CERCLES], geography="pre2016")
    assert pre2016.to_dict() == {"ML0703": 295_236.0, "ML0704": 67_119.0}
    # figures for the new cercles are merged (exactly) into the old cercle
    new = pd.Series({"ML1001": 30_000.0, "ML1002": 20_000.0, "ML1003": 10_000.0, "ML1004": 7_000.0})
    merged = cercle_population(new, ["ML0704"])
    assert merged["ML0704"] == 67_000 and merged["ML1001"] == 30_000
    assert cercle_population(new.drop("ML1004"), ["ML0704"]).isna()["ML0704"]  # incomplete
    assert cercle_population(new, [], geography="pre2016").to_dict() == {"ML0704": 67_000.0}
    assert region_population(new).to_dict() == {"ML10": 67_000.0}
    assert region_population(new, geography="pre2016").to_dict() == {"ML07": 67_000.0}


def _square(pcode: str, west: float, south: float, size: float = 0.5) -> AdminUnit:
    unit = mali_gazetteer().unit(pcode)
    return AdminUnit(
        pcode, unit.level, unit.name_fr, unit.name_en, unit.parent_pcode,
        geometry=box(west, south, west + size, south + size),
    )  # fmt: skip


def test_areal_weighting_follows_the_polygons_of_either_geography() -> None:
    # a cercle lying exactly in one cell puts all its people there
    one = spread_to_priogrid(pd.Series({"ML0703": 1000.0}), [_square("ML0703", 0.0, 16.0)])
    assert one.to_dict() == {str(int(priogrid_gid([16.25], [0.25])[0])): 1000.0}
    # a cercle straddling two cells at the same latitude splits by area
    half = spread_to_priogrid(pd.Series({"ML0703": 1000.0}), [_square("ML0703", 0.25, 16.0)])
    assert sorted(half.round(6).tolist()) == [500.0, 500.0]
    # ML0704's figure over the 2016 cercles' polygons (their union)
    new_shapes = [_square(p, 3.0 + 0.5 * i, 15.5) for i, p in enumerate(NEW_CERCLES)]
    spread = spread_to_priogrid(pd.Series({"ML0704": 67_119.0}), new_shapes)
    assert len(spread) == 4 and spread.sum() == pytest.approx(67_119)
    # a 2016 cercle's figure over the pre-2016 polygon it lies in
    inside = spread_to_priogrid(pd.Series({"ML1001": 30_000.0}), [_square("ML0704", 3.0, 15.5)])
    assert inside.sum() == pytest.approx(30_000) and len(inside) == 1
    # a figure without any polygon is reported, not spread
    lost = spread_to_priogrid(pd.Series({"ML0506": 5.0}), new_shapes)
    assert lost.empty and lost.attrs["without_polygon"] == {"ML0506": 5.0}


def test_cell_shares_add_up_to_one_and_weigh_by_latitude() -> None:
    tall = box(0.0, 0.0, 0.5, 60.0)  # from the equator to 60° N
    shares = cell_shares(tall)
    assert shares.sum() == pytest.approx(1.0)
    assert shares.iloc[0] > 1.9 * shares.iloc[-1]  # a cell at 60° N holds about half the area


def test_priogrid_population_keeps_the_total_on_the_demo_polygons(store: Store) -> None:
    load_demo(store)
    stored = load_demo_population(store)
    assert stored == 50
    total = demo_population()["population"].sum()
    with store.reading() as connection:
        cells = population_by_unit(connection, "priogrid")
        cercles = population_by_unit(connection, "admin2")
        regions = population_by_unit(connection, "admin1")
    print(
        f"demo population: {total:,.0f} people in 50 cercles, spread over {len(cells)} "
        f"PRIO-GRID cells; cells total {cells.sum():,.0f}"
    )
    assert cercles.sum() == regions.sum() == total
    assert abs(cells.sum() - total) <= 0.001 * total
    assert cells.attrs["without_polygon"] == {}
    assert "approximation" in cells.attrs["note"]
    bamako = str(int(priogrid_gid([12.64], [-8.0])[0]))
    assert cells.idxmax() == bamako or cells[bamako] > 1_000_000
    assert (cells > 0).all() and cells.index.str.fullmatch(r"\d+").all()


def test_demo_figures_are_rounded_cod_ps_cercles() -> None:
    frame = demo_population()
    assert len(frame) == 50 and frame["pcode"].is_unique
    assert all(p in mali_gazetteer() for p in frame["pcode"])
    assert (frame["population"] % 1000 == 0).all() and set(frame["year"]) == {2020}
    assert "ML0704" in set(frame["pcode"]) and not frame["pcode"].str.startswith("ML10").any()


def test_the_command_imports_a_file_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    good = tmp_path / "population.csv"
    good.write_text("code_p,population,annee\nML0506,454689,2020\nML9999,1,2020\n", "utf-8")
    env = {**os.environ, "SENTINELLE_HOME": str(tmp_path / "var"), "COLUMNS": "200"}
    env.pop("SENTINELLE_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sentinelle.cli.main", "--lang", "en", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    done = run("population", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "Population imported: 1 cercles (total 2020: 454,689" in done.stdout
    assert "row 3, column 'pcode' (value 'ML9999')" in done.stdout
    assert list((tmp_path / "var" / "reports").glob("rejected-*.csv"))
    wrong = run("population", "import", str(tmp_path / "missing.csv"))
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "no such file" in wrong.stderr
