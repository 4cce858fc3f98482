"""The command line as a newcomer and other tools use it (real subprocesses, real SQLite file)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _pytest.logging import LogCaptureFixture

from core.helpdesk.communes import save_commune
from core.settings import PROJECT_ROOT
from handlers.context import BotContext
from tests.fixtures import telegram_team

MATCH_KEYS = {"text", "intent", "confidence", "action", "suggestions", "language"}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: a SQLite file in tmp_path, no channel."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "TELEGRAM_BOT_TOKEN": "",
        **extra,
    }


def _run(args: list[str], tmp_path: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bot.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(tmp_path, **env),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_match_follows_the_json_lines_contract(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "lam dinh danh o mo"}),
        json.dumps({"text": "răng tui nỏ nhận được mã kích hoạt"}),
        json.dumps({"text": "thời tiết mai ra sao"}),
        json.dumps({"text": "xin chào"}),
        "this is not json",
    ]
    done = _run(["match"], tmp_path, "\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == len(lines)
    for result in out[:4]:
        assert set(result) == MATCH_KEYS
        assert result["action"] in {"answer", "clarify", "escalate", "smalltalk"}
        assert isinstance(result["confidence"], float) and isinstance(result["suggestions"], list)
    assert out[0]["text"] == "lam dinh danh o mo"
    assert (out[0]["intent"], out[0]["action"]) == ("where_to_register", "answer")
    assert (out[1]["intent"], out[1]["action"]) == ("no_activation_sms", "answer")
    assert out[2]["intent"] is None and out[2]["action"] in {"escalate", "clarify"}
    assert (out[3]["intent"], out[3]["action"]) == ("greeting", "smalltalk")
    assert "error" in out[4]


def test_ask_prints_one_answer(tmp_path: Path) -> None:
    done = _run(["ask", "tải", "vneid", "ở", "đâu"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Nguồn:" in done.stdout and "1. " in done.stdout


def test_bare_command_without_token_opens_the_terminal_chat(tmp_path: Path) -> None:
    done = _run([], tmp_path, "quên passcode vneid\n2\nthoát\n")
    assert done.returncode == 0, done.stderr
    assert "TELEGRAM_BOT_TOKEN" in done.stdout
    assert "Chào bạn" in done.stdout
    assert "Tạm biệt" in done.stdout
    assert done.stdout.count("Cầu Nối:") >= 3


def test_shell_ends_cleanly_at_end_of_input(tmp_path: Path) -> None:
    done = _run(["shell"], tmp_path, "cho tôi gặp cán bộ\n")
    assert done.returncode == 0, done.stderr
    assert "cán bộ" in done.stdout and "Tạm biệt" in done.stdout


def test_db_upgrade_and_kb_export_import_round_trip(tmp_path: Path) -> None:
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    exported = tmp_path / "exported"
    refused = _run(["kb", "export", "--dir", str(exported)], tmp_path)
    assert refused.returncode == 1 and not exported.exists()
    assert _run(["kb", "import"], tmp_path).returncode == 0
    done = _run(["kb", "export", "--dir", str(exported)], tmp_path)
    assert done.returncode == 0, done.stderr
    original = yaml.safe_load((PROJECT_ROOT / "knowledge" / "faq.yaml").read_text(encoding="utf-8"))
    copy = yaml.safe_load((exported / "faq.yaml").read_text(encoding="utf-8"))
    assert [e["id"] for e in copy] == [e["id"] for e in original]
    assert [e["answer"].strip() for e in copy] == [e["answer"].strip() for e in original]
    assert [e["paraphrases"] for e in copy] == [e["paraphrases"] for e in original]
    done = _run(["kb", "import", "--dir", str(exported)], tmp_path)
    assert done.returncode == 0 and f"{len(original)} entries" in done.stdout


def test_eval_prints_the_report(tmp_path: Path) -> None:
    done = _run(["eval", str(PROJECT_ROOT / "tests" / "data" / "dev.tsv")], tmp_path)
    assert done.returncode == 0, done.stderr
    for label in ["in-scope top-1", "wrong answers", "out-of-scope rejected", "dialect", "teencode"]:
        assert label in done.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("lam dinh danh o mo\twhere_to_register\tsimple\n", "the first line must be the header"),
        ("text\tintent\tstyle\nlam dinh danh o mo\twhere_to_register\tsimple\nquên passcode\n", "line 3"),
        ("text\tintent\tstyle\nlam dinh danh o mo\t\tsimple\n", "line 2"),
        ("text\tintent\tstyle\n", "no rows"),
        (None, "cannot read"),
    ],
    ids=["no-header", "short-row", "empty-intent", "header-only", "missing-file"],
)
def test_eval_rejects_a_malformed_file_in_one_line(tmp_path: Path, content: str | None, problem: str) -> None:
    questions = tmp_path / "questions.tsv"
    if content is not None:
        questions.write_text(content, encoding="utf-8")
    done = _run(["eval", str(questions)], tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and problem in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_eval_help_names_the_header_and_the_out_of_scope_label(tmp_path: Path) -> None:
    done = _run(["eval", "--help"], tmp_path)
    assert done.returncode == 0
    help_text = " ".join(done.stdout.split())
    assert "text<TAB>intent<TAB>style" in help_text and "'none' for an out-of-scope question" in help_text
    assert "--min-right PCT" in help_text and "--max-wrong PCT" in help_text


def test_eval_targets_set_the_exit_status(tmp_path: Path) -> None:
    """One right answer, one wrong (mislabelled on purpose) and one rejected: top-1 50%, wrong answers 50%."""
    questions = tmp_path / "questions.tsv"
    questions.write_text(
        "text\tintent\tstyle\n"
        "lam dinh danh o mo\twhere_to_register\tsimple\n"
        "răng tui nỏ nhận được mã kích hoạt\twhere_to_register\tdialect\n"
        "thời tiết mai ra sao\tnone\tsimple\n",
        encoding="utf-8",
    )
    met = _run(["eval", str(questions), "--min-right", "50", "--max-wrong", "50"], tmp_path)
    assert met.returncode == 0, met.stderr
    assert "in-scope top-1: 50.0% (1/2)" in met.stdout and "wrong answers: 50.0% (1/2)" in met.stdout
    too_few_right = _run(["eval", str(questions), "--min-right", "60"], tmp_path)
    assert too_few_right.returncode == 1 and "in-scope top-1" in too_few_right.stdout
    assert "--min-right 60%" in too_few_right.stderr and "max-wrong" not in too_few_right.stderr
    too_many_wrong = _run(["eval", str(questions), "--max-wrong", "40"], tmp_path)
    assert too_many_wrong.returncode == 1
    assert "--max-wrong 40%" in too_many_wrong.stderr and "min-right" not in too_many_wrong.stderr
    out_of_range = _run(["eval", str(questions), "--min-right", "150"], tmp_path)
    assert out_of_range.returncode == 2 and "percentage from 0 to 100" in out_of_range.stderr


@pytest.mark.parametrize("args", [["ask", "tải", "vneid", "ở", "đâu"], ["match"]], ids=["ask", "match"])
def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    """`python bot.py ask ... | head -1`: the reader is gone before the first line; exit 141, no traceback."""
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps({"text": "xin chào"}) + "\n" + json.dumps({"text": "quên passcode"}) + "\n")
    with lines.open() as stdin:
        process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "bot.py"), *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp_path),
            cwd=tmp_path,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # long before the bot has loaded and printed anything
        errors = process.stderr.read()
        assert process.wait(timeout=120) == 141
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_run_serves_the_health_check_until_stopped(tmp_path: Path) -> None:
    import signal
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "TELEGRAM_BOT_TOKEN": "",
        "WEB_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "bot.py"), "run"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "web server on" in line:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) in (0, 130)


def test_communes_can_be_added_listed_and_offered(tmp_path: Path) -> None:
    assert _run(["communes", "add", "Bad Slug!", "--name", "x"], tmp_path).returncode == 2
    added = _run(
        ["communes", "add", "dan-hoa", "--name", "Dân Hóa", "--telegram-group", "-1001", "--default"], tmp_path
    )
    assert added.returncode == 0 and "(default)" in added.stdout
    assert _run(["communes", "add", "thuong-trach", "--name", "Thượng Trạch"], tmp_path).returncode == 0
    listed = _run(["communes", "list"], tmp_path).stdout.splitlines()
    assert listed[0].startswith("dan-hoa\tDân Hóa\tteam telegram:-1001\tdefault")
    assert listed[1].startswith("thuong-trach\tThượng Trạch")
    chat = _run(["shell"], tmp_path, "/caidat\n1\n").stdout
    assert "Dân Hóa" in chat and "Thượng Trạch" in chat


def test_communes_list_without_communes_says_how_to_add_one(tmp_path: Path) -> None:
    done = _run(["communes", "list"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("no communes yet") and "python bot.py communes add SLUG --name" in done.stdout


def test_invite_codes_and_taught_questions_from_the_command_line(tmp_path: Path) -> None:
    import asyncio

    from sqlalchemy import select

    from core.database import create_engine, session_factory
    from core.helpdesk.members import redeem_invite
    from core.knowledge.editing import add_pending_paraphrase
    from models import FaqParaphrase
    from models.base import utcnow

    assert _run(["kb", "import"], tmp_path).returncode == 0
    assert _run(["invite", "create", "--commune", "nowhere", "--role", "volunteer"], tmp_path).returncode == 2
    assert (
        _run(["communes", "add", "dan-hoa", "--name", "Dân Hóa", "--telegram-group", "-1001"], tmp_path).returncode == 0
    )
    created = _run(["invite", "create", "--commune", "dan-hoa", "--role", "officer"], tmp_path)
    code = created.stdout.split()[-1]
    assert created.returncode == 0 and len(code) == 10
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    async def join_and_teach() -> tuple[str, int]:
        engine = create_engine(url)
        async with session_factory(engine)() as session, session.begin():
            member = await redeem_invite(session, code, "telegram", "555", "Lan", utcnow())
            assert await add_pending_paraphrase(session, "lost_id_card", "mat the can cuoc roi phai lam sao a")
            pending_id = (
                await session.scalars(select(FaqParaphrase.id).where(FaqParaphrase.status == "pending"))
            ).one()
        await engine.dispose()
        assert member is not None
        return member.role, pending_id

    role, pending_id = asyncio.run(join_and_teach())
    assert role == "officer"
    listed = _run(["kb", "pending"], tmp_path).stdout
    assert f"{pending_id}\tlost_id_card\tmat the can cuoc" in listed
    approved = _run(["kb", "approve", str(pending_id)], tmp_path)
    assert approved.returncode == 0 and "approved 1 of 1" in approved.stdout
    assert "0 pending" in _run(["kb", "pending"], tmp_path).stdout


def test_outbox_retry_dead_requeues_given_up_messages_and_clears_the_tickets_problem(tmp_path: Path) -> None:
    import asyncio

    from sqlalchemy import select

    from core.database import create_engine, session_factory
    from core.messages import Outbound
    from models import Commune, OutboxMessage, Ticket, User
    from tests.fixtures import queue_message

    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    async def give_up_one() -> None:
        engine = create_engine(url)
        async with session_factory(engine)() as session, session.begin():
            resident = User(channel="telegram", external_id="4242")
            session.add_all([resident, Commune(slug="dan-hoa", name="Dân Hóa")])
            await session.flush()
            ticket = Ticket(
                user_id=resident.id,
                commune="dan-hoa",
                channel="telegram",
                delivery_problem="blocked",
                team_channel="telegram",
                team_chat_id="-9",
            )
            session.add(ticket)
            await session.flush()
            await queue_message(session, "telegram", "4242", Outbound("trả lời"), "relay", ticket=ticket.id)
            row = await session.scalar(select(OutboxMessage))
            assert row is not None
            row.status, row.attempts = "dead", 9
        await engine.dispose()

    async def state() -> tuple[list[str], str | None]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            statuses = list(await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))
            problem = await session.scalar(select(Ticket.delivery_problem))
        await engine.dispose()
        return statuses, problem

    asyncio.run(give_up_one())
    plain = _run(["outbox", "retry"], tmp_path)
    assert plain.returncode == 0 and asyncio.run(state()) == (["dead"], "blocked")
    done = _run(["outbox", "retry", "--dead"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 messages queued" in done.stdout
    statuses, problem = asyncio.run(state())
    assert statuses == ["pending", "pending"] and problem is None  # the message, and the group's notice


def test_tickets_list_shows_requests_waiting_without_a_team(tmp_path: Path) -> None:
    """A request for a person with no commune configured is a ticket, listed with where it waits."""
    chat = _run(["shell"], tmp_path, stdin="/canbo\ntôi quên mật khẩu 0912345678\nbản Ka Ai\n")
    assert chat.returncode == 0 and "chưa được nối" in chat.stdout
    assert _run(["communes", "add", "dan-hoa", "--name", "Dân Hóa", "--team", "telegram"], tmp_path).returncode == 2
    listed = _run(["tickets", "list", "--open"], tmp_path)
    assert listed.returncode == 0
    [row, total] = listed.stdout.splitlines()
    assert row.startswith("#1\t") and "(no commune)" in row and "queue (no team)" in row
    assert "0912345678" not in listed.stdout and total == "1 tickets open"


async def test_start_up_warns_about_every_commune_without_a_team(bot: BotContext, caplog: LogCaptureFixture) -> None:
    import bot as composition

    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(-100))
        await save_commune(session, "tan-hoa", "Tân Hóa")
    with caplog.at_level(logging.WARNING, logger="caunoi"):
        await composition._warn_about_unrouted_requests(bot, {})
    warnings = [r.getMessage() for r in caplog.records]
    assert any("tan-hoa has no team chat" in w for w in warnings)
    assert any("dan-hoa has its team on telegram, which is not configured" in w for w in warnings)


def _teach(tmp_path: Path, texts: list[str]) -> list[int]:
    """Questions taught for the entry lost_id_card, pending review; their ids."""
    import asyncio

    from sqlalchemy import select

    from core.database import create_engine, session_factory
    from core.knowledge.editing import add_pending_paraphrase
    from models import FaqParaphrase

    async def teach() -> list[int]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        async with session_factory(engine)() as session, session.begin():
            for text in texts:
                assert await add_pending_paraphrase(session, "lost_id_card", text)
            query = select(FaqParaphrase.id).where(FaqParaphrase.status == "pending").order_by(FaqParaphrase.id)
            ids = list(await session.scalars(query))
        await engine.dispose()
        return ids

    return asyncio.run(teach())


def test_kb_review_of_an_id_not_pending_changes_nothing(tmp_path: Path) -> None:
    assert _run(["kb", "import"], tmp_path).returncode == 0
    first, second = _teach(tmp_path, ["mat the can cuoc roi phai lam sao a", "đánh rơi căn cước thì làm gì"])
    for action in ["approve", "reject"]:
        refused = _run(["kb", action, str(first), "999999"], tmp_path)
        assert refused.returncode == 2 and "not pending: 999999 " in refused.stderr
        assert "Traceback" not in refused.stderr and f"nothing was {action}d" in refused.stderr
        assert "2 pending" in _run(["kb", "pending"], tmp_path).stdout
    approved = _run(["kb", "approve", str(first), str(second)], tmp_path)
    assert approved.returncode == 0 and "approved 2 of 2" in approved.stdout
    again = _run(["kb", "reject", str(second)], tmp_path)
    assert again.returncode == 2 and f"not pending: {second} " in again.stderr


def test_kb_export_without_dir_refuses_to_overwrite_the_knowledge_folder(tmp_path: Path) -> None:
    """KNOWLEDGE_DIR points at a copy, so that a failing test cannot overwrite the repository's files."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    assert _run(["kb", "import"], tmp_path, KNOWLEDGE_DIR=str(knowledge)).returncode == 0
    faq = (knowledge / "faq.yaml").read_bytes()
    (knowledge / "categories.yaml").unlink()
    refused = _run(["kb", "export"], tmp_path, KNOWLEDGE_DIR=str(knowledge))
    assert refused.returncode == 2 and "--dir" in refused.stderr and "--force" in refused.stderr
    assert not (knowledge / "categories.yaml").exists() and (knowledge / "faq.yaml").read_bytes() == faq
    forced = _run(["kb", "export", "--force"], tmp_path, KNOWLEDGE_DIR=str(knowledge))
    assert forced.returncode == 0, forced.stderr
    assert (knowledge / "categories.yaml").exists()


def test_eval_files_scores_the_knowledge_files_as_they_are_now(tmp_path: Path) -> None:
    """`eval` scores the database's FAQ, imported at the first start; `eval --files` the files as edited since."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    questions = tmp_path / "questions.tsv"
    questions.write_text("text\tintent\tstyle\nlam dinh danh o mo\twhere_to_register\tsimple\n", encoding="utf-8")
    first = _run(["eval", str(questions)], tmp_path, KNOWLEDGE_DIR=str(knowledge))
    assert "in-scope top-1: 100.0% (1/1)" in first.stdout, first.stderr
    faq = knowledge / "faq.yaml"
    entries = yaml.safe_load(faq.read_text(encoding="utf-8"))
    for entry in entries:
        if entry["id"] == "where_to_register":
            entry["status"] = "draft"
    faq.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stale = _run(["eval", str(questions)], tmp_path, KNOWLEDGE_DIR=str(knowledge))
    fresh = _run(["eval", "--files", str(questions)], tmp_path, KNOWLEDGE_DIR=str(knowledge))
    assert "in-scope top-1: 100.0% (1/1)" in stale.stdout
    assert "in-scope top-1: 0.0% (0/1)" in fresh.stdout, fresh.stdout


def test_communes_add_shares_the_dashboards_checks_and_writes_the_audit_log(tmp_path: Path) -> None:
    """The CLI saves a commune through the same core function as /setup: the same refusals, and an
    audit entry per change (an invite's code never in it)."""
    import asyncio

    from sqlalchemy import select

    from core.database import create_engine, session_factory
    from models import AuditEntry

    bad = _run(["communes", "add", "Dan Hoa", "--name", "Dân Hóa"], tmp_path)
    assert bad.returncode == 2 and "Mã xã: 1–40 ký tự" in bad.stdout
    assert _run(["communes", "add", "dan-hoa", "--name", "Dan Hoa"], tmp_path).returncode == 0
    assert (
        _run(["communes", "add", "dan-hoa", "--name", "Dân Hóa", "--team", "telegram:-100"], tmp_path).returncode == 0
    )
    code = _run(["invite", "create", "--commune", "dan-hoa", "--role", "volunteer"], tmp_path).stdout.split()[-1]

    async def entries() -> list[AuditEntry]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        async with session_factory(engine)() as session:
            rows = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        await engine.dispose()
        return rows

    created, edited, invited = asyncio.run(entries())
    assert (created.actor, created.action, created.before) == ("cli", "commune.create", None)
    assert edited.action == "commune.edit" and edited.before and edited.after
    assert (edited.before["team"], edited.after["team"]) == (None, "telegram:-100")
    assert invited.action == "invite.create" and code not in f"{invited.before} {invited.after} {invited.target}"
