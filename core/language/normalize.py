"""Vietnamese text normalisation for matching: folding, teencode, dialect, Telex, typos.

Only ASCII digits count as numbers (ages, long digit runs); digits of other scripts ("²", "١", "０")
are ordinary characters of a word.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_REPEATS = re.compile(r"(.)\1+")
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"(uye|uya|oai|oay|uoi|uou|ieu|yeu|oeo|uay|uey|"
    r"ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye|[aeiouy])"
    r"(ch|ng|nh|[cmnpt]|[iouy])?$"
)
_TELEX_PAIRS = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"))
_TELEX_TONES = "sfrxj"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_DIGITS = 3
_MAX_PHRASE = 3
_AGE_WORDS = frozenset({"tuoi", "t"})
_NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "lam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "muoj": 10,
}
ADULT_AGE = 14
MIN_REPAIR_LENGTH = 4
REPAIR_CACHE_SIZE = 4096
MAX_CACHED_WORD = 40
RARE_SLIP_COUNT = 5  # a known word seen this rarely ...
COMMON_WORD_COUNT = 50  # ... is read as the slip of a word seen this often
CONCEPT_PREFIX = "~"


def is_number(word: str, max_digits: int = _MAX_DIGITS) -> bool:
    """True for 1..max_digits ASCII digits (safe and small for `int`)."""
    return 0 < len(word) <= max_digits and word.isascii() and word.isdigit()


def _is_digit_run(word: str) -> bool:
    """True for a word of ASCII digits only, of any length."""
    return word.isascii() and word.isdigit()


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese marks and map đ to d."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).replace("đ", "d")


def has_marks(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic or đ."""
    return fold(text) != text.lower()


def words(text: str) -> list[str]:
    """Lowercased NFC words."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def is_syllable(word: str) -> bool:
    """True when a folded word is shaped like a Vietnamese syllable (onset, vowels, final)."""
    return bool(_SYLLABLE.match(word))


@dataclass(frozen=True)
class Lexicon:
    """Rewrite tables: exact (marked) forms, unmarked dialect forms, folded abbreviations."""

    accented: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    plain: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    folded: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    folded_primary: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    concepts: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read a lexicon YAML file (see knowledge/lexicon.yaml)."""
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        return cls(
            accented=_table(raw.get("accented", {}), fold_keys=False),
            plain=_table(raw.get("plain", {}), fold_keys=True),
            folded=_table(raw.get("folded", {}), fold_keys=True),
            folded_primary=_table(raw.get("folded", {}), fold_keys=True, primary=True),
            concepts=_concepts(raw.get("concepts", {})),
        )

    def vocabulary(self) -> set[str]:
        """Every folded word the lexicon can produce."""
        out: set[str] = set()
        for table in (self.accented, self.plain, self.folded):
            for target in table.values():
                out.update(fold(" ".join(target)).split())
        return out


def _table(
    raw: Mapping[str, object], *, fold_keys: bool, primary: bool = False
) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Key words -> replacement words; `primary` keeps only the first (everyday) reading."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for key, value in raw.items():
        key_words = tuple(fold(key).split() if fold_keys else words(key))
        candidates = value if isinstance(value, list) else [value]
        if primary:
            candidates = candidates[:1]
        target: list[str] = []
        for candidate in candidates:
            target.extend(words(str(candidate)))
        table[key_words] = tuple(target)
    return table


def _concepts(raw: Mapping[str, list[str]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Phrase -> the concept tokens it signals (a phrase may belong to several concepts)."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for concept, phrases in raw.items():
        for phrase in phrases:
            key = tuple(fold(phrase).split())
            table[key] = (*table.get(key, ()), f"{CONCEPT_PREFIX}{concept}")
    return table


def _mark_concepts(tokens: Sequence[str], table: Mapping[tuple[str, ...], tuple[str, ...]]) -> list[str]:
    """Keep every token and add a concept token after each phrase of a synonym group."""
    out = list(tokens)
    for i in range(len(tokens)):
        for size in range(1, min(_MAX_PHRASE, len(tokens) - i) + 1):
            out.extend(table.get(tuple(tokens[i : i + size]), ()))
    return out


def _rewrite(tokens: Sequence[str], table: Mapping[tuple[str, ...], tuple[str, ...]]) -> list[str]:
    """Replace the longest matching phrase at each position."""
    if not table:
        return list(tokens)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            target = table.get(tuple(tokens[i : i + size]))
            if target is not None:
                out.extend(target)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


class Normalizer:
    """Turns raw resident text into folded matching tokens.

    With a vocabulary, words it does not know are repaired when a Telex leftover
    ("ddinhj"), a doubled letter or one typing slip away from a known word.
    """

    def __init__(
        self, lexicon: Lexicon, vocabulary: Mapping[str, int] | Iterable[str] = (), *, primary_readings: bool = False
    ) -> None:
        """`vocabulary` maps known words to how often they occur (a plain iterable counts each once).

        An ambiguous abbreviation ("dt": điện thoại / định danh / đối tượng) becomes every reading,
        since a resident's meaning is unknown; with `primary_readings` (for the bot's own training
        texts) it becomes the lexicon's first, everyday reading.
        """
        self.lexicon = lexicon
        self._abbreviations = lexicon.folded_primary if primary_readings else lexicon.folded
        self.vocabulary: Mapping[str, int] = (
            dict(vocabulary) if isinstance(vocabulary, Mapping) else dict.fromkeys(vocabulary, 1)
        )
        self._longest = max(map(len, self.vocabulary), default=0)
        self._repairs = functools.lru_cache(maxsize=REPAIR_CACHE_SIZE)(self._best_repair)

    def tokens(self, text: str) -> list[str]:
        """Folded tokens with abbreviations expanded and typos repaired."""
        raw = words(text)
        marked = any(has_marks(w) for w in raw)
        if marked:
            raw = _rewrite(raw, self.lexicon.accented)
        folded = [fold(w) for w in raw]
        folded = [w for w in folded if not (_is_digit_run(w) and len(w) > _MAX_DIGITS)]
        if self.vocabulary:
            folded = [self._repair(w) for w in folded]
        if not marked:
            folded = _rewrite(folded, self.lexicon.plain)
        expanded = _age_classes(_rewrite(_split_digit_suffix(folded), self._abbreviations))
        return _mark_concepts(expanded, self.lexicon.concepts)

    def text(self, text: str) -> str:
        """The normalised tokens joined by single spaces."""
        return " ".join(self.tokens(text))

    def _known(self, word: str) -> bool:
        return word in self.vocabulary or (word,) in self.lexicon.folded or (word,) in self.lexicon.plain

    def repair_cache_size(self) -> int:
        """How many repair verdicts are cached (at most `REPAIR_CACHE_SIZE`)."""
        return self._repairs.cache_info().currsize

    def _repair(self, word: str) -> str:
        if _is_digit_run(word) or self.vocabulary.get(word, 0) > RARE_SLIP_COUNT:
            return word
        repair = self._repairs if len(word) <= MAX_CACHED_WORD else self._best_repair
        return repair(word) or word

    def _slips(self, word: str) -> list[str]:
        """Readings of a word typed with a Telex leftover, a doubled letter or "g" for a final "ng"."""
        final_ng = word[:-1] + "ng" if word.endswith("g") and not word.endswith("ng") else word
        return [c for c in (_telex_fold(word), _REPEATS.sub(r"\1", word), final_ng) if c != word]

    def _best_repair(self, word: str) -> str | None:
        if self._known(word):  # kept, unless the training texts hold it only as a rare typo ("gif", "khog")
            if word not in self.vocabulary:
                return None
            common = (c for c in self._slips(word) if self.vocabulary.get(c, 0) >= COMMON_WORD_COUNT)
            return next((c for c in common if is_syllable(c)), None)
        for candidate in self._slips(word):
            if self._known(candidate):
                return candidate
        too_long = len(word) > self._longest + 1  # no known word is one edit away
        if len(word) < MIN_REPAIR_LENGTH or too_long or not word.isalpha() or is_syllable(word):
            return None
        known = [c for c in _edits(word) if c in self.vocabulary]
        return max(known, key=lambda c: self.vocabulary[c]) if known else None


def _split_digit_suffix(tokens: list[str]) -> list[str]:
    """ "11t" -> "11 t", "2h" -> "2 h": a number glued to a unit letter."""
    out: list[str] = []
    for token in tokens:
        match = re.fullmatch(r"([0-9]{1,3})([a-z]{1,4})", token)
        out.extend(match.groups() if match else (token,))
    return out


def _spoken_number(words_before: list[str]) -> int | None:
    """The number spelled by the last words ("muoi bon" -> 14), or a trailing digit string."""
    if words_before and is_number(words_before[-1]):
        return int(words_before[-1])
    values: list[int] = []
    for word in reversed(words_before[-2:]):
        if word not in _NUMBER_WORDS:
            break
        values.insert(0, _NUMBER_WORDS[word])
    if not values:
        return None
    if len(values) == 2 and values[0] == 10:
        return 10 + values[1]
    if len(values) == 2 and values[1] == 10:
        return values[0] * 10
    return values[-1]


def _age_classes(tokens: list[str]) -> list[str]:
    """After an age ("10 tuoi", "muoi bon tuoi", "duoi 14 tuoi"), add a token for its class."""
    out: list[str] = []
    for i, token in enumerate(tokens):
        out.append("tuoi" if token == "t" and i and is_number(tokens[i - 1]) else token)
        if token not in _AGE_WORDS:
            continue
        age = _spoken_number(tokens[max(0, i - 2) : i])
        if age is None:
            continue
        if (i >= 2 and tokens[i - 2] == "duoi") or (i >= 3 and tokens[i - 3] == "duoi"):
            age -= 1
        out.append("tuoitreem" if age < ADULT_AGE else "tuoitu14")
    return out


def _telex_fold(word: str) -> str:
    out = word
    for pair, single in _TELEX_PAIRS:
        out = out.replace(pair, single)
    stripped = re.sub(f"(?<=[aeiouy])[{_TELEX_TONES}](?=[a-z]*$)", "", out, count=1)
    if stripped != out:
        return stripped
    return out[:-1] if len(out) > 2 and out[-1] in _TELEX_TONES else out


def _edits(word: str) -> list[str]:
    """Words one deletion, transposition, substitution or insertion away, ordered."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _ALPHABET if c != b[0]]
    inserts = [a + c + b for a, b in splits for c in _ALPHABET]
    return deletes + transposes + replaces + inserts
