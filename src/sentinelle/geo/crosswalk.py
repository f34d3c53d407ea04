"""Keeping series comparable across the 2016 creation of the Ménaka region.

In 2016 the Ménaka cercle of the Gao region (``ML0704``) became a region of its own (``ML10``)
with four cercles: ``ML1001`` Ménaka, ``ML1002`` Andéramboukane, ``ML1003`` Inékar and ``ML1004``
Tidermène. ACLED and OCHA files after 2016 use the new codes; older files, the OCHA population
tables and the geoBoundaries cercles use the old ones.

**The choice, stated on every comparison:** series are compared in the *pre-2016* geography.
Each new unit is mapped to the old unit it lies in (``ML1001``–``ML1004`` → ``ML0704``, ``ML10`` →
``ML07``), and counts are added up there. Going the other way would mean splitting an old count
between the new cercles by some assumption (population, area) and so inventing numbers;
merging is exact. The price is that the new cercles cannot be told apart in a long series: use the
new units only for periods that start in 2016 or later.

The links live as data in ``sentinelle/geo/data/admin_crosswalk.csv`` (columns ``pcode,
pre2016_pcode, relation, note``; ``relation`` is ``part_of`` or ``continues``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

STRING = pd.StringDtype("pyarrow")

CHOICE_NOTE = (
    "Units created in 2016 are counted in the unit they were part of before 2016 "
    "(ML1001-ML1004 -> ML0704 Ménaka cercle, ML10 -> ML07 Gao region), so that series are "
    "comparable across the creation of the Ménaka region."
)
"""The sentence to print under any table or chart that uses :meth:`Crosswalk.to_pre2016`."""

RELATIONS = ("part_of", "continues")


@dataclass(frozen=True)
class Link:
    """One unit of the newer geography and the older unit it lies in."""

    pcode: str
    pre2016_pcode: str
    relation: str  # part_of: lies inside the older unit; continues: same code, changed extent
    note: str = ""


class Crosswalk:
    """Links between the post-2016 and pre-2016 P-codes of Mali's regions and cercles."""

    def __init__(self, links: Iterable[Link]) -> None:
        self.links: tuple[Link, ...] = tuple(links)
        self._before: dict[str, str] = {}
        for link in self.links:
            if link.relation not in RELATIONS:
                raise ValueError(f"crosswalk {link.pcode}: unknown relation {link.relation!r}")
            if link.pcode in self._before:
                raise ValueError(f"crosswalk: {link.pcode} is linked twice")
            self._before[link.pcode] = link.pre2016_pcode
        self._continuing = {k.pcode for k in self.links if k.relation == "continues"}
        self._retired = {k.pre2016_pcode for k in self.links} - set(self._before)

    def pre2016(self, pcode: str) -> str:
        """The pre-2016 unit that ``pcode`` lies in (``pcode`` itself for unchanged units)."""
        return self._before.get(pcode, pcode)

    def to_pre2016(self, pcodes: pd.Series) -> pd.Series:
        """A P-code column in pre-2016 geography (see the module note); missing stay missing.

        Fast on millions of rows: each distinct code is looked up once.
        """
        codes, uniques = pd.factorize(pcodes, use_na_sentinel=True)
        mapped = np.array([self.pre2016(str(u)) for u in uniques] + [None], dtype=object)
        return pd.Series(mapped[codes], index=pcodes.index, dtype=STRING, name=pcodes.name)

    def successors(self, pcode: str) -> tuple[str, ...]:
        """The post-2016 units covering what ``pcode`` covered before 2016.

        ``successors("ML0704") == ("ML1001", "ML1002", "ML1003", "ML1004")``;
        ``successors("ML07") == ("ML07", "ML10")``; an unchanged unit is its own successor.
        """
        parts = tuple(sorted(k.pcode for k in self.links if k.pre2016_pcode == pcode))
        if not parts:
            return (pcode,)
        return parts if pcode in parts or pcode in self._retired else (pcode, *parts)

    def changed(self, pcode: str) -> bool:
        """True when ``pcode`` (old or new) is touched by the 2016 change."""
        return pcode in self._before or any(k.pre2016_pcode == pcode for k in self.links)

    def is_retired(self, pcode: str) -> bool:
        """True for pre-2016 codes no longer used after 2016 (``ML0704``)."""
        return pcode in self._retired


@cache
def menaka_2016() -> Crosswalk:
    """The packaged crosswalk for the 2016 creation of the Ménaka region."""
    text = resources.files("sentinelle.geo").joinpath("data", "admin_crosswalk.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return Crosswalk(
        Link(r["pcode"].strip(), r["pre2016_pcode"].strip(), r["relation"].strip(), r["note"])
        for r in rows
    )


def to_pre2016(pcodes: pd.Series) -> pd.Series:
    """Shortcut for ``menaka_2016().to_pre2016(pcodes)``: a P-code column in pre-2016 geography.

    For example, to add up an ACLED/HDX cercle table across the split::

        table["admin2_pcode"] = to_pre2016(table["admin2_pcode"])
        table.groupby(["month", "admin2_pcode"], as_index=False)[["events"]].sum()
    """
    return menaka_2016().to_pre2016(pcodes)
