"""The vocabulary of threat assessment, as data: threat types, the likelihood / severity / risk
scales, and the tiers and phases of a PoC response (``domain/data/threat_types.csv``,
``risk_scale.csv``, ``responses.csv``; docs/threat.md prints them).

Risk is the product of a likelihood class (1–5) and a severity class (1–5), read on the risk
scale: 1–4 low, 5–9 moderate, 10–15 high, 16–25 very high.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from sentinelle.domain.vocabulary import Language, Term

RISK_LEVELS = ("low", "moderate", "high", "very_high")


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("sentinelle.domain").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class ThreatType(Term):
    """A kind of threat to civilians, recognised in events by type, sub-type and condition
    (``civilians``: civilians targeted or an actor; ``populated``: at a named place)."""

    event_type: str
    sub_event_type: str
    condition: str
    severity_floor: int


@dataclass(frozen=True)
class ScaleClass(Term):
    scale: str
    lower: float
    upper: float
    meaning_en: str
    meaning_fr: str

    def meaning(self, language: Language = "en") -> str:
        return self.meaning_fr if language == "fr" else self.meaning_en


@cache
def threat_types() -> dict[str, ThreatType]:
    return {
        r["threat_type"]: ThreatType(
            code=r["threat_type"],
            label_en=r["label_en"],
            label_fr=r["label_fr"],
            event_type=r["event_type"],
            sub_event_type=r["sub_event_type"],
            condition=r["condition"],
            severity_floor=int(r["severity_floor"]),
        )
        for r in _rows("threat_types.csv")
    }


@cache
def scale(name: str) -> tuple[ScaleClass, ...]:
    """The classes of the ``likelihood``, ``severity`` or ``risk`` scale, lowest first."""
    found = tuple(
        ScaleClass(
            code=r["class"],
            label_en=r["label_en"],
            label_fr=r["label_fr"],
            scale=r["scale"],
            lower=float(r["lower"]),
            upper=float(r["upper"]),
            meaning_en=r["meaning_en"],
            meaning_fr=r["meaning_fr"],
        )
        for r in _rows("risk_scale.csv")
        if r["scale"] == name
    )
    if not found:
        raise KeyError(f"no scale {name!r}")
    return found


@cache
def responses() -> dict[str, dict[str, Term]]:
    """``{"tier": {...}, "phase": {...}}`` with French and English labels."""
    found: dict[str, dict[str, Term]] = {"tier": {}, "phase": {}}
    for r in _rows("responses.csv"):
        found[r["kind"]][r["code"]] = Term(r["code"], r["label_en"], r["label_fr"])
    return found


def classify(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int8]:
    """The class (1..5) of each value on the ``likelihood`` or ``severity`` scale: the class
    whose [lower, upper) interval holds it."""
    array = np.asarray(values, dtype="float64")
    classes = scale(name)
    edges = np.array([c.upper for c in classes[:-1]])
    return (np.searchsorted(edges, array, side="right") + 1).astype("int8")


def risk_level(
    likelihood_class: npt.ArrayLike, severity_class: npt.ArrayLike
) -> npt.NDArray[np.str_]:
    """Risk level codes (``low`` … ``very_high``) from the product of the two classes."""
    score = np.asarray(likelihood_class, dtype="int64") * np.asarray(severity_class, dtype="int64")
    bounds = [int(c.upper) for c in scale("risk")[:-1]]  # 4, 9, 15
    index = np.searchsorted(np.array(bounds), score, side="left")
    return np.array(RISK_LEVELS, dtype=object)[index].astype(str)


def risk_score(
    likelihood_class: npt.ArrayLike, severity_class: npt.ArrayLike
) -> npt.NDArray[np.int8]:
    return (
        np.asarray(likelihood_class, dtype="int64") * np.asarray(severity_class, dtype="int64")
    ).astype("int8")
