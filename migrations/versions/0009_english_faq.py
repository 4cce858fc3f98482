"""FAQ in English: category titles, entries' questions and answers, paraphrases tagged with their language

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('faq_categories') as batch:
        batch.add_column(sa.Column('title_en', sa.String(length=128), nullable=False, server_default=''))
    with op.batch_alter_table('faq_entries') as batch:
        batch.add_column(sa.Column('question_en', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('answer_en', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('faq_paraphrases') as batch:
        batch.add_column(sa.Column('lang', sa.String(length=8), nullable=False, server_default='vi'))


def downgrade() -> None:
    with op.batch_alter_table('faq_paraphrases') as batch:
        batch.drop_column('lang')
    with op.batch_alter_table('faq_entries') as batch:
        batch.drop_column('answer_en')
        batch.drop_column('question_en')
    with op.batch_alter_table('faq_categories') as batch:
        batch.drop_column('title_en')
