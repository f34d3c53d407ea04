"""Harmonised survey indicators and design-based weighted shares (issue 9, items 2-3)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sentinelle.surveys.estimates import (
    estimate_rounds,
    match_regions,
    survey_estimates,
    weighted_share,
)
from sentinelle.surveys.indicators import (
    AmbiguousQuestion,
    NoQuestion,
    UnclassifiedAnswer,
    default_indicators,
    find_questions,
    indicator_values,
)

FREQUENCY = {
    0.0: "Never",
    1.0: "Just once or twice",
    2.0: "Several times",
    3.0: "Many times",
    4.0: "Always",
    9.0: "Don't know",
    998.0: "Refused",
}


@dataclass
class FakeSurvey:
    """Shaped like ``sentinelle.domain.surveys.SurveyData`` (the fields these functions use)."""

    frame: pd.DataFrame
    labels: dict[str, str]
    value_labels: dict[str, dict[Any, str]]
    missing: dict[str, frozenset[Any]]
    design: dict[str, str | None] = field(default_factory=dict)


def hand_survey() -> FakeSurvey:
    """Eight respondents in two strata (Ségou, Bamako); one refused (998)."""
    frame = pd.DataFrame(
        {
            "REGION": [504.0] * 4 + [509.0] * 4,
            "Q10A": [2.0, 0.0, 1.0, 998.0, 4.0, 0.0, 0.0, 3.0],  # y = 1, 0, 1, -, 1, 0, 0, 1
            "Q10B": [0.0] * 8,
            "wt": [1.0, 2.0, 1.0, 3.0, 2.0, 1.0, 1.0, 2.0],
            "Q101": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        }
    )
    labels = {
        "REGION": "Province or region",
        "Q10A": "Q10a. How often felt unsafe walking in neighbourhood",
        "Q10B": "Q10b. How often feared crime in home",
        "wt": "Within country weighting factor",
        "Q101": "Q101. Gender of respondent",
    }
    value_labels = {
        "REGION": {504.0: "SEGOU", 509.0: "BAMAKO", 507.0: "GAO"},
        "Q10A": FREQUENCY,
        "Q10B": FREQUENCY,
        "Q101": {1.0: "Male", 2.0: "Female"},
    }
    missing = {"Q10A": frozenset({9.0, 998.0}), "Q10B": frozenset({9.0, 998.0})}
    design = {"weight": "wt", "strata": "REGION", "cluster": None}
    return FakeSurvey(frame, labels, value_labels, missing, design)


# Worked by hand: valid answers (y, w) — Ségou (1,1) (0,2) (1,1); Bamako (1,2) (0,1) (0,1) (1,2).
# sum(w) = 4 + 6 = 10, sum(w*y) = 2 + 4 = 6, share = 0.6.
# z = w (y - 0.6) / 10, the refusal 0: Ségou [.04, -.12, .04, 0] (mean -.01),
# Bamako [.08, -.06, -.06, .08] (mean .01); each respondent its own PSU.
# v = 4/3 (.05² + .11² + .05² + .01²) + 4/3 (4 × .07²) = 4/3 (.0172 + .0196)
HAND_SHARE = 0.6
HAND_SE = math.sqrt(4 / 3 * (0.0172 + 0.0196))
HAND_DF = 8 - 2


def test_weighted_share_and_taylor_se_by_hand() -> None:
    survey = hand_survey()
    y = indicator_values(survey, "felt_unsafe_walking")
    assert y.drop(index=3).tolist() == [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]
    est = weighted_share(y, survey.frame["wt"], strata=survey.frame["REGION"])
    assert est.n == 7
    assert est.share == pytest.approx(HAND_SHARE)
    assert est.se == pytest.approx(HAND_SE)
    assert est.df == HAND_DF
    # 95% interval on the logit scale with t(6)
    t = stats.t.ppf(0.975, HAND_DF)
    logit = math.log(0.6 / 0.4)
    half = t * HAND_SE / (0.6 * 0.4)
    assert est.lower == pytest.approx(1 / (1 + math.exp(-(logit - half))))
    assert est.upper == pytest.approx(1 / (1 + math.exp(-(logit + half))))
    assert est.lower < HAND_SHARE < est.upper


def test_missing_codes_are_excluded_not_averaged() -> None:
    survey = hand_survey()
    y = indicator_values(survey, "felt_unsafe_walking")
    assert math.isnan(y.iloc[3])  # 998 "Refused"
    est = weighted_share(y, survey.frame["wt"])
    assert est.share == pytest.approx(0.6)
    # what averaging the refusal would have given, as 0 or as the raw code
    assert est.share != pytest.approx(6 / 13)
    assert est.n == 7


def test_missing_code_known_only_by_its_label_is_excluded() -> None:
    survey = hand_survey()
    survey.missing = {}  # the file declares no missing codes: "Refused" still is not an answer
    y = indicator_values(survey, "felt_unsafe_walking")
    assert math.isnan(y.iloc[3])
    assert weighted_share(y, survey.frame["wt"]).share == pytest.approx(0.6)


def test_unlabelled_answer_code_is_an_error() -> None:
    survey = hand_survey()
    survey.frame.loc[0, "Q10A"] = 7.0
    with pytest.raises(UnclassifiedAnswer, match="without a label"):
        indicator_values(survey, "felt_unsafe_walking")


def test_question_found_by_wording_not_name() -> None:
    survey = hand_survey()
    renamed = FakeSurvey(
        survey.frame.rename(columns={"Q10A": "Q9A", "Q10B": "Q10A"}),
        {"Q9A": survey.labels["Q10A"], "Q10A": survey.labels["Q10B"]},
        {"Q9A": FREQUENCY, "Q10A": FREQUENCY},
        {},
    )
    assert find_questions(renamed, "felt_unsafe_walking") == ["Q9A"]
    # a round asking only "feared crime in home" has no such question
    only_crime = FakeSurvey(survey.frame, {"Q9A": "Q9a. How often feared crime in home"}, {}, {})
    assert find_questions(only_crime, "felt_unsafe_walking") == []
    with pytest.raises(NoQuestion):
        indicator_values(only_crime, "felt_unsafe_walking")


def test_two_matching_questions_are_ambiguous() -> None:
    survey = hand_survey()
    survey.labels["Q10B"] = "Q10b. How often felt unsafe walking in neighbourhood at night"
    with pytest.raises(AmbiguousQuestion, match=r"Q10A.*Q10B"):
        find_questions(survey, "felt_unsafe_walking")


def test_indicator_table_has_both_languages() -> None:
    table = default_indicators()
    assert {"felt_unsafe_walking", "feared_violence", "trust_army"} <= set(table)
    for indicator in table.values():
        assert indicator.name_en and indicator.name_fr
        assert indicator.name("fr") == indicator.name_fr


def test_uncovered_region_is_nan_not_zero_and_small_cells_flagged() -> None:
    survey = hand_survey()
    result = survey_estimates(survey, "felt_unsafe_walking", "t", by=("region",), min_n=4)
    table = result.table.set_index("group")
    assert result.unmatched_regions == ()
    gao = table.loc["ML07"]  # no respondent in Gao
    assert not gao["covered"]
    assert gao["n"] == 0
    assert math.isnan(gao["share"]) and math.isnan(gao["lower"]) and math.isnan(gao["upper"])
    segou, bamako = table.loc["ML04"], table.loc["ML09"]
    assert segou["covered"] and segou["small"] and segou["n"] == 3  # 3 valid answers < 4
    assert math.isnan(segou["share"])  # suppressed
    assert bamako["covered"] and not bamako["small"]
    assert bamako["share"] == pytest.approx(4 / 6)
    national = table.loc["all"]
    assert national["share"] == pytest.approx(HAND_SHARE)
    assert national["se"] == pytest.approx(HAND_SE)
    # "flag" keeps the small cell's numbers, still flagged
    flagged = survey_estimates(
        survey, "felt_unsafe_walking", "t", by=("region",), min_n=4, small="flag"
    ).table.set_index("group")
    assert flagged.loc["ML04", "small"]
    assert flagged.loc["ML04", "share"] == pytest.approx(2 / 4)


def test_region_names_matched_with_project_normalisation() -> None:
    match = match_regions(["SEGOU", "Ségou", "Timbuktu", "Koulikouro", "BAMAKO", "Atlantis"])
    assert match.pcodes == {
        "SEGOU": "ML04",
        "Ségou": "ML04",
        "Timbuktu": "ML06",
        "Koulikouro": "ML02",
        "BAMAKO": "ML09",
    }
    assert match.unmatched == ("Atlantis",)


def test_clustered_se_matches_samplics() -> None:
    samplics = pytest.importorskip("samplics")
    rng = np.random.default_rng(9)
    n = 240
    strata = np.repeat([1, 2, 3], 80)
    psu = np.repeat(np.arange(30), 8)
    y = (rng.random(n) < 0.3 + 0.02 * (psu % 5)).astype(float)
    y[rng.random(n) < 0.05] = np.nan
    w = rng.uniform(0.5, 2.0, n)
    ours = weighted_share(y, w, strata=strata, psu=psu)
    keep = ~np.isnan(y)  # samplics drops the rows (fine here: whole-sample estimate)
    theirs = samplics.TaylorEstimator(samplics.PopParam.prop)
    theirs.estimate(y=y[keep], samp_weight=w[keep], stratum=strata[keep], psu=psu[keep])
    assert ours.share == pytest.approx(theirs.point_est[1.0])
    assert ours.se == pytest.approx(theirs.stderror[1.0])
    assert ours.lower == pytest.approx(theirs.lower_ci[1.0], rel=1e-6)


# --- acceptance: the four Afrobarometer Mali rounds -------------------------------------------

ROUND_DATES = {
    "4": dt.date(2008, 12, 1),
    "5": dt.date(2012, 12, 1),
    "6": dt.date(2014, 12, 1),
    "7": dt.date(2017, 2, 1),
}
# chosen by reading each file's labels
WALKING = {"5": "Q9A", "6": "Q10A", "7": "Q10A"}
REGION_PCODES = {
    "kayes": "ML01",
    "koulikoro": "ML02",
    "sikasso": "ML03",
    "segou": "ML04",
    "ségou": "ML04",
    "mopti": "ML05",
    "tombouctou": "ML06",
    "gao": "ML07",
    "kidal": "ML08",
    "bamako": "ML09",
}


def read_round(path: Path) -> Any:
    try:
        from sentinelle.readers.surveys import read_spss
    except ImportError:
        read_spss = None
    if read_spss is not None:
        return read_spss(path)
    pyreadstat = pytest.importorskip("pyreadstat")
    from sentinelle.domain.surveys import SurveyData, SurveyDesign, missing_codes

    frame, meta = pyreadstat.read_sav(str(path))
    weight = next(c for c in frame.columns if str(c).lower() == "withinwt")
    return SurveyData(
        frame=frame,
        labels=dict(meta.column_names_to_labels),
        value_labels=dict(meta.variable_value_labels),
        missing={v: missing_codes(vl) for v, vl in meta.variable_value_labels.items()},
        source=str(path),
        format="spss",
        design=SurveyDesign(weight=weight),
    )


@pytest.fixture(scope="module")
def rounds(shared_data: Path) -> dict[str, Any]:
    folder = shared_data / "surveys"
    return {r: read_round(folder / f"afrobarometer_mali_round{r}.sav") for r in ROUND_DATES}


def independent_shares(path: Path, variable: str) -> tuple[float, dict[str, float]]:
    """sum(w*y)/sum(w) over the answers 0-4 (Never ... Always), straight from the file."""
    pyreadstat = pytest.importorskip("pyreadstat")
    frame, meta = pyreadstat.read_sav(str(path))
    weight = next(c for c in frame.columns if str(c).lower() == "withinwt")
    valid = frame[frame[variable].isin([0, 1, 2, 3, 4])]
    y = (valid[variable] > 0).astype(float)
    w = valid[weight]
    national = float((w * y).sum() / w.sum())
    names = valid["REGION"].map(meta.variable_value_labels["REGION"]).str.lower()
    pcodes = names.map(REGION_PCODES)
    by_region = (w * y).groupby(pcodes).sum() / w.groupby(pcodes).sum()
    return national, by_region.to_dict()


def test_acceptance_felt_unsafe_walking_by_region_and_round(
    rounds: dict[str, Any], shared_data: Path
) -> None:
    for r, variable in WALKING.items():
        label = rounds[r].labels[variable].lower()
        assert "unsafe" in label and "walking" in label
    # round 4's Q9A asks something else, and round 4 has no walking question at all
    assert "crime in home" in rounds["4"].labels["Q9A"].lower()
    assert find_questions(rounds["4"], "felt_unsafe_walking") == []

    table = estimate_rounds(rounds, "felt_unsafe_walking", ROUND_DATES)
    assert "4" not in set(table["round"])
    assert set(table["round"]) == {"5", "6", "7"}

    print()
    for r, variable in WALKING.items():
        rows = table[table["round"] == r]
        assert set(rows["variable"]) == {variable}
        path = shared_data / "surveys" / f"afrobarometer_mali_round{r}.sav"
        national, by_region = independent_shares(path, variable)
        nat = rows[rows["group_kind"] == "national"].iloc[0]
        assert nat["share"] == pytest.approx(national, abs=1e-9)
        assert nat["lower"] < nat["share"] < nat["upper"]
        print(
            f"round {r} ({variable}): felt unsafe walking {nat['share']:.1%} "
            f"[{nat['lower']:.1%}, {nat['upper']:.1%}], n={nat['n']}"
        )
        regions = rows[rows["group_kind"] == "region"].set_index("group")
        for pcode, share in by_region.items():
            row = regions.loc[pcode]
            assert row["covered"]
            if not row["small"]:
                assert row["share"] == pytest.approx(share, abs=1e-9)
                assert row["lower"] <= row["share"] <= row["upper"]

    r5 = table[(table["round"] == "5") & (table["group_kind"] == "region")].set_index("group")
    for pcode in ("ML06", "ML07", "ML08"):  # Tombouctou, Gao, Kidal
        assert not r5.loc[pcode, "covered"]
        assert r5.loc[pcode, "n"] == 0
        assert math.isnan(r5.loc[pcode, "share"])
    assert r5.drop(index=["ML06", "ML07", "ML08"])["covered"].all()


def test_acceptance_other_indicators_found_once(rounds: dict[str, Any]) -> None:
    for key, indicator in default_indicators().items():
        asked = [r for r, survey in rounds.items() if find_questions(survey, key)]
        assert asked == list(indicator.rounds), key
        for r in asked:
            values = indicator_values(rounds[r], key)
            assert set(values.dropna().unique()) <= {0.0, 1.0}
            assert values.notna().sum() > 1000
