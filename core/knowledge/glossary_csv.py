"""Offline work sessions on the glossary: export it to a CSV (with the recordings in a folder beside
it) and import what bilingual volunteers filled in.

Columns: `term,lang,text,audio,contributor,verified_by,status`. `audio` is a path relative to the
CSV's folder; `status` is proposed, verified or rejected, and an entry may only be verified (or
rejected) when `verified_by` names a team member other than the contributor. An import is checked
whole before anything is written: one bad row and nothing changes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.knowledge.glossary_entries import Reviewer, may_decide
from core.knowledge.versions import mark_changed
from core.language.normalize import fold
from core.media.store import MediaStore, MediaTooLarge
from models import GlossaryEntry, GlossaryTerm, Member
from models.glossary import PROPOSED, STATUSES

COLUMNS = ("term", "lang", "text", "audio", "contributor", "verified_by", "status")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
BASE_LANGUAGES = frozenset({"vi", "en"})
MAX_TEXT = 300


class GlossaryImportError(ValueError):
    """The CSV cannot be imported; `problems` lists each row's problem (nothing was written)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    empty: int = 0
    problems: list[str] = field(default_factory=list)


def audio_folder(csv_path: Path) -> Path:
    """Where an export puts the recordings: `<name>_audio/` beside the CSV."""
    return csv_path.with_name(f"{csv_path.stem}_audio")


async def export_csv(session: AsyncSession, store: MediaStore, path: Path, languages: tuple[str, ...]) -> int:
    """Every entry, and an empty row for each term still missing in each of `languages`; the rows written."""
    terms = (
        await session.scalars(
            select(GlossaryTerm).options(selectinload(GlossaryTerm.entries)).order_by(GlossaryTerm.term)
        )
    ).all()
    folder = audio_folder(path)
    rows: list[dict[str, str]] = []
    for term in terms:
        for entry in term.entries:
            audio = ""
            if entry.audio:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / Path(entry.audio).name
                shutil.copyfile(store.path(entry.audio), target)
                audio = f"{folder.name}/{target.name}"
            rows.append(
                {
                    "term": term.term,
                    "lang": entry.lang,
                    "text": entry.text,
                    "audio": audio,
                    "contributor": entry.contributor_name,
                    "verified_by": entry.verifier_name,
                    "status": entry.status,
                }
            )
        covered = {e.lang for e in term.entries}
        rows.extend({"term": term.term, "lang": lang} for lang in languages if lang not in covered)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    await asyncio.to_thread(path.write_text, buffer.getvalue(), encoding="utf-8")
    return len(rows)


async def import_csv(session: AsyncSession, store: MediaStore, path: Path, now: datetime) -> ImportResult:
    """Add or update the entries of a filled-in CSV; GlossaryImportError (and no change) when a row is wrong."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise GlossaryImportError([f"missing columns: {', '.join(missing)} (need {','.join(COLUMNS)})"])
        rows = list(reader)
    terms = {fold(t.term): t for t in (await session.scalars(select(GlossaryTerm))).all()}
    members = {fold(m.name): m for m in (await session.scalars(select(Member).where(func.length(Member.name) > 0)))}
    result = ImportResult()
    planned: list[tuple[GlossaryTerm, dict[str, str], str | None]] = []
    for line, row in enumerate(rows, start=2):
        cells = {c: (row.get(c) or "").strip() for c in COLUMNS}
        if not cells["text"] and not cells["audio"]:
            result.empty += 1
            continue
        problem, audio = _check(cells, terms, members, path.parent, store)
        if problem:
            result.problems.append(f"line {line}: {problem}")
        else:
            planned.append((terms[fold(cells["term"])], cells, audio))
    if result.problems:
        raise GlossaryImportError(result.problems)
    for term, cells, audio in planned:
        await _apply(session, term, cells, audio, members, now, result)
    if result.added or result.updated:
        await mark_changed(session, now)
    return result


def _check(
    cells: dict[str, str], terms: dict[str, GlossaryTerm], members: dict[str, Member], folder: Path, store: MediaStore
) -> tuple[str, str | None]:
    """What is wrong with a row (empty when nothing), and its recording saved to the store."""
    if fold(cells["term"]) not in terms:
        return f'unknown term "{cells["term"]}" (terms come from knowledge/glossary.yaml)', None
    lang = cells["lang"]
    if not _LANGUAGE.fullmatch(lang) or lang in BASE_LANGUAGES:
        return f'language "{lang}" is not a resident language code such as bru, pac, tth or scb', None
    status = cells["status"] or PROPOSED
    if status not in STATUSES:
        return f'status "{status}" is not one of {", ".join(STATUSES)}', None
    if len(cells["text"]) > MAX_TEXT:
        return f"text longer than {MAX_TEXT} characters", None
    if status != PROPOSED:
        verifier = members.get(fold(cells["verified_by"])) if cells["verified_by"] else None
        if verifier is None:
            return f"{status} needs verified_by to name a team member", None
        contributor = members.get(fold(cells["contributor"]))
        entry = GlossaryEntry(
            contributor_id=contributor.id if contributor else None, contributor_name=cells["contributor"]
        )
        if not may_decide(entry, Reviewer(verifier.name, verifier.id)):
            return f"{status} by its own contributor: a second person must verify", None
    if not cells["audio"]:
        return "", None
    audio_path = (folder / cells["audio"]).resolve()
    if not audio_path.is_relative_to(folder.resolve()) or not audio_path.is_file():
        return f'audio "{cells["audio"]}" is not a file in the CSV\'s folder', None
    try:
        return "", store.save(audio_path.read_bytes())
    except MediaTooLarge:
        return f'audio "{cells["audio"]}" is too large', None


async def _apply(
    session: AsyncSession,
    term: GlossaryTerm,
    cells: dict[str, str],
    audio: str | None,
    members: dict[str, Member],
    now: datetime,
    result: ImportResult,
) -> None:
    """Create the entry, or update the same one (same term, language, text and recording)."""
    lang, status = cells["lang"], cells["status"] or PROPOSED
    entry = await session.scalar(
        select(GlossaryEntry).where(
            GlossaryEntry.term_id == term.id,
            GlossaryEntry.lang == lang,
            GlossaryEntry.text == cells["text"],
            GlossaryEntry.audio.is_(None) if audio is None else GlossaryEntry.audio == audio,
        )
    )
    contributor = members.get(fold(cells["contributor"]))
    verifier = members.get(fold(cells["verified_by"])) if status != PROPOSED else None
    if entry is None:
        entry = GlossaryEntry(term_id=term.id, lang=lang, text=cells["text"], audio=audio, origin="csv", created_at=now)
        session.add(entry)
        result.added += 1
    elif (entry.status, entry.contributor_name, entry.verifier_name) == (
        status,
        cells["contributor"],
        verifier.name if verifier else "",
    ):
        result.unchanged += 1
        return
    else:
        result.updated += 1
    entry.contributor_id = contributor.id if contributor else None
    entry.contributor_name = cells["contributor"]
    entry.status = status
    entry.verifier_id = verifier.id if verifier else None
    entry.verifier_name = verifier.name if verifier else ""
    entry.decided_at = now if verifier else None
    await session.flush()
