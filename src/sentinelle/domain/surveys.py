"""Survey microdata as read from a file: respondents' raw answers with the file's own metadata.

A :class:`SurveyData` is what the survey readers (:mod:`sentinelle.readers.surveys`) produce and
what the store gives back (:mod:`sentinelle.store.surveys`); analyses (harmonised indicators,
weighted estimates) use it without knowing where it came from.

* ``frame``: one row per respondent (in the file's order), one column per variable, the raw codes
  (``float64`` for numeric variables, ``str`` or ``None`` for text; dates as ISO strings).
* ``labels``: variable → question label; ``value_labels``: variable → code → label.
* ``missing``: variable → the codes that mean missing, don't know, refused, not applicable or not
  asked *in this file* (they differ between rounds: 8, 9, 98, 998, 9999, -1...). The codes stay
  in ``frame``; use :meth:`SurveyData.valid` to blank them.
* ``design``: the weight, strata and cluster variables found (:class:`SurveyDesign`).

Which value labels mean "missing" is data (``data/survey_missing_labels.csv``, English and French):
a label matches when, lower-cased, with typographic apostrophes straightened and spaces collapsed,
it matches one pattern entirely (so "Refused" and "Don't know / Haven't heard enough" are missing
codes, but "Refused to be interviewed" or "Don't know how to report" are answers).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

SurveyFormat = Literal["spss", "kobo"]
MISSING_KINDS = ("missing", "dont_know", "refused", "not_applicable", "not_asked")


@dataclass(frozen=True)
class MissingPattern:
    pattern: re.Pattern[str]
    kind: str
    language: str


@cache
def missing_label_patterns() -> tuple[MissingPattern, ...]:
    """The value-label patterns that mark a code as missing (``survey_missing_labels.csv``)."""
    text = (
        resources.files("sentinelle.domain")
        .joinpath("data", "survey_missing_labels.csv")
        .read_text(encoding="utf-8")
    )
    return tuple(
        MissingPattern(re.compile(row["pattern"], re.IGNORECASE), row["kind"], row["language"])
        for row in csv.DictReader(io.StringIO(text))
    )


def normalise_label(label: str) -> str:
    """A value label as the patterns see it: lower case, straight apostrophes, single spaces."""
    text = label.replace("’", "'").replace("‘", "'").replace("`", "'")
    return " ".join(text.split()).lower()


def missing_kind(label: str) -> str | None:
    """The kind of missing answer a value label says (``missing``, ``dont_know``, ``refused``,
    ``not_applicable``, ``not_asked``), or None for a real answer."""
    text = normalise_label(label)
    for p in missing_label_patterns():
        if p.pattern.fullmatch(text):
            return p.kind
    return None


def missing_codes(value_labels: dict[object, str]) -> frozenset[object]:
    """The codes of one variable whose value label says missing / don't know / refused..."""
    return frozenset(code for code, label in value_labels.items() if missing_kind(label))


@dataclass(frozen=True)
class SurveyDesign:
    """The variables that describe the sample design, when the file has them.

    ``weight`` is the weight to use for estimates within the country (Afrobarometer
    ``withinwt``/``Withinwt``); ``weights`` lists every weight variable found (e.g. also
    ``Combinwt``, the cross-country weight)."""

    weight: str | None = None
    strata: str | None = None
    cluster: str | None = None
    weights: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": self.weight,
            "strata": self.strata,
            "cluster": self.cluster,
            "weights": list(self.weights),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SurveyDesign:
        return cls(
            weight=data.get("weight"),
            strata=data.get("strata"),
            cluster=data.get("cluster"),
            weights=tuple(data.get("weights") or ()),
        )


@dataclass
class SurveyData:
    """One survey file: answers, labels, missing codes and design (see the module's notes).

    ``translations`` holds labels in other languages (XLSForm ``label::English (en)``...):
    language code → variable → label; ``value_translations`` likewise for choice labels.
    ``system`` lists the columns that are not questions (Kobo ``_uuid``, ``_submission_time``,
    ``start``, ``end``...)."""

    frame: pd.DataFrame
    labels: dict[str, str]
    value_labels: dict[str, dict[object, str]]
    missing: dict[str, frozenset[object]]
    source: str
    format: SurveyFormat
    design: SurveyDesign = field(default_factory=SurveyDesign)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    value_translations: dict[str, dict[str, dict[object, str]]] = field(default_factory=dict)
    system: tuple[str, ...] = ()

    @property
    def variables(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def __len__(self) -> int:
        return len(self.frame)

    def find(self, *words: str) -> list[str]:
        """The variables whose label contains every word (case-insensitive), in file order."""
        wanted = [w.lower() for w in words]
        return [
            v
            for v in self.variables
            if all(w in normalise_label(self.labels.get(v, "")) for w in wanted)
        ]

    def valid(self, variable: str) -> pd.Series:
        """The variable's answers with its missing codes blanked (NaN / None)."""
        column = self.frame[variable]
        codes = self.missing.get(variable, frozenset())
        if not codes:
            return column.copy()
        mask = column.isin(list(codes))
        if column.dtype.kind == "f":
            return column.mask(mask, np.nan)
        return column.mask(mask, None)

    def weights(self) -> pd.Series:
        """The design weight of each respondent (1.0 when the file has no weight variable)."""
        if self.design.weight is None:
            return pd.Series(1.0, index=self.frame.index, name="weight")
        return pd.to_numeric(self.frame[self.design.weight], errors="coerce").rename("weight")
