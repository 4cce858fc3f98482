"""The guided checklist "Tôi cần làm gì?": a few questions with buttons, then a personal plan.

State lives in its own `dialog_states` row (dialog "checklist"), so a restart or another process
continues it, and opening a ticket or changing settings meanwhile leaves it where it was.
Payloads: `ck:start`, `ck:resume`, `ck:back`, `ck:cancel`, `ck:<step>:<value>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.dialog import Dialog, Turn
from conversations.state import dialog_state, end_dialog, start_dialog
from core.language.i18n import Translate
from core.messages import Button, Outbound
from core.payloads import pack
from models import DialogState

DIALOG_NAME = "checklist"
PREFIX = "ck"
START = pack(PREFIX, "start")
RESUME = pack(PREFIX, "resume")
BACK = pack(PREFIX, "back")
CANCEL = pack(PREFIX, "cancel")
MAX_PLAN_LINKS = 4


@dataclass(frozen=True)
class Step:
    """One question: its id, text, the allowed answers, and when it applies."""

    id: str
    question: Callable[[Translate], str]
    options: Callable[[Translate], list[tuple[str, str]]]
    applies: Callable[[dict[str, str]], bool] = lambda answers: True


def _is_child(answers: dict[str, str]) -> bool:
    """Under 14: the parent or guardian registers with their own level-2 account and own SIM, so the
    SIM and phone questions are about that adult, not the child."""
    return answers.get("age") == "child"


STEPS = (
    Step(
        "age",
        lambda _: _("Bạn bao nhiêu tuổi?"),
        lambda _: [(_("Dưới 14 tuổi"), "child"), (_("Từ 14 tuổi trở lên"), "adult")],
    ),
    Step(
        "card",
        lambda _: _("Bạn đã có thẻ căn cước gắn chip chưa?"),
        lambda _: [(_("Có rồi"), "yes"), (_("Chưa có"), "no"), (_("Bị mất"), "lost")],
    ),
    Step(
        "sim",
        lambda _: _("SIM điện thoại có đứng tên chính bạn (SIM chính chủ) không?"),
        lambda _: [(_("Có"), "yes"), (_("Không hoặc không biết"), "no")],
        applies=lambda answers: not _is_child(answers),
    ),
    Step(
        "parent_sim",
        lambda _: _("SIM điện thoại của cha mẹ (hoặc người giám hộ) có đứng tên chính người đó không?"),
        lambda _: [(_("Có"), "yes"), (_("Không hoặc không biết"), "no")],
        applies=_is_child,
    ),
    Step(
        "phone",
        lambda _: _("Bạn có điện thoại thông minh (máy cảm ứng) không?"),
        lambda _: [(_("Có"), "yes"), (_("Không"), "no")],
        applies=lambda answers: not _is_child(answers),
    ),
    Step(
        "parent_phone",
        lambda _: _("Cha mẹ hoặc người giám hộ có điện thoại thông minh (máy cảm ứng) không?"),
        lambda _: [(_("Có"), "yes"), (_("Không"), "no")],
        applies=_is_child,
    ),
    Step(
        "registered",
        lambda _: _("Bạn đã đến công an đăng ký định danh mức 2 chưa?"),
        lambda _: [(_("Rồi"), "yes"), (_("Chưa"), "no")],
    ),
    Step(
        "sms",
        lambda _: _("Bạn đã nhận tin nhắn báo hồ sơ được duyệt chưa?"),
        lambda _: [(_("Rồi"), "yes"), (_("Chưa"), "no")],
        applies=lambda answers: answers.get("registered") == "yes",
    ),
)
_STEPS_BY_ID = {step.id: step for step in STEPS}


async def active(session: AsyncSession, user_id: int) -> DialogState | None:
    """The user's checklist state, if one is under way."""
    return await dialog_state(session, user_id, DIALOG_NAME)


def resume_button(_: Translate) -> Button:
    return Button(_("▶️ Tiếp tục: Tôi cần làm gì?"), RESUME)


async def on_button(session: AsyncSession, user_id: int, payload: str, _: Translate) -> Outbound | None:
    """Advance the checklist for a `ck:` payload; None when the payload is not valid now."""
    state = await active(session, user_id)
    if payload == START:
        state = await _restart(session, user_id, state)
        return _ask(_, STEPS[0], {})
    if state is None:
        return None
    answers: dict[str, str] = dict(state.data.get("answers", {}))
    if payload == CANCEL:
        await _finish(session, state)
        return Outbound(_("Đã dừng. Bạn có thể bắt đầu lại bất cứ lúc nào từ menu."), buttons=((_menu(_),),))
    if payload == RESUME:
        return _ask(_, _STEPS_BY_ID[state.step], answers)
    if payload == BACK:
        previous = _previous(state.step, answers)
        if previous is None:
            return _ask(_, _STEPS_BY_ID[state.step], answers)
        answers.pop(previous.id, None)
        _save(state, previous.id, answers)
        return _ask(_, previous, answers)
    step_id, _sep, value = payload.removeprefix(PREFIX + ":").partition(":")
    step = _STEPS_BY_ID.get(step_id)
    if step is None or step_id != state.step or value not in {v for _label, v in step.options(_)}:
        return None
    answers[step_id] = value
    following = _next(step_id, answers)
    if following is None:
        await _finish(session, state)
        return plan(_, answers)
    _save(state, following.id, answers)
    return _ask(_, following, answers)


async def _finish(session: AsyncSession, state: DialogState) -> None:
    await end_dialog(session, state)


async def _restart(session: AsyncSession, user_id: int, state: DialogState | None) -> DialogState:
    if state is None:
        state = start_dialog(session, user_id, DIALOG_NAME, STEPS[0].id, {})
    _save(state, STEPS[0].id, {})
    return state


def _save(state: DialogState, step_id: str, answers: dict[str, str]) -> None:
    state.step = step_id
    state.data = {"answers": answers}


def _next(step_id: str, answers: dict[str, str]) -> Step | None:
    index = [s.id for s in STEPS].index(step_id)
    return next((s for s in STEPS[index + 1 :] if s.applies(answers)), None)


def _previous(step_id: str, answers: dict[str, str]) -> Step | None:
    index = [s.id for s in STEPS].index(step_id)
    return next((s for s in reversed(STEPS[:index]) if s.applies(answers)), None)


def _menu(_: Translate) -> Button:
    return Button(_("🏠 Về menu"), "menu")


def _ask(_: Translate, step: Step, answers: dict[str, Any]) -> Outbound:
    number = [s.id for s in STEPS if s.applies(answers)].index(step.id) + 1
    options = tuple((Button(label, pack(PREFIX, step.id, value)),) for label, value in step.options(_))
    controls = (Button(_("⬅️ Quay lại"), BACK), Button(_("✖️ Thôi"), CANCEL))
    return Outbound(
        _("Câu {number}: {question}").format(number=number, question=step.question(_)), (*options, controls)
    )


def plan(_: Translate, answers: dict[str, str]) -> Outbound:
    """A short personal plan from the answers, with the answers worth reading."""
    lines: list[str] = []
    links: list[str] = []
    child = _is_child(answers)
    card = answers.get("card")
    has_card = card == "yes"
    if child:
        lines.append(
            _(
                "Trẻ dưới 14 tuổi: cha mẹ hoặc người giám hộ dùng tài khoản mức 2 và SIM đứng tên "
                "chính mình để đăng ký mức 1 cho trẻ trên VNeID."
            )
        )
        links.append("children_under_14")
    if card == "no":
        lines.append(
            _(
                "Chưa có thẻ căn cước gắn chip: làm thẻ trước. Thẻ làm ở công an tỉnh hoặc điểm làm thẻ "
                "do công an bố trí. Hỏi trưởng thôn hoặc xã lịch đợt làm thẻ gần nhất."
            )
        )
        if not child:
            lines.append(_("Khi làm thẻ, bạn có thể đăng ký định danh mức 2 cùng lúc."))
        links.append("no_chip_id")
    elif card == "lost":
        lines.append(
            _(
                "Mất thẻ: xin cấp lại thẻ trước. Đã có VNeID mức 2 thì xin trên ứng dụng "
                "(Thủ tục hành chính > Cấp lại thẻ căn cước). Chưa có thì đến công an tỉnh "
                "hoặc điểm làm thẻ do công an bố trí."
            )
        )
        links.append("lost_id_card")
    if answers.get("sim") == "no":
        if has_card:
            lines.append(
                _(
                    "SIM chưa đứng tên bạn: mang thẻ căn cước ra cửa hàng nhà mạng để sửa thông tin, "
                    "sang tên SIM cho bạn hoặc làm SIM mới đứng tên bạn."
                )
            )
        else:
            lines.append(
                _(
                    "SIM chưa đứng tên bạn: khi có thẻ căn cước, mang thẻ ra cửa hàng nhà mạng để sang "
                    "tên SIM cho bạn hoặc làm SIM mới đứng tên bạn."
                )
            )
        links.append("sim_not_own_name")
    if answers.get("parent_sim") == "no":
        lines.append(
            _(
                "SIM chưa đứng tên cha mẹ (người giám hộ): người đó mang thẻ căn cước của mình ra cửa hàng "
                "nhà mạng để sửa thông tin, sang tên SIM hoặc làm SIM mới đứng tên mình."
            )
        )
        links.append("sim_not_own_name")
    if answers.get("phone") == "no":
        lines.append(_("Không có máy cảm ứng: hỏi xã hoặc tổ công nghệ số về việc mượn máy."))
        links.append("free_sim_phone_loan")
    if answers.get("parent_phone") == "no":
        lines.append(_("Cha mẹ (người giám hộ) không có máy cảm ứng: hỏi xã hoặc tổ công nghệ số về việc mượn máy."))
        links.append("free_sim_phone_loan")
    if answers.get("registered") == "no":
        if child:
            lines.append(
                _(
                    "Muốn làm mức 2 cho trẻ từ 6 tuổi: hỏi công an xã có cần đưa trẻ đến không và "
                    "mang giấy tờ gì. Không mất tiền."
                )
            )
        elif has_card:
            lines.append(
                _("Đi đăng ký ở công an xã, mang thẻ căn cước và điện thoại có SIM chính chủ. Không mất tiền.")
            )
        else:
            lines.append(
                _(
                    "Chưa đăng ký lúc làm thẻ thì khi có thẻ, đến công an xã đăng ký, mang thẻ và điện thoại "
                    "có SIM chính chủ. Không mất tiền."
                )
            )
        links += ["documents_needed", "where_to_register"]
    elif answers.get("sms") == "yes":
        lines.append(_("Đã được duyệt: kích hoạt tài khoản trên ứng dụng VNeID."))
        links.append("activate_app")
    elif answers.get("sms") == "no":
        lines.append(_("Chưa có tin nhắn duyệt: chờ thêm, quá lâu thì hỏi công an xã."))
        links.append("processing_time")
    lines.append(_("Người già, người bệnh không đi được: nhờ người nhà báo công an xã để được giúp tại nhà."))
    bullets = "\n".join(f"- {line}" for line in lines)
    buttons = tuple(
        (Button(_("Đọc: {topic}").format(topic=_TOPIC_LABELS[i](_)), pack("faq", i)),) for i in links[:MAX_PLAN_LINKS]
    )
    return Outbound(
        _("Việc bạn cần làm:") + "\n" + bullets,
        buttons=(*buttons, (Button(_("🙋 Gặp cán bộ"), "human"), _menu(_))),
        action="checklist",
    )


_TOPIC_LABELS: dict[str, Callable[[Translate], str]] = {
    "children_under_14": lambda _: _("trẻ em dưới 14 tuổi"),
    "no_chip_id": lambda _: _("chưa có căn cước gắn chip"),
    "lost_id_card": lambda _: _("mất thẻ căn cước"),
    "sim_not_own_name": lambda _: _("SIM không chính chủ"),
    "free_sim_phone_loan": lambda _: _("mượn máy, SIM miễn phí"),
    "documents_needed": lambda _: _("cần mang gì"),
    "where_to_register": lambda _: _("đăng ký ở đâu"),
    "activate_app": lambda _: _("cách kích hoạt"),
    "processing_time": lambda _: _("bao lâu thì được duyệt"),
}


async def _button(turn: Turn, _prefix: str, _parts: list[str]) -> list[Outbound] | None:
    step = await on_button(turn.session, turn.user.id, turn.payload, turn._)
    return [step] if step is not None else None


DIALOG = Dialog(name=DIALOG_NAME, prefixes=(PREFIX,), on_button=_button)
