"""``sentinelle harm patterns`` as a user runs it, on the demo store (26 fictional incidents,
the MINUSMA sites): every table's numbers are those of the pattern functions called directly on
the same store, and bad input gets one message, exit status 2, no traceback."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Connection

from sentinelle.domain.harm import categories, forces
from sentinelle.harm.patterns import (
    along_routes,
    before_after,
    by_dimension,
    near_bases,
    read_routes,
    route_pairs,
    sites_of,
)
from sentinelle.harm.register import list_incidents
from sentinelle.store import events as event_store
from sentinelle.store.database import open_store
from sentinelle.store.deployments import load_deployments
from sentinelle.threat.actors import is_vac


def run(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINELLE_HOME": str(home), "SENTINELLE_LANG": lang, "COLUMNS": "250"}
    env["SENTINELLE_DATABASE_URL"] = f"sqlite:///{home / 'demo.db'}"
    return subprocess.run(
        [sys.executable, "-m", "sentinelle.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("harm-patterns-cli")
    loaded = run("demo", home=path)
    assert loaded.returncode == 0, loaded.stderr
    return path


@pytest.fixture
def connection(home: Path) -> Iterator[Connection]:
    with open_store(f"sqlite:///{home / 'demo.db'}").reading() as connected:
        yield connected


def rows(stdout: str) -> list[list[str]]:
    """The body rows of the printed table, cell by cell."""
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in stdout.splitlines()
        if line.startswith("│")
    ]


def span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def sums(row: pd.Series) -> list[str]:
    return [
        str(row["incidents"]),
        span(row["killed_min"], row["killed_max"]),
        span(row["injured_min"], row["injured_max"]),
    ]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_by_category_per_quarter_by_default(home: Path, connection: Connection) -> None:
    done = run("harm", "patterns", home=home)
    assert done.returncode == 0, done.stderr
    expected = by_dimension(list_incidents(connection), "category", "Q")
    labels = {code: term.label("en") for code, term in categories().items()}
    assert rows(done.stdout) == [
        [str(r["period"]), labels[r["category"]], *sums(r)] for _, r in expected.iterrows()
    ]
    assert expected["incidents"].sum() == 26
    assert "Period" in done.stdout and "Category" in done.stdout


def test_by_force_per_year_in_french_with_a_csv(
    home: Path, connection: Connection, tmp_path: Path
) -> None:
    out = tmp_path / "forces.csv"
    done = run("harm", "patterns", "--by", "force", "--period", "Y", "--out", str(out),
               home=home, lang="fr")  # fmt: skip
    assert done.returncode == 0, done.stderr
    expected = by_dimension(list_incidents(connection), "force", "Y")
    labels = {code: term.label("fr") for code, term in forces().items()}
    assert rows(done.stdout) == [
        [str(r["period"]), labels[r["force"]], *sums(r)] for _, r in expected.iterrows()
    ]
    assert "Période" in done.stdout and "Tués" in done.stdout
    written = read_csv(out)
    assert [(w["period"], w["force"], int(w["incidents"]), int(w["killed_max"])) for w in written] \
        == [(str(r["period"]), r["force"], r["incidents"], r["killed_max"])
            for _, r in expected.iterrows()]  # fmt: skip


def test_the_period_filter(home: Path, connection: Connection, tmp_path: Path) -> None:
    out = tmp_path / "units.xlsx"
    done = run("harm", "patterns", "--by", "unit", "--period", "none", "--from", "2018-01",
               "--to", "2018-06", "--out", str(out), home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    incidents = list_incidents(connection, dt.date(2018, 1, 1), dt.date(2018, 6, 30))
    expected = by_dimension(incidents, "unit", None)
    assert 0 < expected["incidents"].sum() < 26
    shown = rows(done.stdout)
    assert [r[1:] for r in shown] == [sums(r) for _, r in expected.iterrows()]
    assert [r[0] for r in shown] == [
        "—" if pd.isna(u) else u for u in expected["unit"]
    ]  # a unit is free text: shown as recorded
    assert pd.read_excel(out)["incidents"].tolist() == expected["incidents"].tolist()


def test_near_bases(home: Path, connection: Connection, tmp_path: Path) -> None:
    out = tmp_path / "bases.csv"
    done = run("harm", "patterns", "--bases", "--radius-km", "25", "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    sites = sites_of(load_deployments(connection))
    assert "Gao" in set(sites["name"])  # its two stays in the deployments are one site
    expected = near_bases(list_incidents(connection), sites, 25)
    assert expected["incidents"].sum() > 0
    assert rows(done.stdout) == [
        [
            r["site"],
            f"{r['start_date'] or '…'} – {r['end_date'] or '…'}",
            *sums(r),
        ]
        for _, r in expected.iterrows()
    ]
    assert "within 25 km" in done.stdout
    assert [int(w["incidents"]) for w in read_csv(out)] == expected["incidents"].tolist()


def test_a_hand_made_route_near_an_incident(
    home: Path, connection: Connection, tmp_path: Path
) -> None:
    incidents = list_incidents(connection)
    target = incidents.set_index("reference").loc["DEMO-H-018"]  # near Diabaly, alone
    lat, lon = float(target["latitude"]), float(target["longitude"])
    routes = tmp_path / "routes.geojson"
    line = [[lon - 0.05, lat + 0.01], [lon + 0.05, lat + 0.01]]  # ~1.1 km north of it
    far = [[lon + 1.0, lat + 1.0], [lon + 1.2, lat + 1.0]]
    routes.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Piste de Diabaly"},
         "geometry": {"type": "LineString", "coordinates": line}},
        {"type": "Feature", "properties": {"name": "Nowhere"},
         "geometry": {"type": "LineString", "coordinates": far}},
    ]}), encoding="utf-8")  # fmt: skip
    out = tmp_path / "routes.csv"
    done = run("harm", "patterns", "--routes", str(routes), "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    read = read_routes(routes)
    assert route_pairs(incidents, read, 5)["id"].tolist() == [int(target["id"])]
    expected = along_routes(incidents, read, 5)
    assert rows(done.stdout) == [
        [
            r["route"],
            f"{r['length_km']:.1f}",
            *sums(r),
            f"{r['incidents_per_100km']:.2f}",
        ]
        for _, r in expected.iterrows()
    ]
    shown = dict((r[0], r[2:5]) for r in rows(done.stdout))
    killed = span(int(target["killed_min"]), int(target["killed_max"]))
    assert shown["Piste de Diabaly"][:2] == ["1", killed] and shown["Nowhere"][0] == "0"
    assert [w["incidents"] for w in read_csv(out)] == ["1", "0"]
    narrow = run("harm", "patterns", "--routes", str(routes), "--buffer-km", "0.5", home=home)
    assert narrow.returncode == 0, narrow.stderr
    assert {r[0]: r[2] for r in rows(narrow.stdout)} == {"Piste de Diabaly": "0", "Nowhere": "0"}


def test_before_and_after_each_opening_and_closing(
    home: Path, connection: Connection, tmp_path: Path
) -> None:
    out = tmp_path / "before-after.csv"
    done = run("harm", "patterns", "--before-after", "--months", "6", "--radius-km", "30",
               "--from", "2016-01", "--to", "2019-12", "--out", str(out), home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    incidents = list_incidents(connection)
    stored = event_store.load_events(
        connection,
        columns=("event_date", "event_type", "civilian_targeting", "latitude", "longitude"),
    )
    vac = stored[is_vac(stored)].reset_index(drop=True)
    sites = sites_of(load_deployments(connection))
    parts = []
    for site in sites.to_dict("records"):
        for change, column in (("opening", "start_date"), ("closing", "end_date")):
            if site[column] is not None:
                parts.append(before_after(incidents, site, 6, change=change, radius_km=30,
                                          vac_events=vac))  # fmt: skip
    every = pd.concat(parts, ignore_index=True)
    pivot = every["pivot"]
    expected = every[(pivot >= "2016-01-01") & (pivot <= "2019-12-31")].reset_index(drop=True)
    assert set(expected["series"]) == {"harm_incidents", "acled_vac"}
    assert expected[expected["series"] == "acled_vac"][["before", "after"]].to_numpy().sum() > 0

    def ratio(x: float) -> str:
        return "—" if math.isnan(x) else "∞" if math.isinf(x) else f"{x:.2f}"

    def p(x: float) -> str:
        return "<0.001" if x < 0.001 else f"{x:.3f}"

    series = {"harm_incidents": "Harm incidents", "acled_vac": "ACLED violence against civilians"}
    shown = rows(done.stdout)
    assert [r[:8] for r in shown] == [
        [r["site"], r["change"], f"{r['pivot']:%Y-%m-%d}", series[r["series"]],
         str(r["before"]), str(r["after"]), ratio(r["rate_ratio"]), p(r["p_value"])]
        for _, r in expected.iterrows()
    ]  # fmt: skip
    assert {r[8] for r in shown} <= {"yes", "no"}
    written = read_csv(out)
    assert [(w["site"], w["series"], int(w["before"]), int(w["after"])) for w in written] == [
        (r["site"], r["series"], r["before"], r["after"]) for _, r in expected.iterrows()
    ]
    assert "exact two-sided test" in done.stdout


def bad_routes(folder: Path) -> dict[str, Path]:
    files = {
        "not-json.geojson": '{"type": "FeatureCollection", "features": [',
        "points.geojson": json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [-1.0, 15.0]},
                    }
                ],
            }
        ),
        "list.geojson": "[]",
        "routes.shp": "",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {name: folder / name for name in [*files, "missing.geojson"]}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not-json.geojson", "not JSON"),
        ("points.geojson", "no usable route lines"),
        ("list.geojson", "not GeoJSON"),
        ("routes.shp", "unknown route file format"),
        ("missing.geojson", "no such file"),
    ],
)
def test_a_bad_routes_file_is_refused_with_its_name(
    home: Path, tmp_path: Path, name: str, reason: str
) -> None:
    path = bad_routes(tmp_path)[name]
    done = run("harm", "patterns", "--routes", str(path), home=home)
    assert done.returncode == 2
    assert name in done.stderr and reason in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--by", "place"), "--by must be one of category, force, unit, activity, not 'place'"),
        (("--period", "W"), "--period must be one of M, Q, Y, none, not 'W'"),
        (("--bases", "--radius-km", "0"), "--radius-km must be a positive number"),
        (("--routes", "r.geojson", "--buffer-km", "-2"), "--buffer-km must be a positive"),
        (("--before-after", "--months", "0"), "--months must be a whole number"),
        (("--from", "2018-13"), "--from: '2018-13'"),
        (("--from", "2018-06", "--to", "2018-01"), "--from 2018-06 is after --to 2018-01"),
        (("--bases", "--before-after"), "give only one of --bases, --routes, --before-after"),
        (("--bases", "--by", "force"), "--by sets the table by dimension"),
        (("--out", "patterns.docx"), "--out must end in .csv or .xlsx"),
        (("--out", "/no/such/folder/p.csv"), "no such folder"),
    ],
)
def test_bad_values_get_one_message(home: Path, args: tuple[str, ...], message: str) -> None:
    done = run("harm", "patterns", *args, home=home)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_bad_values_in_french(home: Path) -> None:
    done = run("harm", "patterns", "--months", "0", "--before-after", home=home, lang="fr")
    assert done.returncode == 2
    assert "Erreur" in done.stderr and "nombre entier de mois" in done.stderr


def test_sites_of_joins_touching_stays_and_tells_separate_ones_apart() -> None:
    from sentinelle.domain.deployments import Deployment

    def stay(name: str, start: str, end: str | None, lat: float = 16.27) -> Deployment:
        return Deployment("MINUSMA", name, "base", lat, -0.04, dt.date.fromisoformat(start),
                          dt.date.fromisoformat(end) if end else None)  # fmt: skip

    sites = sites_of([
        stay("Gao", "2013-07-01", "2016-12-31"),
        stay("Gao", "2017-01-01", None),  # the troops changed: the same stay, still held
        stay("Léré", "2016-01-01", "2016-06-30", 15.71),
        stay("Léré", "2017-01-01", "2017-12-31", 15.71),  # closed, then opened again
    ])  # fmt: skip
    assert sites.to_dict("records") == [
        {"name": "Gao", "latitude": 16.27, "longitude": -0.04,
         "start_date": dt.date(2013, 7, 1), "end_date": None},
        {"name": "Léré (2016-01-01 – 2016-06-30)", "latitude": 15.71, "longitude": -0.04,
         "start_date": dt.date(2016, 1, 1), "end_date": dt.date(2016, 6, 30)},
        {"name": "Léré (2017-01-01 – 2017-12-31)", "latitude": 15.71, "longitude": -0.04,
         "start_date": dt.date(2017, 1, 1), "end_date": dt.date(2017, 12, 31)},
    ]  # fmt: skip
