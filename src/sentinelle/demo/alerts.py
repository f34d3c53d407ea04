"""Demo alerts: a year (2018) of *fictional* early-warning alerts and the mission's responses.

:func:`generate_alerts` draws, from the scenario's seed, some 650 alerts over the demo's real
Mali geography, as a mission's alert register would hold them at the end of 2018:

* **warnings before violence** — about three in ten of the scenario's 2018 attacks on civilians
  were warned of: an alert 0 to 5 days before, within 10 km of the place, with the threat the
  attack turned out to be (and, once closed, its outcome and toll);
* **other alerts** — threats reported where the scenario's violence is (the hotspots of the
  centre and north), at other times: most are confirmed or stay unconfirmed, one in seven is
  false;
* **duplicates** — the same threat reported again through another channel a few hours later,
  then merged into the first alert (both kept; the duplicate leaves the counts).

Channels are those of a mission: community alert network calls and SMS, community liaison
assistants, patrols, partners, authorities and media. Each alert then moves through the
lifecycle (``sentinelle.domain.alerts``) with realistic delays: verification within hours,
priorities, decisions (patrols, deployments, community engagement, referrals to the authorities
or humanitarians, or no response with its reason), dispatch and arrival times with a long tail
(many responses miss their target), outcomes with their toll. Steps that would fall after the
end of 2018 are not taken, so the alerts received in the last days are still open.

Every step is computed by :func:`~sentinelle.domain.alerts.check_transition`, the register's own
rule, so every alert's sequence is one the register accepts. The same seed always gives the same
alerts. Reporters' names are fictional (common Malian first and family names drawn at random);
their phone numbers start with ``+223 00``, a prefix no Malian number has.

:func:`load_demo_alerts` writes them in bulk (two bulk inserts, not one call per step), with the
reporters' names encrypted by the ``cipher`` given; without a cipher the names are left empty
(the demo store then holds no personal data at all).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select, text

from sentinelle.demo.scenario import Scenario
from sentinelle.demo.towns import town_index
from sentinelle.domain.alerts import Standing, check_transition
from sentinelle.protection import Cipher
from sentinelle.store import imports
from sentinelle.store.bulk import bulk_insert
from sentinelle.store.database import Store
from sentinelle.store.schema import alert_steps, alerts

SOURCE = "demo"
ACTOR = "demo"
START = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
"""The register as it stood at the end of 2018: no step after this."""
WARNED_SHARE = 0.3
OTHER_ALERTS = 500
DUPLICATE_SHARE = 0.07
STALL_FROM = dt.datetime(2018, 11, 1, tzinfo=dt.UTC)
STALL_SHARE = 0.08
"""Of the alerts received in the last two months, the share left waiting at some step."""
JITTER_DEGREES = 0.09  # about 10 km
TIME_COLUMNS = (
    "received_at",
    "verified_at",
    "assessed_at",
    "decided_at",
    "dispatched_at",
    "on_site_at",
    "closed_at",
    "created_at",
    "updated_at",
)

CHANNELS = {
    "community_alert_network": 0.4,
    "community_liaison": 0.2,
    "patrol": 0.1,
    "partner": 0.12,
    "authorities": 0.12,
    "media": 0.06,
}
VERIFY_HOURS = {  # median hours from receipt to verification, per channel
    "community_alert_network": 1.5,
    "community_liaison": 3.0,
    "patrol": 0.5,
    "partner": 4.0,
    "authorities": 3.0,
    "media": 8.0,
}
THREATS = {
    "vac_attack": 0.42,
    "vac_abduction": 0.14,
    "vac_sexual_violence": 0.03,
    "fighting_in_towns": 0.12,
    "explosive_harm": 0.09,
    "looting_destruction": 0.12,
    "other": 0.08,
}
SUB_EVENT_THREAT = {
    "Attack": "vac_attack",
    "Abduction/forced disappearance": "vac_abduction",
    "Sexual violence": "vac_sexual_violence",
}
POPULATIONS = {
    "village": 0.45,
    "displaced": 0.1,
    "market": 0.1,
    "travellers": 0.15,
    "specific_group": 0.12,
    "individuals": 0.05,
    "other": 0.03,
}
DECISIONS = {  # per priority
    "high": {"patrol": 0.5, "deployment": 0.14, "engagement": 0.08,
             "referral_authorities": 0.1, "referral_humanitarian": 0.02, "none": 0.16},
    "medium": {"patrol": 0.4, "deployment": 0.05, "engagement": 0.2,
               "referral_authorities": 0.12, "referral_humanitarian": 0.08, "none": 0.15},
    "low": {"patrol": 0.2, "deployment": 0.0, "engagement": 0.3,
            "referral_authorities": 0.2, "referral_humanitarian": 0.1, "none": 0.2},
}  # fmt: skip
DECISION_TARGET_HOURS = {"high": 2.0, "medium": 12.0, "low": 48.0}
DISPATCH_HOURS = {"patrol": 3.0, "deployment": 20.0, "engagement": 24.0}
TRAVEL_HOURS = {"patrol": 4.0, "deployment": 10.0, "engagement": 6.0}
OFFICES = {"ML04": "Mopti", "ML05": "Mopti", "ML06": "Timbuktu", "ML07": "Gao", "ML08": "Kidal"}
NO_RESPONSE_REASONS = (
    "No troops available: every patrol of the sector is already committed",
    "Road impassable after the rains",
    "Suspected explosive devices on the only access road; no clearance before days",
    "Threat too vague to act on; the community liaison assistant keeps watch",
    "National defence forces already deployed in the area",
    "Outside the reach of the nearest base within a useful time",
)
NOTES = (
    "Patrol slowed by a suspected explosive device on the road; engineers called",
    "Patrol held at a river crossing",
    "Vehicle breakdown; a second section takes over",
    "Village chief reached by phone: the tension remains high",
    "Helicopter support requested; not available before tomorrow",
)
DESCRIPTIONS = {
    "vac_attack": (
        "Armed men on motorbikes seen around {place}; residents fear an attack",
        "Residents of {place} report threats after a killing in a nearby village",
        "A group is said to be preparing an attack on {place}",
    ),
    "vac_abduction": (
        "Armed men reported looking for a village leader of {place}",
        "Travellers near {place} stopped and some taken away, callers say",
    ),
    "vac_sexual_violence": ("Women collecting firewood near {place} threatened by armed men",),
    "fighting_in_towns": (
        "Armed groups massing near {place}; fighting in the town feared",
        "Clashes reported on the edge of {place}",
    ),
    "explosive_harm": (
        "Suspected explosive device on the road near {place}",
        "Shelling reported near {place}",
    ),
    "looting_destruction": (
        "Cattle raided and granaries burnt around {place}",
        "Shops looted in {place}, residents say",
    ),
    "other": (
        "Rising tension in {place} after a dispute over land",
        "Unknown armed men camped near {place}",
    ),
}
FIRST_NAMES = (
    "Amadou", "Fatoumata", "Oumar", "Aminata", "Moussa", "Mariam", "Boubacar", "Kadiatou",
    "Seydou", "Awa", "Hamidou", "Aïssata", "Ibrahim", "Hawa", "Souleymane", "Rokia",
    "Abdoulaye", "Djeneba", "Hamadoun", "Oumou", "Mahamadou", "Assitan", "Bakary", "Salimata",
)  # fmt: skip
FAMILY_NAMES = (
    "Traoré", "Coulibaly", "Diallo", "Keïta", "Sangaré", "Touré", "Maïga", "Cissé", "Guindo",
    "Dicko", "Ongoïba", "Tembely", "Barry", "Sidibé", "Kassambara", "Dembélé", "Togo", "Bah",
)  # fmt: skip


def _pick(rng: np.random.Generator, weights: Mapping[str, float]) -> str:
    """A key drawn with the given weights (one uniform draw)."""
    total = sum(weights.values())
    threshold = float(rng.random()) * total
    for key, weight in weights.items():
        threshold -= weight
        if threshold < 0:
            return key
    return [k for k, w in weights.items() if w > 0][-1]


def _hours(rng: np.random.Generator, median: float, sigma: float = 0.8) -> dt.timedelta:
    return dt.timedelta(hours=float(rng.lognormal(math.log(median), sigma)))


@dataclass
class _Draft:
    """An alert as received, before its lifecycle."""

    received_at: dt.datetime
    channel: str
    latitude: float | None
    longitude: float | None
    place: str
    admin1_pcode: str
    admin2_pcode: str
    precision: str
    threat_type: str
    threatened_population: str
    suspected_perpetrator: str | None
    urgency: str
    description: str
    reporter_name: str | None
    reporter_contact: str | None
    kind: str  # warning (an attack followed), alert, duplicate
    event_day: dt.datetime | None = None
    event_fatalities: int = 0
    primary: _Draft | None = None  # the alert a duplicate repeats


class _Life:
    """One alert going through the lifecycle: each step computed by ``check_transition``."""

    def __init__(self, alert_id: int, draft: _Draft, owner: str, rng: np.random.Generator):
        self.rng = rng
        self.id = alert_id
        received = draft.received_at
        self.row: dict[str, Any] = {
            "verification": None,
            "response_required": None,
            "priority": None,
            "decision": None,
            "decision_reason": None,
            "responding_unit": None,
            "outcome": None,
            "killed": None,
            "injured": None,
            "closed_from": None,
            "merged_into": None,
            **dict.fromkeys(TIME_COLUMNS[1:7]),
            "state": "received",
            "owner": owner,
        }
        self.standing = Standing("received", received, received)
        self.stopped = False
        self.limit: int | None = None  # steps after which nobody updated the alert
        self.steps: list[dict[str, Any]] = []
        self._record("receive", None, "received", received, owner, {"channel": draft.channel})

    @property
    def at(self) -> dt.datetime:
        return self.standing.last_step_at

    def _record(
        self,
        action: str,
        from_state: str | None,
        to_state: str,
        at: dt.datetime,
        owner: str,
        details: Mapping[str, Any],
    ) -> None:
        recorded = at + dt.timedelta(minutes=float(self.rng.uniform(1, 40)))
        self.steps.append(
            {
                "alert_id": self.id,
                "action": action,
                "from_state": from_state,
                "to_state": to_state,
                "at": at,
                "recorded_at": recorded,
                "actor": ACTOR,
                "owner": owner,
                "details": json.dumps(dict(details), sort_keys=True, default=str),
                "version": len(self.steps) + 1,
            }
        )

    def take(self, action: str, values: Mapping[str, Any], after: dt.timedelta, owner: str) -> bool:
        """Take ``action`` ``after`` the last step; nothing (and nothing more) once the step
        would fall after the end of the year."""
        at = self.at + after
        stalled = self.limit is not None and len(self.steps) >= self.limit
        if self.stopped or at >= END or stalled:
            self.stopped = True
            return False
        changes = check_transition(self.standing, action, values, at)
        details = {k: v for k, v in changes.items() if k != "state"}
        if action == "note":
            details["text"] = values["text"]
        self._record(action, self.standing.state, changes["state"], at, owner, details)
        self.row.update(changes, owner=owner)
        self.standing = Standing(
            state=self.row["state"],
            received_at=self.standing.received_at,
            last_step_at=at,
            verification=self.row["verification"],
            response_required=self.row["response_required"],
            decision=self.row["decision"],
            closed_from=self.row["closed_from"],
        )
        return True


@dataclass(frozen=True)
class DemoAlerts:
    """Demo alerts (``alerts``: columns of the alerts table, ids from 1, times as UTC
    timestamps, reporters in clear) and their steps (``steps``: columns of alert_steps)."""

    alerts: pd.DataFrame
    steps: pd.DataFrame
    seed: int


def _vac_events(scenario: Scenario) -> pd.DataFrame:
    frame = scenario.events.frame
    days = pd.to_datetime(frame["event_date"])
    in_year = (days >= pd.Timestamp(2018, 1, 1)) & (days < pd.Timestamp(2019, 1, 1))
    return frame[in_year & (frame["event_type"] == "Violence against civilians")]


def _events_2018(scenario: Scenario) -> pd.DataFrame:
    frame = scenario.events.frame
    days = pd.to_datetime(frame["event_date"])
    return frame[(days >= pd.Timestamp(2018, 1, 1)) & (days < pd.Timestamp(2019, 1, 1))]


class _Drafter:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.index = town_index()

    def reporter(self, channel: str) -> tuple[str | None, str | None]:
        rng = self.rng
        if channel not in ("community_alert_network", "community_liaison") or rng.random() < 0.1:
            return None, None
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"
        if channel != "community_alert_network":
            return name, None
        digits = rng.integers(0, 10, size=6)
        contact = "+223 00 {}{} {}{} {}{}".format(*digits)
        return name, contact

    def draft(
        self,
        received_at: dt.datetime,
        latitude: float,
        longitude: float,
        threat_type: str,
        perpetrator: str | None,
        urgency: str,
        kind: str,
        channel: str | None = None,
    ) -> _Draft:
        rng = self.rng
        channel = channel or _pick(rng, CHANNELS)
        lat = latitude + float(rng.uniform(-1, 1)) * JITTER_DEGREES
        lon = longitude + float(rng.uniform(-1, 1)) * JITTER_DEGREES
        _, nearest = self.index.nearest([lat], [lon])
        town = self.index.towns[int(nearest[0])]
        precision = _pick(rng, {"exact": 0.3, "near": 0.55, "area": 0.15})
        placed = not (precision == "area" and rng.random() < 0.6)
        name, contact = self.reporter(channel)
        template = str(rng.choice(DESCRIPTIONS[threat_type]))
        return _Draft(
            received_at=received_at,
            channel=channel,
            latitude=round(lat, 4) if placed else None,
            longitude=round(lon, 4) if placed else None,
            place=town.name_fr,
            admin1_pcode=town.admin1_pcode,
            admin2_pcode=town.admin2_pcode,
            precision=precision,
            threat_type=threat_type,
            threatened_population=_pick(rng, POPULATIONS),
            suspected_perpetrator=perpetrator[:60] if perpetrator else None,
            urgency=urgency,
            description=template.format(place=town.name_fr) + " (fictional demo alert)",
            reporter_name=name,
            reporter_contact=contact,
            kind=kind,
        )


def _time_of_day(rng: np.random.Generator, day: dt.datetime) -> dt.datetime:
    hour = float(np.clip(rng.normal(13.0, 4.5), 0.0, 23.95))
    return day + dt.timedelta(hours=hour)


def _drafts(scenario: Scenario, rng: np.random.Generator) -> list[_Draft]:
    drafter = _Drafter(rng)
    drafts: list[_Draft] = []
    for event in _vac_events(scenario).itertuples(index=False):
        if rng.random() >= WARNED_SHARE:
            continue
        lead = int(rng.choice(6, p=[0.22, 0.25, 0.18, 0.13, 0.11, 0.11]))
        day = pd.Timestamp(event.event_date).to_pydatetime().replace(tzinfo=dt.UTC)
        received = _time_of_day(rng, day - dt.timedelta(days=lead))
        if received < START:
            continue
        draft = drafter.draft(
            received,
            float(event.latitude),
            float(event.longitude),
            SUB_EVENT_THREAT.get(str(event.sub_event_type), "vac_attack"),
            None if pd.isna(event.actor1) or rng.random() < 0.3 else str(event.actor1),
            _pick(rng, {"high": 0.6, "medium": 0.3, "low": 0.1}),
            "warning",
        )
        draft.event_day = day
        draft.event_fatalities = int(event.fatalities)
        drafts.append(draft)
    events = _events_2018(scenario)
    event_days = pd.to_datetime(events["event_date"]).to_numpy()
    latitudes = events["latitude"].to_numpy(dtype=float)
    longitudes = events["longitude"].to_numpy(dtype=float)
    actors = events["actor1"].astype(str).tolist()
    anchors = rng.integers(0, len(events), size=OTHER_ALERTS)
    year_days = (END - START).days
    for position in anchors:
        day = pd.Timestamp(event_days[position]).to_pydatetime().replace(tzinfo=dt.UTC)
        day += dt.timedelta(days=int(rng.integers(-60, 61)))
        day = START + dt.timedelta(days=(day - START).days % year_days)
        drafts.append(
            drafter.draft(
                _time_of_day(rng, day),
                float(latitudes[position]),
                float(longitudes[position]),
                _pick(rng, THREATS),
                None if rng.random() < 0.5 else actors[position],
                _pick(rng, {"high": 0.3, "medium": 0.45, "low": 0.25}),
                "alert",
            )
        )
    primaries = len(drafts)
    for first in drafts[:primaries]:
        if rng.random() >= DUPLICATE_SHARE:
            continue
        others = {c: w for c, w in CHANNELS.items() if c != first.channel}
        repeat = drafter.draft(
            first.received_at + _hours(rng, 2.0, 0.9),
            first.latitude if first.latitude is not None else _seat(first),
            first.longitude if first.longitude is not None else _seat(first, lon=True),
            first.threat_type,
            first.suspected_perpetrator,
            first.urgency,
            "duplicate",
            channel=_pick(rng, others),
        )
        repeat.primary = first
        drafts.append(repeat)
    drafts.sort(key=lambda d: d.received_at)
    return [d for d in drafts if d.received_at < END]


def _seat(draft: _Draft, lon: bool = False) -> float:
    from sentinelle.demo.towns import seat_of

    town = seat_of(draft.admin2_pcode)
    return town.longitude if lon else town.latitude


def _unit(rng: np.random.Generator, decision: str, office: str) -> str | None:
    if decision == "patrol":
        return str(
            rng.choice(
                [f"{office} infantry company {x}" for x in "ABC"]
                + [f"{office} quick reaction force"]
            )
        )
    if decision == "deployment":
        return f"{office} mobile task force"
    if decision == "engagement":
        return f"Civil Affairs and POC team, {office}"
    if decision == "referral_authorities":
        return "Malian authorities (governor's office)"
    if decision == "referral_humanitarian":
        return "Humanitarian partners (OCHA)"
    return None


def _outcome(rng: np.random.Generator, draft: _Draft, responded: bool) -> dict[str, Any]:
    if draft.kind == "warning":
        if rng.random() < 0.85:
            return {
                "outcome": "occurred",
                "killed": draft.event_fatalities,
                "injured": int(rng.poisson(1.5)),
            }
        return {"outcome": "unknown"}
    weights = (
        {"prevented": 0.45, "unknown": 0.4, "occurred": 0.15}
        if responded
        else {"prevented": 0.05, "unknown": 0.7, "occurred": 0.25}
    )
    outcome = _pick(rng, weights)
    if outcome != "occurred":
        return {"outcome": outcome}
    return {"outcome": outcome, "killed": int(rng.poisson(1.2)), "injured": int(rng.poisson(2.0))}


def _live(life: _Life, draft: _Draft, office: str, rng: np.random.Generator) -> None:
    """The lifecycle of a primary alert (not a duplicate)."""
    joc, poc = f"JOC {office}", f"POC adviser, {office}"
    if draft.received_at >= STALL_FROM and rng.random() < STALL_SHARE:
        life.limit = int(rng.integers(2, 6))  # left waiting: verified ... dispatched
    if draft.kind == "warning":
        verification = _pick(rng, {"confirmed": 0.75, "unconfirmed": 0.25})
    else:
        verification = _pick(rng, {"confirmed": 0.5, "unconfirmed": 0.36, "false": 0.14})
    verify_after = _hours(rng, VERIFY_HOURS[draft.channel], 0.9)
    if not life.take("verify", {"verification": verification}, verify_after, joc):
        return
    if verification == "false":
        life.take("close", {}, _hours(rng, 2.0), joc)
        return
    if draft.kind == "warning":
        required_share = 0.92
    else:
        required_share = 0.8 if verification == "confirmed" else 0.55
    required = bool(rng.random() < required_share)
    priority = (
        _pick(rng, {"high": 0.55, "medium": 0.35, "low": 0.1})
        if draft.kind == "warning"
        else _pick(rng, {"high": 0.25, "medium": 0.45, "low": 0.3})
    )
    assessment = {"response_required": required, "priority": priority if required else None}
    if not life.take("assess", assessment, _hours(rng, 1.0), poc):
        return
    if not required:
        life.take("close", {}, _hours(rng, 4.0), poc)
        return
    decision = _pick(rng, DECISIONS[priority])
    # time to decision from receipt: about half miss their priority's target
    target = DECISION_TARGET_HOURS[priority]
    decided = draft.received_at + _hours(rng, target * 0.6, 1.0)
    after = max(decided - life.at, dt.timedelta(minutes=float(rng.uniform(5, 30))))
    unit = _unit(rng, decision, office)
    values: dict[str, Any] = {"decision": decision, "responding_unit": unit}
    if decision == "none":
        values["decision_reason"] = str(rng.choice(NO_RESPONSE_REASONS))
    if not life.take("decide", values, after, poc):
        return
    if decision in ("none", "referral_authorities", "referral_humanitarian"):
        closing = _hours(rng, 3.0) if decision == "none" else _hours(rng, 72.0, 0.6)
        life.take("close", _closing(rng, draft, life, closing, False), closing, poc)
        return
    assert unit is not None
    if not life.take("dispatch", {}, _hours(rng, DISPATCH_HOURS[decision], 0.9), unit):
        return
    travel = _hours(rng, TRAVEL_HOURS[decision], 0.7)
    if rng.random() < 0.15:
        part = travel * float(rng.uniform(0.2, 0.8))
        if not life.take("note", {"text": str(rng.choice(NOTES))}, part, unit):
            return
        travel -= part
    if not life.take("arrive", {}, travel, unit):
        return
    closing = _hours(rng, 30.0, 0.8)
    life.take("close", _closing(rng, draft, life, closing, True), closing, poc)


def _closing(
    rng: np.random.Generator, draft: _Draft, life: _Life, after: dt.timedelta, responded: bool
) -> dict[str, Any]:
    values = _outcome(rng, draft, responded)
    early = draft.event_day is not None and life.at + after < draft.event_day + dt.timedelta(
        hours=12
    )
    if early:
        # closed before the attack it warned of: thought prevented, or not known
        values = {"outcome": "prevented" if responded and rng.random() < 0.4 else "unknown"}
    return values


def _duplicate(life: _Life, primary_id: int, office: str, rng: np.random.Generator) -> None:
    """A repeat of another alert: perhaps verified, then merged into it."""
    joc = f"JOC {office}"
    if rng.random() < 0.5:
        verification = _pick(rng, {"confirmed": 0.6, "unconfirmed": 0.4})
        if not life.take("verify", {"verification": verification}, _hours(rng, 1.5), joc):
            return
    life.take("merge", {"merged_into": primary_id}, _hours(rng, 1.5), joc)


def generate_alerts(scenario: Scenario) -> DemoAlerts:
    """The demo alerts of ``scenario`` (the same seed always gives the same alerts)."""
    rng = np.random.default_rng([scenario.seed, 2018])
    drafts = _drafts(scenario, rng)
    ids = {id(d): n for n, d in enumerate(drafts, start=1)}
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for number, draft in enumerate(drafts, start=1):
        office = OFFICES.get(draft.admin1_pcode, "Bamako")
        life = _Life(number, draft, f"JOC {office}", rng)
        if draft.kind == "duplicate":
            assert draft.primary is not None
            _duplicate(life, ids[id(draft.primary)], office, rng)
        else:
            _live(life, draft, office, rng)
        last = life.steps[-1]
        rows.append(
            {
                "id": number,
                "channel": draft.channel,
                "received_at": draft.received_at,
                "reporter_name": draft.reporter_name,
                "reporter_contact": draft.reporter_contact,
                "place": draft.place,
                "admin1_pcode": draft.admin1_pcode,
                "admin2_pcode": draft.admin2_pcode,
                "latitude": draft.latitude,
                "longitude": draft.longitude,
                "precision": draft.precision,
                "threat_type": draft.threat_type,
                "threatened_population": draft.threatened_population,
                "population_note": None,
                "suspected_perpetrator": draft.suspected_perpetrator,
                "urgency": draft.urgency,
                "description": draft.description,
                **life.row,
                "source": SOURCE,
                "source_message_id": f"demo:{scenario.seed}:{number:05d}",
                "created_by": ACTOR,
                "created_at": life.steps[0]["recorded_at"],
                "updated_at": last["recorded_at"],
                "version": len(life.steps),
            }
        )
        steps.extend(life.steps)
    alerts_frame = pd.DataFrame(rows)
    for column in TIME_COLUMNS:
        alerts_frame[column] = pd.to_datetime(alerts_frame[column], utc=True)
    alerts_frame["response_required"] = alerts_frame["response_required"].astype("boolean")
    for column in ("killed", "injured", "merged_into"):
        alerts_frame[column] = alerts_frame[column].astype("Int64")
    steps_frame = pd.DataFrame(steps)
    for column in ("at", "recorded_at"):
        steps_frame[column] = pd.to_datetime(steps_frame[column], utc=True)
    return DemoAlerts(alerts_frame, steps_frame, scenario.seed)


def _times(frame: pd.DataFrame, columns: Sequence[str], dialect: str) -> pd.DataFrame:
    """Time columns as the back-end's driver takes them in bulk: UTC datetimes (PostgreSQL),
    or the text SQLAlchemy writes for SQLite."""
    out = frame.copy()
    for column in columns:
        values = out[column]
        if dialect == "postgresql":
            converted = [None if pd.isna(v) else v.to_pydatetime() for v in values]
        else:
            text_values = values.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            converted = [None if pd.isna(v) else v for v in text_values]
        out[column] = pd.Series(converted, index=out.index, dtype=object)
    return out


def _reserve_ids(connection: Connection, count: int) -> list[int]:
    """``count`` new alert ids (from the sequence on PostgreSQL, after the last on SQLite)."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('alerts', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return sorted(int(r[0]) for r in rows)
    last = connection.execute(select(func.max(alerts.c.id))).scalar() or 0
    return list(range(int(last) + 1, int(last) + 1 + count))


def load_demo_alerts(store: Store, scenario: Scenario, cipher: Cipher | None = None) -> int:
    """Store the demo alerts of ``scenario`` and their steps in bulk, with an import log
    entry; returns how many were stored (0 when the store already holds demo alerts: steps
    cannot be deleted, so they are never replaced). Reporters' names and contacts are
    encrypted with ``cipher``, or left empty without one."""
    with store.transaction() as connection:
        held = connection.execute(
            select(func.count()).select_from(alerts).where(alerts.c.source == SOURCE)
        ).scalar()
        if held:
            return 0
        demo = generate_alerts(scenario)
        frame = demo.alerts.copy()
        ids = _reserve_ids(connection, len(frame))
        mapping = dict(zip(frame["id"], ids, strict=True))
        frame["id"] = ids
        frame["merged_into"] = frame["merged_into"].map(mapping, na_action="ignore").astype("Int64")
        for column in ("reporter_name", "reporter_contact"):
            frame[column] = [
                cipher.encrypt(v) if cipher is not None and isinstance(v, str) else None
                for v in frame[column]
            ]
        frame["response_required"] = frame["response_required"].astype(object)
        steps = demo.steps.copy()
        steps["alert_id"] = steps["alert_id"].map(mapping)
        dialect = connection.dialect.name
        import_id = imports.start_import(
            connection, "alerts", f"demo alerts, seed {scenario.seed}", vintage="demo"
        )
        bulk_insert(connection, alerts, _times(frame, TIME_COLUMNS, dialect))
        bulk_insert(connection, alert_steps, _times(steps, ("at", "recorded_at"), dialect))
        imports.finish_import(
            connection,
            import_id,
            {"alerts": len(frame), "steps": len(steps), "seed": scenario.seed},
        )
    return len(frame)
