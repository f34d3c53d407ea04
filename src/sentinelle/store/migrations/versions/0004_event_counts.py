"""event counts per month, place, type, source and VAC flag: the summary the overview reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("admin1_pcode", sa.String(length=20), nullable=True),
        sa.Column("admin2_pcode", sa.String(length=20), nullable=True),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("vac", sa.Boolean(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("fatalities", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_counts")),
    )
    with op.batch_alter_table("event_counts", schema=None) as batch_op:
        batch_op.create_index("ix_event_counts_month", ["month"], unique=False)
    # fill it from the events already stored
    from sentinelle.store.event_counts import refresh

    refresh(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("event_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_event_counts_month")
    op.drop_table("event_counts")
