"""teams as addresses, outbox threads, one dialog state per dialog, message log context

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:20:00.000000

Existing data is kept: a commune's Telegram group becomes its team address, each ticket's card and
forum topic become its outbox thread, and a typed commune we do not serve moves to `place_typed`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('communes') as batch:
        batch.add_column(sa.Column('team_channel', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('team_chat_id', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE communes SET team_channel = 'telegram', team_chat_id = CAST(telegram_group_id AS VARCHAR(64)) "
        "WHERE telegram_group_id IS NOT NULL"
    )
    with op.batch_alter_table('communes') as batch:
        batch.drop_column('telegram_group_id')

    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('place_typed', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE users SET place_typed = commune, commune = NULL "
        "WHERE commune IS NOT NULL AND commune NOT IN (SELECT slug FROM communes)"
    )
    with op.batch_alter_table('users') as batch:
        batch.create_foreign_key(
            op.f('fk_users_commune_communes'), 'communes', ['commune'], ['slug'], ondelete='SET NULL'
        )

    with op.batch_alter_table('message_log') as batch:
        batch.add_column(sa.Column('chat_kind', sa.String(length=8), nullable=False, server_default='private'))
        batch.add_column(sa.Column('commune', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('village', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    op.execute(
        "UPDATE message_log SET "
        "commune = (SELECT commune FROM users WHERE users.id = message_log.user_id), "
        "village = (SELECT village FROM users WHERE users.id = message_log.user_id), "
        "language = (SELECT language FROM users WHERE users.id = message_log.user_id)"
    )

    with op.batch_alter_table('dialog_states', recreate='always') as batch:
        batch.drop_constraint('pk_dialog_states', type_='primary')
        batch.create_primary_key('pk_dialog_states', ['user_id', 'dialog'])

    op.create_table('outbox_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('thread', sa.String(length=64), nullable=False),
    sa.Column('anchor_message_id', sa.String(length=64), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_threads')),
    sa.UniqueConstraint('channel', 'chat_id', 'thread', name='uq_outbox_threads_chat_thread')
    )
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('team_channel', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('team_chat_id', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE tickets SET team_channel = 'telegram', team_chat_id = group_chat_id WHERE group_chat_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO outbox_threads (channel, chat_id, thread, anchor_message_id, topic_id) "
        "SELECT 'telegram', group_chat_id, 'ticket:' || CAST(id AS VARCHAR(12)), card_message_id, thread_id "
        "FROM tickets WHERE group_chat_id IS NOT NULL AND card_message_id IS NOT NULL"
    )
    with op.batch_alter_table('tickets') as batch:
        batch.alter_column('commune', existing_type=sa.String(length=64), nullable=True)
        batch.drop_column('group_chat_id')
        batch.drop_column('card_message_id')
        batch.drop_column('thread_id')

    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('to_group', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('thread', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE outbox SET thread = 'ticket:' || CAST(ticket_id AS VARCHAR(12)) WHERE ticket_id IS NOT NULL"
    )
    # Before this revision only Telegram groups (negative ids) received group messages.
    op.execute("UPDATE outbox SET to_group = " + ("true" if _postgres() else "1") + " WHERE chat_id LIKE '-%'")
    op.execute("UPDATE outbox SET purpose = 'anchor' WHERE purpose = 'card'")
    op.execute("UPDATE outbox SET purpose = 'edit' WHERE purpose = 'card_edit'")
    with op.batch_alter_table('outbox') as batch:
        batch.drop_constraint('fk_outbox_ticket_id_tickets', type_='foreignkey')
        batch.drop_column('ticket_id')
        batch.create_index(batch.f('ix_outbox_thread'), ['thread'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("0007 moves data between tables; restore a backup to go back")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
