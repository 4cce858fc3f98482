"""/stats for commune admins: today's and the last 7 days' key numbers of their communes in one message.

Every number comes from `core.stats.overview` (the dashboard's own definitions) over local Vietnam
days; this module only picks the scope and words the result. Anyone who is not an admin of some
commune gets a short refusal with no numbers.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.dialog import N_, Command, Dialog, Turn
from core.helpdesk.members import memberships
from core.language.i18n import Translate, Translator
from core.messages import Outbound
from core.stats.overview import Overview, overview
from core.stats.period import Scope, local_day
from models import Commune

ADMIN = "admin"
WEEK_DAYS = 7
MAX_COMMUNE_LINES = 6  # several communes: one line each, so the message stays one phone screen
NONE = "–"


async def admin_communes(session: AsyncSession, channel: str, external_id: str) -> tuple[str, ...]:
    """The communes this person is an admin of, in the order they joined them."""
    mine = await memberships(session, channel, external_id)
    return tuple(dict.fromkeys(m.commune for m in mine if m.role == ADMIN))


async def stats_message(session: AsyncSession, _: Translator, communes: tuple[str, ...], today: date) -> str:
    """The /stats text for these communes: today, the last 7 days, and per commune when several."""
    names = [await _commune_name(session, slug) for slug in communes]
    day = await overview(session, Scope(today, today, communes))
    week = await overview(session, Scope(today - timedelta(days=WEEK_DAYS - 1), today, communes))
    if len(communes) == 1:
        lines = [_("📊 Số liệu xã {commune}").format(commune=names[0])]
    else:
        lines = [_("📊 Số liệu {count} xã: {communes}").format(count=len(communes), communes=", ".join(names))]
    lines += ["", _("Hôm nay ({day})").format(day=_day(_, today)), *_period(_, day)]
    start = week.scope.start
    lines += ["", _("7 ngày qua ({start}–{end})").format(start=_day(_, start), end=_day(_, today)), *_period(_, week)]
    if len(communes) > 1:
        lines += ["", _("Theo xã, 7 ngày qua:")]
        for slug, name in list(zip(communes, names, strict=True))[:MAX_COMMUNE_LINES]:
            lines.append(_commune_line(_, name, await overview(session, week.scope.only(slug))))
        if len(communes) > MAX_COMMUNE_LINES:
            lines.append(_("… và {count} xã khác").format(count=len(communes) - MAX_COMMUNE_LINES))
    lines += ["", _("Xem thêm trên trang quản trị.")]
    return "\n".join(lines)


def _period(_: Translator, numbers: Overview) -> list[str]:
    m, t = numbers.messages, numbers.tickets
    lines = [_("• Tin nhắn: {messages} · người dân: {residents}").format(**m)]
    if m["questions"]:
        lines.append(
            _("• Bot trả lời ngay: {answered}/{questions} câu hỏi ({share})").format(
                answered=m["answered"], questions=m["questions"], share=percent(numbers.share("answered"))
            )
        )
        lines.append(
            _("• Hỏi lại cho rõ: {clarified} · chuyển cho người: {escalated}").format(
                clarified=percent(numbers.share("clarified")), escalated=percent(numbers.share("escalated"))
            )
        )
        lines.append(_("• Chưa trả lời được: {unanswered}").format(unanswered=m["unanswered"]))
    else:
        lines.append(_("• Chưa có câu hỏi gõ chữ."))
    lines.append(_("• Yêu cầu gặp người: mở {opened} · đóng {closed}").format(opened=t.opened, closed=t.closed))
    lines.append(_("• Chờ người trả lời (trung vị): {duration}").format(duration=duration(_, t.first_response.median)))
    if t.rating_mean is not None:
        lines.append(
            _("• Đánh giá: {mean}/5 ({count} lượt)").format(mean=decimal(_, t.rating_mean), count=t.rating_count)
        )
    else:
        lines.append(_("• Đánh giá: chưa có"))
    lines.append(_("• Bot được chấm: 👍 {up} · 👎 {down}").format(up=m["feedback_up"], down=m["feedback_down"]))
    return lines


def _commune_line(_: Translate, name: str, numbers: Overview) -> str:
    return _("• {commune}: {messages} tin nhắn · bot trả lời ngay {share} · {tickets} yêu cầu").format(
        commune=name,
        messages=numbers.messages["messages"],
        share=percent(numbers.share("answered")),
        tickets=numbers.tickets.opened,
    )


def percent(share: float | None) -> str:
    """A share as a whole percentage, as the dashboard shows it ("–" when there is nothing to divide)."""
    return NONE if share is None else f"{share * 100:.0f}%"


def decimal(_: Translator, value: float) -> str:
    """One decimal, with the reader's decimal mark (Vietnamese: 4,5)."""
    return format_decimal(Decimal(f"{value:.1f}"), "0.0", locale=_.locale)  # rounded as Python rounds a float


def duration(_: Translate, seconds: float | None) -> str:
    """A waiting time in plain words: 45 giây, 12 phút, 2 giờ 5 phút, 3 ngày 4 giờ."""
    if seconds is None:
        return _("chưa có")
    if round(seconds) < 60:
        return _("{seconds} giây").format(seconds=round(seconds))
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("{minutes} phút").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return (_("{hours} giờ {minutes} phút") if minutes else _("{hours} giờ")).format(hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return (_("{days} ngày {hours} giờ") if hours else _("{days} ngày")).format(days=days, hours=hours)


def _day(_: Translator, day: date) -> str:
    """A day without its year, the reader's way ("03/12")."""
    return format_date(day, _("dd/MM"), locale=_.locale)  # a CLDR pattern, per language


async def _commune_name(session: AsyncSession, slug: str) -> str:
    commune = await session.get(Commune, slug)
    return commune.name if commune is not None else slug


async def _stats(turn: Turn) -> list[Outbound]:
    communes = await admin_communes(turn.session, turn.user.channel, turn.user.external_id)
    if not communes:
        return [Outbound(turn._("Xin lỗi, lệnh này chỉ dành cho quản trị xã."))]
    today = local_day(turn.desk.clock())
    return [Outbound(await stats_message(turn.session, turn._, communes, today))]


DIALOG = Dialog(
    name="stats",
    commands=(Command("stats", N_("số liệu hôm nay và 7 ngày qua (quản trị xã)"), _stats, in_menu=False),),
)
