"""Offline glossary sessions through `bot.py glossary export|import`: the two-person rule holds in a
CSV too, a bad row changes nothing, recordings travel beside the CSV, and an export imports back
unchanged. Minority-language cells are obvious placeholders, never invented words."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite, redeem_invite
from core.messages import BUTTON, COMMAND, Inbound
from handlers.context import BotContext
from handlers.router import handle
from models import GlossaryEntry
from models.base import utcnow
from tests.processes import bot_env, run_cli

HEADER = "term,lang,text,audio,contributor,verified_by,status\n"
RECORDING = b"OggS" + b"\x00csv-placeholder-recording\x00" * 10
OTP_WORD = "[pac placeholder for OTP]"


async def _members(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", is_default=True)
        for number, name in enumerate(("Alice Hồ", "Bảo Hồ")):
            code = await create_invite(session, "dan-hoa", "volunteer", utcnow())
            assert await redeem_invite(session, code, "telegram", str(900 + number), name, utcnow())


async def _entries(bot: BotContext) -> int:
    async with bot.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(GlossaryEntry)) or 0)


def _env(bot_folder: Path, database_url: str) -> dict[str, str]:
    return bot_env(bot_folder, DATABASE_URL=database_url)


async def test_a_csv_round_trip_keeps_the_two_person_rule(bot: BotContext, database_url: str, tmp_path: Path) -> None:
    await _members(bot)
    env = _env(tmp_path, database_url)
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "otp.ogg").write_bytes(RECORDING)
    sheet = tmp_path / "session.csv"
    sheet.write_text(
        HEADER
        + "mã kích hoạt,pac,[pac placeholder for mã kích hoạt],,Alice Hồ,,proposed\n"
        + f"otp,pac,{OTP_WORD},rec/otp.ogg,Alice Hồ,alice hồ,verified\n"
        + "SIM chính chủ,pac,,,,,\n",
        encoding="utf-8",
    )
    status, output = await run_cli(env, tmp_path, "glossary", "import", str(sheet))
    assert status == 1 and "second person" in output and "nothing was imported" in output
    assert await _entries(bot) == 0

    sheet.write_text(sheet.read_text(encoding="utf-8").replace("alice hồ,verified", "Bảo Hồ,verified"), "utf-8")
    status, output = await run_cli(env, tmp_path, "glossary", "import", str(sheet))
    assert status == 0, output
    assert "2 added, 0 updated, 0 unchanged, 1 empty" in output

    # A resident who reads Pa Kô sees and hears the verified entry, not the proposed one.
    assert await bot.reload_knowledge()
    for payload in ("st:start", "st:lang:pac"):
        await handle(bot, Inbound("shell", "resident-9", BUTTON, payload=payload))
    [otp] = await handle(bot, Inbound("shell", "resident-9", COMMAND, text="/tukho otp"))
    assert f"🗣 Pa Kô: {OTP_WORD}" in otp.text
    assert [m.kind for m in otp.media] == ["voice"]
    [key] = [m.stored for m in otp.media]
    [activation] = await handle(bot, Inbound("shell", "resident-9", COMMAND, text="/tukho ma kich hoat"))
    assert "placeholder" not in activation.text and not activation.media

    exported = tmp_path / "out" / "glossary.csv"
    exported.parent.mkdir()
    status, output = await run_cli(env, tmp_path, "glossary", "export", str(exported), "--lang", "pac")
    assert status == 0, output
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    filled = {r["term"]: r for r in rows if r["text"]}
    assert filled["OTP"]["status"] == "verified" and filled["OTP"]["verified_by"] == "Bảo Hồ"
    assert (exported.parent / filled["OTP"]["audio"]).read_bytes() == RECORDING
    assert filled["OTP"]["audio"].endswith(Path(key).name)
    assert any(r["term"] == "SIM chính chủ" and r["lang"] == "pac" and not r["text"] for r in rows)

    status, output = await run_cli(env, tmp_path, "glossary", "import", str(exported))
    assert status == 0 and "0 added, 0 updated, 2 unchanged" in output, output
    assert await _entries(bot) == 2


async def test_rows_that_break_the_rules_are_each_reported(bot: BotContext, database_url: str, tmp_path: Path) -> None:
    await _members(bot)
    (tmp_path / "secret.ogg").write_bytes(RECORDING)
    folder = tmp_path / "sheet"
    folder.mkdir()
    sheet = folder / "bad.csv"
    sheet.write_text(
        HEADER
        + "no such term,bru,[placeholder],,Alice Hồ,,proposed\n"
        + "otp,vi,[placeholder],,Alice Hồ,,proposed\n"
        + "otp,bru,[placeholder],../secret.ogg,Alice Hồ,,proposed\n"
        + "otp,bru,[placeholder],,Alice Hồ,,approved\n"
        + "otp,bru,[placeholder],,Alice Hồ,Nobody,verified\n"
        + "otp,bru,[placeholder],,Alice Hồ,,rejected\n",
        encoding="utf-8",
    )
    status, output = await run_cli(_env(tmp_path, database_url), tmp_path, "glossary", "import", str(sheet))
    assert status == 1
    for line, words in [
        (2, "unknown term"),
        (3, "not a resident language"),
        (4, "not a file in the CSV's folder"),
        (5, 'status "approved"'),
        (6, "needs verified_by to name a team member"),
        (7, "needs verified_by"),
    ]:
        assert f"line {line}: " in output and words in output, (line, output)
    assert await _entries(bot) == 0
