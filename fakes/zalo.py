"""A fake Zalo OA Open API on 127.0.0.1 (CS messages + OAuth v4 refresh) and signed webhook posts."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

APP_ID = "2553928453557884079"
APP_SECRET = "app-secret-for-tests"
OA_SECRET_KEY = "oa-secret-key-for-tests"
MESSAGE_PATH = "/v3.0/oa/message/cs"
TOKEN_PATH = "/v4/oa/access_token"
WAIT_SECONDS = 30


@dataclass
class Call:
    """One request the bot made and what the fake answered (filled in when it answered)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int = 0
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == 200 and self.answer.get("error", 0) == 0


@dataclass
class FakeZalo:
    """Answers like Zalo: access tokens can expire (-216), refresh tokens work once, failures on demand."""

    access_token: str = "access-1"
    refresh_token: str = "refresh-1"
    calls: list[Call] = field(default_factory=list)
    server: TestServer | None = None
    wait_seconds: float = WAIT_SECONDS
    _valid_access_tokens: set[str] = field(default_factory=lambda: {"access-1"})
    _token_error: int = -216
    _send_failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _outside_window: set[str] = field(default_factory=set)
    _refreshes_open: asyncio.Event = field(default_factory=asyncio.Event)
    _issued: int = 1
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    files: dict[str, bytes] = field(default_factory=dict)  # served at /files/<name>, like Zalo's CDN

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> None:
        self._refreshes_open.set()
        app = web.Application()
        app.router.add_post(MESSAGE_PATH, self._send)
        app.router.add_post(TOKEN_PATH, self._refresh)
        app.router.add_get("/files/{name}", self._file)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    def add_file(self, data: bytes) -> str:
        """A file a user "sent" (a voice note): the URL Zalo would put in the attachment's payload."""
        name = f"audio-{len(self.files) + 1}.aac"
        self.files[name] = data
        return f"{self.url}/files/{name}"

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data)

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def expire_access_tokens(self, error: int = -216) -> None:
        """Every access token issued so far is refused with `error` from now on."""
        self._valid_access_tokens.clear()
        self._token_error = error

    def outside_window_once(self, user_id: str) -> None:
        """The next send to this user answers -230 (no interaction in the last 7 days)."""
        self._outside_window.add(user_id)

    def clear_failures(self) -> None:
        """Answer every send normally from now on."""
        self._send_failures.clear()

    def fail_next_send(self, status: int, answer: dict[str, Any]) -> None:
        """The next send (with a valid token) gets this HTTP status and JSON body."""
        self._send_failures.append((status, answer))

    def hold_refreshes(self) -> None:
        """Refresh requests are recorded but not answered until `release_refreshes()`."""
        self._refreshes_open.clear()

    def release_refreshes(self) -> None:
        self._refreshes_open.set()

    def sends(self, user_id: str | None = None) -> list[Call]:
        """Messages Zalo accepted, in order (to one user when given)."""
        return [
            call
            for call in self.calls
            if call.path == MESSAGE_PATH
            and call.succeeded
            and (user_id is None or call.body["recipient"]["user_id"] == user_id)
        ]

    def refreshes(self) -> list[Call]:
        return [call for call in self.calls if call.path == TOKEN_PATH]

    async def wait_for(self, predicate: Callable[[FakeZalo], bool]) -> None:
        """Block until the recorded calls satisfy `predicate` (bounded, so a broken bot fails the test)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), self.wait_seconds)

    async def wait_for_sends(self, count: int) -> list[Call]:
        await self.wait_for(lambda fake: len(fake.sends()) >= count)
        return self.sends()

    async def _record(self, request: web.Request, body: dict[str, Any]) -> Call:
        call = Call(request.path, dict(request.headers), body)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return call

    async def _answer(self, call: Call, status: int, answer: dict[str, Any]) -> web.Response:
        async with self._changed:
            call.status, call.answer = status, answer
            self._changed.notify_all()
        return web.json_response(answer, status=status)

    async def _send(self, request: web.Request) -> web.Response:
        call = await self._record(request, await request.json())
        if request.headers.get("access_token") not in self._valid_access_tokens:
            return await self._answer(call, 200, {"error": self._token_error, "message": "Access token is invalid"})
        if self._send_failures:
            return await self._answer(call, *self._send_failures.pop(0))
        user_id = call.body["recipient"]["user_id"]
        if user_id in self._outside_window:
            self._outside_window.discard(user_id)
            answer = {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}
            return await self._answer(call, 200, answer)
        message_id = f"zmsg-{len(self.sends()) + 1}"
        return await self._answer(call, 200, {"error": 0, "message": "Success", "data": {"message_id": message_id}})

    async def _refresh(self, request: web.Request) -> web.Response:
        call = await self._record(request, dict(await request.post()))
        await self._refreshes_open.wait()
        form = call.body
        if (
            request.headers.get("secret_key") != APP_SECRET
            or form.get("app_id") != APP_ID
            or form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            answer = {"error": -14014, "error_name": "Invalid refresh token", "error_description": "used or unknown"}
            return await self._answer(call, 200, answer)
        self._issued += 1
        self.access_token, self.refresh_token = f"access-{self._issued}", f"refresh-{self._issued}"
        self._valid_access_tokens.add(self.access_token)
        answer = {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": "90000"}
        return await self._answer(call, 200, answer)


def signed_webhook(event: dict[str, Any], oa_secret_key: str = OA_SECRET_KEY) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of a webhook post signed the way Zalo signs it (computed here independently)."""
    body = json.dumps(event, ensure_ascii=False).encode()
    base = str(event["app_id"]).encode() + body + str(event["timestamp"]).encode() + oa_secret_key.encode()
    mac = hashlib.sha256(base).hexdigest()
    return {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}, body


def user_event(
    event_name: str, user_id: str, timestamp_ms: int, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A user -> OA event (user_send_*), as Zalo posts it."""
    event: dict[str, Any] = {
        "event_name": event_name,
        "app_id": APP_ID,
        "sender": {"id": user_id},
        "recipient": {"id": "3662729599332560487"},
        "timestamp": str(timestamp_ms),
        "user_id_by_app": "979122185046046317",
    }
    if message is not None:
        event["message"] = message
    return event


def follow_event(user_id: str, timestamp_ms: int) -> dict[str, Any]:
    """A resident followed the OA."""
    return {
        "event_name": "follow",
        "app_id": APP_ID,
        "oa_id": "3662729599332560487",
        "follower": {"id": user_id},
        "timestamp": str(timestamp_ms),
        "user_id_by_app": "979122185046046317",
    }
