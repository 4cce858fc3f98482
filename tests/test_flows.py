"""Resident conversations through the channel-agnostic handler, on a real database."""

from __future__ import annotations

from sqlalchemy import func, select

from conversations import checklist
from core.messages import BUTTON, COMMAND, MEDIA, Inbound, Media, Outbound
from handlers.context import BotContext
from handlers.router import handle
from models import DialogState, MessageLog
from tests.conftest import say


async def _log(ctx: BotContext) -> list[MessageLog]:
    async with ctx.sessions() as session:
        return list((await session.scalars(select(MessageLog).order_by(MessageLog.id))).all())


async def test_start_greets_and_shows_the_main_menu(bot: BotContext) -> None:
    [reply] = await handle(bot, Inbound("shell", "r1", COMMAND, text="/start"))
    assert "Cầu Nối" in reply.text
    payloads = [b.data for b in reply.choices()]
    assert {"faq", "gloss", "help", "human"} <= set(payloads)


async def test_free_text_is_answered_with_source_and_logged(bot: BotContext) -> None:
    [reply] = await say(bot, "đăng ký định danh mức 2 có mất tiền không")
    assert reply.action == "answer" and reply.intent == "cost"
    assert reply.text.startswith(bot.knowledge.entries["cost"].answer)
    assert "Nguồn:" in reply.text
    inbound, outbound = await _log(bot)
    assert (inbound.direction, inbound.intent, inbound.action) == ("in", "cost", "answer")
    assert inbound.confidence and inbound.confidence > 0 and inbound.handling_ms is not None
    assert outbound.direction == "out" and outbound.intent == "cost"


async def test_clarification_offers_choices_and_a_typed_number_picks_one(bot: BotContext) -> None:
    [reply] = await say(bot, "dinh danh")
    assert reply.action == "clarify"
    faq_choices = [b.data for b in reply.choices() if b.data.startswith("faq:")]
    assert 2 <= len(faq_choices) <= 3
    assert reply.choices()[-1].data == "human"
    [picked] = await say(bot, "2")
    assert picked.intent == faq_choices[1].removeprefix("faq:")
    assert picked.action == "answer"


async def test_numbers_without_a_pending_choice_are_matched_as_text(bot: BotContext) -> None:
    [reply] = await say(bot, "3", user="fresh")
    assert reply.action in {"escalate", "clarify"}
    assert reply.intent is None


async def test_browsing_categories_to_an_answer(bot: BotContext) -> None:
    [categories] = await handle(bot, Inbound("shell", "r1", BUTTON, payload="faq"))
    first_category = categories.choices()[0].data
    assert first_category.startswith("cat:")
    [questions] = await handle(bot, Inbound("shell", "r1", BUTTON, payload=first_category))
    first_question = questions.choices()[0].data
    [answer] = await handle(bot, Inbound("shell", "r1", BUTTON, payload=first_question))
    assert answer.intent == first_question.removeprefix("faq:")


async def test_asking_for_a_person_escalates(bot: BotContext) -> None:
    [reply] = await say(bot, "cho tôi gặp cán bộ")
    assert (reply.intent, reply.action) == ("human", "escalate")
    [by_command] = await handle(bot, Inbound("shell", "r1", COMMAND, text="/canbo"))
    assert by_command.action == "escalate"


async def test_out_of_scope_gets_no_eid_answer(bot: BotContext) -> None:
    for text in ["giá lúa hôm nay bao nhiêu", "kể chuyện cười đi", "asdkjh qwpoe zxmnb"]:
        [reply] = await say(bot, text)
        assert reply.intent is None, text
        assert "human" in [b.data for b in reply.choices()]


async def test_codes_are_masked_in_the_log_and_the_resident_is_warned(bot: BotContext) -> None:
    [reply] = await say(bot, "mã OTP của tui là 482913 sao nhập không được")
    assert "OTP" in reply.text.split("\n\n")[0]
    assert "482913" not in reply.text
    stored = " ".join(row.text_masked for row in await _log(bot))
    assert "482913" not in stored
    [reply] = await say(bot, "so cccd 044095001234 lam dinh danh o dau")
    assert "044095001234" not in " ".join(row.text_masked for row in await _log(bot))
    assert reply.text.startswith("⚠️")


async def test_bad_input_gets_a_polite_reply_and_is_stored_safely(bot: BotContext) -> None:
    cases = [
        "",
        "   \n\t ",
        "😀😀😀",
        "\x00\x01\x02",
        "a" * 10_000,
        "你好，请问",
        "'; DROP TABLE users; --",
        "<script>alert(1)</script>",
    ]
    for text in cases:
        replies = await say(bot, text)
        assert len(replies) == 1 and replies[0].text, repr(text[:20])
    rows = await _log(bot)
    assert len([r for r in rows if r.direction == "in"]) == len(cases)
    assert all(len(r.text_masked) <= 2000 and "\x00" not in r.text_masked for r in rows)


async def test_a_redelivered_platform_message_is_answered_once(bot: BotContext) -> None:
    first = await say(bot, "tải vneid ở đâu", platform_msg_id="42")
    again = await say(bot, "tải vneid ở đâu", platform_msg_id="42")
    assert len(first) == 1 and again == []
    async with bot.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.direction == "in"))
    assert count == 1


async def test_media_unknown_commands_and_tampered_buttons_get_kind_replies(bot: BotContext) -> None:
    [voice] = await handle(bot, Inbound("shell", "r1", MEDIA, media=(Media("voice", "file-1"),)))
    assert "thoại" in voice.text and "human" in [b.data for b in voice.choices()]
    [unknown] = await handle(bot, Inbound("shell", "r1", COMMAND, text="/xyz"))
    assert "/menu" in unknown.text
    for payload in ["faq:not_a_topic", "cat:../../etc", "💥" * 40, ""]:
        [stale] = await handle(bot, Inbound("shell", "r1", BUTTON, payload=payload))
        assert stale.choices()[0].data == "menu"


async def test_glossary_lookup_with_and_without_diacritics(bot: BotContext) -> None:
    [with_marks] = await handle(bot, Inbound("shell", "r1", COMMAND, text="/tukho SIM chính chủ"))
    [without] = await handle(bot, Inbound("shell", "r1", COMMAND, text="/tukho sim chinh chu"))
    assert with_marks.text == without.text
    assert "chính chủ" in with_marks.text.lower()
    [missing] = await handle(bot, Inbound("shell", "r1", COMMAND, text="/tukho xyzabc"))
    assert "chưa có" in missing.text


async def test_pending_choices_survive_a_new_context(bot: BotContext, database_url: str) -> None:
    from handlers.context import open_context
    from tests.conftest import KNOWLEDGE_DIR

    [reply] = await say(bot, "dinh danh", user="restarted")
    wanted = next(b.data for b in reply.choices()).removeprefix("faq:")
    restarted, engine = await open_context(database_url, KNOWLEDGE_DIR)
    try:
        [picked] = await say(restarted, "1", user="restarted")
    finally:
        await engine.dispose()
    assert picked.intent == wanted
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DialogState)) >= 1


async def test_feedback_is_stored_and_a_thumbs_down_offers_other_questions(bot: BotContext) -> None:
    [answer] = await say(bot, "quên passcode vneid thì làm sao")
    payloads = [b.data for b in answer.choices()]
    up = next(p for p in payloads if p.startswith("fb:up:"))
    down = next(p for p in payloads if p.startswith("fb:down:"))
    [thanks] = await handle(bot, Inbound("shell", "resident-1", BUTTON, payload=up))
    assert "Cảm ơn" in thanks.text
    [others] = await handle(bot, Inbound("shell", "resident-1", BUTTON, payload=down))
    suggested = [b.data for b in others.choices()]
    assert 2 <= len([p for p in suggested if p.startswith("faq:")]) <= 3
    assert f"faq:{answer.intent}" not in suggested and suggested[-1] == "human"
    question = next(row for row in await _log(bot) if row.direction == "in" and row.kind == "text")
    assert question.feedback == "down"


async def test_feedback_on_someone_elses_question_is_refused(bot: BotContext) -> None:
    [answer] = await say(bot, "tải vneid ở đâu", user="owner")
    down = next(b.data for b in answer.choices() if b.data.startswith("fb:down:"))
    [refused] = await handle(bot, Inbound("shell", "stranger", BUTTON, payload=down))
    assert refused.choices()[0].data == "menu"
    assert all(row.feedback is None for row in await _log(bot))


async def test_answers_with_hard_words_offer_their_explanations(bot: BotContext) -> None:
    [answer] = await say(bot, "không nhận được mã otp kích hoạt")
    terms = next(b.data for b in answer.choices() if b.data.startswith("terms:"))
    [explained] = await handle(bot, Inbound("shell", "resident-1", BUTTON, payload=terms))
    assert "Từ khó" in explained.text and ":" in explained.text


async def test_voice_and_photo_file_ids_are_kept_for_a_person(bot: BotContext) -> None:
    await handle(bot, Inbound("shell", "r1", MEDIA, media=(Media("voice", "voice-file-9"),)))
    [row] = [r for r in await _log(bot) if r.direction == "in"]
    assert row.attachments == [{"kind": "voice", "file_id": "voice-file-9"}]


async def _press(ctx: BotContext, payload: str, user: str = "resident-1") -> Outbound:
    [reply] = await handle(ctx, Inbound("shell", user, BUTTON, payload=payload))
    return reply


async def test_checklist_from_start_to_a_personal_plan(bot: BotContext) -> None:
    reply = await _press(bot, "ck:start")
    assert reply.text.startswith("Câu 1")
    for payload in ["ck:age:adult", "ck:card:no", "ck:sim:no", "ck:phone:no", "ck:registered:no"]:
        assert payload in [b.data for b in reply.choices()]
        reply = await _press(bot, payload)
    assert reply.action == "checklist"
    links = [b.data for b in reply.choices() if b.data.startswith("faq:")]
    assert "faq:no_chip_id" in links and "faq:sim_not_own_name" in links
    assert "human" in [b.data for b in reply.choices()]
    async with bot.sessions() as session:
        assert await checklist.active(session, (await _user_id(bot, "resident-1"))) is None


async def _user_id(ctx: BotContext, external: str) -> int:
    from models import User

    async with ctx.sessions() as session:
        return (await session.scalars(select(User.id).where(User.external_id == external))).one()


async def test_checklist_back_cancel_typed_numbers_and_free_text_in_between(bot: BotContext) -> None:
    await _press(bot, "ck:start")
    second = await _press(bot, "ck:age:adult")
    assert second.text.startswith("Câu 2")
    back = await _press(bot, "ck:back")
    assert back.text.startswith("Câu 1")
    [typed] = await say(bot, "2")
    assert typed.text.startswith("Câu 2")
    [answer] = await say(bot, "làm định danh có mất tiền không")
    assert answer.intent == "cost"
    assert answer.choices()[-1].data == "ck:resume"
    resumed = await _press(bot, "ck:resume")
    assert resumed.text.startswith("Câu 2")
    cancelled = await _press(bot, "ck:cancel")
    assert "dừng" in cancelled.text
    assert (await _press(bot, "ck:card:yes")).choices()[0].data == "menu"


async def test_checklist_continues_after_a_restart(bot: BotContext, database_url: str) -> None:
    from handlers.context import open_context
    from tests.conftest import KNOWLEDGE_DIR

    await _press(bot, "ck:start", user="restart")
    await _press(bot, "ck:age:adult", user="restart")
    restarted, engine = await open_context(database_url, KNOWLEDGE_DIR)
    try:
        third = await _press(restarted, "ck:card:yes", user="restart")
    finally:
        await engine.dispose()
    assert third.text.startswith("Câu 3")


async def test_checklist_rejects_answers_for_another_step(bot: BotContext) -> None:
    await _press(bot, "ck:start")
    for forged in ["ck:sms:yes", "ck:age:old", "ck:nope", "ck:"]:
        assert (await _press(bot, forged)).choices()[0].data == "menu"
    assert (await _press(bot, "ck:age:child")).text.startswith("Câu 2")
