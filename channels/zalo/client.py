"""Zalo OA Open API client: customer-service messages, with the single-use refresh-token chain kept in the DB."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.delivery.sender import RetryLater, Undeliverable
from core.delivery.tokens import get_token, release_refresh_lease, replace_tokens, seed_token, take_refresh_lease
from core.language.i18n import DEFAULT_LANGUAGE, translator
from core.media.store import MAX_BYTES, DownloadFailed
from models import ChannelToken
from models.base import utcnow

if TYPE_CHECKING:
    from channels.zalo.setup import ZaloSettings

log = logging.getLogger(__name__)
_ = translator(DEFAULT_LANGUAGE)  # why a message was not delivered is read by the team, in its chat's language

CHANNEL = "zalo"
MESSAGE_PATH = "/v3.0/oa/message/cs"
TOKEN_PATH = "/v4/oa/access_token"
TOKEN_ERRORS = frozenset({-216, -220})  # access token invalid / expired: refresh once, resend once
RATE_LIMITED = -32
OUTSIDE_WINDOW = -230
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20)
REFRESH_LEASE = timedelta(seconds=60)  # longer than REQUEST_TIMEOUT, so a lease outlives its refresh call
REFRESH_WAIT_SECONDS = 90.0
LEASE_POLL_SECONDS = 0.2
EXPIRY_MARGIN = timedelta(minutes=5)
RATE_LIMIT_PAUSE = 30.0
SERVER_ERROR_PAUSE = 5.0
REASON_LIMIT = 200


@dataclass(frozen=True)
class ZaloCredentials:
    """The app's keys; the token pair only seeds an empty token table (the DB copy wins after that)."""

    app_id: str
    app_secret: str
    access_token: str | None = None
    refresh_token: str | None = None


@dataclass(frozen=True)
class _Token:
    access_token: str
    version: int
    expires_at: datetime | None

    @classmethod
    def of(cls, row: ChannelToken) -> _Token:
        expires_at = row.expires_at
        if expires_at is not None and expires_at.tzinfo is None:  # SQLite hands back naive UTC
            expires_at = expires_at.replace(tzinfo=UTC)
        return cls(row.access_token, row.version, expires_at)


class ZaloClient:
    """Sends CS messages; refreshes the access token on -216 (once per process and across processes)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        sessions: async_sessionmaker[AsyncSession],
        credentials: ZaloCredentials,
        *,
        api_url: str = "https://openapi.zalo.me",
        oauth_url: str = "https://oauth.zaloapp.com",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._http = http
        self._sessions = sessions
        self._credentials = credentials
        self._message_url = api_url.rstrip("/") + MESSAGE_PATH
        self._token_url = oauth_url.rstrip("/") + TOKEN_PATH
        self._clock = clock
        self._refresh_lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, settings: ZaloSettings, http: aiohttp.ClientSession, sessions: async_sessionmaker[AsyncSession]
    ) -> ZaloClient:
        """A client configured from ZALO_* settings (ZALO_APP_ID and ZALO_APP_SECRET are required)."""
        if not settings.app_id or not settings.app_secret:
            raise ValueError("ZALO_APP_ID and ZALO_APP_SECRET are needed to refresh Zalo tokens")
        credentials = ZaloCredentials(
            settings.app_id, settings.app_secret, settings.access_token, settings.refresh_token
        )
        return cls(http, sessions, credentials, api_url=settings.api_url, oauth_url=settings.oauth_url)

    async def fetch(self, url: str) -> bytes:
        """A file a person sent (its attachment URL), at most `MAX_BYTES`; DownloadFailed otherwise."""
        if not url.startswith(("https://", "http://")):
            raise DownloadFailed("not a web address")
        try:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
                if response.status != 200:
                    raise DownloadFailed(f"HTTP {response.status}")
                data = await response.content.read(MAX_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DownloadFailed(type(error).__name__) from error
        if len(data) > MAX_BYTES:
            raise DownloadFailed("too large")
        return data

    async def send(self, recipient_id: str, message_body: dict[str, Any]) -> str | None:
        """Send one CS message; returns Zalo's message id. Raises RetryLater or Undeliverable."""
        body = {"recipient": {"user_id": recipient_id}, "message": message_body}
        token = await self._usable_token()
        answer = await self._post(self._message_url, json=body, headers={"access_token": token.access_token})
        if _error_code(answer) in TOKEN_ERRORS:
            log.warning("Zalo refused the access token (error %s); refreshing it", _error_code(answer))
            token = await self._refresh(token.version)
            answer = await self._post(self._message_url, json=body, headers={"access_token": token.access_token})
        return _message_id(answer)

    async def _usable_token(self) -> _Token:
        """The stored token (seeded from settings on first use), refreshed first when about to expire."""
        async with self._sessions() as session, session.begin():
            row = await get_token(session, CHANNEL)
            if row is None and self._credentials.access_token and self._credentials.refresh_token:
                row = await seed_token(
                    session, CHANNEL, self._credentials.access_token, self._credentials.refresh_token
                )
            if row is None:
                raise Undeliverable(_("Chưa có access token Zalo (set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN)"))
            token = _Token.of(row)
        if token.expires_at is not None and token.expires_at - EXPIRY_MARGIN <= self._clock():
            return await self._refresh(token.version)
        return token

    async def _refresh(self, stale_version: int) -> _Token:
        """A token newer than `stale_version`: refreshed here under a lease, or by whoever holds it."""
        async with self._refresh_lock:
            deadline = time.monotonic() + REFRESH_WAIT_SECONDS
            while True:
                async with self._sessions() as session, session.begin():
                    row = await get_token(session, CHANNEL)
                    if row is None:
                        raise Undeliverable(_("Token Zalo đã bị xoá khỏi cơ sở dữ liệu (Zalo token row missing)"))
                    if row.version != stale_version:
                        return _Token.of(row)
                    leased = await take_refresh_lease(session, CHANNEL, stale_version, self._clock(), REFRESH_LEASE)
                    refresh_token = row.refresh_token
                if leased:
                    return await self._spend(refresh_token, stale_version)
                if time.monotonic() > deadline:
                    raise RetryLater("Zalo token refresh still running elsewhere", SERVER_ERROR_PAUSE)
                await asyncio.sleep(LEASE_POLL_SECONDS)

    async def _spend(self, refresh_token: str, version: int) -> _Token:
        """Trade the refresh token for a new pair and store it over `version` before anyone uses it."""
        form = {"refresh_token": refresh_token, "app_id": self._credentials.app_id, "grant_type": "refresh_token"}
        try:
            answer = await self._post(self._token_url, data=form, headers={"secret_key": self._credentials.app_secret})
        except (RetryLater, Undeliverable):
            await self._release(version)
            raise
        if not answer.get("access_token") or not answer.get("refresh_token"):
            await self._release(version)
            log.error(
                "Zalo refused the refresh token (error %s); the OA admin must authorise the app again",
                answer.get("error"),
            )
            raise Undeliverable(_refusal(_("Không làm mới được token Zalo (token refresh failed)"), answer))
        now = self._clock()
        expires_at = _expiry(now, answer.get("expires_in"))
        async with self._sessions() as session, session.begin():
            stored = await replace_tokens(
                session,
                CHANNEL,
                version,
                access_token=str(answer["access_token"]),
                refresh_token=str(answer["refresh_token"]),
                expires_at=expires_at,
                now=now,
            )
        if not stored:
            raise RetryLater("Zalo token changed while it was being refreshed", SERVER_ERROR_PAUSE)
        log.info("Zalo access token refreshed (token version %s)", version + 1)
        return _Token(str(answer["access_token"]), version + 1, expires_at)

    async def _release(self, version: int) -> None:
        async with self._sessions() as session, session.begin():
            await release_refresh_lease(session, CHANNEL, version)

    async def _post(self, url: str, **request: Any) -> dict[str, Any]:
        """POST and decode Zalo's JSON answer; transport failures become RetryLater or Undeliverable."""
        try:
            async with self._http.post(url, timeout=REQUEST_TIMEOUT, **request) as response:
                if response.status == 429 or response.status >= 500:
                    raise RetryLater(
                        f"Zalo HTTP {response.status}", _retry_after(response), throttled=response.status == 429
                    )
                if response.status != 200:
                    raise Undeliverable(f"Zalo HTTP {response.status}")
                answer = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError) as error:
            reason = _("Zalo không trả lời (no answer: {error})").format(error=type(error).__name__)
            raise RetryLater(reason, SERVER_ERROR_PAUSE) from error
        except ValueError as error:
            raise RetryLater("Zalo answered with something that is not JSON", SERVER_ERROR_PAUSE) from error
        if not isinstance(answer, dict):
            raise RetryLater("Zalo answered with something that is not a JSON object", SERVER_ERROR_PAUSE)
        return answer


def _error_code(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("error", 0))
    except (TypeError, ValueError):
        return 0


def _message_id(answer: dict[str, Any]) -> str | None:
    """Zalo's id of a sent message, or the error mapped to RetryLater / Undeliverable."""
    code = _error_code(answer)
    if code == 0:
        message_id = (answer.get("data") or {}).get("message_id")
        return str(message_id) if message_id else None
    if code == RATE_LIMITED:
        raise RetryLater(_("Zalo giới hạn tốc độ (rate limit, Zalo -32)"), RATE_LIMIT_PAUSE, throttled=True)
    if code == OUTSIDE_WINDOW:
        raise Undeliverable(_("Người dân ngoài 7 ngày tương tác với OA (outside the 7-day window, Zalo -230)"))
    if code in TOKEN_ERRORS:
        raise Undeliverable(
            _("Zalo vẫn từ chối access token sau khi làm mới (token refused, Zalo {code})").format(code=code)
        )
    raise Undeliverable(_refusal(_("Zalo từ chối tin nhắn (message refused)"), answer))


def _refusal(summary: str, answer: dict[str, Any]) -> str:
    """A short reason for volunteers: what failed, Zalo's error code and its own words."""
    detail = answer.get("error_description") or answer.get("error_name") or answer.get("message") or ""
    return f"{summary}: Zalo {answer.get('error')} {detail}".strip()[:REASON_LIMIT]


def _expiry(now: datetime, expires_in: object) -> datetime | None:
    """When a new access token expires; None when Zalo's `expires_in` (seconds, often a string) is unusable."""
    try:
        return now + timedelta(seconds=float(str(expires_in)))
    except (TypeError, ValueError, OverflowError):
        return None


def _retry_after(response: aiohttp.ClientResponse) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return SERVER_ERROR_PAUSE
