"""Zalo OA webhook events -> channel-neutral `Inbound` events (None for what the bot ignores)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from channels.zalo.signature import event_time
from core.messages import BUTTON, COMMAND, MEDIA, TEXT, Inbound, Media

CHANNEL = "zalo"
BUTTON_PREFIX = "#cn:"
PLATFORM_ID_LIMIT = 64
# Zalo sends a tapped `oa.query.*` button's payload back as user text; one source names the event
# `user_click_button` (unverified), so both are read the same way.
TEXT_EVENTS = frozenset({"user_send_text", "user_click_button"})
GREETING_EVENTS = frozenset({"follow", "user_click_chatnow"})
MEDIA_EVENTS = frozenset(
    f"user_send_{kind}" for kind in ("image", "gif", "audio", "video", "sticker", "file", "location", "link")
)
# Zalo attachment types -> the media kinds the handlers know (Telegram's names).
MEDIA_KINDS = {"image": "photo", "audio": "voice", "file": "document"}


def to_inbound(event: Mapping[str, Any]) -> Inbound | None:
    """The resident's action behind a webhook event, or None for echoes, receipts and unknown events."""
    name = str(event.get("event_name", ""))
    user_id = _user_id(name, event)
    if not user_id or name not in TEXT_EVENTS | GREETING_EVENTS | MEDIA_EVENTS:
        return None
    message = event.get("message") or {}
    timestamp = str(event.get("timestamp", ""))
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "user_id": user_id,
        "platform_msg_id": _platform_id(message.get("msg_id"), name, timestamp, user_id),
    }
    if timestamp:
        common["received_at"] = event_time(timestamp)
    if name in GREETING_EVENTS:
        return Inbound(kind=COMMAND, text="/start", **common)
    text = str(message.get("text") or "")
    if name in MEDIA_EVENTS:
        default_kind = name.removeprefix("user_send_")
        media = tuple(_media(item, default_kind) for item in message.get("attachments") or [{}])
        return Inbound(kind=MEDIA, text=text, media=media, **common)
    if text.startswith(BUTTON_PREFIX):
        return Inbound(kind=BUTTON, payload=text.removeprefix(BUTTON_PREFIX), **common)
    return Inbound(kind=COMMAND if text.startswith("/") else TEXT, text=text, **common)


def _user_id(name: str, event: Mapping[str, Any]) -> str:
    if name == "follow":
        return str((event.get("follower") or {}).get("id") or "")
    if name == "user_click_chatnow":
        return str(event.get("user_id") or "")
    return str((event.get("sender") or {}).get("id") or "")


def _platform_id(msg_id: object, name: str, timestamp: str, user_id: str) -> str:
    """Zalo's msg_id; events without one are keyed by name, time and user (hashed if too long)."""
    key = str(msg_id) if msg_id else f"{name}:{timestamp}:{user_id}"
    if len(key) <= PLATFORM_ID_LIMIT:
        return key
    return "sha1:" + hashlib.sha1(key.encode()).hexdigest()


def _media(attachment: Mapping[str, Any], default_kind: str) -> Media:
    """One attachment: its kind and a URL, or coordinates / a name / an id where there is no URL."""
    kind = str(attachment.get("type") or default_kind)
    payload = attachment.get("payload") or {}
    if kind == "location":
        return Media("location", _coordinates(payload))
    reference = payload.get("url") or payload.get("name") or payload.get("id") or ""
    return Media(MEDIA_KINDS.get(kind, kind), str(reference))


def _coordinates(payload: Mapping[str, Any]) -> str:
    """`lat,long` from `coordinates.latitude/longitude` or the `lat/long` variant (sources differ)."""
    place = payload.get("coordinates") or payload
    latitude = place.get("latitude", place.get("lat"))
    longitude = place.get("longitude", place.get("long"))
    return f"{latitude},{longitude}" if latitude is not None and longitude is not None else ""
