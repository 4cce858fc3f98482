"""Resident conversations through the channel-agnostic handler, on a real database."""

from __future__ import annotations

from sqlalchemy import func, select

from conversations import checklist
from core.language.i18n import translator
from core.messages import BUTTON, COMMAND, MEDIA, Inbound, Media, Outbound
from handlers.context import BotContext
from handlers.router import handle
from models import DialogState, MessageLog
from tests.fixtures import say


async def _log(ctx: BotContext) -> list[MessageLog]:
    async with ctx.sessions() as session:
        return list((await session.scalars(select(MessageLog).order_by(MessageLog.id))).all())


async def test_start_greets_shows_the_main_menu_and_offers_settings_once(bot: BotContext) -> None:
    reply, offer = await handle(bot, Inbound("shell", "r1", COMMAND, text="/start"))
    assert "Cầu Nối" in reply.text
    payloads = [b.data for b in reply.choices()]
    assert {"faq", "ck:start", "gloss", "help", "human"} <= set(payloads)
    assert [b.data for b in offer.choices()] == ["st:start", "menu"]
    await _press(bot, "st:start", user="r1")
    await _press(bot, "st:lang:vi", user="r1")
    await say(bot, "Dân Hóa", user="r1")
    assert len(await handle(bot, Inbound("shell", "r1", COMMAND, text="/start"))) == 1


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
    [sticker] = await handle(bot, Inbound("shell", "r1", MEDIA, media=(Media("sticker", "file-0"),)))
    assert "chữ" in sticker.text and "human" in [b.data for b in sticker.choices()]
    [voice] = await handle(bot, Inbound("shell", "r1", MEDIA, media=(Media("voice", "file-1"),)))
    assert "thoại" in voice.text and "es:skip" in [b.data for b in voice.choices()]
    await handle(bot, Inbound("shell", "r1", BUTTON, payload="es:back"))
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
    from tests.fixtures import KNOWLEDGE_DIR

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
    from tests.fixtures import KNOWLEDGE_DIR

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


async def test_settings_language_commune_and_village_with_typed_names(bot: BotContext) -> None:
    from core.helpdesk.communes import save_commune
    from models import User

    async with bot.sessions() as session, session.begin():
        await save_commune(session, "thuong-trach", "Thượng Trạch", is_default=True)
        await save_commune(session, "dan-hoa", "Dân Hóa")
    [start] = await handle(bot, Inbound("shell", "s1", COMMAND, text="/caidat"))
    assert {"st:lang:vi", "st:lang:en", "st:lang:bru", "st:lang:pac", "st:skip"} <= {b.data for b in start.choices()}
    communes = await _press(bot, "st:lang:en", user="s1")
    assert [b.data for b in communes.choices()][:2] == ["st:commune:thuong-trach", "st:commune:dan-hoa"]
    [village] = await say(bot, "dan hoa", user="s1")
    assert "village" in village.text.lower() or "thôn" in village.text
    [question] = await say(bot, "quên mật khẩu vneid thì làm sao", user="s1")
    assert question.intent == "forgot_passcode"
    [done] = await say(bot, "Bản Ón", user="s1")
    assert "/caidat" in done.text
    async with bot.sessions() as session:
        user = (await session.scalars(select(User).where(User.external_id == "s1"))).one()
    assert (user.language, user.commune, user.village) == ("en", "dan-hoa", "Bản Ón")


async def test_settings_steps_can_be_skipped_and_forged_payloads_refused(bot: BotContext) -> None:
    await handle(bot, Inbound("shell", "s2", COMMAND, text="/caidat"))
    assert (await _press(bot, "st:lang:xx", user="s2")).choices()[0].data == "menu"
    await _press(bot, "st:skip", user="s2")
    await _press(bot, "st:skip", user="s2")
    assert "/caidat" in (await _press(bot, "st:skip", user="s2")).text
    assert (await _press(bot, "st:skip", user="s2")).choices()[0].data == "menu"


async def test_a_flood_gets_one_gentle_reply_and_everything_is_logged(bot: BotContext) -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    replies = []
    for second in range(25):
        sent_at = start + timedelta(seconds=second)
        replies.append(await say(bot, f"tin nhắn số {second}", user="flood", received_at=sent_at))
    assert all(len(r) == 1 for r in replies[:20])
    assert [len(r) for r in replies[20:]] == [1, 0, 0, 0, 0]
    assert "nhanh" in replies[20][0].text
    later = await say(bot, "tải vneid ở đâu", user="flood", received_at=start + timedelta(minutes=3))
    assert len(later) == 1 and later[0].intent == "install_app"
    inbound = [r for r in await _log(bot) if r.direction == "in"]
    assert len(inbound) == 26


async def test_clicking_through_dialogs_is_never_taken_for_a_flood(bot: BotContext) -> None:
    """A resident pressing a button every 2 s for two minutes (60 presses) is answered every time,
    and typing is still limited on its own count; the notice comes back at most once a minute."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    presses = []
    for n in range(60):
        at = start + timedelta(seconds=2 * n)
        presses.append(await handle(bot, Inbound("shell", "clicker", BUTTON, payload="menu", received_at=at)))
    assert all(len(reply) == 1 and reply[0].action != "flood" for reply in presses)
    question = "tải vneid ở đâu"
    typed = [await say(bot, question, user="clicker", received_at=start + timedelta(seconds=n)) for n in range(30)]
    assert sum(1 for reply in typed if reply and reply[0].action == "flood") == 1
    again = [await say(bot, question, user="clicker", received_at=start + timedelta(seconds=61 + n)) for n in range(21)]
    assert sum(1 for reply in again if reply and reply[0].action == "flood") == 1  # once a minute, not more
    later = await say(bot, "tải vneid ở đâu", user="clicker", received_at=start + timedelta(minutes=5))
    assert later and later[0].intent == "install_app"


async def test_the_labels_on_screen_are_accepted_when_typed(bot: BotContext) -> None:
    """Typing a button's label works like pressing it: in a dialog, tolerant of marks, case, emoji and a
    slip; the main menu's labels work anywhere; a label that is not on screen is just text."""
    [first] = await say(bot, "toi can lam gi", user="typist")
    assert "Câu 1" in first.text
    [second] = await say(bot, "tu 14 tuoi tro len", user="typist")
    assert "Câu 2" in second.text
    [third] = await say(bot, "Có rồi!", user="typist")
    assert "Câu 3" in third.text
    [fourth] = await say(bot, "khong hoac khng biet", user="typist")  # one slip in a long label
    assert "Câu 4" in fourth.text
    [answer] = await say(bot, "tải vneid ở đâu", user="other-typist")
    assert answer.intent == "install_app"
    [not_a_choice] = await say(bot, "có rồi", user="other-typist")
    assert "Câu" not in not_a_choice.text


async def test_a_hard_word_asked_in_free_text_gets_its_glossary_entry(bot: BotContext) -> None:
    """ "otp là gì" is a glossary word, not the level-2 definition; an FAQ topic asked the same way
    still gets its FAQ answer."""
    [otp] = await say(bot, "otp là gì", user="words")
    [term] = bot.knowledge.glossary.lookup("OTP")
    assert term.explanation in otp.text and otp.intent is None
    [nfc] = await say(bot, "NFC nghĩa là gì vậy", user="words")
    assert bot.knowledge.glossary.lookup("NFC")[0].explanation in nfc.text
    [level2] = await say(bot, "định danh điện tử mức 2 là gì", user="words")
    assert level2.intent == "what_is_level2"


async def test_a_request_for_a_person_inside_a_message_starts_the_intake_with_the_problem(bot: BotContext) -> None:
    [ask] = await say(bot, "tôi cài VNeID rồi mà không đăng nhập được, cho tôi gặp cán bộ", user="asker")
    assert "thôn" in ask.text  # the problem is known: only the village is asked
    [opened] = await say(bot, "bản Ka Ai", user="asker")
    assert "#1" in opened.text
    [where] = await say(bot, "muốn gặp cán bộ ở đâu", user="asker-2")
    assert "#" not in where.text and "thôn" not in where.text.split("\n")[0]


async def test_choosing_english_speaks_english_from_the_next_prompt(bot: BotContext) -> None:
    await handle(bot, Inbound("shell", "en-1", COMMAND, text="/caidat"))
    prompt = await _press(bot, "st:lang:en", user="en-1")
    assert (
        prompt.text == translator("en")("Bạn ở xã nào? Chọn, hoặc gõ tên xã.") != "Bạn ở xã nào? Chọn, hoặc gõ tên xã."
    )


async def test_a_long_answer_fits_a_phone_screen_and_the_rest_is_one_press_away(bot: BotContext) -> None:
    """Every answer over 450 characters shows its first part (with a short source) and a "Xem thêm"
    button; the two parts together are the whole answer, nothing lost."""
    long_entries = [e for e in bot.knowledge.entries.values() if len(e.answer) > 450]
    assert long_entries
    for entry in long_entries:
        reply = await _press(bot, f"faq:{entry.id}", user="reader")
        main = reply.text.split("\n\nNguồn:")[0]
        assert len(main) <= 450 and f"more:{entry.id}:vi" in [b.data for b in reply.choices()]
        rest = await _press(bot, f"more:{entry.id}", user="reader")
        rest_text = rest.text.split("\n\nNguồn:")[0]
        assert " ".join(f"{main} {rest_text}".split()) == " ".join(entry.answer.split())
        assert entry.source in rest.text
    short = next(e for e in bot.knowledge.entries.values() if len(e.answer) <= 450 and e.source)
    assert "more:" not in " ".join(b.data for b in (await _press(bot, f"faq:{short.id}", user="reader")).choices())


async def test_a_short_follow_up_is_read_with_the_previous_question(bot: BotContext) -> None:
    [first] = await say(bot, "trẻ em dưới 14 tuổi có làm định danh được không", user="follow")
    assert first.intent == "children_under_14"
    assert bot.knowledge.matcher.match("còn 16 tuổi thì sao").action != "answer"  # alone it is unclear
    [follow] = await say(bot, "còn 16 tuổi thì sao", user="follow")
    assert follow.intent == "eligibility_age"  # the same question, for someone of 16: the age slot changed
    [fresh] = await say(bot, "còn 16 tuổi thì sao", user="newcomer")  # no earlier question: no context
    assert fresh.intent != "eligibility_age"


async def test_a_second_question_in_the_message_is_offered_as_a_button(bot: BotContext) -> None:
    [reply] = await say(bot, "quên mật khẩu vneid. với lại đổi số điện thoại thì làm sao", user="two")
    offered = [b.data for b in reply.choices()]
    if reply.action == "answer":  # one answered, the other offered first
        other = "faq:changed_phone_number" if reply.intent == "forgot_passcode" else "faq:forgot_passcode"
        assert reply.intent in {"forgot_passcode", "changed_phone_number"} and offered.index(other) == 0
    else:  # unsure which comes first: both offered
        assert reply.action == "clarify" and {"faq:forgot_passcode", "faq:changed_phone_number"} <= set(offered)


async def test_two_problems_split_by_a_comma_both_get_an_answer_or_a_button(bot: BotContext) -> None:
    text = "thẻ căn cước của tôi bị mất, tôi cũng không nhận được mã kích hoạt"
    [reply] = await say(bot, text, user="two-comma")
    offered = {b.data for b in reply.choices()} | {f"faq:{reply.intent}"}
    assert {"faq:lost_id_card", "faq:no_activation_sms"} <= offered


async def test_a_resident_who_reads_little_is_told_who_helps(bot: BotContext) -> None:
    [reply] = await say(bot, "tôi đọc chữ ít, ai giúp tôi được", user="reads-little")
    assert reply.intent != "what_is_level2"
    assert reply.intent in {"team_schedule", "home_visit"} or reply.action == "escalate"


async def test_an_english_question_is_answered_in_english_with_english_buttons(bot: BotContext) -> None:
    [reply] = await say(bot, "I forgot my VNeID passcode, how can I reset it?", user="visitor")
    english = bot.knowledge.in_language("en").entries["forgot_passcode"]
    assert reply.intent == "forgot_passcode" and english.answer != bot.knowledge.entries["forgot_passcode"].answer
    assert reply.text.startswith(english.answer.split("\n")[0])
    labels = [b.label for b in reply.choices()]
    assert translator("en")("👍 Đúng rồi") in labels and "👍 Đúng rồi" not in labels
    long_entry = next(e for e in bot.knowledge.in_language("en").entries.values() if len(e.answer) > 450)
    reply = await _press(bot, f"more:{long_entry.id}:en", user="visitor")
    assert (
        reply.text.split("\n\n")[0] in long_entry.answer
        and reply.text not in bot.knowledge.entries[long_entry.id].answer
    )


async def test_a_resident_who_chose_english_reads_english_answers_and_topics(bot: BotContext) -> None:
    await handle(bot, Inbound("shell", "en-2", COMMAND, text="/caidat"))
    await _press(bot, "st:lang:en", user="en-2")
    [reply] = await say(bot, "đăng ký định danh mức 2 có mất tiền không", user="en-2")
    assert reply.intent == "cost"
    assert reply.text.startswith(bot.knowledge.in_language("en").entries["cost"].answer.split("\n")[0])
    topics = await _press(bot, "faq", user="en-2")
    titles = [b.label for b in topics.choices()]
    assert "Common problems" in titles and "Sự cố thường gặp" not in titles


async def test_a_problem_the_faq_answers_is_answered_at_once_and_the_request_goes_on(bot: BotContext) -> None:
    await handle(bot, Inbound("shell", "asks-1", COMMAND, text="/canbo"))
    answer, village = await say(bot, "tôi quên mật khẩu vneid", user="asks-1")
    assert (answer.action, answer.intent) == ("answer", "forgot_passcode") and "thôn" in village.text
    [opened] = await say(bot, "Bản Ka Ai", user="asks-1")
    assert "#1" in opened.text
    await handle(bot, Inbound("shell", "asks-2", COMMAND, text="/canbo"))
    [only] = await say(bot, "nhà tôi có chuyện riêng cần gặp", user="asks-2")  # nothing to answer: just the village
    assert "thôn" in only.text
