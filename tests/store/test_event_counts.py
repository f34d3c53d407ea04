"""The event counts summary always says what the events table says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from sentinelle.ingest import import_boundaries, ingest_file
from sentinelle.store.database import Store
from sentinelle.store.schema import event_counts, events

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def from_events(store: Store) -> pd.DataFrame:
    with store.reading() as connection:
        frame = pd.DataFrame(
            connection.execute(
                select(
                    events.c.event_date,
                    events.c.admin2_pcode,
                    events.c.event_type,
                    events.c.fatalities,
                )
            ).all(),
            columns=["date", "cercle", "event_type", "fatalities"],
        )
    frame["month"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    frame["cercle"] = frame["cercle"].astype(object).where(frame["cercle"].notna(), "").astype(str)
    return (
        frame.groupby(["month", "cercle", "event_type"], dropna=False)
        .agg(events=("date", "size"), fatalities=("fatalities", "sum"))
        .sort_index()
    )


def from_counts(store: Store) -> pd.DataFrame:
    with store.reading() as connection:
        frame = pd.DataFrame(
            connection.execute(
                select(
                    event_counts.c.month,
                    event_counts.c.admin2_pcode,
                    event_counts.c.event_type,
                    func.sum(event_counts.c.events),
                    func.sum(event_counts.c.fatalities),
                ).group_by(
                    event_counts.c.month, event_counts.c.admin2_pcode, event_counts.c.event_type
                )
            ).all(),
            columns=["month", "cercle", "event_type", "events", "fatalities"],
        )
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    frame["cercle"] = frame["cercle"].astype(object).where(frame["cercle"].notna(), "").astype(str)
    return frame.set_index(["month", "cercle", "event_type"]).astype("int64").sort_index()


def test_the_summary_follows_ingests_deletions_and_boundaries(store: Store, tmp_path: Path) -> None:
    ingest_file(store, FIXTURES / "acled" / "dyadic_small.csv")
    ingest_file(store, FIXTURES / "ucdp" / "ged_small.csv")
    pd.testing.assert_frame_equal(from_counts(store), from_events(store), check_dtype=False)

    deletions = tmp_path / "deleted.csv"
    deletions.write_text("event_id_cnty,deleted_timestamp\nTST2,1700000000\n", encoding="utf-8")
    ingest_file(store, deletions)
    pd.testing.assert_frame_equal(from_counts(store), from_events(store), check_dtype=False)

    regions = tmp_path / "regions.geojson"
    regions.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"admin2Pcode":"ML0505","admin2Name_fr":"Koro","admin1Pcode":"ML05"},"geometry":'
        '{"type":"Polygon","coordinates":[[[-5,13],[-2,13],[-2,15],[-5,15],[-5,13]]]}}]}',
        encoding="utf-8",
    )
    import_boundaries(store, regions, "admin2")
    counts = from_counts(store)
    pd.testing.assert_frame_equal(counts, from_events(store), check_dtype=False)
    assert "ML0505" in set(counts.index.get_level_values("cercle"))  # placed by the new unit
