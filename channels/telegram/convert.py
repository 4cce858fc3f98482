"""Translation between Telegram objects and the channel-neutral messages."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit

from core.messages import BUTTON, COMMAND, MEDIA, TEXT, Inbound, Media, Outbound
from core.messages import split_text as split_at

CHANNEL = "telegram"
_MEDIA_KINDS = ("voice", "audio", "photo", "video", "video_note", "sticker", "document", "location", "contact")


def to_inbound(update: Update) -> Inbound | None:
    """The neutral event behind an update from a private chat or a supergroup; None when there is nothing to handle."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot or chat.type not in {"private", "supergroup", "group"}:
        return None
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "user_id": str(user.id),
        "platform_msg_id": str(update.update_id),
        "sender_name": user.full_name,
    }
    if chat.type != "private":
        common["chat_id"] = str(chat.id)
    if update.callback_query is not None:
        origin = update.callback_query.message
        if origin is not None and chat.type != "private":
            common["reply_to"] = str(origin.message_id)
        return Inbound(kind=BUTTON, payload=update.callback_query.data or "", can_toast=True, **common)
    message = update.message
    if message is None:
        return None
    if message.date:
        common["received_at"] = message.date
    if chat.type != "private":
        common["thread_id"] = message.message_thread_id if message.is_topic_message else None
        replied = message.reply_to_message
        if replied is not None and not (message.is_topic_message and replied.message_id == message.message_thread_id):
            common["reply_to"] = str(replied.message_id)
    if message.text is not None:
        kind = COMMAND if message.text.startswith("/") else TEXT
        return Inbound(kind=kind, text=message.text, **common)
    for kind in _MEDIA_KINDS:
        value = getattr(message, kind, None)
        if value:
            file_id = getattr(value[-1] if isinstance(value, tuple) else value, "file_id", "")
            return Inbound(kind=MEDIA, media=(Media(kind, file_id),), text=message.caption or "", **common)
    return None


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Chunks under Telegram's 4,096 characters, cut at paragraphs where possible."""
    return split_at(text, limit)


def keyboard(reply: Outbound) -> InlineKeyboardMarkup | None:
    """Inline buttons for a reply (payloads were checked against Telegram's 64 bytes by `core.payloads`)."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    return InlineKeyboardMarkup(rows) if rows else None
