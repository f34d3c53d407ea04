"""Design-based weighted shares with 95% confidence intervals, by group.

The share of an indicator in a group (a region, a sex, an age group, urban or rural) is the
weighted ratio ``R = sum(w*y) / sum(w)`` over the group's respondents who gave a valid answer
(``y`` is 1 or 0; no valid answer is excluded, never counted as 0). Its variance is estimated by
Taylor linearisation of the ratio, with-replacement PSU variance within strata (the standard
``svy``/R ``survey`` estimator). With the linearised values

    z_i = d_i * w_i * (y_i - R) / sum_j(d_j * w_j)      (d_i = 1 in the group with a valid answer)

summed per PSU (``z_hc``; a respondent is its own PSU when the design gives no cluster, and the
whole sample is one stratum when it gives no strata), the variance is

    v(R) = sum_h  n_h / (n_h - 1) * sum_c (z_hc - mean_h(z))^2

over all PSUs of the sample (PSUs without group members count as zeros: domain estimation, so
the group's own sample size is random, as it is). A stratum with one PSU is centred on the
mean over all PSUs (R survey's ``lonely.psu = "adjust"``). The 95% interval is computed on the
logit scale with a t quantile on ``#PSUs - #strata`` degrees of freedom (as Stata's ``svy:
proportion``), so it stays within [0, 1]; when the share is exactly 0 or 1 (no variance) the
interval is Clopper-Pearson on the unweighted count instead.

Cells with fewer than ``min_n`` valid answers (default 30) are flagged ``small=True`` and, by
default, suppressed: share, se and interval are NaN, ``n`` is kept. Regions a round did not
cover (no respondent at all) are listed with ``covered=False``, ``n=0`` and NaN, never zero.
See ``docs/surveys.md``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sentinelle.domain.places import AdminUnit
from sentinelle.domain.surveys import missing_kind
from sentinelle.geo.gazetteer import Gazetteer, mali_gazetteer
from sentinelle.surveys.indicators import (
    Indicator,
    IndicatorError,
    SurveyLike,
    answer_values,
    find_questions,
    get_indicator,
)

MIN_N = 30
LEVEL = 0.95

#: How the grouping variables are found, by label (case-insensitive regex on the whole label).
GROUP_QUESTIONS: dict[str, str] = {
    "region": r"^\s*(province or region|region or province|region|province)\s*$",
    "sex": r"^\s*(q\w*\.\s*)?(gender|sex) of (the )?respondent\s*$|^\s*(q\w*\.\s*)?sex\s*$",
    "age": r"^\s*(q\w*\.\s*)?age( of (the )?respondent)?\s*$",
    "urban_rural": r"^\s*urban or rural\b|^\s*(urban/rural|urbrur)\b",
}
#: How the weight is found by label when the design does not name it.
WEIGHT_QUESTION = r"\bweight(ing)?\b"

#: Age groups: lower bounds of each band (the last band is open).
AGE_BANDS: tuple[int, ...] = (18, 30, 45, 60)

GROUP_KINDS = ("national", "region", "sex", "age_group", "urban_rural")

OUTPUT_COLUMNS = [
    "indicator",
    "round",
    "variable",
    "group_kind",
    "group",
    "n",
    "share",
    "lower",
    "upper",
    "se",
    "covered",
    "small",
]

SmallRule = Literal["suppress", "flag"]


class EstimateError(ValueError):
    """A survey that cannot be estimated from as asked (e.g. no weight)."""


# --- one share --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A weighted share with its linearised standard error and confidence interval."""

    n: int  # respondents in the group with a valid answer (unweighted)
    share: float
    se: float
    lower: float
    upper: float
    df: int


def weighted_share(
    y: Sequence[float] | np.ndarray | pd.Series,
    weights: Sequence[float] | np.ndarray | pd.Series,
    in_group: Sequence[bool] | np.ndarray | pd.Series | None = None,
    strata: Sequence[Any] | np.ndarray | pd.Series | None = None,
    psu: Sequence[Any] | np.ndarray | pd.Series | None = None,
    level: float = LEVEL,
) -> Share:
    """The weighted share of ``y == 1`` among the group's valid answers (``y`` NaN = excluded),
    with Taylor-linearised SE over the *whole* sample's design (see the module docstring)."""
    y_arr = np.asarray(y, dtype="float64")
    w_arr = np.asarray(weights, dtype="float64")
    size = len(y_arr)
    if len(w_arr) != size:
        raise EstimateError("weights and answers differ in length")
    if np.isnan(w_arr).any() or (w_arr < 0).any():
        raise EstimateError("weights must be present and non-negative")
    group = np.ones(size, bool) if in_group is None else np.asarray(in_group, dtype=bool)
    d = group & ~np.isnan(y_arr)
    n = int(d.sum())
    total_w = float(w_arr[d].sum())
    if n == 0 or total_w <= 0:
        return Share(n, math.nan, math.nan, math.nan, math.nan, 0)
    y0 = np.where(d, y_arr, 0.0)
    ratio = float((w_arr * y0)[d].sum() / total_w)
    z = np.where(d, w_arr * (y0 - ratio), 0.0) / total_w

    stratum = np.zeros(size, int) if strata is None else pd.factorize(np.asarray(strata))[0]
    cluster = np.arange(size) if psu is None else pd.factorize(np.asarray(psu))[0]
    totals = pd.DataFrame({"h": stratum, "c": cluster, "z": z}).groupby(["h", "c"])["z"].sum()
    grand_mean = float(totals.mean())
    variance = 0.0
    n_strata = 0
    for _, psu_totals in totals.groupby(level="h"):
        n_strata += 1
        values = psu_totals.to_numpy()
        if len(values) == 1:  # lonely PSU: centre on the mean over all PSUs
            variance += float((values[0] - grand_mean) ** 2)
        else:
            nh = len(values)
            variance += nh / (nh - 1) * float(((values - values.mean()) ** 2).sum())
    df = max(len(totals) - n_strata, 1)
    se = math.sqrt(variance)
    lower, upper = _interval(ratio, se, n, df, level)
    return Share(n, ratio, se, lower, upper, df)


def _interval(share: float, se: float, n: int, df: int, level: float) -> tuple[float, float]:
    alpha = 1 - level
    if 0 < share < 1 and se > 0:
        t = float(stats.t.ppf(1 - alpha / 2, df))
        centre = math.log(share / (1 - share))
        half = t * se / (share * (1 - share))
        return _expit(centre - half), _expit(centre + half)
    # share 0 or 1 (or no variance): Clopper-Pearson on the unweighted count
    k = round(share * n)
    lower = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- shares by group --------------------------------------------------------------------------


def shares_by_group(
    y: pd.Series,
    weights: pd.Series,
    groups: Mapping[str, pd.Series],
    expected: Mapping[str, Iterable[str]] | None = None,
    strata: pd.Series | None = None,
    psu: pd.Series | None = None,
    min_n: int = MIN_N,
    small: SmallRule = "suppress",
    level: float = LEVEL,
) -> pd.DataFrame:
    """Weighted shares of ``y`` (1 / 0 / NaN per respondent) overall and by each group kind.

    ``groups`` maps a group kind (e.g. ``"region"``) to each respondent's group (NaN = unknown,
    left out of that kind's groups). ``expected`` lists, per kind, the groups that should appear
    (e.g. every region P-code): those without any respondent are returned ``covered=False`` with
    NaN. Columns: group_kind, group, n, share, lower, upper, se, covered, small.
    """
    rows = [_row("national", "all", y, weights, None, strata, psu, min_n, small, level)]
    for kind, membership in groups.items():
        membership = membership.reindex(y.index)
        present = [g for g in pd.unique(membership.dropna())]
        wanted = list(dict.fromkeys([*(expected or {}).get(kind, []), *sorted(present, key=str)]))
        for group in wanted:
            in_group = (membership == group).to_numpy()
            if not in_group.any():
                rows.append(_uncovered(kind, group))
                continue
            rows.append(_row(kind, group, y, weights, in_group, strata, psu, min_n, small, level))
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS[3:])


def _row(
    kind: str,
    group: object,
    y: pd.Series,
    weights: pd.Series,
    in_group: np.ndarray | None,
    strata: pd.Series | None,
    psu: pd.Series | None,
    min_n: int,
    small: SmallRule,
    level: float,
) -> dict[str, Any]:
    est = weighted_share(y, weights, in_group, strata, psu, level)
    is_small = est.n < min_n
    hide = is_small and small == "suppress"
    nan = math.nan
    return {
        "group_kind": kind,
        "group": str(group),
        "n": est.n,
        "share": nan if hide else est.share,
        "lower": nan if hide else est.lower,
        "upper": nan if hide else est.upper,
        "se": nan if hide else est.se,
        "covered": True,
        "small": is_small,
    }


def _uncovered(kind: str, group: object) -> dict[str, Any]:
    nan = math.nan
    row = {"group_kind": kind, "group": str(group), "n": 0, "share": nan, "lower": nan}
    return {**row, "upper": nan, "se": nan, "covered": False, "small": True}


# --- finding the design and the groups in a survey --------------------------------------------


@dataclass(frozen=True)
class RegionMatch:
    """Survey region names matched to admin1 P-codes; ``unmatched`` names are reported."""

    pcodes: dict[str, str]
    unmatched: tuple[str, ...]


def match_regions(
    names: Iterable[object], gazetteer: Gazetteer | None = None, on: dt.date | None = None
) -> RegionMatch:
    """Match region names ("SEGOU", "Ségou", "Timbuktu"...) to admin1 P-codes with the project's
    name normalisation and alias table (:mod:`sentinelle.geo.names`) via the gazetteer."""
    gaz = gazetteer or mali_gazetteer()
    pcodes: dict[str, str] = {}
    unmatched: list[str] = []
    for name in names:
        text = str(name)
        pcode = gaz.resolve(text, "admin1", on=on)
        if pcode is None:
            unmatched.append(text)
        else:
            pcodes[text] = pcode
    return RegionMatch(pcodes, tuple(unmatched))


def find_variable(labels: Mapping[str, str], pattern: str, what: str) -> str | None:
    """The one variable whose label matches ``pattern`` (None if none; error if several)."""
    found = [
        n for n, lab in labels.items() if isinstance(lab, str) and re.search(pattern, lab, re.I)
    ]
    if len(found) > 1:
        raise EstimateError(f"{what}: several variables match by label: {found}")
    return found[0] if found else None


def _design_name(survey: SurveyLike, key: str) -> str | None:
    design = getattr(survey, "design", None)
    if design is None:
        return None
    value = design.get(key) if isinstance(design, Mapping) else getattr(design, key, None)
    return str(value) if value else None


def _labelled(survey: SurveyLike, variable: str) -> pd.Series:
    """A grouping variable as its answer labels, missing codes as NaN."""
    codes = survey.frame[variable]
    missing = survey.missing.get(variable, frozenset())
    labels = survey.value_labels.get(variable, {})
    codes = codes.where(~codes.isin(list(missing)))
    if not labels:
        return codes
    mapped = codes.map(lambda c: labels.get(c, labels.get(_as_number(c), c)))
    is_missing = mapped.map(lambda label: isinstance(label, str) and bool(missing_kind(label)))
    return mapped.where(~is_missing.astype(bool))


def _as_number(code: object) -> object:
    try:
        number = float(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return code
    return int(number) if number.is_integer() else number


def age_groups(ages: pd.Series, bands: Sequence[int] = AGE_BANDS) -> pd.Series:
    """Ages in bands labelled like ``"18-29"`` and ``"60+"`` (NaN outside the bands)."""
    edges = [*bands, math.inf]
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(bands)]
    labels.append(f"{bands[-1]}+")
    cut = pd.cut(pd.to_numeric(ages, errors="coerce"), edges, right=False, labels=labels)
    return cut.astype("object").where(cut.notna(), np.nan)


@dataclass(frozen=True)
class RoundEstimates:
    """One indicator in one survey round: the tidy table and what was used to make it."""

    table: pd.DataFrame
    variable: str | None  # the question found by wording (None: the round did not ask it)
    question: str | None  # its label
    groups: dict[str, str] = field(default_factory=dict)  # group kind -> variable used
    unmatched_regions: tuple[str, ...] = ()


def survey_estimates(
    survey: SurveyLike,
    indicator: str | Indicator,
    round: str,
    by: Sequence[str] = GROUP_KINDS,
    weight: str | None = None,
    gazetteer: Gazetteer | None = None,
    regions: Sequence[AdminUnit] | None = None,
    on: dt.date | None = None,
    min_n: int = MIN_N,
    small: SmallRule = "suppress",
    level: float = LEVEL,
) -> RoundEstimates:
    """Weighted shares of ``indicator`` in one survey round, nationally and by group.

    The question is found by wording (:func:`find_questions`); a round that did not ask it gives
    an empty table. The weight, strata and clusters come from the survey's ``design`` (the
    weight is otherwise found by label; no weight is an error, never an unweighted estimate).
    Regions are given as admin1 P-codes; every admin1 unit of ``regions`` (default: the
    gazetteer's admin1 units existing ``on`` the fieldwork date) appears, ``covered=False``
    when the round has no respondent there. Unmatched region names are kept under their own
    name and listed in ``unmatched_regions``.
    """
    found = get_indicator(indicator)
    variables = find_questions(survey, found)
    if not variables:
        return RoundEstimates(pd.DataFrame(columns=OUTPUT_COLUMNS), None, None)
    variable = variables[0]
    y = answer_values(
        survey.frame[variable],
        survey.value_labels.get(variable, {}),
        survey.missing.get(variable, frozenset()),
        found,
    )
    weight_name = weight or _design_name(survey, "weight")
    weight_name = weight_name or find_variable(survey.labels, WEIGHT_QUESTION, "weight")
    if weight_name is None:
        raise EstimateError("no survey weight: name it (weight=...) or in the survey design")
    weights = pd.to_numeric(survey.frame[weight_name], errors="raise").astype("float64")
    strata_name = _design_name(survey, "strata")
    cluster_name = _design_name(survey, "cluster")
    strata = survey.frame[strata_name] if strata_name else None
    psu = survey.frame[cluster_name] if cluster_name else None

    groups: dict[str, pd.Series] = {}
    used: dict[str, str] = {}
    expected: dict[str, list[str]] = {}
    unmatched: tuple[str, ...] = ()
    for kind in by:
        if kind == "national":
            continue
        question = GROUP_QUESTIONS["age" if kind == "age_group" else kind]
        group_var = find_variable(survey.labels, question, kind)
        if group_var is None:
            raise EstimateError(f"no {kind} variable found by label ({question!r})")
        used[kind] = group_var
        labelled = _labelled(survey, group_var)
        if kind == "region":
            match = match_regions(pd.unique(labelled.dropna()), gazetteer, on)
            unmatched = match.unmatched
            pcodes = match.pcodes
            labelled = labelled.map(lambda name, pcodes=pcodes: pcodes.get(str(name), name))
            units = regions
            if units is None:
                units = (gazetteer or mali_gazetteer()).units("admin1", on=on)
            expected["region"] = [u.pcode for u in units]
        elif kind == "age_group":
            labelled = age_groups(labelled)
        groups[kind] = labelled

    table = shares_by_group(y, weights, groups, expected, strata, psu, min_n, small, level)
    table.insert(0, "variable", variable)
    table.insert(0, "round", round)
    table.insert(0, "indicator", found.key)
    return RoundEstimates(table, variable, survey.labels.get(variable), used, unmatched)


def estimate_rounds(
    surveys: Mapping[str, SurveyLike],
    indicator: str | Indicator,
    dates: Mapping[str, dt.date] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`survey_estimates` for several rounds (``{round: survey}``), one tidy table.

    ``dates`` gives each round's fieldwork date (which admin1 units existed). Rounds that did
    not ask the question contribute no rows; unmatched region names raise, listing them."""
    tables = []
    for round_, survey in surveys.items():
        on = (dates or {}).get(round_)
        result = survey_estimates(survey, indicator, round_, on=on, **options)
        if result.unmatched_regions:
            raise IndicatorError(
                f"round {round_}: regions not matched to P-codes: {list(result.unmatched_regions)}"
            )
        if len(result.table):
            tables.append(result.table)
    if not tables:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return pd.concat(tables, ignore_index=True)
