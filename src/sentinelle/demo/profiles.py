"""The scenario's kinds of violence ("profiles"), their event templates, and its hotspots.

A *profile* is a family of violence with its own dynamics: the jihadist insurgency against state
and international forces, intercommunal violence in the centre, fighting among armed groups in
the north, banditry, and urban unrest. Each has event *templates* (an ACLED event type and
sub-event type, the roles of the two actors, a fatality distribution, a sentence for the notes)
and a self-exciting dynamic (how many follow-up events one event triggers, how soon, how far).

*Hotspots* (``demo/data/hotspots.csv``) say where and how often each profile starts new events:
a town, a profile, a base rate per month in January 2016, a yearly growth factor and a spread in
kilometres. They are the scenario's tuning knobs, kept as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sentinelle.demo._data import data_rows
from sentinelle.demo.towns import Town, town_named

BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VAC = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"


@dataclass(frozen=True)
class Template:
    """One kind of event a profile produces.

    ``actor1``/``actor2`` are roles of :mod:`sentinelle.demo.actors`. Fatalities are negative
    binomial with mean ``fatalities`` and shape ``dispersion`` (small = overdispersed); with
    probability ``massacre`` the event is a mass killing instead. ``snap`` is the probability that
    the event is coded at the town itself (geo-precision 1). ``near_minusma`` events happen only
    within reach of an active MINUSMA site, ``at_site`` ones at that site (attacks on camps);
    ``on_road`` events are moved onto the nearest road.
    """

    event_type: str
    sub_event_type: str
    actor1: str
    actor2: str | None
    weight: float
    phrase: str
    fatalities: float = 0.0
    dispersion: float = 0.5
    massacre: float = 0.0
    snap: float = 0.45
    near_minusma: bool = False
    at_site: bool = False
    on_road: bool = False


@dataclass(frozen=True)
class Profile:
    """A family of violence: its templates and its self-exciting dynamic.

    Each event triggers on average ``branching`` follow-up events (0 ≤ branching < 1), after an
    exponential delay of mean ``delay_days``, displaced by a Gaussian of ``child_km`` kilometres.
    """

    name: str
    branching: float
    delay_days: float
    child_km: float
    templates: tuple[Template, ...]


T = Template

# fmt: off
INSURGENCY = Profile(
    "insurgency",
    branching=0.5,
    delay_days=6.0,
    child_km=25.0,
    templates=(
        T(BATTLES, "Armed clash", "jihadist", "state", 26, "{a1} attacked a position of {a2}",
          3.5, 0.35),
        T(BATTLES, "Armed clash", "state", "jihadist", 8,
          "{a1} clashed with {a2} during a security operation", 2.5, 0.4),
        T(BATTLES, "Armed clash", "france", "jihadist", 5,
          "{a1} raided a camp of {a2}", 4.0, 0.5),
        T(BATTLES, "Armed clash", "jihadist", "minusma", 5,
          "{a1} attacked a camp of {a2}", 1.5, 0.4, near_minusma=True, at_site=True),
        T(BATTLES, "Non-state actor overtakes territory", "jihadist", "state", 1,
          "{a1} overran a post of {a2}", 3.0, 0.5),
        T(BATTLES, "Government regains territory", "state", "jihadist", 0.5,
          "{a1} retook the locality from {a2}", 2.0, 0.5),
        T(EXPLOSIONS, "Remote explosive/landmine/IED", "jihadist", "state", 11,
          "a vehicle of {a2} struck an IED planted by suspected {a1}", 1.5, 0.4,
          snap=0.1, on_road=True),
        T(EXPLOSIONS, "Remote explosive/landmine/IED", "jihadist", "minusma", 9,
          "a convoy of {a2} struck an IED planted by suspected {a1}", 0.7, 0.4,
          snap=0.1, near_minusma=True, on_road=True),
        T(EXPLOSIONS, "Remote explosive/landmine/IED", "jihadist", "france", 2,
          "a patrol of {a2} struck an IED planted by suspected {a1}", 0.5, 0.4,
          snap=0.1, on_road=True),
        T(EXPLOSIONS, "Remote explosive/landmine/IED", "jihadist", "civilians", 6,
          "a passenger vehicle carrying {a2} struck a landmine planted by suspected {a1}",
          2.0, 0.5, snap=0.1, on_road=True),
        T(EXPLOSIONS, "Shelling/artillery/missile attack", "jihadist", "minusma", 7,
          "suspected {a1} fired rockets and mortar shells at the camp of {a2}", 0.3, 0.4,
          near_minusma=True, at_site=True),
        T(EXPLOSIONS, "Suicide bomb", "jihadist", "minusma", 0.6,
          "a suicide vehicle-borne IED driven by {a1} exploded at the entrance of a camp of {a2}",
          5.0, 0.8, near_minusma=True, at_site=True),
        T(EXPLOSIONS, "Suicide bomb", "jihadist", "state", 0.4,
          "a suicide bomber of {a1} blew himself up at a position of {a2}", 6.0, 0.8),
        T(EXPLOSIONS, "Air/drone strike", "france", "jihadist", 3,
          "{a1} carried out an air strike against {a2}", 5.0, 0.6, snap=0.2),
        T(VAC, "Attack", "jihadist", "civilians", 8,
          "{a1} attacked {a2} accused of informing the armed forces", 1.5, 0.8),
        T(VAC, "Abduction/forced disappearance", "jihadist", "civilians", 6,
          "{a1} abducted {a2}", 0.05, 0.5),
        T(VAC, "Attack", "state", "civilians_b", 2.5,
          "{a1} shot at {a2} suspected of links with jihadist groups", 2.0, 0.5),
        T(STRATEGIC, "Disrupted weapons use", "france", None, 3,
          "{a1} found and destroyed a cache of weapons and explosives"),
        T(STRATEGIC, "Disrupted weapons use", "minusma", None, 2,
          "{a1} found and defused an IED on the road", snap=0.1, near_minusma=True,
          on_road=True),
        T(STRATEGIC, "Arrests", "state", "jihadist", 4, "{a1} arrested suspected members of {a2}"),
        T(STRATEGIC, "Looting/property destruction", "jihadist", "civilians", 4,
          "{a1} looted shops and burned property belonging to {a2}"),
    ),
)

COMMUNAL = Profile(
    "communal",
    branching=0.6,
    delay_days=6.0,
    child_km=12.0,
    templates=(
        T(VAC, "Attack", "militia_a", "civilians_b", 20,
          "{a1} attacked {a2} in a hamlet", 3.0, 0.3, massacre=0.03),
        T(VAC, "Attack", "militia_b", "civilians_a", 11,
          "{a1} attacked {a2} in a village", 2.5, 0.3, massacre=0.02),
        T(VAC, "Attack", "jihadist", "civilians_a", 7,
          "{a1} attacked {a2} working in their fields", 2.0, 0.4, massacre=0.01),
        T(VAC, "Abduction/forced disappearance", "militia_a", "civilians_b", 4,
          "{a1} abducted {a2} at a checkpoint"),
        T(VAC, "Abduction/forced disappearance", "unidentified", "civilians", 2,
          "{a1} abducted {a2}"),
        T(VAC, "Sexual violence", "unidentified", "civilians", 1,
          "{a1} committed sexual violence against {a2}"),
        T(VAC, "Attack", "state", "civilians_b", 2,
          "{a1} shot at {a2} suspected of links with jihadist groups", 2.5, 0.5),
        T(BATTLES, "Armed clash", "militia_a", "militia_b", 8,
          "{a1} clashed with {a2}", 4.0, 0.4),
        T(BATTLES, "Armed clash", "militia_a", "jihadist", 6,
          "{a1} clashed with {a2}", 5.0, 0.4),
        T(BATTLES, "Armed clash", "state", "militia_a", 1,
          "{a1} clashed with {a2} at a checkpoint", 1.0, 0.5),
        T(EXPLOSIONS, "Remote explosive/landmine/IED", "jihadist", "civilians", 2,
          "a cart carrying {a2} struck a landmine planted by suspected {a1}", 2.0, 0.5,
          snap=0.1, on_road=True),
        T(STRATEGIC, "Looting/property destruction", "militia_a", "civilians_b", 5,
          "{a1} burned houses and granaries and stole livestock belonging to {a2}"),
        T(STRATEGIC, "Looting/property destruction", "militia_b", "civilians_a", 4,
          "{a1} stole livestock belonging to {a2}"),
        T(STRATEGIC, "Agreement", "militia_a", "militia_b", 0.4,
          "{a1} and {a2} agreed on a local truce after mediation"),
    ),
)

ARMED_GROUPS = Profile(
    "armed_groups",
    branching=0.55,
    delay_days=4.0,
    child_km=30.0,
    templates=(
        T(BATTLES, "Armed clash", "armed_group", "armed_group_rival", 12,
          "{a1} clashed with {a2}", 3.0, 0.4),
        T(VAC, "Attack", "armed_group", "civilians_b", 4,
          "{a1} attacked {a2} in a nomadic camp", 2.5, 0.4, massacre=0.02),
        T(VAC, "Attack", "armed_group_rival", "civilians_a", 4,
          "{a1} attacked {a2} in a nomadic camp", 2.5, 0.4, massacre=0.02),
        T(VAC, "Abduction/forced disappearance", "unidentified", "civilians", 3,
          "{a1} abducted {a2}"),
        T(STRATEGIC, "Looting/property destruction", "unidentified", "civilians_intl", 4,
          "{a1} stole a vehicle belonging to {a2}"),
        T(STRATEGIC, "Agreement", "armed_group", "armed_group_rival", 1,
          "{a1} and {a2} agreed on a ceasefire"),
        T(STRATEGIC, "Headquarters or base established", "armed_group", None, 1,
          "{a1} established a new base"),
        T(STRATEGIC, "Non-violent transfer of territory", "armed_group", None, 1,
          "{a1} took control of the locality without fighting"),
        T(STRATEGIC, "Change to group/activity", "armed_group", None, 0.5,
          "{a1} announced a reorganisation of its command"),
    ),
)

BANDITRY = Profile(
    "banditry",
    branching=0.25,
    delay_days=10.0,
    child_km=20.0,
    templates=(
        T(VAC, "Attack", "unidentified", "civilians", 10,
          "{a1} attacked and robbed {a2} on the road", 0.8, 0.6),
        T(VAC, "Abduction/forced disappearance", "unidentified", "civilians", 3,
          "{a1} abducted {a2} and demanded a ransom"),
        T(STRATEGIC, "Looting/property destruction", "unidentified", "civilians", 6,
          "{a1} robbed {a2} at gunpoint"),
        T(BATTLES, "Armed clash", "unidentified", "state", 2,
          "{a1} attacked a checkpoint of {a2}", 1.0, 0.5),
        T(RIOTS, "Mob violence", "rioters", "civilians", 1.5,
          "{a1} beat {a2} suspected of theft", 0.5, 1.0, snap=1.0),
    ),
)

UNREST = Profile(
    "unrest",
    branching=0.45,
    delay_days=3.0,
    child_km=2.0,
    templates=(
        T(PROTESTS, "Peaceful protest", "protesters", None, 20,
          "{a1} demonstrated {topic}", snap=1.0),
        T(PROTESTS, "Protest with intervention", "protesters", "police", 4,
          "{a1} demonstrated {topic}; {a2} dispersed them with tear gas", snap=1.0),
        T(PROTESTS, "Excessive force against protesters", "protesters", "police", 0.6,
          "{a2} fired on {a1} who demonstrated {topic}", 1.2, 1.0, snap=1.0),
        T(RIOTS, "Violent demonstration", "rioters", None, 3,
          "{a1} burned tyres and blocked roads {topic}", snap=1.0),
        T(RIOTS, "Violent demonstration", "rioters", "police", 2,
          "{a1} threw stones at {a2} {topic}", 0.1, 0.5, snap=1.0),
        T(STRATEGIC, "Arrests", "police", "protesters", 1,
          "{a1} arrested {a2} after a demonstration", snap=1.0),
    ),
)
# fmt: on

PROFILES: tuple[Profile, ...] = (INSURGENCY, COMMUNAL, ARMED_GROUPS, BANDITRY, UNREST)

PROTEST_TOPICS: tuple[str, ...] = (
    "against insecurity",
    "against the proposed constitutional revision",
    "against power and water cuts",
    "against the presence of MINUSMA",
    "against the cost of living",
    "over the results of the elections",
    "to demand the release of detained relatives",
    "in support of the armed forces",
)


def profile_named(name: str) -> Profile:
    for profile in PROFILES:
        if profile.name == name:
            return profile
    raise KeyError(f"no demo profile named {name!r}; expected one of {[p.name for p in PROFILES]}")


@dataclass(frozen=True)
class Hotspot:
    """Where a profile starts new events: around ``town``, ``events_per_month`` in January 2016
    (multiplied by ``growth_per_year`` each year), scattered over ``spread_km``."""

    town: Town
    profile: Profile
    events_per_month: float
    growth_per_year: float
    spread_km: float


@cache
def hotspots() -> tuple[Hotspot, ...]:
    """The scenario's hotspots, in file order."""
    return tuple(
        Hotspot(
            town=town_named(r["town"]),
            profile=profile_named(r["profile"]),
            events_per_month=float(r["events_per_month"]),
            growth_per_year=float(r["growth_per_year"]),
            spread_km=float(r["spread_km"]),
        )
        for r in data_rows("hotspots.csv")
    )
