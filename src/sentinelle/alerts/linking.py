"""Alerts and events: did violence follow an alert, and was violence warned of?

An alert and an event are **linked** when the event lies within ``radius_km`` (great-circle
distance) of the alert's coordinates and happened on the alert's day or up to ``days`` days
after it (event dates are days; the alert's day is its UTC date). From the links:

* **after each alert** — the events that followed (any, and violence against civilians), their
  fatalities, and the first one's delay: did violence follow?
* **warning coverage** — for each VAC event, whether an alert preceded it (was linked to it), the
  earliest such alert and its lead in days. An alert on the day of the event counts (lead 0); it
  may report the attack itself rather than warn of it, so the lead is shown.

Alerts without coordinates, and alerts merged into another, are left out; the tables say how
many.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
RADIUS_KM = 25.0
DAYS = 7


def _xyz(longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(longitude), np.radians(latitude)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _usable_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    keep = alerts["latitude"].notna() & alerts["longitude"].notna()
    if "merged_into" in alerts:
        keep &= alerts["merged_into"].isna()
    return alerts[keep]


def links(
    alerts: pd.DataFrame, events: pd.DataFrame, radius_km: float = RADIUS_KM, days: int = DAYS
) -> pd.DataFrame:
    """Every (alert, event) pair within the radius and window: ``alert_id``, ``event_id``,
    ``distance_km``, ``days_after`` (event date − alert date).

    ``alerts`` need ``id``, ``received_at`` (UTC), ``latitude``, ``longitude``; ``events`` need
    ``event_id``, ``event_date``, ``latitude``, ``longitude``."""
    if radius_km <= 0 or radius_km > 500:
        raise ValueError(f"radius {radius_km} km: expected more than 0 and at most 500")
    if days < 0 or days > 365:
        raise ValueError(f"window {days} days: expected 0 to 365")
    columns = ["alert_id", "event_id", "distance_km", "days_after"]
    usable = _usable_alerts(alerts)
    placed = events[events["latitude"].notna() & events["longitude"].notna()]
    if usable.empty or placed.empty:
        return pd.DataFrame(columns=columns)
    event_xyz = _xyz(placed["longitude"].to_numpy(float), placed["latitude"].to_numpy(float))
    alert_xyz = _xyz(usable["longitude"].to_numpy(float), usable["latitude"].to_numpy(float))
    chord = 2.0 * np.sin(radius_km / EARTH_RADIUS_KM / 2.0)
    tree = cKDTree(event_xyz)
    near = tree.query_ball_point(alert_xyz, chord)
    counts = np.fromiter((len(n) for n in near), dtype=np.int64, count=len(near))
    if counts.sum() == 0:
        return pd.DataFrame(columns=columns)
    alert_pos = np.repeat(np.arange(len(usable)), counts)
    event_pos = np.concatenate([np.asarray(n, dtype=np.int64) for n in near if n])
    alert_day = (
        pd.to_datetime(usable["received_at"], utc=True)
        .dt.tz_localize(None)
        .dt.normalize()
        .to_numpy()
    )
    event_day = pd.to_datetime(placed["event_date"]).dt.normalize().to_numpy()
    lag = (event_day[event_pos] - alert_day[alert_pos]) / np.timedelta64(1, "D")
    window = (lag >= 0) & (lag <= days)
    alert_pos, event_pos, lag = alert_pos[window], event_pos[window], lag[window]
    dot = np.clip((alert_xyz[alert_pos] * event_xyz[event_pos]).sum(axis=1), -1.0, 1.0)
    return pd.DataFrame(
        {
            "alert_id": usable["id"].to_numpy()[alert_pos],
            "event_id": placed["event_id"].to_numpy()[event_pos],
            "distance_km": np.arccos(dot) * EARTH_RADIUS_KM,
            "days_after": lag.astype(np.int64),
        }
    )


def after_alerts(
    alerts: pd.DataFrame,
    events: pd.DataFrame,
    radius_km: float = RADIUS_KM,
    days: int = DAYS,
) -> pd.DataFrame:
    """Per alert with coordinates: events and VAC events that followed, their fatalities and
    the first one's delay in days. ``events`` also need ``vac`` (bool) and ``fatalities``."""
    usable = _usable_alerts(alerts)
    pairs = links(usable, events, radius_km, days)
    info = events.set_index("event_id")[["vac", "fatalities"]]
    pairs = pairs.join(info, on="event_id")
    out = pd.DataFrame({"alert_id": usable["id"].to_numpy()})
    grouped = pairs.groupby("alert_id")
    vac = pairs[pairs["vac"].astype(bool)].groupby("alert_id")
    out["events_after"] = out["alert_id"].map(grouped.size()).fillna(0).astype(int)
    out["vac_after"] = out["alert_id"].map(vac.size()).fillna(0).astype(int)
    out["vac_fatalities_after"] = out["alert_id"].map(vac["fatalities"].sum()).fillna(0).astype(int)
    out["first_vac_days"] = out["alert_id"].map(vac["days_after"].min())
    out["violence_followed"] = out["vac_after"] > 0
    out.attrs.update(radius_km=radius_km, days=days, left_out=len(alerts) - len(usable))
    return out


def warning_coverage(
    alerts: pd.DataFrame,
    events: pd.DataFrame,
    radius_km: float = RADIUS_KM,
    days: int = DAYS,
) -> pd.DataFrame:
    """Per VAC event (``events`` with ``vac`` true): whether an alert preceded it, the earliest
    such alert and its lead in days."""
    vac_events = events[events["vac"].astype(bool)]
    pairs = links(alerts, vac_events, radius_km, days)
    first = pairs.sort_values(
        ["event_id", "days_after", "distance_km"], ascending=[True, False, True]
    )
    first = first.drop_duplicates("event_id")
    out = vac_events.copy()
    lookup = first.set_index("event_id")
    out["warned"] = out["event_id"].isin(lookup.index)
    out["first_alert_id"] = out["event_id"].map(lookup["alert_id"])
    out["lead_days"] = out["event_id"].map(lookup["days_after"])
    out.attrs.update(radius_km=radius_km, days=days)
    return out


def coverage_summary(coverage: pd.DataFrame, by: str | None = "month") -> pd.DataFrame:
    """Share of VAC events preceded by an alert, per month (or per another column of the
    coverage table, or overall with ``by=None``)."""
    frame = coverage.copy()
    if by == "month":
        frame["month"] = pd.to_datetime(frame["event_date"]).dt.to_period("M")
    keys = [by] if by else []
    if keys:
        grouped = frame.groupby(keys, observed=True)
        table = pd.DataFrame(
            {"vac_events": grouped.size(), "warned": grouped["warned"].sum().astype(int)}
        ).reset_index()
    else:
        table = pd.DataFrame({"vac_events": [len(frame)], "warned": [int(frame["warned"].sum())]})
    table["coverage"] = np.where(
        table["vac_events"] > 0, table["warned"] / table["vac_events"].clip(lower=1), np.nan
    )
    table.attrs.update(coverage.attrs)
    return table
