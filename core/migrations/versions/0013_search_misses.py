"""catalog: searches that found nothing (the words only), for the publishers' console

Revision ID: 0013
Revises: 0001
Create Date: 2026-12-07 11:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_misses",
        sa.Column("text", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("text", name=op.f("pk_search_misses")),
    )
    with op.batch_alter_table("search_misses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_misses_last_seen"), ["last_seen"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("search_misses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_misses_last_seen"))
    op.drop_table("search_misses")
