"""glossary terms keep their review date

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('glossary_terms') as batch:
        batch.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('glossary_terms') as batch:
        batch.drop_column('reviewed_on')
