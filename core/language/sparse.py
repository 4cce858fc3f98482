"""Sparse TF-IDF vectors scored with numpy: the lexical retrieval engine behind the matcher."""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np


def word_features(tokens: Sequence[str]) -> Counter[str]:
    """Word unigrams and adjacent bigrams."""
    feats: Counter[str] = Counter(tokens)
    feats.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
    return feats


def char_features(tokens: Sequence[str], sizes: Iterable[int] = (3, 4, 5)) -> Counter[str]:
    """Character n-grams inside word boundaries (each word padded with spaces)."""
    feats: Counter[str] = Counter()
    for token in tokens:
        padded = f" {token} "
        for n in sizes:
            if len(padded) < n:
                continue
            feats.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return feats


def inverse_frequencies(groups: Iterable[Iterable[str]]) -> dict[str, float]:
    """Smoothed IDF where each group (one intent's features) counts once."""
    df: Counter[str] = Counter()
    total = 0
    for group in groups:
        total += 1
        df.update(set(group))
    return {term: math.log((total + 1) / (count + 1)) + 1.0 for term, count in df.items()}


class SparseIndex:
    """Documents as L2-normalised, sublinear TF-IDF vectors; a query scores all documents at once."""

    def __init__(self, docs: Sequence[Mapping[str, int]], idf: Mapping[str, float]) -> None:
        self.idf = idf
        self.default_idf = max(self.idf.values(), default=1.0)
        self.size = len(docs)
        postings: dict[str, tuple[array[int], array[float]]] = {}
        for doc_id, feats in enumerate(docs):
            for term, weight in self.vector(feats).items():
                posting = postings.get(term)
                if posting is None:
                    posting = postings[term] = (array("i"), array("f"))
                posting[0].append(doc_id)
                posting[1].append(weight)
        # One pair of flat arrays and a (start, end) slice per term: a few small objects per term
        # instead of two numpy arrays each (a 2,000-entry knowledge base has ~10^5 terms).
        ids, weights = array("i"), array("f")
        self._spans: dict[str, tuple[int, int]] = {}
        for term, (term_ids, term_weights) in postings.items():
            self._spans[term] = (len(ids), len(ids) + len(term_ids))
            ids.extend(term_ids)
            weights.extend(term_weights)
        self._ids = np.frombuffer(ids, dtype=np.int32) if ids else np.zeros(0, dtype=np.int32)
        self._weights = np.frombuffer(weights, dtype=np.float32) if weights else np.zeros(0, dtype=np.float32)

    def vector(self, feats: Mapping[str, int]) -> dict[str, float]:
        """Unit-length TF-IDF weights; unseen terms count with the largest IDF."""
        raw = {t: (1.0 + math.log(c)) * self.idf.get(t, self.default_idf) for t, c in feats.items() if c > 0}
        norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
        return {t: w / norm for t, w in raw.items()}

    def scores(self, feats: Mapping[str, int]) -> np.ndarray:
        """Cosine similarity of the query with every document."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for term, q_weight in self.vector(feats).items():
            span = self._spans.get(term)
            if span is not None:
                ids.append(self._ids[span[0] : span[1]])
                weights.append(self._weights[span[0] : span[1]] * q_weight)
        if not ids:
            return np.zeros(self.size, dtype=np.float64)
        return np.bincount(np.concatenate(ids), weights=np.concatenate(weights), minlength=self.size)

    def known_weight(self, feats: Mapping[str, int]) -> float:
        """Share of the query's IDF mass carried by terms the index has seen (0..1)."""
        total = sum(self.idf.get(t, self.default_idf) for t in feats)
        known = sum(self.idf[t] for t in feats if t in self.idf)
        return known / total if total else 0.0
