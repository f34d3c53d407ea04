"""The ACLED screen: stored events in which a peacekeeping or partner force is an actor and
civilians were harmed, as candidates for the mission's civilian-harm register.

The screen proposes; a person decides. ACLED's ``fatalities`` are per event and do not say who
died, so a candidate is an event worth reviewing, not a recorded incident.

**Force involvement.** An event involves a force when its ``actor1`` or ``actor2`` is one of the
force's names. A name belongs to the first force (in the order of
:func:`sentinelle.domain.harm.forces`) whose ACLED pattern it matches
(:func:`~sentinelle.domain.harm.force_of`); ``forces=[...]`` keeps only those forces. Associated
actors (``assoc_actor_1``, ``assoc_actor_2``) never make an event a force's: ACLED lists there
the units fighting beside an actor, not the actor.

**Civilians harmed.** An event involving a force is a candidate when at least one rule matches
(``reason`` lists every rule that matched, ``;``-separated, in this order):

==========================  ========================================================================
rule                        matches when
==========================  ========================================================================
``vac``                     ``event_type`` is *Violence against civilians* and ``actor1`` is a
                            force (ACLED's perpetrator); whatever the fatalities: abductions,
                            sexual violence and attacks without deaths are harm too
``excessive_force``         ``sub_event_type`` is *Excessive force against protesters* (ACLED's
                            code for state forces using violence on peaceful protesters)
``civilian_actor``          the force's counterpart (``actor2`` when the force is ``actor1``, and
                            the other way round) is civilians, and ``fatalities > 0``
``civilians_associated``    an associated actor of either side is ``Civilians (...)`` and
                            ``fatalities > 0`` (e.g. a contractor killed in a mortar attack on a
                            camp, a passenger killed by an IED under a convoy)
``civilian_targeting``      ACLED's ``civilian_targeting`` flag is set (exports since 2023 only)
``notes``                   *off by default* (``include_notes=True``): a *Battles* or
                            *Explosions/Remote violence* event whose notes say civilians were
                            killed or wounded (:data:`NOTES_PATTERN`, a fuzzy text rule)
==========================  ========================================================================

"Civilians" is ACLED's interaction code 7 (``inter1`` / ``inter2``); when the code is missing
(sources without it), a name starting with ``Civilians``. ``include_vac_only=True`` keeps the
``vac`` rule alone.

**Role** of the force: ``perpetrator`` when ``vac``, ``excessive_force`` or ``civilian_actor``
matched, or ``civilian_targeting`` with the force as ``actor1``; otherwise ``target`` when the
force is ``actor2`` and ``actor1`` is not a force (the force was attacked); otherwise ``party``.
When both actors are forces, ``force`` lists both (``actor1``'s first).

**Suggested category** (a code of :func:`sentinelle.domain.harm.categories`): the first row of
``harm/data/screen_categories.csv`` (``role, event_type, sub_event_type, category, note``, ``*``
matching anything) that fits the event: e.g. an abduction by the force → ``detention``, sexual
violence → ``sea``, an explosion aimed at the force → ``attack_on_force``, a battle →
``crossfire``, shelling → ``indirect_fire``, an air strike or other violence → ``other``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypeAlias

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from sentinelle.domain.events import STRING
from sentinelle.domain.harm import categories, force_of, forces
from sentinelle.store import events as event_store

VAC = "Violence against civilians"
EXCESSIVE_FORCE = "Excessive force against protesters"
NOTES_EVENT_TYPES = ("Battles", "Explosions/Remote violence")
CIVILIANS_INTER = 7
CIVILIAN_NAME = re.compile(r"^\s*Civilians\b")
CIVILIANS_ASSOCIATED = re.compile(r"(?:^|;)\s*Civilians \(")
NOTES_PATTERN = re.compile(
    r"\bcivilians?\b[^.;]{0,80}?\b(?:killed|wounded|injured|dead|died)\b"
    r"|\b(?:killed|killing|wounded|wounding|injured|injuring)\b[^.;]{0,80}?\bcivilians?\b",
    re.IGNORECASE,
)
"""The fuzzy ``notes`` rule: "civilian(s) ... killed/wounded/injured/dead/died" or "killing ...
civilian(s)" within one clause."""

RULES = (
    "vac",
    "excessive_force",
    "civilian_actor",
    "civilians_associated",
    "civilian_targeting",
    "notes",
)
ROLES = ("perpetrator", "target", "party")
WILDCARD = "*"

CANDIDATE_COLUMNS = (
    "event_id",
    "source",
    "source_id",
    "date",
    "force",
    "role",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "admin1",
    "admin2",
    "admin1_pcode",
    "admin2_pcode",
    "latitude",
    "longitude",
    "notes",
    "reason",
    "suggested_category",
)
"""Columns of :func:`candidates` and :func:`screen`; ``event_id`` is the store's id,
``source_id`` the source's (ACLED ``event_id_cnty``)."""

SCREEN_INPUT_COLUMNS = (
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "civilian_targeting",
    "fatalities",
)
"""Event columns the rules read (the store is read in two steps: these for every event, every
column for the events involving a force)."""

DateLike: TypeAlias = str | dt.date | pd.Timestamp | pd.Period


# --- categories ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRule:
    role: str
    event_type: str
    sub_event_type: str
    category: str
    note: str

    def fits(self, role: str, event_type: str, sub_event_type: str) -> bool:
        return (
            self.role in (WILDCARD, role)
            and self.event_type in (WILDCARD, event_type)
            and self.sub_event_type in (WILDCARD, sub_event_type)
        )


@cache
def category_rules() -> tuple[CategoryRule, ...]:
    """The rows of ``screen_categories.csv``, in order (the first that fits wins); checked
    against the roles and the harm categories."""
    text = resources.files("sentinelle.harm").joinpath("data", "screen_categories.csv")
    rows = list(csv.DictReader(text.read_text(encoding="utf-8").splitlines()))
    known = categories()
    rules = []
    for line, row in enumerate(rows, start=2):
        rule = CategoryRule(
            row["role"], row["event_type"], row["sub_event_type"], row["category"], row["note"]
        )
        if rule.role not in (*ROLES, WILDCARD):
            raise ValueError(f"screen_categories.csv line {line}: unknown role {rule.role!r}")
        if rule.category not in known:
            raise ValueError(
                f"screen_categories.csv line {line}: unknown harm category {rule.category!r}"
            )
        rules.append(rule)
    if not rules or not rules[-1].fits("party", "", "") or rules[-1].role != WILDCARD:
        raise ValueError("screen_categories.csv must end with a '*,*,*' row")
    return tuple(rules)


def suggest_category(role: str, event_type: str | None, sub_event_type: str | None) -> str:
    """The harm category suggested for an event of this type where the force had this role."""
    for rule in category_rules():
        if rule.fits(role, event_type or "", sub_event_type or ""):
            return rule.category
    raise AssertionError("unreachable: the last rule fits everything")


# --- the screen ---------------------------------------------------------------------------------


def _forces_wanted(wanted: Iterable[str] | None) -> set[str]:
    known = {code for code, force in forces().items() if force.pattern is not None}
    if wanted is None:
        return known
    chosen = set(wanted)
    unknown = chosen - set(forces())
    if unknown:
        raise ValueError(
            f"unknown force(s) {', '.join(sorted(unknown))}; known: {', '.join(forces())}"
        )
    return chosen & known


def _force_codes(names: pd.Series, wanted: set[str]) -> pd.Series:
    """The force of each actor name (NA when none, or not one of ``wanted``)."""
    text = names.astype(STRING)
    mapping = {name: force_of(name) for name in text.dropna().unique()}
    codes = [None if pd.isna(name) else mapping[name] for name in text]
    return pd.Series(
        [code if code in wanted else None for code in codes], index=names.index, dtype=STRING
    )


def _civilian(names: pd.Series, inter: pd.Series) -> np.ndarray:
    code = pd.to_numeric(inter).astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    by_name = names.astype(STRING).str.contains(CIVILIAN_NAME).to_numpy(dtype=bool, na_value=False)
    return np.where(np.isnan(code), by_name, code == CIVILIANS_INTER)


def _flag(series: pd.Series) -> np.ndarray:
    return np.asarray(series.to_numpy(dtype=bool, na_value=False), dtype=bool)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype=STRING)


def involved(events: pd.DataFrame, forces: Iterable[str] | None = None) -> np.ndarray:
    """Which events involve one of ``forces`` (all forces with an ACLED pattern by default) as
    ``actor1`` or ``actor2``."""
    wanted = _forces_wanted(forces)
    force1 = _force_codes(_column(events, "actor1"), wanted)
    force2 = _force_codes(_column(events, "actor2"), wanted)
    return np.asarray((force1.notna() | force2.notna()).to_numpy(dtype=bool), dtype=bool)


def screen(
    events: pd.DataFrame,
    forces: Iterable[str] | None = None,
    include_vac_only: bool = False,
    *,
    include_notes: bool = False,
) -> pd.DataFrame:
    """The candidates among ``events`` (a frame with the event columns and the store's ``id``;
    missing columns count as empty), with :data:`CANDIDATE_COLUMNS`, newest first. The rules
    are in the module note."""
    wanted = _forces_wanted(forces)
    frame = events.reset_index(drop=True)
    force1 = _force_codes(_column(frame, "actor1"), wanted)
    force2 = _force_codes(_column(frame, "actor2"), wanted)
    on1 = force1.notna().to_numpy(dtype=bool)
    on2 = force2.notna().to_numpy(dtype=bool)
    any_force = on1 | on2

    event_type = _column(frame, "event_type").astype(STRING)
    sub_type = _column(frame, "sub_event_type").astype(STRING)
    fatalities = pd.to_numeric(_column(frame, "fatalities")).astype("Int64")
    killed = _flag(fatalities > 0)
    civilian1 = _civilian(_column(frame, "actor1"), _column(frame, "inter1"))
    civilian2 = _civilian(_column(frame, "actor2"), _column(frame, "inter2"))
    associated = _flag(
        _column(frame, "assoc_actor_1").astype(STRING).str.contains(CIVILIANS_ASSOCIATED)
    ) | _flag(_column(frame, "assoc_actor_2").astype(STRING).str.contains(CIVILIANS_ASSOCIATED))
    targeting = _flag(_column(frame, "civilian_targeting").astype("boolean"))

    matched = {
        "vac": on1 & _flag(event_type == VAC),
        "excessive_force": any_force & _flag(sub_type == EXCESSIVE_FORCE),
        "civilian_actor": ((on1 & civilian2) | (on2 & civilian1)) & killed,
        "civilians_associated": any_force & associated & killed,
        "civilian_targeting": any_force & targeting,
        "notes": np.zeros(len(frame), dtype=bool),
    }
    if include_notes:
        notes = _column(frame, "notes").astype(STRING).str.contains(NOTES_PATTERN)
        matched["notes"] = any_force & _flag(event_type.isin(NOTES_EVENT_TYPES)) & _flag(notes)
    if include_vac_only:
        matched = {r: hits if r == "vac" else np.zeros_like(hits) for r, hits in matched.items()}
    keep = np.logical_or.reduce(list(matched.values()))

    perpetrator = (
        matched["vac"]
        | matched["excessive_force"]
        | matched["civilian_actor"]
        | (matched["civilian_targeting"] & on1)
    )
    role = np.where(perpetrator, "perpetrator", np.where(on2 & ~on1, "target", "party"))
    reason = pd.Series("", index=frame.index, dtype=object)
    for rule in RULES:
        hit = matched[rule]
        reason[hit] = reason[hit] + (";" + rule)
    force = force1.fillna("").str.cat(force2.fillna(""), sep=";").str.strip(";")

    out = pd.DataFrame(
        {
            "event_id": pd.to_numeric(_column(frame, "id")).astype("Int64"),
            "source": _column(frame, "source").astype(STRING),
            "source_id": _column(frame, "source_id").astype(STRING),
            "date": pd.to_datetime(_column(frame, "event_date")).astype("datetime64[ns]"),
            "force": force.astype(STRING),
            "role": pd.Series(role, index=frame.index, dtype=STRING),
            "event_type": event_type,
            "sub_event_type": sub_type,
            "actor1": _column(frame, "actor1").astype(STRING),
            "actor2": _column(frame, "actor2").astype(STRING),
            "fatalities": fatalities.astype("Int32"),
            "admin1": _column(frame, "admin1").astype(STRING),
            "admin2": _column(frame, "admin2").astype(STRING),
            "admin1_pcode": _column(frame, "admin1_pcode").astype(STRING),
            "admin2_pcode": _column(frame, "admin2_pcode").astype(STRING),
            "latitude": pd.to_numeric(_column(frame, "latitude")).astype("float64"),
            "longitude": pd.to_numeric(_column(frame, "longitude")).astype("float64"),
            "notes": _column(frame, "notes").astype(STRING),
            "reason": reason.str.lstrip(";").astype(STRING),
        }
    )[keep]
    out["suggested_category"] = pd.Series(
        [
            suggest_category(r, t, s)
            for r, t, s in zip(out["role"], out["event_type"], out["sub_event_type"], strict=True)
        ],
        index=out.index,
        dtype=STRING,
    )
    out = out.sort_values(["date", "event_id"], ascending=False, na_position="last")
    return out.reset_index(drop=True)[list(CANDIDATE_COLUMNS)]


def _bound(value: DateLike | None, end: bool) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, pd.Period):
        return value.end_time.normalize() if end else value.start_time
    return pd.Timestamp(value).normalize()


def candidates(
    connection: Connection,
    first: DateLike | None = None,
    last: DateLike | None = None,
    forces: Iterable[str] | None = None,
    include_vac_only: bool = False,
    *,
    include_notes: bool = False,
    sources: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The stored events in which a force is an actor and civilians were harmed (the rules are
    in the module note), newest first, with :data:`CANDIDATE_COLUMNS`.

    ``first`` and ``last`` bound the event dates, inclusive: a date (``"2018-03-01"``,
    :class:`datetime.date`, :class:`pandas.Timestamp`) or a month (:class:`pandas.Period`,
    its first or last day); None leaves that end open. ``forces`` keeps the events of these
    force codes (:func:`sentinelle.domain.harm.forces`; all with an ACLED pattern by default;
    an unknown code raises :class:`ValueError`). ``include_vac_only`` keeps the ``vac`` rule
    alone; ``include_notes`` adds the fuzzy ``notes`` rule; ``sources`` restricts the event
    sources (e.g. ``["acled"]``; all by default).
    """
    _forces_wanted(forces)  # fail early on an unknown code
    light = event_store.load_events(
        connection,
        columns=SCREEN_INPUT_COLUMNS,
        sources=sources,
        start=_bound(first, end=False),
        end=_bound(last, end=True),
    )
    ids: Sequence[int] = light.loc[involved(light, forces), "id"].astype(int).tolist()
    full = event_store.load_events_by_id(connection, ids)
    if full.empty:
        full = light.iloc[0:0]
    return screen(full, forces, include_vac_only, include_notes=include_notes)


def candidate_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Candidates and their fatalities per force and year (``force, year, candidates,
    fatalities``); an event with two forces counts for each."""
    columns = ["force", "year", "candidates", "fatalities"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns}).astype(
            {"force": STRING}
        )
    exploded = frame.assign(force=frame["force"].astype(str).str.split(";")).explode("force")
    exploded["year"] = pd.to_datetime(exploded["date"]).dt.year.astype("int64")
    table = (
        exploded.groupby(["force", "year"], sort=False)
        .agg(candidates=("event_id", "size"), fatalities=("fatalities", lambda s: int(s.sum())))
        .reset_index()
    )
    order = {code: n for n, code in enumerate(forces())}
    table["_order"] = table["force"].map(order)
    table = table.sort_values(["_order", "year"]).drop(columns="_order")
    table["force"] = table["force"].astype(STRING)
    table["fatalities"] = table["fatalities"].astype("int64")
    return table.reset_index(drop=True)[columns]
