"""Placing events in regions, cercles and PRIO-GRID cells."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from sentinelle.domain.events import EVENT_COLUMNS, EventFrame
from sentinelle.domain.places import AdminUnit, priogrid_gid
from sentinelle.geo.gazetteer import assign_pcodes
from sentinelle.geo.placement import (
    DEFAULT_TOLERANCE_KM,
    PLACEMENT_KINDS,
    PlacementReport,
    Placer,
    place_events,
    placement_kinds,
)
from sentinelle.readers.boundaries import read_boundaries

STRING = pd.StringDtype("pyarrow")
NAN = float("nan")


def region(pcode: str, name: str, shape: object) -> AdminUnit:
    return AdminUnit(pcode, "admin1", name, name, geometry=shape)  # type: ignore[arg-type]


def cercle(pcode: str, name: str, parent: str, shape: object) -> AdminUnit:
    return AdminUnit(pcode, "admin2", name, name, parent, geometry=shape)  # type: ignore[arg-type]


# A small made-up geography with real codes: Gao (ML07) south of Kidal (ML08); Gao holds the
# cercles Gao (ML0703, west) and Ménaka (ML0704, east, pre-2016); Kidal is one cercle.
ADMIN1 = [region("ML07", "Gao", box(0, 0, 2, 1)), region("ML08", "Kidal", box(0, 1, 2, 2))]
ADMIN2 = [
    cercle("ML0703", "Gao", "ML07", box(0, 0, 1, 1)),
    cercle("ML0704", "Ménaka", "ML07", box(1, 0, 2, 1)),
    cercle("ML0802", "Kidal", "ML08", box(0, 1, 2, 2)),
]
# The same area after 2016: Ménaka is a region with four cercles.
ADMIN1_2016 = [
    region("ML07", "Gao", box(0, 0, 1, 1)),
    region("ML10", "Ménaka", box(1, 0, 2, 1)),
    region("ML08", "Kidal", box(0, 1, 2, 2)),
]
ADMIN2_2016 = [
    cercle("ML0703", "Gao", "ML07", box(0, 0, 1, 1)),
    cercle("ML1001", "Ménaka", "ML10", box(1, 0, 1.5, 0.5)),
    cercle("ML1002", "Andéramboukane", "ML10", box(1.5, 0, 2, 0.5)),
    cercle("ML1003", "Inékar", "ML10", box(1, 0.5, 1.5, 1)),
    cercle("ML1004", "Tidermène", "ML10", box(1.5, 0.5, 2, 1)),
    cercle("ML0802", "Kidal", "ML08", box(0, 1, 2, 2)),
]


def events(rows: list[tuple[float, float, int | None, str | None, str | None]]) -> pd.DataFrame:
    """(latitude, longitude, geo_precision, admin1, admin2) rows as an event-like frame."""
    lat, lon, precision, admin1, admin2 = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "latitude": pd.array(lat, dtype="float64"),
            "longitude": pd.array(lon, dtype="float64"),
            "geo_precision": pd.array(precision, dtype="Int8"),
            "admin1": pd.array(admin1, dtype=STRING),
            "admin2": pd.array(admin2, dtype=STRING),
        }
    )


def placed_rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    out = []
    for row in frame[["admin1_pcode", "admin2_pcode", "placement"]].itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else v for v in row))
    return out


def test_every_kind_of_placement() -> None:
    frame = events(
        [
            (0.5, 0.5, 1, "Gao", "Gao"),  # 0 inside Gao cercle
            (0.5, 1.5, 1, "Menaka", "Anderamboukane"),  # 1 post-2016 names, old cercle: agrees
            (-0.02, 0.5, 2, "Gao", "Gao"),  # 2 2.2 km south of every polygon: nearest
            (-0.5, 0.5, 1, "Gao", "Gao"),  # 3 55 km away: by name
            (NAN, NAN, None, "Kidal", "Kidal"),  # 4 no coordinates: by name
            (NAN, NAN, None, "Gao", None),  # 5 only a region name
            (1.5, 1.5, 3, "Kidal", "Kidal"),  # 6 precision 3: region only
            (NAN, NAN, 1, "Atlantis", "Nowhere"),  # 7 nothing known
            (0.5, 0.5, 1, "Kidal", "Kidal"),  # 8 point in Gao, names say Kidal: mismatch
            (NAN, NAN, 2, "Menaka", "Menaka"),  # 9 post-2016 names, pre-2016 units
            (95.0, 0.5, 1, "Gao", "Ansongo"),  # 10 coordinates off the globe; cercle unknown
        ]
    )
    out, report = place_events(frame, ADMIN1, ADMIN2)
    assert placed_rows(out) == [
        ("ML07", "ML0703", "point"),
        ("ML07", "ML0704", "point"),
        ("ML07", "ML0703", "nearest"),
        ("ML07", "ML0703", "name"),
        ("ML08", "ML0802", "name"),
        ("ML07", None, "admin1-only"),
        ("ML08", None, "admin1-only"),
        (None, None, "unplaced"),
        ("ML07", "ML0703", "point"),
        ("ML07", "ML0704", "name"),
        ("ML07", None, "admin1-only"),
    ]
    gids = out["priogrid_gid"]
    assert gids[0] == priogrid_gid([0.5], [0.5])[0]
    assert gids[2] == priogrid_gid([-0.02], [0.5])[0]
    assert gids[3] == priogrid_gid([-0.5], [0.5])[0]  # true location, though outside
    assert gids[[4, 6, 10]].isna().all()  # no coordinates / region-level / off the globe

    assert report.counts == {
        "point": 3,
        "nearest": 1,
        "name": 3,
        "admin1-only": 3,
        "unplaced": 1,
    }
    assert report.events == 11 and report.outside == 1
    assert report.tolerance_km == DEFAULT_TOLERANCE_KM
    unmatched = {
        (r.level, r.name, r.problem): r.events for r in report.unmatched_names.itertuples()
    }
    assert unmatched == {("admin1", "Atlantis", "unknown"): 1, ("admin2", "Nowhere", "unknown"): 1}
    mismatches = report.mismatches.to_dict("records")
    assert mismatches == [
        {
            "level": "admin2",
            "admin1": "Kidal",
            "admin2": "Kidal",
            "named_pcode": "ML0802",
            "placed_pcode": "ML0703",
            "events": 1,
        }
    ]
    text = report.summary()
    assert "Point in polygon: 3" in text and "'Nowhere' (in Atlantis), unknown: 1" in text
    assert "Kidal / Kidal: named ML0802, placed ML0703" in text
    assert "Point dans le polygone: 3" in report.summary("fr")


def test_output_columns_follow_the_event_schema() -> None:
    frame = events([(0.5, 0.5, 1, "Gao", "Gao"), (NAN, NAN, None, None, None)])
    frame.index = pd.Index([10, 20])
    out, _ = place_events(frame, ADMIN1, ADMIN2)
    for column in ("admin1_pcode", "admin2_pcode", "priogrid_gid", "placement"):
        assert out[column].dtype == EVENT_COLUMNS[column], column
    assert out.index.tolist() == [10, 20]
    assert "admin1_pcode" not in frame.columns  # the input is not modified
    assert set(out["placement"]) <= set(PLACEMENT_KINDS)

    full = out.assign(
        source="acled",
        source_id=["A1", "A2"],
        event_date=pd.Timestamp("2018-03-01"),
        event_type="Violence against civilians",
        fatalities=pd.array([1, 0], dtype="Int32"),
    )
    EventFrame(full)  # accepted by the validated frame


def test_post2016_geography() -> None:
    frame = events(
        [
            (0.25, 1.75, 1, "Gao", "Menaka"),  # old names, new units: agrees (pre-2016 compare)
            (NAN, NAN, None, "Gao", "Menaka"),  # old cercle split in four: region only
            (NAN, NAN, None, "Menaka", "Menaka"),  # the new Ménaka cercle
            (NAN, NAN, None, "Gao", "Tidermene"),  # new cercle under the old region name
        ]
    )
    out, report = place_events(frame, ADMIN1_2016, ADMIN2_2016)
    assert placed_rows(out) == [
        ("ML10", "ML1002", "point"),
        ("ML10", None, "admin1-only"),
        ("ML10", "ML1001", "name"),
        ("ML10", "ML1004", "name"),
    ]
    assert len(report.mismatches) == 0 and len(report.unmatched_names) == 0


def test_names_that_mean_several_places() -> None:
    frame = events(
        [
            (NAN, NAN, None, None, "Menaka"),  # old or new Ménaka cercle: one place before 2016
            (NAN, NAN, None, None, "Kayes"),  # a cercle name known in one place only
            (NAN, NAN, None, "Gao", "Menaka"),
        ]
    )
    before, report = place_events(frame, ADMIN1, ADMIN2)
    assert placed_rows(before) == [
        ("ML07", "ML0704", "name"),
        (None, None, "unplaced"),  # Kayes is not in this made-up geography
        ("ML07", "ML0704", "name"),
    ]
    assert len(report.unmatched_names) == 0
    after, _ = place_events(frame, ADMIN1_2016, ADMIN2_2016)
    assert placed_rows(after)[0] == ("ML10", None, "admin1-only")  # which new cercle: unknown

    two = [
        cercle("XX0101", "Douentza", "XX01", box(5, 5, 6, 6)),
        cercle("XX0201", "Douentza", "XX02", box(6, 5, 7, 6)),
    ]
    out, report = place_events(events([(NAN, NAN, None, None, "Douentza")]), [], two)
    assert placed_rows(out) == [(None, None, "unplaced")]
    assert report.unmatched_names.to_dict("records") == [
        {
            "level": "admin2",
            "name": "Douentza",
            "admin1": None,
            "problem": "ambiguous",
            "events": 1,
        }
    ]


def test_points_on_a_shared_border_go_to_the_first_unit() -> None:
    frame = events([(0.5, 1.0, 1, None, None), (1.0, 1.0, 1, None, None)])
    out, _ = place_events(frame, ADMIN1, ADMIN2)
    assert out["admin2_pcode"].tolist() == ["ML0703", "ML0703"]


def test_tolerance_zero_and_larger() -> None:
    frame = events([(-0.02, 0.5, 1, "Gao", "Gao"), (-0.3, 0.5, 1, None, None)])
    strict, report = place_events(frame, ADMIN1, ADMIN2, tolerance_km=0)
    assert strict["placement"].tolist() == ["name", "unplaced"]
    assert report.outside == 2
    loose, _ = place_events(frame, ADMIN1, ADMIN2, tolerance_km=40)
    assert loose["placement"].tolist() == ["nearest", "nearest"]
    with pytest.raises(ValueError, match="tolerance_km"):
        Placer(ADMIN1, ADMIN2, tolerance_km=-1)


def test_only_regions_or_only_coordinates() -> None:
    frame = pd.DataFrame({"latitude": [0.5, 1.5, NAN], "longitude": [1.5, 0.5, 0.5]})
    out, report = place_events(frame, ADMIN1, [])
    assert placed_rows(out) == [
        ("ML07", None, "admin1-only"),
        ("ML08", None, "admin1-only"),
        (None, None, "unplaced"),
    ]
    assert len(report.unmatched_names) == 0


def test_no_units_gives_priogrid_cells_only() -> None:
    frame = events([(14.5, -4.0, 1, "Mopti", "Mopti"), (NAN, NAN, None, "Gao", "Gao")])
    out, report = Placer([], []).place(frame)
    assert out["placement"].tolist() == ["unplaced", "unplaced"]
    assert out["priogrid_gid"].tolist()[0] == priogrid_gid([14.5], [-4.0])[0]
    assert report.outside == 0 and len(report.unmatched_names) == 0


def test_empty_frame() -> None:
    out, report = place_events(events([(0.5, 0.5, 1, "Gao", "Gao")]).iloc[:0], ADMIN1, ADMIN2)
    assert len(out) == 0 and report.events == 0
    assert set(report.counts.values()) == {0}


def test_units_need_pcodes_and_frames_need_coordinates() -> None:
    nameless = AdminUnit("", "admin2", "Gao", "Gao", geometry=box(0, 0, 1, 1))
    with pytest.raises(ValueError, match="no P-code"):
        Placer(ADMIN1, [nameless])
    with pytest.raises(ValueError, match="latitude"):
        place_events(pd.DataFrame({"longitude": [1.0]}), ADMIN1, ADMIN2)


def test_chunks_give_the_same_result_and_reports_combine() -> None:
    rng = np.random.default_rng(3)
    n = 2_000
    frame = pd.DataFrame(
        {
            "latitude": rng.uniform(-0.2, 2.2, n),
            "longitude": rng.uniform(-0.2, 2.2, n),
            "geo_precision": pd.array(rng.choice([1, 2, 3], n), dtype="Int8"),
            "admin1": pd.array(rng.choice(["Gao", "Kidal", "Atlantis"], n), dtype=STRING),
            "admin2": pd.array(rng.choice(["Gao", "Kidal", "Menaka", None], n), dtype=STRING),
        }
    )
    placer = Placer(ADMIN1, ADMIN2)
    whole, whole_report = placer.place(frame)
    parts = [placer.place(frame.iloc[i : i + 500]) for i in range(0, n, 500)]
    chunked = pd.concat([p[0] for p in parts])
    pd.testing.assert_frame_equal(whole, chunked)
    combined = PlacementReport.combine([p[1] for p in parts])
    assert combined.counts == whole_report.counts
    assert combined.outside == whole_report.outside
    assert combined.events == n
    pd.testing.assert_frame_equal(combined.unmatched_names, whole_report.unmatched_names)
    pd.testing.assert_frame_equal(combined.mismatches, whole_report.mismatches)


def test_placement_vocabulary_is_data_with_both_languages() -> None:
    terms = placement_kinds()
    assert tuple(terms) == PLACEMENT_KINDS
    assert all(t.label_en and t.label_fr for t in terms.values())


# --- real boundaries and real ACLED exports -----------------------------------------------------


@pytest.fixture(scope="module")
def mali_units(shared_data: Path) -> tuple[list[AdminUnit], list[AdminUnit]]:
    folder = shared_data / "boundaries"
    regions = assign_pcodes(
        read_boundaries(folder / "geoBoundaries-MLI-ADM1_simplified.topojson").units
    ).units
    cercles = assign_pcodes(
        read_boundaries(folder / "geoBoundaries-MLI-ADM2_simplified.topojson").units,
        parents=regions,
    ).units
    return regions, cercles


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name", ["acled_mali_1997-2018_api_export.csv", "acled_mali_2017-2018_monadic_export.csv"]
)
def test_real_acled_events_are_all_placed(
    shared_data: Path, mali_units: tuple[list[AdminUnit], list[AdminUnit]], name: str
) -> None:
    columns = ["admin1", "admin2", "latitude", "longitude", "geo_precision"]
    frame = pd.read_csv(shared_data / "acled" / name, usecols=columns)
    out, report = place_events(frame, *mali_units)
    assert report.counts["unplaced"] == 0 and report.counts["name"] == 0
    assert report.outside == 0
    assert len(report.unmatched_names) == 0, report.summary()
    precise = frame["geo_precision"] != 3
    assert out.loc[precise, "admin2_pcode"].notna().all()
    assert out.loc[~precise, "admin2_pcode"].isna().all()
    assert out["admin1_pcode"].notna().all()
    # ACLED's own admin names agree with the coordinates for more than 99% of events
    assert report.mismatches["events"].sum() < 0.01 * len(frame)
    if "monadic" in name:  # 2017-2018: events coded in the new Ménaka region
        assert (out.loc[frame["admin1"] == "Menaka", "admin1_pcode"] == "ML07").all()


@pytest.mark.shared_data
def test_placement_speed_on_100k_points(
    mali_units: tuple[list[AdminUnit], list[AdminUnit]],
) -> None:
    """A regression guard, not the benchmark (benchmarks/bench_placement.py prints the
    numbers): 100,000 random points in Mali must take well under a second."""
    regions, cercles = mali_units
    mali = shapely.union_all([u.geometry for u in cercles])
    rng = np.random.default_rng(11)
    west, south, east, north = mali.bounds
    x = rng.uniform(west, east, 300_000)
    y = rng.uniform(south, north, 300_000)
    inside = shapely.intersects_xy(mali, x, y)
    frame = pd.DataFrame(
        {"latitude": y[inside][:100_000], "longitude": x[inside][:100_000]}
    ).assign(
        geo_precision=pd.array(np.ones(100_000, dtype="int8"), dtype="Int8"),
        admin1=pd.array(rng.choice(["Mopti", "Gao", "Tombouctou"], 100_000), dtype=STRING),
        admin2=pd.array(rng.choice(["Douentza", "Ansongo", "Dire", None], 100_000), dtype=STRING),
    )
    placer = Placer(regions, cercles)
    placer.place(frame.iloc[:1000])  # warm up
    start = time.perf_counter()
    out, report = placer.place(frame)
    elapsed = time.perf_counter() - start
    assert report.counts["point"] == 100_000
    assert out["admin2_pcode"].notna().all()
    assert 100_000 / elapsed > 50_000, f"{100_000 / elapsed:,.0f} points/s"
