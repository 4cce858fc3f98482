"""The shipped FAQ content and its import/export through the database."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.knowledge.faq import import_knowledge, intents_from_files, load_knowledge
from core.payloads import fits
from handlers.context import BotContext
from models import FaqEntry, FaqParaphrase
from tests.fixtures import KNOWLEDGE_DIR

TOPICS = {
    "what_is_level2",
    "level1_vs_level2",
    "benefits",
    "eligibility_age",
    "children_under_14",
    "cost",
    "documents_needed",
    "where_to_register",
    "processing_time",
    "install_app",
    "activate_app",
    "no_activation_sms",
    "forgot_passcode",
    "changed_phone_number",
    "new_device",
    "sim_not_own_name",
    "no_smartphone",
    "no_signal",
    "account_locked",
    "wrong_information",
    "no_chip_id",
    "lost_id_card",
    "face_verification_fail",
    "check_level",
    "online_public_services",
    "integrate_documents",
    "scam_warning",
    "data_security",
    "home_visit",
    "team_schedule",
    "free_sim_phone_loan",
    # next to e-ID: answered briefly, or routed to the right office
    "id_card_issue",
    "id_card_lost_chip",
    "sim_minor_subscriber",
    "vneid_residence",
    "vneid_passport",
    "vneid_tax_social",
    "vneid_driving_licence",
    "bank_biometrics",
    "vssid_confusion",
    "lost_phone",
    "air_travel",
    "one_number_one_account",
    "old_id_cards",
}
SPECIAL = {"human", "greeting", "thanks"}
UNCONFIRMED = ["320/2026", "169/2025", "118/2025", "29/2026", "công an huyện", "công an cấp huyện"]


def _faq() -> list[dict]:
    return yaml.safe_load((KNOWLEDGE_DIR / "faq.yaml").read_text(encoding="utf-8"))


def test_every_topic_and_special_intent_is_there_once() -> None:
    ids = [entry["id"] for entry in _faq()]
    assert sorted(ids) == sorted(TOPICS | SPECIAL)


@pytest.mark.parametrize("entry", _faq(), ids=lambda e: e["id"])
def test_entry_is_short_sourced_reviewed_and_has_paraphrases(entry: dict) -> None:
    categories = {c["id"] for c in yaml.safe_load((KNOWLEDGE_DIR / "categories.yaml").read_text(encoding="utf-8"))}
    assert entry["category"] in categories
    assert 0 < len(entry["answer"].strip()) <= 700
    assert entry["source"].strip()
    assert isinstance(entry["reviewed"], date)
    assert entry["status"] == "published"
    assert len(set(entry["paraphrases"])) >= 8
    for phrase in UNCONFIRMED:
        assert phrase not in entry["answer"], f"unconfirmed fact stated: {phrase}"


@pytest.mark.parametrize("entry", _faq(), ids=lambda e: e["id"])
def test_entry_has_an_english_version_with_the_same_numbers(entry: dict) -> None:
    """The English question, answer and paraphrases exist, and every number the Vietnamese answer gives
    (ages, days, phone numbers, amounts) is in the English answer too."""
    assert entry["question_en"].strip() and entry["answer_en"].strip()
    assert len(set(entry["paraphrases_en"])) >= 8
    assert not set(entry["paraphrases_en"]) & set(entry["paraphrases"])
    numbers = set(re.findall(r"\d+", entry["answer"]))
    assert numbers <= set(re.findall(r"\d+", entry["answer_en"])), entry["id"]


def test_topics_are_grouped_into_a_few_browsable_categories() -> None:
    used = {entry["category"] for entry in _faq() if entry["id"] in TOPICS}
    assert 3 <= len(used) <= 8


def test_glossary_is_vietnamese_with_explanations() -> None:
    terms = yaml.safe_load((KNOWLEDGE_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    assert len(terms) >= 15
    for term in terms:
        assert term["explanation"].strip() and term["lang"] == "vi"


async def test_import_is_idempotent_and_keeps_volunteer_paraphrases(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        session.add(FaqParaphrase(entry_id="cost", text="làm cái này tốn mấy đồng", origin="volunteer"))
        stale = FaqParaphrase(entry_id="cost", text="một câu cũ đã bỏ khỏi tệp", origin="seed")
        session.add(stale)
    async with bot.sessions() as session, session.begin():
        report = await import_knowledge(session, KNOWLEDGE_DIR)
    assert report.entries == len(_faq())
    async with bot.sessions() as session:
        entry = await session.get(FaqEntry, "cost", options=[selectinload(FaqEntry.paraphrases)])
        texts = [p.text for p in entry.paraphrases]
        total = len((await session.scalars(select(FaqParaphrase))).all())
    assert "làm cái này tốn mấy đồng" in texts
    assert "một câu cũ đã bỏ khỏi tệp" not in texts
    assert total == sum(len(e["paraphrases"]) + len(e.get("paraphrases_en", [])) for e in _faq()) + 1


async def test_only_published_entries_are_answered(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        entry = await session.get(FaqEntry, "cost")
        entry.status = "draft"
    async with bot.sessions() as session:
        knowledge = await load_knowledge(session, bot.matching)
    assert "cost" not in knowledge.entries
    assert "cost" not in knowledge.matcher.intent_ids


async def test_database_and_files_give_the_matcher_the_same_input(bot: BotContext) -> None:
    async with bot.sessions() as session:
        knowledge = await load_knowledge(session, bot.matching)
    from_files = {i.id: (set(i.texts), i.context) for i in intents_from_files(KNOWLEDGE_DIR)}
    from_database = {i.id: (set(i.texts), i.context) for i in knowledge.intents}
    assert from_database == from_files


def test_every_faq_and_category_id_fits_in_every_button_that_carries_it() -> None:
    """Ids travel in button data (at most 64 bytes on Telegram), up to a team button with a 9-digit ticket."""
    categories = yaml.safe_load((KNOWLEDGE_DIR / "categories.yaml").read_text(encoding="utf-8"))
    for entry in _faq():
        assert fits("faq", entry["id"]) and fits("terms", entry["id"]), entry["id"]
        assert fits("tv", "send", 999_999_999, entry["id"]) and fits("tv", "learn", 999_999_999, entry["id"])
    for category in categories:
        assert fits("cat", category["id"]), category["id"]


async def test_glossary_review_dates_survive_import_and_export(bot: BotContext, tmp_path: Path) -> None:
    from core.knowledge.faq import export_knowledge

    async with bot.sessions() as session, session.begin():
        await export_knowledge(session, tmp_path)
    exported = yaml.safe_load((tmp_path / "glossary.yaml").read_text(encoding="utf-8"))
    shipped = yaml.safe_load((KNOWLEDGE_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    assert {t["term"]: t.get("reviewed") for t in exported} == {t["term"]: t.get("reviewed") for t in shipped}
    assert all(isinstance(t.get("reviewed"), date) for t in exported)
