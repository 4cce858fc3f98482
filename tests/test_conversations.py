"""Whole conversations (`tests/data/conversations.yaml`), written by a helper who saw only the FAQ's topics
and answers, never the code: follow-ups that change a slot, two problems in one message, a request for
a person inside a complaint, hard words asked in free text, typed menu labels and checklist answers,
English. Each turn says what a good reply does; a conversation is handled when every turn does it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import select

from core.language.i18n import translator
from core.messages import Outbound
from handlers import intake
from handlers.context import BotContext
from models import DialogState, Ticket, User
from tests.fixtures import DATA_DIR, say

CONVERSATIONS: list[dict[str, Any]] = yaml.safe_load((DATA_DIR / "conversations.yaml").read_text(encoding="utf-8"))


async def _asked_for_a_person(bot: BotContext, resident: str, replies: list[Outbound]) -> bool:
    """The turn started (or continued) a request for a person: the intake is asking, or a ticket is open."""
    if any(r.intent == "human" for r in replies):
        return True
    async with bot.sessions() as session:
        user = await session.scalar(select(User).where(User.channel == "shell", User.external_id == resident))
        if user is None:
            return False
        intake_state = await session.get(DialogState, (user.id, intake.DIALOG_NAME))
        ticket = await session.scalar(select(Ticket).where(Ticket.user_id == user.id))
    return intake_state is not None or ticket is not None


def _explains_a_word(bot: BotContext, replies: list[Outbound]) -> bool:
    terms = bot.knowledge.glossary.terms
    return any(any(r.text.startswith(f"{t.term}:") for t in terms) for r in replies)


def _in_english(bot: BotContext, replies: list[Outbound]) -> bool:
    english_labels = {translator("en")(label) for label in ("🏠 Về menu", "🙋 Gặp cán bộ", "📚 Hỏi đáp")}
    return any(b.label in english_labels for r in replies for b in r.choices())


async def _misses(bot: BotContext, resident: str, turn: dict[str, Any], replies: list[Outbound]) -> list[str]:
    """What the replies to one turn fail to do, against the turn's expectations."""
    expect = turn.get("expect") or {}
    answered = {r.intent for r in replies if r.action in {"answer", "smalltalk"}}
    offered = answered | {b.data.removeprefix("faq:") for r in replies for b in r.choices()}
    misses = []
    if "intent" in expect and expect["intent"] not in answered:
        misses.append(f"answered {sorted(map(str, answered))}, wanted {expect['intent']}")
    if "offers" in expect and not set(expect["offers"]) <= offered:
        misses.append(f"offered {sorted(offered)}, wanted all of {expect['offers']}")
    if "offers_any" in expect and not set(expect["offers_any"]) & offered:
        misses.append(f"offered {sorted(offered)}, wanted one of {expect['offers_any']}")
    if "not_intent" in expect and expect["not_intent"] in answered:
        misses.append(f"answered {expect['not_intent']}")
    if expect.get("person") and not await _asked_for_a_person(bot, resident, replies):
        misses.append("no request for a person")
    if expect.get("glossary") and not _explains_a_word(bot, replies):
        misses.append("no hard word explained")
    if expect.get("language") == "en" and not _in_english(bot, replies):
        misses.append("not in English")
    return misses


def test_the_conversations_file_is_well_formed(bot_knowledge_ids: set[str]) -> None:
    assert len(CONVERSATIONS) >= 10
    for conversation in CONVERSATIONS:
        assert conversation["turns"], conversation["name"]
        for turn in conversation["turns"]:
            expect = turn.get("expect") or {}
            named = {expect.get("intent"), expect.get("not_intent"), *expect.get("offers", [])}
            named = (named | set(expect.get("offers_any", []))) - {None}
            assert named <= bot_knowledge_ids, (conversation["name"], named - bot_knowledge_ids)


@pytest.fixture
def bot_knowledge_ids(bot: BotContext) -> set[str]:
    return set(bot.knowledge.entries)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c["name"])
async def test_the_conversation_is_handled(bot: BotContext, conversation: dict[str, Any]) -> None:
    resident = f"conversation-{conversation['name']}"
    transcript = []
    for turn in conversation["turns"]:
        replies = await say(bot, turn["say"], user=resident)
        misses = await _misses(bot, resident, turn, replies)
        transcript.append(f"> {turn['say']}\n< {replies[-1].text[:120] if replies else '(nothing)'} {misses or ''}")
        assert not misses, "\n".join(transcript)
