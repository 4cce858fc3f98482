"""Vietnamese and English questions: each read by its own matcher, the language told by vocabulary."""

from __future__ import annotations

from dataclasses import replace

from core.language.matcher import Matcher, MatchResult
from core.language.normalize import fold, has_marks, words

VIETNAMESE = "vi"
ENGLISH = "en"


class BilingualMatcher:
    """Routes a question to the Vietnamese matcher or, when it reads as English, the English one.

    A message with any Vietnamese mark is Vietnamese. Otherwise it is English when more of its words
    belong to the English training texts than to the Vietnamese ones (unmarked Vietnamese such as
    "the can cuoc" shares few words with English; "how do i activate my account" shares many).
    """

    def __init__(self, vietnamese: Matcher, english: Matcher | None = None) -> None:
        self.vietnamese = vietnamese
        self.english = english

    @property
    def intent_ids(self) -> list[str]:
        """The Vietnamese matcher's intents (every FAQ entry has Vietnamese texts)."""
        return self.vietnamese.intent_ids

    def language_of(self, text: str) -> str:
        """`en` when the message reads as English, else `vi`."""
        if self.english is None or has_marks(text):
            return VIETNAMESE
        folded = [fold(word) for word in words(text)]
        english = sum(word in self.english.vocabulary for word in folded)
        vietnamese = sum(word in self.vietnamese.vocabulary for word in folded)
        return ENGLISH if english > vietnamese else VIETNAMESE

    def _for(self, text: str) -> tuple[Matcher, str]:
        language = self.language_of(text)
        if language == ENGLISH and self.english is not None:
            return self.english, ENGLISH
        return self.vietnamese, VIETNAMESE

    def match(self, text: str) -> MatchResult:
        """The verdict of the matcher for the message's language, tagged with that language."""
        matcher, language = self._for(text)
        return replace(matcher.match(text), language=language)

    def alternatives(self, text: str, exclude: str | None = None, limit: int = 3) -> list[str]:
        """The closest FAQ intents, from the matcher for the text's language."""
        return self._for(text)[0].alternatives(text, exclude=exclude, limit=limit)
