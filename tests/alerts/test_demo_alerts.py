"""The demo's year of alerts: reproducible, every lifecycle one the register accepts, warnings
before real demo attacks, duplicates merged, a few still open; loaded in bulk on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import pandas as pd
import pytest
from sqlalchemy import func, select

from sentinelle.alerts.linking import warning_coverage
from sentinelle.alerts.measures import response_totals
from sentinelle.alerts.register import AlertIn, create_alert, get_alert, timeline, transition
from sentinelle.demo import generate_scenario
from sentinelle.demo.alerts import END, START, DemoAlerts, generate_alerts, load_demo_alerts
from sentinelle.demo.load import load_demo_with_population
from sentinelle.domain.alerts import STEP_TIME, Standing, check_transition, decisions
from sentinelle.protection import PREFIX, Cipher
from sentinelle.store import alerts as alert_store
from sentinelle.store.database import Store
from sentinelle.store.schema import alert_steps, alerts


@cache
def demo() -> DemoAlerts:
    return generate_alerts(generate_scenario())


def test_a_year_of_alerts_through_every_channel() -> None:
    frame = demo().alerts
    assert 550 <= len(frame) <= 800
    received = frame["received_at"]
    assert received.min() >= pd.Timestamp(START) and received.max() < pd.Timestamp(END)
    assert set(frame["channel"]) == {
        "community_alert_network", "community_liaison", "patrol", "partner", "authorities",
        "media",
    }  # fmt: skip
    assert frame["channel"].value_counts().idxmax() == "community_alert_network"
    assert set(frame["decision"].dropna()) == set(decisions())
    assert frame.loc[frame["decision"] == "none", "decision_reason"].notna().all()
    assert set(frame["verification"].dropna()) == {"confirmed", "unconfirmed", "false"}
    assert set(frame["outcome"].dropna()) == {"prevented", "occurred", "unknown"}
    # names only in clear here: the loader encrypts them
    assert frame["reporter_name"].notna().sum() > 100
    assert frame["reporter_contact"].dropna().str.startswith("+223 00 ").all()


def test_the_same_seed_gives_the_same_alerts_and_another_seed_others() -> None:
    again = generate_alerts(generate_scenario())
    pd.testing.assert_frame_equal(demo().alerts, again.alerts)
    pd.testing.assert_frame_equal(demo().steps, again.steps)
    other = generate_alerts(generate_scenario(seed=7))
    assert not demo().alerts["received_at"].equals(other.alerts["received_at"])


def test_every_alert_follows_the_lifecycle() -> None:
    """Each alert's steps, replayed through ``check_transition`` from receipt, are accepted and
    leave the alert as it is stored."""
    frame, steps = demo().alerts, demo().steps
    ids = set(frame["id"])
    for alert_id, group in steps.groupby("alert_id", sort=False):
        row = frame.loc[frame["id"] == alert_id].iloc[0]
        records = group.sort_values("version").to_dict("records")
        first = records[0]
        assert (first["action"], first["to_state"], first["version"]) == ("receive", "received", 1)
        assert first["at"] == row["received_at"]
        received = first["at"].to_pydatetime()
        standing = Standing("received", received, received)
        facts: dict[str, object] = {}
        for number, step in enumerate(records[1:], start=2):
            at = step["at"].to_pydatetime()
            assert at >= standing.last_step_at and at < END, (alert_id, step["action"])
            values = dict(json.loads(step["details"]))
            changes = check_transition(standing, step["action"], values, at)
            assert (step["from_state"], step["to_state"]) == (standing.state, changes["state"])
            assert step["version"] == number
            facts.update(changes)
            standing = Standing(
                state=changes["state"],
                received_at=received,
                last_step_at=at,
                verification=facts.get("verification"),  # type: ignore[arg-type]
                response_required=facts.get("response_required"),  # type: ignore[arg-type]
                decision=facts.get("decision"),  # type: ignore[arg-type]
                closed_from=facts.get("closed_from"),  # type: ignore[arg-type]
            )
        assert row["state"] == standing.state and row["version"] == len(records)
        for column in STEP_TIME.values():
            expected = facts.get(column)
            assert (pd.isna(row[column]) and expected is None) or row[column] == expected
        for column in ("verification", "priority", "decision", "outcome", "closed_from"):
            value = None if pd.isna(row[column]) else row[column]
            assert value == facts.get(column), (alert_id, column)
        if row["state"] == "merged":
            assert row["merged_into"] in ids and row["merged_into"] < alert_id
    assert set(steps["alert_id"]) == ids


def test_duplicates_are_merged_and_some_alerts_are_still_open() -> None:
    frame = demo().alerts
    merged = frame[frame["state"] == "merged"]
    assert 20 <= len(merged) <= 80
    primaries = frame.set_index("id").loc[merged["merged_into"].astype(int)]
    assert (primaries["state"] != "merged").all()
    # the duplicate came through another channel, a few hours after the alert it repeats
    assert (primaries["channel"].to_numpy() != merged["channel"].to_numpy()).all()
    lag = merged["received_at"].to_numpy() - primaries["received_at"].to_numpy()
    assert (lag > pd.Timedelta(0)).all() and (lag < pd.Timedelta(days=3)).all()
    still_open = frame[~frame["state"].isin(["closed", "merged"])]
    assert 3 <= len(still_open) <= 30
    assert (still_open["received_at"] >= pd.Timestamp(2018, 10, 1, tz="UTC")).all()


def test_some_alerts_came_before_demo_attacks_on_civilians() -> None:
    scenario = generate_scenario()
    events = scenario.events.frame
    days = pd.to_datetime(events["event_date"])
    events = events[(days >= "2018-01-01") & (days < "2019-01-01")].copy()
    events["event_id"] = range(len(events))
    events["vac"] = events["event_type"] == "Violence against civilians"
    coverage = warning_coverage(demo().alerts, events, radius_km=15, days=5)
    share = coverage["warned"].mean()
    assert 0.2 <= share <= 0.6, share
    assert set(coverage["lead_days"].dropna().astype(int)) == {0, 1, 2, 3, 4, 5}


def test_response_times_spread_and_many_are_late() -> None:
    totals = response_totals(demo().alerts, END)
    assert 0.6 <= totals["response_rate"] <= 0.95
    assert 0.25 <= totals["decision_within_target"] <= 0.75
    assert 0.25 <= totals["on_site_within_target"] <= 0.85
    assert totals["decision_p90_h"] > 3 * totals["decision_median_h"]
    assert totals["pending"] > 0


def test_loaded_in_bulk_with_reporters_encrypted(store: Store) -> None:
    cipher = Cipher.generate()
    load_demo_with_population(store, cipher=cipher)
    expected = demo().alerts
    with store.reading() as connection:
        count = connection.execute(select(func.count()).select_from(alerts)).scalar()
        steps = connection.execute(select(func.count()).select_from(alert_steps)).scalar()
        names = connection.execute(select(alerts.c.reporter_name)).scalars().all()
        frame = alert_store.load_frame(connection)
    assert (count, steps) == (len(expected), len(demo().steps))
    assert all(n is None or n.startswith(PREFIX) for n in names)
    first = expected.iloc[0]
    shown = get_alert(store, 1, cipher, personal=True)
    assert shown is not None and shown["reporter_name"] == first["reporter_name"]
    assert shown["received_at"] == first["received_at"].to_pydatetime()
    assert timeline(store, 1)[0]["action"] == "receive"
    assert response_totals(frame, END) == response_totals(expected, END)
    # loading again adds nothing; new alerts get new ids and follow the lifecycle
    assert load_demo_alerts(store, generate_scenario(), cipher) == 0
    now = dt.datetime.now(dt.UTC)
    created = create_alert(store, AlertIn(channel="media", received_at=now), "tester", cipher)
    assert created.id == len(expected) + 1
    assert transition(store, created.id, "verify", {"verification": "false"}, "tester", 1) == 2


def test_without_a_cipher_the_demo_holds_no_personal_data(store: Store) -> None:
    load_demo_with_population(store)
    with store.reading() as connection:
        personal = connection.execute(
            select(func.count())
            .select_from(alerts)
            .where(alerts.c.reporter_name.is_not(None) | alerts.c.reporter_contact.is_not(None))
        ).scalar()
        total = connection.execute(select(func.count()).select_from(alerts)).scalar()
    assert personal == 0 and total == len(demo().alerts)


@pytest.mark.parametrize("column", ["verified_at", "closed_at"])
def test_times_are_stored_to_the_microsecond(store: Store, column: str) -> None:
    load_demo_alerts_only(store)
    with store.reading() as connection:
        frame = alert_store.load_frame(connection)
    expected = demo().alerts
    pd.testing.assert_series_equal(
        frame[column].reset_index(drop=True),
        expected[column].reset_index(drop=True),
        check_names=False,
        check_dtype=False,
    )


def load_demo_alerts_only(store: Store) -> None:
    from sentinelle.demo import demo_units
    from sentinelle.store import places

    with store.transaction() as connection:
        places.replace_units(connection, list(demo_units()))
    load_demo_alerts(store, generate_scenario())
