"""Loading the demo scenario into a store, through the same path as real data."""

from __future__ import annotations

from dataclasses import dataclass

from sentinelle import accounts
from sentinelle.demo.alerts import load_demo_alerts
from sentinelle.demo.harm import load_demo_harm
from sentinelle.demo.scenario import Scenario, generate_scenario
from sentinelle.demo.units import minusma_mobile_units
from sentinelle.domain.events import EventFrame
from sentinelle.ingest import placer_for
from sentinelle.protection import Cipher
from sentinelle.store import deployments, event_counts, imports, places
from sentinelle.store import events as event_store
from sentinelle.store import units as unit_store
from sentinelle.store.database import Store
from sentinelle.threat.population import load_demo_population

SOURCE = "demo"


@dataclass(frozen=True)
class DemoLoad:
    scenario: Scenario
    import_id: int
    inserted: int
    updated: int
    unchanged: int
    placement: dict[str, int]


def load_demo(
    store: Store, seed: int = 2013, start: str = "2016-01", end: str = "2018-12"
) -> DemoLoad:
    """Generate the scenario for ``seed`` and store its areas, MINUSMA sites, MINUSMA's units
    with mobile capacity (:mod:`sentinelle.demo.units`) and events (placed in the areas by the
    same :class:`~sentinelle.geo.placement.Placer` as real data). Loading the same seed twice
    changes nothing."""
    scenario = generate_scenario(seed=seed, start=start, end=end)
    with store.transaction() as connection:
        import_id = imports.start_import(
            connection, SOURCE, f"demo scenario, seed {seed}", vintage=f"demo-{seed}"
        )
        places.replace_units(connection, scenario.units, import_id)
        deployments.replace_deployments(connection, scenario.deployments, SOURCE, import_id)
        unit_store.replace_units(connection, minusma_mobile_units(), SOURCE, import_id)
        placed, report = placer_for(connection).place(scenario.events.frame)
        counts = event_store.upsert_events(connection, EventFrame(placed), import_id)
        event_counts.refresh(connection)
        placement = {k: v for k, v in report.counts.items() if v}
        imports.finish_import(
            connection,
            import_id,
            {
                "events": len(placed),
                "inserted": counts.inserted,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "placement": placement,
                "seed": seed,
            },
        )
    return DemoLoad(
        scenario, import_id, counts.inserted, counts.updated, counts.unchanged, placement
    )


DEMO_PASSWORD = "demo-sentinelle"
"""The demo store's sign-in password (a fictional scenario on 127.0.0.1; never use it on real
data: create real users with ``sentinelle users add``)."""
DEMO_USERS = (
    ("demo-admin", "admin"),
    ("demo-adviser", "adviser"),
    ("demo-analyst", "analyst"),
    ("demo-viewer", "viewer"),
)


def load_demo_with_population(
    store: Store, seed: int = 2013, cipher: Cipher | None = None
) -> DemoLoad:
    """The demo scenario, its (rounded, real 2020) population figures per cercle and a year of
    fictional alerts and responses (2018, :mod:`sentinelle.demo.alerts`) and some 25 fictional
    civilian harm incidents with their mitigation measures (2016–2018,
    :mod:`sentinelle.demo.harm`): reporters', victims' and sources' names are encrypted with
    ``cipher``, or left empty without one."""
    loaded = load_demo(store, seed=seed)
    load_demo_population(store)
    load_demo_alerts(store, loaded.scenario, cipher)
    load_demo_harm(store, cipher)
    return loaded


def ensure_demo_users(store: Store) -> list[tuple[str, str]]:
    """Create the demo users (one per role) if they are missing; returns (user name, role)."""
    existing = {u.username for u in accounts.list_users(store)}
    for username, role in DEMO_USERS:
        if username not in existing:
            accounts.create_user(store, username, DEMO_PASSWORD, role, actor="demo")
    return list(DEMO_USERS)
