"""The bot's replies, built as channel-neutral `Outbound` messages in plain Vietnamese."""

from __future__ import annotations

from collections.abc import Iterable

from core.knowledge.faq import Category, Entry, KnowledgeBase
from core.language.i18n import Translate
from core.language.matcher import MatchResult
from core.messages import Button, Outbound
from core.payloads import pack

MENU = "menu"
HUMAN = "human"
HELP = "help"
GLOSSARY = "gloss"
FAQ = "faq"
CATEGORY = "cat"
FEEDBACK = "fb"
TERMS = "terms"
MORE = "more"
MAIN_ANSWER_CHARS = 450
CHECKLIST = "ck:start"


def human_button(_: Translate) -> Button:
    return Button(_("🙋 Gặp cán bộ"), HUMAN)


def menu_button(_: Translate) -> Button:
    return Button(_("🏠 Về menu"), MENU)


def main_menu(_: Translate, intro: str | None = None) -> Outbound:
    """The main menu: browse questions, hard words, a person, help."""
    text = intro or _("Bạn muốn làm gì? Bấm một nút, hoặc gõ câu hỏi của bạn.")
    return Outbound(
        text,
        buttons=(
            (Button(_("📚 Hỏi đáp"), FAQ), Button(_("🧭 Tôi cần làm gì?"), CHECKLIST)),
            (Button(_("📖 Từ khó"), GLOSSARY), Button(_("❓ Hướng dẫn"), HELP)),
            (human_button(_),),
        ),
    )


def welcome(_: Translate) -> Outbound:
    return main_menu(
        _,
        _(
            "Chào bạn! Mình là Cầu Nối, trợ lý của xã giúp bà con làm và dùng tài khoản "
            "định danh điện tử mức 2 (ứng dụng VNeID).\n\n"
            'Bạn cứ gõ câu hỏi, có dấu hay không dấu đều được. Ví dụ: "làm định danh ở đâu", '
            '"quên mật khẩu VNeID".\n'
            "Khi mình chưa chắc, mình sẽ hỏi lại hoặc nhờ cán bộ xã giúp."
        ),
    )


def help_text(_: Translate, commands: Iterable[tuple[str, str]]) -> Outbound:
    """How to use the bot, with the commands of the menu (from the dialog registry)."""
    listed = "\n".join(f"- /{name}: {_(description)}" for name, description in commands)
    return Outbound(
        _(
            "Cách dùng Cầu Nối:\n"
            "- Gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được.\n"
            "- Bấm số hoặc nút để chọn."
        )
        + ("\n" + listed if listed else "")
        + "\n\n"
        + _("Không bao giờ gửi mã OTP, mật khẩu hay số căn cước cho bất kỳ ai."),
        buttons=((menu_button(_),),),
    )


def categories(_: Translate, knowledge: KnowledgeBase) -> Outbound:
    rows = tuple((Button(c.title, pack(CATEGORY, c.id)),) for c in knowledge.browsable())
    return Outbound(_("Chọn chủ đề:"), buttons=(*rows, (menu_button(_),)))


def question_rows(knowledge: KnowledgeBase, intent_ids: Iterable[str]) -> tuple[tuple[Button, ...], ...]:
    """One button per FAQ question (its canonical wording), skipping ids that are not published."""
    return tuple((Button(knowledge.entries[i].question, pack(FAQ, i)),) for i in intent_ids if i in knowledge.entries)


def category_questions(_: Translate, knowledge: KnowledgeBase, category: Category) -> Outbound:
    rows = question_rows(knowledge, category.entry_ids)
    return Outbound(f"{category.title}\n" + _("Chọn câu hỏi:"), buttons=(*rows, (Button(_("⬅️ Chủ đề khác"), FAQ),)))


def answer(
    _: Translate,
    entry: Entry,
    result: MatchResult | None = None,
    *,
    question_id: int | None = None,
    has_hard_words: bool = False,
    language: str = "vi",
) -> Outbound:
    """An FAQ answer for a phone screen: its first part (at most `MAIN_ANSWER_CHARS`) with a short
    source and the review date, the rest behind "Xem thêm"; feedback buttons when it answered a question.
    The "Xem thêm" and "Từ khó" buttons carry the answer's `language`."""
    main, rest = split_answer(entry.answer)
    footer = _("Nguồn: {source}").format(source=short_source(entry.source)) if entry.source else ""
    if entry.reviewed_on:
        footer += " · " + _("cập nhật {date}").format(date=entry.reviewed_on.strftime("%d/%m/%Y"))
    text = f"{main}\n\n{footer}".strip()
    rows: list[tuple[Button, ...]] = []
    if rest:
        rows.append((Button(_("📄 Xem thêm"), pack(MORE, entry.id, language)),))
    if question_id is not None:
        rows.append(
            (
                Button(_("👍 Đúng rồi"), pack(FEEDBACK, "up", question_id)),
                Button(_("👎 Chưa đúng"), pack(FEEDBACK, "down", question_id)),
            )
        )
    if has_hard_words:
        rows.append((Button(_("📖 Từ khó"), pack(TERMS, entry.id, language)),))
    rows.append((human_button(_), menu_button(_)))
    return Outbound(
        text,
        buttons=tuple(rows),
        intent=entry.id,
        confidence=result.confidence if result else None,
        action="answer",
    )


def faq_answer(
    _: Translate,
    knowledge: KnowledgeBase,
    entry: Entry,
    result: MatchResult | None = None,
    *,
    question_id: int | None = None,
    language: str = "vi",
) -> Outbound:
    """`answer`, with its "Từ khó" button when the answer uses a glossary term."""
    hard = bool(knowledge.glossary.terms_in(entry.answer))
    return answer(_, entry, result, question_id=question_id, has_hard_words=hard, language=language)


def more(_: Translate, entry: Entry) -> Outbound:
    """The rest of a long answer, with its full source."""
    _main, rest = split_answer(entry.answer)
    source = "\n\n" + _("Nguồn: {source}").format(source=entry.source) if entry.source else ""
    return Outbound(f"{rest}{source}".strip(), buttons=((human_button(_), menu_button(_)),), intent=entry.id)


def split_answer(text: str, limit: int = MAIN_ANSWER_CHARS) -> tuple[str, str]:
    """The first part of an answer that fits `limit` (cut at a line, else a sentence, else a word), and the rest."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 3:
        cut = text.rfind(". ", 0, limit) + 1
    if cut < limit // 3:
        cut = text.rfind(" ", 0, limit)
    return text[:cut].rstrip(), text[cut:].strip()


def short_source(source: str) -> str:
    """The source's name without its details in brackets or after a semicolon, for the answer's footer."""
    short = source.split("(", 1)[0].split(";", 1)[0].strip(" ,.")
    return short or source


def feedback_thanks(_: Translate) -> Outbound:
    return Outbound(_("Cảm ơn bạn! Bạn cứ hỏi tiếp nếu cần."), buttons=((menu_button(_),),))


def not_right(_: Translate, knowledge: KnowledgeBase, suggestions: list[str]) -> Outbound:
    """After 👎: other likely questions, then a person."""
    rows = question_rows(knowledge, suggestions)
    return Outbound(
        _('Xin lỗi bạn. Có phải bạn muốn hỏi một trong các câu này? Nếu không, bấm "Gặp cán bộ".'),
        buttons=(*rows, (human_button(_),)),
        action="clarify",
    )


def clarify(_: Translate, knowledge: KnowledgeBase, result: MatchResult) -> Outbound:
    """Two or three likely questions as choices, plus a person."""
    rows = question_rows(knowledge, result.suggestions)
    return Outbound(
        _("Mình chưa chắc bạn hỏi điều nào. Bạn chọn câu gần đúng nhất (bấm nút hoặc gõ số):"),
        buttons=(*rows, (human_button(_),)),
        confidence=result.confidence,
        action="clarify",
    )


def not_understood(_: Translate, result: MatchResult | None = None) -> Outbound:
    """Out of scope or unclear: say so kindly and offer a person."""
    return Outbound(
        _(
            "Xin lỗi, mình chỉ giúp được về tài khoản định danh điện tử và ứng dụng VNeID, "
            "và mình chưa hiểu câu này.\n"
            "Bạn thử hỏi cách khác, xem các câu hỏi có sẵn, hoặc gặp cán bộ xã."
        ),
        buttons=((Button(_("📚 Hỏi đáp"), FAQ), human_button(_)),),
        confidence=result.confidence if result else None,
        action="escalate",
    )


def smalltalk(_: Translate, entry: Entry, result: MatchResult) -> Outbound:
    return Outbound(
        entry.answer, buttons=((menu_button(_),),), intent=entry.id, confidence=result.confidence, action="smalltalk"
    )


def secret_warning(_: Translate) -> str:
    return _(
        "⚠️ Bạn vừa gửi một mã hoặc số giấy tờ. Mình đã che nó đi và không lưu lại. "
        "Đừng bao giờ đưa mã OTP, mã kích hoạt, mật khẩu hay số căn cước cho ai qua tin nhắn "
        "hoặc điện thoại, kể cả người xưng là công an: đó thường là lừa đảo."
    )


def empty_message(_: Translate) -> Outbound:
    return Outbound(_('Mình chưa thấy chữ nào. Bạn gõ câu hỏi giúp mình nhé, ví dụ: "làm định danh ở đâu".'))


def media_received(_: Translate, kind: str) -> Outbound:
    if kind in {"voice", "audio", "photo", "video"}:
        text = _(
            "Mình đã nhận {kind} của bạn nhưng chưa nghe, xem được. "
            'Bạn gõ câu hỏi bằng chữ, hoặc bấm "Gặp cán bộ" để người thật giúp.'
        ).format(kind=media_name(_, kind))
    else:
        text = _("Mình chỉ đọc được chữ. Bạn gõ câu hỏi giúp mình nhé.")
    return Outbound(text, buttons=((human_button(_), menu_button(_)),))


def media_name(_: Translate, kind: str) -> str:
    """A media kind in words ("ảnh", "tin nhắn thoại")."""
    names = {
        "voice": _("tin nhắn thoại"),
        "audio": _("tin nhắn thoại"),
        "photo": _("ảnh"),
        "video": _("video"),
        "video_note": _("video"),
        "document": _("tệp"),
    }
    return names.get(kind, kind)


def unknown_command(_: Translate, commands: list[str]) -> Outbound:
    """The commands of the menu (from the dialog registry), for a command the bot does not know."""
    listed = ", ".join(f"/{name}" for name in commands)
    return Outbound(
        _("Mình không biết lệnh này. Các lệnh dùng được: {commands}.").format(commands=listed),
        buttons=((menu_button(_),),),
    )


def stale_button(_: Translate) -> Outbound:
    return Outbound(_("Nút này đã cũ hoặc không đúng. Mời bạn chọn lại từ menu."), buttons=((menu_button(_),),))


def privacy_notice(_: Translate) -> Outbound:
    return Outbound(
        _(
            "Cầu Nối lưu tin nhắn của bạn để trả lời và để xã biết bà con cần giúp gì. "
            "Số căn cước, số điện thoại, mã OTP và mật khẩu được che đi trước khi lưu. "
            "Mình không bao giờ hỏi mã OTP hay mật khẩu của bạn."
        ),
        buttons=((menu_button(_),),),
    )


def slow_down(_: Translate) -> Outbound:
    """Sent once when a resident sends very many messages in a minute."""
    return Outbound(
        _("Bạn gửi nhanh quá, mình đọc không kịp. Chờ một chút rồi gửi tiếp nhé, tin của bạn vẫn được lưu.")
    )
