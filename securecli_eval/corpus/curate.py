"""Deterministic down-selection: a size-capped, balanced split and the shipped eval subset.

The full build is ~40k examples (~25 MB with chat messages); the committed splits are capped
so the repository stays small. Selection keeps each source's share and goes round-robin over
utilities, so one utility (``find`` is 60% of NL2Bash) cannot crowd out the rest.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable

from securecli_eval.corpus.example import Example


def _rank(seed: int, text: str) -> str:
    return hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()


def _round_robin(examples: list[Example], quota: int, seed: int) -> list[Example]:
    by_utility: dict[str, list[Example]] = defaultdict(list)
    for example in sorted(examples, key=lambda e: _rank(seed, e.id)):
        by_utility[example.utility].append(example)
    queues = [by_utility[u] for u in sorted(by_utility, key=lambda u: _rank(seed, u))]
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < quota and any(len(q) > depth for q in queues):
        for queue in queues:
            if len(queue) > depth and len(chosen) < quota:
                chosen.append(queue[depth])
        depth += 1
    return chosen


def balanced_sample(
    examples: list[Example],
    size: int,
    seed: int = 0,
    prefer: Callable[[Example], bool] | None = None,
) -> list[Example]:
    """At most ``size`` examples, each source in proportion, round-robin by utility, in input order.

    With ``prefer``, preferred examples are taken first within each source.
    """
    if size <= 0 or size >= len(examples):
        return list(examples)
    by_source: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_source[example.source].append(example)
    sources = sorted(by_source)
    quotas = {s: round(size * len(by_source[s]) / len(examples)) for s in sources}
    quotas[sources[-1]] = size - sum(quotas[s] for s in sources[:-1])
    chosen: set[str] = set()
    for source in sources:
        pool = by_source[source]
        picked: list[Example] = []
        if prefer is not None:
            picked = _round_robin([e for e in pool if prefer(e)], quotas[source], seed)
        rest = [e for e in pool if e.id not in {p.id for p in picked}]
        picked += _round_robin(rest, quotas[source] - len(picked), seed)
        chosen.update(e.id for e in picked)
    return [e for e in examples if e.id in chosen]
