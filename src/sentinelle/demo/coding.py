"""Coding the scenario's events: from points of the cluster process to ACLED-style rows.

For each point: a template of its profile (allowed in its zone, at its date, and near MINUSMA
or not), actors for the template's roles, fatalities, final coordinates and geo-precision, the
nearest town and its admin names, sources, and a note in English that says the event is
fictional. All random numbers come from the scenario's generator, drawn in bulk and in a fixed
order, so a seed always gives the same table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import Polygon

from sentinelle.demo.actors import (
    Actor,
    Zone,
    candidates,
    era_breakpoints,
    interaction_code,
    zone_of,
)
from sentinelle.demo.deployments import nearest_active_site, snap_to_roads
from sentinelle.demo.process import Points
from sentinelle.demo.profiles import PROFILES, PROTEST_TOPICS, Hotspot, Template
from sentinelle.demo.towns import Town, seat_of, town_index, unit_names
from sentinelle.domain.deployments import Deployment
from sentinelle.domain.vocabulary import sub_event_types

DEMO_SOURCE = "demo"
MINUSMA_REACH_DEGREES = 1.5
"""Attacks on MINUSMA happen within about 150 km of one of its active sites."""
ROAD_REACH_DEGREES = 0.6
"""IEDs are moved onto a road that is within about 60 km."""
VAGUE_SHARE = 0.03
"""Share of events known only at cercle level (geo-precision 3)."""

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SOURCES: tuple[tuple[str, str, float], ...] = (
    ("Local Source", "Local partner-Other", 3),
    ("Community alert network", "Local partner-Other", 2),
    ("Local Source; New media", "Local partner-New media", 3),
    ("New media", "New media", 2),
    ("National media", "National", 2),
    ("National media; International media", "National-International", 1),
    ("International media", "International", 1),
    ("Mission patrol report", "Other", 1),
    ("Humanitarian partner", "Other", 1),
)
_DISPLAY = {
    "Military Forces of Mali (2013-2020)": "the Malian armed forces (FAMa)",
    "Police Forces of Mali (2013-2020)": "the police",
    "Police Forces of Mali (2013-2020) Gendarmerie": "the gendarmerie",
    "Military Forces of France (2012-2017)": "French forces (Operation Barkhane)",
    "Military Forces of France (2017-)": "French forces (Operation Barkhane)",
    "Islamic State (Greater Sahara)": "ISGS",
    "Unidentified Armed Group (Mali)": "unidentified gunmen",
    "G5 Sahel Joint Force": "the G5 Sahel Joint Force",
}
_COLUMNS_OF_ROW = ("actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2")


def _weighted(weights: npt.NDArray[np.float64], u: float) -> int:
    return int(np.searchsorted(weights, u * weights[-1], side="right"))


def _active(role: str, zone: Zone, day: dt.date) -> tuple[Actor, ...]:
    return tuple(a for a in candidates(role, zone) if a.active_on(day))


def _pick(actors: tuple[Actor, ...], u: float) -> Actor:
    return actors[_weighted(np.cumsum([a.weight for a in actors]), u)]


class _TemplateChooser:
    """Templates allowed for an event, memoised by (profile, zone, near MINUSMA, actor era)
    for one scenario."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, Zone, bool, int], tuple[list[Template], np.ndarray]] = {}
        self._breaks = np.array([np.datetime64(d, "D") for d in era_breakpoints()])

    def choose(
        self, profile: int, zone: Zone, near: bool, day: np.datetime64, u: float
    ) -> Template:
        era = int(np.searchsorted(self._breaks, day, side="right"))
        key = (profile, zone, near, era)
        if key not in self._memo:
            date = day.astype(dt.date)
            allowed = [
                t
                for t in PROFILES[profile].templates
                if (near or not t.near_minusma)
                and _active(t.actor1, zone, date)
                and (t.actor2 is None or _active(t.actor2, zone, date))
            ]
            self._memo[key] = (allowed, np.cumsum([t.weight for t in allowed]))
        allowed, weights = self._memo[key]
        return allowed[_weighted(weights, u)]


def describe(actor: Actor, assoc: str) -> str:
    """A readable name for the notes: "JNIM (Katiba Macina)", "Fulani civilians", "the police"."""
    if actor.inter == 7:
        group = assoc.replace(" (Mali)", "").replace(" (International)", "")
        if "Ethnic Group" in group:
            return group.replace(" Ethnic Group", "") + " civilians"
        return group.lower() if group else "civilians"
    if actor.inter in (5, 6):
        return actor.name.split(" (")[0].lower()

    def short(name: str) -> str:
        if name in _DISPLAY:
            return _DISPLAY[name]
        return name.split(":")[0] if ":" in name else name.split(" (")[0]

    return f"{short(actor.name)} ({short(assoc)})" if assoc else short(actor.name)


@dataclass(frozen=True)
class _Coded:
    """What the per-event loop decides: templates and the actor columns."""

    templates: list[Template]
    rows: list[dict[str, Any]]


def _code_actors(
    u: npt.NDArray[np.float64],
    points: Points,
    days: npt.NDArray[np.datetime64],
    near: npt.NDArray[np.bool_],
    spots: tuple[Hotspot, ...],
) -> _Coded:
    profile_index = {p.name: i for i, p in enumerate(PROFILES)}
    spot_profile = [profile_index[h.profile.name] for h in spots]
    spot_zone = [zone_of(h.town.admin2_pcode) for h in spots]
    source_weights = np.cumsum([s[2] for s in _SOURCES])
    chooser = _TemplateChooser()
    templates: list[Template] = []
    rows: list[dict[str, Any]] = []
    for i in range(len(days)):
        h = int(points.hotspot[i])
        zone, date = spot_zone[h], days[i].astype(dt.date)
        template = chooser.choose(spot_profile[h], zone, bool(near[i]), days[i], u[i, 0])
        actor1 = _pick(_active(template.actor1, zone, date), u[i, 1])
        assoc1 = actor1.assoc[int(u[i, 2] * len(actor1.assoc))]
        row: dict[str, Any] = dict.fromkeys(_COLUMNS_OF_ROW)
        row.update(actor1=actor1.name, assoc_actor_1=assoc1 or None, inter1=actor1.inter)
        row["a1"], row["a2"] = describe(actor1, assoc1), ""
        if template.actor2 is not None:
            actor2 = _pick(_active(template.actor2, zone, date), u[i, 3])
            assoc2 = actor2.assoc[int(u[i, 4] * len(actor2.assoc))]
            row.update(actor2=actor2.name, assoc_actor_2=assoc2 or None, inter2=actor2.inter)
            row["a2"] = describe(actor2, assoc2)
        row["interaction"] = interaction_code(actor1.inter, row["inter2"])
        row["topic"] = PROTEST_TOPICS[int(u[i, 5] * len(PROTEST_TOPICS))]
        source = _SOURCES[_weighted(source_weights, u[i, 6])]
        row["sources"], row["source_scale"] = source[0], source[1]
        templates.append(template)
        rows.append(row)
    return _Coded(templates, rows)


def code_events(
    rng: np.random.Generator,
    points: Points,
    origin: np.datetime64,
    spots: tuple[Hotspot, ...],
    deployments: tuple[Deployment, ...],
    seed: int,
    outline: Polygon,
) -> pd.DataFrame:
    """The events of ``points`` (sorted by day) as a frame with :data:`EVENT_COLUMNS` (placement
    columns left empty)."""
    n = len(points.day)
    days = origin + points.day.astype("timedelta64[D]")
    distance, site = nearest_active_site(deployments, days, points.latitude, points.longitude)
    near = distance <= MINUSMA_REACH_DEGREES
    u = rng.random((n, 10))
    coded = _code_actors(u, points, days, near, spots)
    templates = coded.templates
    table = pd.DataFrame(coded.rows, index=range(n))

    site_lat = np.array([deployments[k].latitude if k >= 0 else np.nan for k in site])
    site_lon = np.array([deployments[k].longitude if k >= 0 else np.nan for k in site])
    lat, lon, precision = _geography(
        rng, points, templates, u[:, 7], u[:, 8], (site_lat, site_lon), outline
    )
    _, nearest = town_index().nearest(lat, lon)
    location = [town_index().towns[k] for k in nearest]
    names = {x.pcode: x.name_fr for x in unit_names()}
    fatalities = _fatalities(rng, templates)
    vocabulary = sub_event_types()
    kinds = [vocabulary[(t.event_type, t.sub_event_type)] for t in templates]
    delay = rng.integers(3, 60, n) + np.where(rng.random(n) < 0.15, rng.integers(100, 500, n), 0)
    revised = (days + delay.astype("timedelta64[D]")).astype("datetime64[s]").astype("int64")

    table["source"] = DEMO_SOURCE
    table["source_id"] = [f"DEMO-{k:06d}" for k in range(1, n + 1)]
    table["vintage"] = f"demo-{seed}"
    table["source_timestamp"] = revised + rng.integers(0, 86_400, n)
    table["event_date"] = days.astype("datetime64[ns]")
    table["time_precision"] = np.select([u[:, 9] < 0.92, u[:, 9] < 0.98], [1, 2], 3)
    table["event_type"] = [t.event_type for t in templates]
    table["sub_event_type"] = [t.sub_event_type for t in templates]
    table["disorder_type"] = [k.disorder_type for k in kinds]
    table["civilian_targeting"] = np.array([k.political_violence for k in kinds]) & (
        table["inter2"].fillna(0).to_numpy() == 7
    )
    table["country"] = "Mali"
    table["admin1"] = [names[t.admin1_pcode] for t in location]
    table["admin2"] = [names[t.admin2_pcode] for t in location]
    table["admin3"] = [t.commune for t in location]
    table["location"] = [t.name_fr for t in location]
    table["latitude"] = lat
    table["longitude"] = lon
    table["geo_precision"] = precision
    table["fatalities"] = fatalities
    table["fatalities_low"] = np.floor(fatalities * rng.uniform(0.5, 1.0, n)).astype("int64")
    table["fatalities_high"] = np.ceil(fatalities * rng.uniform(1.0, 1.8, n)).astype("int64")
    table["tags"] = [
        "crowd size=no report; fictional" if t.event_type in ("Protests", "Riots") else "fictional"
        for t in templates
    ]
    table["notes"] = [
        _note(row, template, town, int(f), int(p), day, seed)
        for row, template, town, f, p, day in zip(
            coded.rows, templates, location, fatalities, precision, days, strict=True
        )
    ]
    return table.drop(columns=["a1", "a2", "topic"])


def _fatality_sentence(fatalities: int) -> str:
    if fatalities == 0:
        return "No fatalities were reported."
    if fatalities == 1:
        return "One person was reported killed."
    return f"{fatalities} people were reported killed."


def _note(
    row: dict[str, Any],
    template: Template,
    town: Town,
    fatalities: int,
    precision: int,
    day: np.datetime64,
    seed: int,
) -> str:
    date = day.astype(dt.date)
    what = template.phrase.format(a1=row["a1"], a2=row["a2"], topic=row["topic"])
    where = {1: f"in {town.name_fr}", 2: f"near {town.name_fr}"}.get(
        precision, f"in the cercle of {seat_of(town.admin2_pcode).name_fr}"
    )
    return (
        f"On {date.day} {_MONTHS[date.month - 1]} {date.year}, {what} {where}. "
        f"{_fatality_sentence(fatalities)} [FICTIONAL: invented for the Sentinelle training "
        f"scenario, seed {seed}; no real incident is described.]"
    )


def _fatalities(rng: np.random.Generator, templates: list[Template]) -> npt.NDArray[np.int64]:
    """Negative-binomial deaths per event (mostly zero, long tail), plus rare massacres."""
    mean = np.array([t.fatalities for t in templates])
    shape = np.array([t.dispersion for t in templates])
    deaths = rng.negative_binomial(shape, shape / (shape + mean))
    massacre = rng.random(len(templates)) < np.array([t.massacre for t in templates])
    toll = 10 + rng.negative_binomial(1.2, 1.2 / (1.2 + 20.0), len(templates))
    return np.asarray(np.minimum(np.where(massacre, toll, deaths), 200), dtype="int64")


def _geography(
    rng: np.random.Generator,
    points: Points,
    templates: list[Template],
    u_snap: npt.NDArray[np.float64],
    u_vague: npt.NDArray[np.float64],
    sites: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    outline: Polygon,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Final coordinates and geo-precision: attacks on camps at the MINUSMA site, IEDs on the
    nearest road; some events coded at the nearest town (precision 1), a few only at their
    cercle's seat (precision 3), the rest near a town (precision 2). Coordinates are rounded to
    4 decimals, as ACLED publishes them."""
    lat = points.latitude.copy()
    lon = points.longitude.copy()
    road = np.array([t.on_road for t in templates])
    if road.any():
        r_lat, r_lon, _ = snap_to_roads(lat[road], lon[road], ROAD_REACH_DEGREES)
        r_lat = r_lat + rng.normal(0.0, 0.01, len(r_lat))
        r_lon = r_lon + rng.normal(0.0, 0.01, len(r_lon))
        inside = shapely.contains_xy(outline, r_lon, r_lat)
        lat[road] = np.where(inside, r_lat, lat[road])
        lon[road] = np.where(inside, r_lon, lon[road])
    at_site = np.array([t.at_site for t in templates]) & np.isfinite(sites[0])
    lat[at_site], lon[at_site] = sites[0][at_site], sites[1][at_site]
    snap = ~at_site & (u_snap < np.array([t.snap for t in templates]))
    vague = ~at_site & ~snap & (u_vague < VAGUE_SHARE)
    _, nearest = town_index().nearest(lat, lon)
    towns = town_index().towns
    for i in np.flatnonzero(snap | vague):
        town = seat_of(towns[nearest[i]].admin2_pcode) if vague[i] else towns[nearest[i]]
        lat[i], lon[i] = town.latitude, town.longitude
    lat, lon = np.round(lat, 4), np.round(lon, 4)
    for i in np.flatnonzero(~shapely.contains_xy(outline, lon, lat)):
        # rounding pushed a border point out: code it at its town
        lat[i], lon[i] = towns[nearest[i]].latitude, towns[nearest[i]].longitude
        snap[i] = True
    precision = np.where(snap | at_site, 1, np.where(vague, 3, 2)).astype("int64")
    return lat, lon, precision
