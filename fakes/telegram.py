"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_USER = {"id": 777000, "is_bot": True, "first_name": "CauNoi", "username": "caunoi_test_bot"}
WAIT_SECONDS = 30


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    """Serves getUpdates from a queue and records every other call."""

    calls: list[Call] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[tuple[int, dict[str, Any]] | None]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _next_update_id: int = 1
    _next_message_id: int = 1
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    server: TestServer | None = None
    stamp_calls: bool = False
    wait_seconds: float = WAIT_SECONDS
    forums: set[int] = field(default_factory=set)
    files: dict[str, bytes] = field(default_factory=dict)  # what getFile serves, by file id
    _next_thread_id: int = 500

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def push(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Queue an update for the next getUpdates; returns its update_id."""
        if update_id is None:
            update_id = self._next_update_id
            self._next_update_id += 1
        async with self._changed:
            self._updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    def fail_next(self, method: str, status: int, body: dict[str, Any], chat_id: int | None = None) -> None:
        """Make the next call of `method` (to one chat, when given) fail with this HTTP status and JSON body."""
        key = method if chat_id is None else f"{method}@{chat_id}"
        self.failures.setdefault(key, []).append((status, body))

    def unconfirmed(self) -> int:
        """Updates not yet confirmed by a getUpdates with a higher offset (Telegram would send them again)."""
        return len(self._updates)

    def fail_after(self, method: str, successes: int, status: int, body: dict[str, Any]) -> None:
        """Let `successes` calls of `method` through, then fail the next one."""
        self.failures.setdefault(method, []).extend([None] * successes + [(status, body)])

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        """Successful calls of one method (to one chat, when given)."""
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or int(call.params.get("chat_id", 0)) == chat_id)
        ]

    async def wait_for(self, predicate: Callable[[FakeTelegram], bool]) -> None:
        """Block until the recorded calls satisfy `predicate` (bounded, so a broken bot fails the test)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), self.wait_seconds)

    async def wait_for_messages(self, count: int) -> list[Call]:
        await self.wait_for(lambda fake: fake.counts["sendMessage"] >= count)
        return self.sent()

    def add_file(self, data: bytes) -> str:
        """A file a user "sent" (a voice note): its file id, to put in an update; getFile serves it."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return file_id

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[file_id])

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {key: _decode(value) for key, value in (await request.post()).items()}
        if self.stamp_calls:
            params["_received"] = time.perf_counter()
        queued = self.failures.get(f"{method}@{params.get('chat_id')}") or self.failures.get(method)
        failure = queued.pop(0) if queued else None
        if failure is not None:
            status, body = failure
            await self._record(Call(f"{method}:failed", params))
            return web.json_response(body, status=status)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._updates_after(params)})
        await self._record(Call(method, params))
        return web.json_response({"ok": True, "result": self._result(method, params)})

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self.counts[call.method] += 1
            self._changed.notify_all()

    async def _updates_after(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._changed:
            self._updates = pending()
            if not self._updates and timeout:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(pending())), timeout)
                except TimeoutError:
                    return []
            return pending()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getFile":
            file_id = str(params["file_id"])
            size = len(self.files.get(file_id, b""))
            return {"file_id": file_id, "file_unique_id": file_id, "file_size": size, "file_path": f"voice/{file_id}"}
        if method == "getChat":
            chat_id = int(params["chat_id"])
            forum = chat_id in self.forums
            return {
                "id": chat_id,
                "type": "supergroup",
                "title": "Tổ",
                "is_forum": forum,
                "accent_color_id": 0,
                "max_reaction_count": 11,
            }
        if method == "createForumTopic":
            self._next_thread_id += 1
            return {"message_thread_id": self._next_thread_id, "name": params.get("name", ""), "icon_color": 0}
        if method in {"sendMessage", "editMessageText", "sendPhoto", "sendVoice", "sendDocument"}:
            message_id = self._next_message_id
            self._next_message_id += 1
            chat_id = int(params.get("chat_id", 0))
            return {
                "message_id": message_id,
                "date": 1_764_000_000,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True


def _decode(value: Any) -> Any:
    if isinstance(value, web.FileField):  # an uploaded file (sendVoice with bytes): its content
        return value.file.read()
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def private_message(user_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """The `message` part of an update from a resident in a private chat."""
    message: dict[str, Any] = {
        "message_id": 1,
        "date": 1_764_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": "Dân"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Dân", "language_code": "vi"},
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


def button_press(user_id: int, data: str, message_id: int = 1, chat_id: int | None = None) -> dict[str, Any]:
    """The `callback_query` part of an update: someone tapped an inline button (in a group when chat_id is given)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Dân" if chat_id is None else f"TNV {user_id}"}
    chat = {"id": user_id, "type": "private"} if chat_id is None else {"id": chat_id, "type": "supergroup"}
    return {
        "callback_query": {
            "id": f"cb-{user_id}-{message_id}-{data}"[:60],
            "from": user,
            "chat_instance": "ci",
            "data": data,
            "message": {"message_id": message_id, "date": 1_764_000_000, "chat": chat, "from": BOT_USER, "text": "..."},
        }
    }


def group_message(
    chat_id: int,
    user_id: int,
    text: str | None = None,
    *,
    reply_to: int | None = None,
    thread_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The `message` part of an update from a member in a group: a reply to a bot message, or in a forum topic."""
    message: dict[str, Any] = {
        "message_id": 10_000 + user_id,
        "date": 1_764_000_000,
        "chat": {"id": chat_id, "type": "supergroup", "title": "Tổ công nghệ số"},
        "from": {"id": user_id, "is_bot": False, "first_name": f"TNV {user_id}"},
        **extra,
    }
    if text is not None:
        message["text"] = text
    if thread_id is not None:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": 1_764_000_000,
            "chat": message["chat"],
            "from": BOT_USER,
            "text": "...",
        }
    return {"message": message}
