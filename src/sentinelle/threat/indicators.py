"""Threat indicators per unit and period: what violence civilians faced, how often, how deadly,
per head of population, whether it is rising, and where it is new.

:func:`build_indicators` turns a panel (:func:`sentinelle.panel.build_panel` or
:func:`~sentinelle.panel.load_panel`; admin1, admin2 or PRIO-GRID units; weekly, monthly or
quarterly periods) into one row per period and unit — keyed like the panel — with:

* **violence against civilians (VAC)**: ``vac_events``, ``vac_fatalities`` — ACLED's event type
  plus events of other types flagged as targeting civilians; and by ACLED sub-type (events of the
  VAC type only, so the three need not add up to ``vac_events``): ``vac_attack_*``,
  ``vac_abduction_*`` (abduction / forced disappearance), ``vac_sexual_violence_*``, each
  ``_events`` and ``_fatalities``;
* **explosions and remote violence with civilian victims** (``explosions_civilian_victims_*``)
  and **battles at populated places** (``battles_populated_*``: battles coded to the town or
  village itself), events and fatalities;
* ``fatalities`` — all reported fatalities;
* **rates per 100,000 people**: ``fatalities_per_100k``, ``vac_fatalities_per_100k``,
  ``vac_events_per_100k`` — from ``population`` (people per unit), NaN where the population is
  unknown or not positive: an unknown denominator never becomes a rate of 0;
* **the VAC trend** (:mod:`sentinelle.threat.trend`): ``vac_recent``, ``vac_baseline``,
  ``vac_rate_ratio``, ``vac_dispersion``, ``vac_p_increase``, ``vac_p_decrease``, ``vac_trend``;
* **onset** (``vac_onset``): violence against civilians in a period after none in the previous
  12 periods — only where the panel holds those 12 periods (earlier periods are never onsets,
  since the history needed to say "new" is missing).

Counts are ``int32``, rates and statistics ``float64``, the trend an ordered categorical, onset
``bool``. ``attrs["definitions"]`` holds the definition of every column; the panel's own
``attrs`` (unit kind, frequency, geography) are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from sentinelle.domain.places import UnitKind
from sentinelle.panel import Frequency, Geography, load_panel
from sentinelle.threat.layout import PanelLayout
from sentinelle.threat.trend import (
    ALPHA,
    BASELINE,
    MIN_EVENTS,
    RECENT,
    trend_columns,
    trend_definition,
    trend_test,
)

ONSET_WINDOW = 12
PER = 100_000
VAC_PANEL = "violence_against_civilians"
SUB_TYPES = {  # indicator prefix → panel sub-type slug
    "vac_attack": "attack",
    "vac_abduction": "abduction_forced_disappearance",
    "vac_sexual_violence": "sexual_violence",
}
COUNTS = {  # indicator column → panel column
    "vac_events": "vac_events",
    "vac_fatalities": "vac_fatalities",
    **{
        f"{prefix}_{measure}": f"{measure}_{VAC_PANEL}__{slug}"
        for prefix, slug in SUB_TYPES.items()
        for measure in ("events", "fatalities")
    },
    "explosions_civilian_victims_events": "explosions_civilian_victims_events",
    "explosions_civilian_victims_fatalities": "explosions_civilian_victims_fatalities",
    "battles_populated_events": "battles_populated_events",
    "battles_populated_fatalities": "battles_populated_fatalities",
    "fatalities": "fatalities",
}
RATES = {  # rate column → count column
    "fatalities_per_100k": "fatalities",
    "vac_fatalities_per_100k": "vac_fatalities",
    "vac_events_per_100k": "vac_events",
}

DEFINITIONS: dict[str, str] = {
    "vac_events": "violence against civilians: ACLED events of that type, plus events of other "
    "types flagged as targeting civilians",
    "vac_fatalities": "fatalities reported in those events",
    "vac_attack_events": "violence against civilians, sub-type attack",
    "vac_attack_fatalities": "fatalities in those attacks",
    "vac_abduction_events": "violence against civilians, sub-type abduction/forced disappearance",
    "vac_abduction_fatalities": "fatalities in those abductions",
    "vac_sexual_violence_events": "violence against civilians, sub-type sexual violence",
    "vac_sexual_violence_fatalities": "fatalities in those events",
    "explosions_civilian_victims_events": "explosions/remote violence flagged as targeting "
    "civilians or with civilians as an actor (ACLED inter code 7)",
    "explosions_civilian_victims_fatalities": "fatalities in those explosions",
    "battles_populated_events": "battles coded to a populated place itself (ACLED geo-precision "
    "1: the town or village)",
    "battles_populated_fatalities": "fatalities in those battles",
    "fatalities": "all reported fatalities",
    "population": "people living in the unit (as given; NaN when unknown)",
    "fatalities_per_100k": "fatalities per 100,000 people; NaN when the population is unknown",
    "vac_fatalities_per_100k": "VAC fatalities per 100,000 people; NaN when the population is "
    "unknown",
    "vac_events_per_100k": "VAC events per 100,000 people; NaN when the population is unknown",
    "vac_recent": "VAC events in the recent window ending with the period",
    "vac_baseline": "VAC events in the baseline window before the recent one",
    "vac_rate_ratio": "recent VAC rate per period ÷ baseline rate (inf: none before)",
    "vac_dispersion": "φ = max(1, variance/mean) of the baseline periods' VAC counts",
    "vac_p_increase": "one-sided p-value of an increase (quasi-Poisson conditional binomial test)",
    "vac_p_decrease": "one-sided p-value of a decrease",
    "vac_trend": "increasing / decreasing / stable / insufficient (see attrs['trend'])",
    "vac_onset": "violence against civilians in the period after none in the previous 12 "
    "periods (false where 12 periods of history are not in the panel)",
}


def onsets(counts: np.ndarray, window: int = ONSET_WINDOW) -> np.ndarray:
    """``True`` where ``counts[..., t] > 0`` and the ``window`` periods before ``t`` are all 0;
    ``False`` for the first ``window`` periods (not enough history to call anything new)."""
    x = np.asarray(counts)
    if window < 1:
        raise ValueError("the onset window must be at least 1 period")
    present = (x > 0).astype(np.int64)
    cumulative = np.concatenate(
        [np.zeros((*x.shape[:-1], 1), dtype=np.int64), np.cumsum(present, axis=-1)], axis=-1
    )
    t = np.arange(x.shape[-1])
    before = cumulative[..., t] - cumulative[..., np.maximum(t - window, 0)]
    result: np.ndarray = (x > 0) & (before == 0) & (t >= window)
    return result


def population_vector(population: pd.Series | None, units: pd.Index) -> np.ndarray:
    """People per unit, in the order of ``units`` (codes compared as text, so PRIO-GRID ids may
    be integers); NaN where unknown, missing or not positive."""
    if population is None:
        return np.full(len(units), np.nan)
    index = pd.Index(population.index.astype(str))
    if index.has_duplicates:
        repeated = sorted(set(index[index.duplicated()]))[:5]
        raise ValueError(f"the population has more than one value for {', '.join(repeated)}")
    values = pd.to_numeric(pd.Series(population.to_numpy(), index=index), errors="coerce")
    people = values.reindex(units.astype(str)).to_numpy(dtype=np.float64, na_value=np.nan)
    result: np.ndarray = np.where(people > 0, people, np.nan)
    return result


def build_indicators(
    panel: pd.DataFrame,
    population: pd.Series | None = None,
    recent: int = RECENT,
    baseline: int = BASELINE,
    alpha: float = ALPHA,
    min_events: int = MIN_EVENTS,
    onset_window: int = ONSET_WINDOW,
) -> pd.DataFrame:
    """The indicator frame of ``panel`` (see the module docstring), keyed by the panel's time
    column and ``unit``, in the panel's order. ``population`` is a Series of people indexed by
    unit code (absent, NaN or non-positive values give NaN rates)."""
    missing = [c for c in COUNTS.values() if c not in panel.columns]
    if missing:
        raise ValueError(f"the panel lacks the columns {', '.join(missing)}")
    layout = PanelLayout.of(panel)
    frame = layout.keys()
    matrices: dict[str, np.ndarray] = {}
    for name, column in COUNTS.items():
        matrices[name] = layout.matrix(panel, column)
        frame[name] = layout.long(matrices[name]).astype(np.int32)

    people = population_vector(population, layout.units)
    n_periods = layout.shape[1]
    frame["population"] = np.tile(people, n_periods)
    for rate, count in RATES.items():
        frame[rate] = frame[count].to_numpy(dtype=np.float64) / frame["population"] * PER

    vac = matrices["vac_events"]
    result = trend_test(vac, recent, baseline, alpha, min_events)
    for key, values in trend_columns(result, "vac").items():
        frame[key] = values
    frame["vac_onset"] = layout.long(onsets(vac, onset_window))

    frame.attrs.update(panel.attrs)
    definitions = dict(DEFINITIONS)
    definitions["vac_onset"] = definitions["vac_onset"].replace("12", str(onset_window))
    frame.attrs.update(
        {
            "definitions": definitions,
            "trend": trend_definition(result),
            "onset_window": onset_window,
            "population_known": int(np.isfinite(people).sum()),
            "population_source": dict(population.attrs) if population is not None else {},
            "units": len(layout.units),
        }
    )
    return frame


def load_indicators(
    connection: Connection,
    unit_kind: UnitKind = "admin2",
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    sources: Iterable[str] | None = None,
    geography: Geography = "as-placed",
    freq: Frequency = "M",
    population: pd.Series | None = None,
) -> pd.DataFrame:
    """:func:`build_indicators` on the store's panel (:func:`sentinelle.panel.load_panel`)."""
    panel = load_panel(connection, unit_kind, first, last, sources, geography, freq)
    return build_indicators(panel, population)
