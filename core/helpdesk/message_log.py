"""The message log: residents' questions in private chats and the bot's answers, masked, with intent,
confidence, action, handling time, and the resident's commune, village and language at the time.

Messages in team chats are not logged here (a reply on a ticket is a ticket event), so every
inbound row is a resident's question and statistics can read the table as it is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Inbound, Media, Outbound
from core.privacy import clean_for_storage
from models import MessageLog, User

SECRET_COMMANDS = frozenset({"/join"})
PRIVATE_MEDIA = frozenset({"location", "contact"})
INBOUND = "in"
OUTBOUND = "out"
PRIVATE = "private"  # a resident's private chat with the bot; "sms" later. Only these rows are questions.


class AlreadyRecorded(Exception):
    """This platform message was recorded before (a redelivery); the unit of work must be rolled back."""


async def record_inbound(session: AsyncSession, user: User, inbound: Inbound, chat_kind: str = PRIVATE) -> MessageLog:
    """Store a resident's message in a private chat (or SMS) with where they were and their language at
    the time; raises AlreadyRecorded for a redelivered platform message."""
    row = MessageLog(
        user_id=user.id,
        channel=inbound.channel,
        direction=INBOUND,
        chat_kind=chat_kind,
        **_context(user),
        kind=inbound.kind,
        text_masked=clean_for_storage(_without_secrets(inbound.text or inbound.payload)),
        platform_msg_id=inbound.platform_msg_id,
        created_at=inbound.received_at,
        attachments=[_attachment(m) for m in inbound.media] or None,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as error:
        raise AlreadyRecorded(inbound.platform_msg_id) from error
    return row


def _context(user: User) -> dict[str, str | None]:
    return {"commune": user.commune, "village": user.village, "language": user.language}


def _without_secrets(text: str) -> str:
    """A command whose argument is a secret (a one-time join code) is kept without it."""
    name, _sep, argument = text.strip().partition(" ")
    if name.split("@", 1)[0].lower() in SECRET_COMMANDS and argument:
        return f"{name} [mã]"
    return text


def _attachment(media: Media) -> dict[str, str]:
    """What is kept of a file: its kind and platform id; never a location's coordinates."""
    return {"kind": media.kind, "file_id": "" if media.kind in PRIVATE_MEDIA else media.file_id}


async def set_feedback(session: AsyncSession, user_id: int, message_id: int, value: str) -> MessageLog | None:
    """Record 👍/👎 on one of this user's own questions; None when the id is not theirs."""
    row = await session.get(MessageLog, message_id)
    if row is None or row.user_id != user_id or row.direction != INBOUND:
        return None
    row.feedback = value
    return row


def annotate(row: MessageLog, reply: Outbound | None, handling_ms: float) -> None:
    """Copy the decision that answered an inbound message onto its log row."""
    row.handling_ms = round(handling_ms, 3)
    if reply is not None:
        row.intent = reply.intent
        row.confidence = reply.confidence
        row.action = reply.action


async def record_outbound(
    session: AsyncSession, user: User, channel: str, reply: Outbound, created_at: datetime | None = None
) -> None:
    """Store a reply the bot sends (at the time of the message it answers, when given)."""
    row: dict[str, object] = {
        "user_id": user.id,
        "channel": channel,
        "direction": OUTBOUND,
        **_context(user),
        "kind": "text",
        "text_masked": clean_for_storage(reply.text),
        "intent": reply.intent,
        "confidence": reply.confidence,
        "action": reply.action,
    }
    if created_at is not None:
        row["created_at"] = created_at
    await session.execute(insert(MessageLog), [row])


async def last_reply_action(session: AsyncSession, user_id: int) -> str | None:
    """The action of the bot's latest reply to this user (e.g. "clarify")."""
    query = (
        select(MessageLog.action)
        .where(MessageLog.user_id == user_id, MessageLog.direction == OUTBOUND)
        .order_by(MessageLog.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def feedback_since(session: AsyncSession, user_id: int, value: str, since: datetime) -> int:
    """How many of this user's questions since a moment got this feedback."""
    query = select(func.count()).where(
        MessageLog.user_id == user_id,
        MessageLog.direction == INBOUND,
        MessageLog.feedback == value,
        MessageLog.created_at >= since,
    )
    return int(await session.scalar(query) or 0)


async def last_answered_question(
    session: AsyncSession, user_id: int, *, before_id: int | None, since: datetime
) -> MessageLog | None:
    """This user's latest question, before `before_id` and since a moment, that the bot answered from the FAQ."""
    query = select(MessageLog).where(
        MessageLog.user_id == user_id,
        MessageLog.direction == INBOUND,
        MessageLog.action == "answer",
        MessageLog.created_at >= since,
    )
    if before_id is not None:
        query = query.where(MessageLog.id < before_id)
    return await session.scalar(query.order_by(MessageLog.id.desc()).limit(1))
