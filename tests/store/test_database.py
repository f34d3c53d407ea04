from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from shapely.geometry import Polygon

from sentinelle.domain.places import AdminUnit
from sentinelle.store import places
from sentinelle.store.database import Store, StoreError, open_store
from sentinelle.store.schema import metadata


def test_migrations_create_exactly_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    # PostGIS adds its own spatial_ref_sys table on PostgreSQL; nothing else may differ
    differences = [
        d for d in differences if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")
    ]
    assert differences == []


def test_migrating_twice_changes_nothing(store: Store) -> None:
    before = store.table_names()
    store.migrate()
    assert store.table_names() == before


def test_geometries_round_trip(store: Store) -> None:
    square = Polygon([(-4.5, 14.0), (-3.5, 14.0), (-3.5, 15.0), (-4.5, 15.0)])
    unit = AdminUnit(
        pcode="ML0506",
        level="admin2",
        name_fr="Mopti",
        name_en="Mopti",
        parent_pcode="ML05",
        alternates=("Sévaré",),
        geometry=square,
        source="test",
    )
    with store.transaction() as connection:
        places.replace_units(connection, [unit])
    with store.transaction() as connection:
        (loaded,) = places.load_units(connection, "admin2")
    assert loaded == unit
    assert loaded.geometry is not None and loaded.geometry.equals(square)


def test_postgis_geometry_column_is_spatial(postgres_store: Store) -> None:
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    with postgres_store.transaction() as connection:
        places.replace_units(
            connection, [AdminUnit("X1", "admin1", "X", "X", geometry=square, source="test")]
        )
        area = connection.exec_driver_sql(
            "SELECT ST_Area(geometry), ST_SRID(geometry) FROM places"
        ).one()
    assert area == (1.0, 4326)


def test_bad_urls_give_clear_errors(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url")
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://localhost/x")


def test_unreachable_server_gives_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
