"""glossary entries in residents' languages (text and voice, two-person verification), lookups a day,
recorded voice answers of FAQ entries, English explanations and pictures of terms, residents' listen
preference

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("glossary_terms") as batch:
        batch.add_column(sa.Column("explanation_en", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("picture", sa.String(length=160), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("listen", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "glossary_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("audio", sa.String(length=160), nullable=True),
        sa.Column("contributor_id", sa.Integer(), nullable=True),
        sa.Column("contributor_name", sa.String(length=128), nullable=False),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("verifier_name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["glossary_terms.id"],
            name=op.f("fk_glossary_entries_term_id_glossary_terms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contributor_id"],
            ["members.id"],
            name=op.f("fk_glossary_entries_contributor_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["verifier_id"], ["members.id"], name=op.f("fk_glossary_entries_verifier_id_members"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_entries")),
    )
    op.create_index("ix_glossary_entries_lang_status", "glossary_entries", ["lang", "status"])
    op.create_table(
        "glossary_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=128), nullable=False),
        sa.Column("asked", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_lookups")),
        sa.UniqueConstraint("day", "lang", "term", "asked", name="uq_glossary_lookups_key"),
    )
    op.create_table(
        "faq_voice_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("audio", sa.String(length=160), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["faq_entries.id"], name=op.f("fk_faq_voice_answers_entry_id_faq_entries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_voice_answers")),
        sa.UniqueConstraint("entry_id", "lang", name="uq_faq_voice_answers_entry_lang"),
    )


def downgrade() -> None:
    op.drop_table("faq_voice_answers")
    op.drop_table("glossary_lookups")
    op.drop_index("ix_glossary_entries_lang_status", table_name="glossary_entries")
    op.drop_table("glossary_entries")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("listen")
    with op.batch_alter_table("glossary_terms") as batch:
        batch.drop_column("picture")
        batch.drop_column("explanation_en")
