"""The 2016 creation of the Ménaka region: comparing series across it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sentinelle.geo.crosswalk import CHOICE_NOTE, Crosswalk, Link, menaka_2016, to_pre2016
from sentinelle.geo.gazetteer import mali_gazetteer

STRING = pd.StringDtype("pyarrow")


def test_new_units_map_to_the_units_they_were_part_of() -> None:
    column = pd.Series(
        ["ML1001", "ML1002", "ML1003", "ML1004", "ML10", "ML0703", "ML07", None],
        dtype=STRING,
        name="admin2_pcode",
    )
    mapped = to_pre2016(column)
    assert mapped.tolist()[:7] == ["ML0704"] * 4 + ["ML07", "ML0703", "ML07"]
    assert mapped.isna().tolist()[-1]
    assert mapped.dtype == STRING and mapped.name == "admin2_pcode"
    assert mapped.index.equals(column.index)


def test_successors_and_retired_codes() -> None:
    crosswalk = menaka_2016()
    assert crosswalk.successors("ML0704") == ("ML1001", "ML1002", "ML1003", "ML1004")
    assert crosswalk.successors("ML07") == ("ML07", "ML10")
    assert crosswalk.successors("ML0506") == ("ML0506",)
    assert crosswalk.is_retired("ML0704") and not crosswalk.is_retired("ML07")
    assert crosswalk.changed("ML1003") and crosswalk.changed("ML0704")
    assert not crosswalk.changed("ML0101")
    assert crosswalk.pre2016("ML10") == "ML07"


def test_every_code_of_the_crosswalk_is_in_the_gazetteer() -> None:
    gazetteer = mali_gazetteer()
    for link in menaka_2016().links:
        assert link.pcode in gazetteer and link.pre2016_pcode in gazetteer
        assert gazetteer.unit(link.pcode).level == gazetteer.unit(link.pre2016_pcode).level


def test_counts_add_up_in_pre2016_geography() -> None:
    table = pd.DataFrame(
        {
            "month": ["2018-01"] * 5,
            "admin2_pcode": pd.array(["ML1001", "ML1002", "ML1004", "ML0703", "ML0101"], STRING),
            "events": [3, 2, 1, 7, 1],
        }
    )
    table["admin2_pcode"] = to_pre2016(table["admin2_pcode"])
    summed = table.groupby(["month", "admin2_pcode"], as_index=False)["events"].sum()
    assert dict(zip(summed["admin2_pcode"], summed["events"], strict=True)) == {
        "ML0101": 1,
        "ML0703": 7,
        "ML0704": 6,
    }
    assert summed["events"].sum() == 14
    assert "ML1001-ML1004 -> ML0704" in CHOICE_NOTE


def test_bad_crosswalks_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown relation"):
        Crosswalk([Link("A", "B", "becomes")])
    with pytest.raises(ValueError, match="linked twice"):
        Crosswalk([Link("A", "B", "part_of"), Link("A", "C", "part_of")])


@pytest.mark.shared_data
def test_acled_hdx_aggregate_becomes_the_50_pre2016_cercles(shared_data: Path) -> None:
    hdx = pd.read_csv(
        shared_data / "acled" / "acled_hdx_mali_admin2_month_political_violence_1997-2018.csv",
        dtype={"Admin2 Pcode": "string[pyarrow]"},
    )
    assert hdx["Admin2 Pcode"].nunique() == 53
    mapped = to_pre2016(hdx["Admin2 Pcode"])
    pre2016 = {u.pcode for u in mali_gazetteer().units("admin2") if u.pcode[:4] != "ML10"}
    assert set(mapped) == pre2016
    assert len(pre2016) == 50
    before = hdx["Events"].sum()
    after = hdx.assign(unit=mapped).groupby(["Year", "Month", "unit"])["Events"].sum()
    assert after.sum() == before
