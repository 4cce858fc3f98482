"""A Zalo resident and Telegram volunteers: one ticket, both fake platforms, the real outbox."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from channels.telegram.sender import TelegramSender
from channels.telegram.transport import TelegramChannel, build_bot
from channels.zalo.client import ZaloClient, ZaloCredentials
from channels.zalo.sender import ZaloSender
from channels.zalo.webhook import WEBHOOK_PATH, ZaloChannel
from core.delivery.worker import OutboxWorker
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from fakes.telegram import FakeTelegram, group_message, private_message
from fakes.zalo import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo, signed_webhook, user_event
from handlers.context import BotContext
from handlers.runtime import background
from models import MessageLog, Ticket
from tests.fixtures import card_message_id, telegram_team
from web.server import build_web_app

TOKEN = "123456:TEST-TOKEN"
GROUP = -100888
VOLUNTEER = 5151
ZALO_RESIDENT = "6142494823000001"


@pytest.fixture
async def platforms(bot: BotContext) -> AsyncIterator[tuple[FakeTelegram, FakeZalo, TestClient, OutboxWorker]]:
    """Both fake platforms, the Telegram application polling, and our web app with the Zalo webhook."""
    telegram, zalo = FakeTelegram(), FakeZalo()
    await telegram.start()
    await zalo.start()
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        code = await create_invite(session, "dan-hoa", "volunteer", datetime.now(UTC))
    channel = TelegramChannel(bot, build_bot(TOKEN, telegram.url))
    web_app = build_web_app(bot.sessions, lambda: bot.desk)
    async with aiohttp.ClientSession() as http:
        credentials = ZaloCredentials(APP_ID, APP_SECRET, zalo.access_token, zalo.refresh_token)
        client = ZaloClient(http, bot.sessions, credentials, api_url=zalo.url, oauth_url=zalo.url)
        ZaloChannel(bot, client, OA_SECRET_KEY, APP_ID).add_route(web_app)
        senders = {"telegram": TelegramSender(channel.bot), "zalo": ZaloSender(client)}
        async with (
            background(bot, senders, jobs=False) as worker,
            channel.running(poll_timeout=1),
            TestClient(TestServer(web_app)) as web,
        ):
            await telegram.push(private_message(VOLUNTEER, f"/join {code}"))
            await telegram.wait_for_messages(1)
            yield telegram, zalo, web, worker
            await bot.inbox.drain()
    await telegram.close()
    await zalo.close()


_ids = itertools.count(1)


async def _zalo_says(web: TestClient, text: str) -> None:
    number = next(_ids)
    timestamp = int(datetime.now(UTC).timestamp() * 1000) + number
    event = user_event("user_send_text", ZALO_RESIDENT, timestamp, {"text": text, "msg_id": f"z-{number}"})
    headers, body = signed_webhook(event)
    response = await web.post(WEBHOOK_PATH, data=body, headers=headers)
    assert response.status == 200


def _text(call: Any) -> str:
    return call.body["message"]["text"]


async def test_a_zalo_residents_ticket_is_answered_from_telegram(
    bot: BotContext, platforms: tuple[FakeTelegram, FakeZalo, TestClient, OutboxWorker]
) -> None:
    telegram, zalo, web, worker = platforms
    await _zalo_says(web, "gặp cán bộ")
    await zalo.wait_for(lambda f: len(f.sends(ZALO_RESIDENT)) >= 1)
    assert "việc gì" in _text(zalo.sends(ZALO_RESIDENT)[-1])
    await _zalo_says(web, "tôi không đăng nhập được vneid")
    await zalo.wait_for(lambda f: len(f.sends(ZALO_RESIDENT)) >= 2)
    await _zalo_says(web, "Bản Bạch Đàn")
    await zalo.wait_for(lambda f: any("#1" in _text(c) for c in f.sends(ZALO_RESIDENT)))

    await telegram.wait_for(lambda f: len(f.sent("sendMessage", GROUP)) >= 1)
    card = telegram.sent("sendMessage", GROUP)[0]
    assert "Kênh: Zalo" in card.params["text"] and "Bản Bạch Đàn" in card.params["text"]
    card_id = await card_message_id(bot.sessions, worker)

    await telegram.push(group_message(GROUP, VOLUNTEER, "Bạn thử cài lại VNeID rồi đăng nhập nhé", reply_to=card_id))
    await zalo.wait_for(lambda f: any("cài lại VNeID" in _text(c) for c in f.sends(ZALO_RESIDENT)))

    await _zalo_says(web, "vẫn không được ạ")
    await telegram.wait_for(lambda f: any("vẫn không được" in m.params["text"] for m in f.sent("sendMessage", GROUP)))
    await zalo.wait_for(lambda f: any("Đã chuyển" in _text(c) for c in f.sends(ZALO_RESIDENT)))

    zalo.outside_window_once(ZALO_RESIDENT)
    await telegram.push(group_message(GROUP, VOLUNTEER, "Mai tổ lên bản giúp bạn", reply_to=card_id))
    await telegram.wait_for(lambda f: any("chưa tới được" in m.params["text"] for m in f.sent("sendMessage", GROUP)))
    async with bot.sessions() as session:
        ticket = await session.get(Ticket, 1)
        channels = set(await session.scalars(select(MessageLog.channel).where(MessageLog.direction == "in")))
    assert ticket is not None and ticket.channel == "zalo"
    assert ticket.delivery_problem and "-230" in ticket.delivery_problem
    assert channels == {"zalo", "telegram"}
