"""Reading boundary files: GeoJSON, TopoJSON, GeoPackage, Shapefile; detection of COD-AB and
geoBoundaries fields; precise rejection of bad files and bad features."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pytest
import shapely
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from sentinelle.readers.boundaries import read_boundaries
from sentinelle.readers.problems import FileRejected

HAS_PYPROJ = importlib.util.find_spec("pyproj") is not None

# --- fixtures written by the tests --------------------------------------------------------------

COD_FIELDS = [
    "admin2Pcode",
    "admin2Name_fr",
    "admin2Name_en",
    "admin2RefName",
    "admin2AltName1_fr",
    "admin1Pcode",
    "admin1Name_fr",
]
COD_ROWS = [
    ["ML0401", "Baraouéli", "Baraoueli", "Baraoueli", "Baroueli", "ML04", "Ségou"],
    ["ML0402", "Bla", "Bla", "<Null>", "<Null>", "ML04", "Ségou"],
    ["ML0406", "Ségou", "Segou", "Segou", "", "ML04", "Ségou"],
]
COD_SHAPES = [box(-6.5, 12.5, -6.0, 13.5), box(-6.0, 12.5, -5.5, 13.5), box(-6.5, 13.5, -5.5, 14.0)]

SHP_FIELDS = ["admin2Pcod", "admin2Name", "admin2RefN", "admin2AltN", "admin1Pcod"]
"""What COD-AB shapefiles hold: dBase cuts field names to 10 characters."""
SHP_ROWS = [[r[0], r[1], r[3], r[4], r[5]] for r in COD_ROWS]

DRIVERS = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}


def write_layer(
    path: Path,
    geometries: list[BaseGeometry | None],
    fields: list[str],
    rows: list[list[Any]],
    crs: str | None = "EPSG:4326",
    geometry_type: str = "Polygon",
) -> Path:
    """Write a small layer with pyogrio, in the format the extension says."""
    columns = [np.array([r[i] for r in rows], dtype=object) for i in range(len(fields))]
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geometries], dtype=object)
    pyogrio.raw.write(
        path,
        wkb,
        columns,
        fields,
        driver=DRIVERS[path.suffix],
        geometry_type=geometry_type,
        crs=crs,
    )
    return path


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def square(x: float, y: float, size: float = 1.0) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [list(box(x, y, x + size, y + size).exterior.coords)]}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def problem_rows(result: Any) -> dict[int | None, str]:
    return {p.row: p.reason for p in result.problems}


# --- COD-AB files in the three GDAL formats -----------------------------------------------------


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_cod_ab_fields_are_detected_in_every_format(tmp_path: Path, suffix: str) -> None:
    fields, rows = (SHP_FIELDS, SHP_ROWS) if suffix == ".shp" else (COD_FIELDS, COD_ROWS)
    path = write_layer(tmp_path / f"mli_adm2{suffix}", list(COD_SHAPES), fields, rows)
    result = read_boundaries(path)
    assert result.level == "admin2"
    assert (result.name_field, result.pcode_field, result.parent_field) == (
        (fields[1], fields[0], fields[5 if suffix != ".shp" else 4])
    )
    assert len(result.problems) == 0
    by_pcode = {u.pcode: u for u in result.units}
    assert set(by_pcode) == {"ML0401", "ML0402", "ML0406"}
    baraoueli = by_pcode["ML0401"]
    assert (baraoueli.name_fr, baraoueli.parent_pcode) == ("Baraouéli", "ML04")
    assert baraoueli.name_en == ("Baraouéli" if suffix == ".shp" else "Baraoueli")
    assert set(baraoueli.alternates) == {"Baroueli", "Baraoueli"} - {baraoueli.name_en}
    assert by_pcode["ML0402"].alternates == ()  # "<Null>" is no name
    assert baraoueli.geometry is not None
    assert baraoueli.geometry.equals(COD_SHAPES[0])
    assert baraoueli.source == f"mli_adm2{suffix}#1"


def test_older_ocha_field_names(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "adm1.gpkg",
        [box(0, 0, 1, 1), box(1, 0, 2, 1)],
        ["ADM1_PCODE", "ADM1_FR", "ADM1_EN"],
        [["ML06", "Tombouctou", "Timbuktu"], ["ML07", "Gao", "Gao"]],
    )
    result = read_boundaries(path)
    assert result.level == "admin1"
    assert [(u.pcode, u.name_fr, u.name_en, u.parent_pcode) for u in result.units] == [
        ("ML06", "Tombouctou", "Timbuktu", None),
        ("ML07", "Gao", "Gao", None),
    ]


def test_explicit_fields_override_detection(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "custom.geojson",
        [box(0, 0, 1, 1)],
        ["code", "nom_cercle", "region"],
        [["X01", "Douentza", "Mopti"]],
    )
    with pytest.raises(FileRejected, match="cannot tell which administrative level"):
        read_boundaries(path)
    with pytest.raises(FileRejected, match="no name field found"):
        read_boundaries(path, level="admin2")
    result = read_boundaries(
        path, level="admin2", name_field="nom_cercle", pcode_field="code", parent_field="region"
    )
    (unit,) = result.units
    assert (unit.pcode, unit.name_fr, unit.parent_pcode) == ("X01", "Douentza", "Mopti")
    with pytest.raises(FileRejected, match=r"no P-code field 'pcode'.*code, nom_cercle, region"):
        read_boundaries(path, level="admin2", name_field="nom_cercle", pcode_field="pcode")


# --- TopoJSON -----------------------------------------------------------------------------------


def quantized_topology() -> dict[str, Any]:
    """Two squares sharing an edge, quantized; the second walks the shared arc backwards; a
    third feature is a MultiPolygon of a square with a hole and a separate square."""
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [-5.0, 10.0]},
        "arcs": [
            [[2, 0], [0, 4]],  # 0: shared edge x=-4, y 10 -> 11 (delta-encoded)
            [[2, 4], [-2, 0], [0, -4], [2, 0]],  # 1: west square's other edges
            [[2, 0], [2, 0], [0, 4], [-2, 0]],  # 2: east square's other edges
            [[10, 0], [4, 0], [0, 8], [-4, 0], [0, -8]],  # 3: big square x 0..2, y 10..12
            [[11, 2], [0, 2], [1, 0], [0, -2], [-1, 0]],  # 4: hole x .5..1, y 10.5..11
            [[20, 0], [2, 0], [0, 4], [-2, 0], [0, -4]],  # 5: x 5..6, y 10..11
        ],
        "objects": {
            "units": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"shapeName": "West"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"shapeName": "East"}},
                    {
                        "type": "MultiPolygon",
                        "arcs": [[[3], [4]], [[5]]],
                        "properties": {"shapeName": "Islands"},
                    },
                ],
            }
        },
    }


def test_topojson_quantized_arcs_negative_indices_holes_and_multipolygons(tmp_path: Path) -> None:
    path = write_json(tmp_path / "units.topojson", quantized_topology())
    result = read_boundaries(path, level="admin2")
    assert len(result.problems) == 0
    west, east, islands = (u.geometry for u in result.units)
    assert west is not None and east is not None and islands is not None
    assert west.equals(box(-5.0, 10.0, -4.0, 11.0))
    assert east.equals(box(-4.0, 10.0, -3.0, 11.0))
    assert west.touches(east)
    assert islands.geom_type == "MultiPolygon"
    expected = box(0, 10, 2, 12).difference(box(0.5, 10.5, 1.0, 11.0)).union(box(5, 10, 6, 11))
    assert islands.equals(expected)


def test_topojson_without_transform_and_as_plain_json(tmp_path: Path) -> None:
    topology = {
        "type": "Topology",
        "arcs": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]],
        "objects": {"a": {"type": "Polygon", "arcs": [[0]], "properties": {"shapeName": "Solo"}}},
    }
    result = read_boundaries(write_json(tmp_path / "solo.json", topology), level="admin1")
    (unit,) = result.units
    assert unit.geometry is not None and unit.geometry.equals(box(0, 0, 1, 1))


def test_topojson_bad_features_are_reported_by_number(tmp_path: Path) -> None:
    topology = quantized_topology()
    members = topology["objects"]["units"]["geometries"]
    members.append({"type": "Polygon", "arcs": [[99]], "properties": {"shapeName": "Broken"}})
    members.append({"type": "Point", "coordinates": [1, 1], "properties": {"shapeName": "Dot"}})
    members.append({"type": None, "properties": {"shapeName": "Nothing"}})
    members.append({"type": "Polygon", "arcs": [[5]], "properties": {"shapeName": ""}})
    result = read_boundaries(write_json(tmp_path / "t.topojson", topology), level="admin2")
    assert [u.name_fr for u in result.units] == ["West", "East", "Islands"]
    reasons = problem_rows(result)
    assert "arc index 99 refers to a missing arc" in reasons[4]
    assert reasons[5] == "not a polygon but a Point"
    assert "empty" in reasons[6]
    assert reasons[7] == "no name"


def test_topojson_with_several_objects_needs_a_layer(tmp_path: Path) -> None:
    topology = quantized_topology()
    topology["objects"]["other"] = topology["objects"]["units"]
    path = write_json(tmp_path / "two.topojson", topology)
    with pytest.raises(FileRejected, match="several objects"):
        read_boundaries(path, level="admin2")
    assert len(read_boundaries(path, level="admin2", layer="other").units) == 3
    with pytest.raises(FileRejected, match="no object 'nope'"):
        read_boundaries(path, level="admin2", layer="nope")


# --- bad files ----------------------------------------------------------------------------------


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "regions.geojson"
    path.write_text("admin1,pcode\nKayes,ML01\n", encoding="utf-8")
    with pytest.raises(FileRejected, match=r"not JSON: Expecting value at line 1") as caught:
        read_boundaries(path)
    assert str(caught.value).startswith(str(path))
    assert "Traceback" not in str(caught.value)


def test_binary_file_with_json_extension(tmp_path: Path) -> None:
    path = tmp_path / "regions.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(FileRejected, match="not JSON"):
        read_boundaries(path)


def test_json_without_polygons(tmp_path: Path) -> None:
    points = collection(
        feature({"type": "Point", "coordinates": [-4.0, 14.5]}, shapeName="Mopti"),
        feature({"type": "Point", "coordinates": [-0.04, 16.27]}, shapeName="Gao"),
    )
    path = write_json(tmp_path / "towns.geojson", points)
    with pytest.raises(FileRejected, match=r"no polygons: the features hold Point \(2\)"):
        read_boundaries(path, level="admin1")


def test_json_that_is_neither_geojson_nor_topojson(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="neither GeoJSON nor TopoJSON"):
        read_boundaries(write_json(tmp_path / "x.json", {"regions": ["Kayes"]}))
    with pytest.raises(FileRejected, match="not TopoJSON"):
        read_boundaries(write_json(tmp_path / "x.topojson", collection()))


def test_empty_feature_collection(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="holds no features"):
        read_boundaries(write_json(tmp_path / "empty.geojson", collection()), level="admin1")


def test_shapefile_missing_its_dbf(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "adm2.shp", list(COD_SHAPES), SHP_FIELDS, SHP_ROWS)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(FileRejected, match=r"shapefile without its \.dbf file"):
        read_boundaries(path)


def test_shapefile_missing_its_shx(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "adm2.shp", list(COD_SHAPES), SHP_FIELDS, SHP_ROWS)
    path.with_suffix(".shx").unlink()
    with pytest.raises(FileRejected, match=r"without its \.shx file"):
        read_boundaries(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("regions.csv", "unknown boundary file format '.csv'"),
        ("regions.zip", "unzip it first"),
        ("regions", "unknown boundary file format '(none)'"),
    ],
)
def test_wrong_extension(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text("whatever", encoding="utf-8")
    with pytest.raises(FileRejected, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_boundaries(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="no such file"):
        read_boundaries(tmp_path / "nothing.gpkg")
    folder = tmp_path / "folder.gpkg"
    folder.mkdir()
    with pytest.raises(FileRejected, match="is a folder"):
        read_boundaries(folder)


def test_corrupt_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"this is not a database" * 10)
    with pytest.raises(FileRejected, match="not a readable GeoPackage file"):
        read_boundaries(path)


def test_geopackage_with_several_layers(tmp_path: Path) -> None:
    path = tmp_path / "mli.gpkg"
    fields = ["admin1Pcode", "admin1Name_fr"]
    write_layer(path, [box(0, 0, 1, 1)], fields, [["ML07", "Gao"]])
    columns = [np.array(["ML08"], dtype=object), np.array(["Kidal"], dtype=object)]
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(box(0, 1, 1, 2))], dtype=object),
        columns,
        fields,
        driver="GPKG",
        geometry_type="Polygon",
        crs="EPSG:4326",
        layer="second",
        append=True,
    )
    with pytest.raises(FileRejected, match="several layers"):
        read_boundaries(path)
    (unit,) = read_boundaries(path, layer="second").units
    assert unit.pcode == "ML08"
    with pytest.raises(FileRejected, match="no layer 'third'"):
        read_boundaries(path, layer="third")


# --- bad features in a good file ----------------------------------------------------------------


def test_bad_features_are_reported_and_good_ones_kept(tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}
    data = collection(
        feature(square(0, 0), admin1Pcode="ML01", admin1Name_fr="Kayes"),  # 1 good
        feature(None, admin1Pcode="ML02", admin1Name_fr="Koulikoro"),  # 2 no geometry
        feature(bowtie, admin1Pcode="ML03", admin1Name_fr="Sikasso"),  # 3 repaired
        feature(flat, admin1Pcode="ML04", admin1Name_fr="Ségou"),  # 4 cannot be repaired
        feature(square(1, 0), admin1Pcode="ML05", admin1Name_fr=None),  # 5 no name
        feature(square(2, 0), admin1Pcode="ML01", admin1Name_fr="Kayes bis"),  # 6 duplicate
        feature({"type": "Point", "coordinates": [1, 1]}, admin1Pcode="ML06", admin1Name_fr="T"),
        feature(square(3, 0), admin1Pcode="ML07", admin1Name_fr="  Gao "),  # 8 good
    )
    result = read_boundaries(write_json(tmp_path / "adm1.geojson", data))
    assert [u.pcode for u in result.units] == ["ML01", "ML03", "ML07"]
    assert result.units[-1].name_fr == "Gao"
    assert result.repaired == [3]
    sikasso = result.units[1].geometry
    assert sikasso is not None and sikasso.is_valid and sikasso.geom_type == "MultiPolygon"
    reasons = problem_rows(result)
    assert set(reasons) == {2, 4, 5, 6, 7}
    assert "no geometry" in reasons[2]
    assert "cannot be repaired" in reasons[4]
    assert reasons[5] == "no name"
    assert "P-code already used by feature 1" in reasons[6]
    assert reasons[7] == "not a polygon but a Point"
    problem = next(p for p in result.problems if p.row == 6)
    assert str(problem).startswith(f"{tmp_path / 'adm1.geojson'}, row 6, column 'admin1Pcode'")


def test_unclosed_ring_is_repaired_and_a_two_point_ring_reported(tmp_path: Path) -> None:
    unclosed = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    two_points = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}
    data = collection(
        feature(unclosed, admin1Pcode="ML01", admin1Name_fr="Kayes"),
        feature(two_points, admin1Pcode="ML02", admin1Name_fr="Koulikoro"),
        feature(square(5, 5), admin1Pcode="ML03", admin1Name_fr="Sikasso"),
    )
    result = read_boundaries(write_json(tmp_path / "rings.geojson", data))
    assert [u.pcode for u in result.units] == ["ML01", "ML03"]
    assert result.repaired == [1]  # the ring was closed
    assert "cannot be repaired" in problem_rows(result)[2]


# --- coordinate reference systems ---------------------------------------------------------------


@pytest.mark.skipif(HAS_PYPROJ, reason="pyproj installed: the file is reprojected instead")
def test_projected_file_is_refused_without_pyproj(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "utm.gpkg",
        [box(500000, 1600000, 510000, 1610000)],
        ["admin1Pcode", "admin1Name_fr"],
        [["ML05", "Mopti"]],
        crs="EPSG:32630",
    )
    with pytest.raises(FileRejected, match=r"coordinates are in EPSG:32630.*pyproj"):
        read_boundaries(path)


@pytest.mark.skipif(not HAS_PYPROJ, reason="reprojection needs the optional pyproj package")
def test_projected_file_is_reprojected_with_pyproj(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "utm.gpkg",
        [box(500000, 1600000, 510000, 1610000)],
        ["admin1Pcode", "admin1Name_fr"],
        [["ML05", "Mopti"]],
        crs="EPSG:32630",
    )
    result = read_boundaries(path)
    (unit,) = result.units
    assert unit.geometry is not None
    west, south, _, _ = unit.geometry.bounds
    assert -3.1 < west < -2.9 and 14.4 < south < 14.5  # UTM 30N, central meridian 3°W
    assert any("reprojected" in n for n in result.notes)


def test_wgs84_crs84_is_accepted(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "crs84.gpkg", [box(0, 0, 1, 1)], ["admin1Name_fr"], [["Gao"]], crs="OGC:CRS84"
    )
    assert len(read_boundaries(path, level="admin1").units) == 1


def test_shapefile_without_prj(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "noprj.shp", [box(-4, 14, -3, 15)], ["ADM1_FR"], [["Mopti"]])
    path.with_suffix(".prj").unlink()
    result = read_boundaries(path, level="admin1")
    assert len(result.units) == 1
    assert any("no coordinate reference system" in n for n in result.notes)

    far = write_layer(
        tmp_path / "far.shp", [box(500000, 1600000, 510000, 1610000)], ["ADM1_FR"], [["Mopti"]]
    )
    far.with_suffix(".prj").unlink()
    with pytest.raises(FileRejected, match="not longitude/latitude"):
        read_boundaries(far, level="admin1")


def test_multipolygon_layer_and_z_coordinates(tmp_path: Path) -> None:
    shape = shapely.force_3d(shapely.multipolygons([box(0, 0, 1, 1), box(2, 2, 3, 3)]))
    path = write_layer(
        tmp_path / "z.gpkg",
        [shape],
        ["admin1Name_fr"],
        [["Kidal"]],
        geometry_type="MultiPolygon Z",
    )
    (unit,) = read_boundaries(path, level="admin1").units
    assert unit.geometry is not None and not shapely.has_z(unit.geometry)
    assert unit.geometry.area == pytest.approx(2.0)


def test_point_is_not_a_boundary_even_with_polygons(tmp_path: Path) -> None:
    data = collection(
        feature(square(0, 0), shapeName="A", shapeType="ADM1"),
        feature(Point(0, 0).__geo_interface__, shapeName="B", shapeType="ADM1"),
    )
    result = read_boundaries(write_json(tmp_path / "mixed.geojson", data))
    assert result.level == "admin1"
    assert [u.name_fr for u in result.units] == ["A"]
    assert problem_rows(result) == {2: "not a polygon but a Point"}
    assert Polygon(square(0, 0)["coordinates"][0]).equals(result.units[0].geometry)


# --- the real geoBoundaries files ---------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.parametrize(("level", "count"), [(1, 9), (2, 50)])
def test_geoboundaries_topojson(shared_data: Path, level: int, count: int) -> None:
    path = shared_data / "boundaries" / f"geoBoundaries-MLI-ADM{level}_simplified.topojson"
    result = read_boundaries(path)
    assert result.level == f"admin{level}"
    assert result.name_field == "shapeName"
    assert result.pcode_field is None
    assert len(result.units) == count
    assert len(result.problems) == 0
    assert all(u.pcode == "" for u in result.units)
    assert all(u.geometry is not None and u.geometry.is_valid for u in result.units)
    names = {u.name_fr for u in result.units}
    assert ("Koulikouro" in names) if level == 1 else ("Gourma-Rharous" in names)
    outline = shapely.union_all([u.geometry for u in result.units])
    west, south, east, north = outline.bounds
    assert (-12.3 < west < -12.1) and (10.1 < south < 10.2) and (4.2 < east < 4.3)
    assert 24.9 < north < 25.1
