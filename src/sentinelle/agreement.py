"""Agreement between Sentinelle's counts and a published aggregate (e.g. ACLED's admin2-month
political-violence counts on HDX).

Both sides are put in the pre-2016 geography (the Ménaka cercles of 2016 counted in ML0704, see
:mod:`sentinelle.geo.crosswalk`) and compared cell by cell over the aggregate's units and months.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from sentinelle.geo.crosswalk import CHOICE_NOTE, to_pre2016
from sentinelle.panel import load_panel
from sentinelle.store import aggregates

MEASURE_COLUMNS = {
    "political_violence": "political_violence_events",
    "events": "events",
}


@dataclass(frozen=True)
class Agreement:
    measure: str
    cells: int  # unit-months compared
    agreeing: int  # unit-months with the same count
    ours: int  # events counted by Sentinelle over those cells
    theirs: int  # events in the aggregate
    differences: pd.DataFrame  # month, unit, ours, theirs for cells that differ
    note: str

    @property
    def share(self) -> float:
        return self.agreeing / self.cells if self.cells else float("nan")


def compare_with_aggregate(
    connection: Connection,
    source: str = "acled-hdx",
    measure: str = "political_violence",
    event_sources: tuple[str, ...] = ("acled",),
) -> Agreement:
    published = aggregates.load_aggregates(connection, source, measure)
    if published.empty:
        raise ValueError(f"no {source} aggregate for {measure!r} in the store: ingest one first")
    if measure not in MEASURE_COLUMNS:
        raise ValueError(f"unknown measure {measure!r}; known: {', '.join(MEASURE_COLUMNS)}")
    level = published["level"].iloc[0]
    published["unit"] = to_pre2016(published["unit"].astype("string"))
    theirs = published.groupby(["month", "unit"], observed=True)["events"].sum()
    first, last = theirs.index.get_level_values(0).min(), theirs.index.get_level_values(0).max()
    panel = load_panel(connection, level, first, last, sources=event_sources, geography="pre2016")
    ours = panel.set_index(["month", "unit"])[MEASURE_COLUMNS[measure]]
    ours.index = ours.index.set_levels(ours.index.levels[1].astype(str), level=1)
    joined = pd.concat([ours.rename("ours"), theirs.rename("theirs")], axis=1)
    joined = joined.reindex(theirs.index).fillna(0).astype("int64")
    same = joined["ours"] == joined["theirs"]
    return Agreement(
        measure=measure,
        cells=len(joined),
        agreeing=int(same.sum()),
        ours=int(joined["ours"].sum()),
        theirs=int(joined["theirs"].sum()),
        differences=joined[~same].reset_index(),
        note=CHOICE_NOTE,
    )
