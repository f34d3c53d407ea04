from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.exc import DBAPIError

from sentinelle.ingest import import_boundaries, ingest_file
from sentinelle.store import audit, places
from sentinelle.store.database import Store
from sentinelle.threat.assess import (
    AssessmentError,
    annotate,
    assess,
    compare,
    load_assessment,
    save_assessment,
)
from sentinelle.threat.population import ingest_population


def test_assess_save_annotate_and_cite_a_revision(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        result = assess(connection, "2018-06")
    matrix = result.matrix
    assert len(matrix) > 20
    assert list(matrix["risk_score"]) == sorted(matrix["risk_score"], reverse=True)
    assert matrix["population"].notna().mean() > 0.9  # the demo's cercles have population
    assessment_id = save_assessment(demo_store, result, "demo-adviser", "June 2018")
    with demo_store.reading() as connection:
        saved = load_assessment(connection, assessment_id)
    assert saved.revision == 0 and saved.record.rows == len(matrix)
    pd.testing.assert_series_equal(
        saved.rows["risk_score"].astype("int64"),
        matrix["risk_score"].astype("int64"),
        check_names=False,
    )

    row_id = int(saved.rows["row_id"].iloc[0])
    first = annotate(
        demo_store,
        assessment_id,
        row_id,
        {"motive": "reprisals", "response_tiers": "I, II", "response_phase": "pre-emption"},
        "demo-adviser",
    )
    second = annotate(
        demo_store,
        assessment_id,
        row_id,
        {"planned_response": "patrol to the market town"},
        "demo-adviser",
    )
    assert (first, second) == (1, 2)
    with demo_store.reading() as connection:
        at_0 = load_assessment(connection, assessment_id, revision=0).rows.set_index("row_id")
        at_1 = load_assessment(connection, assessment_id, revision=1).rows.set_index("row_id")
        now = load_assessment(connection, assessment_id).rows.set_index("row_id")
        entries = audit.entries(connection, record_type="assessment_row", newest_first=False)
    assert pd.isna(at_0.loc[row_id, "motive"])
    assert at_1.loc[row_id, "response_tiers"] == "I|II"
    assert pd.isna(at_1.loc[row_id, "planned_response"])
    assert now.loc[row_id, "motive"] == "reprisals"  # kept from revision 1
    assert now.loc[row_id, "planned_response"] == "patrol to the market town"
    assert [e.entry.detail for e in entries] == ["revision 1", "revision 2"]
    assert entries[1].entry.before and entries[1].entry.before["planned_response"] is None


def test_saved_assessments_cannot_be_changed(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        result = assess(connection, "2017-12")
    save_assessment(demo_store, result, "demo-adviser")
    for statement in ("UPDATE assessment_rows SET risk_level = 'low'", "DELETE FROM assessments"):
        with pytest.raises(DBAPIError, match="never changed"), demo_store.transaction() as c:
            c.exec_driver_sql(statement)


def test_bad_notes_and_unknown_ids_are_refused(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        result = assess(connection, "2017-12")
    assessment_id = save_assessment(demo_store, result, "demo-adviser")
    with pytest.raises(AssessmentError, match="tier"):
        annotate(demo_store, assessment_id, 1, {"response_tiers": "IV"}, "x")
    with pytest.raises(AssessmentError, match="phase"):
        annotate(demo_store, assessment_id, 1, {"response_phase": "later"}, "x")
    with pytest.raises(AssessmentError, match="no assessment"):
        annotate(demo_store, 999, 1, {"motive": "x"}, "x")
    with demo_store.reading() as connection, pytest.raises(AssessmentError, match="revisions"):
        load_assessment(connection, assessment_id, revision=5)


def test_compare_two_months(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        before = assess(connection, "2017-06")
        after = assess(connection, "2018-06")
    first = save_assessment(demo_store, before, "demo-adviser")
    second = save_assessment(demo_store, after, "demo-adviser")
    with demo_store.reading() as connection:
        diff = compare(connection, first, second)
    keys = ["unit", "actor_family", "threat_type"]
    old = before.matrix.set_index(keys)["risk_score"]
    new = after.matrix.set_index(keys)["risk_score"]
    for row in diff.itertuples(index=False):
        key = (row.unit, row.actor_family, row.threat_type)
        expected = (
            "new"
            if key not in old.index
            else "gone"
            if key not in new.index
            else "higher"
            if new[key] > old[key]
            else "lower"
            if new[key] < old[key]
            else "same"
        )
        assert row.change == expected
    assert len(diff) == len(set(old.index) | set(new.index))


@pytest.mark.shared_data
def test_central_mali_leads_the_vac_risk_in_december_2018(
    sqlite_store: Store, shared_data: Path
) -> None:
    boundaries = shared_data / "boundaries"
    import_boundaries(sqlite_store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(sqlite_store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(sqlite_store, shared_data / "acled" / "acled_mali_1997-2018_api_export.csv")
    ingest_population(
        sqlite_store, shared_data / "population" / "cod_ps_mali_admin2_population_2020.csv"
    )
    with sqlite_store.reading() as connection:
        matrix = assess(connection, "2018-12").matrix
        region_of = {u.pcode: u.parent_pcode for u in places.load_units(connection, "admin2")}
    vac = matrix[matrix["threat_type"].str.startswith("vac_")]
    by_area = vac.groupby("unit")["risk_score"].max().sort_values(ascending=False)
    top = by_area.head(5)
    regions = [region_of.get(unit) for unit in top.index]
    print("highest VAC risk, 2018-12:", dict(zip(top.index, top.to_numpy(), strict=True)))
    assert regions.count("ML05") >= 3  # Mopti region cercles lead
    high = by_area[by_area >= 10]  # high or very high
    per_region = high.groupby(high.index.map(region_of)).size()
    print("cercles at high or very high VAC risk per region:", per_region.to_dict())
    assert per_region.idxmax() == "ML05"
