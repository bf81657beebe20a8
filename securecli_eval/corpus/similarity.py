"""N-gram shingles and an exact Jaccard similarity join, the one definition of "near-duplicate".

Dedup, split grouping and the contamination check all use ``shingles`` and ``similar_pairs``
so that "near-duplicate" means the same thing everywhere. The join is exact (prefix
filtering: two sets with Jaccard >= t must share a token among their rarest
``|x| - ceil(t*|x|) + 1``), so it finds every pair above the threshold without comparing
all pairs and without the false negatives of MinHash.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

NGRAM = 2
"""Word n-gram size. Bigrams keep word order without making short commands dissimilar."""

NEAR_DUPLICATE_THRESHOLD = 0.7
"""Jaccard similarity of bigram shingles at or above which two texts count as near-duplicates."""

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens and single punctuation characters (``-r`` -> ``-``, ``r``)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def shingles(text: str, n: int = NGRAM) -> frozenset[str]:
    """Word n-grams of ``text`` with boundary markers, so one-word texts still have shingles."""
    words = ["^", *tokens(text), "$"]
    if len(words) < n:
        return frozenset({" ".join(words)})
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size) + 1


def similar_pairs(
    left: Sequence[frozenset[str]],
    right: Sequence[frozenset[str]] | None = None,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> list[tuple[int, int, float]]:
    """Every pair (i, j, similarity) with Jaccard >= ``threshold``; exact, not sampled.

    With ``right`` None it is a self-join over ``left`` and returns pairs with i < j.
    Otherwise i indexes ``left`` and j indexes ``right``.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    self_join = right is None
    other = left if right is None else right
    frequency: Counter[str] = Counter()
    for sets in (left,) if self_join else (left, other):
        for shingle_set in sets:
            frequency.update(shingle_set)

    def ordered(shingle_set: frozenset[str]) -> list[str]:
        return sorted(shingle_set, key=lambda s: (frequency[s], s))

    index: dict[str, list[int]] = defaultdict(list)
    for j, shingle_set in enumerate(other):
        prefix = ordered(shingle_set)[: _prefix_length(len(shingle_set), threshold)]
        for shingle in prefix:
            index[shingle].append(j)
    pairs: list[tuple[int, int, float]] = []
    for i, shingle_set in enumerate(left):
        size = len(shingle_set)
        candidates: set[int] = set()
        for shingle in ordered(shingle_set)[: _prefix_length(size, threshold)]:
            candidates.update(index.get(shingle, ()))
        for j in sorted(candidates):
            if self_join and j <= i:
                continue
            other_size = len(other[j])
            # size filter: Jaccard <= min/max
            if min(size, other_size) < threshold * max(size, other_size):
                continue
            similarity = jaccard(shingle_set, other[j])
            if similarity >= threshold:
                pairs.append((i, j, similarity))
    return pairs
