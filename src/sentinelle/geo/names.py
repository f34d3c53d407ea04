"""Comparing place names across sources.

The same cercle is written "Ségou", "SEGOU" and "Segou"; "Gourma-Rharous" and "Gourma Rharous";
"N'tillit" and "Ntillit". :func:`name_key` reduces a name to a key that ignores accents, case,
punctuation and spacing, so that such spellings compare equal.

Some differences are not just accents or hyphens: "Baroueli" vs "Baraouéli", "Timbuktu" vs
"Tombouctou", geoBoundaries' "Koulikouro" for Koulikoro. Those live as data, in
``sentinelle/geo/data/admin_aliases.csv`` (columns ``canonical, alias, level, note``), read by
:class:`AliasTable`. An alias with an empty ``level`` applies at every level; one with ``admin1`` or
``admin2`` only at that level. A user can extend the table with their own CSV of the same shape.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

STRING = pd.StringDtype("pyarrow")

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o"})

ALIAS_LEVELS = ("", "admin1", "admin2", "admin3")


def name_key(name: object) -> str:
    """The matching key of a place name: accents removed, lower case, only letters and digits.

    ``name_key("Ségou") == name_key("SEGOU") == "segou"``;
    ``name_key("Gourma-Rharous") == name_key("Gourma Rharous") == "gourmarharous"``;
    ``name_key("N'tillit") == "ntillit"``. Missing values (None, NaN, pandas NA) give ``""``.
    """
    if name is None or name is pd.NA or (isinstance(name, float) and math.isnan(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name).translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return "".join(c for c in text if c.isalnum())


def name_keys(names: pd.Series) -> pd.Series:
    """:func:`name_key` for a whole column, computed once per distinct name (fast on millions of
    rows with few distinct names). Missing names give ``""``."""
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    keys = np.array([name_key(u) for u in uniques] + [""], dtype=object)
    return pd.Series(keys[codes], index=names.index, dtype=STRING)


@dataclass(frozen=True)
class Alias:
    """One known spelling variant: ``alias`` means the place usually written ``canonical``."""

    canonical: str
    alias: str
    level: str = ""  # "" = any level, else admin1 / admin2 / admin3
    note: str = ""


class AliasError(ValueError):
    """An alias table that contradicts itself (a programming or data-entry error)."""


class AliasTable:
    """Known spelling variants of place names, used on both sides of every name comparison.

    :meth:`canonical_key` turns any spelling into the key of its canonical spelling, so that
    ``canonical_key("Baroueli") == canonical_key("Baraouéli")``.
    """

    def __init__(self, aliases: Iterable[Alias]) -> None:
        self.aliases: tuple[Alias, ...] = tuple(aliases)
        self._map: dict[tuple[str, str], str] = {}
        for alias in self.aliases:
            if alias.level not in ALIAS_LEVELS:
                raise AliasError(f"alias {alias.alias!r}: unknown level {alias.level!r}")
            key, target = name_key(alias.alias), name_key(alias.canonical)
            if not key or not target:
                raise AliasError(f"alias {alias.alias!r} -> {alias.canonical!r}: empty name")
            if key == target:
                continue  # a variant that differs only by accents or spacing: already equal
            previous = self._map.get((alias.level, key))
            if previous is not None and previous != target:
                raise AliasError(
                    f"alias {alias.alias!r} points to two names: {previous!r} and {target!r}"
                )
            self._map[(alias.level, key)] = target
        for (level, key), target in self._map.items():
            if (level, target) in self._map or ("", target) in self._map:
                raise AliasError(
                    f"alias chain: {key!r} -> {target!r}, which is itself an alias; "
                    "point every alias to the final canonical name"
                )

    @classmethod
    def from_csv(cls, path: str | Path) -> AliasTable:
        """Read an alias table from a CSV with columns ``canonical, alias[, level, note]``."""
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return cls(_aliases_from_rows(csv.DictReader(handle)))

    def extended(self, other: AliasTable) -> AliasTable:
        """This table plus another's aliases (e.g. a user's own variants)."""
        return AliasTable((*self.aliases, *other.aliases))

    def canonical_key(self, name: object, level: str | None = None) -> str:
        """The matching key of ``name`` after replacing a known variant by its canonical name."""
        key = name_key(name)
        if level:
            target = self._map.get((level, key))
            if target is not None:
                return target
        return self._map.get(("", key), key)

    def __len__(self) -> int:
        return len(self.aliases)


def _aliases_from_rows(rows: Iterable[dict[str, str]]) -> list[Alias]:
    return [
        Alias(
            canonical=(r.get("canonical") or "").strip(),
            alias=(r.get("alias") or "").strip(),
            level=(r.get("level") or "").strip(),
            note=(r.get("note") or "").strip(),
        )
        for r in rows
    ]


@cache
def default_aliases() -> AliasTable:
    """Sentinelle's packaged table of Mali place-name variants (``geo/data/admin_aliases.csv``)."""
    text = resources.files("sentinelle.geo").joinpath("data", "admin_aliases.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return AliasTable(_aliases_from_rows(rows))
