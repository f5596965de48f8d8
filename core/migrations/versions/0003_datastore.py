"""datastore: metadata of loaded tables (the data tables themselves are made at ingest)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:14:27.661685
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('datastore_tables',
    sa.Column('resource_id', sa.Uuid(), nullable=False),
    sa.Column('table_name', sa.String(length=80), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('loaded', 'failed', name='ingest_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('policy', sa.Enum('reject', 'skip', name='bad_row_policy', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.BigInteger(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('loaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_datastore_tables_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', name=op.f('pk_datastore_tables'))
    )


def downgrade() -> None:
    # The data tables (ds_*) belong to the rows dropped here; drop them first.
    connection = op.get_bind()
    names = connection.execute(
        sa.text('SELECT table_name FROM datastore_tables WHERE table_name IS NOT NULL')
    ).scalars().all()
    for name in names:
        op.drop_table(name)
    op.drop_table('datastore_tables')
