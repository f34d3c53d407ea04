"""Reach by road, on small hand-made networks whose travel times are worked out by hand.

Lengths: the earth radius is 6371.0088 km, so 0.1° of latitude (or of longitude on the
equator) is 6371.0088 × π / 1800 = 11.1195 km, and 0.01° is 1.11195 km.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sentinelle.planning.roads import (
    Roads,
    default_speeds,
    load_speeds,
    read_roads,
    road_graph,
    road_reach,
    travel_hours,
)
from sentinelle.readers.problems import FileRejected

KM_01 = 6371.0088 * math.pi / 1800  # 0.1° on a meridian, or on the equator: 11.1195 km


def feature(coords: list[list[float]], road_class: str | None, **props: Any) -> dict[str, Any]:
    properties = dict(props)
    if road_class is not None:
        properties["highway"] = road_class
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def write(path: Path, features: list[Any], **extra: Any) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def roads(*lines: tuple[str, list[list[float]]]) -> Roads:
    from sentinelle.readers.problems import ProblemLog

    return Roads("test", "highway", [(c, np.array(xy, float)) for c, xy in lines], ProblemLog(), 0)


def test_default_speeds() -> None:
    speeds = default_speeds()
    assert speeds.kmh("primary", "dry") == 50
    assert speeds.kmh("primary", "rainy") == 35
    assert speeds.kmh("track", "dry") == 20
    assert speeds.kmh("track", "rainy") == 0  # closed
    assert speeds.off_road.kmh("dry") == 10
    assert speeds.off_road.kmh("rainy") == 5


def test_primary_along_a_meridian_by_hand() -> None:
    # Primary road on the meridian 0° from 0° to 0.2° N, a vertex every 0.1°: 2 × 11.1195 km.
    network = roads(("primary", [[0, 0], [0, 0.1], [0, 0.2]]))
    site = [[0.01, 0.0]]  # 0.01° east of the road's start: 1.112 km off-road
    area = [[0.01, 0.2]]  # 0.01° east of the road's end: 1.112 km off-road
    time, reach = road_reach(site, area, network, hours=1.0)
    # dry: 1.112 km / 10 km/h = 0.1112 h, 22.239 km / 50 km/h = 0.4448 h, 0.1112 h → 0.6672 h
    # (straight off-road: 22.239 km / 10 km/h = 2.224 h, slower)
    expected = 0.1 * KM_01 / 10 + 2 * KM_01 / 50 + 0.1 * KM_01 / 10
    assert time.shape == reach.shape == (1, 1)
    assert time[0, 0] == pytest.approx(expected, rel=1e-3)
    assert time[0, 0] == pytest.approx(0.667, abs=1e-3)
    assert reach[0, 0]
    # rainy: 1.112 / 5 = 0.2224 h, 22.239 / 35 = 0.6354 h, 0.2224 h → 1.080 h: beyond 1 h
    rainy, rainy_reach = road_reach(site, area, network, hours=1.0, season="rainy")
    assert rainy[0, 0] == pytest.approx(2 * 0.1 * KM_01 / 5 + 2 * KM_01 / 35, rel=1e-3)
    assert rainy[0, 0] == pytest.approx(1.080, abs=1e-3)
    assert not rainy_reach[0, 0]


def test_off_road_all_the_way_when_faster() -> None:
    # Site and area 0.01° apart, the road 0.1° away: off-road 1.112 km / 10 km/h = 0.1112 h
    network = roads(("trunk", [[1, 0], [1, 0.1]]))
    time, reach = road_reach([[0, 0]], [[0.01, 0]], network)
    assert time[0, 0] == pytest.approx(0.1 * KM_01 / 10, rel=1e-3)
    assert reach[0, 0]


def test_rainy_season_closes_tracks() -> None:
    # Track on the meridian from 0° to 0.3° N: 33.36 km. Site and area 0.01° east of its ends.
    network = roads(("track", [[0, 0], [0, 0.1], [0, 0.2], [0, 0.3]]))
    site, area = [[0.01, 0.0]], [[0.01, 0.3]]
    # dry: 0.1112 + 33.36 / 20 (1.668) + 0.1112 = 1.890 h, within 3 h
    dry, dry_reach = road_reach(site, area, network, hours=3.0, season="dry")
    assert dry[0, 0] == pytest.approx(0.2 * KM_01 / 10 + 3 * KM_01 / 20, rel=1e-3)
    assert dry_reach[0, 0]
    # rainy: the track is closed; off-road straight 33.36 km / 5 km/h = 6.67 h: out of reach
    rainy, rainy_reach = road_reach(site, area, network, hours=3.0, season="rainy")
    assert rainy[0, 0] == pytest.approx(3 * KM_01 / 5, rel=1e-3)
    assert not rainy_reach[0, 0]
    assert road_graph(network, "rainy").edges == 0


def test_lines_sharing_a_vertex_connect() -> None:
    # Two primary roads crossing at (0, 0), both with a vertex there (one ~0.2 m off: snapped).
    network = roads(
        ("primary", [[-0.1, 0], [0, 0], [0.1, 0]]),
        ("primary", [[0, -0.1], [0.000001, 0.000002], [0, 0.1]]),
    )
    # From the west end to the north end: 11.12 km east + 11.12 km north at 50 km/h = 0.4448 h
    time, _ = road_reach([[-0.1, 0]], [[0, 0.1]], network)
    assert time[0, 0] == pytest.approx(2 * KM_01 / 50, rel=1e-3)


def test_lines_crossing_without_a_shared_vertex_do_not_connect() -> None:
    network = roads(
        ("primary", [[-0.1, 0], [0.1, 0]]),
        ("primary", [[0, -0.1], [0, 0.1]]),
    )
    time, _ = road_reach([[-0.1, 0]], [[0, 0.1]], network)
    # no path: off-road straight, 15.72 km (the diagonal) / 10 km/h = 1.572 h
    assert time[0, 0] == pytest.approx(math.hypot(KM_01, KM_01) / 10, rel=2e-3)
    assert time[0, 0] > 1.5


def test_matrix_shape_and_missing_coordinates() -> None:
    network = roads(("primary", [[0, 0], [0, 0.1]]))
    sites = np.array([[0, 0], [0, 0.1]], float)
    areas = np.array([[0, 0.1], [np.nan, np.nan], [0, 0]], float)
    graph = road_graph(network)
    time = travel_hours(sites, areas, graph)
    assert time.shape == (2, 3)
    assert np.isnan(time[:, 1]).all()
    assert time[0, 0] == pytest.approx(KM_01 / 50, rel=1e-3)
    assert time[1, 2] == pytest.approx(KM_01 / 50, rel=1e-3)
    assert time[0, 2] == pytest.approx(0)
    _, reach = road_reach(sites, areas, network)
    assert not reach[:, 1].any()
    empty, empty_reach = road_reach(np.zeros((0, 2)), areas, network)
    assert empty.shape == empty_reach.shape == (0, 3)


def test_parameters_checked() -> None:
    network = roads(("primary", [[0, 0], [0, 0.1]]))
    with pytest.raises(ValueError, match="season must be 'dry' or 'rainy'"):
        road_reach([[0, 0]], [[0, 0]], network, season="wet")
    with pytest.raises(ValueError, match="positive number of hours"):
        road_reach([[0, 0]], [[0, 0]], network, hours=0)


def test_read_geojson_skips_bad_features(tmp_path: Path) -> None:
    multi = {
        "type": "Feature",
        "properties": {"highway": "secondary"},
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[0, 0], [0, 0.1]], [[0, 0.1], [0.1, 0.1]]],
        },
    }
    point = {
        "type": "Feature",
        "properties": {"highway": "primary"},
        "geometry": {"type": "Point", "coordinates": [0, 0]},
    }
    features = [
        feature([[0, 0], [0, -0.1]], "Primary"),  # 1: good (class is case-insensitive)
        multi,  # 2: good, two lines
        point,  # 3: not a line
        feature([[0, 0], [1, 1]], None, name="x"),  # 4: no class
        feature([[0, 0], [1, 1]], "footway"),  # 5: unknown class
        feature([[0, 0], [200, 1]], "primary"),  # 6: not lon/lat
        {"type": "Feature", "properties": {"highway": "primary"}, "geometry": None},  # 7
    ]
    result = read_roads(write(tmp_path / "roads.geojson", features))
    assert result.class_field == "highway"
    assert result.features == 7
    assert result.counts() == {"primary": 1, "secondary": 2}
    assert result.skipped == 5
    reasons = {p.row: p.reason for p in result.problems}
    assert reasons[3] == "not a line but a Point"
    assert reasons[4] == "no road class"
    assert reasons[5].startswith("unknown road class")
    assert "not longitude/latitude" in reasons[6]
    assert reasons[7] == "no geometry"
    # the MultiLineString's parts share a vertex: from (0, 0) to (0.1, 0.1) by road
    # 11.12 km north + 11.12 km east at 40 km/h = 0.556 h
    time, _ = road_reach([[0, 0]], [[0.1, 0.1]], result)
    assert time[0, 0] == pytest.approx(2 * KM_01 / 40, rel=1e-3)


def test_own_road_class_property(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"road_class": "track", "highway": "primary"},
            "geometry": {"type": "LineString", "coordinates": [[0, 0], [0, 0.1]]},
        }
    ]
    result = read_roads(write(tmp_path / "r.geojson", features))
    assert result.class_field == "road_class"
    assert result.counts() == {"track": 1}
    explicit = read_roads(tmp_path / "r.geojson", class_field="highway")
    assert explicit.counts() == {"primary": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON: Expecting property name enclosed in double quotes at line 1"),
        ('{"type": "Topology"}', "not GeoJSON: the top-level 'type' is 'Topology'"),
        ('{"type": "FeatureCollection", "features": []}', "holds no features"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [feature([[0, 0], [0, 1]], None, name="RN16")],
                }
            ),
            "no road class property (looked for road_class, highway); the properties are: name",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"highway": "primary"},
                            "geometry": {"type": "Point", "coordinates": [0, 0]},
                        }
                    ],
                }
            ),
            "no usable road lines: 1 of 1 features left out (geometries: Point (1))",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "crs": {"type": "name", "properties": {"name": "EPSG:32630"}},
                    "features": [feature([[0, 0], [0, 1]], "primary")],
                }
            ),
            "coordinates are in EPSG:32630, not WGS 84",
        ),
    ],
)
def test_bad_geojson_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "roads.geojson"
    path.write_text(content)
    with pytest.raises(FileRejected) as caught:
        read_roads(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_bad_paths_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="no such file"):
        read_roads(tmp_path / "missing.geojson")
    (tmp_path / "roads.shp").write_text("")
    with pytest.raises(FileRejected, match=r"unknown road file format '\.shp'"):
        read_roads(tmp_path / "roads.shp")


HEADER = "road_class,dry_kmh,rainy_kmh,rainy_closed,note\n"


def test_speeds_override(tmp_path: Path) -> None:
    path = tmp_path / "speeds.csv"
    path.write_text(HEADER + "primary,70,20,no,better road\nferry_ramp,5,5,no,new class\n")
    speeds = load_speeds(path)
    assert speeds.kmh("primary", "dry") == 70
    assert speeds.kmh("primary", "rainy") == 20
    assert speeds.kmh("secondary", "dry") == 40  # default kept
    assert "ferry_ramp" in speeds.classes
    network = roads(("primary", [[0, 0], [0, 0.1]]))
    time, _ = road_reach([[0, 0]], [[0, 0.1]], network, speeds=speeds)
    assert time[0, 0] == pytest.approx(KM_01 / 70, rel=1e-3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("road_class,dry_kmh\nprimary,50\n", "missing column(s) rainy_kmh, rainy_closed, note"),
        (HEADER + "primary,fast,20,no,\n", "line 2 (primary): dry_kmh must be a speed in km/h"),
        (HEADER + "primary,0,20,no,\n", "line 2 (primary): dry_kmh must be a speed in km/h"),
        (HEADER + "primary,50,-1,no,\n", "line 2 (primary): rainy_kmh must be a speed"),
        (HEADER + "primary,500,20,no,\n", "500 km/h is not a plausible road speed"),
        (HEADER + "track,20,0,maybe,\n", "rainy_closed must be yes or no, not 'maybe'"),
        (HEADER + "track,20,10,yes,\n", "closed in the rainy season (rainy_closed yes) but"),
        (HEADER + "track,20,0,no,\n", "rainy_kmh must be above 0 when the road is open"),
        (HEADER + "off_road,10,,yes,\n", "off_road cannot be closed"),
        (HEADER + "primary,50,30,no,\nPrimary,40,20,no,\n", "line 3: road_class 'primary' given"),
        (HEADER, "holds no speeds"),
    ],
)
def test_speeds_file_validated(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "speeds.csv"
    path.write_text(content)
    with pytest.raises(FileRejected) as caught:
        load_speeds(path)
    assert message in str(caught.value)


def test_closed_track_blank_rainy_speed_accepted(tmp_path: Path) -> None:
    path = tmp_path / "speeds.csv"
    path.write_text(HEADER + "track,15,,yes,sand\n")
    assert load_speeds(path).kmh("track", "rainy") == 0
