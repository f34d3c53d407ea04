"""The analytical panel: unit × month → counts, with explicit zeros.

Every later analysis (threat indicators, hotspots, forecasts, alignment) starts from this table.
Rows are keyed by ``(month, unit)``: ``month`` is a pandas monthly period, ``unit`` an admin P-code
(admin1 / admin2) or a PRIO-GRID id. Every unit of the chosen level appears for every month of the
period, with zeros where nothing happened. Columns (all ``int32``):

* ``events`` — all events; ``fatalities`` — all reported fatalities;
* ``events_<type>`` and ``fatalities_<type>`` for each ACLED event type, e.g. ``events_battles``,
  ``fatalities_violence_against_civilians``;
* ``events_<type>__<sub_type>`` for each sub-event type, e.g.
  ``events_violence_against_civilians__abduction_forced_disappearance``;
* ``vac_events`` and ``vac_fatalities`` — violence against civilians: events of that type, plus
  events flagged ``civilian_targeting`` (e.g. explosions aimed at civilians, in newer exports);
* ``political_violence_events`` — the event and sub-event types ACLED counts as political violence.

``panel.attrs`` records the unit kind, the period, the geography and how many events had no unit
at that level (e.g. ACLED geo-precision 3 events have no cercle) or fell outside the period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from sentinelle.domain.months import month_range
from sentinelle.domain.places import UnitKind, priogrid_cells_covering
from sentinelle.domain.vocabulary import VAC, event_types, political_violence_types, sub_event_types
from sentinelle.geo.crosswalk import CHOICE_NOTE, to_pre2016
from sentinelle.store import events as event_store
from sentinelle.store import places

Geography = Literal["as-placed", "pre2016"]
UNIT_COLUMN: dict[UnitKind, str] = {
    "admin1": "admin1_pcode",
    "admin2": "admin2_pcode",
    "priogrid": "priogrid_gid",
}
EVENT_INPUT_COLUMNS = (
    "event_date",
    "event_type",
    "sub_event_type",
    "fatalities",
    "civilian_targeting",
    "admin1_pcode",
    "admin2_pcode",
    "priogrid_gid",
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def count_columns() -> list[str]:
    """The panel's count columns, in order."""
    columns = ["events", "fatalities", "vac_events", "vac_fatalities", "political_violence_events"]
    for event_type in event_types():
        columns += [f"events_{slug(event_type)}", f"fatalities_{slug(event_type)}"]
    for event_type, sub_type in sub_event_types():
        columns.append(f"events_{slug(event_type)}__{slug(sub_type)}")
    return columns


def build_panel(
    events: pd.DataFrame,
    unit_kind: UnitKind,
    units: Sequence[str] | None = None,
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    geography: Geography = "as-placed",
) -> pd.DataFrame:
    """The panel for ``events`` (columns of :data:`EVENT_INPUT_COLUMNS`).

    ``units`` lists every unit that must appear (default: those with events); ``first`` and
    ``last`` bound the period (default: the events' first and last month). With
    ``geography="pre2016"`` admin units created in 2016 are counted in the unit they belonged to
    (see :mod:`sentinelle.geo.crosswalk`).
    """
    column = UNIT_COLUMN[unit_kind]
    unit_values = events[column]
    if unit_kind == "priogrid":
        unit_values = unit_values.astype("Int64").astype("string")
    elif geography == "pre2016":
        unit_values = to_pre2016(unit_values)
    months = events["event_date"].dt.to_period("M")
    if first is None or last is None:
        if months.notna().any():
            first = first if first is not None else months.min()
            last = last if last is not None else months.max()
        else:
            raise ValueError("no events and no period given: cannot choose the months")
    assert first is not None and last is not None
    if units is None:
        units = sorted(unit_values.dropna().unique().tolist())
    else:
        units = list(dict.fromkeys(str(u) for u in units))
        if unit_kind != "priogrid" and geography == "pre2016":
            units = list(dict.fromkeys(to_pre2016(pd.Series(units, dtype="string")).tolist()))
    period = month_range(first, last)
    n_months, n_units = len(period), len(units)

    month_index = (months - first).map(lambda d: d.n, na_action="ignore")
    month_index = pd.to_numeric(month_index, errors="coerce").to_numpy(dtype="float64")
    unit_index = pd.Categorical(unit_values, categories=units).codes
    in_period = (month_index >= 0) & (month_index < n_months)
    placed = unit_index >= 0
    use = in_period & placed
    key = (np.where(use, month_index, 0).astype("int64") * n_units + unit_index)[use]
    size = n_months * n_units

    def counts(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        selected = mask[use]
        w = None if weights is None else weights[use][selected]
        return np.bincount(key[selected], weights=w, minlength=size).astype("int32")

    event_type = events["event_type"].to_numpy(dtype=object, na_value="")
    sub_type = events["sub_event_type"].to_numpy(dtype=object, na_value="")
    fatalities = events["fatalities"].to_numpy(dtype="float64", na_value=0.0)
    everything = np.ones(len(events), dtype=bool)
    vac = (event_type == VAC) | events["civilian_targeting"].to_numpy(dtype=bool, na_value=False)
    pv_pairs = political_violence_types()
    pairs = pd.Series(list(zip(event_type, sub_type, strict=True)), dtype=object)
    political = pairs.isin(list(pv_pairs)).to_numpy() if len(pairs) else everything

    data: dict[str, object] = {
        "month": pd.PeriodIndex(np.repeat(period, n_units), freq="M"),
        "unit": pd.Categorical(
            np.tile(np.asarray(units, dtype=object), n_months), categories=units
        ),
        "events": counts(everything),
        "fatalities": counts(everything, fatalities),
        "vac_events": counts(vac),
        "vac_fatalities": counts(vac, fatalities),
        "political_violence_events": counts(political),
    }
    for name in event_types():
        of_type = event_type == name
        data[f"events_{slug(name)}"] = counts(of_type)
        data[f"fatalities_{slug(name)}"] = counts(of_type, fatalities)
    for name, sub in sub_event_types():
        data[f"events_{slug(name)}__{slug(sub)}"] = counts((event_type == name) & (sub_type == sub))
    panel = pd.DataFrame(data)
    panel.attrs.update(
        {
            "unit_kind": unit_kind,
            "first_month": str(first),
            "last_month": str(last),
            "geography": geography,
            "geography_note": CHOICE_NOTE if geography == "pre2016" else "",
            "events_used": int(use.sum()),
            "events_without_unit": int((in_period & ~placed).sum()),
            "events_outside_period": int((~in_period).sum()),
        }
    )
    return panel


def load_panel(
    connection: Connection,
    unit_kind: UnitKind = "admin2",
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    sources: Iterable[str] | None = None,
    geography: Geography = "as-placed",
) -> pd.DataFrame:
    """The panel from the store: every stored unit of the level (for PRIO-GRID, every cell
    touching the country's admin units, or the cells with events when there are none)."""
    start = first.start_time if first is not None else None
    end = last.end_time.normalize() if last is not None else None
    frame = event_store.load_events(
        connection, columns=EVENT_INPUT_COLUMNS, sources=sources, start=start, end=end
    )
    if unit_kind == "priogrid":
        outline = [u.geometry for u in places.load_units(connection, "admin1") if u.geometry]
        units = None
        if outline:
            from shapely import union_all

            cells = priogrid_cells_covering(union_all(outline))
            units = [str(c.gid) for c in cells]
    else:
        stored = places.load_units(connection, unit_kind)
        units = [u.pcode for u in stored] or None
    if frame.empty and (first is None or last is None):
        raise ValueError("the store holds no events for this selection and no period was given")
    return build_panel(frame, unit_kind, units, first, last, geography)
