"""The figure builders (sentinelle.web.figures): plain JSON, offline maps, translated labels."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from sentinelle.web import figures


def square(pcode: str, parent: str, west: float, south: float) -> dict[str, Any]:
    ring = [[west, south], [west + 1, south], [west + 1, south + 1], [west, south + 1]]
    return {
        "type": "Feature",
        "id": pcode,
        "properties": {
            "pcode": pcode,
            "name_fr": f"{pcode} fr",
            "name_en": f"{pcode} en",
            "parent": parent,
        },
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


UNITS = {
    "type": "FeatureCollection",
    "features": [
        square("ML0501", "ML05", -4, 14),
        square("ML0502", "ML05", -3, 14),
        square("ML0601", "ML06", -3, 16),
    ],
}


def test_choropleth_colours_the_selection_and_greys_the_rest() -> None:
    figure = figures.choropleth(
        UNITS, {"ML0501": 1234, "ML0502": 0}, {"ML0501": "Bandiagara"}, "Décès", "fr"
    )
    json.dumps(figure)  # plain JSON
    outside, inside = figure["data"]
    assert outside["type"] == inside["type"] == "choroplethmap"
    assert outside["locations"] == ["ML0601"] and outside["showscale"] is False
    assert inside["locations"] == ["ML0501", "ML0502"] and inside["z"] == [1234, 0]
    assert inside["zmin"] == 0 and inside["zmax"] == 1234
    assert [f["id"] for f in inside["geojson"]["features"]] == ["ML0501", "ML0502"]
    assert inside["customdata"][0] == ["ML0501", "ML05", "Bandiagara", "1\u202f234"]
    assert inside["customdata"][1][2] == "ML0502 fr"  # the GeoJSON's name when none is given
    assert "Décès\u00a0: %{customdata[3]}" in inside["hovertemplate"]
    layout = figure["layout"]
    assert layout["map"]["style"] == "white-bg" and "layers" not in layout["map"]
    assert -4 < layout["map"]["center"]["lon"] < -1 and 14 < layout["map"]["center"]["lat"] < 17
    assert layout["separators"] == ", " and "template" not in layout
    assert "http" not in json.dumps(figure)
    colours = [c for _, c in inside["colorscale"]]
    assert colours[0] == "#fff7ec" and colours[-1] == "#7f0000"  # light to dark: prints in grey


def test_choropleth_without_units_or_values() -> None:
    empty = figures.choropleth({"type": "FeatureCollection", "features": []}, {}, {}, "x", "en")
    assert empty["data"] == [] and empty["layout"]["map"]["style"] == "white-bg"
    everything = figures.choropleth(UNITS, {"ML0501": 1, "ML0502": 2, "ML0601": 3}, {}, "x", "en")
    chosen = figures.choropleth(UNITS, {"ML0501": 1}, {}, "x", "en")  # the view closes in on it
    assert chosen["layout"]["map"]["zoom"] > everything["layout"]["map"]["zoom"]
    assert chosen["layout"]["map"]["center"]["lon"] == -3.5
    grey = figures.choropleth(UNITS, {}, {}, "Events", "en")
    assert [t["locations"] for t in grey["data"]] == [["ML0501", "ML0502", "ML0601"]]


@pytest.mark.parametrize(
    ("language", "battles", "tick"),
    [("fr", "Batailles", "janv. 2017"), ("en", "Battles", "Jan 2017")],
)
def test_time_series_labels_follow_the_language(language: str, battles: str, tick: str) -> None:
    months = pd.period_range("2016-11", "2017-04", freq="M", name="month")
    frame = pd.DataFrame(
        {"Battles": [3, 0, 1200, 0, 0, 2], "Violence against civilians": [1, 1, 1, 0, 0, 0]},
        index=months,
    )
    figure = figures.time_series(frame, language, "Events")
    json.dumps(figure)
    bars, vac = figure["data"]
    assert bars["type"] == "bar" and bars["name"] == battles
    assert bars["y"] == [3, 0, 1200, 0, 0, 2] and bars["x"][0] == "2016-11-01"
    assert bars["marker"]["color"] == figures.EVENT_TYPE_COLOURS["Battles"]
    assert vac["marker"]["color"] == figures.EVENT_TYPE_COLOURS["Violence against civilians"]
    assert tick in figure["layout"]["xaxis"]["ticktext"]
    assert figure["layout"]["barmode"] == "stack"
    thousand = "1\u202f200" if language == "fr" else "1,200"
    assert bars["customdata"][2][1] == thousand


def test_time_series_ticks_stay_few_on_long_periods() -> None:
    months = pd.period_range("1997-01", "2018-12", freq="M", name="month")
    frame = pd.DataFrame({"Battles": range(len(months))}, index=months)
    layout = figures.time_series(frame, "en")["layout"]
    assert 2 <= len(layout["xaxis"]["tickvals"]) <= 7
    assert all(text.startswith("Jan ") for text in layout["xaxis"]["ticktext"])


def test_view_fits_the_bounds() -> None:
    centre, zoom = figures.view_of((-12.2, 10.1, 4.3, 25.0))
    assert -5 < centre["lon"] < -3 and 16 < centre["lat"] < 19
    assert 3.5 < zoom < 5
    _, closer = figures.view_of((-4.5, 14.0, -3.5, 15.0))
    assert closer > zoom + 2
