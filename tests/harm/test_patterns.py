"""Harm patterns on small hand-made incidents, sites and routes whose answers are worked out by
hand.

Lengths: the earth radius is 6371.0088 km, so 0.01° of latitude is 6371.0088 × π / 18000 =
1.11195 km, and 0.01° of longitude at latitude φ is 1.11195 × cos φ km.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiLineString

from sentinelle.harm.patterns import (
    INCIDENT_COLUMNS,
    Routes,
    along_routes,
    before_after,
    by_dimension,
    distance_to_route_km,
    near_base_pairs,
    near_bases,
    read_routes,
    route_pairs,
)
from sentinelle.readers.problems import FileRejected

KM_001 = 6371.0088 * math.pi / 18000  # 0.01° on a meridian: 1.11195 km


def incident(n: int, when: str, lat: float = 15.0, lon: float = -1.0, **fields: Any) -> dict:
    row: dict[str, Any] = {
        "id": n,
        "occurred_at": pd.Timestamp(when, tz="UTC") if "+" not in when else pd.Timestamp(when),
        "force": "minusma",
        "unit": "BATT-1",
        "activity": "convoy",
        "category": "attack_on_force",
        "killed_min": 0,
        "killed_max": 0,
        "injured_min": 0,
        "injured_max": 0,
        "admin1_pcode": "ML07",
        "admin2_pcode": "ML0701",
        "latitude": lat,
        "longitude": lon,
        "confidence": "confirmed",
    }
    row.update(fields)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=list(INCIDENT_COLUMNS))
    out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True)
    for column in ("killed_min", "killed_max", "injured_min", "injured_max"):
        out[column] = out[column].astype("Int64")
    return out


# --- by dimension -------------------------------------------------------------------------------


def test_by_category_and_month_with_ranges_and_explicit_zeros() -> None:
    incidents = frame(
        incident(1, "2023-01-05", category="crossfire", killed_min=1, killed_max=3),
        incident(2, "2023-01-20", category="crossfire", killed_min=2, killed_max=2,
                 injured_min=1, injured_max=4),
        incident(3, "2023-03-02", category="traffic_accident", injured_min=2, injured_max=None),
        incident(4, "2023-03-31T23:30:00-02:00", category="crossfire", killed_min=None,
                 killed_max=5),  # April 1 in UTC
    )  # fmt: skip
    total = by_dimension(incidents, "category")
    assert total.to_dict("records") == [
        {"category": "crossfire", "incidents": 3, "killed_min": 3, "killed_max": 10,
         "injured_min": 1, "injured_max": 4},
        {"category": "traffic_accident", "incidents": 1, "killed_min": 0, "killed_max": 0,
         "injured_min": 2, "injured_max": 2},  # a missing maximum is at least the minimum
    ]  # fmt: skip
    monthly = by_dimension(incidents, "category", "M")
    assert len(monthly) == 4 * 2  # January..April × two categories, zeros included
    table = {(str(r.period), r.category): (r.incidents, r.killed_max) for r in monthly.itertuples()}
    assert table[("2023-01", "crossfire")] == (2, 5)
    assert table[("2023-02", "crossfire")] == (0, 0)
    assert table[("2023-03", "crossfire")] == (0, 0)
    assert table[("2023-04", "crossfire")] == (1, 5)
    assert table[("2023-03", "traffic_accident")] == (1, 0)
    quarterly = by_dimension(incidents, "force", "Q")
    assert [(str(r.period), r.incidents) for r in quarterly.itertuples()] == [
        ("2023Q1", 3),
        ("2023Q2", 1),
    ]
    yearly = by_dimension(incidents.assign(unit=[None, "A", "A", "B"]), "unit", "Y")
    assert dict(zip(yearly["unit"].fillna("(none)"), yearly["incidents"], strict=True)) == {
        "A": 2,
        "B": 1,
        "(none)": 1,
    }
    assert all(str(monthly[c].dtype) == "int64" for c in ("incidents", "killed_min"))


def test_by_dimension_rejects_bad_arguments_and_handles_no_incidents() -> None:
    incidents = frame(incident(1, "2023-01-05"))
    with pytest.raises(ValueError, match="by must be one of"):
        by_dimension(incidents, "victim")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period must be"):
        by_dimension(incidents, "force", "W")  # type: ignore[arg-type]
    empty = by_dimension(incidents.iloc[0:0], "activity", "M")
    assert empty.empty and list(empty.columns)[:2] == ["period", "activity"]


# --- near bases ---------------------------------------------------------------------------------

SITES = pd.DataFrame(
    {
        "name": ["Camp A", "Camp B"],
        "latitude": [15.0, 16.0],
        "longitude": [-1.0, -1.0],
        "start_date": [pd.Timestamp("2020-01-01"), pd.NaT],
        "end_date": [pd.Timestamp("2020-12-31"), pd.NaT],
    }
)


def test_near_bases_counts_incidents_in_the_radius_while_the_site_was_held() -> None:
    incidents = frame(
        incident(1, "2020-03-01", lat=15.05, killed_min=1, killed_max=2),  # 5.56 km north of A
        incident(2, "2020-03-01", lat=15.09),  # 10.01 km: outside 10 km
        incident(3, "2020-03-01", lat=15.0, lon=-1.0 + 0.09),  # 0.09° east: 9.67 km at 15°
        incident(4, "2021-01-01T00:30:00+01:00", lat=15.0),  # Dec 31 23:30 UTC: still held
        incident(5, "2021-01-01T01:30:00+01:00", lat=15.0),  # Jan 1 in UTC: A closed
        incident(6, "2019-12-31", lat=15.0),  # before A opened
        incident(7, "2019-12-31", lat=16.0 - 0.08, injured_min=3, injured_max=3),  # B: 8.90 km
        incident(8, "2020-06-01", lat=None, lon=None),  # no place
    )
    pairs = near_base_pairs(incidents, SITES)
    assert list(zip(pairs["site"], pairs["id"], strict=True)) == [
        ("Camp A", 4),
        ("Camp A", 1),
        ("Camp A", 3),
        ("Camp B", 7),
    ]
    distances = dict(zip(pairs["id"], pairs["distance_km"], strict=True))
    assert distances[1] == pytest.approx(5 * KM_001, rel=1e-9)
    assert distances[3] == pytest.approx(9 * KM_001 * math.cos(math.radians(15)), rel=1e-4)
    assert distances[7] == pytest.approx(8 * KM_001, rel=1e-9)
    summary = near_bases(incidents, SITES)
    assert summary[["site", "incidents", "killed_min", "killed_max", "injured_max"]].to_dict(
        "records"
    ) == [
        {"site": "Camp A", "incidents": 3, "killed_min": 1, "killed_max": 2, "injured_max": 0},
        {"site": "Camp B", "incidents": 1, "killed_min": 0, "killed_max": 0, "injured_max": 3},
    ]
    wider = near_bases(incidents, SITES, radius_km=10.5)
    assert wider["incidents"].tolist() == [4, 1]  # incident 2 at 10.01 km now counts
    with pytest.raises(ValueError, match="radius_km"):
        near_bases(incidents, SITES, radius_km=0)
    with pytest.raises(ValueError, match="unique"):
        near_bases(incidents, pd.concat([SITES, SITES]))
    with pytest.raises(ValueError, match="end_date"):
        near_bases(incidents, SITES.drop(columns="end_date"))


# --- routes -------------------------------------------------------------------------------------


ROAD_EW = LineString([(-2.0, 15.0), (-1.0, 15.0), (0.0, 15.0)])  # along the 15th parallel
ROAD_NS = LineString([(-1.0, 14.0), (-1.0, 16.0)])  # along a meridian


def test_distance_to_a_route_by_hand() -> None:
    cos15 = math.cos(math.radians(15))
    lon = np.array([-1.5, -1.5, 0.03, -0.97, np.nan])
    lat = np.array([15.03, 14.95, 15.0, 15.5, 15.0])
    ew = distance_to_route_km(lon, lat, ROAD_EW)
    assert ew[0] == pytest.approx(3 * KM_001, rel=1e-6)  # 0.03° north of the road
    assert ew[1] == pytest.approx(5 * KM_001, rel=1e-6)
    assert ew[2] == pytest.approx(3 * KM_001 * cos15, rel=1e-6)  # beyond its east end
    assert np.isnan(ew[4])
    ns = distance_to_route_km(lon, lat, ROAD_NS)
    assert ns[3] == pytest.approx(3 * KM_001 * math.cos(math.radians(15.5)), rel=1e-6)
    # against the great-circle distance to the nearest vertex, where that is the nearest point
    far = distance_to_route_km([0.3], [15.2], ROAD_EW)[0]
    chord = (
        2
        * 6371.0088
        * math.asin(
            math.sqrt(
                math.sin(math.radians(0.1)) ** 2
                + math.cos(math.radians(15.2)) * cos15 * math.sin(math.radians(0.15)) ** 2
            )
        )
    )
    assert far == pytest.approx(chord, rel=1e-3)


def test_along_routes_counts_incidents_in_the_buffer() -> None:
    incidents = frame(
        incident(1, "2022-01-01", lat=15.03, lon=-1.5, killed_min=2, killed_max=4),  # EW 3.3 km
        incident(2, "2022-01-02", lat=14.95, lon=-1.5),  # EW 5.56 km: outside 5 km
        incident(3, "2022-01-03", lat=15.0, lon=-1.0),  # on both roads (their crossing)
        incident(4, "2022-01-04", lat=15.5, lon=-0.97),  # NS 3.2 km
        incident(5, "2022-01-05", lat=None, lon=None),
    )
    routes = {"RN16": ROAD_EW, "Gao-Kidal": ROAD_NS}
    pairs = route_pairs(incidents, routes)
    assert list(zip(pairs["route"], pairs["id"], strict=True)) == [
        ("RN16", 3),
        ("RN16", 1),
        ("Gao-Kidal", 3),
        ("Gao-Kidal", 4),
    ]
    table = along_routes(incidents, routes)
    assert table["route"].tolist() == ["RN16", "Gao-Kidal"]
    assert table["incidents"].tolist() == [2, 2]
    assert table["killed_max"].tolist() == [4, 0]
    # RN16: two 1° segments along the 15th parallel, each a great-circle chord
    segment = 2 * 6371.0088 * math.asin(math.cos(math.radians(15)) * math.sin(math.radians(0.5)))
    assert table["length_km"].iloc[0] == pytest.approx(2 * segment, rel=1e-9)
    assert table["length_km"].iloc[1] == pytest.approx(200 * KM_001, rel=1e-9)
    assert table["incidents_per_100km"].iloc[1] == pytest.approx(2 / (2 * KM_001), rel=1e-9)
    assert along_routes(incidents, routes, buffer_km=6)["incidents"].tolist() == [3, 2]


def feature(geometry: dict | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def write(path: Path, features: list[Any], **extra: Any) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def test_read_routes_names_merges_and_reports_bad_features(tmp_path: Path) -> None:
    path = write(
        tmp_path / "routes.geojson",
        [
            feature(line((-2, 15), (-1, 15)), name="RN16"),
            feature(line((-1, 15), (0, 15)), name="RN16"),  # a second piece of the same road
            feature(line((-1, 14), (-1, 16))),  # no name: "route 3"
            feature({"type": "Point", "coordinates": [0, 0]}, name="camp"),
            feature(None, name="nothing"),
            feature(line((200, 15), (201, 15)), name="projected?"),
            {"type": "Polygon"},
        ],
    )
    routes = read_routes(path)
    assert isinstance(routes, Routes)
    assert list(routes.routes) == ["RN16", "route 3"]
    assert isinstance(routes.routes["RN16"], MultiLineString)
    assert routes.name_field == "name" and routes.features == 7 and routes.skipped == 4
    reasons = [p.reason for p in routes.problems]
    assert reasons[0] == "not a line but a Point" and reasons[1] == "no geometry"
    assert "not longitude/latitude" in reasons[2] and reasons[3] == "not a GeoJSON Feature"
    assert [p.row for p in routes.problems] == [4, 5, 6, 7]
    incidents = frame(incident(1, "2022-01-01", lat=15.03, lon=-0.5))
    assert along_routes(incidents, routes)["incidents"].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("routes.csv", "a,b\n", "unknown route file format '.csv'"),
        ("routes.geojson", "{not json", "not JSON: Expecting property name"),
        ("routes.geojson", '{"type": "Topology"}', "top-level 'type' is 'Topology'"),
        ("routes.geojson", '{"type": "FeatureCollection", "features": []}', "holds no features"),
        (
            "routes.geojson",
            json.dumps({"type": "FeatureCollection", "features": [feature(None)]}),
            "no usable route lines: all 1 features left out; first: ",
        ),
        (
            "routes.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "crs": {"type": "name", "properties": {"name": "EPSG:32630"}},
                    "features": [feature(line((0, 0), (1, 1)))],
                }
            ),
            "coordinates are in EPSG:32630",
        ),
    ],
)
def test_read_routes_rejects_a_bad_file(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(FileRejected, match=re_escape(message)):
        read_routes(path)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


def test_read_routes_rejects_missing_files_folders_and_unknown_name_fields(
    tmp_path: Path,
) -> None:
    with pytest.raises(FileRejected, match="no such file"):
        read_routes(tmp_path / "none.geojson")
    folder = tmp_path / "dir.geojson"
    folder.mkdir()
    with pytest.raises(FileRejected, match="is a folder"):
        read_routes(folder)
    path = write(tmp_path / "r.geojson", [feature(line((0, 0), (1, 1)), ref="N1")])
    assert list(read_routes(path).routes) == ["N1"]
    with pytest.raises(
        FileRejected, match="no route name property 'label'; the properties are: ref"
    ):
        read_routes(path, name_field="label")


# --- before and after ---------------------------------------------------------------------------


def two_sided_binomial_p(k: int, n: int, p: float) -> float:
    """The exact two-sided p-value: the probability of every count no likelier than ``k``."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-7)))


SITE = {
    "name": "Camp A",
    "latitude": 15.0,
    "longitude": -1.0,
    "start_date": "2020-07-01",
    "end_date": "2020-06-30",
}


def test_before_after_an_opening_with_known_counts_and_exact_p_value() -> None:
    before = [incident(n, f"2020-0{n}-15") for n in range(1, 3)]  # Jan 15, Feb 15
    after = [incident(10 + n, f"2020-{7 + n % 6:02d}-0{1 + n % 9}") for n in range(8)]
    others = [
        incident(30, "2019-12-31T23:59:00"),  # before the window
        incident(31, "2021-01-01"),  # after the window
        incident(32, "2020-08-01", lat=15.2),  # 22 km away
        incident(33, "2020-06-30T23:59:59"),  # the last second before the opening
    ]
    incidents = frame(*before, *after, *others)
    vac = pd.DataFrame(
        {
            "event_date": pd.to_datetime(["2020-03-01", "2020-08-01", "2020-09-01"]),
            "latitude": [15.01, 15.01, 16.0],
            "longitude": [-1.0, -1.0, -1.0],
        }
    )
    out = before_after(incidents, SITE, months=6, vac_events=vac)
    harm = out.iloc[0]
    assert (harm["series"], harm["site"], harm["change"]) == ("harm_incidents", "Camp A", "opening")
    assert (harm["before"], harm["after"]) == (3, 8)  # Jan 15, Feb 15, June 30 | 8 after
    assert harm["pivot"] == pd.Timestamp("2020-07-01")
    assert (harm["before_start"], harm["after_end"]) == (
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2020-12-31"),
    )
    assert (harm["days_before"], harm["days_after"]) == (182, 184)  # 2020 is a leap year
    assert harm["rate_ratio"] == pytest.approx((8 / 184) / (3 / 182))
    assert harm["p_value"] == pytest.approx(two_sided_binomial_p(8, 11, 184 / 366), rel=1e-9)
    acled = out.iloc[1]
    assert (acled["series"], acled["before"], acled["after"]) == ("acled_vac", 1, 1)
    assert acled["p_value"] == pytest.approx(1.0)

    closing = before_after(incidents, SITE, months=6, change="closing")
    assert closing[["before", "after"]].iloc[0].tolist() == [3, 8]  # the day after June 30
    assert closing["pivot"].iloc[0] == pd.Timestamp("2020-07-01")
    short = before_after(incidents, SITE, months=1)
    assert short[["before", "after", "days_before", "days_after"]].iloc[0].tolist() == [
        1, 2, 30, 31,
    ]  # fmt: skip


def test_before_after_edge_cases() -> None:
    quiet = frame(incident(1, "2010-01-01"))
    out = before_after(quiet, SITE)
    assert (out["before"].iloc[0], out["after"].iloc[0]) == (0, 0)
    assert np.isnan(out["rate_ratio"].iloc[0]) and out["p_value"].iloc[0] == 1.0
    only_after = before_after(frame(incident(1, "2020-07-02")), SITE)
    assert math.isinf(only_after["rate_ratio"].iloc[0])
    with pytest.raises(ValueError, match="no end_date"):
        before_after(quiet, {**SITE, "end_date": None}, change="closing")
    with pytest.raises(ValueError, match="months"):
        before_after(quiet, SITE, months=0)
    with pytest.raises(ValueError, match="change"):
        before_after(quiet, SITE, change="moved")  # type: ignore[arg-type]
