"""Demo civilian harm: some 25 *fictional* incidents (2016–2018) and the measures taken after them.

The incidents (``demo/data/harm_incidents.csv``), their victims (``harm_victims.csv``) and the
mitigation measures (``harm_measures.csv``) are invented for training over real Mali towns:
MINUSMA, FAMa, G5 Sahel and French forces; crossfire, IEDs on convoys that killed bystanders,
traffic accidents, detention, indirect fire, damage to property, reprisals against people who
worked with the force. Victims' names are invented and marked "(fictif)" / "(fictive)".

:func:`load_demo_harm` writes them through the register (:mod:`sentinelle.harm.register`) — each
incident created, then its investigation moved on, amends offered and answered — so the demo has
the timeline, audit log and encryption of real data. Incidents are keyed by their reference and
measures by their title: loading twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from sentinelle.demo._data import data_rows
from sentinelle.demo.towns import town_named
from sentinelle.harm.register import (
    AmendsIn,
    IncidentIn,
    MeasureIn,
    SourceIn,
    VictimIn,
    add_amends,
    answer_amends,
    create_incident,
    create_measure,
    update_incident,
)
from sentinelle.protection import Cipher
from sentinelle.store.database import Store
from sentinelle.store.schema import harm_amends, harm_incidents, mitigation_measures

ACTOR = "demo"


@dataclass(frozen=True)
class DemoHarm:
    incidents: int
    measures: int


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


def _text(text: str) -> str | None:
    return text.strip() or None


def _incident(row: dict[str, str]) -> IncidentIn:
    town = town_named(row["town"])
    moment = dt.datetime.fromisoformat(row["occurred_at"])
    if "T" not in row["occurred_at"]:
        moment = moment.replace(hour=12)
    return IncidentIn(
        reference=row["reference"],
        occurred_at=moment.replace(tzinfo=dt.UTC),
        time_precision=row["time_precision"],
        place=town.name_fr,
        admin1_pcode=town.admin2_pcode[:4],
        admin2_pcode=town.admin2_pcode,
        latitude=town.latitude,
        longitude=town.longitude,
        location_precision=row["location_precision"],
        force=row["force"],
        unit=_text(row["unit"]),
        activity=_text(row["activity"]),
        category=row["category"],
        killed_min=int(row["killed_min"]),
        killed_max=int(row["killed_max"]),
        injured_min=int(row["injured_min"]),
        injured_max=int(row["injured_max"]),
        confidence=row["confidence"],
        description=_text(row["description"]),
    )


def _victim(row: dict[str, str], personal: bool) -> VictimIn:
    return VictimIn(
        harm=row["harm"],
        name=_text(row["name"]) if personal else None,
        sex=row["sex"],
        age=_int(row["age"]),
        age_group=_text(row["age_group"]),
        civilian_status=row["civilian_status"],
        cause=row["cause"],
    )


def load_demo_harm(store: Store, cipher: Cipher | None = None) -> DemoHarm:
    """Store the demo's incidents and measures that are not stored yet; returns how many were
    added. Names are encrypted with ``cipher``; without one they are left out (the demo store
    then holds no personal data)."""
    personal = cipher is not None
    key = cipher if cipher is not None else Cipher.generate()  # encrypts nothing: no names
    victims: dict[str, list[VictimIn]] = {}
    for row in data_rows("harm_victims.csv"):
        victims.setdefault(row["reference"], []).append(_victim(row, personal))
    with store.reading() as connection:
        held = {
            r[0]: r[1]
            for r in connection.execute(
                select(harm_incidents.c.reference, harm_incidents.c.id).where(
                    harm_incidents.c.reference.like("DEMO-H-%")
                )
            )
        }
        titles = set(connection.execute(select(mitigation_measures.c.title)).scalars())
    ids = dict(held)
    added = 0
    for row in data_rows("harm_incidents.csv"):
        reference = row["reference"]
        if reference in held:
            continue
        source = SourceIn(
            kind=row["source_kind"],
            reliability=row["source_reliability"],
            name=_text(row["source_name"]) if personal else None,
        )
        incident_id = create_incident(
            store, _incident(row), ACTOR, key, victims.get(reference, []), [source]
        )
        ids[reference] = incident_id
        added += 1
        version = 1
        if row["investigation"] != "not_started":
            version = update_incident(
                store, incident_id, version, {"investigation": "under_way"}, ACTOR
            )
        if row["investigation"] in ("concluded", "closed"):
            changes = {
                "investigation": row["investigation"],
                "findings": _text(row["findings"]),
                "lessons": _text(row["lessons"]),
            }
            version = update_incident(store, incident_id, version, changes, ACTOR)
        offered = _date(row["amends_offered"])
        if row["amends_kind"] and offered is not None:
            amount = _int(row["amends_amount"])
            amends = AmendsIn(
                kind=row["amends_kind"],
                offered_on=offered,
                amount=amount,
                currency="XOF" if amount is not None else None,
            )
            version = add_amends(store, incident_id, version, amends, ACTOR, key)
            answered = _date(row["amends_responded"])
            if row["amends_response"] != "pending" and answered is not None:
                with store.reading() as connection:
                    amends_id = connection.execute(
                        select(harm_amends.c.id).where(harm_amends.c.incident_id == incident_id)
                    ).scalar_one()
                answer_amends(store, incident_id, version, amends_id, row["amends_response"],
                              answered, ACTOR)  # fmt: skip
    measures = 0
    for row in data_rows("harm_measures.csv"):
        if row["title"] in titles:
            continue
        measure = MeasureIn(
            title=row["title"],
            kind=row["kind"],
            owner=row["owner"],
            due_date=dt.date.fromisoformat(row["due_date"]),
            status=row["status"],
            description=_text(row["description"]),
            done_on=_date(row["done_on"]),
        )
        linked = [ids[r] for r in row["incidents"].split(";") if r in ids]
        create_measure(store, measure, linked, ACTOR)
        measures += 1
    return DemoHarm(added, measures)
