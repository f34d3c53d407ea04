"""Administrative boundary files → :class:`~sentinelle.domain.places.AdminUnit` records.

Reads the formats analysts are given or download: GeoJSON (``.geojson``, ``.json``), TopoJSON
(``.topojson``, or ``.json`` holding a ``"Topology"``; geoBoundaries publishes these), GeoPackage
(``.gpkg``) and ESRI Shapefile (``.shp`` with its ``.shx`` and ``.dbf``). GeoJSON, GeoPackage and
Shapefile go through GDAL (pyogrio); TopoJSON is decoded here, so that each feature's problem can
be reported by its number.

Which attribute holds what is detected for the two common publishers, and can be overridden:

* **OCHA COD-AB** (HDX): ``admin2Pcode``, ``admin2Name_fr``, ``admin2Name_en``, ``admin2RefName``,
  ``admin2AltName1_fr`` …, parent ``admin1Pcode`` (older files: ``ADM2_PCODE``, ``ADM2_FR`` …).
* **geoBoundaries**: ``shapeName``, ``shapeISO``, ``shapeID``, ``shapeType`` (``ADM1``/``ADM2``).
  These files carry no P-codes: :func:`sentinelle.geo.gazetteer.assign_pcodes` gives them P-codes
  by matching names.

Failures are reported as :mod:`sentinelle.readers.problems` defines them: a file that is not a
boundary file at all raises :class:`FileRejected`; a single bad feature (no geometry, a geometry
that cannot be repaired, no name, a duplicated P-code) is left out and reported as a
:class:`Problem` whose ``row`` is the feature number (1 = the first feature of the layer), while
the good features are kept. Geometries that are invalid but repairable (self-intersections, rings
that are not closed) are repaired with ``shapely.make_valid`` and listed in
:attr:`BoundaryFile.repaired`.

Coordinates are returned in WGS 84 longitude/latitude. A file in another coordinate reference
system is reprojected when the optional ``pyproj`` package is installed, and refused with an
explanation otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyogrio
import pyogrio.errors
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from sentinelle.domain.places import LEVELS, AdminUnit, Level
from sentinelle.readers.problems import FileRejected, ProblemLog
from sentinelle.readers.topojson import TopologyError, decode_topology

FORMATS: Mapping[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON or TopoJSON",
    ".topojson": "TopoJSON",
    ".gpkg": "GeoPackage",
    ".shp": "ESRI Shapefile",
}
"""File extensions Sentinelle reads as boundary files, and what each is expected to hold."""

MISSING_VALUES = frozenset({"", "<null>", "null", "none", "nan", "n/a"})
"""Attribute values that mean "no value" (COD-AB files write ``<Null>``)."""

WGS84_NAMES = frozenset(
    {
        "EPSG:4326",
        "OGC:CRS84",
        "CRS84",
        "URN:OGC:DEF:CRS:OGC:1.3:CRS84",
        "URN:OGC:DEF:CRS:EPSG::4326",
    }
)

GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)


@dataclass
class BoundaryFile:
    """What was read from one boundary file.

    ``units`` are the good features as admin units (``pcode`` is ``""`` when the file has no
    P-codes, as in geoBoundaries); ``problems`` the features left out and why; ``repaired`` the
    numbers of features whose geometry had to be repaired; ``notes`` what the reader assumed
    (e.g. a file without a declared coordinate system read as longitude/latitude). The field
    names say which attributes were used, so an analyst can check the detection.
    """

    file: str
    level: Level
    units: list[AdminUnit]
    problems: ProblemLog
    name_field: str
    pcode_field: str | None = None
    parent_field: str | None = None
    crs: str | None = None
    repaired: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Layer:
    """Features as read from a file, before interpretation."""

    properties: list[dict[str, Any]]
    geometries: list[BaseGeometry | None]
    fields: list[str]
    crs: str | None
    read_errors: dict[int, str] = field(default_factory=dict)  # feature number -> reason
    read_repaired: set[int] = field(default_factory=set)
    other_kinds: dict[int, str] = field(default_factory=dict)  # feature number -> geometry type


def read_boundaries(
    path: str | Path,
    *,
    level: Level | None = None,
    name_field: str | None = None,
    pcode_field: str | None = None,
    parent_field: str | None = None,
    layer: str | None = None,
) -> BoundaryFile:
    """Read the admin units (regions, cercles …) of a boundary file.

    ``level`` says which level the file holds (``"admin1"`` regions, ``"admin2"`` cercles); it is
    detected from geoBoundaries' ``shapeType`` or COD-AB field names when not given.
    ``name_field``, ``pcode_field`` and ``parent_field`` name the attributes to use when the
    detection does not fit the file; ``layer`` picks a layer (GeoPackage) or object (TopoJSON)
    in files that hold several. Raises :class:`FileRejected` when the file is not a readable
    boundary file; bad features are listed in the result's ``problems``.
    """
    file = Path(path)
    if not file.exists():
        raise FileRejected(file, "no such file")
    if file.is_dir():
        raise FileRejected(file, "is a folder, not a boundary file")
    suffix = file.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(f"{ext} ({kind})" for ext, kind in FORMATS.items())
        hint = " (unzip it first)" if suffix == ".zip" else ""
        raise FileRejected(
            file,
            f"unknown boundary file format {suffix or '(none)'!r}{hint}; Sentinelle reads {known}",
        )
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")

    if suffix in (".geojson", ".json", ".topojson"):
        data = _load_json(file)
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "Topology":
            raw = _read_topojson(file, data, layer)
        elif suffix == ".topojson":
            raise FileRejected(file, f"not TopoJSON: the JSON 'type' is {kind!r}, not 'Topology'")
        elif kind in ("FeatureCollection", "Feature"):
            raw = _read_with_gdal(file, layer=None)
        else:
            raise FileRejected(
                file,
                f"JSON but neither GeoJSON nor TopoJSON: the top-level 'type' is {kind!r}, "
                "expected 'FeatureCollection' or 'Topology'",
            )
    elif suffix == ".shp":
        _check_shapefile_parts(file)
        raw = _read_with_gdal(file, layer=None)
    else:
        raw = _read_with_gdal(file, layer=layer)
    return _interpret(file, raw, level, name_field, pcode_field, parent_field)


# --- reading ------------------------------------------------------------------------------------


def _load_json(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(file, f"not JSON: not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file, f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None


def _check_shapefile_parts(file: Path) -> None:
    stem = file.stem.lower()
    siblings = {p.suffix.lower() for p in file.parent.iterdir() if p.stem.lower() == stem}
    for ext, what in ((".shx", "shape index"), (".dbf", "attribute table, with the unit names")):
        if ext not in siblings:
            raise FileRejected(
                file,
                f"shapefile without its {ext} file ({what}); a shapefile is several files "
                f"side by side: copy {file.stem}.shp, .shx, .dbf and .prj together",
            )


def _read_with_gdal(file: Path, layer: str | None) -> _Layer:
    try:
        layers = pyogrio.list_layers(file)
    except (*GDAL_ERRORS, OSError) as error:
        message = f"not a readable {_kind(file)} file: {_gdal_message(error)}"
        raise FileRejected(file, message) from None
    names = [str(name) for name, _ in layers]
    if not names:
        raise FileRejected(file, "holds no layer")
    if layer is not None:
        if layer not in names:
            raise FileRejected(file, f"no layer {layer!r}; its layers are {', '.join(names)}")
        chosen = layer
    elif len(names) == 1:
        chosen = names[0]
    else:
        polygonal = [str(n) for n, g in layers if g and "polygon" in str(g).lower()]
        if len(polygonal) != 1:
            raise FileRejected(
                file,
                f"holds several layers ({', '.join(names)}); say which one to read (layer=...)",
            )
        chosen = polygonal[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's per-feature warnings: reported below
            meta, _, wkb, field_data = pyogrio.raw.read(file, layer=chosen)
    except GDAL_ERRORS as error:
        message = f"not a readable {_kind(file)} file: {_gdal_message(error)}"
        raise FileRejected(file, message) from None
    if wkb is None:
        raise FileRejected(file, "has no geometry column: admin boundaries must be polygons")
    fields = [str(f) for f in meta["fields"]]
    count = len(wkb)
    properties = [
        {name: _plain(values[i]) for name, values in zip(fields, field_data, strict=True)}
        for i in range(count)
    ]
    geometries: list[BaseGeometry | None] = []
    errors: dict[int, str] = {}
    repaired: set[int] = set()
    for number, blob in enumerate(wkb, start=1):
        if blob is None:
            geometries.append(None)
            continue
        try:
            geometries.append(shapely.from_wkb(blob))
        except GEOSException as error:
            fixed = shapely.from_wkb(blob, on_invalid="fix")
            geometries.append(fixed)
            if fixed is None or fixed.is_empty:
                errors[number] = f"geometry cannot be read: {_geos_message(error)}"
            else:
                repaired.add(number)
    return _Layer(properties, geometries, fields, meta.get("crs"), errors, repaired)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _kind(file: Path) -> str:
    return FORMATS.get(file.suffix.lower(), file.suffix)


def _gdal_message(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _geos_message(error: BaseException) -> str:
    return str(error).split(":", 1)[-1].strip()


# --- TopoJSON -----------------------------------------------------------------------------------


def _read_topojson(file: Path, topology: dict[str, Any], layer: str | None) -> _Layer:
    try:
        features = decode_topology(topology, layer)
    except TopologyError as error:
        raise FileRejected(file, str(error)) from None
    fields: dict[str, None] = {}
    for feature in features:
        fields.update(dict.fromkeys(feature.properties))
    return _Layer(
        properties=[f.properties for f in features],
        geometries=[f.geometry for f in features],
        fields=list(fields),
        crs=None,
        read_errors={f.number: f.error for f in features if f.error},
        other_kinds={f.number: f.other_type for f in features if f.other_type},
    )


# --- interpretation -----------------------------------------------------------------------------


def _candidates(n: int) -> dict[str, list[str]]:
    return {
        # shapefile field names are cut to 10 characters: admin2Pcode -> admin2Pcod
        "pcode": [f"admin{n}Pcode", f"admin{n}Pcod", f"ADM{n}_PCODE", "pcode"],
        "name": [
            f"admin{n}Name_fr",
            f"ADM{n}_FR",
            f"admin{n}Name",
            f"ADM{n}_NAME",
            f"admin{n}Name_en",
            f"ADM{n}_EN",
            "shapeName",
            "name",
            "nom",
        ],
        "name_en": [f"admin{n}Name_en", f"ADM{n}_EN"],
        "alternates": [
            f"admin{n}RefName",
            f"admin{n}AltName1_fr",
            f"admin{n}AltName2_fr",
            f"admin{n}AltName1_en",
            f"admin{n}AltName2_en",
            f"admin{n}RefN",
            f"admin{n}AltN",
            f"ADM{n}_REF",
            f"ADM{n}ALT1FR",
            f"ADM{n}ALT2FR",
            f"ADM{n}ALT1EN",
            f"ADM{n}ALT2EN",
            "shapeISO",  # geoBoundaries: the ISO 3166-2 code of regions, e.g. ML-7 for Gao
        ],
        "parent": [f"admin{n - 1}Pcode", f"admin{n - 1}Pcod", f"ADM{n - 1}_PCODE"]
        if n >= 2
        else [],
    }


def _find_field(fields: Sequence[str], wanted: Sequence[str]) -> str | None:
    lower = {f.lower(): f for f in fields}
    for name in wanted:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def _explicit_field(file: Path, fields: Sequence[str], name: str, role: str) -> str:
    found = _find_field(fields, [name])
    if found is None:
        raise FileRejected(
            file, f"no {role} field {name!r}; the fields are: {', '.join(fields) or '(none)'}"
        )
    return found


def _detect_level(layer: _Layer) -> Level | None:
    fields = layer.fields
    for key in ("shapeType", "Level"):
        found = _find_field(fields, [key])
        if found is None:
            continue
        values = Counter(str(p.get(found, "")).upper() for p in layer.properties)
        value = values.most_common(1)[0][0] if values else ""
        match = re.fullmatch(r"ADM([0-3])", value)
        if match:
            return LEVELS[int(match.group(1))]
    for n in (3, 2, 1, 0):
        if _find_field(fields, [*_candidates(n)["pcode"][:3], f"admin{n}Name_fr"]):
            return LEVELS[n]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return None if text.lower() in MISSING_VALUES else text


def _interpret(
    file: Path,
    raw: _Layer,
    level: Level | None,
    name_field: str | None,
    pcode_field: str | None,
    parent_field: str | None,
) -> BoundaryFile:
    if not raw.geometries:
        raise FileRejected(file, "holds no features")
    notes: list[str] = []
    geometries = _to_wgs84(file, raw, notes)

    level = level or _detect_level(raw)
    if level is None:
        raise FileRejected(
            file,
            "cannot tell which administrative level the file holds (no geoBoundaries "
            "'shapeType', no COD-AB 'adminNPcode' field); say level='admin1' (regions) or "
            "level='admin2' (cercles)",
        )
    n = LEVELS.index(level)
    wanted = _candidates(n)
    fields = raw.fields
    if name_field is not None:
        name_col = _explicit_field(file, fields, name_field, "name")
    else:
        found = _find_field(fields, wanted["name"])
        if found is None:
            raise FileRejected(
                file,
                f"no name field found (looked for {', '.join(wanted['name'])}); the fields "
                f"are: {', '.join(fields) or '(none)'}; say which one holds the names "
                "(name_field=...)",
            )
        name_col = found
    en_col = _find_field(fields, wanted["name_en"])
    pcode_col = (
        _explicit_field(file, fields, pcode_field, "P-code")
        if pcode_field is not None
        else _find_field(fields, wanted["pcode"])
    )
    parent_col = (
        _explicit_field(file, fields, parent_field, "parent")
        if parent_field is not None
        else _find_field(fields, wanted["parent"])
    )
    alternate_cols = [f for f in (_find_field(fields, [a]) for a in wanted["alternates"]) if f]

    problems = ProblemLog()
    units: list[AdminUnit] = []
    repaired: list[int] = []
    seen_pcodes: dict[str, int] = {}
    polygons_seen = False
    for number, (props, geometry) in enumerate(zip(raw.properties, geometries, strict=True), 1):
        if number in raw.read_errors:
            problems.add(file, number, "geometry", None, raw.read_errors[number])
            continue
        if number in raw.other_kinds:
            problems.add(
                file, number, "geometry", None, f"not a polygon but a {raw.other_kinds[number]}"
            )
            continue
        polygon, was_repaired, reason = _polygonal(geometry)
        if polygon is None:
            problems.add(file, number, "geometry", None, reason)
            continue
        polygons_seen = True
        name = _text(props.get(name_col))
        if name is None:
            problems.add(file, number, name_col, props.get(name_col), "no name")
            continue
        pcode = (_text(props.get(pcode_col)) if pcode_col else None) or ""
        if pcode:
            if pcode in seen_pcodes:
                problems.add(
                    file,
                    number,
                    pcode_col,
                    pcode,
                    f"P-code already used by feature {seen_pcodes[pcode]}; feature left out",
                )
                continue
            seen_pcodes[pcode] = number
        if was_repaired or number in raw.read_repaired:
            repaired.append(number)
        name_en = (_text(props.get(en_col)) if en_col else None) or name
        alternates = tuple(
            dict.fromkeys(
                v
                for v in (_text(props.get(c)) for c in alternate_cols)
                if v is not None and v not in (name, name_en)
            )
        )
        units.append(
            AdminUnit(
                pcode=pcode,
                level=level,
                name_fr=name,
                name_en=name_en,
                parent_pcode=_text(props.get(parent_col)) if parent_col else None,
                alternates=alternates,
                geometry=polygon,
                source=f"{file.name}#{number}",
            )
        )
    if not polygons_seen:
        kinds = Counter(g.geom_type for g in geometries if g is not None and not g.is_empty)
        kinds.update(raw.other_kinds.values())
        what = ", ".join(f"{k} ({v})" for k, v in kinds.items()) or "only empty geometries"
        raise FileRejected(
            file, f"no polygons: the features hold {what}; admin boundaries must be polygons"
        )
    return BoundaryFile(
        file=str(file),
        level=level,
        units=units,
        problems=problems,
        name_field=name_col,
        pcode_field=pcode_col,
        parent_field=parent_col,
        crs=raw.crs,
        repaired=repaired,
        notes=notes,
    )


def _polygonal(geometry: BaseGeometry | None) -> tuple[BaseGeometry | None, bool, str]:
    """The polygonal part of a geometry, repaired if needed: (geometry, repaired?, reason)."""
    if geometry is None or geometry.is_empty:
        return None, False, "no geometry (empty)"
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    if geometry.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return None, False, f"not a polygon but a {geometry.geom_type}"
    repaired = False
    if not geometry.is_valid:
        why = shapely.is_valid_reason(geometry)
        geometry = shapely.make_valid(geometry)
        repaired = True
        polygon = _polygon_parts(geometry)
        if polygon is None:
            return None, False, f"invalid geometry ({why}) that cannot be repaired into a polygon"
        return polygon, repaired, ""
    polygon = _polygon_parts(geometry)
    if polygon is None:
        return None, False, f"no polygon in the {geometry.geom_type}"
    return polygon, repaired, ""


def _polygon_parts(geometry: BaseGeometry) -> BaseGeometry | None:
    parts = [
        p
        for p in shapely.get_parts(shapely.get_parts(geometry))
        if p.geom_type == "Polygon" and not p.is_empty and p.area > 0
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


# --- coordinate systems -------------------------------------------------------------------------


def _is_wgs84(crs: str) -> bool:
    text = crs.strip()
    if text.upper() in WGS84_NAMES:
        return True
    upper = text.upper()
    if upper.startswith(("PROJCS", "PROJCRS")):
        return False
    return upper.startswith(("GEOGCS", "GEOGCRS")) and (
        "WGS 84" in upper or "WGS_1984" in upper or "WGS84" in upper
    )


def _crs_label(crs: str) -> str:
    match = re.match(r'\s*[A-Z]+\["([^"]+)"', crs)
    return match.group(1) if match else crs


def _bounds(geometries: Sequence[BaseGeometry | None]) -> tuple[float, float, float, float] | None:
    present = [g for g in geometries if g is not None and not g.is_empty]
    if not present:
        return None
    b = shapely.total_bounds(np.array(present, dtype=object))
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def _looks_like_lonlat(bounds: tuple[float, float, float, float] | None) -> bool:
    if bounds is None:
        return True
    west, south, east, north = bounds
    return -180.0 <= west <= east <= 180.0 and -90.0 <= south <= north <= 90.0


def _to_wgs84(file: Path, raw: _Layer, notes: list[str]) -> list[BaseGeometry | None]:
    geometries = raw.geometries
    if raw.crs is None:
        if not _looks_like_lonlat(_bounds(geometries)):
            raise FileRejected(
                file,
                "declares no coordinate reference system (a shapefile's .prj missing?) and its "
                "coordinates are not longitude/latitude; give the file in WGS 84 (EPSG:4326)",
            )
        if file.suffix.lower() == ".shp":
            notes.append("no coordinate reference system declared (no .prj): read as WGS 84")
        return geometries
    if _is_wgs84(raw.crs):
        if not _looks_like_lonlat(_bounds(geometries)):
            raise FileRejected(file, "declares WGS 84 but has coordinates outside ±180°/±90°")
        return geometries
    label = _crs_label(raw.crs)
    transform = _transformer(raw.crs)
    if transform is None:
        raise FileRejected(
            file,
            f"coordinates are in {label}, not WGS 84 longitude/latitude (EPSG:4326), and "
            "reprojecting needs the optional 'pyproj' package, which is not installed; "
            f"reproject the file first (e.g. ogr2ogr -t_srs EPSG:4326 out.gpkg {file.name}) "
            "or install pyproj",
        )
    out = [None if g is None else shapely.transform(g, transform) for g in geometries]
    notes.append(f"reprojected from {label} to WGS 84")
    if not _looks_like_lonlat(_bounds(out)):
        raise FileRejected(file, f"reprojection from {label} gave coordinates off the globe")
    return out


def _transformer(
    crs: str,
) -> Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]] | None:
    if importlib.util.find_spec("pyproj") is None:
        return None
    import pyproj

    try:
        transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except pyproj.exceptions.CRSError:
        return None

    def apply(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return apply
