"""Response figures and warning coverage from the store (what the CLI, pages and API show)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from sentinelle.alerts.linking import DAYS, RADIUS_KM, after_alerts, warning_coverage
from sentinelle.alerts.measures import response_figures
from sentinelle.store import alerts as alert_store
from sentinelle.store import events as event_store

EVENT_COLUMNS = (
    "source",
    "event_date",
    "event_type",
    "civilian_targeting",
    "latitude",
    "longitude",
    "fatalities",
    "admin1_pcode",
    "admin2_pcode",
    "location",
)


def _day(moment: dt.datetime | None) -> pd.Timestamp | None:
    if moment is None:
        return None
    return pd.Timestamp(moment).tz_convert("UTC").tz_localize(None).normalize()


_FRAMES: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_FRAMES_KEPT = 8
_FRAMES_LOCK = threading.Lock()


def alerts_frame(
    connection: Connection, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> pd.DataFrame:
    """Alerts received in ``[start, end)`` (no personal data). The last few frames read are
    kept in memory until an alert is added or changed (``store.alerts.alerts_version``)."""
    key = (
        id(connection.engine),
        str(connection.engine.url),
        alert_store.alerts_version(connection),
        start,
        end,
    )
    with _FRAMES_LOCK:
        found = _FRAMES.get(key)
        if found is not None:
            _FRAMES.move_to_end(key)
            return found.copy(deep=False)
    frame = alert_store.load_frame(connection, start, end)
    with _FRAMES_LOCK:
        _FRAMES[key] = frame
        while len(_FRAMES) > _FRAMES_KEPT:
            _FRAMES.popitem(last=False)
    return frame.copy(deep=False)


def figures(
    connection: Connection,
    cutoff: dt.datetime,
    by: Sequence[str] = (),
    freq: str | None = "M",
    start: dt.datetime | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The response table (per period and breakdown) and the totals, as of ``cutoff``, over
    alerts received from ``start`` (default: all) up to the cut-off."""
    frame = alerts_frame(connection, start, cutoff + dt.timedelta(microseconds=1))
    return response_figures(frame, cutoff, by, freq)


def vac_events(
    connection: Connection, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> pd.DataFrame:
    """Events with a ``vac`` flag (the ACLED type or civilian targeting), any source;
    ``event_id`` is the store's id (as in /events/{id})."""
    events = event_store.load_events(
        connection, columns=list(EVENT_COLUMNS), start=_day(start), end=_day(end)
    ).rename(columns={"id": "event_id"})
    vac = (events["event_type"] == "Violence against civilians").to_numpy(bool, na_value=False)
    vac |= events["civilian_targeting"].astype("boolean").fillna(False).to_numpy(bool)
    events["vac"] = vac
    events["fatalities"] = pd.to_numeric(events["fatalities"]).fillna(0).astype(int)
    return events


@dataclass
class Coverage:
    """Alerts and the events after them; VAC events and the alerts before them."""

    after: pd.DataFrame  # one row per alert with coordinates
    coverage: pd.DataFrame  # one row per VAC event in the period
    radius_km: float
    days: int
    alerts_without_place: int


def coverage(
    connection: Connection,
    start: dt.datetime,
    end: dt.datetime,
    radius_km: float = RADIUS_KM,
    days: int = DAYS,
) -> Coverage:
    """Links between the alerts received and the events that happened in ``[start, end)``
    (events up to ``days`` after ``end`` are read so that late alerts can be followed)."""
    alerts = alerts_frame(connection, start - dt.timedelta(days=days), end)
    events = vac_events(connection, start - dt.timedelta(days=days), end + dt.timedelta(days=days))
    in_period = alerts["received_at"] >= pd.Timestamp(start).tz_convert("UTC")
    followed = after_alerts(alerts[in_period], events, radius_km, days)
    event_days = pd.to_datetime(events["event_date"])
    events_in = events[(event_days >= _day(start)) & (event_days < _day(end))]
    covered = warning_coverage(alerts, events_in, radius_km, days)
    without = int(
        (alerts[in_period]["latitude"].isna() | alerts[in_period]["longitude"].isna()).sum()
    )
    return Coverage(followed, covered, radius_km, days, without)


def share(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float(np.nan)
