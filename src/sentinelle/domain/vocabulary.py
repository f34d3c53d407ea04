"""Vocabularies as data: event types, ACLED actor `inter` codes, source names, deployment kinds.

Each vocabulary is a CSV file in ``sentinelle/domain/data`` with English and French labels. Code
asks this module for labels and valid values instead of spelling strings out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Language = Literal["en", "fr"]

VAC = "Violence against civilians"
"""The ACLED event type that matters most for protection of civilians."""


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("sentinelle.domain").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: its code (the value stored) and its labels."""

    code: str
    label_en: str
    label_fr: str

    def label(self, language: Language = "en") -> str:
        return self.label_fr if language == "fr" else self.label_en


@dataclass(frozen=True)
class EventType(Term):
    disorder_type: str
    political_violence: bool


@dataclass(frozen=True)
class SubEventType(Term):
    event_type: str
    disorder_type: str
    political_violence: bool


@dataclass(frozen=True)
class Pre2019Mapping:
    old_event_type: str
    event_type: str
    default_sub_event_type: str


@dataclass(frozen=True)
class SubtypeKeywords:
    event_type: str
    sub_event_type: str
    priority: int
    keywords: tuple[str, ...]


@cache
def event_types() -> dict[str, EventType]:
    return {
        r["event_type"]: EventType(
            code=r["event_type"],
            label_en=r["label_en"],
            label_fr=r["label_fr"],
            disorder_type=r["disorder_type"],
            political_violence=r["political_violence"] == "true",
        )
        for r in _rows("event_types.csv")
    }


@cache
def sub_event_types() -> dict[tuple[str, str], SubEventType]:
    """Current ACLED sub-event types keyed by (event_type, sub_event_type)."""
    return {
        (r["event_type"], r["sub_event_type"]): SubEventType(
            code=r["sub_event_type"],
            label_en=r["label_en"],
            label_fr=r["label_fr"],
            event_type=r["event_type"],
            disorder_type=r["disorder_type"],
            political_violence=r["political_violence"] == "true",
        )
        for r in _rows("sub_event_types.csv")
    }


@cache
def inter_codes() -> dict[int, Term]:
    return {
        int(r["code"]): Term(code=r["code"], label_en=r["label_en"], label_fr=r["label_fr"])
        for r in _rows("inter_codes.csv")
    }


@cache
def pre2019_taxonomy() -> dict[str, Pre2019Mapping]:
    """ACLED's pre-2019 event types mapped to the current taxonomy (documented in docs/data.md)."""
    return {
        r["old_event_type"]: Pre2019Mapping(
            old_event_type=r["old_event_type"],
            event_type=r["event_type"],
            default_sub_event_type=r["default_sub_event_type"],
        )
        for r in _rows("acled_pre2019_taxonomy.csv")
    }


@cache
def pre2019_subtype_keywords() -> tuple[SubtypeKeywords, ...]:
    rules = [
        SubtypeKeywords(
            event_type=r["event_type"],
            sub_event_type=r["sub_event_type"],
            priority=int(r["priority"]),
            keywords=tuple(k.strip() for k in r["keywords"].split("|") if k.strip()),
        )
        for r in _rows("acled_pre2019_subtypes.csv")
    ]
    return tuple(sorted(rules, key=lambda r: (r.event_type, r.priority)))


@cache
def ucdp_violence_types() -> dict[int, tuple[Term, str, str]]:
    """UCDP ``type_of_violence`` → (term, mapped event type, mapped sub-event type)."""
    return {
        int(r["type_of_violence"]): (
            Term(code=r["type_of_violence"], label_en=r["label_en"], label_fr=r["label_fr"]),
            r["event_type"],
            r["sub_event_type"],
        )
        for r in _rows("ucdp_violence_types.csv")
    }


@cache
def deployment_kinds() -> dict[str, Term]:
    return {
        r["kind"]: Term(code=r["kind"], label_en=r["label_en"], label_fr=r["label_fr"])
        for r in _rows("deployment_kinds.csv")
    }


@cache
def sources() -> dict[str, Term]:
    return {
        r["source"]: Term(code=r["source"], label_en=r["label_en"], label_fr=r["label_fr"])
        for r in _rows("sources.csv")
    }


def political_violence_types() -> frozenset[tuple[str, str]]:
    """(event_type, sub_event_type) pairs that ACLED counts as political violence."""
    return frozenset(k for k, v in sub_event_types().items() if v.political_violence)


def event_type_label(event_type: str, language: Language = "en") -> str:
    term = event_types().get(event_type)
    return term.label(language) if term else event_type


def sub_event_type_label(event_type: str, sub_event_type: str, language: Language = "en") -> str:
    term = sub_event_types().get((event_type, sub_event_type))
    return term.label(language) if term else sub_event_type


@dataclass(frozen=True)
class CountryBounds:
    iso3: str
    iso_numeric: int
    name_en: str
    name_fr: str
    west: float
    south: float
    east: float
    north: float


@cache
def country_bounds() -> dict[str, CountryBounds]:
    """Bounding boxes of Mali and its neighbours, keyed by ISO3, ISO numeric code and English and
    French names (lower case), for a first check that an event's coordinates lie in its country."""
    table: dict[str, CountryBounds] = {}
    for r in _rows("country_bounds.csv"):
        bounds = CountryBounds(
            iso3=r["iso3"],
            iso_numeric=int(r["iso_numeric"]),
            name_en=r["name_en"],
            name_fr=r["name_fr"],
            west=float(r["west"]),
            south=float(r["south"]),
            east=float(r["east"]),
            north=float(r["north"]),
        )
        for key in (r["iso3"], r["iso_numeric"], r["name_en"].lower(), r["name_fr"].lower()):
            table[key] = bounds
    return table


@cache
def plan_decisions() -> dict[str, Term]:
    """What a commander may decide on a plan (the decision log's ``choice``)."""
    return {
        r["code"]: Term(code=r["code"], label_en=r["label_en"], label_fr=r["label_fr"])
        for r in _rows("plan_decisions.csv")
    }


@cache
def unit_kinds() -> dict[str, Term]:
    """Kinds of unit with mobile capacity (quick reaction force, company, helicopter-borne...)."""
    return {
        r["code"]: Term(code=r["code"], label_en=r["label_en"], label_fr=r["label_fr"])
        for r in _rows("unit_kinds.csv")
    }
