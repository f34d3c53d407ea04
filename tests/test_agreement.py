"""Our per-cercle monthly political-violence counts, built from ACLED's event export through the
whole pipeline (boundaries → P-codes by name → ingest → placement → panel), against ACLED's own
published aggregate. docs/data.md explains the remaining differences."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinelle.agreement import compare_with_aggregate
from sentinelle.ingest import import_boundaries, ingest_file
from sentinelle.store.database import Store


@pytest.mark.shared_data
def test_cercle_months_agree_with_acleds_published_aggregate(
    sqlite_store: Store, shared_data: Path
) -> None:
    boundaries = shared_data / "boundaries"
    import_boundaries(sqlite_store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(sqlite_store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    acled = shared_data / "acled"
    ingest_file(sqlite_store, acled / "acled_mali_1997-2018_api_export.csv")
    aggregate = ingest_file(
        sqlite_store, acled / "acled_hdx_mali_admin2_month_political_violence_1997-2018.csv"
    )
    assert aggregate.kind == "acled-aggregate" and aggregate.accounted
    assert aggregate.inserted == aggregate.rows  # every published row stored
    with sqlite_store.transaction() as connection:
        result = compare_with_aggregate(connection)
    print(
        f"agreement with ACLED's aggregate: {result.share:.2%} of {result.cells} cercle-months; "
        f"events {result.ours} (Sentinelle) vs {result.theirs} (ACLED aggregate)"
    )
    assert result.cells == 50 * 264  # 50 pre-2016 cercles × 22 years of months
    assert result.share >= 0.95
    # the totals differ by the 43 geo-precision-3 events (no cercle) and a few revisions
    assert 0 < result.theirs - result.ours < 0.05 * result.theirs
