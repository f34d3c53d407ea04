"""civilian harm register: incidents, victims, sources, amends, steps; mitigation measures

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 16:17:01.254822
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mitigation_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mitigation_measures")),
    )
    op.create_table(
        "harm_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_precision", sa.String(length=10), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("admin1_pcode", sa.String(length=20), nullable=True),
        sa.Column("admin2_pcode", sa.String(length=20), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("location_precision", sa.String(length=10), nullable=True),
        sa.Column("force", sa.String(length=30), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("activity", sa.String(length=30), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("killed_min", sa.Integer(), nullable=False),
        sa.Column("killed_max", sa.Integer(), nullable=False),
        sa.Column("injured_min", sa.Integer(), nullable=False),
        sa.Column("injured_max", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("investigation", sa.String(length=20), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("lessons", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_harm_incidents_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harm_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_harm_incidents_reference")),
    )
    with op.batch_alter_table("harm_incidents", schema=None) as batch_op:
        batch_op.create_index("ix_harm_incidents_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "harm_amends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("response", sa.String(length=10), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["harm_incidents.id"],
            name=op.f("fk_harm_amends_incident_id_harm_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harm_amends")),
    )
    with op.batch_alter_table("harm_amends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harm_amends_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "harm_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("reliability", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["harm_incidents.id"],
            name=op.f("fk_harm_sources_incident_id_harm_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harm_sources")),
    )
    with op.batch_alter_table("harm_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harm_sources_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "harm_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["harm_incidents.id"],
            name=op.f("fk_harm_steps_incident_id_harm_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harm_steps")),
    )
    with op.batch_alter_table("harm_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harm_steps_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "harm_victims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("age_group", sa.String(length=10), nullable=False),
        sa.Column("civilian_status", sa.String(length=10), nullable=False),
        sa.Column("harm", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["harm_incidents.id"],
            name=op.f("fk_harm_victims_incident_id_harm_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harm_victims")),
    )
    with op.batch_alter_table("harm_victims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harm_victims_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "measure_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["harm_incidents.id"],
            name=op.f("fk_measure_incidents_incident_id_harm_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["mitigation_measures.id"],
            name=op.f("fk_measure_incidents_measure_id_mitigation_measures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_incidents")),
        sa.UniqueConstraint(
            "measure_id", "incident_id", name=op.f("uq_measure_incidents_measure_id_incident_id")
        ),
    )

    _append_only()


APPEND_ONLY = "harm incident steps are never changed or deleted; record a new step"


def _append_only() -> None:
    """Refuse UPDATE and DELETE on an incident's timeline."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION harm_steps_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER harm_steps_append_only BEFORE UPDATE OR DELETE ON harm_steps "
            "FOR EACH ROW EXECUTE FUNCTION harm_steps_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER harm_steps_no_{event.lower()} BEFORE {event} ON harm_steps "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER harm_steps_append_only ON harm_steps")
        op.execute("DROP FUNCTION harm_steps_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER harm_steps_no_{event}")
    op.drop_table("measure_incidents")
    with op.batch_alter_table("harm_victims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harm_victims_incident_id"))

    op.drop_table("harm_victims")
    with op.batch_alter_table("harm_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harm_steps_incident_id"))

    op.drop_table("harm_steps")
    with op.batch_alter_table("harm_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harm_sources_incident_id"))

    op.drop_table("harm_sources")
    with op.batch_alter_table("harm_amends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harm_amends_incident_id"))

    op.drop_table("harm_amends")
    with op.batch_alter_table("harm_incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_harm_incidents_occurred_at")

    op.drop_table("harm_incidents")
    op.drop_table("mitigation_measures")
