"""Importing deployments into the store (SQLite and PostgreSQL), and the real Geo-PKO and RADPKO
files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sentinelle.deployments import KIND, ingest_deployments, stored_deployments
from sentinelle.domain.deployments import Deployment
from sentinelle.readers.deployments import read_deployments
from sentinelle.readers.problems import FileRejected
from sentinelle.store import audit, imports
from sentinelle.store.database import Store
from sentinelle.store.deployments import load_deployments

D = dt.date
PEACEKEEPING = Path("peacekeeping")
GEOPKO = PEACEKEEPING / "geopko_v2.3_minusma_locations.csv"
RADPKO = PEACEKEEPING / "radpko_minusma_bases_yearly.csv"
TEMPLATE = (
    "mission,name,kind,latitude,longitude,start_date,end_date,troops\n"
    "MINUSMA,Camp A,headquarters,16.27,-0.04,2014-03-01,2023-12-31,2500\n"
    "MINUSMA,Camp B,base,15.66,0.5,2014-03-01,2019-06-30,400.5\n"
    "MINUSMA,Camp B,base,15.66,0.5,2020-01-01,,\n"
    "MINUSMA,Camp C,fortress,15.0,-2.95,2018-05-01,2018-08-31,\n"
)
GEOPKO_SMALL = (
    "mission,year,location,latitude,longitude,hq,ave.no.troops\n"
    "MINUSMA,2014,Kidal,18.44111,1.40778,2,300\n"
    "MINUSMA,2015,Kidal,18.44111,1.40778,2,500\n"
)


def test_template_round_trip_with_import_log_and_audit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "deployments.csv"
    path.write_text(TEMPLATE, encoding="utf-8")
    result = ingest_deployments(store, path, actor="tester")
    assert result.format == "template" and result.stored == 3 and result.replaced == 0
    assert result.rows == 4 and result.rejected_rows == 1 and result.sites == 2
    with store.reading() as connection:
        stored = load_deployments(connection)
        logged = imports.get_import(connection, result.import_id)
        problems = imports.load_problems(connection, result.import_id)
        entries = audit.entries(connection, record_type="import")
        intact = audit.verify(connection)
    assert stored == [
        Deployment("MINUSMA", "Camp A", "headquarters", 16.27, -0.04, D(2014, 3, 1),
                   D(2023, 12, 31), 2500.0, "template"),
        Deployment("MINUSMA", "Camp B", "base", 15.66, 0.5, D(2014, 3, 1), D(2019, 6, 30),
                   400.5, "template"),
        Deployment("MINUSMA", "Camp B", "base", 15.66, 0.5, D(2020, 1, 1), None, None,
                   "template"),
    ]  # fmt: skip
    assert logged is not None and logged.kind == KIND and logged.status == "done"
    assert logged.vintage == "2014-2023"
    assert logged.counts["stored"] == 3 and logged.counts["rejected_rows"] == 1
    assert [(p.row, p.column, p.value) for p in problems] == [(5, "kind", "fortress")]
    assert len(entries) == 1 and entries[0].entry.actor == "tester"
    assert entries[0].entry.record_id == str(result.import_id)
    assert entries[0].entry.after is not None and entries[0].entry.after["stored"] == 3
    assert intact.ok


def test_a_file_replaces_only_its_own_kind(store: Store, tmp_path: Path) -> None:
    template = tmp_path / "deployments.csv"
    template.write_text(TEMPLATE, encoding="utf-8")
    geopko = tmp_path / "geopko.csv"
    geopko.write_text(GEOPKO_SMALL, encoding="utf-8")
    ingest_deployments(store, template)
    first = ingest_deployments(store, geopko)
    again = ingest_deployments(store, geopko)  # replaces, never adds
    assert first.stored == again.stored == 1 and again.replaced == 1
    found = stored_deployments(store)
    assert sorted({d.source or "" for d in found}) == ["geopko", "template"]
    assert len(found) == 4
    kidal = [d for d in found if d.source == "geopko"]
    assert [(d.kind, d.start, d.end, d.troops) for d in kidal] == [
        ("headquarters", D(2014, 1, 1), D(2015, 12, 31), 400.0)
    ]
    assert stored_deployments(store, "minusma") == found
    assert stored_deployments(store, "MONUSCO") == []


def test_a_refused_file_writes_no_deployment(store: Store, tmp_path: Path) -> None:
    geopko = tmp_path / "geopko.csv"
    geopko.write_text(GEOPKO_SMALL, encoding="utf-8")
    ingest_deployments(store, geopko)
    unknown = tmp_path / "notes.csv"
    unknown.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="not a deployments file"):
        ingest_deployments(store, unknown)
    only_bad = tmp_path / "bad.csv"
    only_bad.write_text(
        "mission,year,location,latitude,longitude,ave.no.troops\nMINUSMA,2014,Kidal,98,1.4,300\n",
        encoding="utf-8",
    )
    with pytest.raises(FileRejected, match=r"no usable row: .*row 2, column 'latitude'"):
        ingest_deployments(store, only_bad)
    with store.reading() as connection:
        stored = load_deployments(connection)
        logged = imports.list_imports(connection)
        entries = audit.entries(connection, record_type="import")
    assert [d.name for d in stored] == ["Kidal"]  # the earlier import is untouched
    assert [i.status for i in logged] == ["failed", "failed", "done"]
    assert [e.entry.after["status"] for e in entries if e.entry.after] == [
        "failed",
        "failed",
        "done",
    ]


# --- the real files -----------------------------------------------------------------------------


@pytest.mark.shared_data
def test_the_real_geopko_locations(shared_data: Path) -> None:
    path = shared_data / GEOPKO
    raw = pd.read_csv(path)
    read = read_deployments(path)
    # facts checked in the file itself: one mission, 15 locations, 134 location-years over
    # 2014-2024 (MINUSMA's last year, 2024, has Bamako and Gao only)
    assert set(raw["mission"]) == {"MINUSMA"} and raw["location"].nunique() == 15
    assert len(raw.drop_duplicates(["location", "year"])) == 134
    assert read.format.name == "geopko" and not read.problems and read.rows == len(raw) == 229
    assert read.sites == 15 and read.site_periods == 134
    assert read.first == D(2014, 1, 1) and read.last == D(2024, 12, 31)
    by_site: dict[str, list[Deployment]] = {}
    for d in read.deployments:
        by_site.setdefault(d.name, []).append(d)
    # no location has a gap; Mopti/Sevare becomes a sector HQ in 2020, Gao's 2024 row has hq 0
    assert len(read.deployments) == 17
    assert [(d.kind, d.start.year, d.end and d.end.year) for d in by_site["Mopti/Sevare"]] == [
        ("base", 2014, 2019),
        ("headquarters", 2020, 2023),
    ]
    assert [(d.kind, d.start.year) for d in by_site["Gao"]] == [
        ("headquarters", 2014),
        ("base", 2024),
    ]
    assert [(d.start.year, d.end and d.end.year) for d in by_site["Leré"]] == [(2016, 2017)]
    bamako = by_site["Bamako"][0]
    yearly = raw[raw["location"] == "Bamako"].groupby("year")["ave.no.troops"].first()
    assert bamako.kind == "headquarters" and bamako.troops == pytest.approx(yearly.mean())


@pytest.mark.shared_data
def test_the_real_radpko_bases_are_stored(store: Store, shared_data: Path) -> None:
    path = shared_data / RADPKO
    raw = pd.read_csv(path, usecols=["base", "date", "year", "untrp"])
    # facts checked in the file itself: 15 bases, one row per base and year, 2014-2019; Ber is
    # first observed in December 2015, Lere from September 2016 to 2017
    assert raw["base"].nunique() == 15 and len(raw) == 84
    assert (raw["year"].min(), raw["year"].max()) == (2014, 2019)
    result = ingest_deployments(store, path)
    assert result.format == "radpko" and result.period == "year" and not result.problems
    assert result.sites == 15 and result.site_periods == 84 and result.stored == 15
    assert result.first == D(2014, 3, 1) and result.last == D(2019, 12, 31)
    found = {d.name: d for d in stored_deployments(store)}
    assert found["ber"].start == D(2015, 12, 1) and found["ber"].end == D(2019, 12, 31)
    assert found["lere"].start == D(2016, 9, 1) and found["lere"].end == D(2017, 12, 31)
    gao = raw[raw["base"] == "gao"]["untrp"].mean()
    assert found["gao"].troops == pytest.approx(gao) and found["gao"].kind == "base"


@pytest.mark.shared_data
def test_the_other_geopko_tables_are_refused(shared_data: Path) -> None:
    for name in (
        "geopko_v2.3_minusma_troop_types.csv",
        "geopko_v2.3_minusma_contributing_countries.csv",
    ):
        with pytest.raises(FileRejected, match=r"missing ave\.no\.troops"):
            read_deployments(shared_data / PEACEKEEPING / name)
