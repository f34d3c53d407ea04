"""population figures per admin unit and year (OCHA COD-PS or the template)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pcode", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Float(), nullable=False),
        sa.Column("male", sa.Float(), nullable=True),
        sa.Column("female", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_population_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population")),
        sa.UniqueConstraint("pcode", "year", name=op.f("uq_population_pcode_year")),
    )
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.create_index("ix_population_year", ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.drop_index("ix_population_year")
    op.drop_table("population")
