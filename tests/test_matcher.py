"""The matcher on the held-out evaluation set, and the set's own honesty."""

from __future__ import annotations

from collections import Counter

import pytest

from core.knowledge.faq import intents_from_files, load_matching_data
from core.language.bilingual import BilingualMatcher
from core.language.evaluation import Report, evaluate, read_examples
from core.language.matcher import Matcher
from core.language.normalize import Normalizer
from core.privacy import mask
from tests.fixtures import DATA_DIR, KNOWLEDGE_DIR

STYLES = {"standard", "no_diacritics", "teencode", "dialect", "typos", "simple", "english"}
# Regression floors at the measured level, not the targets of the real-questions issue (97% / 1% / 97%,
# every style 93%), which are not met yet (README, "Measured results"). On 2026-12-02 the set gained 16
# near-domain and 12 English out-of-scope questions, harder than the first 64: rejection fell to 93.5%.
# On 2026-12-03 the stricter answer rule (the classifier must agree) raised rejection to 96.7% and cut
# wrong answers to 1.6%; every style is at 93.3% or more.
TOP1_TARGET = 0.95
WRONG_LIMIT = 0.02
REJECTION_TARGET = 0.95
STYLE_FLOOR = 0.93


@pytest.fixture(scope="module")
def report(matcher: BilingualMatcher) -> Report:
    examples = read_examples(DATA_DIR / "eval.tsv")
    return evaluate(examples, [matcher.match(mask(e.text).text) for e in examples])


def _key(normalizer: Normalizer, text: str) -> str:
    return normalizer.text(text)


def test_eval_set_has_the_required_size_and_styles() -> None:
    examples = read_examples(DATA_DIR / "eval.tsv")
    in_scope = [e for e in examples if e.in_scope]
    assert len(in_scope) >= 400
    assert len(examples) - len(in_scope) >= 50
    assert {e.style for e in examples} == STYLES
    topics = {i.id for i in intents_from_files(KNOWLEDGE_DIR)}
    per_topic = Counter(e.intent for e in in_scope)
    assert set(per_topic) == topics
    assert min(per_topic.values()) >= 8


def test_no_evaluation_sentence_is_in_the_training_data() -> None:
    normalizer = Normalizer(load_matching_data(KNOWLEDGE_DIR).lexicon)
    training = {_key(normalizer, t) for intent in intents_from_files(KNOWLEDGE_DIR) for t in intent.texts}
    training |= {_key(normalizer, t) for t in load_matching_data(KNOWLEDGE_DIR).negative_texts()}
    evaluation = [_key(normalizer, e.text) for e in read_examples(DATA_DIR / "eval.tsv")]
    development = {_key(normalizer, e.text) for e in read_examples(DATA_DIR / "dev.tsv")}
    leaked = [text for text in evaluation if text in training]
    assert not leaked, leaked[:5]
    assert not set(evaluation) & development


def test_targets_hold_on_the_evaluation_set(report: Report) -> None:
    summary = "\n".join(report.lines())
    assert report.overall.top1 >= TOP1_TARGET, summary
    assert report.overall.wrong_rate <= WRONG_LIMIT, summary
    assert report.overall.rejection >= REJECTION_TARGET, summary


@pytest.mark.parametrize("style", sorted(STYLES))
def test_no_style_falls_below_the_floor(report: Report, style: str) -> None:
    tally = report.by_style[style]
    assert tally.accuracy >= STYLE_FLOOR, "\n".join(report.lines())
    assert tally.top1 >= STYLE_FLOOR, "\n".join(report.lines())


def test_clarifications_carry_two_or_three_suggestions_and_no_intent(matcher: BilingualMatcher) -> None:
    examples = read_examples(DATA_DIR / "eval.tsv") + read_examples(DATA_DIR / "dev.tsv")
    clarified = [r for r in (matcher.match(e.text) for e in examples) if r.action == "clarify"]
    assert clarified
    for result in clarified:
        assert result.intent is None and 2 <= len(result.suggestions) <= 3
        assert len(set(result.suggestions)) == len(result.suggestions)


def test_every_faq_answer_is_backed_by_the_classifier_or_firm_and_not_contradicted(
    matcher: BilingualMatcher,
) -> None:
    """The answer rule of `Matcher.match`, checked from outside on every dev question: an FAQ answer is
    either named by the classifier at least `agree` surely (`sure` when its lexical score is under
    `floor` in a long message), or a firm lexical answer it does not veto."""
    vietnamese = matcher.vietnamese
    assert vietnamese.second_opinion is not None
    t = vietnamese.thresholds
    answered = 0
    for example in read_examples(DATA_DIR / "dev.tsv"):
        if example.style == "english":
            continue
        result = vietnamese.match(example.text)
        if result.action != "answer":
            continue
        answered += 1
        opinion = vietnamese.second_opinion.opinion(vietnamese.normalizer.text(example.text))
        faint = result.confidence < t.floor and len(vietnamese.normalizer.tokens(example.text)) > t.long_words
        needed = t.sure if faint else t.agree
        backed = opinion.intent == result.intent and opinion.probability >= needed
        vetoed = opinion.intent != result.intent and opinion.probability >= t.veto
        assert backed or (result.confidence >= t.firm and not vetoed), example.text
    assert answered > 500


def test_thanks_at_the_end_of_a_letter_does_not_answer_its_question(matcher: BilingualMatcher) -> None:
    letter = "Cho em hỏi tiền trợ cấp hàng tháng khi nào có ạ? Mong nhận được phản hồi, xin cảm ơn nhiều!"
    assert matcher.match(letter).action != "smalltalk"
    assert matcher.match("cảm ơn nhiều nhé").intent == "thanks"


def test_an_empty_knowledge_base_hands_everything_to_a_person() -> None:
    empty = Matcher([], load_matching_data(KNOWLEDGE_DIR).lexicon)
    result = empty.match("làm định danh ở đâu")
    assert (result.intent, result.action) == (None, "escalate")


def test_an_out_of_scope_group_does_not_swallow_a_short_in_scope_question(matcher: BilingualMatcher) -> None:
    """Without a word only the out-of-scope group uses, a message is not refused: "quên mật khẩu" is most
    likely about VNeID here (answered, or offered first); "… facebook" is still out of scope."""
    bare = matcher.match("quên mật khẩu")
    assert not bare.out_of_scope
    assert bare.intent == "forgot_passcode" or (bare.action == "clarify" and bare.suggestions[0] == "forgot_passcode")
    other_app = matcher.match("quên mật khẩu facebook")
    assert other_app.action == "escalate" and other_app.out_of_scope


def test_english_questions_are_told_from_vietnamese_ones(matcher: BilingualMatcher) -> None:
    """Unmarked Vietnamese ("the can cuoc bi mat") shares words with English; at most 1% of the held-out
    questions may be read in the wrong language."""
    examples = read_examples(DATA_DIR / "eval.tsv")
    misread = [e for e in examples if (matcher.language_of(e.text) == "en") != (e.style == "english")]
    assert len(misread) <= len(examples) // 100
    assert sum(e.style == "english" for e in examples) >= 100
