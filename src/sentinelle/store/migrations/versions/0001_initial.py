"""initial schema: imports, events and their versions, places, deployments

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:14:52.833378
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sentinelle.store.geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("vintage", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("troops", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_deployments_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_table(
        "event_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("deleted_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("was_present", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_event_deletions_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_deletions")),
    )
    op.create_table(
        "event_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=True),
        sa.Column("source_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("vintage", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_event_versions_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_versions")),
    )
    with op.batch_alter_table("event_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_versions_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_event_versions_source_source_id", ["source", "source_id"], unique=False
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("vintage", sa.Text(), nullable=True),
        sa.Column("source_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("time_precision", sa.SmallInteger(), nullable=True),
        sa.Column("disorder_type", sa.Text(), nullable=True),
        sa.Column("event_type", sa.Text(), nullable=True),
        sa.Column("sub_event_type", sa.Text(), nullable=True),
        sa.Column("original_event_type", sa.Text(), nullable=True),
        sa.Column("civilian_targeting", sa.Boolean(), nullable=True),
        sa.Column("actor1", sa.Text(), nullable=True),
        sa.Column("assoc_actor_1", sa.Text(), nullable=True),
        sa.Column("inter1", sa.SmallInteger(), nullable=True),
        sa.Column("actor2", sa.Text(), nullable=True),
        sa.Column("assoc_actor_2", sa.Text(), nullable=True),
        sa.Column("inter2", sa.SmallInteger(), nullable=True),
        sa.Column("interaction", sa.SmallInteger(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("admin1", sa.Text(), nullable=True),
        sa.Column("admin2", sa.Text(), nullable=True),
        sa.Column("admin3", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("geo_precision", sa.SmallInteger(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=True),
        sa.Column("source_scale", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("fatalities", sa.Integer(), nullable=True),
        sa.Column("fatalities_low", sa.Integer(), nullable=True),
        sa.Column("fatalities_high", sa.Integer(), nullable=True),
        sa.Column("admin1_pcode", sa.Text(), nullable=True),
        sa.Column("admin2_pcode", sa.Text(), nullable=True),
        sa.Column("priogrid_gid", sa.Integer(), nullable=True),
        sa.Column("placement", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_import_id", sa.Integer(), nullable=True),
        sa.Column("last_import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_import_id"], ["imports.id"], name=op.f("fk_events_first_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["last_import_id"], ["imports.id"], name=op.f("fk_events_last_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_events_source_source_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_admin1_pcode", ["admin1_pcode"], unique=False)
        batch_op.create_index("ix_events_admin2_pcode", ["admin2_pcode"], unique=False)
        batch_op.create_index("ix_events_event_date", ["event_date"], unique=False)
        batch_op.create_index("ix_events_priogrid_gid", ["priogrid_gid"], unique=False)

    op.create_table(
        "places",
        sa.Column("pcode", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("parent_pcode", sa.String(length=20), nullable=True),
        sa.Column("alternates", sa.Text(), nullable=True),
        sa.Column("geometry", sentinelle.store.geometry.Geometry(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_places_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("pcode", name=op.f("pk_places")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_level"), ["level"], unique=False)
        batch_op.create_index("ix_places_geometry", ["geometry"], postgresql_using="gist")

    op.create_table(
        "rejected_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_rejected_rows_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_rows")),
    )
    with op.batch_alter_table("rejected_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rejected_rows_import_id"), ["import_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rejected_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_rows_import_id"))

    op.drop_table("rejected_rows")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_geometry")
        batch_op.drop_index(batch_op.f("ix_places_level"))

    op.drop_table("places")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_priogrid_gid")
        batch_op.drop_index("ix_events_event_date")
        batch_op.drop_index("ix_events_admin2_pcode")
        batch_op.drop_index("ix_events_admin1_pcode")

    op.drop_table("events")
    with op.batch_alter_table("event_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_event_versions_source_source_id")
        batch_op.drop_index(batch_op.f("ix_event_versions_event_id"))

    op.drop_table("event_versions")
    op.drop_table("event_deletions")
    op.drop_table("deployments")
    op.drop_table("imports")
