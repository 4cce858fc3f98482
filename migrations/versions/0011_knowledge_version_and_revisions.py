"""a knowledge version every process watches, and FAQ entries' revisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:35:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    version = op.create_table(
        'knowledge_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('changed_at', WHEN, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_version')),
    )
    op.bulk_insert(version, [{'id': 1, 'version': 1, 'changed_at': datetime.now(UTC)}])
    op.create_table(
        'faq_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.String(length=64), nullable=False),
        sa.Column('author', sa.String(length=128), nullable=False),
        sa.Column('category_id', sa.String(length=32), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('question_en', sa.Text(), nullable=False),
        sa.Column('answer_en', sa.Text(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('reviewed_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('paraphrases', sa.JSON(), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_revisions')),
    )
    op.create_index('ix_faq_revisions_entry_id_id', 'faq_revisions', ['entry_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_faq_revisions_entry_id_id', table_name='faq_revisions')
    op.drop_table('faq_revisions')
    op.drop_table('knowledge_version')
