"""Cầu Nối command line and composition root.

python bot.py                 terminal chat (or every channel, when one is configured)
python bot.py run             channels + web server (health, webhooks) until stopped
python bot.py shell           terminal chat
python bot.py ask "câu hỏi"   one answer
python bot.py match           JSON lines in, JSON lines out
python bot.py eval FILE       accuracy on a labelled TSV
python bot.py db upgrade      apply migrations
python bot.py kb import|export
python bot.py communes add SLUG --name NAME [--team CHANNEL:CHAT_ID | --telegram-group ID] [--default]
python bot.py tickets list [--open]   every request for a person, with where it waits
python bot.py invite create --commune SLUG --role volunteer|officer|admin
python bot.py outbox retry [--dead]
python bot.py admin create-user NAME --role admin|volunteer|officer [--commune SLUG] [--password-stdin]
python bot.py admin create-token NAME [--label TEXT]   a read-only API token (shown once)
python bot.py admin users

Output piped into a reader that stops early (`python bot.py ask ... | head -1`) ends the command quietly
with exit status 141 (128 + SIGPIPE), as other Unix tools do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.logs import configure_logging
from core.settings import Settings

if TYPE_CHECKING:
    from types import ModuleType

    from sqlalchemy.ext.asyncio import AsyncEngine

    from core.delivery.sender import Sender
    from core.messages import Address
    from handlers.context import BotContext

log = logging.getLogger("caunoi")
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="Cầu Nối: trợ lý định danh điện tử mức 2")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run configured channels and the web server")
    sub.add_parser("shell", help="chat in the terminal")
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="+")
    sub.add_parser("match", help='read {"text": ...} JSON lines, write match results')
    evaluate = sub.add_parser(
        "eval",
        help="score the matcher on a TSV file (text, intent, style)",
        description="Score the matcher on a labelled TSV file. Exit status: 0 when the targets are met, "
        "1 when one is missed, 2 when the file is malformed.",
    )
    evaluate.add_argument(
        "file",
        type=Path,
        help="UTF-8, tab-separated, first line the header text<TAB>intent<TAB>style; intent is an FAQ entry id, "
        "or 'none' for an out-of-scope question (one the bot should not answer)",
    )
    evaluate.add_argument("--failures", action="store_true", help="also list the misses")
    evaluate.add_argument(
        "--files",
        action="store_true",
        help="score the published entries of the knowledge/ files as they are now, instead of the database's FAQ "
        "(which changes only with 'kb import' and includes approved taught questions)",
    )
    evaluate.add_argument(
        "--min-right", type=_percent, default=None, metavar="PCT", help="exit 1 when in-scope top-1 is below PCT"
    )
    evaluate.add_argument(
        "--max-wrong", type=_percent, default=None, metavar="PCT", help="exit 1 when wrong answers are above PCT"
    )
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    communes = sub.add_parser("communes", help="communes residents can choose")
    communes_sub = communes.add_subparsers(dest="communes_action", required=True)
    add = communes_sub.add_parser("add", help="create or update a commune")
    add.add_argument("slug", help="short id, letters, digits and dashes (e.g. thuong-trach)")
    add.add_argument("--name", required=True, help='display name, e.g. "Thượng Trạch"')
    add.add_argument("--team", default=None, help="the team's chat, CHANNEL:CHAT_ID (e.g. telegram:-100123)")
    add.add_argument(
        "--telegram-group", type=int, default=None, help="the team's Telegram group id (= --team telegram:ID)"
    )
    add.add_argument("--default", action="store_true", help="route residents without a commune here")
    communes_sub.add_parser("list", help="list communes")
    tickets = sub.add_parser("tickets", help="requests for a person")
    tickets_sub = tickets.add_subparsers(dest="tickets_action", required=True)
    listing = tickets_sub.add_parser("list", help="every ticket, with its commune, team or queue, and problems")
    listing.add_argument("--open", action="store_true", help="only tickets still open")
    invite = sub.add_parser("invite", help="one-time codes for volunteers, officers and admins")
    invite_sub = invite.add_subparsers(dest="invite_action", required=True)
    create = invite_sub.add_parser("create", help="print a new one-time code (the last word of the output)")
    create.add_argument("--commune", required=True, help="commune slug")
    create.add_argument("--role", required=True, choices=["volunteer", "officer", "admin"])
    outbox = sub.add_parser("outbox", help="messages waiting to be sent")
    outbox_sub = outbox.add_subparsers(dest="outbox_action", required=True)
    retry = outbox_sub.add_parser("retry", help="send waiting messages now (with --dead, also given-up ones)")
    retry.add_argument("--dead", action="store_true", help="also re-queue messages that were given up")
    admin = sub.add_parser("admin", help="dashboard accounts and API tokens")
    admin_sub = admin.add_subparsers(dest="admin_action", required=True)
    user = admin_sub.add_parser("create-user", help="a dashboard login (the password is asked, or read from stdin)")
    user.add_argument("name", help="login name: lower-case letters without marks, digits, . _ -")
    user.add_argument("--role", required=True, choices=["admin", "volunteer", "officer"])
    user.add_argument("--commune", default=None, help="commune slug (required for volunteers and officers)")
    user.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    token = admin_sub.add_parser("create-token", help="print a read-only API token for /api/stats and /export/")
    token.add_argument("name", help="the account the token acts for")
    token.add_argument("--label", default="", help="what the token is for (e.g. the tool that uses it)")
    admin_sub.add_parser("users", help="list dashboard accounts")
    glossary = sub.add_parser(
        "glossary",
        help="offline glossary work: CSV of entries in residents' languages (term,lang,text,audio,contributor,"
        "verified_by,status)",
    )
    glossary.add_argument("action", choices=["export", "import"])
    glossary.add_argument("file", type=Path, help="the CSV; recordings go to (or come from) paths beside it")
    glossary.add_argument(
        "--lang",
        action="append",
        default=None,
        help="export: add empty rows for terms missing in this language (repeatable; default bru, pac, tth, scb)",
    )
    kb = sub.add_parser("kb", help="knowledge base files <-> database; questions taught by volunteers")
    kb.add_argument("action", choices=["import", "export", "pending", "approve", "reject"])
    kb.add_argument("ids", nargs="*", type=int, help="with approve/reject: the numbers shown by 'kb pending'")
    kb.add_argument("--dir", type=Path, default=None, help="folder (default: knowledge/)")
    kb.add_argument("--force", action="store_true", help="export without --dir: overwrite the files in knowledge/")
    return parser


def _percent(value: str) -> float:
    """An argparse type: a percentage from 0 to 100."""
    with suppress(ValueError):
        if 0 <= (number := float(value)) <= 100:
            return number
    raise argparse.ArgumentTypeError(f"{value!r} is not a percentage from 0 to 100")


@asynccontextmanager
async def _bot(settings: Settings) -> AsyncIterator[BotContext]:
    """The composed bot: migrated database, seeded FAQ, loaded matcher; the engine closed after."""
    from handlers.context import open_context

    ctx, engine = await open_context(
        settings.database_url, settings.knowledge_dir, settings.model_cache_dir, settings.media_dir
    )
    try:
        yield ctx
    finally:
        await engine.dispose()


@asynccontextmanager
async def _migrated_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on a database at the newest migration, closed after."""
    from core.database import create_engine, upgrade_schema

    engine = create_engine(settings.database_url)
    try:
        await upgrade_schema(engine)
        yield engine
    finally:
        await engine.dispose()


async def _ask(settings: Settings, question: str) -> int:
    from channels.shell import render, to_inbound
    from handlers.router import handle

    async with _bot(settings) as ctx:
        for reply in await handle(ctx, to_inbound(question, user_id="cli-ask")):
            print(render(reply))
    return 0


async def _match(settings: Settings) -> int:
    from core.privacy import mask

    async with _bot(settings) as ctx:
        matcher = ctx.knowledge.matcher
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            text = str(json.loads(line)["text"])
        except (ValueError, KeyError, TypeError):
            print(json.dumps({"error": 'expected a JSON object with a "text" field'}), flush=True)
            continue
        result = matcher.match(mask(text).text)
        print(json.dumps({**result.as_dict(), "text": text}, ensure_ascii=False), flush=True)
    return 0


async def _eval(settings: Settings, args: argparse.Namespace) -> int:
    """Print the report on a labelled file; 1 when a --min-right or --max-wrong target is missed, 2 on a bad file."""
    from core.language.evaluation import ExamplesError, evaluate, missed_targets, read_examples
    from core.privacy import mask

    try:
        examples = read_examples(args.file)
    except ExamplesError as error:
        print(f"eval: {error}", file=sys.stderr)
        return 2
    if args.files:
        from core.knowledge.faq import matcher_from_files

        matcher = matcher_from_files(settings.knowledge_dir, settings.model_cache_dir)
    else:
        async with _bot(settings) as ctx:
            matcher = ctx.knowledge.matcher
    report = evaluate(examples, [matcher.match(mask(e.text).text) for e in examples])
    print("\n".join(report.lines()))
    if args.failures:
        print("\nmisses:")
        for example, result in report.failures:
            print(
                f"  [{example.style}] {example.text!r}: want {example.intent}, got {result.intent} "
                f"({result.action} {result.confidence:.2f} {result.suggestions})"
            )
    sys.stdout.flush()  # the report before the verdict, when both go to one terminal
    missed = missed_targets(report, args.min_right, args.max_wrong)
    for target in missed:
        print(f"eval: target missed: {target}", file=sys.stderr)
    return 1 if missed else 0


async def _shell(settings: Settings) -> int:
    from channels.shell import run_shell

    async with _bot(settings) as ctx:
        await run_shell(ctx)
    return 0


async def _db_upgrade(settings: Settings) -> int:
    async with _migrated_engine(settings):
        print("database is at the newest migration")
    return 0


async def _kb_review(settings: Settings, action: str, ids: list[int]) -> int:
    """List, approve or reject the questions volunteers taught ("Dạy bot")."""
    from core.database import session_factory
    from core.knowledge.editing import NotPending, pending_paraphrases, review_paraphrases

    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        if action == "pending":
            rows = await pending_paraphrases(session)
            for row in rows:
                print(f"{row.id}\t{row.entry_id}\t{row.text}")
            print(f"{len(rows)} pending; approve with: python bot.py kb approve ID ...")
            return 0
        if not ids:
            print(f"kb {action}: give the numbers shown by 'python bot.py kb pending'", file=sys.stderr)
            return 2
        try:
            changed = await review_paraphrases(session, ids, approve=action == "approve")
        except NotPending as error:
            print(f"kb {action}: {error} (see 'python bot.py kb pending'); nothing was {action}d", file=sys.stderr)
            return 2
    print(f"{action}d {changed} of {len(set(ids))}; every running bot learns approved questions within seconds")
    return 0


async def _glossary(settings: Settings, action: str, file: Path, languages: tuple[str, ...]) -> int:
    """Export the glossary's entries to a CSV (recordings beside it), or import a filled-in one."""
    from core.database import session_factory
    from core.knowledge.glossary import RESIDENT_LANGUAGES
    from core.knowledge.glossary_csv import GlossaryImportError, audio_folder, export_csv, import_csv
    from core.media.store import MediaStore
    from models.base import utcnow

    store = MediaStore(settings.media_dir)
    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        if action == "export":
            rows = await export_csv(session, store, file, languages or tuple(RESIDENT_LANGUAGES))
            print(f"glossary export: {rows} rows to {file} (recordings in {audio_folder(file)}/)")
            return 0
        try:
            result = await import_csv(session, store, file, utcnow())
        except OSError as error:
            print(f"glossary import: {file}: {error.strerror}", file=sys.stderr)
            return 2
        except GlossaryImportError as error:
            for problem in error.problems:
                print(f"glossary import: {problem}", file=sys.stderr)
            print("glossary import: nothing was imported; fix the rows above and import again", file=sys.stderr)
            return 1
    print(
        f"glossary import: {result.added} added, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.empty} empty rows skipped; running bots show verified entries within seconds"
    )
    return 0


async def _kb(settings: Settings, action: str, directory: Path | None, force: bool) -> int:
    """Import the knowledge files into the database, or export it to files (into knowledge/ only with force)."""
    from core.database import session_factory
    from core.knowledge.faq import (
        export_knowledge,
        import_knowledge,
        knowledge_is_empty,
        load_knowledge,
        load_matching_data,
    )

    folder = directory or settings.knowledge_dir
    if action == "export" and directory is None and not force:
        print(
            f"kb export: this would overwrite the files in {folder}; pass --dir D to write elsewhere, "
            "or --force to overwrite them",
            file=sys.stderr,
        )
        return 2
    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        if action == "import":
            report = await import_knowledge(session, folder)
            matching = load_matching_data(settings.knowledge_dir, settings.model_cache_dir)
            await load_knowledge(session, matching)  # trains the classifiers once and caches them
        elif await knowledge_is_empty(session):
            print("the database has no FAQ entries yet: nothing exported (run `python bot.py kb import`)")
            return 1
        else:
            report = await export_knowledge(session, folder)
    print(
        f"{action}: {report.categories} categories, {report.entries} entries, "
        f"{report.paraphrases} paraphrases, {report.glossary_terms} glossary terms ({folder})"
    )
    return 0


async def _communes(settings: Settings, args: argparse.Namespace) -> int:
    from core.access import audit
    from core.database import session_factory
    from core.helpdesk.communes import describe, list_communes, save_commune
    from models import Commune
    from models.base import utcnow

    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        if args.communes_action == "add":
            old = await session.get(Commune, args.slug)
            before = describe(old) if old is not None else None
            try:
                commune = await save_commune(session, args.slug, args.name, _team_argument(args), args.default)
            except ValueError as error:
                print(error)
                return 2
            action = "commune.edit" if before else "commune.create"
            await audit.record(session, audit.CLI, action, commune.slug, utcnow(), before, describe(commune))
            print(f"saved {commune.slug}: {commune.name}" + (" (default)" if commune.is_default else ""))
        else:
            communes = await list_communes(session)
            if not communes:
                print(
                    "no communes yet; add one with: python bot.py communes add SLUG --name NAME "
                    "[--team CHANNEL:CHAT_ID] [--default]"
                )
            for commune in communes:
                shown = f"{commune.team_channel}:{commune.team_chat_id}" if commune.team_chat_id else "no team (queue)"
                print(f"{commune.slug}\t{commune.name}\tteam {shown}" + ("\tdefault" if commune.is_default else ""))
    return 0


def _team_argument(args: argparse.Namespace) -> Address | None:
    """The team address given on the command line (None when none was given); ValueError when malformed."""
    from core.messages import Address

    if args.telegram_group is not None:
        return Address("telegram", str(args.telegram_group), group=True)
    if args.team is None:
        return None
    channel, _sep, chat_id = args.team.partition(":")
    if not channel or not chat_id or not chat_id.lstrip("-").isalnum():
        raise ValueError("--team: CHANNEL:CHAT_ID, e.g. telegram:-100123 (the group's id, from /groupid in the group)")
    return Address(channel, chat_id, group=True)


async def _tickets(settings: Settings, open_only: bool) -> int:
    """Every ticket (or the open ones) with where it waits: a team chat, or a queue nobody is told about."""
    from core.database import session_factory
    from core.helpdesk.cards import local_time
    from core.helpdesk.tickets import all_tickets
    from core.privacy import mask

    async with _migrated_engine(settings) as engine, session_factory(engine)() as session:
        tickets = await all_tickets(session, open_only=open_only)
    for ticket in tickets:
        where = f"team {ticket.team_channel}:{ticket.team_chat_id}" if ticket.team_chat_id else "queue (no team)"
        problem = f"\t⚠ {mask(ticket.delivery_problem).text}" if ticket.delivery_problem else ""
        print(
            f"#{ticket.id}\t{local_time(ticket.created_at)}\t{ticket.commune or '(no commune)'}\t{ticket.status}\t"
            f"{where}\t{mask(ticket.summary).text[:60]}{problem}"
        )
    print(f"{len(tickets)} tickets" + (" open" if open_only else ""))
    return 0


async def _outbox_retry(settings: Settings, dead: bool) -> int:
    """Make waiting messages due now; with --dead, given-up ones get a new period of tries."""
    from core.database import session_factory
    from core.delivery.outbox import requeue
    from handlers.jobs import on_requeued
    from models.base import utcnow

    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        due, revived = await requeue(session, utcnow(), dead=dead)
        await on_requeued(session, revived)
    print(f"{due} messages queued to be sent now ({len(revived)} of them had been given up); a running bot sends them")
    return 0


def _channel_setups() -> list[ModuleType]:
    """Every channel package's setup module: its settings and its factory (`NAME`, `SETTINGS`, `started`)."""
    from channels.telegram import setup as telegram
    from channels.zalo import setup as zalo

    return [telegram, zalo]


def _enabled_channels(settings: Settings) -> list[tuple[ModuleType, Any]]:
    """(setup module, its settings) of each channel configured in the environment."""
    chosen = [(setup, setup.SETTINGS.from_values(settings.values)) for setup in _channel_setups()]
    return [(setup, channel_settings) for setup, channel_settings in chosen if channel_settings.enabled]


def _all_secrets(settings: Settings) -> tuple[str | None, ...]:
    """The core's secrets and every channel's, for the redacting log formatter."""
    channel_secrets = [setup.SETTINGS.from_values(settings.values).secrets for setup in _channel_setups()]
    return settings.secrets + tuple(secret for group in channel_secrets for secret in group)


async def _run(settings: Settings) -> int:
    from aiohttp import web

    from handlers.runtime import background
    from web.server import build_web_app

    async with _bot(settings) as ctx, AsyncExitStack() as stack:
        secure = settings.web_public_url.startswith("https://")
        ctx.web_url = settings.web_public_url
        if settings.web_link_secret:  # else the random key of this process: links work until it restarts
            ctx.link_key = settings.web_link_secret.encode("utf-8")
        web_app = build_web_app(ctx.sessions, lambda: ctx.desk, clock=ctx.clock, secure_cookies=secure)
        senders: dict[str, Sender] = {}
        per_second: dict[str, float] = {}
        receivers = []
        for setup, channel_settings in _enabled_channels(settings):
            sender, receiving = await stack.enter_async_context(setup.started(ctx, channel_settings, web_app))
            senders[setup.NAME] = sender
            receivers.append(receiving)
            if channel_settings.max_per_second:
                per_second[setup.NAME] = channel_settings.max_per_second
        if not senders:
            log.warning("no channel configured: set TELEGRAM_BOT_TOKEN (or the ZALO_* keys) to talk to residents")
        give_up_after = timedelta(seconds=settings.outbox_give_up_after)
        await _warn_about_unrouted_requests(ctx, senders)
        await stack.enter_async_context(background(ctx, senders, per_second=per_second, give_up_after=give_up_after))
        runner = web.AppRunner(web_app)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        log.info("web server on http://%s:%s (GET /healthz)", settings.web_host, settings.web_port)
        for receiving in receivers:  # webhooks are registered once the server listens
            await stack.enter_async_context(receiving())
        await asyncio.Event().wait()
    return 0


async def _warn_about_unrouted_requests(ctx: BotContext, senders: dict[str, Sender]) -> None:
    """Say at start-up where requests for a person would wait unseen: communes without a team chat
    (or with one on a channel that is not running), or no commune at all."""
    from core.helpdesk.communes import list_communes

    async with ctx.sessions() as session:
        communes = await list_communes(session)
    if not communes:
        log.warning("no commune configured: requests for a person wait in `python bot.py tickets list`")
    for commune in communes:
        if not commune.team_chat_id:
            log.warning(
                "commune %s has no team chat: its requests for a person wait in the queue "
                "(/queue for its admins, `python bot.py tickets list`); link one with "
                "`python bot.py communes add %s --name ... --team CHANNEL:CHAT_ID`",
                commune.slug,
                commune.slug,
            )
        elif commune.team_channel not in senders:
            log.warning(
                "commune %s has its team on %s, which is not configured here", commune.slug, commune.team_channel
            )


async def _invite(settings: Settings, commune: str, role: str) -> int:
    from core.access import audit
    from core.database import session_factory
    from core.helpdesk.members import create_invite
    from models.base import utcnow

    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        try:
            code = await create_invite(session, commune, role, utcnow())
        except ValueError as error:
            print(error)
            return 2
        await audit.record(session, audit.CLI, "invite.create", commune, utcnow(), after={"role": role})
    print(f"One-time code for a {role} of {commune}, valid 7 days. The person sends /join CODE to the bot: {code}")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise ValueError("Hai lần nhập mật khẩu không giống nhau.")
    return first


async def _admin(settings: Settings, args: argparse.Namespace) -> int:
    """Create dashboard accounts and API tokens (each recorded in the audit log), or list accounts."""
    from sqlalchemy import select

    from core.access import audit
    from core.access.accounts import account_named, create_account
    from core.access.sessions import create_api_token
    from core.database import session_factory
    from models import WebAccount
    from models.base import utcnow

    async with _migrated_engine(settings) as engine, session_factory(engine)() as session, session.begin():
        now = utcnow()
        if args.admin_action == "users":
            accounts = list(await session.scalars(select(WebAccount).order_by(WebAccount.username)))
            if not accounts:
                print("No dashboard account yet: python bot.py admin create-user NAME --role admin --password-stdin")
            for each in accounts:
                state = " (disabled)" if each.disabled else ""
                print(f"{each.username}\t{each.role}\t{each.commune or 'every commune'}{state}")
            return 0
        if args.admin_action == "create-token":
            holder = await account_named(session, args.name)
            if holder is None:
                print(f"No account named {args.name!r}.", file=sys.stderr)
                return 2
            token = await create_api_token(session, holder, args.label, now)
            await audit.record(session, audit.CLI, "token.create", holder.username, now, after={"label": args.label})
            print(
                f"Read-only API token for {holder.username}, shown once "
                f"(send it as 'Authorization: Bearer ...'): {token}"
            )
            return 0
        try:
            account = await create_account(
                session, args.name, _read_password(args.password_stdin), args.role, args.commune
            )
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        details = {"username": account.username, "role": account.role, "commune": account.commune}
        await audit.record(session, audit.CLI, "account.create", account.username, now, after=details)
    where = f"commune {account.commune}" if account.commune else "every commune"
    print(
        f"Created {account.role} {account.username} ({where}). Log in at http://{settings.web_host}:{settings.web_port}/login"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (130 when interrupted, BROKEN_PIPE_EXIT when stdout's reader went away)."""
    args = build_parser().parse_args(argv)
    settings = Settings.load()
    configure_logging(settings.log_level, _all_secrets(settings))
    command = args.command
    if command is None:
        if _enabled_channels(settings):
            command = "run"
        else:
            print(
                "Chưa có TELEGRAM_BOT_TOKEN: mở trò chuyện trên máy. "
                "(Đặt TELEGRAM_BOT_TOKEN trong .env để chạy bot Telegram, xem README.)"
            )
            command = "shell"
    try:
        code = asyncio.run(_command(settings, command, args))
        sys.stdout.flush()  # a closed pipe shows here rather than as an error at interpreter exit
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _stdout_closed()
    return code


async def _command(settings: Settings, command: str, args: argparse.Namespace) -> int:
    """The chosen command's exit status."""
    if command == "run":
        return await _run(settings)
    if command == "shell":
        return await _shell(settings)
    if command == "ask":
        return await _ask(settings, " ".join(args.question))
    if command == "match":
        return await _match(settings)
    if command == "eval":
        return await _eval(settings, args)
    if command == "db":
        return await _db_upgrade(settings)
    if command == "communes":
        return await _communes(settings, args)
    if command == "invite":
        return await _invite(settings, args.commune, args.role)
    if command == "tickets":
        return await _tickets(settings, args.open)
    if command == "outbox":
        return await _outbox_retry(settings, args.dead)
    if command == "admin":
        return await _admin(settings, args)
    if command == "glossary":
        return await _glossary(settings, args.action, args.file, tuple(args.lang or ()))
    if args.action in {"pending", "approve", "reject"}:
        return await _kb_review(settings, args.action, args.ids)
    return await _kb(settings, args.action, args.dir, args.force)


def _stdout_closed() -> int:
    """Stdout's reader stopped early (`| head`): drop the rest of the output, so that exiting raises no second
    BrokenPipeError, and exit like a tool ended by SIGPIPE."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return BROKEN_PIPE_EXIT


if __name__ == "__main__":
    sys.exit(main())
