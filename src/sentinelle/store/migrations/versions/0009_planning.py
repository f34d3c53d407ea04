"""mobile units, and the decision log: plans, decisions and their outcomes (immutable)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 15:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LOGGED = ("plans", "decisions", "decision_outcomes")
IMMUTABLE = "plans, decisions and outcomes are never changed or deleted; record a new one"


def upgrade() -> None:
    op.create_table(
        "mobile_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("home_site", sa.Text(), nullable=True),
        sa.Column("troops", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_mobile_units_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobile_units")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("assessment_revision", sa.Integer(), nullable=True),
        sa.Column("forecast_run_id", sa.Integer(), nullable=True),
        sa.Column("risk_source", sa.String(length=20), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("data_version", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_plans_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["forecast_run_id"],
            ["forecast_runs.id"],
            name=op.f("fk_plans_forecast_run_id_forecast_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=30), nullable=False),
        sa.Column("option", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_decisions_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "decision_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("last_month", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_outcomes_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_outcomes")),
    )
    with op.batch_alter_table("decision_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_outcomes_decision_id"), ["decision_id"], unique=False
        )
    _immutable()


def _immutable() -> None:
    """Refuse UPDATE and DELETE on the decision log: it only grows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION decision_log_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{IMMUTABLE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in LOGGED:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION decision_log_immutable()"
            )
    else:
        for table in LOGGED:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in LOGGED:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute("DROP FUNCTION decision_log_immutable()")
    else:
        for table in LOGGED:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")
    with op.batch_alter_table("decision_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_outcomes_decision_id"))
    op.drop_table("decision_outcomes")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_plan_id"))
    op.drop_table("decisions")
    op.drop_table("plans")
    op.drop_table("mobile_units")
