"""Who acts in the demo scenario: actor families of the Mali conflict, by role, zone and date.

Event templates (:mod:`sentinelle.demo.profiles`) name *roles* ("jihadist", "state", "militia_a",
"civilians_b"...). A role is played by different real actor families in different *zones* and
periods, written with ACLED's actor names and ``inter`` codes: in the north the jihadist role is
played by Ansar Dine, AQIM or Al Mourabitoune until JNIM's creation on 2 March 2017 and by JNIM
afterwards; around Ménaka by the Islamic State in the Greater Sahara; in the centre by the Macina
Liberation Front, then JNIM's Katiba Macina, and near Burkina Faso also by Ansaroul Islam.

The actor names are those of real groups, but **every event of the scenario is fictional**.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

Zone = str
"""One of :data:`ZONES`."""

ZONES: tuple[Zone, ...] = ("north", "menaka", "mopti", "segou", "south")
"""Conflict zones of the scenario (each cercle belongs to one, see :func:`zone_of`)."""

ANY_ZONE = "*"

_ZONE_OF_REGION = {
    "ML01": "south",
    "ML02": "south",
    "ML03": "south",
    "ML04": "segou",
    "ML05": "mopti",
    "ML06": "north",
    "ML07": "north",
    "ML08": "north",
    "ML09": "south",
}
_ZONE_OF_CERCLE = {"ML0701": "menaka", "ML0704": "menaka", "ML0401": "south", "ML0402": "south"}


def zone_of(admin2_pcode: str) -> Zone:
    """The scenario zone of a cercle: Ansongo and Ménaka form ``menaka``; Baraouéli and Bla
    belong to the quiet ``south``; otherwise the zone follows the region."""
    return _ZONE_OF_CERCLE.get(admin2_pcode, _ZONE_OF_REGION[admin2_pcode[:4]])


JNIM_CREATED = dt.date(2017, 3, 2)
DAN_NA_AMBASSAGOU = dt.date(2016, 12, 1)
ANSARUL_ISLAM = dt.date(2016, 12, 1)
MSA_CREATED = dt.date(2016, 9, 1)
FRANCE_2017 = dt.date(2017, 5, 14)
G5_SAHEL_OPERATIONS = dt.date(2017, 11, 1)


@dataclass(frozen=True)
class Actor:
    """An actor as ACLED names it, its ``inter`` code, the associated actors it may come with
    (``""`` for none) and the period in which it can appear (``until`` excluded)."""

    name: str
    inter: int
    assoc: tuple[str, ...] = ("",)
    weight: float = 1.0
    since: dt.date | None = None
    until: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        started = self.since is None or self.since <= day
        return started and (self.until is None or day < self.until)


FAMA = "Military Forces of Mali (2013-2020)"
GENDARMERIE = "Police Forces of Mali (2013-2020) Gendarmerie"
POLICE = "Police Forces of Mali (2013-2020)"
MINUSMA = (
    "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)"
)
JNIM = "JNIM: Group for Support of Islam and Muslims"
ISGS = "Islamic State (Greater Sahara)"
CIVILIANS = "Civilians (Mali)"
UNIDENTIFIED = "Unidentified Armed Group (Mali)"

_JNIM_NORTH = (
    "",
    "Ansar Dine",
    "AQIM: Al Qaeda in the Islamic Maghreb",
    "Al Mourabitoune Battalion",
)
_CIVILIAN_GROUPS = (
    "",
    "",
    "",
    "Farmers (Mali)",
    "Herders (Mali)",
    "Traders (Mali)",
    "Teachers (Mali)",
    "Local Administrators (Mali)",
    "Health Workers (Mali)",
)

# fmt: off
_CATALOGUE: tuple[tuple[str, Zone, Actor], ...] = (
    # jihadist groups
    ("jihadist", "north", Actor("Ansar Dine", 2, weight=3, until=JNIM_CREATED)),
    ("jihadist", "north", Actor("AQIM: Al Qaeda in the Islamic Maghreb", 2, until=JNIM_CREATED)),
    ("jihadist", "north", Actor("Al Mourabitoune Battalion", 2, until=JNIM_CREATED)),
    ("jihadist", "north", Actor(JNIM, 2, _JNIM_NORTH, weight=5, since=JNIM_CREATED)),
    ("jihadist", "north", Actor(ISGS, 2, weight=0.5)),
    ("jihadist", "menaka", Actor(ISGS, 2, weight=4)),
    ("jihadist", "menaka", Actor("Al Mourabitoune Battalion", 2, until=JNIM_CREATED)),
    ("jihadist", "menaka", Actor(JNIM, 2, since=JNIM_CREATED)),
    ("jihadist", "mopti", Actor("FLM: Macina Liberation Front", 2, weight=4, until=JNIM_CREATED)),
    ("jihadist", "mopti", Actor(JNIM, 2, ("Katiba Macina", ""), weight=4, since=JNIM_CREATED)),
    ("jihadist", "mopti", Actor("Ansaroul Islam", 2, since=ANSARUL_ISLAM)),
    ("jihadist", "mopti", Actor(ISGS, 2, weight=0.3)),
    ("jihadist", "segou", Actor("FLM: Macina Liberation Front", 2, until=JNIM_CREATED)),
    ("jihadist", "segou", Actor(JNIM, 2, ("Katiba Macina", ""), since=JNIM_CREATED)),
    ("jihadist", "south", Actor("FLM: Macina Liberation Front", 2, until=JNIM_CREATED)),
    ("jihadist", "south", Actor(JNIM, 2, ("Katiba Macina", ""), since=JNIM_CREATED)),
    # state and international forces
    ("state", ANY_ZONE, Actor(FAMA, 1, weight=4, until=G5_SAHEL_OPERATIONS)),
    ("state", ANY_ZONE, Actor(FAMA, 1, ("", "", "", "G5 Sahel Joint Force"), weight=4,
                              since=G5_SAHEL_OPERATIONS)),
    ("state", ANY_ZONE, Actor(GENDARMERIE, 1)),
    ("police", ANY_ZONE, Actor(POLICE, 1)),
    ("france", "north", Actor("Military Forces of France (2012-2017)", 8, until=FRANCE_2017)),
    ("france", "north", Actor("Military Forces of France (2017-)", 8, since=FRANCE_2017)),
    ("france", "menaka", Actor("Military Forces of France (2012-2017)", 8, until=FRANCE_2017)),
    ("france", "menaka", Actor("Military Forces of France (2017-)", 8, (FAMA, ""),
                               since=FRANCE_2017)),
    ("france", "mopti", Actor("Military Forces of France (2012-2017)", 8, until=FRANCE_2017)),
    ("france", "mopti", Actor("Military Forces of France (2017-)", 8, since=FRANCE_2017)),
    ("france", "segou", Actor("Military Forces of France (2017-)", 8, since=FRANCE_2017)),
    ("minusma", ANY_ZONE, Actor(MINUSMA, 8)),
    # signatory armed groups and their rivals
    ("armed_group", "north", Actor(
        "CMA: Coordination of Movements of the Azawad", 2,
        ("", "MNLA: National Movement for the Liberation of Azawad",
         "HCUA: High Council for the Unity of Azawad"), weight=3)),
    ("armed_group", "north", Actor("MAA: Arab Movement of Azawad", 3, weight=0.5)),
    ("armed_group", "menaka", Actor("GATIA: Imghad Tuareg and Allies Self-Defense Group", 3)),
    ("armed_group", "menaka", Actor("MSA: Movement for Azawad Salvation", 3, weight=1.5,
                                    since=MSA_CREATED)),
    ("armed_group_rival", "north", Actor(
        "GATIA: Imghad Tuareg and Allies Self-Defense Group", 3,
        ("", "Platform of June 14th 2014 movements"), weight=3)),
    ("armed_group_rival", "north", Actor("Ganda Izo", 3, weight=0.5)),
    ("armed_group_rival", "menaka", Actor(ISGS, 2)),
    # communal militias: "a" (Dogon, Bambara, Dozo hunters...) and "b" (Fulani)
    ("militia_a", "mopti", Actor("Dogon Ethnic Militia (Mali)", 4, weight=3,
                                 until=DAN_NA_AMBASSAGOU)),
    ("militia_a", "mopti", Actor("Dan Na Ambassagou", 4, ("", "Dogon Ethnic Militia (Mali)"),
                                 weight=3, since=DAN_NA_AMBASSAGOU)),
    ("militia_a", "mopti", Actor("Dozo Militia", 4)),
    ("militia_a", "segou", Actor("Dozo Militia", 4, ("", "Bambara Ethnic Militia (Mali)"),
                                 weight=3)),
    ("militia_a", "segou", Actor("Bambara Ethnic Militia (Mali)", 4)),
    ("militia_a", "menaka", Actor("Dawsahak Ethnic Militia (Mali)", 4)),
    ("militia_a", "north", Actor("Ganda Izo Ethnic Militia (Mali)", 4)),
    ("militia_a", "south", Actor("Dozo Militia", 4)),
    ("militia_b", ANY_ZONE, Actor("Fulani Ethnic Militia (Mali)", 4, weight=3)),
    ("militia_b", "mopti", Actor("Fulani Ethnic Militia (Mali)", 4, weight=3)),
    ("militia_b", "mopti", Actor("Unidentified Communal Militia (Mali)", 4)),
    ("unidentified", ANY_ZONE, Actor(UNIDENTIFIED, 3)),
    # civilians and crowds
    ("civilians", ANY_ZONE, Actor(CIVILIANS, 7, _CIVILIAN_GROUPS)),
    ("civilians_a", "mopti", Actor(CIVILIANS, 7, ("Dogon Ethnic Group (Mali)",))),
    ("civilians_a", "segou", Actor(CIVILIANS, 7, ("Bambara Ethnic Group (Mali)",))),
    ("civilians_a", "menaka", Actor(CIVILIANS, 7, ("Dawsahak Ethnic Group (Mali)",))),
    ("civilians_a", "north", Actor(CIVILIANS, 7, ("Songhai Ethnic Group (Mali)",))),
    ("civilians_a", "south", Actor(CIVILIANS, 7, ("Bambara Ethnic Group (Mali)",))),
    ("civilians_b", ANY_ZONE, Actor(CIVILIANS, 7, ("Fulani Ethnic Group (Mali)",))),
    ("civilians_intl", ANY_ZONE, Actor("Civilians (International)", 7,
                                       ("Aid Workers (International)",))),
    ("protesters", ANY_ZONE, Actor("Protesters (Mali)", 6)),
    ("rioters", ANY_ZONE, Actor("Rioters (Mali)", 5)),
)
# fmt: on


@cache
def _by_role_and_zone() -> Mapping[tuple[str, Zone], tuple[Actor, ...]]:
    table: dict[tuple[str, Zone], list[Actor]] = {}
    for role, zone, actor in _CATALOGUE:
        table.setdefault((role, zone), []).append(actor)
    return MappingProxyType({k: tuple(v) for k, v in table.items()})


def roles() -> frozenset[str]:
    """All role names the catalogue knows."""
    return frozenset(role for role, _, _ in _CATALOGUE)


def candidates(role: str, zone: Zone) -> tuple[Actor, ...]:
    """The actors that may play ``role`` in ``zone`` (zone-specific entries, else the ``*``
    entries); empty when the role has no player there (e.g. French forces in the south)."""
    table = _by_role_and_zone()
    return table.get((role, zone)) or table.get((role, ANY_ZONE), ())


def interaction_code(inter1: int, inter2: int | None) -> int:
    """ACLED's ``interaction``: the two ``inter`` codes, lower first (``10 * inter1`` when the
    event has a single actor)."""
    if not inter2:
        return 10 * inter1
    low, high = sorted((inter1, inter2))
    return 10 * low + high


def era_breakpoints() -> tuple[dt.date, ...]:
    """The dates at which some actor appears or disappears, sorted: between two consecutive
    breakpoints the set of active actors does not change."""
    dates = {d for _, _, a in _CATALOGUE for d in (a.since, a.until) if d is not None}
    return tuple(sorted(dates))
