"""threat assessments, their rows and the advisers' notes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 11:42:56.900880
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("unit_kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("data_version", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_table(
        "assessment_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("actor_family", sa.String(length=60), nullable=False),
        sa.Column("threat_type", sa.String(length=40), nullable=False),
        sa.Column("events_3m", sa.Integer(), nullable=False),
        sa.Column("events_12m", sa.Integer(), nullable=False),
        sa.Column("fatalities_12m", sa.Integer(), nullable=False),
        sa.Column("max_fatalities_12m", sa.Integer(), nullable=False),
        sa.Column("monthly_rate", sa.Float(), nullable=False),
        sa.Column("likelihood", sa.Float(), nullable=False),
        sa.Column("likelihood_class", sa.SmallInteger(), nullable=False),
        sa.Column("severity_value", sa.Float(), nullable=False),
        sa.Column("severity_class", sa.SmallInteger(), nullable=False),
        sa.Column("risk_score", sa.SmallInteger(), nullable=False),
        sa.Column("risk_level", sa.String(length=20), nullable=False),
        sa.Column("trend", sa.String(length=20), nullable=True),
        sa.Column("trend_ratio", sa.Float(), nullable=True),
        sa.Column("trend_p", sa.Float(), nullable=True),
        sa.Column("population", sa.Float(), nullable=True),
        sa.Column("hotspot_class", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_rows_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_rows")),
    )
    with op.batch_alter_table("assessment_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_rows_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "assessment_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("motive", sa.Text(), nullable=True),
        sa.Column("civilians_targeted", sa.Text(), nullable=True),
        sa.Column("response_tiers", sa.Text(), nullable=True),
        sa.Column("response_phase", sa.String(length=20), nullable=True),
        sa.Column("planned_response", sa.Text(), nullable=True),
        sa.Column("edited_by", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_notes_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["assessment_rows.id"],
            name=op.f("fk_assessment_notes_row_id_assessment_rows"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_notes")),
        sa.UniqueConstraint(
            "assessment_id", "revision", name=op.f("uq_assessment_notes_assessment_id_revision")
        ),
    )
    with op.batch_alter_table("assessment_notes", schema=None) as batch_op:
        batch_op.create_index("ix_assessment_notes_row_id", ["row_id"], unique=False)
    _immutable()


IMMUTABLE = "saved assessments and their notes are never changed; save a new one"


def _immutable() -> None:
    """Refuse UPDATE and DELETE on saved assessments, their rows and notes."""
    tables = ("assessments", "assessment_rows", "assessment_notes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION assessments_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{IMMUTABLE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION assessments_immutable()"
            )
    else:
        for table in tables:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
                )


def downgrade() -> None:
    tables = ("assessments", "assessment_rows", "assessment_notes")
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute("DROP FUNCTION assessments_immutable()")
    else:
        for table in tables:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    with op.batch_alter_table("assessment_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_notes_row_id")

    op.drop_table("assessment_notes")
    with op.batch_alter_table("assessment_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_rows_assessment_id"))

    op.drop_table("assessment_rows")
    op.drop_table("assessments")
