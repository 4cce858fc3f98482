"""durable inbox; outbox lease owner

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('chat_key', sa.String(length=64), nullable=False),
    sa.Column('body', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('channel', 'key', name='uq_inbox_channel_key')
    )
    op.create_index('ix_inbox_due', 'inbox', ['status', 'lease_until', 'not_before'], unique=False)
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('lease_owner', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('lease_owner')
    op.drop_index('ix_inbox_due', table_name='inbox')
    op.drop_table('inbox')
