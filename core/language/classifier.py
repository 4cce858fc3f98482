"""A learned second opinion for the matcher: TF-IDF over character and word n-grams with a linear
log-loss classifier, trained on the intents' texts and the out-of-scope groups.

scikit-learn trains it (about a second); answering needs only numpy. A trained model is kept in a
cache folder, named by a hash of exactly what it learned from, as plain arrays (`.npz`, no pickle),
so a starting process loads it instead of importing scikit-learn and training. The classes are the
intent ids and `NONE` for every out-of-scope group.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NONE = "none"
FORMAT = "classifier-v2"
CHAR_SIZES = (2, 3, 4, 5)
_ALPHA = 1e-5
_EPOCHS = 30
_KEPT_IN_MEMORY = 4


@dataclass(frozen=True)
class Opinion:
    """The classifier's best class and its probability."""

    intent: str
    probability: float


def char_grams(text: str) -> list[str]:
    """Character 2–5-grams inside each space-padded word (the features of the first block)."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for size in CHAR_SIZES:
            grams.extend(padded[i : i + size] for i in range(max(1, len(padded) - size + 1)))
    return grams


def word_grams(text: str) -> list[str]:
    """Words and adjacent word pairs (the features of the second block)."""
    tokens = text.split()
    return [*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]


_BLOCKS = (char_grams, word_grams)


class Classifier:
    """Scores a normalised text against every class: one-vs-rest log-loss odds, normalised to sum to 1."""

    def __init__(
        self,
        vocabularies: Sequence[Mapping[str, int]],
        idfs: Sequence[np.ndarray],
        classes: Sequence[str],
        coef: np.ndarray,
        bias: np.ndarray,
    ) -> None:
        self._vocabularies = [dict(v) for v in vocabularies]
        self._idfs = list(idfs)
        self._offsets = np.cumsum([0, *(len(v) for v in self._vocabularies)])[:-1]
        self.classes = list(classes)
        self._coef, self._bias = coef, bias

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> Classifier:
        """Fit on normalised texts and their class labels (deterministic: a fixed random state)."""
        from scipy import sparse  # training only: a starting bot with a cached model never imports these
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        vectorizers = [TfidfVectorizer(analyzer=block, sublinear_tf=True) for block in _BLOCKS]
        features = sparse.hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
        model = SGDClassifier(loss="log_loss", alpha=_ALPHA, max_iter=_EPOCHS, tol=None, random_state=0)
        model.fit(features, list(labels))
        return cls(
            [{str(t): int(i) for t, i in v.vocabulary_.items()} for v in vectorizers],
            [np.asarray(v.idf_) for v in vectorizers],
            [str(c) for c in model.classes_],
            np.asarray(model.coef_, dtype=np.float32),
            np.asarray(model.intercept_, dtype=np.float64),
        )

    def opinion(self, text: str) -> Opinion:
        """The most probable class for a normalised text."""
        columns: list[int] = []
        weights: list[float] = []
        for block, vocabulary, idf, offset in zip(_BLOCKS, self._vocabularies, self._idfs, self._offsets, strict=True):
            counts = Counter(g for g in block(text) if g in vocabulary)
            indices = [vocabulary[g] for g in counts]
            values = np.array([1.0 + np.log(c) for c in counts.values()]) * idf[indices] if indices else np.zeros(0)
            norm = float(np.sqrt(values @ values)) or 1.0
            columns.extend(int(offset) + i for i in indices)
            weights.extend(values / norm)
        decision = self._coef[:, columns] @ np.array(weights) + self._bias if columns else self._bias.copy()
        odds = 1.0 / (1.0 + np.exp(-decision))
        best = int(np.argmax(odds))
        return Opinion(self.classes[best], float(odds[best]) / (float(odds.sum()) or 1.0))

    def save(self, path: Path) -> None:
        """Write the model as arrays, atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"classes": np.array(self.classes), "coef": self._coef, "bias": self._bias}
        for n, (vocabulary, idf) in enumerate(zip(self._vocabularies, self._idfs, strict=True)):
            terms = [""] * len(vocabulary)
            for term, index in vocabulary.items():
                terms[index] = term
            arrays[f"terms{n}"], arrays[f"idf{n}"] = np.array(terms), idf
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(out, allow_pickle=False, **arrays)
        Path(temporary).replace(path)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Read a model written by `save`."""
        with np.load(path, allow_pickle=False) as arrays:
            vocabularies = [{str(t): i for i, t in enumerate(arrays[f"terms{n}"])} for n in range(len(_BLOCKS))]
            idfs = [arrays[f"idf{n}"] for n in range(len(_BLOCKS))]
            return cls(vocabularies, idfs, [str(c) for c in arrays["classes"]], arrays["coef"], arrays["bias"])


def fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A name for what a model learns from: the format, the settings and every (label, text) pair."""
    material = json.dumps(
        [FORMAT, CHAR_SIZES, _ALPHA, _EPOCHS, sorted(zip(labels, texts, strict=True))], ensure_ascii=False
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


_TRAINED: dict[str, Classifier] = {}


def trained(texts: Sequence[str], labels: Sequence[str], cache: Path | None) -> Classifier:
    """The model for these texts: from this process's memory, else the cache folder, else trained (and
    written to the cache folder, when there is one)."""
    key = fingerprint(texts, labels)
    path = cache / f"classifier-{key}.npz" if cache is not None else None
    unsaved = path is not None and not path.exists()
    model = _TRAINED.get(key)
    if model is None and path is not None and not unsaved:
        try:
            model = Classifier.load(path)
        except (OSError, ValueError, KeyError):  # a damaged file is replaced by a fresh model
            unsaved = True
    if model is None:
        model = Classifier.train(texts, labels)
    if path is not None and unsaved:
        model.save(path)
    _TRAINED[key] = model
    while len(_TRAINED) > _KEPT_IN_MEMORY:
        del _TRAINED[next(iter(_TRAINED))]
    return model
