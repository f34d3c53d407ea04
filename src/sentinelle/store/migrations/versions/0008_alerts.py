"""early-warning alerts and the append-only timeline of their steps

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 12:58:33.612013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reporter_name", sa.Text(), nullable=True),
        sa.Column("reporter_contact", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("admin1_pcode", sa.String(length=20), nullable=True),
        sa.Column("admin2_pcode", sa.String(length=20), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(length=10), nullable=True),
        sa.Column("threat_type", sa.String(length=40), nullable=True),
        sa.Column("threatened_population", sa.String(length=30), nullable=True),
        sa.Column("population_note", sa.Text(), nullable=True),
        sa.Column("suspected_perpetrator", sa.String(length=60), nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("verification", sa.String(length=20), nullable=True),
        sa.Column("response_required", sa.Boolean(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("decision", sa.String(length=30), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("responding_unit", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("killed", sa.Integer(), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("closed_from", sa.String(length=20), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_message_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_site_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["alerts.id"], name=op.f("fk_alerts_merged_into_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("source_message_id", name=op.f("uq_alerts_source_message_id")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_received_at", ["received_at"], unique=False)
        batch_op.create_index("ix_alerts_state", ["state"], unique=False)

    op.create_table(
        "alert_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_steps_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_steps")),
    )
    with op.batch_alter_table("alert_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_steps_alert_id"), ["alert_id"], unique=False)
    _append_only()


APPEND_ONLY = "alert steps are never changed or deleted; record a new step"


def _append_only() -> None:
    """Refuse UPDATE and DELETE on the steps: an alert's timeline only grows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION alert_steps_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER alert_steps_append_only BEFORE UPDATE OR DELETE ON alert_steps "
            "FOR EACH ROW EXECUTE FUNCTION alert_steps_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER alert_steps_no_{event.lower()} BEFORE {event} ON alert_steps "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER alert_steps_append_only ON alert_steps")
        op.execute("DROP FUNCTION alert_steps_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER alert_steps_no_{event}")
    with op.batch_alter_table("alert_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_steps_alert_id"))

    op.drop_table("alert_steps")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_state")
        batch_op.drop_index("ix_alerts_received_at")

    op.drop_table("alerts")
