"""Summaries of what the store holds: events by region, type and month, and the store's status.
Used by ``sentinelle demo``, ``sentinelle status`` and, later, the overview page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, func, select

from sentinelle.domain.vocabulary import VAC, Language, event_type_label, event_types
from sentinelle.store import events as event_store
from sentinelle.store import imports, places
from sentinelle.store.schema import deployments

NOT_PLACED = {"en": "(not placed)", "fr": "(non localisé)"}


@dataclass(frozen=True)
class EventSummary:
    total: int
    fatalities: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    by_region: pd.DataFrame  # pcode, region, events, vac_events, fatalities
    by_type: pd.DataFrame  # event_type, label, events, fatalities
    by_month: pd.DataFrame  # month, events, vac_events, fatalities (every month, zeros kept)


def summarise_events(
    connection: Connection, language: Language = "fr", sources: Iterable[str] | None = None
) -> EventSummary:
    frame = event_store.load_events(
        connection,
        columns=["event_date", "event_type", "fatalities", "civilian_targeting", "admin1_pcode"],
        sources=sources,
    )
    frame["vac"] = (frame["event_type"] == VAC) | frame["civilian_targeting"].fillna(False)
    frame["vac"] = frame["vac"].astype(bool)
    names = {u.pcode: u.name(language) for u in places.load_units(connection, "admin1")}
    region = frame["admin1_pcode"].astype("string").fillna("")
    by_region = (
        frame.assign(pcode=region)
        .groupby("pcode", sort=False)
        .agg(
            events=("event_type", "size"),
            vac_events=("vac", "sum"),
            fatalities=("fatalities", "sum"),
        )
        .reset_index()
    )
    by_region["region"] = by_region["pcode"].map(lambda p: names.get(p, p) or NOT_PLACED[language])
    by_region = by_region.sort_values(["events", "pcode"], ascending=[False, True])
    by_type = (
        frame.groupby("event_type", sort=False)
        .agg(events=("event_type", "size"), fatalities=("fatalities", "sum"))
        .reindex(list(event_types()), fill_value=0)
        .reset_index()
    )
    by_type["label"] = by_type["event_type"].map(lambda e: event_type_label(e, language))
    if frame.empty:
        by_month = pd.DataFrame(columns=["month", "events", "vac_events", "fatalities"])
        first = last = None
    else:
        months = frame["event_date"].dt.to_period("M")
        period = pd.period_range(months.min(), months.max(), freq="M")
        by_month = (
            frame.assign(month=months)
            .groupby("month")
            .agg(
                events=("event_type", "size"),
                vac_events=("vac", "sum"),
                fatalities=("fatalities", "sum"),
            )
            .reindex(period, fill_value=0)
            .rename_axis("month")
            .reset_index()
        )
        first, last = frame["event_date"].min(), frame["event_date"].max()
    for table in (by_region, by_type, by_month):
        for column in ("events", "vac_events", "fatalities"):
            if column in table:
                table[column] = table[column].astype("int64")
    return EventSummary(
        total=len(frame),
        fatalities=int(frame["fatalities"].sum()) if len(frame) else 0,
        first=first,
        last=last,
        by_region=by_region.reset_index(drop=True),
        by_type=by_type,
        by_month=by_month,
    )


@dataclass(frozen=True)
class StoreStatus:
    url: str
    events_by_source: pd.DataFrame  # source, events, first, last
    units_by_level: dict[str, int]
    deployments: int
    recent_imports: list[imports.ImportRecord]


def store_status(connection: Connection, url: str, recent: int = 10) -> StoreStatus:
    return StoreStatus(
        url=url,
        events_by_source=event_store.count_events(connection),
        units_by_level=places.count_units(connection),
        deployments=int(
            connection.execute(select(func.count()).select_from(deployments)).scalar_one()
        ),
        recent_imports=imports.list_imports(connection, recent),
    )
