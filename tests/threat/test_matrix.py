"""Golden tests of the threat matrix: every number is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentinelle.domain.threat import classify, risk_level, risk_score
from sentinelle.threat.matrix import area_risk, classify_threats, matrix_over_time, threat_cube


def events(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """(month, unit, family, threat type, fatalities) → a threat events frame."""
    frame = pd.DataFrame(
        rows, columns=["month", "unit", "actor_family", "threat_type", "fatalities"]
    )
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    return frame


@pytest.mark.parametrize(
    ("likelihood", "severity", "level", "score"),
    [
        (1, 1, "low", 1),
        (1, 4, "low", 4),
        (1, 5, "moderate", 5),
        (3, 3, "moderate", 9),
        (2, 5, "high", 10),
        (3, 5, "high", 15),
        (4, 4, "very_high", 16),
        (5, 5, "very_high", 25),
    ],
)
def test_risk_levels_follow_the_documented_scale(
    likelihood: int, severity: int, level: str, score: int
) -> None:
    assert risk_level([likelihood], [severity])[0] == level
    assert risk_score([likelihood], [severity])[0] == score


def test_likelihood_and_severity_classes_at_their_edges() -> None:
    assert list(classify([0.0, 0.099, 0.1, 0.3, 0.6, 0.9, 1.0], "likelihood")) == [
        1,
        1,
        2,
        3,
        4,
        5,
        5,
    ]
    assert list(classify([0, 0.5, 1, 2, 3, 4, 10, 10.5], "severity")) == [1, 2, 2, 3, 3, 4, 4, 5]


def test_one_threat_through_a_year() -> None:
    # 6 attacks by one militia in one cercle: 1 in Jan, 2 in Oct, 3 in Dec 2018, 12 deaths in all
    rows = [("2018-01", "ML0505", "dozo", "vac_attack", 0)]
    rows += [("2018-10", "ML0505", "dozo", "vac_attack", 1)] * 2
    rows += [("2018-12", "ML0505", "dozo", "vac_attack", 10 // 3)] * 3
    matrix = matrix_over_time(threat_cube(events(rows)), population=pd.Series({"ML0505": 4e5}))
    december = matrix[matrix["as_of"] == pd.Period("2018-12", "M")].iloc[0]
    assert (december["events_3m"], december["events_12m"]) == (5, 6)
    assert december["monthly_rate"] == pytest.approx(5 / 3)
    assert december["likelihood"] == pytest.approx(1 - np.exp(-5 / 3))  # 0.81 → class 4
    assert december["likelihood_class"] == 4
    assert december["fatalities_12m"] == 2 + 9
    assert december["severity_value"] == pytest.approx(11 / 6)  # class 3
    assert december["severity_class"] == 3
    assert december["risk_level"] == "high" and december["risk_score"] == 12
    assert december["population"] == 4e5
    # in February only January's attack is within 12 months, none in the last 3 months... but
    # January is: rate 1/3
    february = matrix[matrix["as_of"] == pd.Period("2018-02", "M")].iloc[0]
    assert february["events_3m"] == 1 and february["likelihood_class"] == 2
    # thirteen months after the last event, the threat is no longer in the matrix
    assert matrix["as_of"].max() == pd.Period("2018-12", "M")


def test_massacres_and_floors_raise_severity() -> None:
    rows = [("2019-03", "ML0502", "dozo", "vac_attack", 0)] * 9
    rows += [("2019-03", "ML0502", "dozo", "vac_attack", 30)]  # one massacre among 10 events
    rows += [("2019-03", "ML0506", "jnim", "vac_abduction", 0)]
    rows += [("2019-03", "ML0506", "jnim", "vac_sexual_violence", 0)]
    matrix = matrix_over_time(threat_cube(events(rows))).set_index("threat_type")
    assert matrix.loc["vac_attack", "severity_value"] == pytest.approx(3.0)  # class 3 by mean
    assert matrix.loc["vac_attack", "severity_class"] == 5  # but one event killed 25 or more
    assert matrix.loc["vac_abduction", "severity_class"] == 2  # floor
    assert matrix.loc["vac_sexual_violence", "severity_class"] == 3  # floor


def test_rows_are_sorted_by_risk_and_areas_take_their_highest() -> None:
    rows = [("2018-12", "A", "f1", "vac_attack", 0)]
    rows += [("2018-12", "B", "f2", "vac_attack", 40)] * 4
    rows += [("2018-12", "B", "f1", "vac_abduction", 0)]
    matrix = matrix_over_time(threat_cube(events(rows)))
    assert list(matrix["risk_score"]) == sorted(matrix["risk_score"], reverse=True)
    areas = area_risk(matrix).set_index("unit")
    assert areas.loc["B", "threat_type"] == "vac_attack" and areas.loc["B", "threats"] == 2
    assert areas.loc["B", "risk_level"] == "very_high" and areas.loc["A", "risk_level"] == "low"


def test_events_are_classified_into_threat_types() -> None:
    frame = pd.DataFrame(
        {
            "event_type": [
                "Violence against civilians",
                "Violence against civilians",
                "Explosions/Remote violence",
                "Explosions/Remote violence",
                "Battles",
                "Battles",
                "Protests",
            ],
            "sub_event_type": [
                "Attack",
                "Sexual violence",
                "Remote explosive/landmine/IED",
                "Air/drone strike",
                "Armed clash",
                "Armed clash",
                "Peaceful protest",
            ],
            "civilian_targeting": [None, None, None, True, None, None, None],
            "inter1": [3, 3, 3, 8, 2, 2, 6],
            "inter2": [7, 7, 8, 0, 1, 1, None],
            "geo_precision": [1, 2, 1, 2, 1, 2, 1],
        }
    )
    assert classify_threats(frame).astype(object).where(lambda s: s.notna(), None).tolist() == [
        "vac_attack",
        "vac_sexual_violence",
        None,
        "explosive_harm",
        "fighting_in_towns",
        None,
        None,
    ]
