"""FAQ matcher: a lexical ensemble over paraphrases, decided by confidence and margin."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from core.language.classifier import NONE, Classifier, trained
from core.language.normalize import Lexicon, Normalizer, fold, words
from core.language.sparse import SparseIndex, char_features, inverse_frequencies, word_features

HUMAN = "human"
OUT_OF_SCOPE = "out_of_scope:"
THANKS = "thanks"
SMALLTALK_INTENTS = frozenset({"greeting", THANKS})
SPECIAL_INTENTS = SMALLTALK_INTENTS | {HUMAN}
MAX_LEARNED_INTENTS = 400  # beyond this the classifier's weights outgrow a small server; lexical only


def is_out_of_scope(intent_id: str) -> bool:
    """True for the negative classes built from out-of-scope examples."""
    return intent_id.startswith(OUT_OF_SCOPE)


@dataclass(frozen=True)
class IntentTexts:
    """What the matcher learns from: an intent id and the ways people ask it."""

    id: str
    texts: tuple[str, ...]
    context: str = ""


@dataclass(frozen=True)
class Weights:
    """How much each lexical view counts in the fused score (they sum to 1)."""

    word_doc: float = 0.0
    char_doc: float = 0.0
    word_pool: float = 1.0
    char_pool: float = 0.0

    def vector(self) -> np.ndarray:
        """The weights in the row order of `Matcher.components`."""
        return np.array([self.word_doc, self.char_doc, self.word_pool, self.char_pool])


@dataclass(frozen=True)
class Thresholds:
    """Decision rule: answer when confident and clear of the runner-up, else ask or hand over.

    `margin` is relative: the best intent must score at least (1 + margin) times the runner-up.
    """

    answer: float = 0.06
    margin: float = 0.10
    clarify: float = 0.04
    suggest_gap: float = 0.08
    coverage_power: float = 0.0
    agree: float = 0.40  # an FAQ answer needs the classifier to name the same intent at least this surely
    prefer: float = 0.60  # ... or, for another of the intents a clarification offers, this surely
    floor: float = 0.08  # in a message of more than long_words, agreement on a first choice scoring under this...
    sure: float = 0.70  # ... needs the classifier this sure (a faint echo of a topic in a letter is not its topic)
    firm: float = 0.18  # a lexical answer this strong needs only that the classifier not contradict it...
    veto: float = 0.50  # ... by naming another class this surely
    long_words: int = 10  # a message of more words is a letter: a "cảm ơn" in it is courtesy, not the point


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict, in the shape `python bot.py match` prints."""

    text: str
    intent: str | None
    confidence: float
    action: str
    suggestions: list[str] = field(default_factory=list)
    out_of_scope: bool = False
    language: str = "vi"

    def as_dict(self) -> dict[str, object]:
        """The `match` command's JSON shape (out_of_scope is internal)."""
        shown = asdict(self)
        del shown["out_of_scope"]
        return shown


class Matcher:
    """Scores a question against every intent and decides answer / clarify / escalate / smalltalk."""

    def __init__(
        self,
        intents: Sequence[IntentTexts],
        lexicon: Lexicon,
        weights: Weights | None = None,
        thresholds: Thresholds | None = None,
        negatives: Mapping[str, Sequence[str]] | None = None,
        *,
        learned: bool = False,
        cache: Path | None = None,
    ) -> None:
        """Build the indexes; `negatives` are groups of messages that belong to no intent (out of scope).

        With `learned`, a classifier trained on the same texts (kept in `cache`) gives a second opinion,
        for knowledge bases of up to `MAX_LEARNED_INTENTS` intents."""
        self.weights = weights or Weights()
        self.thresholds = thresholds or Thresholds()
        negative_intents = [
            IntentTexts(f"{OUT_OF_SCOPE}{name}", tuple(texts)) for name, texts in (negatives or {}).items()
        ]
        intents = [*intents, *negative_intents]
        self.intent_ids = [intent.id for intent in intents]
        self._thanks = np.array([i == THANKS for i in self.intent_ids], dtype=bool)
        self._faq_ids = frozenset(i for i in self.intent_ids if i not in SPECIAL_INTENTS and not is_out_of_scope(i))
        vocabulary = Counter(lexicon.vocabulary())
        for intent in intents:
            for text in intent.texts:
                vocabulary.update(fold(word) for word in words(text))
        self.vocabulary = frozenset(vocabulary)
        self.normalizer = Normalizer(lexicon, vocabulary)
        training = Normalizer(lexicon, vocabulary, primary_readings=True)

        w = self.weights
        self._uses_chars = bool(w.char_doc or w.char_pool)
        word_docs: list[Counter[str]] = []
        char_docs: list[Counter[str]] = []
        word_pools: list[Counter[str]] = []
        char_pools: list[Counter[str]] = []
        starts: list[int] = []
        learns = learned and len(intents) <= MAX_LEARNED_INTENTS
        examples: list[tuple[str, str]] = []  # normalised texts and their classes, for the classifier
        for intent in intents:
            starts.append(len(word_docs))
            word_pool: Counter[str] = Counter()
            char_pool: Counter[str] = Counter()
            label = NONE if is_out_of_scope(intent.id) else intent.id
            for text in intent.texts:
                tokens = training.tokens(text)
                if learns:
                    examples.append((self.normalizer.text(text), label))  # as questions will be read
                word_docs.append(word_features(tokens))
                word_pool.update(word_docs[-1])
                if self._uses_chars:
                    char_docs.append(char_features(tokens))
                    char_pool.update(char_docs[-1])
            if intent.context:
                context = training.tokens(intent.context)
                word_pool.update(set(word_features(context)))
                if self._uses_chars:
                    char_pool.update(set(char_features(context)))
            word_pools.append(word_pool)
            char_pools.append(char_pool)
        in_scope_words = {
            f for i, pool in zip(self.intent_ids, word_pools, strict=True) if not is_out_of_scope(i) for f in pool
        }
        # The words only an out-of-scope group uses ("facebook", "ngân hàng"): without one of them, a
        # message the group wins is offered as a choice of questions instead of refused outright (a bare
        # "quên mật khẩu" is most likely a VNeID question here).
        self._foreign = {
            i: frozenset(pool) - in_scope_words
            for i, pool in zip(self.intent_ids, word_pools, strict=True)
            if is_out_of_scope(i)
        }
        self.second_opinion: Classifier | None = None
        if learns:
            self.second_opinion = trained([t for t, _ in examples], [label for _, label in examples], cache)
        word_idf = inverse_frequencies(word_pools)
        char_idf = inverse_frequencies(char_pools) if self._uses_chars else {}
        self._starts = np.asarray(starts, dtype=np.intp)
        self._word = SparseIndex(word_docs if w.word_doc else [], word_idf)
        self._char = SparseIndex(char_docs if w.char_doc else [], char_idf)
        self._word_pool = SparseIndex(word_pools if w.word_pool else [], word_idf)
        self._char_pool = SparseIndex(char_pools if w.char_pool else [], char_idf)

    def components(self, text: str) -> tuple[np.ndarray, float]:
        """Per-intent similarities (rows in `Weights.vector` order) and the query's vocabulary coverage."""
        return self._components(self.normalizer.tokens(text))

    def _components(self, tokens: list[str]) -> tuple[np.ndarray, float]:
        word_feats = word_features(tokens)
        chars = char_features(tokens) if self._uses_chars else Counter()
        w = self.weights
        views = np.zeros((4, len(self.intent_ids)))
        if w.word_doc:
            views[0] = np.maximum.reduceat(self._word.scores(word_feats), self._starts)
        if w.char_doc:
            views[1] = np.maximum.reduceat(self._char.scores(chars), self._starts)
        if w.word_pool:
            views[2] = self._word_pool.scores(word_feats)
        if w.char_pool:
            views[3] = self._char_pool.scores(chars)
        coverage = self._word.known_weight(Counter(tokens)) if tokens else 0.0
        return views, coverage

    def scores(self, text: str) -> np.ndarray:
        """Fused confidence for every intent, in knowledge-base order."""
        return self._scores(self.normalizer.tokens(text))

    def _scores(self, tokens: list[str]) -> np.ndarray:
        views, coverage = self._components(tokens)
        fused = self.weights.vector() @ views
        return fused * coverage**self.thresholds.coverage_power

    def alternatives(self, text: str, exclude: str | None = None, limit: int = 3) -> list[str]:
        """The closest FAQ intents for a text, best first (for "that was not it")."""
        return self._alternatives(self.normalizer.tokens(text), exclude, limit)

    def _alternatives(self, tokens: list[str], exclude: str | None = None, limit: int = 3) -> list[str]:
        scores = self._scores(tokens)
        ranked = [self.intent_ids[i] for i in np.argsort(-scores, kind="stable")]
        faq = [i for i in ranked if i != exclude and i not in SPECIAL_INTENTS and not is_out_of_scope(i)]
        return faq[:limit]

    def _anchored(self, tokens: list[str], negative: str) -> bool:
        """Whether the message uses a word of its own of this out-of-scope group."""
        return bool(set(word_features(tokens)) & self._foreign.get(negative, frozenset()))

    def match(self, text: str) -> MatchResult:
        """Rank the intents and apply the decision rule, then ask the classifier: an FAQ answer is given
        only when both readings name the same intent, the classifier at least `agree` sure of the lexical
        first choice (answered or offered; `sure` when that scores under `floor` in a long message) or `prefer` sure of
        another offered one, or when a `firm` lexical answer is not vetoed by the classifier; otherwise
        the question becomes a choice."""
        tokens = self.normalizer.tokens(text)  # normalised once for both readings
        verdict = self.lexical_match(text, tokens)
        if self.second_opinion is None or verdict.out_of_scope:
            return verdict
        if verdict.action != "answer" and verdict.intent is not None:
            return verdict  # a greeting, thanks, or a request for a person
        opinion = self.second_opinion.opinion(" ".join(tokens))
        first = verdict.intent if verdict.action == "answer" else next(iter(verdict.suggestions), None)
        t = self.thresholds
        faint = verdict.confidence < t.floor and len(tokens) > t.long_words
        agreed = opinion.probability >= (t.sure if faint else t.agree)
        if first is not None and opinion.intent == first and agreed:
            return replace(verdict, intent=first, action="answer", suggestions=[])
        firm = verdict.action == "answer" and verdict.confidence >= t.firm
        if firm and (opinion.intent == first or opinion.probability < t.veto):
            return verdict
        if opinion.intent in verdict.suggestions[1:] and opinion.probability >= t.prefer:
            return replace(verdict, intent=opinion.intent, action="answer", suggestions=[])
        if verdict.action != "answer":
            return verdict
        named = [first or "", *([opinion.intent] if opinion.intent in self._faq_ids else [])]
        offered = list(dict.fromkeys([*named, *self._alternatives(tokens)]))[:3]
        return replace(verdict, intent=None, action="clarify", suggestions=offered)

    def lexical_match(self, text: str, tokens: list[str]) -> MatchResult:
        """Rank the intents by lexical similarity and apply the decision rule (`tokens`: the normalised text)."""
        if not self.intent_ids:
            return MatchResult(text, None, 0.0, "escalate")
        scores = self._scores(tokens)
        if "?" in text and len(text.split()) > self.thresholds.long_words:
            scores[self._thanks] = 0.0  # "Chào luật sư, ... ? Xin cảm ơn!" is a question, not thanks
        order = np.argsort(-scores, kind="stable")
        best = self.intent_ids[order[0]]
        top = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
        t = self.thresholds
        faq_ranked = [
            i for i in order if not is_out_of_scope(self.intent_ids[i]) and self.intent_ids[i] not in SPECIAL_INTENTS
        ]
        suggestions = [
            self.intent_ids[i] for i in faq_ranked[:3] if float(scores[i]) >= max(top - t.suggest_gap, t.clarify * 0.75)
        ]
        if is_out_of_scope(best):
            if suggestions and not self._anchored(tokens, best):
                offered = list(dict.fromkeys([*suggestions, *(self.intent_ids[i] for i in faq_ranked[:2])]))[:3]
                return MatchResult(text, None, round(top, 4), "clarify", offered)
            return MatchResult(text, None, round(top, 4), "escalate", out_of_scope=True)
        confidence = round(top, 4)
        if top >= t.answer and top >= runner_up * (1 + t.margin):
            if best in SMALLTALK_INTENTS:
                return MatchResult(text, best, confidence, "smalltalk")
            if best == HUMAN:
                return MatchResult(text, best, confidence, "escalate")
            return MatchResult(text, best, confidence, "answer")
        if top >= t.clarify and len(suggestions) >= 2:
            return MatchResult(text, None, confidence, "clarify", suggestions)
        if top >= t.clarify and suggestions:
            padded = [*suggestions, *(self.intent_ids[i] for i in faq_ranked[1:2])]
            return MatchResult(text, None, confidence, "clarify", padded)
        return MatchResult(text, None, confidence, "escalate")
