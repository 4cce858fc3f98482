"""daily roll-ups of the message log for the statistics, kept by triggers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:30:00.000000

`message_stats_daily` holds, per local (Vietnam) day, resident, commune, village, channel and
language, the summable measures of core/stats/measures.py; `intent_stats_daily` the questions
answered per FAQ entry. Triggers on message_log add a row's part on insert, move it on update and
take it away on delete (a resident erased by cascade included); the upgrade fills both from the
rows already logged. The SQL here must say what core/stats/measures.py says over the log
(tests/test_stats_rollup.py compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

MEASURES = ("messages", "questions", "answered", "clarified", "escalated", "unanswered", "feedback_up", "feedback_down")
MESSAGE_KEYS = ("day", "commune", "village", "channel", "language")
RESIDENT_KEYS = ("day", "user_id", "commune", "village", "channel", "language")
INTENT_KEYS = ("day", "commune", "channel", "language", "intent")
UPDATED = "direction, created_at, user_id, commune, village, channel, language, kind, action, intent, feedback"
TABLES = ("message_stats", "resident_days", "intent_stats")
TRIGGERS = ("insert", "update_add", "update_remove", "delete")


def _day(row: str, dialect: str) -> str:
    """The local day of a row's created_at, as core/stats/period.py local_day_column computes it."""
    if dialect == "postgresql":
        return f"CAST(timezone('Asia/Ho_Chi_Minh', {row}.created_at) AS DATE)"
    return f"date({row}.created_at, '+7 hours')"


def _place(row: str) -> tuple[str, ...]:
    return (f"COALESCE({row}.commune, '')", f"COALESCE({row}.village, '')", f"{row}.channel")


def _message_keys(row: str, dialect: str) -> tuple[str, ...]:
    return (_day(row, dialect), *_place(row), f"COALESCE({row}.language, '')")


def _resident_keys(row: str, dialect: str) -> tuple[str, ...]:
    return (_day(row, dialect), f"{row}.user_id", *_place(row), f"COALESCE({row}.language, '')")


def _intent_keys(row: str, dialect: str) -> tuple[str, ...]:
    language = f"COALESCE({row}.language, '')"
    return (_day(row, dialect), f"COALESCE({row}.commune, '')", f"{row}.channel", language, f"{row}.intent")


def _one_if(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _measures(row: str) -> tuple[str, ...]:
    """A row's part in each measure (core/stats/measures.py: is_question, is_unanswered, columns)."""
    question = f"{row}.kind = 'text'"
    not_understood = f"({row}.action = 'escalate' AND {row}.intent IS NULL)"
    return (
        "1",
        _one_if(question),
        _one_if(f"{question} AND {row}.action = 'answer'"),
        _one_if(f"{question} AND {row}.action = 'clarify'"),
        _one_if(f"{question} AND {row}.action = 'escalate'"),
        _one_if(f"{question} AND ({row}.action = 'clarify' OR {not_understood} OR {row}.feedback = 'down')"),
        _one_if(f"{row}.feedback = 'up'"),
        _one_if(f"{row}.feedback = 'down'"),
    )


def _counts(table: str, row: str) -> str:
    """Whether a message_log row has a part in a roll-up."""
    inbound = f"{row}.direction = 'in'"
    if table == "resident_days":
        return f"{inbound} AND {row}.user_id IS NOT NULL"
    if table == "intent_stats":
        return f"{inbound} AND {row}.kind = 'text' AND {row}.action = 'answer' AND {row}.intent IS NOT NULL"
    return inbound


def _where(keys: tuple[str, ...], values: tuple[str, ...]) -> str:
    return " AND ".join(f"{k} = {v}" for k, v in zip(keys, values, strict=True))


def _add(table: str, row: str, dialect: str) -> list[str]:
    """Statements adding a row's part (the row counts in `table`)."""
    if table == "resident_days":
        keys = ", ".join(RESIDENT_KEYS)
        values = ", ".join(_resident_keys(row, dialect))
        return [f"INSERT INTO resident_days ({keys}) VALUES ({values}) ON CONFLICT ({keys}) DO NOTHING"]
    name, keys_of, names, parts = _summed(table, row, dialect)
    updates = ", ".join(f"{n} = {name}.{n} + excluded.{n}" for n in names)
    columns = ", ".join((*keys_of, *names))
    return [
        f"INSERT INTO {name} ({columns}) VALUES ({', '.join((*parts[0], *parts[1]))}) "
        f"ON CONFLICT ({', '.join(keys_of)}) DO UPDATE SET {updates}"
    ]


def _remove(table: str, row: str, dialect: str) -> list[str]:
    """Statements taking a row's part away; a resident's day goes when no row of it is left in the log."""
    if table == "resident_days":
        key = _resident_keys(row, dialect)
        same = _where(_resident_keys("m", dialect)[2:], key[2:])
        if dialect == "postgresql":
            before, after = (f"{row}.created_at {sign} INTERVAL '1 day'" for sign in "-+")
        else:
            before, after = (f"datetime({row}.created_at, '{sign}1 day')" for sign in "-+")
        near = f"m.created_at > {before} AND m.created_at < {after}"  # lets the (user_id, created_at) index serve
        left = (
            f"SELECT 1 FROM message_log AS m WHERE m.user_id = {row}.user_id AND m.direction = 'in' AND {near} "
            f"AND {_day('m', dialect)} = {key[0]} AND {same}"
        )
        return [f"DELETE FROM resident_days WHERE {_where(RESIDENT_KEYS, key)} AND NOT EXISTS ({left})"]
    name, keys_of, names, parts = _summed(table, row, dialect)
    where = _where(keys_of, parts[0])
    updates = ", ".join(f"{n} = {n} - ({v})" for n, v in zip(names, parts[1], strict=True))
    return [f"UPDATE {name} SET {updates} WHERE {where}", f"DELETE FROM {name} WHERE {where} AND {names[0]} = 0"]


def _summed(
    table: str, row: str, dialect: str
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]]:
    """A summed roll-up: its name, key columns, counters, and the row's key values and parts."""
    if table == "intent_stats":
        return "intent_stats_daily", INTENT_KEYS, ("answered",), (_intent_keys(row, dialect), ("1",))
    return "message_stats_daily", MESSAGE_KEYS, MEASURES, (_message_keys(row, dialect), _measures(row))


def _backfill(dialect: str) -> list[str]:
    row = "message_log"
    messages = _message_keys(row, dialect)
    intents = _intent_keys(row, dialect)
    sums = ", ".join(f"SUM({v})" for v in _measures(row))
    return [
        f"INSERT INTO message_stats_daily ({', '.join((*MESSAGE_KEYS, *MEASURES))}) "
        f"SELECT {', '.join(messages)}, {sums} FROM message_log WHERE {_counts('message_stats', row)} "
        f"GROUP BY {', '.join(messages)}",
        f"INSERT INTO resident_days ({', '.join(RESIDENT_KEYS)}) "
        f"SELECT DISTINCT {', '.join(_resident_keys(row, dialect))} FROM message_log "
        f"WHERE {_counts('resident_days', row)}",
        f"INSERT INTO intent_stats_daily ({', '.join((*INTENT_KEYS, 'answered'))}) "
        f"SELECT {', '.join(intents)}, COUNT(*) FROM message_log WHERE {_counts('intent_stats', row)} "
        f"GROUP BY {', '.join(intents)}",
    ]


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, when: str, statements: list[str]) -> str:
        body = "".join(f"{s}; " for s in statements)
        return f"CREATE TRIGGER {name} AFTER {event} ON message_log WHEN {when} BEGIN {body}END"

    out = []
    for table in TABLES:
        out += [
            trigger(f"{table}_insert", "INSERT", _counts(table, "NEW"), _add(table, "NEW", "sqlite")),
            trigger(f"{table}_update_add", f"UPDATE OF {UPDATED}", _counts(table, "NEW"), _add(table, "NEW", "sqlite")),
            trigger(
                f"{table}_update_remove", f"UPDATE OF {UPDATED}", _counts(table, "OLD"), _remove(table, "OLD", "sqlite")
            ),
            trigger(f"{table}_delete", "DELETE", _counts(table, "OLD"), _remove(table, "OLD", "sqlite")),
        ]
    return out


def _postgresql_trigger() -> list[str]:
    def block(condition: str, statements: list[str]) -> str:
        return f"IF {condition} THEN {' '.join(f'{s};' for s in statements)} END IF;"

    adding = "".join(block(_counts(t, "NEW"), _add(t, "NEW", "postgresql")) for t in TABLES)
    removing = "".join(block(_counts(t, "OLD"), _remove(t, "OLD", "postgresql")) for t in TABLES)
    function = (
        "CREATE FUNCTION message_log_stats() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {removing} END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {adding} END IF; "
        "RETURN NULL; END $$"
    )
    trigger = (
        f"CREATE TRIGGER message_log_stats AFTER INSERT OR DELETE OR UPDATE OF {UPDATED} ON message_log "
        "FOR EACH ROW EXECUTE FUNCTION message_log_stats()"
    )
    return [function, trigger]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    def places() -> tuple[sa.Column[str], ...]:
        """The columns a roll-up row is kept per (new objects for each table)."""
        return (
            sa.Column("commune", sa.String(length=64), nullable=False),
            sa.Column("village", sa.String(length=128), nullable=False),
            sa.Column("channel", sa.String(length=16), nullable=False),
            sa.Column("language", sa.String(length=8), nullable=False),
        )

    op.create_table(
        "message_stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        *places(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES),
        sa.PrimaryKeyConstraint(*MESSAGE_KEYS, name=op.f("pk_message_stats_daily")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "resident_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *places(),
        sa.PrimaryKeyConstraint(*RESIDENT_KEYS, name=op.f("pk_resident_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "intent_stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("commune", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*INTENT_KEYS, name=op.f("pk_intent_stats_daily")),
        sqlite_with_rowid=False,
    )
    for statement in _backfill(dialect):
        op.execute(statement)
    for statement in _postgresql_trigger() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    if dialect == "postgresql":  # the planner needs to know the filled tables before autovacuum gets to them
        op.execute("ANALYZE message_stats_daily, resident_days, intent_stats_daily")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS message_log_stats ON message_log")
        op.execute("DROP FUNCTION IF EXISTS message_log_stats()")
    else:
        for table in TABLES:
            for name in TRIGGERS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")
    op.drop_table("intent_stats_daily")
    op.drop_table("resident_days")
    op.drop_table("message_stats_daily")
