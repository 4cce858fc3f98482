"""Terminal chat: the same handlers and dialogs as Telegram, with numbered choices."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from core.helpdesk.users import language_of
from core.language.i18n import Translator, translator
from core.messages import BUTTON, COMMAND, TEXT, Inbound, Outbound
from handlers.context import BotContext
from handlers.router import handle

CHANNEL = "shell"
QUIT_WORDS = frozenset({"/quit", "/exit", "thoat", "thoát", "exit", "quit"})
BOT_NAME = "Cầu Nối"
ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]


def render(reply: Outbound) -> str:
    """A reply as terminal text (a stored recording or picture named by its media-store key), its buttons
    as a numbered list."""
    lines = [
        f"{'🖼' if media.kind == 'photo' else '🔊'} [{media.kind}: {media.stored}]"
        for media in reply.media
        if media.stored
    ]
    lines.append(reply.text)
    for number, button in enumerate(reply.choices(), start=reply.first_number):
        lines.append(f"  {number}. {button.label}")
    return "\n".join(lines)


async def read_stdin(prompt: str) -> str | None:
    """One line from the terminal, or None at end of input."""
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


def to_inbound(line: str, user_id: str) -> Inbound:
    """A typed line as an inbound event: `/command`, `#payload` (a raw button), or text."""
    if line.startswith("/"):
        return Inbound(CHANNEL, user_id, COMMAND, text=line)
    if line.startswith("#") and len(line) > 1:
        return Inbound(CHANNEL, user_id, BUTTON, payload=line[1:])
    return Inbound(CHANNEL, user_id, TEXT, text=line)


async def run_shell(ctx: BotContext, read: ReadLine = read_stdin, write: Write = print, user_id: str = "local") -> None:
    """Chat until end of input or a quit word, in the language this terminal's user chose (/caidat)."""
    _ = await _translator(ctx, user_id)
    write(_("Cầu Nối: trò chuyện trên máy (gõ 'thoát' để ra, số để chọn, /help để xem hướng dẫn)."))
    for reply in await handle(ctx, Inbound(CHANNEL, user_id, COMMAND, text="/start")):
        write(render(reply))
    while True:
        line = await read("\n" + _("Bạn:") + " ")
        if line is None or line.strip().lower() in QUIT_WORDS:
            write(_("Tạm biệt!"))
            return
        out = await handle(ctx, to_inbound(line.strip(), user_id))
        _ = await _translator(ctx, user_id)  # /caidat may have just changed it
        for reply in out:
            write(f"\n{BOT_NAME}: {render(reply)}")


async def _translator(ctx: BotContext, user_id: str) -> Translator:
    """The `_` of the terminal's user (Vietnamese before the first message creates them)."""
    async with ctx.sessions() as session:
        return translator(await language_of(session, CHANNEL, user_id))
