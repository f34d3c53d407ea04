"""A small TopoJSON decoder, for the boundary files geoBoundaries publishes.

TopoJSON (https://github.com/topojson/topojson-specification) stores each border once, as an
*arc*, and builds polygons from lists of arc indices: a negative index ``~i`` means arc ``i``
walked backwards. Arcs may be *quantized*: integer positions, each a delta from the previous one,
turned back into coordinates with the topology's ``transform`` (``scale`` and ``translate``).

Only what admin boundaries need is decoded: Polygon and MultiPolygon geometries, with their
``properties``. Other geometry types are reported by name so the caller can say what the file
holds instead of polygons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.errors import GEOSException
from shapely.geometry import LinearRing, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

Arcs = list[npt.NDArray[np.float64]]

OTHER_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection")
"""Valid TopoJSON geometry types that are not polygons."""


class TopologyError(ValueError):
    """The topology as a whole cannot be decoded; the message says why."""


class _BadGeometry(ValueError):
    pass


class _NotPolygon(ValueError):
    pass


@dataclass
class TopoFeature:
    """One member of a TopoJSON object. ``number`` counts from 1. ``geometry`` is None when the
    member could not be decoded (``error`` says why) or is not polygonal (``other_type``)."""

    number: int
    properties: dict[str, Any] = field(default_factory=dict)
    geometry: BaseGeometry | None = None
    error: str | None = None
    other_type: str | None = None


def decode_topology(
    topology: Mapping[str, Any], object_name: str | None = None
) -> list[TopoFeature]:
    """The features of one object of a TopoJSON topology, with WGS 84 (or the file's own)
    coordinates. ``object_name`` is required when the topology holds several objects."""
    objects = topology.get("objects")
    if not isinstance(objects, dict) or not objects:
        raise TopologyError("TopoJSON without 'objects': it holds no features")
    if object_name is not None:
        if object_name not in objects:
            raise TopologyError(f"no object {object_name!r}; its objects are {', '.join(objects)}")
        chosen = object_name
    elif len(objects) == 1:
        chosen = next(iter(objects))
    else:
        raise TopologyError(
            f"holds several objects ({', '.join(objects)}); say which one to read (layer=...)"
        )
    arcs = decode_arcs(topology)
    obj = objects[chosen]
    if not isinstance(obj, dict):
        raise TopologyError(f"broken TopoJSON: object {chosen!r} is not a JSON object")
    members = obj.get("geometries") if obj.get("type") == "GeometryCollection" else [obj]
    if not isinstance(members, list):
        raise TopologyError(f"broken TopoJSON: object {chosen!r} has no 'geometries' list")

    features = []
    for number, member in enumerate(members, start=1):
        if not isinstance(member, dict):
            features.append(TopoFeature(number, error="not a TopoJSON geometry object"))
            continue
        props = member.get("properties")
        feature = TopoFeature(number, props if isinstance(props, dict) else {})
        try:
            feature.geometry = _geometry(member, arcs)
        except _NotPolygon as kind:
            feature.other_type = str(kind)
        except _BadGeometry as error:
            feature.error = f"geometry cannot be read: {error}"
        features.append(feature)
    return features


def decode_arcs(topology: Mapping[str, Any]) -> Arcs:
    """The topology's arcs as arrays of (x, y) positions, de-quantized if it has a transform."""
    raw_arcs = topology.get("arcs")
    if not isinstance(raw_arcs, list):
        raise TopologyError("broken TopoJSON: no 'arcs' list")
    transform = topology.get("transform")
    scale = translate = None
    if transform is not None:
        try:
            scale = np.asarray(transform["scale"], dtype="float64").reshape(2)
            translate = np.asarray(transform["translate"], dtype="float64").reshape(2)
        except (KeyError, TypeError, ValueError):
            raise TopologyError(
                "broken TopoJSON: 'transform' needs 'scale' and 'translate' pairs"
            ) from None
    arcs: Arcs = []
    for index, arc in enumerate(raw_arcs):
        try:
            positions = np.asarray([p[:2] for p in arc], dtype="float64").reshape(-1, 2)
        except (TypeError, ValueError, IndexError):
            raise TopologyError(
                f"broken TopoJSON: arc {index} is not a list of [x, y] positions"
            ) from None
        if scale is not None and translate is not None:
            positions = np.cumsum(positions, axis=0) * scale + translate
        arcs.append(positions)
    return arcs


def _ring(indices: Any, arcs: Arcs) -> npt.NDArray[np.float64]:
    if not isinstance(indices, list) or not indices:
        raise _BadGeometry("a ring is not a list of arc indices")
    parts = []
    for k, index in enumerate(indices):
        if not isinstance(index, int) or isinstance(index, bool):
            raise _BadGeometry(f"arc index {index!r} is not an integer")
        real = index if index >= 0 else ~index
        if real >= len(arcs):
            raise _BadGeometry(f"arc index {index} refers to a missing arc ({len(arcs)} arcs)")
        coords = arcs[real] if index >= 0 else arcs[real][::-1]
        parts.append(coords if k == 0 else coords[1:])  # the shared end point is written once
    return np.concatenate(parts)


def _polygon(rings: Any, arcs: Arcs) -> Polygon:
    if not isinstance(rings, list) or not rings:
        return Polygon()
    coords = [_ring(r, arcs) for r in rings]
    for ring in coords:
        if len(ring) < 4:
            raise _BadGeometry(f"a ring has {len(ring)} positions, a closed ring needs 4")
    try:
        return Polygon(LinearRing(coords[0]), [LinearRing(c) for c in coords[1:]])
    except (ValueError, GEOSException) as error:
        raise _BadGeometry(str(error)) from None


def _geometry(member: Mapping[str, Any], arcs: Arcs) -> BaseGeometry:
    kind = member.get("type")
    if kind is None:  # a null geometry
        return Polygon()
    if kind == "Polygon":
        return _polygon(member.get("arcs"), arcs)
    if kind == "MultiPolygon":
        polygons = member.get("arcs")
        if not isinstance(polygons, list):
            raise _BadGeometry("MultiPolygon 'arcs' is not a list")
        parts = [p for p in (_polygon(rings, arcs) for rings in polygons) if not p.is_empty]
        return MultiPolygon(parts)
    if kind in OTHER_TYPES:
        raise _NotPolygon(kind)
    raise _BadGeometry(f"unknown geometry type {kind!r}")
