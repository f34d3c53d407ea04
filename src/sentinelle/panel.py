"""The analytical panel: unit × month → counts, with explicit zeros.

Every later analysis (threat indicators, hotspots, forecasts, alignment) starts from this table.
Rows are keyed by ``(month, unit)``: ``month`` is a pandas monthly period, ``unit`` an admin P-code
(admin1 / admin2) or a PRIO-GRID id. Every unit of the chosen level appears for every month of the
period, with zeros where nothing happened. Columns (all ``int32``):

* ``events`` — all events; ``fatalities`` — all reported fatalities;
* ``events_<type>`` and ``fatalities_<type>`` for each ACLED event type, e.g. ``events_battles``,
  ``fatalities_violence_against_civilians``;
* ``events_<type>__<sub_type>`` for each sub-event type, e.g.
  ``events_violence_against_civilians__abduction_forced_disappearance``, and
  ``fatalities_violence_against_civilians__<sub_type>`` for the sub-types of violence against
  civilians (attack, abduction/forced disappearance, sexual violence);
* ``vac_events`` and ``vac_fatalities`` — violence against civilians: events of that type, plus
  events flagged ``civilian_targeting`` (e.g. explosions aimed at civilians, in newer exports);
* ``political_violence_events`` — the event and sub-event types ACLED counts as political violence;
* ``explosions_civilian_victims_events`` / ``_fatalities`` — explosions and remote violence that hit
  civilians: flagged civilian targeting, or with civilians as an actor (ACLED ``inter`` 7);
* ``battles_populated_events`` / ``_fatalities`` — battles located at a named populated place
  (ACLED geo-precision 1: the town or village itself), i.e. fighting in or at a village or town.

``freq`` gives weekly (``W``, weeks ending Sunday), monthly (``M``, the default) or quarterly
(``Q``) panels; the time key is then named ``week``, ``month`` or ``quarter``.

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
    "inter1",
    "inter2",
    "geo_precision",
    "admin1_pcode",
    "admin2_pcode",
    "priogrid_gid",
)
Frequency = Literal["W", "M", "Q"]
TIME_COLUMN: dict[str, str] = {"W": "week", "M": "month", "Q": "quarter"}
"""The name of the time key: ``month`` for monthly panels (the default everywhere)."""
PANDAS_FREQ: dict[str, str] = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}
CIVILIANS = 7  # ACLED inter code of civilians


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def count_columns() -> list[str]:
    """The panel's count columns, in order."""
    columns = [
        "events",
        "fatalities",
        "vac_events",
        "vac_fatalities",
        "political_violence_events",
        "explosions_civilian_victims_events",
        "explosions_civilian_victims_fatalities",
        "battles_populated_events",
        "battles_populated_fatalities",
    ]
    for event_type in event_types():
        columns += [f"events_{slug(event_type)}", f"fatalities_{slug(event_type)}"]
    for event_type, sub_type in sub_event_types():
        columns.append(f"events_{slug(event_type)}__{slug(sub_type)}")
        if event_type == VAC:
            columns.append(f"fatalities_{slug(event_type)}__{slug(sub_type)}")
    return columns


def build_panel(
    events: pd.DataFrame,
    unit_kind: UnitKind,
    units: Sequence[str] | None = None,
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    geography: Geography = "as-placed",
    freq: Frequency = "M",
) -> pd.DataFrame:
    """The panel for ``events`` (columns of :data:`EVENT_INPUT_COLUMNS`).

    ``units`` lists every unit that must appear (default: those with events); ``first`` and
    ``last`` bound the period (default: the events' first and last period; periods of another
    frequency are converted, e.g. months to the quarters holding them). With
    ``geography="pre2016"`` admin units created in 2016 are counted in the unit they belonged to
    (see :mod:`sentinelle.geo.crosswalk`).
    """
    column = UNIT_COLUMN[unit_kind]
    unit_values = events[column]
    if unit_kind == "priogrid":
        unit_values = unit_values.astype("Int64").astype("string")
    elif geography == "pre2016":
        unit_values = to_pre2016(unit_values)
    pandas_freq = PANDAS_FREQ[freq]
    periods = events["event_date"].dt.to_period(pandas_freq)
    if first is not None:
        first = first.asfreq(pandas_freq, how="start") if first.freqstr != pandas_freq else first
    if last is not None:
        last = last.asfreq(pandas_freq, how="end") if last.freqstr != pandas_freq else last
    if first is None or last is None:
        if periods.notna().any():
            first = first if first is not None else periods.min()
            last = last if last is not None else periods.max()
        else:
            raise ValueError("no events and no period given: cannot choose the periods")
    assert first is not None and last is not None
    if units is None:
        units = sorted(unit_values.dropna().unique().tolist())
    else:
        units = list(dict.fromkeys(str(u) for u in units))
        if unit_kind != "priogrid" and geography == "pre2016":
            units = list(dict.fromkeys(to_pre2016(pd.Series(units, dtype="string")).tolist()))
    period = pd.period_range(first, last, freq=pandas_freq)
    n_months, n_units = len(period), len(units)

    ordinals = periods.array.asi8 if len(periods) else np.array([], dtype="int64")
    known = periods.notna().to_numpy()
    month_index = np.where(known, ordinals - first.ordinal, -1).astype("int64")
    unit_index = pd.Categorical(unit_values, categories=units).codes
    in_period = known & (month_index >= 0) & (month_index < n_months)
    placed = unit_index >= 0
    use = in_period & placed
    key = (np.where(use, month_index, 0) * n_units + unit_index)[use]
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
    civilians_involved = _column(events, "inter1") == CIVILIANS
    civilians_involved |= _column(events, "inter2") == CIVILIANS
    targeted = events["civilian_targeting"].to_numpy(dtype=bool, na_value=False)
    explosions = event_type == "Explosions/Remote violence"
    explosions_on_civilians = explosions & (targeted | civilians_involved)
    at_place = _column(events, "geo_precision") == 1
    battles_populated = (event_type == "Battles") & at_place

    data: dict[str, object] = {
        TIME_COLUMN[freq]: pd.PeriodIndex(np.repeat(period, n_units), freq=pandas_freq),
        "unit": pd.Categorical(
            np.tile(np.asarray(units, dtype=object), n_months), categories=units
        ),
        "events": counts(everything),
        "fatalities": counts(everything, fatalities),
        "vac_events": counts(vac),
        "vac_fatalities": counts(vac, fatalities),
        "political_violence_events": counts(political),
        "explosions_civilian_victims_events": counts(explosions_on_civilians),
        "explosions_civilian_victims_fatalities": counts(explosions_on_civilians, fatalities),
        "battles_populated_events": counts(battles_populated),
        "battles_populated_fatalities": counts(battles_populated, fatalities),
    }
    for name in event_types():
        of_type = event_type == name
        data[f"events_{slug(name)}"] = counts(of_type)
        data[f"fatalities_{slug(name)}"] = counts(of_type, fatalities)
    for name, sub in sub_event_types():
        of_sub_type = (event_type == name) & (sub_type == sub)
        data[f"events_{slug(name)}__{slug(sub)}"] = counts(of_sub_type)
        if name == VAC:
            data[f"fatalities_{slug(name)}__{slug(sub)}"] = counts(of_sub_type, fatalities)
    panel = pd.DataFrame(data)
    panel.attrs.update(
        {
            "unit_kind": unit_kind,
            "freq": freq,
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


def _column(events: pd.DataFrame, name: str) -> np.ndarray:
    """An integer event column as floats (NaN where missing; absent columns are all NaN)."""
    if name not in events.columns:
        return np.full(len(events), np.nan)
    return pd.to_numeric(events[name]).to_numpy(dtype="float64", na_value=np.nan)


def load_panel(
    connection: Connection,
    unit_kind: UnitKind = "admin2",
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    sources: Iterable[str] | None = None,
    geography: Geography = "as-placed",
    freq: Frequency = "M",
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
    return build_panel(frame, unit_kind, units, first, last, geography, freq)
