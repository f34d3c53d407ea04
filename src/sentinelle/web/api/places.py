"""API: the stored admin units (regions, cercles) as GeoJSON, simplified for maps."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from sentinelle.explore.overview import DEFAULT_TOLERANCE, MapLevel, units_geojson
from sentinelle.web.access import Principal, Require, store_of

router = APIRouter(tags=["places"])

GEOJSON = "application/geo+json"
MAX_TOLERANCE = 0.1


class PlaceProperties(BaseModel):
    pcode: str = Field(description="OCHA P-code, e.g. ML05 (region), ML0505 (cercle)")
    name_fr: str
    name_en: str
    parent: str | None = Field(description="P-code of the enclosing unit")
    approximate: bool = Field(description="a generated shape (the demo scenario), not a boundary")


class PlaceFeature(BaseModel):
    type: Literal["Feature"]
    id: str = Field(description="the P-code")
    properties: PlaceProperties
    geometry: dict[str, Any] = Field(
        description="GeoJSON (Multi)Polygon, WGS 84 longitude/latitude"
    )


class PlacesOut(BaseModel):
    """A GeoJSON FeatureCollection of admin units."""

    type: Literal["FeatureCollection"]
    features: list[PlaceFeature]


@router.get(
    "/places",
    response_class=Response,
    responses={
        200: {
            "model": PlacesOut,
            "description": "GeoJSON FeatureCollection, one feature per stored unit with a shape",
            "content": {GEOJSON: {}},
        }
    },
)
def places(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    level: Annotated[
        MapLevel, Query(description="`admin1`: regions; `admin2`: cercles")
    ] = "admin1",
    tolerance: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_TOLERANCE,
            allow_inf_nan=False,
            description="simplification in degrees (0 keeps the stored shapes whole)",
        ),
    ] = DEFAULT_TOLERANCE,
) -> Response:
    """The stored admin units of a level as GeoJSON (properties ``pcode``, ``name_fr``,
    ``name_en``, ``parent``, ``approximate``), simplified with ``tolerance`` degrees, coordinates
    rounded to 5 decimals."""
    with store_of(request).reading() as connection:
        collection = units_geojson(connection, level, tolerance)
    body = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    return Response(
        body.encode("utf-8"),
        media_type=GEOJSON,
        headers={"Cache-Control": "private, max-age=300"},
    )
