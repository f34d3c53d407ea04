"""A tiny hand-made store for reach by road and maps: four square cercles on the meridian 0° at
15° N (inside Mali, as the readers require), two sites, twelve VAC events in 2018, and a road
network in the manner of ``test_roads``: a primary road extended by a track.

Cercles (P-codes of the Mopti region, fictional places), squares 0.1° wide whose representative
point is their centre:

====== ======= ================== ========== =====================
code   name    centre (lon, lat)  VAC 2018   note
====== ======= ================== ========== =====================
ML0501 Alpha   (0.01, 15.0)       1          site S1 on its point
ML0502 Bravo   (0.01, 15.2)       2
ML0503 Charlie (0.01, 15.4)       4
ML0504 Delta   (0.51, 15.0)       5          site S2 0.03° east
====== ======= ================== ========== =====================

Sites (mission TEST, from 2017): S1 at (0.01, 15.0) with 1,000 troops, S2 at (0.54, 15.0) with
500.

Roads (:func:`write_road_file`): primary (0, 15)–(0, 15.1)–(0, 15.2), track (0, 15.2)–(0, 15.3)–
(0, 15.4). 0.1° of latitude is 11.1195 km; 0.01° of longitude at 15° N is 1.11195 × cos 15° =
1.0740 km. Default speeds: primary 50 / 35 km/h (dry / rainy), track 20 / closed, off-road
10 / 5. Travel times by hand:

* S1 → Alpha: 0 h (the same point).
* S1 → Bravo: off-road 1.0740 km to (0, 15) and again from (0, 15.2), 22.239 km of primary.
  Dry: 2 × 0.1074 + 0.4448 = **0.660 h**. Rainy: 2 × 0.2148 + 0.6354 = **1.065 h**.
* S1 → Charlie: dry 0.2148 + 0.4448 + 22.239 km of track / 20 (1.1120) = **1.772 h**. Rainy, the
  track is closed: off-road from (0, 15.2) to (0.01, 15.4), 22.265 km / 5 = 4.453 h,
  after 0.2148 + 0.6354: **5.30 h** (straight off-road, 44.48 km / 5 = 8.9 h, is slower).
* S2 → Delta: off-road 0.03° of longitude = 3.2221 km: **0.322 h** dry, **0.644 h** rainy (the
  road is 56 km away: never faster).
* S1 → Delta (53.7 km) and S2 → Alpha, Bravo, Charlie (≥ 56.9 km) are out of reach off-road
  within 2 h (20 km dry).

Within 1 h: dry {Alpha, Bravo (S1), Delta (S2)}; rainy {Alpha (S1), Delta (S2)}. Within 2 h
dry: all four. Straight line within 50 km: S1 reaches Alpha (0), Bravo (22.2 km) and Charlie
(44.5 km), not Delta (53.7 km); S2 reaches Delta (3.2 km) only: all four cercles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinelle.store.database import Store

CERCLES = {
    "ML0501": ("Alpha", 0.01, 15.0, 1),
    "ML0502": ("Bravo", 0.01, 15.2, 2),
    "ML0503": ("Charlie", 0.01, 15.4, 4),
    "ML0504": ("Delta", 0.51, 15.0, 5),
}
SITES = {"S1": (0.01, 15.0, 1000), "S2": (0.54, 15.0, 500)}
HALF = 0.05


def _square(lon: float, lat: float, half: float) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,inter1,"
    "actor2,inter2,interaction,region,country,admin1,admin2,admin3,location,latitude,longitude,"
    "geo_precision,source,source_scale,notes,fatalities,timestamp,iso3"
)


def write_tiny_files(folder: Path) -> dict[str, Path]:
    """The region, cercles, events and deployments files of the tiny store."""
    folder.mkdir(parents=True, exist_ok=True)
    region = {
        "type": "Feature",
        "properties": {"name": "Mopti", "pcode": "ML05"},
        "geometry": _square(0.3, 15.2, 0.5),
    }
    cercles = [
        {
            "type": "Feature",
            "properties": {"name": name, "pcode": code, "parent": "ML05"},
            "geometry": _square(lon, lat, HALF),
        }
        for code, (name, lon, lat, _) in CERCLES.items()
    ]
    rows = [ACLED_HEADER]
    number = 0
    for name, lon, lat, events in CERCLES.values():
        for i in range(events):
            number += 1
            rows.append(
                f"TINY{number},2018-0{1 + i % 9}-15,2018,1,Violence against civilians,Attack,"
                f"Unidentified Armed Group (Mali),3,Civilians (Mali),7,37,Western Africa,Mali,"
                f"Mopti,{name},{name},{name},{lat + 0.001 * i:.4f},{lon:.4f},1,Fictional,Local,"
                f"Fictional test row {number}.,1,1600000000,MLI"
            )
    deployments = ["mission,name,kind,latitude,longitude,start_date,end_date,troops"]
    for name, (lon, lat, troops) in SITES.items():
        deployments.append(f"TEST,{name},base,{lat},{lon},2017-01-01,,{troops}")
    files = {
        "admin1": folder / "regions.geojson",
        "admin2": folder / "cercles.geojson",
        "events": folder / "events.csv",
        "deployments": folder / "deployments.csv",
    }
    files["admin1"].write_text(_collection([region]))
    files["admin2"].write_text(_collection(cercles))
    files["events"].write_text("\n".join(rows) + "\n")
    files["deployments"].write_text("\n".join(deployments) + "\n")
    return files


def load_tiny(store: Store, folder: Path) -> Store:
    from sentinelle.deployments import ingest_deployments
    from sentinelle.ingest import import_boundaries, ingest_file

    files = write_tiny_files(folder)
    import_boundaries(store, files["admin1"], "admin1", name_field="name", pcode_field="pcode")
    import_boundaries(
        store, files["admin2"], "admin2", name_field="name", pcode_field="pcode",
        parent_field="parent",
    )  # fmt: skip
    ingest_file(store, files["events"])
    ingest_deployments(store, files["deployments"])
    return store


@pytest.fixture
def tiny_store(store: Store, tmp_path: Path) -> Store:
    """The tiny store (SQLite and PostgreSQL)."""
    return load_tiny(store, tmp_path / "tiny")


def write_road_file(path: Path) -> Path:
    """The tiny store's roads: a primary road and a track on the meridian 0° (OSM ``highway``)."""
    from tests.planning.test_roads import feature, write

    return write(
        path,
        [
            feature([[0, 15.0], [0, 15.1], [0, 15.2]], "primary"),
            feature([[0, 15.2], [0, 15.3], [0, 15.4]], "track"),
        ],
    )


@pytest.fixture
def road_file(tmp_path: Path) -> Path:
    return write_road_file(tmp_path / "roads.geojson")
