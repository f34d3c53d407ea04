"""Harmonised survey indicators, kept as data and found in each survey round by question wording.

The same question has a different variable name in each Afrobarometer round ("felt unsafe walking
in the neighbourhood" is ``Q9A`` in round 5 but ``Q10A`` in rounds 6 and 7, while round 4's
``Q9A`` asks about fearing crime at home). So an indicator names no variable: the packaged table
``sentinelle/surveys/data/indicators.csv`` gives, per indicator, a regular expression on the
variable *label* (``question``) and regular expressions on the *answer labels* that count as the
indicator being true (``true_answers``) or false (``false_answers``). See ``docs/surveys.md``.

:func:`find_questions` gives the variable(s) of a survey whose label matches (an error when more
than one does); :func:`indicator_values` gives 1 / 0 / NaN per respondent: NaN for missing, don't
know, refused and not applicable, which are excluded from every share, never counted as 0.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sentinelle.domain.surveys import missing_kind

COLUMNS = (
    "indicator",
    "name_en",
    "name_fr",
    "question",
    "true_answers",
    "false_answers",
    "rounds",
    "note",
)


class SurveyLike(Protocol):
    """What these functions need from a survey (``sentinelle.domain.surveys.SurveyData`` fits)."""

    @property
    def frame(self) -> pd.DataFrame: ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def value_labels(self) -> Mapping[str, Mapping[Any, str]]: ...

    @property
    def missing(self) -> Mapping[str, frozenset[Any]]: ...


class IndicatorError(ValueError):
    """An indicator table or a survey that cannot be used as asked."""


class AmbiguousQuestion(IndicatorError):
    """More than one variable's label matches an indicator's question wording."""


class NoQuestion(IndicatorError):
    """No variable's label matches an indicator's question wording (the round did not ask it)."""


class UnclassifiedAnswer(IndicatorError):
    """A valid answer that the indicator counts neither as true nor as false."""


@dataclass(frozen=True)
class Indicator:
    """One harmonised indicator: how to find its question, and which answers make it true."""

    key: str
    name_en: str
    name_fr: str
    question: str  # regex searched (case-insensitive) in each variable's label
    true_answers: str  # regex searched in an answer's label: the indicator is true
    false_answers: str  # regex searched in an answer's label: the indicator is false
    rounds: tuple[str, ...] = ()  # where the wording was found (documentation; checked by tests)
    note: str = ""

    def name(self, language: str = "en") -> str:
        return self.name_fr if language == "fr" else self.name_en

    def matches_question(self, label: object) -> bool:
        return isinstance(label, str) and re.search(self.question, label, re.IGNORECASE) is not None

    def classify(self, answer_label: str) -> float:
        """1.0 for a true answer, 0.0 for a false one, NaN for no valid answer."""
        if missing_kind(answer_label) is not None:
            return math.nan
        true = re.search(self.true_answers, answer_label.strip(), re.IGNORECASE) is not None
        false = re.search(self.false_answers, answer_label.strip(), re.IGNORECASE) is not None
        if true == false:
            what = "both true and false" if true else "neither true nor false"
            raise UnclassifiedAnswer(f"{self.key}: answer {answer_label!r} is {what}")
        return 1.0 if true else 0.0


def _indicators_from_rows(rows: Iterable[Mapping[str, str]]) -> dict[str, Indicator]:
    indicators: dict[str, Indicator] = {}
    for row in rows:
        key = (row.get("indicator") or "").strip()
        if not key:
            raise IndicatorError("indicator table: a row without an indicator key")
        if key in indicators:
            raise IndicatorError(f"indicator table: {key!r} listed twice")
        fields = {c: (row.get(c) or "").strip() for c in COLUMNS}
        for column in ("name_en", "name_fr", "question", "true_answers", "false_answers"):
            if not fields[column]:
                raise IndicatorError(f"indicator {key!r}: empty {column}")
        for column in ("question", "true_answers", "false_answers"):
            try:
                re.compile(fields[column])
            except re.error as error:
                raise IndicatorError(f"indicator {key!r}: bad {column} regex: {error}") from None
        indicators[key] = Indicator(
            key=key,
            name_en=fields["name_en"],
            name_fr=fields["name_fr"],
            question=fields["question"],
            true_answers=fields["true_answers"],
            false_answers=fields["false_answers"],
            rounds=tuple(r.strip() for r in fields["rounds"].split(";") if r.strip()),
            note=fields["note"],
        )
    return indicators


def read_indicators(path: str | Path) -> dict[str, Indicator]:
    """Read an indicator table shaped like the packaged ``indicators.csv``."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return _indicators_from_rows(csv.DictReader(handle))


@cache
def default_indicators() -> dict[str, Indicator]:
    """Sentinelle's packaged harmonised indicators (``surveys/data/indicators.csv``)."""
    text = resources.files("sentinelle.surveys").joinpath("data", "indicators.csv")
    return _indicators_from_rows(csv.DictReader(text.read_text(encoding="utf-8").splitlines()))


def get_indicator(indicator: str | Indicator) -> Indicator:
    if isinstance(indicator, Indicator):
        return indicator
    try:
        return default_indicators()[indicator]
    except KeyError:
        known = ", ".join(sorted(default_indicators()))
        raise IndicatorError(f"unknown indicator {indicator!r} (known: {known})") from None


def questions_matching(labels: Mapping[str, str], indicator: str | Indicator) -> list[str]:
    """The variables whose label matches the indicator's question wording, in label order."""
    found = get_indicator(indicator)
    return [name for name, label in labels.items() if found.matches_question(label)]


def find_questions(survey: SurveyLike, indicator: str | Indicator) -> list[str]:
    """The variable measuring ``indicator`` in ``survey``, found by wording: ``[]`` when the
    survey did not ask it, ``[name]`` otherwise. More than one match raises
    :class:`AmbiguousQuestion` (the wording must then be made more precise in the table)."""
    found = questions_matching(survey.labels, indicator)
    if len(found) > 1:
        listed = "; ".join(f"{n}: {survey.labels[n]!r}" for n in found)
        raise AmbiguousQuestion(
            f"{get_indicator(indicator).key}: several questions match: {listed}"
        )
    return found


def answer_values(
    codes: pd.Series,
    value_labels: Mapping[Any, str],
    missing: Iterable[Hashable],
    indicator: str | Indicator,
) -> pd.Series:
    """Per respondent 1.0 (true), 0.0 (false) or NaN (no valid answer) from raw answer codes.

    A code is no valid answer when it is empty, listed in ``missing``, or labelled missing /
    don't know / refused / not applicable (:func:`sentinelle.domain.surveys.missing_kind`, the
    readers' own rule). Every other code must have a label that the
    indicator classifies, otherwise :class:`UnclassifiedAnswer` (nothing is guessed).
    """
    found = get_indicator(indicator)
    missing_codes = {_code(c) for c in missing}
    labels = {_code(c): str(label) for c, label in value_labels.items()}
    mapping: dict[Any, float] = {}
    unlabelled = []
    for code in pd.unique(codes.dropna()):
        key = _code(code)
        if key in missing_codes:
            mapping[code] = math.nan
        elif key in labels:
            mapping[code] = found.classify(labels[key])
        else:
            unlabelled.append(code)
    if unlabelled:
        raise UnclassifiedAnswer(
            f"{found.key}: answer codes without a label: {sorted(map(str, unlabelled))}"
        )
    values = codes.map(mapping).astype("float64")
    return values.where(codes.notna(), np.nan)


def indicator_values(survey: SurveyLike, indicator: str | Indicator) -> pd.Series:
    """Per respondent 1.0 / 0.0 / NaN for ``indicator``, from the question found by wording.

    Raises :class:`NoQuestion` when the survey did not ask the question."""
    found = get_indicator(indicator)
    variables = find_questions(survey, found)
    if not variables:
        raise NoQuestion(f"{found.key}: no question of this survey matches {found.question!r}")
    variable = variables[0]
    values = answer_values(
        survey.frame[variable],
        survey.value_labels.get(variable, {}),
        survey.missing.get(variable, frozenset()),
        found,
    )
    return values.rename(found.key)


def _code(value: object) -> object:
    """A comparable form of an answer code: 9, 9.0 and "9" are the same code."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return int(number) if number.is_integer() else number
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number
