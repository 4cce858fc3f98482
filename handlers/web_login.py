"""/dangnhap (or /web): a team member gets a one-time link to make, or reset, their dashboard login.

The link is only sent in a private chat, and as a message the turn causes rather than as its reply,
so it reaches the member through the outbox (whose copy is cleared once delivered) and never enters
the message log. The token itself is checked and used by `core.access.links`.
"""

from __future__ import annotations

from conversations.dialog import N_, Command, Dialog, Turn
from core.access.links import LINK_VALIDITY, issue_token, linked_account, member_to_link
from core.language.i18n import Translate
from core.messages import COMMAND, Address, Inbound, Outbound, Outgoing

NAMES = ("dangnhap", "web")
LINK_MINUTES = int(LINK_VALIDITY.total_seconds() // 60)


def asked_in_group(inbound: Inbound) -> bool:
    """Whether this group message is /dangnhap (a link sent there would be seen by everyone)."""
    name = inbound.text.strip().lstrip("/").split(" ", 1)[0].split("@", 1)[0].lower()
    return inbound.kind == COMMAND and name in NAMES


def private_only(_: Translate) -> Outbound:
    """The hint to ask in a private chat instead."""
    return Outbound(
        _("🔐 Liên kết đăng nhập chỉ gửi trong tin nhắn riêng. Bạn mở chat riêng với bot rồi gõ /dangnhap.")
    )


async def _web_login(turn: Turn) -> list[Outbound]:
    _, desk, user = turn._, turn.desk, turn.user
    if not desk.web_url:
        return [
            Outbound(
                _(
                    "Trang quản trị chưa có địa chỉ công khai nên bot chưa gửi được liên kết. "
                    "Bạn báo quản trị hệ thống nhé."
                )
            )
        ]
    member = await member_to_link(turn.session, user.channel, user.external_id)
    if member is None:
        return [
            Outbound(
                _(
                    "Xin lỗi, lệnh này chỉ dành cho thành viên tổ hỗ trợ (tình nguyện viên, cán bộ, quản trị xã). "
                    "Bạn cần hỏi gì thì cứ gõ câu hỏi nhé."
                )
            )
        ]
    account = await linked_account(turn.session, member.id)
    if account is not None and account.disabled:
        return [Outbound(_("Tài khoản trang quản trị của bạn đang bị khóa. Bạn liên hệ quản trị xã nhé."))]
    url = f"{desk.web_url.rstrip('/')}/link/{issue_token(desk.link_key, member, account, desk.clock())}"
    if account is None:
        text = _(
            "🔐 Tạo tài khoản trang quản trị: mở liên kết này trong {minutes} phút rồi chọn tên đăng nhập và mật khẩu."
        )
    else:
        text = _("🔐 Đặt mật khẩu mới cho tài khoản {username}: mở liên kết này trong {minutes} phút.")
    text = text.format(minutes=LINK_MINUTES, username=account.username if account else "")
    warning = _("Liên kết chỉ dùng được một lần. Đừng chuyển cho ai.")
    chat = Address(user.channel, turn.inbound.chat_id or user.external_id)
    turn.outgoing.append(Outgoing(chat, Outbound(f"{text}\n{url}\n\n{warning}")))
    return []


DIALOG = Dialog(
    name="web_login",
    commands=(
        Command(
            NAMES[0],
            N_("tạo hoặc đặt lại đăng nhập trang quản trị (thành viên tổ)"),
            _web_login,
            aliases=NAMES[1:],
            in_menu=False,
        ),
    ),
)
