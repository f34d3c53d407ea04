"""Response figures on a hand-made register whose right answers are worked out below."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sentinelle.alerts.measures import overdue, response_table, response_totals
from sentinelle.store.alerts import FRAME_COLUMNS

UTC = dt.UTC
CUTOFF = dt.datetime(2024, 4, 1, tzinfo=UTC)


def at(day: int, hour: float = 0.0, month: int = 3) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime(2024, month, day, tzinfo=UTC)) + pd.Timedelta(hours=hour)


def alert(number: int, received: pd.Timestamp, **steps: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(FRAME_COLUMNS)
    row.update(id=number, channel="community_alert_network", received_at=received,
               state="closed", admin1_pcode="ML05")  # fmt: skip
    for key, value in steps.items():
        if isinstance(value, float | int) and key.endswith("_at"):
            value = received + pd.Timedelta(hours=float(value))
        row[key] = value
    return row


def register() -> pd.DataFrame:
    day = at(10)
    rows = [
        # A1 high patrol: decided after 1 h (target 2), on site after 10 h (target 12)
        alert(1, day, assessed_at=0.5, response_required=True, priority="high", decided_at=1,
              decision="patrol", dispatched_at=2, on_site_at=10, closed_at=30),
        # A2 high patrol: decided after 3 h (late), on site after 20 h (late)
        alert(2, day, assessed_at=0.5, response_required=True, priority="high", decided_at=3,
              decision="patrol", dispatched_at=4, on_site_at=20, closed_at=30),
        # A3 medium referral: a response without going on site, decided after 5 h (target 12)
        alert(3, day, assessed_at=1, response_required=True, priority="medium", decided_at=5,
              decision="referral_authorities", closed_at=6),
        # A4 low, decided 'none' after 10 h: decided in time, but no response
        alert(4, day, assessed_at=1, response_required=True, priority="low", decided_at=10,
              decision="none", closed_at=11),
        # A5 high, undecided, received 4 h before the cut-off: pending and already late
        alert(5, at(31, 20), assessed_at=0.5, response_required=True, priority="high",
              state="assessed"),
        # A6 medium, undecided, received 1 h before the cut-off: pending, not late yet
        alert(6, at(31, 23), assessed_at=0.5, response_required=True, priority="medium",
              state="assessed"),
        # A7 no response required
        alert(7, day, assessed_at=1, response_required=False, closed_at=2),
        # A8 false alert, closed unassessed
        alert(8, day, verified_at=1, verification="false", closed_at=2),
        # A9 merged into A1: left out
        alert(9, day, merged_into=1, state="merged"),
        # A10 high deployment decided after 1 h, never dispatched: no response; on site late
        alert(10, at(20), assessed_at=0.5, response_required=True, priority="high",
              decided_at=1, decision="deployment", state="decided"),
        # A11 received in March, assessed only after the cut-off: not yet requiring a response
        alert(11, at(30), assessed_at=at(2, month=4), response_required=True, priority="high",
              state="assessed"),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    for column in FRAME_COLUMNS:
        if column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["response_required"] = frame["response_required"].astype("boolean")
    return frame


def test_totals_by_hand() -> None:
    totals = response_totals(register(), CUTOFF)
    assert totals["alerts"] == 10  # A1–A8, A10, A11 (A9 merged)
    assert totals["requiring_response"] == 7  # A1–A6, A10
    assert totals["responded"] == 3  # A1, A2 (dispatched), A3 (referral)
    assert totals["pending"] == 4  # A4 (none), A5, A6, A10 (not dispatched)
    assert totals["response_rate"] == pytest.approx(3 / 7)
    # decision hours of A1, A2, A3, A4, A10: 1, 3, 5, 10, 1 → median 3; p90 = 5 + 0.6 × 5
    assert totals["decided"] == 5
    assert totals["decision_median_h"] == pytest.approx(3.0)
    assert totals["decision_p90_h"] == pytest.approx(8.0)
    # late: A2 (3 h > 2 h) and A5 (4 h waited > 2 h); known: 5 decided + A5 → 4 of 6 in time
    assert totals["decision_late"] == 2
    assert totals["decision_within_target"] == pytest.approx(4 / 6)
    # on site: A1 10 h, A2 20 h → median 15, p90 = 10 + 0.9 × 10; A10 never arrived (late)
    assert totals["on_site"] == 2
    assert totals["on_site_median_h"] == pytest.approx(15.0)
    assert totals["on_site_p90_h"] == pytest.approx(19.0)
    assert totals["on_site_late"] == 2
    assert totals["on_site_within_target"] == pytest.approx(1 / 3)


def test_an_earlier_cutoff_sees_less() -> None:
    cutoff = dt.datetime(2024, 3, 31, 21, tzinfo=UTC)
    totals = response_totals(register(), cutoff)
    assert totals["alerts"] == 9  # A6 not yet received
    assert totals["requiring_response"] == 6
    assert totals["decision_late"] == 1  # A5 has waited 1 h only: not yet late


def test_breakdown_by_priority_and_month() -> None:
    table = response_table(register(), CUTOFF, by=["priority"], freq="M")
    high = table[table["priority"] == "high"].iloc[0]
    assert str(high["period"]) == "2024-03"
    assert high["requiring_response"] == 4  # A1, A2, A5, A10
    assert high["responded"] == 2
    assert high["response_rate"] == pytest.approx(0.5)
    unknown = table[table["priority"] == "unknown"].iloc[0]  # A7, A8: never prioritised
    assert unknown["alerts"] == 2 and unknown["requiring_response"] == 0
    assert np.isnan(unknown["response_rate"])
    assert "response_rate" in table.attrs["definitions"]
    assert "alertes" in table.attrs["definitions_fr"]["response_rate"]


def test_bad_breakdowns_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot break down by reporter_name"):
        response_table(register(), CUTOFF, by=["reporter_name"])
    with pytest.raises(ValueError, match="period 'D'"):
        response_table(register(), CUTOFF, freq="D")


def test_overdue_open_alerts_come_first() -> None:
    frame = register()
    frame.loc[frame["id"] == 5, "state"] = "assessed"
    board = overdue(frame, CUTOFF)
    assert list(board["id"][:3]) == [10, 11, 5]  # all overdue, longest wait first
    assert bool(board.set_index("id").loc[6, "overdue"]) is False
    assert board.set_index("id").loc[10, "waiting_for"] == "on_site"


def test_an_installation_sets_its_own_targets(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sentinelle.domain import alerts as domain

    own = tmp_path / "targets.csv"
    own.write_text("measure,priority,hours\ndecision_time,high,6\n", encoding="utf-8")
    monkeypatch.setenv("SENTINELLE_ALERT_TARGETS", str(own))
    domain.targets.cache_clear()
    try:
        assert domain.targets()[("decision_time", "high")] == 6.0
        assert domain.targets()[("decision_time", "low")] == 48.0  # packaged, not overridden
        # with 6 h for high priority, A2 (3 h) and A5 (4 h waited) are no longer late
        assert response_totals(register(), CUTOFF)["decision_late"] == 0
        own.write_text("measure,priority,hours\ndecision_time,urgent,6\n", encoding="utf-8")
        domain.targets.cache_clear()
        with pytest.raises(domain.TargetsError, match="row 2, column 'priority': 'urgent'"):
            domain.targets()
    finally:
        monkeypatch.delenv("SENTINELLE_ALERT_TARGETS")
        domain.targets.cache_clear()
