"""published aggregates (e.g. ACLED's admin2-month counts on HDX), kept to check our counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aggregates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("unit_pcode", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("fatalities", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_aggregates_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregates")),
        sa.UniqueConstraint(
            "source",
            "measure",
            "unit_pcode",
            "month",
            name=op.f("uq_aggregates_source_measure_unit_pcode_month"),
        ),
    )


def downgrade() -> None:
    op.drop_table("aggregates")
