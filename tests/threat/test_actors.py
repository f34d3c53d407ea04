"""Actor families, perpetrators, victim groups and their tables per unit and period."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sentinelle.demo.actors import ZONES, candidates, roles
from sentinelle.ingest import import_boundaries, ingest_file
from sentinelle.store.database import open_store
from sentinelle.threat.actors import (
    OTHER,
    RuleTableError,
    actor_families,
    families_by_unit,
    family_of,
    family_table,
    family_trend,
    label,
    load_vac_events,
    unmapped,
    vac_actors,
    victim_groups,
    victims_by_unit,
)

NAMES = {
    "JNIM: Group for Support of Islam and Muslims": "jnim",
    "Katiba Macina": "jnim",
    "Ansar Dine": "jnim",
    "AQIM: Al Qaeda in the Islamic Maghreb": "jnim",
    "FLM: Macina Liberation Front": "jnim",
    "Islamic State (Greater Sahara)": "islamic_state_sahel",
    "Islamic State (Sahel)": "islamic_state_sahel",
    "MUJAO: Movement for Unity and Jihad in West Africa": "other_jihadist",
    "Islamist Militia (Mali)": "other_jihadist",
    "Dan Na Ambassagou": "dozo_militias",
    "Dozo Communal Militia (Mali)": "dozo_militias",
    "Dozo Militia": "dozo_militias",
    "Dogon Ethnic Militia (Mali)": "dozo_militias",
    "Fulani Ethnic Militia (Mali)": "fulani_militias",
    "Fula Ethnic Militia (Burkina Faso)": "fulani_militias",
    "Tuareg Ethnic Militia (Mali)": "communal_militias",
    "Unidentified Communal Militia (Mali)": "communal_militias",
    "Military Forces of Mali (2013-2020)": "state_forces",
    "Police Forces of Mali (2013-2020) Gendarmerie": "state_forces",
    "Government of Mali (2013-2020)": "state_forces",
    "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)": (
        "minusma"
    ),
    "Military Forces of France (2017-)": "foreign_forces",
    "Military Forces of Chad (1990-)": "foreign_forces",
    "G5 Sahel Joint Force": "foreign_forces",
    "CMA: Coordination of Movements of the Azawad": "signatory_groups",
    "GATIA: Imghad Tuareg and Allies Self-Defense Group": "signatory_groups",
    "MSA: Movement for Azawad Salvation": "signatory_groups",
    "HCUA: High Council for the Unity of Azawad": "signatory_groups",
    "MNLA: National Movement for the Liberation of Azawad": "signatory_groups",
    "Platform of June 14th 2014 movements": "signatory_groups",
    "CMFPR1: Coordination of Patriotic Movements and Forces for Resistance (Plateforme)": (
        "signatory_groups"
    ),
    "Unidentified Armed Group (Mali)": "unidentified",
    "Civilians (Mali)": "civilians",
    "Civilians (International)": "civilians",
    "Protesters (Mali)": "protesters_rioters",
    "Rioters (Mali)": "protesters_rioters",
    "Polisario Front": OTHER,
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A SENTINELLE_HOME without user rules (so that a developer's own file does not count)."""
    return tmp_path


def test_a_hand_list_of_acled_names_maps_to_its_families(home: Path) -> None:
    names = pd.Series(list(NAMES), dtype="string")
    found = family_of(names, family_table(home))
    assert dict(zip(names, found, strict=True)) == NAMES
    assert found.dtype == pd.StringDtype("pyarrow")


def test_matching_ignores_case_and_spaces_and_prefixes_stop_at_a_word(home: Path) -> None:
    table = family_table(home)
    names = pd.Series(["  ansar   dine ", "ADC: Democratic Alliance", "ADCX Holdings", None])
    assert family_of(names, table).tolist()[:3] == ["jnim", "signatory_groups", OTHER]
    assert pd.isna(family_of(names, table).iloc[3])  # a missing name has no family
    rule = table.explain("Katiba Salaheddine")
    assert rule is not None
    assert rule.category == "other_jihadist" and rule.pattern_type == "regex"


def test_every_family_and_victim_group_has_french_and_english_labels() -> None:
    for terms in (actor_families(), victim_groups()):
        for code, term in terms.items():
            assert term.label_en and term.label_fr, code
    assert label("dozo_militias", "fr").startswith("Dan Na Ambassagou")
    assert label("unspecified", "en") == "Civilians (unspecified)"
    assert label("increasing", "fr") == "en hausse"
    assert list(actor_families())[-1] == OTHER


def test_every_demo_actor_has_a_family(home: Path) -> None:
    names = sorted(
        {actor.name for role in roles() for zone in ZONES for actor in candidates(role, zone)}
    )
    assert not unmapped(pd.Series(names, dtype="string"), family_table(home)).size


def test_user_rules_add_to_and_take_precedence_over_the_packaged_ones(home: Path) -> None:
    (home / "actor_families.csv").write_text(
        "pattern_type,pattern,family,priority,note\n"
        "exact,Polisario Front,foreign_forces,10,\n"
        'regex,^Dozo\\b,communal_militias,10,"our own reading"\n',
        encoding="utf-8",
    )
    table = family_table(home)
    found = family_of(pd.Series(["Polisario Front", "Dozo Militia", "Ansar Dine"]), table)
    assert found.tolist() == ["foreign_forces", "communal_militias", "jnim"]
    rule = table.explain("Dozo Militia")
    assert rule is not None and rule.origin == str(home / "actor_families.csv") and rule.row == 3


def test_mistakes_in_the_user_table_are_reported_precisely(home: Path) -> None:
    path = home / "actor_families.csv"
    path.write_text(
        "pattern_type,pattern,family,priority,note\n"
        "exact,Ansar Dine,jnim,10,\n"  # row 2: fine
        "glob,Ansar*,jnim,10,\n"  # row 3: unknown pattern type
        "regex,([unclosed,jnim,10,\n"  # row 4: bad regular expression
        "exact,Somebody,bandits,10,\n"  # row 5: unknown family
        "exact,Someone,other,high,\n"  # row 6: priority not a number
        "prefix,,jnim,10,\n",  # row 7: no pattern
        encoding="utf-8",
    )
    with pytest.raises(RuleTableError) as caught:
        family_table(home)
    problems = {(p.row, p.column): p for p in caught.value.problems}
    assert set(problems) == {
        (3, "pattern_type"), (4, "pattern"), (5, "family"), (6, "priority"), (7, "pattern")
    }  # fmt: skip
    assert all(p.file == str(path) for p in caught.value.problems)
    assert problems[3, "pattern_type"].value == "glob"
    assert problems[3, "pattern_type"].reason == "expected exact, prefix or regex"
    assert "not a valid regular expression" in problems[4, "pattern"].reason
    assert problems[5, "family"].value == "bandits"
    assert problems[5, "family"].reason.startswith("expected one of jnim, islamic_state_sahel")
    assert problems[6, "priority"].reason == "expected a whole number from 0 to 9999"
    assert problems[7, "pattern"].reason.startswith("missing")
    assert "row 5, column 'family' (value 'bandits')" in str(caught.value)


def test_a_user_table_without_the_columns_is_refused_on_its_header(home: Path) -> None:
    (home / "actor_families.csv").write_text("name,group\nAnsar Dine,jnim\n", encoding="utf-8")
    with pytest.raises(RuleTableError, match=r"row 1: missing column\(s\) pattern_type, pattern"):
        family_table(home)


def _vac(**columns: list[object]) -> pd.DataFrame:
    n = len(columns["actor1"])
    base: dict[str, list[object]] = {
        "event_date": [pd.Timestamp("2018-06-01")] * n,
        "event_type": ["Violence against civilians"] * n,
        "civilian_targeting": [None] * n,
        "fatalities": [1] * n,
        "actor2": ["Civilians (Mali)"] * n,
        "assoc_actor_1": [None] * n,
        "assoc_actor_2": [None] * n,
        "inter1": [3] * n,
        "inter2": [7] * n,
        "admin1_pcode": ["ML05"] * n,
        "admin2_pcode": ["ML0502"] * n,
        "priogrid_gid": [148618] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_the_perpetrator_is_actor1_unless_actor1_is_the_civilians(home: Path) -> None:
    events = _vac(
        actor1=["Dan Na Ambassagou", "Civilians (Mali)", "Fulani Ethnic Militia (Mali)"],
        actor2=["Civilians (Mali)", "Military Forces of Mali (2013-2020)", "Civilians (Mali)"],
        inter1=[4, 7, None],
        inter2=[7, 1, None],
        assoc_actor_1=[None, "Fulani Ethnic Group (Mali); Pastoralists (Mali)", None],
        assoc_actor_2=["Fulani Ethnic Group (Mali); Pastoralists (Mali)", None, None],
    )
    out = vac_actors(events, family_table(home))
    assert out["perpetrator"].tolist() == [
        "Dan Na Ambassagou",
        "Military Forces of Mali (2013-2020)",
        "Fulani Ethnic Militia (Mali)",
    ]
    assert out["family"].tolist() == ["dozo_militias", "state_forces", "fulani_militias"]
    # the victims' group comes from the civilian side, whichever column it is in
    assert out["victim_group"].tolist() == ["fulani", "fulani", "unspecified"]


def test_one_victim_group_per_event_by_priority(home: Path) -> None:
    events = _vac(
        actor1=["Unidentified Armed Group (Mali)"] * 7,
        actor2=["Civilians (Mali)"] * 6 + ["Civilians (International)"],
        assoc_actor_2=[
            "Women (Mali); Tuareg Ethnic Group (Mali)",  # ethnic group before women
            "Aid Workers (Mali); Health Workers (Mali)",
            "Government of Mali (2013-2020); Teachers (Mali)",  # officials and teachers tie
            "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
            "URD: Union for the Republic and Democracy",
            "Farmers (Mai)",  # ACLED's own typo still matches
            None,
        ],
    )
    out = vac_actors(events, family_table(home))
    assert out["victim_group"].tolist() == [
        "tuareg",
        "aid_health_workers",
        "officials",
        "linked_to_armed_actors",
        "other_named",
        "livelihood_groups",
        "foreign_nationals",
    ]


def test_tables_by_unit_and_period_add_up(home: Path) -> None:
    events = _vac(
        actor1=["Dan Na Ambassagou", "Dozo Militia", "JNIM: Group for Support of Islam and Muslims",
                "Dan Na Ambassagou", "Military Forces of Mali (2013-2020)"],
        event_date=pd.to_datetime(["2018-06-01", "2018-06-20", "2018-07-02", "2018-07-03",
                                   "2018-07-04"]).tolist(),
        fatalities=[10, 2, 3, 0, 1],
        admin2_pcode=["ML0502", "ML0502", "ML1001", "ML0502", None],
        admin1_pcode=["ML05", "ML05", "ML10", "ML05", None],
        assoc_actor_2=["Fulani Ethnic Group (Mali)", None, None, "Fulani Ethnic Group (Mali)",
                       None],
        event_type=["Violence against civilians"] * 4 + ["Battles"],  # the battle is not VAC
    )  # fmt: skip
    table = families_by_unit(events, "admin2", "M", "pre2016", family_table(home))
    assert list(table.columns) == ["period", "unit", "family", "events", "fatalities"]
    rows = {(str(r.period), r.unit, r.family): (r.events, r.fatalities) for r in table.itertuples()}
    assert rows == {
        ("2018-06", "ML0502", "dozo_militias"): (2, 12),
        ("2018-07", "ML0502", "dozo_militias"): (1, 0),
        ("2018-07", "ML0704", "jnim"): (1, 3),  # ML1001 counted in the pre-2016 Ménaka cercle
    }
    assert table.attrs["vac_events"] == 4 and table.attrs["events_without_unit"] == 0
    victims = victims_by_unit(events, "admin1", "Q", families=family_table(home))
    quarter = victims.groupby(["family", "victim_group"])["events"].sum().to_dict()
    assert quarter == {
        ("dozo_militias", "fulani"): 2,
        ("dozo_militias", "unspecified"): 1,
        ("jnim", "unspecified"): 1,
    }
    assert set(victims["unit"]) == {"ML05", "ML10"}
    assert victims["period"].iloc[0] == pd.Period("2018Q2", "Q")


def test_the_trend_compares_the_last_three_months_with_the_year_before() -> None:
    def monthly(counts: dict[str, list[int]]) -> pd.DataFrame:
        months = pd.period_range("2017-04", "2018-06", freq="M")  # 12 prior + 3 recent
        rows = [
            {"period": m, "unit": "ML0502", "family": family, "events": n, "fatalities": 0}
            for family, series in counts.items()
            for m, n in zip(months, series, strict=True)
            if n
        ]
        return pd.DataFrame(rows)

    table = family_trend(
        monthly(
            {
                "dozo_militias": [0] * 12 + [2, 3, 1],  # new
                "jnim": [1] * 12 + [3, 3, 3],  # 3 a month against 1: increasing
                "state_forces": [2] * 12 + [0, 1, 0],  # decreasing
                "unidentified": [1] * 12 + [1, 1, 1],  # stable
                "fulani_militias": [1] * 12 + [0, 0, 0],  # ended
            }
        )
    )
    assert dict(zip(table["family"], table["trend"], strict=True)) == {
        "dozo_militias": "new",
        "jnim": "increasing",
        "state_forces": "decreasing",
        "unidentified": "stable",
        "fulani_militias": "ended",
    }
    jnim = table[table["family"] == "jnim"].iloc[0]
    assert (jnim["events_recent"], jnim["events_prior"], jnim["ratio"]) == (9, 12, 3.0)
    assert table.attrs["as_of"] == "2018-06"


# --- the real ACLED export ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def acled_vac(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[pd.DataFrame]:
    """The VAC events of the real 1997-2018 export, placed in geoBoundaries' cercles."""
    folder = tmp_path_factory.mktemp("acled")
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    boundaries = shared_data / "boundaries"
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    ingest_file(store, shared_data / "acled" / "acled_mali_1997-2018_api_export.csv")
    with store.reading() as connection:
        yield load_vac_events(connection)
    store.dispose()


@pytest.mark.shared_data
def test_almost_every_real_perpetrator_has_a_family(acled_vac: pd.DataFrame, home: Path) -> None:
    table = family_table(home)
    out = vac_actors(acled_vac, table)
    share = float((out["family"] != OTHER).mean())
    left = unmapped(out["perpetrator"], table)
    print(
        f"VAC events whose perpetrator has a family: {share:.1%} of {len(out)}; "
        f"unmapped: {dict(left.head(10))}"
    )
    print(out["family"].value_counts().to_dict())
    print(out["victim_group"].value_counts().to_dict())
    assert len(out) > 600
    assert share >= 0.95
    named = out["victim_group"] != "unspecified"
    assert named.mean() > 0.4 and out.loc[named, "victim_group"].value_counts().index[0] == "fulani"


@pytest.mark.shared_data
def test_dan_na_ambassagou_and_dozo_violence_concentrates_in_mopti(
    acled_vac: pd.DataFrame, home: Path
) -> None:
    table = families_by_unit(acled_vac, "admin2", "Y", families=family_table(home))
    dozo = table[table["family"] == "dozo_militias"]
    by_region = dozo.groupby(dozo["unit"].str.slice(0, 4))["events"].sum()
    share_mopti = by_region.get("ML05", 0) / by_region.sum()
    overall = table.groupby(table["unit"].str.slice(0, 4))["events"].sum()
    baseline = overall.get("ML05", 0) / overall.sum()
    print(
        f"Dan Na Ambassagou / Dozo VAC events in Mopti region cercles: {share_mopti:.0%} of "
        f"{by_region.sum()} (all VAC: {baseline:.0%}); by cercle: "
        f"{dozo.groupby('unit')['events'].sum().sort_values(ascending=False).head(5).to_dict()}"
    )
    assert by_region.sum() >= 40
    assert by_region.idxmax() == "ML05"
    assert share_mopti >= 0.7 and share_mopti > 2 * baseline
    # where they act, they mostly attack Fulani civilians
    victims = victims_by_unit(acled_vac, "admin1", "Y", families=family_table(home))
    against = victims[victims["family"] == "dozo_militias"].groupby("victim_group")["events"].sum()
    assert against.idxmax() == "fulani"
