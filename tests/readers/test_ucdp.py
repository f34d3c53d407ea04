from __future__ import annotations

from pathlib import Path

import pytest

from sentinelle.domain.events import EventFrame
from sentinelle.readers.problems import FileRejected
from sentinelle.readers.ucdp import UcdpExport

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ucdp" / "ged_small.csv"


def test_ucdp_ged_maps_onto_events() -> None:
    export = UcdpExport(FIXTURE)
    frames, problems = [], []
    for batch, batch_problems in export.batches():
        frames.append(batch)
        problems.extend(batch_problems)
    events = EventFrame.concat(frames).frame.set_index("source_id")
    assert sorted(events.index) == ["900001", "900002", "900003"]
    one_sided = events.loc["900001"]
    assert one_sided["event_type"] == "Violence against civilians"
    assert one_sided["civilian_targeting"]
    assert (one_sided["fatalities"], one_sided["fatalities_low"], one_sided["fatalities_high"]) == (
        12,
        10,
        15,
    )
    assert (one_sided["admin1"], one_sided["admin2"]) == ("Mopti", "Koro")
    assert events.loc["900002", "event_type"] == "Battles"
    assert events.loc["900003", "geo_precision"] == 3  # where_prec 4: first-order admin unit
    assert events.loc["900003", "time_precision"] == 3  # date_prec 4: within a month
    reasons = {p.row: (p.column, p.reason) for p in problems}
    assert reasons[5][0] == "type_of_violence"  # type 4 does not exist
    assert reasons[6] == ("best", "the best estimate must lie between low and high")
    assert export.stats.rows == 5 and export.stats.rejected_rows == 2 and export.stats.events == 3


def test_an_acled_file_is_not_taken_for_ucdp() -> None:
    acled = Path(__file__).resolve().parents[1] / "fixtures" / "acled" / "dyadic_small.csv"
    with pytest.raises(FileRejected, match="not a UCDP GED export"):
        UcdpExport(acled)
