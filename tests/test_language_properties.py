"""Properties of the language layer on arbitrary Unicode: the normaliser, the matcher, typed-number choices."""

from __future__ import annotations

import asyncio
import random
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conversations.options import resolve_choice, typed_number
from core.knowledge.faq import load_matching_data
from core.language.bilingual import BilingualMatcher
from core.language.normalize import REPAIR_CACHE_SIZE, Normalizer
from core.language.slots import carry_over
from core.messages import BUTTON, COMMAND, Inbound
from handlers.context import BotContext
from handlers.router import handle
from models import DialogState, User
from tests.fixtures import KNOWLEDGE_DIR, say

ACTIONS = {"answer", "clarify", "escalate", "smalltalk"}
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
_TRICKY = [
    "²",
    "³",
    "١",
    "٢٣",
    "０",
    "１１",
    "߃",
    "𝟗",
    "٩٩٩٩٩٩٩٩٩٩٩٩",
    "9" * 400,
    "\u0301",
    "a\u0323\u0302",
    "😀",
    "👨‍👩‍👧",
    "\x00",
    "\x1b[31m",
    "\u200b",
    "\ufeff",
    "tuổi",
    "t",
    "muoi",
    "duoi",
    "11t",
    "ddinhj",
    "s",
    " ",
    "\n",
]
_pieces = st.one_of(
    st.sampled_from(_TRICKY), st.text(max_size=12), st.text(alphabet=string.ascii_lowercase, min_size=20)
)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(_pieces, max_size=40).map(" ".join),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Mn", "So", "Cc", "Cf"]), max_size=80),
    st.integers(min_value=1, max_value=5_000).map(lambda n: ("đinh dạnhj " * n)[:5_000]),
    st.text(alphabet=string.ascii_lowercase + "²١０", min_size=1_000, max_size=5_000),
)


@pytest.fixture(scope="module")
def normalizer(matcher: BilingualMatcher) -> Normalizer:
    return matcher.vietnamese.normalizer


@PROPERTY_SETTINGS
@given(text=texts)
def test_the_normaliser_never_raises_and_is_deterministic(normalizer: Normalizer, text: str) -> None:
    tokens = normalizer.tokens(text)
    assert all(isinstance(t, str) and t for t in tokens)
    assert normalizer.tokens(text) == tokens
    assert normalizer.text(text) == " ".join(tokens)


@PROPERTY_SETTINGS
@given(text=texts)
def test_the_matcher_always_decides_within_bounds(matcher: BilingualMatcher, text: str) -> None:
    result = matcher.match(text)
    assert result.action in ACTIONS
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.suggestions) <= 3
    assert result.action != "answer" or result.intent in matcher.intent_ids


@pytest.mark.parametrize("text", ["con tôi ² tuổi", "con ² t", "²t", "con ١ tuổi", "con ０ tuổi", "²³ tuổi"])
def test_non_ascii_digits_are_ordinary_characters(normalizer: Normalizer, text: str) -> None:
    tokens = normalizer.tokens(text)
    assert "tuoitreem" not in tokens and "tuoitu14" not in tokens


def test_the_repair_cache_stays_bounded() -> None:
    lexicon = load_matching_data(KNOWLEDGE_DIR).lexicon
    normalizer = Normalizer(lexicon, {"dinh", "danh", "kich", "hoat"} | lexicon.vocabulary())
    rng = random.Random(0)
    alphabet = string.ascii_lowercase + string.digits
    for i in range(20_000):
        word = "".join(rng.choices(alphabet, k=8)) + str(i)
        normalizer.tokens(f"cho hỏi {word} nha")
    assert normalizer.repair_cache_size() == REPAIR_CACHE_SIZE
    assert normalizer.tokens("ddinhj danh") == normalizer.tokens("định danh")


class _Session:
    """Just enough of an AsyncSession for `dialog_state`: one stored options state."""

    def __init__(self, choices: list[str]) -> None:
        self.info: dict[str, Any] = {}
        self.deleted: tuple[object, ...] = ()
        self._state = DialogState(user_id=1, dialog="options", step="choose", data={"choices": choices})

    async def get(self, _model: object, _key: object) -> DialogState:
        return self._state


def _resolve(text: str) -> str | None:
    return asyncio.run(resolve_choice(_Session(["faq:a", "faq:b", "human"]), 1, text))  # type: ignore[arg-type]


@PROPERTY_SETTINGS
@given(text=st.one_of(texts, st.sampled_from(["1", "2", " 3 ", "số 2", "so 1.", "4", "0", "99", "02"])))
def test_typed_number_choices_never_raise(text: str) -> None:
    number = typed_number(text)
    assert number is None or 0 <= number <= 99
    assert _resolve(text) in {None, "faq:a", "faq:b", "human"}


@pytest.mark.parametrize(("text", "expected"), [("2", "faq:b"), ("số 3", "human"), ("1)", "faq:a"), ("4", None)])
def test_typed_ascii_numbers_pick_a_choice(text: str, expected: str | None) -> None:
    assert _resolve(text) == expected


@pytest.mark.parametrize("text", ["²", "١", "٢", "０", "１", "𝟐", "߁"])
def test_other_scripts_digits_pick_no_choice(text: str) -> None:
    assert typed_number(text) is None
    assert _resolve(text) is None


async def test_typed_commune_and_village_are_stored_masked(bot: BotContext) -> None:
    await handle(bot, Inbound("shell", "p1", COMMAND, text="/caidat"))
    await handle(bot, Inbound("shell", "p1", BUTTON, payload="st:lang:vi"))
    await say(bot, "xã Tân Lập\x07 0987654321", user="p1")
    [done] = await say(bot, "thôn 3 0912345678", user="p1")
    assert "/caidat" in done.text and "0912345678" not in done.text
    async with bot.sessions() as session:
        user = (await session.scalars(select(User).where(User.external_id == "p1"))).one()
    # A commune the bot does not serve is kept apart from the commune reference, masked the same way.
    assert user.village is not None and user.commune is None and user.place_typed is not None
    assert user.village.startswith("thôn 3") and "[số điện thoại]" in user.village
    for stored in (user.village, user.place_typed):
        assert not any(ch.isdigit() for ch in stored.replace("thôn 3", "")), stored
        assert "\x07" not in stored and len(stored) <= 64


@PROPERTY_SETTINGS
@given(age=st.integers(min_value=1, max_value=120), previous=st.text(alphabet=string.ascii_lowercase + " "))
def test_a_follow_up_with_an_age_replaces_the_previous_age(age: int, previous: str) -> None:
    follow_up = f"còn {age} tuổi thì sao"
    combined = carry_over(f"{previous} cho trẻ em dưới 14 tuổi", follow_up)
    kept = combined.removesuffix(follow_up)
    assert combined.endswith(follow_up) and "14" not in kept and "trẻ em" not in kept and "cho" in kept
