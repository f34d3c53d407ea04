from __future__ import annotations

from pathlib import Path

import pytest

from sentinelle.readers.acled_aggregate import read_acled_aggregate
from sentinelle.readers.problems import FileRejected

HEADER = "Country,Admin1,Admin2,ISO3,Admin2 Pcode,Admin1 Pcode,Month,Year,Events,Fatalities\n"


def test_rows_are_validated_and_repeats_resolved(tmp_path: Path) -> None:
    path = tmp_path / "mali_admin2_month_political_violence.csv"
    path.write_text(
        HEADER
        + "Mali,Mopti,Koro,MLI,ML0505,ML05,March,2018,4,9\n"  # row 2: good
        + "Mali,Mopti,Koro,MLI,ML0505,ML05,Marsh,2018,1,0\n"  # row 3: bad month
        + "Mali,Mopti,Koro,MLI,ML0505,ML05,April,2018,-1,0\n"  # row 4: negative count
        + "Mali,Gao,Gao,MLI,Gao,ML07,April,2018,1,0\n"  # row 5: not a P-code
        + "Mali,Gao,Gao,MLI,ML0703,ML07,May,2018,2,1\n"  # row 6: repeated exactly in row 7
        + "Mali,Gao,Gao,MLI,ML0703,ML07,May,2018,2,1\n"
        + "Mali,Kidal,Kidal,MLI,ML0802,ML08,May,2018,2,1\n"  # rows 8, 9: repeated, differing
        + "Mali,Kidal,Kidal,MLI,ML0802,ML08,May,2018,5,1\n",
        encoding="utf-8",
    )
    table, problems, stats = read_acled_aggregate(path)
    assert table.measure == "political_violence"
    assert sorted(table.frame["unit"]) == ["ML0505", "ML0703"]
    assert (stats.rows, stats.events, stats.duplicate_rows, stats.rejected_rows) == (8, 2, 1, 5)
    assert stats.balanced
    rows = {p.row: p for p in problems}
    assert rows[3].column == "month" and rows[3].value == "Marsh"
    assert rows[4].column == "events"
    assert rows[5].value == "Gao"
    assert "different counts" in rows[8].reason and 9 in rows


def test_an_event_export_is_not_an_aggregate() -> None:
    export = Path(__file__).resolve().parents[1] / "fixtures" / "acled" / "dyadic_small.csv"
    with pytest.raises(FileRejected, match="not an ACLED aggregate"):
        read_acled_aggregate(export)
