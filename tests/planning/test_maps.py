"""SVG maps of a year's alignment: hand-made squares and sites (classes, circles, outlines),
the tiny store by road, ``sentinelle align --maps`` on the demo, and the real MINUSMA maps
(skipped without the shared data)."""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from shapely.geometry import box

from sentinelle.domain.deployments import Deployment
from sentinelle.domain.vocabulary import Language
from sentinelle.planning.alignment import YearAlignment, align, yearly_results
from sentinelle.planning.maps import (
    CLASS_COLOURS,
    OUT_OF_REACH_COLOUR,
    alignment_maps,
    alignment_svg,
    class_labels,
    load_area_shapes,
    risk_class,
    write_alignment_maps,
)
from sentinelle.planning.posture import posture_of
from sentinelle.planning.reach import areas_from
from sentinelle.planning.roads import read_roads
from sentinelle.store.database import Store

SVG = "{http://www.w3.org/2000/svg}"
KM_PER_DEGREE = 6371.0088 * math.pi / 180  # 111.195 km

# Six square cercles 0.5° wide on a row at 14°–14.5° N, from 0° E eastwards; their points are the
# squares' centres (0.25 + 0.5 i, 14.25). VAC: 0, 2, 5, 6, 40, 16 → classes 1, 2, 3, 4, 5, 5
# (breaks 1, 3, 6, 16: 0 | 1–2 | 3–5 | 6–15 | 16+).
CODES = ["C0", "C1", "C2", "C3", "C4", "C5"]
RISK = [0, 2, 5, 6, 40, 16]
EXPECTED_CLASS = [1, 2, 3, 4, 5, 5]
SQUARES = [box(0.5 * i, 14.0, 0.5 * i + 0.5, 14.5) for i in range(6)]
AREAS = areas_from(CODES, [0.25 + 0.5 * i for i in range(6)], [14.25] * 6, names=CODES)


def site(name: str, longitude: float, latitude: float, troops: float) -> Deployment:
    return Deployment(
        mission="TEST",
        name=name,
        kind="base",
        latitude=latitude,
        longitude=longitude,
        start=dt.date(2019, 1, 1),
        end=None,
        troops=troops,
    )


# S1 on C1's point (reaches C1 only at 40 km: the neighbours' points are 0.5° ≈ 53.9 km away);
# S2 on C3's point; S3 2° further north on C3's meridian (reaches nothing). High risk (80 % of
# 69 = 55.2): C4 40, C5 16 → both out of reach.
SITES = [site("S1", 0.75, 14.25, 1000), site("S2", 1.75, 14.25, 4000), site("S3", 1.75, 16.25, 0)]
POSTURE = posture_of(SITES, dt.date(2020, 1, 1), dt.date(2020, 12, 31))


def hand_made(language: Language = "en") -> tuple[ET.Element, str]:
    chosen = align(POSTURE, AREAS, RISK, reach_km=40.0)
    item = YearAlignment(2020, POSTURE, chosen, chosen, "events")
    text = alignment_svg(AREAS, SQUARES, item, reach_km=40.0, language=language)
    return ET.fromstring(text), text


def group(root: ET.Element, name: str) -> ET.Element:
    found = root.find(f"{SVG}g[@id='{name}']")
    assert found is not None, name
    return found


def test_classes_and_their_labels() -> None:
    assert (risk_class(RISK) + 1).tolist() == EXPECTED_CLASS
    assert class_labels((1, 3, 6, 16), "en") == ["0", "1–2", "3–5", "6–15", "16 or more"]
    assert class_labels((1, 3, 6, 16), "fr")[-1] == "16 ou plus"
    for bad in ((1, 2, 3), (0, 1, 2, 3), (1, 3, 3, 4)):
        with pytest.raises(ValueError, match="break"):
            risk_class([1], bad)


def test_one_path_per_cercle_in_its_class_colour() -> None:
    root, text = hand_made()
    paths = group(root, "cercles").findall(f"{SVG}path")
    assert [p.get("data-code") for p in paths] == CODES
    for path, expected in zip(paths, EXPECTED_CLASS, strict=True):
        assert path.get("fill") == CLASS_COLOURS[expected - 1], path.get("data-code")
        assert path.get("data-class") == str(expected)
    # the legend states the classes, in the same colours
    legend = group(root, "legend")
    swatches = [r.get("fill") for r in legend.findall(f"{SVG}rect[@class='legend-class']")]
    assert swatches == list(CLASS_COLOURS)
    words = " ".join(t.text or "" for t in legend.iter(f"{SVG}text"))
    assert "1–2" in words and "16 or more" in words and "VAC events in 2020" in words
    title = root.find(f"{SVG}title")
    assert title is not None and title.text is not None and "2020" in title.text
    # title line: reach and share within reach (C1 2 + C3 6 = 8 of 69: 12 %)
    assert "Reach 40 km (straight line) · 12% of VAC events within reach · 3 sites" in text


def test_reach_circles_have_the_radius_of_the_reach_in_the_projection() -> None:
    root, _ = hand_made()
    dots = {c.get("data-site"): c for c in group(root, "sites").findall(f"{SVG}circle")}
    # the projection's scale, measured on the map itself: S2 and S3 are 2° of latitude apart on
    # one meridian; S1 and S2 1° of longitude apart on one parallel
    y_per_degree = (float(dots["S3"].get("cy", 0)) - float(dots["S2"].get("cy", 0))) / -2.0
    x_per_degree = float(dots["S2"].get("cx", 0)) - float(dots["S1"].get("cx", 0))
    assert y_per_degree > 0 and x_per_degree > 0
    # longitudes are scaled by the cosine of the mean latitude of the map, not of the site
    assert x_per_degree / y_per_degree < 1
    circles = {e.get("data-site"): e for e in group(root, "reach").findall(f"{SVG}ellipse")}
    assert set(circles) == {"S1", "S2", "S3"}
    for name, latitude in (("S1", 14.25), ("S3", 16.25)):
        circle = circles[name]
        assert circle.get("stroke-dasharray") is None  # dashed by its group
        # 40 km north-south is 40 / 111.195 degrees of latitude
        assert float(circle.get("ry", 0)) == pytest.approx(
            40 / KM_PER_DEGREE * y_per_degree, rel=2e-3
        )
        # 40 km east-west is 40 / (111.195 cos φ) degrees of longitude at the site's latitude
        degrees = 40 / (KM_PER_DEGREE * math.cos(math.radians(latitude)))
        assert float(circle.get("rx", 0)) == pytest.approx(degrees * x_per_degree, rel=2e-3)
        assert float(circle.get("cx", 0)) == pytest.approx(float(dots[name].get("cx", 0)))
    assert group(root, "reach").get("stroke-dasharray")
    # dots grow with troops: 4,000 troops is a bigger dot than 1,000, 0 troops the smallest
    radii = {name: float(dot.get("r", 0)) for name, dot in dots.items()}
    assert radii["S2"] > radii["S1"] > radii["S3"] > 0


def test_high_risk_cercles_out_of_reach_are_outlined_and_named() -> None:
    root, _ = hand_made()
    outlined = group(root, "out-of-reach")
    assert outlined.get("stroke") == OUT_OF_REACH_COLOUR and outlined.get("fill") == "none"
    assert [p.get("data-code") for p in outlined.findall(f"{SVG}path")] == ["C4", "C5"]
    labels = [t.text for t in group(root, "labels").findall(f"{SVG}text")]
    assert labels == ["C4", "C5"]
    points = {p.get("data-code"): p.get("fill") for p in group(root, "points")}
    assert points["C1"] == points["C3"] != points["C4"] == "#ffffff"


def test_french_labels_and_an_empty_year() -> None:
    _, text = hand_made("fr")
    assert "Dispositif et violence contre les civils, 2020" in text
    assert "Portée 40 km (à vol d'oiseau)" in text and "événements VCC" in text
    nothing = align(POSTURE, AREAS, [0] * 6, reach_km=40.0)
    item = YearAlignment(2021, POSTURE, nothing, nothing, "events")
    empty = alignment_svg(AREAS, SQUARES, item, reach_km=40.0, language="en")
    ET.fromstring(empty)
    assert "no VAC events recorded" in empty
    assert 'data-class="1"' in empty and 'data-class="2"' not in empty
    with pytest.raises(ValueError, match="shapes"):
        alignment_svg(AREAS, SQUARES[:2], item, reach_km=40.0)


def test_maps_by_road_on_the_tiny_store(tiny_store: Store, road_file: Path, tmp_path: Path) -> None:
    with tiny_store.reading() as connection:
        results = yearly_results(
            connection, [2017, 2018], language="en", roads=read_roads(road_file), hours=1.0
        )
        shapes = load_area_shapes(connection, results.areas)
        maps = alignment_maps(connection, results, language="en")
    assert [s is not None for s in shapes] == [True] * 4
    root = ET.fromstring(maps[2018])
    assert root.get("data-reach-mode") == "roads"
    assert group(root, "cercles").findall(f"{SVG}path")
    assert root.find(f"{SVG}g[@id='reach']") is None  # no circles by road
    assert "Reach by road within 1 h (dry season) · 67% of VAC events within reach" in maps[2018]
    assert [p.get("data-code") for p in group(root, "out-of-reach")] == ["ML0503"]  # Charlie
    written = write_alignment_maps(maps, tmp_path / "maps" / "by-road")
    assert [p.name for p in written] == ["alignment-2017.svg", "alignment-2018.svg"]
    clash = tmp_path / "file.svg"
    clash.write_text("")
    with pytest.raises(ValueError, match="is a file"):
        write_alignment_maps(maps, clash)


def test_align_command_writes_one_map_per_year(demo_store: Store, tmp_path: Path) -> None:
    env = {**os.environ, "SENTINELLE_HOME": str(tmp_path), "SENTINELLE_LANG": "fr"}
    env["SENTINELLE_DATABASE_URL"] = demo_store.engine.url.render_as_string(hide_password=False)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sentinelle.cli.main", "align", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    folder = tmp_path / "out" / "maps"
    done = run("--years", "2017:2018", "--maps", str(folder))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["alignment-2017.svg", "alignment-2018.svg"]
    for path in folder.iterdir():
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg"
        assert len(group(root, "cercles").findall(f"{SVG}path")) >= 40  # the demo's cercles
        assert "Dispositif et violence contre les civils" in path.read_text(encoding="utf-8")
    assert "Cartes écrites (2)" in done.stdout
    clash = tmp_path / "a-file"
    clash.write_text("")
    bad = run("--years", "2018", "--maps", str(clash))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--maps" in bad.stderr and "a-file" in bad.stderr


# --- real data --------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_minusma_maps_are_small_and_complete(shared_data: Path, tmp_path: Path) -> None:
    from sentinelle.deployments import ingest_deployments
    from sentinelle.ingest import import_boundaries, ingest_file
    from sentinelle.store.database import open_store

    store = open_store(f"sqlite:///{tmp_path / 'real.db'}")
    boundaries = shared_data / "boundaries"
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(store, shared_data / "acled" / "acled_mali_1997-2018_api_export.csv")
    ingest_deployments(store, shared_data / "peacekeeping" / "geopko_v2.3_minusma_locations.csv")
    with store.reading() as connection:
        results = yearly_results(connection, [2016, 2018], reach_km=50, language="en")
        maps = alignment_maps(connection, results, language="en")
    for year, text in maps.items():
        assert len(text.encode("utf-8")) < 150_000, year
        root = ET.fromstring(text)
        assert len(group(root, "cercles").findall(f"{SVG}path")) == 50
        sites = len(results.years[0 if year == 2016 else 1].posture.sites)
        assert len(group(root, "reach").findall(f"{SVG}ellipse")) == sites
    # 2018: 16 % of VAC events within reach; Koro, Douentza … out of reach and outlined
    assert "16% of VAC events within reach" in maps[2018]
    outlined = group(ET.fromstring(maps[2018]), "out-of-reach").findall(f"{SVG}path")
    assert len(outlined) == 8
