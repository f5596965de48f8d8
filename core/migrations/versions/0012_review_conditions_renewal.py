"""exchange: conditions set when a review approves, the agreement's template, renewal requests

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-07 02:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exchange_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conditions', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('exchange_applications', schema=None) as batch_op:
        batch_op.alter_column('conditions', server_default=None)
    with op.batch_alter_table('exchange_agreements', schema=None) as batch_op:
        # Agreements made before templates were versioned were all rendered from 1.0.
        batch_op.add_column(sa.Column('template', sa.String(length=80), nullable=False, server_default='shudu-authorized-operation-1.0'))
    with op.batch_alter_table('exchange_agreements', schema=None) as batch_op:
        batch_op.alter_column('template', server_default=None)
    with op.batch_alter_table('exchange_entitlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('renewal_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('renewal_requested_at', core.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('exchange_entitlements', schema=None) as batch_op:
        batch_op.alter_column('renewal_note', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('exchange_entitlements', schema=None) as batch_op:
        batch_op.drop_column('renewal_requested_at')
        batch_op.drop_column('renewal_note')
        batch_op.drop_column('renewal_days')
    with op.batch_alter_table('exchange_agreements', schema=None) as batch_op:
        batch_op.drop_column('template')
    with op.batch_alter_table('exchange_applications', schema=None) as batch_op:
        batch_op.drop_column('conditions')
