"""Civilian harm caused by the mission's and partner forces' operations: vocabularies as data.

Forces (with the ACLED actor pattern that recognises each), harm categories, activities and
confidence grades have their own CSV in ``domain/data``; the shorter lists (time and location
precision, investigation status, victims' sex, age group, civilian status, harm and cause,
sources' kind and reliability, amends and the answer to them, mitigation measures' kind and
status) are in ``harm_vocabulary.csv``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sentinelle.domain.vocabulary import Term


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("sentinelle.domain").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Force(Term):
    """A force whose operations may harm civilians; ``pattern`` recognises its ACLED actor
    names (None: chosen by hand only)."""

    pattern: re.Pattern[str] | None


@cache
def forces() -> dict[str, Force]:
    return {
        r["code"]: Force(
            r["code"],
            r["label_en"],
            r["label_fr"],
            re.compile(r["acled_pattern"]) if r["acled_pattern"] else None,
        )
        for r in _rows("harm_forces.csv")
    }


def force_of(actor: object) -> str | None:
    """The force an ACLED actor name belongs to, or None (also for a missing name: None, NaN)."""
    if not isinstance(actor, str) or not actor:
        return None
    for code, force in forces().items():
        if force.pattern is not None and force.pattern.search(actor):
            return code
    return None


@cache
def categories() -> dict[str, Term]:
    return {
        r["code"]: Term(r["code"], r["label_en"], r["label_fr"])
        for r in _rows("harm_categories.csv")
    }


@cache
def activities() -> dict[str, Term]:
    return {
        r["code"]: Term(r["code"], r["label_en"], r["label_fr"])
        for r in _rows("harm_activities.csv")
    }


@dataclass(frozen=True)
class Confidence(Term):
    definition_en: str
    definition_fr: str


@cache
def confidence_grades() -> dict[str, Confidence]:
    return {
        r["code"]: Confidence(
            r["code"], r["label_en"], r["label_fr"], r["definition_en"], r["definition_fr"]
        )
        for r in _rows("harm_confidence.csv")
    }


@cache
def vocabulary(name: str) -> dict[str, Term]:
    """One list of ``harm_vocabulary.csv`` (e.g. ``"investigation"``, ``"amends"``)."""
    found = {
        r["code"]: Term(r["code"], r["label_en"], r["label_fr"])
        for r in _rows("harm_vocabulary.csv")
        if r["vocabulary"] == name
    }
    if not found:
        raise KeyError(f"no harm vocabulary {name!r}")
    return found
