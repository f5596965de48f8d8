"""organizations: enterprise self-registration (credit code, contact, approval) and join requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        # Organizations made before self-registration were made by an operator: approved.
        batch_op.add_column(sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='org_status', native_enum=False, create_constraint=True, length=20), nullable=False, server_default='approved'))
        batch_op.add_column(sa.Column('credit_code', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('registered_by', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_unique_constraint(batch_op.f('uq_organizations_credit_code'), ['credit_code'])
        batch_op.create_foreign_key(batch_op.f('fk_organizations_registered_by_users'), 'users', ['registered_by'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        for column in ('status', 'legal_name', 'contact_name', 'contact_email', 'contact_phone', 'review_note'):
            batch_op.alter_column(column, server_default=None)
    op.create_table('join_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='join_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('role', sa.Enum('admin', 'publisher', 'member', 'reviewer', 'regulator', name='join_role', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_join_requests_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_join_requests_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests'))
    )
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_requests_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_requests_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_join_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_join_requests_organization_id'))
    op.drop_table('join_requests')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organizations_registered_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_organizations_credit_code'), type_='unique')
        for column in ('review_note', 'reviewed_at', 'registered_by', 'contact_phone', 'contact_email', 'contact_name', 'legal_name', 'credit_code', 'status'):
            batch_op.drop_column(column)
