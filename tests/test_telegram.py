"""The real python-telegram-bot Application against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from channels.telegram.convert import split_text
from channels.telegram.sender import TelegramSender
from channels.telegram.transport import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel, build_bot
from core.delivery.worker import OutboxWorker
from core.messages import Outbound
from fakes.telegram import FakeTelegram, button_press, private_message
from handlers.context import BotContext
from handlers.runtime import background
from models.base import utcnow
from tests.fixtures import queue_message
from tests.processes import bot_env, free_port, running_bot
from web.server import build_web_app

TOKEN = "123456:TEST-TOKEN"
RESIDENT = 4242


@pytest.fixture
async def polling(bot: BotContext, fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(bot, build_bot(TOKEN, fake.url))
    async with background(bot, {"telegram": TelegramSender(channel.bot)}, jobs=False), channel.running(poll_timeout=1):
        yield channel


def _buttons(call_params: dict) -> list[str]:
    markup = call_params.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


async def test_start_sends_the_welcome_with_the_main_menu(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(private_message(RESIDENT, "/start"))
    message, offer = await fake.wait_for_messages(2)
    assert "st:start" in _buttons(offer.params)
    assert message.params["chat_id"] == RESIDENT
    assert "Cầu Nối" in message.params["text"]
    assert {"faq", "gloss", "help", "human"} <= set(_buttons(message.params))


async def test_free_text_is_answered_with_buttons(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(private_message(RESIDENT, "lam dinh danh o mo"))
    [message] = await fake.wait_for_messages(1)
    assert "Nguồn:" in message.params["text"]
    assert "human" in _buttons(message.params)


async def test_button_press_is_acknowledged_and_answered(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(button_press(RESIDENT, "faq:cost"))
    [message] = await fake.wait_for_messages(1)
    await fake.wait_for(lambda f: len(f.sent("answerCallbackQuery")) == 1)
    assert "tiền" in message.params["text"].lower()


async def test_tampered_callback_data_gets_a_polite_refusal(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(button_press(RESIDENT, "faq:../../etc/passwd"))
    [message] = await fake.wait_for_messages(1)
    await fake.wait_for(lambda f: len(f.sent("answerCallbackQuery")) == 1)
    assert _buttons(message.params) == ["menu"]


async def test_a_duplicate_update_is_answered_once(polling: TelegramChannel, fake: FakeTelegram) -> None:
    first = await fake.push(private_message(RESIDENT, "tải vneid ở đâu"))
    await fake.wait_for_messages(1)
    await fake.push(private_message(RESIDENT, "tải vneid ở đâu"), update_id=first)
    await fake.push(private_message(RESIDENT, "cảm ơn"))
    messages = await fake.wait_for_messages(2)
    assert len(messages) == 2
    assert "Nguồn:" not in messages[1].params["text"]


async def test_voice_message_gets_a_kind_reply(polling: TelegramChannel, fake: FakeTelegram) -> None:
    voice = {"file_id": "voice-1", "file_unique_id": "u1", "duration": 3}
    await fake.push(private_message(RESIDENT, voice=voice))
    [message] = await fake.wait_for_messages(1)
    assert "thoại" in message.params["text"]


async def test_group_messages_do_not_start_resident_dialogs(polling: TelegramChannel, fake: FakeTelegram) -> None:
    group = private_message(RESIDENT, "lam dinh danh o dau")
    group["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Tổ công nghệ số"}
    await fake.push(group)
    await fake.push(private_message(RESIDENT, "cảm ơn"))
    [message] = await fake.wait_for_messages(1)
    assert message.params["chat_id"] == RESIDENT


async def test_a_429_is_retried_after_the_requested_pause(polling: TelegramChannel, fake: FakeTelegram) -> None:
    too_many = {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 1}}
    fake.fail_next("sendMessage", 429, too_many)
    await fake.push(private_message(RESIDENT, "/help"))
    [message] = await fake.wait_for_messages(1)
    assert "/tukho" in message.params["text"]
    assert [c.method for c in fake.calls if c.method.startswith("sendMessage")] == ["sendMessage:failed", "sendMessage"]


async def test_webhook_checks_the_secret_and_queues_updates(bot: BotContext, fake: FakeTelegram) -> None:
    channel = TelegramChannel(bot, build_bot(TOKEN, fake.url))
    web_app = build_web_app(bot.sessions, lambda: bot.desk)
    channel.add_webhook_route(web_app, "s3cret")
    sender = TelegramSender(channel.bot)
    async with (
        background(bot, {"telegram": sender}, jobs=False),
        channel.running(webhook_url="https://example.invalid"),
        TestClient(TestServer(web_app)) as client,
    ):
        payload = {"update_id": 900, **private_message(RESIDENT, "quên passcode vneid")}
        wrong = await client.post(WEBHOOK_PATH, json=payload, headers={SECRET_HEADER: "guess"})
        missing = await client.post(WEBHOOK_PATH, json=payload)
        malformed = await client.post(WEBHOOK_PATH, data=b"{not json", headers={SECRET_HEADER: "s3cret"})
        assert (wrong.status, missing.status, malformed.status) == (401, 401, 400)
        accepted = await client.post(WEBHOOK_PATH, json=payload, headers={SECRET_HEADER: "s3cret"})
        assert accepted.status == 200
        [message] = await fake.wait_for_messages(1)
        assert message.params["chat_id"] == RESIDENT


def test_long_texts_are_split_at_paragraphs_under_the_limit() -> None:
    paragraphs = [f"Đoạn {n}: " + " ".join(["chữ"] * 300) for n in range(8)]
    chunks = split_text("\n\n".join(paragraphs))
    assert len(chunks) > 1
    assert all(len(chunk) <= 4096 for chunk in chunks)
    assert all(chunk.startswith("Đoạn") for chunk in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(paragraphs)


async def test_bot_run_with_a_token_serves_telegram_residents(fake: FakeTelegram, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, WEB_PORT=str(free_port()))
    async with running_bot(env, tmp_path, b"Telegram polling started"):
        await fake.push(private_message(RESIDENT, "mất thẻ căn cước thì làm sao"))
        [message] = await fake.wait_for_messages(1)
        assert "căn cước" in message.params["text"]
        assert fake.sent("setMyCommands")


async def test_checklist_runs_over_telegram_buttons(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(button_press(RESIDENT, "ck:start"))
    [question] = await fake.wait_for_messages(1)
    assert "ck:age:adult" in _buttons(question.params)
    await fake.push(button_press(RESIDENT, "ck:age:adult", message_id=2))
    messages = await fake.wait_for_messages(2)
    assert "ck:card:yes" in _buttons(messages[1].params)
    await fake.wait_for(lambda f: len(f.sent("answerCallbackQuery")) == 2)


async def test_a_bad_gateway_is_retried(polling: TelegramChannel, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    await fake.push(private_message(RESIDENT, "/help"))
    [message] = await fake.wait_for_messages(1)
    assert "/tukho" in message.params["text"]
    assert fake.calls[-2].method == "sendMessage:failed"


async def test_one_residents_429_does_not_hold_up_another(polling: TelegramChannel, fake: FakeTelegram) -> None:
    too_many = {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 2}}
    fake.fail_next("sendMessage", 429, too_many)
    await fake.push(private_message(RESIDENT, "/help"))
    await fake.wait_for(lambda f: any(c.method == "sendMessage:failed" for c in f.calls))
    other = RESIDENT + 1
    await fake.push(private_message(other, "/help"))
    messages = await fake.wait_for_messages(2)
    assert [m.params["chat_id"] for m in messages] == [other, RESIDENT]


async def test_menu_navigation_from_categories_to_an_answer(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(button_press(RESIDENT, "faq"))
    [categories] = await fake.wait_for_messages(1)
    category = _buttons(categories.params)[0]
    await fake.push(button_press(RESIDENT, category, message_id=2))
    questions = (await fake.wait_for_messages(2))[1]
    question = _buttons(questions.params)[0]
    await fake.push(button_press(RESIDENT, question, message_id=3))
    answer = (await fake.wait_for_messages(3))[2]
    assert "Nguồn:" in answer.params["text"]
    await fake.wait_for(lambda f: len(f.sent("answerCallbackQuery")) == 3)


async def test_clarification_and_out_of_scope_over_telegram(polling: TelegramChannel, fake: FakeTelegram) -> None:
    await fake.push(private_message(RESIDENT, "dinh danh"))
    [clarify] = await fake.wait_for_messages(1)
    choices = _buttons(clarify.params)
    assert 2 <= len([c for c in choices if c.startswith("faq:")]) <= 3 and choices[-1] == "human"
    await fake.push(private_message(RESIDENT, "giá heo hôm nay bao nhiêu"))
    out_of_scope = (await fake.wait_for_messages(2))[1]
    assert "human" in _buttons(out_of_scope.params)
    assert "Nguồn:" not in out_of_scope.params["text"]


async def test_checklist_to_the_plan_over_telegram(polling: TelegramChannel, fake: FakeTelegram) -> None:
    steps = ["ck:start", "ck:age:adult", "ck:card:yes", "ck:sim:yes", "ck:phone:yes", "ck:registered:yes", "ck:sms:no"]
    for number, payload in enumerate(steps, start=1):
        await fake.push(button_press(RESIDENT, payload, message_id=number))
        await fake.wait_for_messages(number)
    plan = fake.sent()[-1]
    assert "faq:processing_time" in _buttons(plan.params)


async def test_a_multi_part_reply_resumes_after_the_parts_already_sent(bot: BotContext, fake: FakeTelegram) -> None:
    paragraphs = [f"Phần {n}: " + "chữ " * 900 for n in range(3)]
    async with bot.sessions() as session, session.begin():
        await queue_message(session, "telegram", str(RESIDENT), Outbound("\n\n".join(paragraphs)))
    fake.fail_after("sendMessage", 1, 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    now = [utcnow()]
    channel = TelegramChannel(bot, build_bot(TOKEN, fake.url))
    async with channel.bot:
        worker = OutboxWorker(bot.sessions, {"telegram": TelegramSender(channel.bot)}, clock=lambda: now[0])
        await worker.drain()
        now[0] += timedelta(minutes=1)
        await worker.drain()
    texts = [call.params["text"] for call in fake.sent()]
    assert [text.split(":")[0] for text in texts] == ["Phần 0", "Phần 1", "Phần 2"]
    assert [c.method for c in fake.calls if c.method.startswith("sendMessage")].count("sendMessage:failed") == 1
