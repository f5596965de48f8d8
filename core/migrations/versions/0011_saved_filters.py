"""ledger: a regulator's saved searches of the ledger (the regulator console)

Revision ID: 0011
Revises: 0002
Create Date: 2026-12-06 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0011"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_saved_filters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ledger_saved_filters_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_saved_filters")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_ledger_saved_filters_user_id")),
    )
    with op.batch_alter_table("ledger_saved_filters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_saved_filters_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_saved_filters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_saved_filters_user_id"))
    op.drop_table("ledger_saved_filters")
