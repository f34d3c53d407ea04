"""forecast runs (backtests and live forecasts), their predictions, scores and reliability;
where an assessment row's likelihood came from

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("unit_kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("model_version", sa.Text(), nullable=False),
        sa.Column("models", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("data_version", sa.Text(), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("last_month", sa.Date(), nullable=False),
        sa.Column("first_origin", sa.Date(), nullable=False),
        sa.Column("last_origin", sa.Date(), nullable=False),
        sa.Column("horizons", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("predictions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_runs")),
    )
    op.create_index(
        "ix_forecast_runs_kind_unit_kind", "forecast_runs", ["kind", "unit_kind"], unique=False
    )
    op.create_table(
        "forecast_predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=30), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.Date(), nullable=False),
        sa.Column("horizon", sa.SmallInteger(), nullable=False),
        sa.Column("target_month", sa.Date(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("probability_low", sa.Float(), nullable=True),
        sa.Column("probability_high", sa.Float(), nullable=True),
        sa.Column("fatalities_mean", sa.Float(), nullable=True),
        sa.Column("fatalities_q10", sa.Float(), nullable=True),
        sa.Column("fatalities_q50", sa.Float(), nullable=True),
        sa.Column("fatalities_q90", sa.Float(), nullable=True),
        sa.Column("observed_any", sa.SmallInteger(), nullable=True),
        sa.Column("observed_fatalities", sa.Integer(), nullable=True),
        sa.Column("crps", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["forecast_runs.id"],
            name=op.f("fk_forecast_predictions_run_id_forecast_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_predictions")),
    )
    op.create_index(
        "ix_forecast_predictions_run_unit", "forecast_predictions", ["run_id", "unit"], unique=False
    )
    op.create_index(
        "ix_forecast_predictions_run_model_horizon",
        "forecast_predictions",
        ["run_id", "model", "horizon"],
        unique=False,
    )
    op.create_table(
        "forecast_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=30), nullable=False),
        sa.Column("horizon", sa.SmallInteger(), nullable=False),
        sa.Column("metric", sa.String(length=30), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["forecast_runs.id"], name=op.f("fk_forecast_scores_run_id_forecast_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_scores")),
    )
    op.create_index(op.f("ix_forecast_scores_run_id"), "forecast_scores", ["run_id"], unique=False)
    op.create_table(
        "forecast_reliability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=30), nullable=False),
        sa.Column("horizon", sa.SmallInteger(), nullable=False),
        sa.Column("bin_low", sa.Float(), nullable=False),
        sa.Column("bin_high", sa.Float(), nullable=False),
        sa.Column("mean_probability", sa.Float(), nullable=False),
        sa.Column("observed_frequency", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["forecast_runs.id"],
            name=op.f("fk_forecast_reliability_run_id_forecast_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_reliability")),
    )
    op.create_index(
        op.f("ix_forecast_reliability_run_id"), "forecast_reliability", ["run_id"], unique=False
    )
    # a plain ADD COLUMN (not a batch copy) keeps the immutability triggers of 0006 in place
    op.add_column("assessment_rows", sa.Column("likelihood_source", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("assessment_rows", "likelihood_source")
    for table in ("forecast_reliability", "forecast_scores", "forecast_predictions"):
        op.drop_table(table)
    op.drop_index("ix_forecast_runs_kind_unit_kind", table_name="forecast_runs")
    op.drop_table("forecast_runs")
