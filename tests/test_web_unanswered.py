"""The "Bot chưa trả lời" page: unanswered questions from a known history grouped with counts and
reasons, teaching one to an entry (and the running bot answering it after reloading), starting a new
entry, reviewing volunteers' "Dạy bot" suggestions, admins only with CSRF; and the grouping itself."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.helpdesk.communes import save_commune
from core.knowledge.editing import add_pending_paraphrase
from core.knowledge.versions import current_version
from core.stats import unanswered
from core.stats.unanswered import CLARIFIED, NOT_UNDERSTOOD, THRESHOLD, THUMBS_DOWN, Question, group_questions
from handlers.context import BotContext
from models import AuditEntry, FaqParaphrase, MessageLog, User
from tests.dashboard import csrf_of, log_in, make_account, web_client
from tests.fixtures import say

VN = timedelta(hours=7)
PERIOD = "from=2026-11-02&to=2026-11-03"
ENTRY = "forgot_passcode"
SAMPLE = "cái mã số bí mật của ứng dụng công an tui lỡ quên mất tiêu"
UNMARKED = "cai ma so bi mat cua ung dung cong an tui lo quen mat tieu"
TYPO = "cái mã số bí mật của ứng dụng công an tui lỡ quên mất tiu"
OTHER = "giá lúa hôm nay bao nhiêu"
GROUP_ROW = re.compile(r'<tr data-group="\d+">(.*?)</tr>', re.S)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in Vietnamese local time (November 2026), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - VN


def now() -> datetime:
    return local(4, 9)


async def _history(sessions: async_sessionmaker[AsyncSession]) -> None:
    """SAMPLE asked five ways in two communes (clarified twice, not understood, 👎 after a wrong answer,
    and once the day before the period); OTHER not understood twice; what must not count beside."""
    async with sessions() as session, session.begin():
        await save_commune(session, "xa-a", "Xã A")
        await save_commune(session, "xa-b", "Xã B")
        users = [User(channel="telegram", external_id=str(n), commune=c) for n, c in enumerate(["xa-a", "xa-b"])]
        session.add_all(users)
        await session.flush()
        a, b = users

        def asked(user: User, text: str, at: datetime, action: str, **values: object) -> MessageLog:
            return MessageLog(
                user_id=user.id,
                channel="telegram",
                direction="in",
                commune=user.commune,
                kind="text",
                text_masked=text,
                created_at=at,
                action=action,
                **values,
            )

        session.add_all(
            [
                asked(a, SAMPLE, local(2, 8), "clarify"),
                asked(b, SAMPLE, local(2, 9), "clarify"),
                asked(a, UNMARKED, local(2, 10), "escalate"),
                asked(b, TYPO, local(3, 11), "answer", intent="lost_phone", feedback="down"),
                asked(a, SAMPLE, local(1, 23), "clarify"),  # the day before the period
                asked(b, OTHER, local(3, 8), "escalate"),
                asked(b, OTHER, local(3, 9), "escalate"),
                asked(a, "quên mật khẩu vneid", local(2, 8), "answer", intent=ENTRY),  # answered
                asked(a, "cho tui gặp cán bộ", local(2, 8), "escalate", intent="human"),  # asked for a person
                MessageLog(
                    user_id=a.id, channel="telegram", direction="out", text_masked=SAMPLE, created_at=local(2, 8)
                ),
            ]
        )


def _groups(page: str) -> list[tuple[str, int, str, str]]:
    """(question, count, reasons, guesses) of each group row on the page."""
    out = []
    for row in GROUP_ROW.findall(page):
        text = re.search(r"<span class=\"question\" data-text>(.*?)</span>", row)
        count = re.search(r"<td data-count>(\d+)</td>", row)
        reasons = re.search(r"<td data-reasons>(.*?)</td>", row, re.S)
        guesses = re.search(r"<td data-guess>(.*?)</td>", row, re.S)
        assert text and count and reasons and guesses
        out.append((text.group(1), int(count.group(1)), reasons.group(1), re.sub(r"<.*?>", "", guesses.group(1))))
    return out


def _suggested(page: str, question: str) -> list[str]:
    """The entry ids the page suggests first for the group of `question`."""
    for row in GROUP_ROW.findall(page):
        if f"data-text>{question}<" in row:
            block = re.search(r'<optgroup label="Gợi ý">(.*?)</optgroup>', row, re.S)
            assert block
            return re.findall(r'<option value="([^"]+)">', block.group(1))
    raise AssertionError(f"no group for {question}")


async def test_the_page_groups_unanswered_questions_with_counts_and_reasons(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    await _history(bot.sessions)
    async with web_client(bot, clock=now) as client:
        await log_in(client, "quan-tri")
        page = await (await client.get(f"/unanswered?{PERIOD}")).text()
        only_b = await (await client.get(f"/unanswered?{PERIOD}&commune=xa-b")).text()
        bad = await client.get("/unanswered?from=hom-qua")
        assert bad.status == 400 and 'role="alert"' in await bad.text()
    guessed = bot.knowledge.entries["lost_phone"].question
    assert _groups(page) == [
        (SAMPLE, 4, "bot hỏi lại: 2<br>bot không hiểu: 1<br>👎: 1", f"{guessed} (1)"),
        (OTHER, 2, "bot không hiểu: 2", "–"),
    ]
    assert "3 cách hỏi" in page and UNMARKED in page and TYPO in page
    assert _suggested(page, SAMPLE) == bot.knowledge.matcher.alternatives(SAMPLE, limit=5)
    assert _groups(only_b) == [  # a tie of counts: the group asked last first; of texts: the shorter
        (TYPO, 2, "bot hỏi lại: 1<br>👎: 1", f"{guessed} (1)"),
        (OTHER, 2, "bot không hiểu: 2", "–"),
    ]


async def test_teaching_a_question_makes_the_running_bot_answer_it(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    await _history(bot.sessions)
    assert bot.knowledge.matcher.match(SAMPLE).intent != ENTRY
    async with bot.sessions() as session:
        version = await current_version(session)
    async with web_client(bot, clock=now) as client:
        await log_in(client, "quan-tri")
        csrf = csrf_of(await (await client.get(f"/unanswered?{PERIOD}")).text())
        form = {"csrf": csrf, "back": PERIOD, "text": SAMPLE, "entry": ENTRY}
        taught = await client.post("/unanswered/teach", data=form, allow_redirects=False)
        assert taught.status == 303 and taught.headers["Location"] == f"/unanswered?{PERIOD}"
        page = await (await client.get(taught.headers["Location"])).text()
        assert "Đã dạy bot" in page
        again = await client.post("/unanswered/teach", data=form)
        assert "Không thêm được" in await again.text()  # the entry has it already
    assert await bot.reload_knowledge()
    assert bot.knowledge_version == version + 1
    [reply] = await say(bot, SAMPLE)
    assert (reply.action, reply.intent) == ("answer", ENTRY)
    async with bot.sessions() as session:
        [added] = await session.scalars(select(FaqParaphrase).where(FaqParaphrase.text == SAMPLE))
        [entry] = await session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.paraphrase.add"))
    assert (added.entry_id, added.status, added.origin) == (ENTRY, "active", "admin")
    assert (entry.actor, entry.target, entry.before) == ("web:quan-tri", ENTRY, None)
    assert entry.after == {"text": SAMPLE, "status": "active", "origin": "admin"}


async def test_a_question_can_start_a_new_entry(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    async with web_client(bot, clock=now) as client:
        await log_in(client, "quan-tri")
        csrf = csrf_of(await (await client.get("/unanswered")).text())
        form = {"csrf": csrf, "text": OTHER, "entry": ENTRY, "new": "1"}
        started = await client.post("/unanswered/teach", data=form, allow_redirects=False)
        assert started.status == 303
        location = urlsplit(started.headers["Location"])
        assert location.path == "/knowledge/new" and parse_qs(location.query) == {"question": [OTHER]}
        editor = await (await client.get(started.headers["Location"])).text()
    assert f'name="question" value="{OTHER}"' in editor
    assert f">{OTHER}</textarea>" in editor  # its first paraphrase
    async with bot.sessions() as session:
        assert list(await session.scalars(select(FaqParaphrase).where(FaqParaphrase.text == OTHER))) == []


async def test_an_admin_approves_and_rejects_what_volunteers_taught(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    async with bot.sessions() as session, session.begin():
        assert await add_pending_paraphrase(session, ENTRY, SAMPLE)
        assert await add_pending_paraphrase(session, "lost_phone", OTHER)
        version = await current_version(session)
        ids = {
            p.text: p.id for p in await session.scalars(select(FaqParaphrase).where(FaqParaphrase.status == "pending"))
        }
    async with web_client(bot, clock=now) as client:
        await log_in(client, "quan-tri")
        page = await (await client.get("/unanswered")).text()
        assert f'<tr data-pending="{ids[SAMPLE]}">' in page and f'<tr data-pending="{ids[OTHER]}">' in page
        csrf = csrf_of(page)
        approve = {"csrf": csrf, "id": str(ids[SAMPLE]), "decision": "approve"}
        assert "Đã duyệt 1 câu" in await (await client.post("/unanswered/review", data=approve)).text()
        assert "không còn chờ duyệt" in await (await client.post("/unanswered/review", data=approve)).text()
        reject = {"csrf": csrf, "id": str(ids[OTHER]), "decision": "reject"}
        after = await (await client.post("/unanswered/review", data=reject)).text()
        assert "Đã bỏ 1 câu" in after and "Không có câu nào chờ duyệt" in after
        bad = {"csrf": csrf, "id": "một", "decision": "approve"}
        assert "Nút không hợp lệ" in await (await client.post("/unanswered/review", data=bad)).text()
    async with bot.sessions() as session:
        statuses = {
            p.text: p.status
            for p in await session.scalars(select(FaqParaphrase).where(FaqParaphrase.id.in_(ids.values())))
        }
        audit = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("faq.paraphrase.%")).order_by(AuditEntry.id)
            )
        )
        assert await current_version(session) == version + 1
    assert statuses == {SAMPLE: "active", OTHER: "rejected"}
    assert [(a.action, a.target, (a.before or {}).get("status"), (a.after or {}).get("status")) for a in audit] == [
        ("faq.paraphrase.approve", str(ids[SAMPLE]), "pending", "active"),
        ("faq.paraphrase.reject", str(ids[OTHER]), "pending", "rejected"),
    ]


async def test_only_admins_teach_and_every_form_needs_its_csrf_value(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    await make_account(bot.sessions, "tnv", "volunteer", "xa-a")
    async with bot.sessions() as session, session.begin():
        assert await add_pending_paraphrase(session, ENTRY, SAMPLE)
        [pending] = await session.scalars(select(FaqParaphrase.id).where(FaqParaphrase.status == "pending"))
        version = await current_version(session)
    teach = {"text": SAMPLE, "entry": ENTRY}
    approve = {"id": str(pending), "decision": "approve"}
    async with web_client(bot, clock=now) as client:
        anonymous = await client.get("/unanswered", allow_redirects=False)
        assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/login")
        await log_in(client, "tnv")
        csrf = csrf_of(await (await client.get("/")).text())
        assert (await client.get("/unanswered")).status == 403
        assert (await client.post("/unanswered/teach", data={"csrf": csrf, **teach})).status == 403
        assert (await client.post("/unanswered/review", data={"csrf": csrf, **approve})).status == 403
    async with web_client(bot, clock=now) as client:
        await log_in(client, "quan-tri")
        assert (await client.post("/unanswered/teach", data={"csrf": "sai", **teach})).status == 403
        assert (await client.post("/unanswered/review", data={"csrf": "sai", **approve})).status == 403
        assert (await client.post("/unanswered/teach", data=teach)).status == 403
    async with bot.sessions() as session:
        assert await current_version(session) == version
        rows = list(await session.scalars(select(FaqParaphrase).where(FaqParaphrase.text == SAMPLE)))
        assert [(r.status, r.origin) for r in rows] == [("pending", "volunteer")]
        assert list(await session.scalars(select(AuditEntry).where(AuditEntry.action.like("faq.paraphrase.%")))) == []


def _question(text: str, action: str = "clarify", intent: str | None = None, feedback: str | None = None) -> Question:
    return Question(text, datetime(2026, 11, 2, tzinfo=UTC), action=action, intent=intent, feedback=feedback)


def test_spellings_of_one_question_are_grouped_and_other_questions_kept_apart() -> None:
    questions = [
        _question("Quên mật khẩu VNeID thì làm sao"),
        _question("quen mat khau vneid thi lam sao"),
        _question("quen mak khau vneid thi lam sao"),  # a typo
        _question("Quên   mật khẩu VNeID thì làm sao ạ", "answer", intent=ENTRY, feedback="down"),
        _question("Quên mật khẩu VNeID thì làm sao", "escalate"),
        _question("cho em hỏi cách kích hoạt tài khoản"),
        _question("cho em hỏi cách đổi số điện thoại"),
        _question(OTHER, "escalate"),
    ]
    groups = group_questions(questions)
    assert [(g.text, g.count, g.distinct) for g in groups] == [
        ("Quên mật khẩu VNeID thì làm sao", 5, 4),
        ("cho em hỏi cách kích hoạt tài khoản", 1, 1),  # then by text: "k" sorts before "đ"
        ("cho em hỏi cách đổi số điện thoại", 1, 1),
        (OTHER, 1, 1),
    ]
    first = groups[0]
    assert first.members[0] == ("Quên mật khẩu VNeID thì làm sao", 2)
    assert ("Quên mật khẩu VNeID thì làm sao ạ", 1) in first.members  # spaces collapsed
    assert first.reasons == {CLARIFIED: 3, NOT_UNDERSTOOD: 1, THUMBS_DOWN: 1}
    assert first.intents == ((ENTRY, 1),)
    assert group_questions(questions, limit=2) == groups[:2]


def test_a_group_joins_around_its_seed_and_does_not_drift() -> None:
    """Single letters are one trigram each, so the similarities are exact: A~B and B~C are 8/12, A~C 6/14."""
    a, b, c = "a b c d e f g h i j", "a b c d e f g h k l", "a b c d e f k l m n"
    groups = group_questions([_question(a)] * 3 + [_question(b)] * 2 + [_question(c)])
    assert [(g.text, g.count) for g in groups] == [(a, 5), (c, 1)]
    assert [(g.text, g.count) for g in group_questions([_question(b), _question(a)])] == [(a, 2)]  # first by name


def test_a_question_joins_at_the_threshold_and_not_below_it() -> None:
    seed, at, below = "a b c d e f g h", "a b c d e f k l", "a b c d e f k l m"  # 6/10 and 6/11
    assert [g.count for g in group_questions([_question(seed)] * 2 + [_question(at)])] == [3]
    assert [g.count for g in group_questions([_question(seed)] * 2 + [_question(below)])] == [2, 1]
    assert THRESHOLD == 0.6 and f"`THRESHOLD` ({THRESHOLD})" in str(unanswered.__doc__)


def test_the_groups_do_not_depend_on_the_order_of_the_questions() -> None:
    words = ["quen mat khau vneid", "kich hoat tai khoan", "doi so dien thoai", "mat can cuoc lam lai"]
    rng = random.Random(7)
    questions = []
    for n in range(120):
        text = list(rng.choice(words))
        if n % 3:
            spot = rng.randrange(len(text))
            text[spot] = rng.choice("abcdeghiklmnopqrstuvxy")
        action, feedback = rng.choice([("clarify", None), ("escalate", None), ("answer", "down")])
        at = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(minutes=n)
        commune = rng.choice(["xa-a", "xa-b"])
        questions.append(Question("".join(text), at, commune, action=action, feedback=feedback))
    expected = group_questions(questions)
    assert sum(g.count for g in expected) == 120 and len(expected) < 60
    for _ in range(5):
        rng.shuffle(questions)
        assert group_questions(questions) == expected
