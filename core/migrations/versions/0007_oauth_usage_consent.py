"""oauth: daily usage per client, remembered consent, access jti on refresh tokens

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-23 14:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oauth_client_usage',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('calls', sa.BigInteger(), nullable=False),
    sa.Column('grants', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.client_id'], name=op.f('fk_oauth_client_usage_client_id_oauth_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'day', name=op.f('pk_oauth_client_usage'))
    )
    op.create_table('oauth_consents',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('granted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.client_id'], name=op.f('fk_oauth_consents_client_id_oauth_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'client_id', name=op.f('pk_oauth_consents'))
    )
    with op.batch_alter_table('oauth_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_consents_client_id'), ['client_id'], unique=False)
    with op.batch_alter_table('oauth_refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_jti', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('access_expires_at', core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('oauth_refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('access_expires_at')
        batch_op.drop_column('access_jti')
    with op.batch_alter_table('oauth_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_consents_client_id'))
    op.drop_table('oauth_consents')
    op.drop_table('oauth_client_usage')
