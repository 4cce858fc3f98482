"""Migrations and start-up on both backends."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from core.database import SCHEMA_HEAD, alembic_config, create_engine, schema_version, session_factory, upgrade_schema
from models import Base


def test_schema_head_constant_matches_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


async def test_migrations_create_every_table_and_are_idempotent(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        assert await schema_version(engine) is None
        await upgrade_schema(engine)
        await upgrade_schema(engine)
        assert await schema_version(engine) == SCHEMA_HEAD
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
    finally:
        await engine.dispose()


async def test_models_and_migrations_do_not_drift(empty_database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(empty_database_url)
    try:
        await upgrade_schema(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    finally:
        await engine.dispose()
    assert diff == []


async def test_revision_0007_keeps_teams_cards_threads_and_typed_places(empty_database_url: str) -> None:
    """Data written under 0006 survives 0007: a commune's Telegram group becomes its team address, a
    ticket's card and topic become its outbox thread, a typed unknown commune moves to `place_typed`."""
    from alembic import command
    from sqlalchemy import text

    from models import Commune, OutboxMessage, OutboxThread, Ticket, User

    engine = create_engine(empty_database_url)

    def to(revision: str) -> object:
        def upgrade(connection: object) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return upgrade

    legacy = [
        "INSERT INTO communes (slug, name, is_default, telegram_group_id, remind_after_minutes, "
        "escalate_after_minutes, autoclose_after_hours, duty_start_hour, duty_end_hour, created_at) "
        "VALUES ('dan-hoa', 'Dân Hóa', true, -100123, 15, 120, 72, 7, 17, '2026-11-30 02:00:00')",
        "INSERT INTO users (id, channel, external_id, language, commune, role, created_at, last_seen_at) VALUES "
        "(1, 'telegram', '7001', 'vi', 'dan-hoa', 'resident', '2026-11-30 02:00:00', '2026-11-30 02:00:00'), "
        "(2, 'telegram', '7002', 'vi', 'xã Tân Lập', 'resident', '2026-11-30 02:00:00', '2026-11-30 02:00:00')",
        "INSERT INTO tickets (id, user_id, commune, channel, language, status, reason, summary, with_officers, "
        "detached, created_at, group_chat_id, card_message_id, thread_id) VALUES (1, 1, 'dan-hoa', 'telegram', "
        "'vi', 'new', 'asked', 'quên mật khẩu', false, false, '2026-11-30 02:00:00', '-100123', '55', 9)",
        "INSERT INTO outbox (channel, chat_id, purpose, body, ticket_id, status, attempts, not_before, created_at) "
        "VALUES ('telegram', '-100123', 'card', '{}', 1, 'sent', 1, '2026-11-30 02:00:00', '2026-11-30 02:00:00')",
        "INSERT INTO dialog_states (user_id, dialog, step, data, updated_at) "
        "VALUES (1, 'checklist', 'card', '{}', '2026-11-30 02:00:00')",
    ]
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to("0006"))
            for statement in legacy:
                await connection.execute(text(statement))
        await upgrade_schema(engine)
        async with session_factory(engine)() as session:
            commune = await session.get(Commune, "dan-hoa")
            known, unknown = await session.get(User, 1), await session.get(User, 2)
            ticket = await session.get(Ticket, 1)
            thread = await session.scalar(select(OutboxThread))
            card = await session.scalar(select(OutboxMessage))
        assert commune is not None
        assert (commune.team_channel, commune.team_chat_id) == ("telegram", "-100123")
        assert known is not None and known.commune == "dan-hoa" and known.place_typed is None
        assert unknown is not None and unknown.commune is None and unknown.place_typed == "xã Tân Lập"
        assert ticket is not None and (ticket.team_channel, ticket.team_chat_id) == ("telegram", "-100123")
        assert thread is not None and (thread.thread, thread.anchor_message_id, thread.topic_id) == (
            "ticket:1",
            "55",
            9,
        )
        assert card is not None and (card.thread, card.purpose, card.to_group) == ("ticket:1", "anchor", True)
        if engine.dialect.name == "sqlite":  # switched off for the rebuild only
            async with engine.connect() as connection:
                assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await engine.dispose()


async def test_revision_0012_villages_upgrade_downgrade_round_trip(empty_database_url: str) -> None:
    """0012 adds the villages table (unique per commune, removed with its commune) and takes it away again."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = create_engine(empty_database_url)

    def run(step: str, revision: str) -> object:
        def migrate(connection: object) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, step)(config, revision)

        return migrate

    def tables(connection: object) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run("upgrade", "0012"))
            assert "villages" in await connection.run_sync(tables)
            await connection.execute(
                text(
                    "INSERT INTO communes (slug, name, is_default, remind_after_minutes, "
                    "escalate_after_minutes, autoclose_after_hours, duty_start_hour, duty_end_hour, created_at) "
                    "VALUES ('dan-hoa', 'Dân Hóa', true, 15, 120, 72, 7, 17, '2026-12-03 02:00:00')"
                )
            )
            insert = text("INSERT INTO villages (commune, name, created_at) VALUES ('dan-hoa', 'Thôn 1', '2026-12-03')")
            await connection.execute(insert)
            with pytest.raises(IntegrityError):
                async with connection.begin_nested():
                    await connection.execute(insert)
            await connection.run_sync(run("downgrade", "0011"))
            assert "villages" not in await connection.run_sync(tables)
            await connection.run_sync(run("upgrade", "0012"))
            assert "villages" in await connection.run_sync(tables)
    finally:
        await engine.dispose()
