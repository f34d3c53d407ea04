"""Reading deployments: Geo-PKO locations, RADPKO bases and the template, with precise problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from sentinelle.domain.deployments import Deployment
from sentinelle.readers.deployments import DeploymentsRead, read_deployments
from sentinelle.readers.problems import FileRejected

D = dt.date
GEOPKO_HEADER = (
    "mission,year,country,location,latitude,longitude,Infantry,NoTroops,Reserve,hq,UNPOL,Med,Av,"
    "UNMO,ave.no.troops"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def geopko(*rows: str) -> str:
    return "\n".join([GEOPKO_HEADER, *rows]) + "\n"


def g(year: int, location: str, lat: float, lon: float, hq: int, troops: float) -> str:
    return f"MINUSMA,{year},Mali,{location},{lat},{lon},10.0,{troops},0.0,{hq},0,0,0,0,{troops}"


def balanced(read: DeploymentsRead) -> bool:
    return read.rows == (
        len(read.deployments) + read.merged_rows + read.duplicate_rows + read.rejected_rows
    )


def by_name(read: DeploymentsRead) -> dict[str, list[Deployment]]:
    found: dict[str, list[Deployment]] = {}
    for d in read.deployments:
        found.setdefault(d.name, []).append(d)
    return found


# --- Geo-PKO ------------------------------------------------------------------------------------


def test_geopko_location_years_become_stretches(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "geopko.csv",
        geopko(
            # two maps in 2014 for Kidal (same yearly average), then 2015: one stretch
            g(2014, "Kidal", 18.44111, 1.40778, 0, 300.0),
            g(2014, "Kidal", 18.44111, 1.40778, 1, 300.0),
            g(2015, "Kidal", 18.44111, 1.40778, 0, 500.0),
            # Gossi: 2014, gap in 2015, 2016-2017 → two stretches
            g(2014, "Gossi", 15.82299, -1.30065, 0, 150.0),
            g(2016, "Gossi", 15.82299, -1.30065, 0, 100.0),
            g(2017, "Gossi", 15.82299, -1.30065, 0, 200.0),
            # Mopti: base in 2018-2019, sector HQ from 2020 → a new record when the kind changes
            g(2018, "Mopti/Sevare", 14.52742, -4.09344, 0, 600.0),
            g(2019, "Mopti/Sevare", 14.52742, -4.09344, 0, 700.0),
            g(2020, "Mopti/Sevare", 14.52742, -4.09344, 2, 1800.0),
            g(2021, "Mopti/Sevare", 14.52742, -4.09344, 2, 1900.0),
            # the mission HQ
            g(2014, "Bamako", 12.65, -8.0, 3, 1125.0),
        ),
    )
    read = read_deployments(path)
    assert read.format.name == "geopko" and read.period == "year"
    assert not read.problems and read.rows == 11 and read.rejected_rows == 0
    assert read.sites == 4 and read.site_periods == 10 and balanced(read)
    sites = by_name(read)
    kidal = sites["Kidal"]
    assert kidal == [
        Deployment("MINUSMA", "Kidal", "base", 18.44111, 1.40778, D(2014, 1, 1), D(2015, 12, 31),
                   400.0, "geopko"),
    ]  # fmt: skip
    assert [(d.start, d.end, d.troops) for d in sites["Gossi"]] == [
        (D(2014, 1, 1), D(2014, 12, 31), 150.0),
        (D(2016, 1, 1), D(2017, 12, 31), 150.0),
    ]
    assert [(d.kind, d.start, d.end, d.troops) for d in sites["Mopti/Sevare"]] == [
        ("base", D(2018, 1, 1), D(2019, 12, 31), 650.0),
        ("headquarters", D(2020, 1, 1), D(2021, 12, 31), 1850.0),
    ]
    assert sites["Bamako"][0].kind == "headquarters"
    assert read.first == D(2014, 1, 1) and read.last == D(2021, 12, 31)


def test_geopko_bad_rows_are_reported_precisely_and_the_rest_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "geopko.csv",
        geopko(
            g(2014, "Kidal", 18.44111, 1.40778, 0, 300.0),
            g(2014, "Gao", 96.0, -0.04472, 2, 2000.0),  # latitude off the globe
            "MINUSMA,20x5,Mali,Gao,16.27167,-0.04472,1,1,0,2,0,0,0,0,2000",  # year
            g(2016, "", 16.27167, -0.04472, 2, 2000.0),  # no location
            g(2017, "Gao", 16.27167, -0.04472, 7, 2000.0),  # hq code
            g(2018, "Gao", 16.27167, -0.04472, 2, -5.0),  # negative troops
        ),
    )
    read = read_deployments(path)
    assert [d.name for d in read.deployments] == ["Kidal"]
    assert read.rejected_rows == 5 and balanced(read)
    found = [(p.file, p.row, p.column, p.value) for p in read.problems]
    assert found == [
        (str(path), 3, "latitude", "96.0"),
        (str(path), 4, "year", "20x5"),
        (str(path), 5, "location", None),
        (str(path), 6, "hq", "7"),
        (str(path), 7, "ave.no.troops", "-5.0"),
    ]
    reasons = [p.reason for p in read.problems]
    assert reasons[0] == "expected a latitude from -90 to 90 (decimal degrees)"
    assert reasons[1].startswith("not a whole number; expected a year from 1945 to 2100")
    assert reasons[2] == "missing; expected the site's name"
    assert "2 sector HQ, 3 mission HQ" in reasons[3]
    assert reasons[4] == "expected a number of troops ≥ 0"


# --- RADPKO -------------------------------------------------------------------------------------

RADPKO_HEADER = "mission,country,base,date,year,latitude,longitude,pko_deployed,untrp,unpol,unmob"


def test_radpko_yearly_rows_start_at_the_first_month_observed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "radpko_y.csv",
        "\n".join(
            [
                RADPKO_HEADER,
                "MINUSMA,Mali,ber,2015-12-01,2015,16.837477,-2.525245,174,171.7,2.3,0",
                "MINUSMA,Mali,ber,2016-01-01,2016,16.837477,-2.525245,165.7,156.3,9.4,0",
                "MINUSMA,Mali,lere,2016-09-01,2016,15.707416,-4.909793,171.25,156.4,14.85,0",
                "MINUSMA,Mali,lere,2018-01-01,2018,15.707416,-4.909793,171.25,100,14.85,0",
                "MINUSMA,Mali,lere,2018-01-01,2018,15.707416,-4.909793,171.25,100,14.85,0",
            ]
        )
        + "\n",
    )
    read = read_deployments(path)
    assert read.format.name == "radpko" and read.period == "year" and not read.problems
    assert read.duplicate_rows == 1 and read.site_periods == 4 and balanced(read)
    assert [(d.name, d.kind, d.start, d.end, d.troops) for d in read.deployments] == [
        ("ber", "base", D(2015, 12, 1), D(2016, 12, 31), pytest.approx(164.0)),
        ("lere", "base", D(2016, 9, 1), D(2016, 12, 31), pytest.approx(156.4)),
        ("lere", "base", D(2018, 1, 1), D(2018, 12, 31), 100.0),
    ]
    assert {d.source for d in read.deployments} == {"radpko"}


def test_radpko_monthly_rows_merge_consecutive_months(tmp_path: Path) -> None:
    header = "mission,country,base,date,latitude,longitude,untrp,unpol,unmob"
    rows = [
        "MINUSMA,Mali,gao,2016-01-01,16.268492,-0.050221,2000,300,1",
        "MINUSMA,Mali,gao,2016-02-01,16.268492,-0.050221,2200,300,1",
        "MINUSMA,Mali,gao,2016-03-01,16.268492,-0.050221,2400,300,1",
        "MINUSMA,Mali,gao,2016-05-01,16.268492,-0.050221,,300,1",  # gap in April; troops unknown
        "MINUSMA,Mali,kidal,2016-02-01,18.437693,1.401567,1000,100,0",
        "MINUSMA,Mali,kidal,2016-02-01,18.437693,1.401567,1100,100,0",  # clash: both refused
        "MINUSMA,Mali,kidal,2016-03-01,18.437693,1.401567,1200,100,0",
    ]
    path = write(tmp_path, "radpko_m.csv", "\n".join([header, *rows]) + "\n")
    read = read_deployments(path)
    assert read.period == "month" and read.rejected_rows == 2 and balanced(read)
    assert [(d.name, d.start, d.end, d.troops) for d in read.deployments] == [
        ("gao", D(2016, 1, 1), D(2016, 3, 31), 2200.0),
        ("gao", D(2016, 5, 1), D(2016, 5, 31), None),
        ("kidal", D(2016, 3, 1), D(2016, 3, 31), 1200.0),
    ]
    assert [(p.row, p.column, p.value) for p in read.problems] == [
        (6, "base", "kidal"),
        (7, "base", "kidal"),
    ]
    assert read.problems.problems[0].reason == (
        "kidal (MINUSMA) 2016-02 appears in rows 6, 7 with different figures; none is used"
    )


def test_radpko_year_must_be_the_year_of_the_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "radpko_y.csv",
        RADPKO_HEADER + "\n"
        "MINUSMA,Mali,gao,2016-01-01,2016,16.268492,-0.050221,1,1,0,0\n"
        "MINUSMA,Mali,gao,2017-01-01,2016,16.268492,-0.050221,1,1,0,0\n"
        "MINUSMA,Mali,gao,01/01/2018,2018,16.268492,-0.050221,1,1,0,0\n",
    )
    read = read_deployments(path)
    assert len(read.deployments) == 1 and read.rejected_rows == 2
    assert [(p.row, p.column, p.value) for p in read.problems] == [
        (3, "year", "2016"),
        (4, "date", "01/01/2018"),
    ]
    assert (
        read.problems.problems[0].reason
        == "not the year of the 'date' column; expected the same year"
    )
    assert read.problems.problems[1].reason.startswith("not a date; expected a date such as")


# --- template -----------------------------------------------------------------------------------

TEMPLATE_HEADER = "mission,name,kind,latitude,longitude,start_date,end_date,troops"


def test_template_rows_are_records_as_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "deployments.csv",
        "\n".join(
            [
                TEMPLATE_HEADER,
                "MINUSMA,Camp A,headquarters,16.27,-0.04,2014-03-01,2023-12-31,2500",
                "MINUSMA,Camp B,Base,15.66,0.50,2014-03-01,2019-06-30,400",
                "MINUSMA,Camp B,,15.66,0.50,2020-01-01,,350",
                "MINUSMA,Position C,Base opérationnelle temporaire,15.00,-2.95,2018-05-01,"
                "2018-08-31,",
                "MINUSMA,Position D,TOB,15.10,-2.90,01 June 2018,2018-06-30,20",
                "MINUSMA,Camp A,headquarters,16.27,-0.04,2014-03-01,2023-12-31,2500",  # repeat
            ]
        )
        + "\n",
    )
    read = read_deployments(path)
    assert read.format.name == "template" and read.period == "dates" and not read.problems
    assert read.duplicate_rows == 1 and read.sites == 4 and balanced(read)
    assert [(d.name, d.kind, d.start, d.end, d.troops) for d in read.deployments] == [
        ("Camp A", "headquarters", D(2014, 3, 1), D(2023, 12, 31), 2500.0),
        ("Camp B", "base", D(2014, 3, 1), D(2019, 6, 30), 400.0),
        ("Camp B", "base", D(2020, 1, 1), None, 350.0),
        ("Position C", "temporary_base", D(2018, 5, 1), D(2018, 8, 31), None),
        ("Position D", "temporary_base", D(2018, 6, 1), D(2018, 6, 30), 20.0),
    ]
    assert read.last is None  # Camp B is still occupied


def test_template_bad_rows_and_overlaps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "deployments.csv",
        "\n".join(
            [
                TEMPLATE_HEADER,
                "MINUSMA,Camp B,base,15.66,0.50,2014-03-01,2019-06-30,400",
                "MINUSMA,Camp B,base,15.66,0.50,2019-01-01,2020-06-30,300",  # overlaps row 2
                "MINUSMA,Camp E,fortress,15.66,0.50,2014-03-01,,",  # unknown kind
                "MINUSMA,Camp F,base,15.66,200,2014-03-01,,",  # longitude
                "MINUSMA,Camp G,base,15.66,0.50,2015-03-01,2014-03-01,",  # end before start
                ",Camp H,base,15.66,0.50,2015-03-01,,",  # no mission
                "MINUSMA,Camp I,base,15.66,0.50,,,",  # no start
                "MINUSMA,Camp J,base,15.66,0.50,2015-03-01,,beaucoup",  # troops
                "MINUSMA,Camp K,base,15.66,0.50,2015-03-01",  # too few fields
            ]
        )
        + "\n",
    )
    read = read_deployments(path)
    assert [d.name for d in read.deployments] == ["Camp B"]
    assert read.rejected_rows == 8 and balanced(read)
    assert [(p.row, p.column, p.value) for p in read.problems] == [
        (3, "start_date", "2019-01-01"),
        (4, "kind", "fortress"),
        (5, "longitude", "200"),
        (6, "end_date", "2014-03-01"),
        (7, "mission", None),
        (8, "start_date", None),
        (9, "troops", "beaucoup"),
        (10, None, None),
    ]
    reasons = [p.reason for p in read.problems]
    assert reasons[0] == (
        "Camp B (MINUSMA) is already occupied on this date by row 2; expected one row per "
        "continuous period of occupation"
    )
    assert reasons[1] == (
        "unknown kind of site; expected one of base, camp, headquarters, temporary_base"
    )
    assert reasons[3] == "before the start date; expected a date on or after start_date"
    assert reasons[7] == "the row has 6 fields; the header has 8"


def test_template_as_xlsx_with_headers_in_another_case(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Mission", "Name", "Kind", "Latitude", "Longitude", "Start date", "End date"])
    sheet.append(["MINUSMA", "Camp A", "camp", 16.27, -0.04, dt.datetime(2014, 3, 1), None])
    path = tmp_path / "deployments.xlsx"
    workbook.save(path)
    read = read_deployments(path)
    assert read.deployments == [
        Deployment("MINUSMA", "Camp A", "camp", 16.27, -0.04, D(2014, 3, 1), None, None, "template")
    ]


# --- refused files ------------------------------------------------------------------------------


def test_a_file_of_no_known_kind_is_refused_with_the_expected_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.csv", "mission,site,when\nMINUSMA,Gao,2016\n")
    with pytest.raises(FileRejected) as caught:
        read_deployments(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not a deployments file")
    for expected in (
        "Geo-PKO locations: mission, year, location, latitude, longitude, ave.no.troops",
        "RADPKO bases: mission, base, date, latitude, longitude, untrp",
        "Sentinelle template: mission, name, kind (optional), latitude, longitude, start_date, "
        "end_date (optional), troops (optional)",
        "(found: mission, site, when)",
    ):
        assert expected in message
    troop_types = write(
        tmp_path,
        "troop_types.csv",
        "mission,year,location,latitude,longitude,Infantry,eng\nMINUSMA,2014,Gao,16.2,-0.04,1,0\n",
    )
    with pytest.raises(FileRejected, match=r"closest: Geo-PKO locations, missing ave\.no\.troops"):
        read_deployments(troop_types)
    with pytest.raises(FileRejected, match="the file is empty"):
        read_deployments(write(tmp_path, "empty.csv", ""))
