"""The ACLED screen: every rule on hand-made events in a store (SQLite and PostgreSQL), and,
on the real ACLED export, the same count as an independent filter written here with pandas."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentinelle.domain.events import ConflictEvent, EventFrame
from sentinelle.domain.harm import categories
from sentinelle.harm.screen import (
    CANDIDATE_COLUMNS,
    candidate_counts,
    candidates,
    category_rules,
    screen,
    suggest_category,
)
from sentinelle.ingest import import_boundaries, ingest_file
from sentinelle.store import events as event_store
from sentinelle.store.database import Store, open_store

FAMA = "Military Forces of Mali (2013-2020)"
POLICE = "Police Forces of Mali (2013-2020)"
MINUSMA = (
    "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)"
)
FRANCE = "Military Forces of France (2017-)"
NIGER = "Military Forces of Niger (2011-)"
G5 = "G5 Sahel Joint Force (2017-)"
JNIM = "JNIM: Group for Support of Islam and Muslims"
CIVILIANS = "Civilians (Mali)"
VAC = "Violence against civilians"
ERV = "Explosions/Remote violence"


def event(n: int, event_type: str, sub_event_type: str, **fields: object) -> ConflictEvent:
    values: dict[str, object] = {
        "source": "acled",
        "source_id": f"MLI{n}",
        "event_date": dt.date(2018, 1, 1) + dt.timedelta(days=n),
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "fatalities": 0,
        "latitude": 14.0 + n / 100,
        "longitude": -3.0,
        "admin1": "Mopti",
        "admin2": "Douentza",
        "notes": f"event {n}",
    }
    values.update(fields)
    return ConflictEvent(**values)  # type: ignore[arg-type]


MATCHING = {
    # source_id: (force, role, reason, suggested category)
    "MLI1": ("fama", "perpetrator", "vac", "other"),
    "MLI2": ("minusma", "perpetrator", "vac", "detention"),
    "MLI3": ("minusma", "perpetrator", "vac", "sea"),
    "MLI4": ("france", "perpetrator", "civilian_actor", "other"),
    "MLI5": ("minusma", "target", "civilians_associated", "attack_on_force"),
    "MLI6": ("fama", "target", "civilian_targeting", "crossfire"),
    "MLI7": ("fama", "perpetrator", "excessive_force", "other"),
    "MLI8": ("other_foreign", "perpetrator", "civilian_actor", "indirect_fire"),
    "MLI9": ("france", "perpetrator", "civilian_actor", "other"),
    "MLI10": ("fama", "perpetrator", "vac;civilian_actor;civilians_associated", "other"),
}

EVENTS = [
    # --- each rule ---
    event(1, VAC, "Attack", actor1=FAMA, inter1=1, actor2=CIVILIANS, inter2=7),
    event(2, VAC, "Abduction/forced disappearance", actor1=MINUSMA, inter1=8),
    event(3, VAC, "Sexual violence", actor1=MINUSMA, inter1=8, actor2=CIVILIANS, inter2=7),
    event(4, ERV, "Air/drone strike", actor1=FRANCE, inter1=8, actor2=CIVILIANS, inter2=7,
          fatalities=3),
    event(5, ERV, "Remote explosive/landmine/IED", actor1=JNIM, inter1=2, actor2=MINUSMA,
          inter2=8, assoc_actor_2="Government of Mali (2013-2020); Civilians (Mali)",
          fatalities=2),
    event(6, "Battles", "Armed clash", actor1=JNIM, inter1=2, actor2=FAMA, inter2=1,
          civilian_targeting=True, fatalities=1),
    event(7, "Protests", "Excessive force against protesters", actor1="Protesters (Mali)",
          inter1=6, actor2=POLICE, inter2=1),
    event(8, ERV, "Shelling/artillery/missile attack", actor1=NIGER, inter1=8,
          actor2=CIVILIANS, inter2=7, fatalities=1),
    # civilians known by name only: the source gives no interaction codes
    event(9, ERV, "Air/drone strike", actor1=FRANCE, actor2=CIVILIANS, fatalities=2),
    event(10, VAC, "Attack", actor1=FAMA, inter1=1, actor2=CIVILIANS, inter2=7,
          assoc_actor_2="Fulani Ethnic Militia (Mali); Civilians (Burkina Faso)", fatalities=4),
    # --- the notes rule, off by default ---
    event(11, "Battles", "Armed clash", actor1=G5, inter1=8, actor2=JNIM, inter2=2,
          fatalities=5, notes="Two civilians were killed in the crossfire near the market."),
    # --- never candidates ---
    # no force involved: VAC by an armed group
    event(20, VAC, "Attack", actor1=JNIM, inter1=2, actor2=CIVILIANS, inter2=7, fatalities=10),
    # a force, but no civilian harm: a battle with soldiers killed
    event(21, "Battles", "Armed clash", actor1=FAMA, inter1=1, actor2=JNIM, inter2=2,
          fatalities=5, notes="Five soldiers were killed."),
    # civilians the counterpart, but nobody killed (a strike on an empty hut)
    event(22, ERV, "Air/drone strike", actor1=FRANCE, inter1=8, actor2=CIVILIANS, inter2=7),
    # arrests of civilians by the force: not violence, nobody killed
    event(23, "Strategic developments", "Arrests", actor1=FAMA, inter1=1, actor2=CIVILIANS,
          inter2=7),
    # civilians associated, people killed, but no force among the actors
    event(24, "Battles", "Armed clash", actor1=JNIM, inter1=2, actor2="Dozo Communal Militia",
          inter2=4, assoc_actor_2=CIVILIANS, fatalities=3),
    # a force only as an associated actor does not make the event the force's
    event(25, VAC, "Attack", actor1="GATIA: Imghad Tuareg and Allies Self-Defense Group",
          inter1=3, assoc_actor_1=FRANCE, actor2=CIVILIANS, inter2=7, fatalities=2),
    # civilian_targeting explicitly false
    event(26, "Battles", "Armed clash", actor1=JNIM, inter1=2, actor2=FAMA, inter2=1,
          civilian_targeting=False),
    # an IED under the force's convoy with civilians aboard, but nobody killed
    event(27, ERV, "Remote explosive/landmine/IED", actor1=JNIM, inter1=2, actor2=FAMA,
          inter2=1, fatalities=0, assoc_actor_2=CIVILIANS),
    # violence against civilians with a force as actor2 (an off-duty policeman killed): the
    # force is not the perpetrator, and no civilians are among the actors
    event(28, VAC, "Attack", actor1="Unidentified Armed Group (Mali)", inter1=3, actor2=POLICE,
          inter2=1, fatalities=1),
]  # fmt: skip


def load(store: Store) -> None:
    with store.transaction() as connection:
        event_store.upsert_events(connection, EventFrame.from_records(EVENTS))


def test_every_rule_matches_and_the_rest_is_left_out(store: Store) -> None:
    load(store)
    with store.reading() as connection:
        found = candidates(connection)
        with_notes = candidates(connection, include_notes=True)
    assert list(found.columns) == list(CANDIDATE_COLUMNS)
    assert set(found["source_id"]) == set(MATCHING)
    for row in found.itertuples():
        assert (row.force, row.role, row.reason, row.suggested_category) == MATCHING[
            row.source_id
        ], row.source_id
    assert set(with_notes["source_id"]) == {*MATCHING, "MLI11"}
    notes = with_notes[with_notes["source_id"] == "MLI11"].iloc[0]
    assert (notes["force"], notes["role"], notes["reason"]) == ("g5_sahel", "party", "notes")
    assert notes["suggested_category"] == "crossfire"
    # newest first, the store's id and the ACLED id both kept
    assert list(found["date"]) == sorted(found["date"], reverse=True)
    assert found["source_id"].iloc[0] == "MLI10"
    assert found["event_id"].notna().all() and found["event_id"].is_unique
    first = found.iloc[0]
    assert (first["fatalities"], first["admin1"], first["admin2"]) == (4, "Mopti", "Douentza")
    assert first["latitude"] == pytest.approx(14.10) and first["notes"] == "event 10"
    assert not any(found[c].dtype == object for c in found.columns)


def test_filters_by_date_force_and_vac_only(store: Store) -> None:
    load(store)
    with store.reading() as connection:
        minusma = candidates(connection, forces=["minusma"])
        window = candidates(connection, first="2018-01-03", last=dt.date(2018, 1, 5))
        january = candidates(
            connection, first=pd.Period("2018-01", "M"), last=pd.Period("2018-01", "M")
        )
        later = candidates(connection, first=pd.Timestamp("2018-02-01"))
        vac_only = candidates(connection, include_vac_only=True)
        other_source = candidates(connection, sources=["ucdp"])
        with pytest.raises(ValueError, match="unknown force"):
            candidates(connection, forces=["nato"])
    assert set(minusma["source_id"]) == {"MLI2", "MLI3", "MLI5"}
    assert set(window["source_id"]) == {"MLI2", "MLI3", "MLI4"}  # MLIn is on January 1 + n
    assert len(january) == len(MATCHING) and later.empty
    assert list(later.columns) == list(CANDIDATE_COLUMNS)
    assert set(vac_only["source_id"]) == {"MLI1", "MLI2", "MLI3", "MLI10"}
    assert (vac_only["reason"] == "vac").all()
    assert other_source.empty


def test_candidate_counts_by_force_and_year() -> None:
    frame = EventFrame.from_records(EVENTS).frame.assign(id=np.arange(len(EVENTS)) + 1)
    found = screen(frame)
    two_forces = found.iloc[[0]].assign(force="minusma;fama", date=pd.Timestamp("2019-05-01"))
    counts = candidate_counts(pd.concat([found, two_forces], ignore_index=True))
    table = {(r.force, r.year): (r.candidates, r.fatalities) for r in counts.itertuples()}
    assert table == {
        ("minusma", 2018): (3, 2),
        ("minusma", 2019): (1, 4),
        ("fama", 2018): (4, 5),
        ("fama", 2019): (1, 4),
        ("france", 2018): (2, 5),
        ("other_foreign", 2018): (1, 1),
    }
    assert list(counts["force"]) == [
        "minusma",
        "minusma",
        "fama",
        "fama",
        "france",
        "other_foreign",
    ]
    assert candidate_counts(found.iloc[0:0]).empty


def test_category_table_is_valid_and_ends_with_a_catch_all() -> None:
    rules = category_rules()
    assert all(rule.category in categories() for rule in rules)
    assert suggest_category("target", ERV, "Suicide bomb") == "attack_on_force"
    assert suggest_category("party", "Battles", "Armed clash") == "crossfire"
    assert suggest_category("party", "Riots", None) == "other"


# --- the real ACLED export ----------------------------------------------------------------------

ACLED_FILE = Path("acled") / "acled_mali_1997-2018_api_export.csv"


@pytest.fixture(scope="module")
def real_candidates(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[pd.DataFrame]:
    """The screen on the real 1997-2018 export, placed in geoBoundaries' cercles."""
    folder = tmp_path_factory.mktemp("harm-screen")
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    boundaries = shared_data / "boundaries"
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM1_simplified.topojson")
    import_boundaries(store, boundaries / "geoBoundaries-MLI-ADM2_simplified.topojson")
    report = ingest_file(store, shared_data / ACLED_FILE)
    assert report.rejected_rows == 0
    with store.reading() as connection:
        yield candidates(connection)
    store.dispose()


def independent_force(name: object) -> str | None:
    """The force of an ACLED actor name, written again here from ACLED's actor list."""
    if not isinstance(name, str):
        return None
    text = name.removeprefix("Mutiny of ")
    if text.startswith("MINUSMA"):
        return "minusma"
    state = re.match(r"(Military|Police) Forces of (.+?) \(", text)
    if state:
        country = state.group(2)
        return {"Mali": "fama", "France": "france"}.get(country, "other_foreign")
    if text.startswith(("G5 Sahel",)):
        return "g5_sahel"
    if text.split(":")[0] in {"MISMA", "AFISMA", "FISMA"} or text.startswith("EUTM"):
        return "other_foreign"
    return None


def independent_screen(path: Path) -> pd.DataFrame:
    """The documented default rule, applied with pandas to the CSV file itself."""
    raw = pd.read_csv(path, index_col=0)
    f1 = raw["actor1"].map(independent_force)
    f2 = raw["actor2"].map(independent_force)
    force = f1.notna() | f2.notna()
    killed = raw["fatalities"] > 0
    civilians_with = raw["assoc_actor_1"].fillna("").str.contains(r"(?:^|; )Civilians \(") | raw[
        "assoc_actor_2"
    ].fillna("").str.contains(r"(?:^|; )Civilians \(")
    vac = f1.notna() & (raw["event_type"] == VAC)
    excessive = force & (raw["sub_event_type"] == "Excessive force against protesters")
    counterpart = ((f1.notna() & (raw["inter2"] == 7)) | (f2.notna() & (raw["inter1"] == 7))) & (
        killed
    )
    associated = force & civilians_with & killed
    assert "civilian_targeting" not in raw.columns  # the 2018 export predates the flag
    keep = vac | excessive | counterpart | associated
    out = raw[keep].copy()
    out["force"] = f1[keep].fillna(f2[keep])
    return out


@pytest.mark.shared_data
def test_real_screen_equals_an_independent_filter(
    real_candidates: pd.DataFrame, shared_data: Path
) -> None:
    expected = independent_screen(shared_data / ACLED_FILE)
    found = real_candidates
    by_force = found["force"].str.split(";").str[0].value_counts().to_dict()
    print(f"candidates: {len(found)}; by force: {by_force}")
    print(found["reason"].value_counts().to_dict())
    print(found["suggested_category"].value_counts().to_dict())
    print(candidate_counts(found).to_string())
    assert len(found) > 0
    assert len(found) == len(expected)
    assert set(found["source_id"]) == set(expected["event_id_cnty"])
    assert by_force == expected["force"].value_counts().to_dict()
    # known facts
    minusma = found[found["force"].str.contains("minusma")]
    killed = minusma[minusma["fatalities"] > 0]
    assert len(killed) >= 3  # e.g. the mortar attack on the Kidal camp that killed a contractor
    assert (killed["role"] == "target").any()
    assert (killed["suggested_category"] == "attack_on_force").any()
    assert found["force"].value_counts().index[0] == "fama"  # the national army, by far
    assert (found["role"] == "perpetrator").sum() > (found["role"] == "target").sum()
    assert found["admin1_pcode"].notna().mean() > 0.9  # placed in geoBoundaries' regions
    assert found["date"].is_monotonic_decreasing
