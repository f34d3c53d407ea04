"""Alerts and events by hand: distances along a meridian (0.1° of latitude ≈ 11.1 km)."""

from __future__ import annotations

import pandas as pd
import pytest

from sentinelle.alerts.linking import after_alerts, coverage_summary, links, warning_coverage


def alerts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "received_at": pd.to_datetime(
                ["2024-03-01 23:30", "2024-03-05 08:00", "2024-03-01 10:00", "2024-03-01 10:00"],
                utc=True,
            ),
            "latitude": [14.0, 14.0, None, 14.0],
            "longitude": [-4.0, -4.0, -4.0, -4.0],
            "merged_into": [None, None, None, 1],
        }
    )


def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [10, 11, 12, 13, 14],
            # 10: same place, 2 days after alert 1; 11: 0.1° north (11.1 km), on alert 1's day;
            # 12: 0.3° north (33 km) — too far; 13: same place, 9 days after alert 1 (too late)
            # but 5 days after alert 2; 14: same place the day BEFORE alert 1
            "event_date": pd.to_datetime(
                ["2024-03-03", "2024-03-01", "2024-03-02", "2024-03-10", "2024-02-29"]
            ),
            "latitude": [14.0, 14.1, 14.3, 14.0, 14.0],
            "longitude": [-4.0, -4.0, -4.0, -4.0, -4.0],
            "vac": [True, False, True, True, True],
            "fatalities": [3, 0, 5, 1, 2],
        }
    )


def test_links_by_hand() -> None:
    found = links(alerts(), events(), radius_km=25, days=7).sort_values(["alert_id", "event_id"])
    pairs = list(zip(found["alert_id"], found["event_id"], found["days_after"], strict=True))
    # alert 3 has no coordinates; alert 4 is merged into alert 1: both left out
    assert pairs == [(1, 10, 2), (1, 11, 0), (2, 13, 5)]
    distance = found.set_index("event_id").loc[11, "distance_km"]
    assert distance == pytest.approx(11.12, abs=0.05)


def test_after_each_alert() -> None:
    table = after_alerts(alerts(), events()).set_index("alert_id")
    assert table.loc[1, "events_after"] == 2 and table.loc[1, "vac_after"] == 1
    assert table.loc[1, "vac_fatalities_after"] == 3 and table.loc[1, "first_vac_days"] == 2
    assert bool(table.loc[2, "violence_followed"]) is True
    assert table.attrs["left_out"] == 2


def test_warning_coverage_and_summary() -> None:
    coverage = warning_coverage(alerts(), events()).set_index("event_id")
    assert coverage["warned"].to_dict() == {10: True, 12: False, 13: True, 14: False}
    assert coverage.loc[10, "first_alert_id"] == 1 and coverage.loc[10, "lead_days"] == 2
    summary = coverage_summary(coverage.reset_index())
    by_month = summary.set_index("month")
    assert by_month.loc[pd.Period("2024-03", "M"), "coverage"] == pytest.approx(2 / 3)
    assert by_month.loc[pd.Period("2024-02", "M"), "warned"] == 0
    overall = coverage_summary(coverage.reset_index(), by=None)
    assert overall["coverage"].iloc[0] == pytest.approx(2 / 4)


def test_a_wider_window_and_radius_link_more() -> None:
    found = links(alerts(), events(), radius_km=40, days=10)
    assert {(1, 12), (1, 13)} <= set(zip(found["alert_id"], found["event_id"], strict=True))
    with pytest.raises(ValueError, match="radius"):
        links(alerts(), events(), radius_km=0)
