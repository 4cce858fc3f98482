"""What every handler needs: database sessions and the loaded knowledge base."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.database import create_engine, session_factory, upgrade_schema
from core.delivery.inbox import Inbox
from core.delivery.sender import Capabilities
from core.helpdesk.workflow import Desk
from core.knowledge.faq import (
    KnowledgeBase,
    MatchingData,
    import_knowledge,
    knowledge_is_empty,
    load_knowledge,
    load_matching_data,
)
from core.knowledge.versions import current_version
from core.media.store import Download, MediaStore
from handlers.flood import PRESS_LIMIT, FloodGuard
from models.base import utcnow


@dataclass
class BotContext:
    """Shared by all channels of one process."""

    sessions: async_sessionmaker[AsyncSession]
    matching: MatchingData
    knowledge: KnowledgeBase
    knowledge_dir: Path
    clock: Callable[[], datetime] = utcnow
    outbox_channels: frozenset[str] = frozenset()
    capabilities: dict[str, Capabilities] = field(default_factory=dict)
    flood: FloodGuard = field(default_factory=FloodGuard)
    presses: FloodGuard = field(default_factory=lambda: FloodGuard(limit=PRESS_LIMIT))
    knowledge_version: int = 0  # the version `knowledge` was loaded at (see core/knowledge/versions.py)
    web_url: str = ""  # the dashboard's public address (WEB_PUBLIC_URL); empty: no sign-in links are sent
    link_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)  # WEB_LINK_SECRET
    media: MediaStore | None = None  # MEDIA_DIR: volunteers' recordings, voice answers
    downloads: dict[str, Download] = field(default_factory=dict)  # per channel, set by `handlers.runtime`
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.sessions, clock=self.clock)

    @property
    def desk(self) -> Desk:
        """What the ticket workflow needs from this process: the current FAQ, the clock, the channels."""
        return Desk(
            self.knowledge, self.clock, self.capabilities, self.web_url, self.link_key, self.media, self.downloads
        )

    async def reload_knowledge(self) -> bool:
        """Reload the FAQ and rebuild the matcher when the knowledge version moved; whether it did.
        The version is read before the content, so a change saved meanwhile is picked up next time."""
        async with self.sessions() as session:
            version = await current_version(session)
            if version == self.knowledge_version:
                return False
            self.knowledge = await load_knowledge(session, self.matching)
        self.knowledge_version = version
        return True


async def open_context(
    database_url: str, knowledge_dir: Path, model_cache: Path | None = None, media_dir: Path | None = None
) -> tuple[BotContext, AsyncEngine]:
    """Migrate the database, seed the FAQ on first start, and load the knowledge base (trained models
    are kept in `model_cache`, or only in memory without one; recordings in `media_dir`, none without one)."""
    engine = create_engine(database_url)
    await upgrade_schema(engine)
    sessions = session_factory(engine)
    matching = load_matching_data(knowledge_dir, model_cache)
    async with sessions() as session, session.begin():
        if await knowledge_is_empty(session):
            await import_knowledge(session, knowledge_dir)
    async with sessions() as session:
        version = await current_version(session)
        knowledge = await load_knowledge(session, matching)
    media = MediaStore(media_dir) if media_dir is not None else None
    return BotContext(sessions, matching, knowledge, knowledge_dir, knowledge_version=version, media=media), engine
