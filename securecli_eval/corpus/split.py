"""Deterministic train/val/test split by group, so near-identical examples never straddle splits.

Groups are the connected components of "belongs with": same tldr page (utility), same
normalised instruction, same normalised command, or instruction or command bigram Jaccard
>= ``NEAR_DUPLICATE_THRESHOLD``. A group goes to one split chosen by a seeded hash of its
smallest id, so a build is reproducible and adding a far-away example moves nothing else.
Groups larger than ``LARGE_GROUP_FRACTION`` of the data go to train: one chained cluster
of ``find`` variants must not become most of the test set.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from securecli_eval.corpus.example import Example
from securecli_eval.corpus.normalise import comparison_key, instruction_key
from securecli_eval.corpus.similarity import NEAR_DUPLICATE_THRESHOLD, shingles, similar_pairs
from securecli_eval.corpus.stage import StageReport

FRACTIONS = (0.8, 0.1, 0.1)
LARGE_GROUP_FRACTION = 0.005


@dataclass(frozen=True)
class Splits:
    train: list[Example]
    val: list[Example]
    test: list[Example]


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def group_ids(examples: list[Example], threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[int]:
    """Component index of each example under the "belongs with" relation."""
    union = _UnionFind(len(examples))
    first_by_key: dict[tuple[str, str], int] = {}
    for index, example in enumerate(examples):
        keys = [
            ("instruction", instruction_key(example.instruction)),
            ("command", comparison_key(example.command)),
        ]
        if example.source == "tldr-pages":
            keys.append(("page", example.utility))
        for key in keys:
            if key in first_by_key:
                union.union(first_by_key[key], index)
            else:
                first_by_key[key] = index
    for field_sets in (
        [shingles(e.instruction) for e in examples],
        [shingles(e.command) for e in examples],
    ):
        for i, j, _ in similar_pairs(field_sets, threshold=threshold):
            union.union(i, j)
    return [union.find(i) for i in range(len(examples))]


def _unit_hash(seed: int, key: str) -> float:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split(
    examples: list[Example], seed: int = 0, fractions: tuple[float, float, float] = FRACTIONS
) -> tuple[Splits, StageReport]:
    groups = group_ids(examples)
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    large_limit = max(2, int(LARGE_GROUP_FRACTION * len(examples)))
    assignment: dict[int, str] = {}
    large = 0
    for group, indices in members.items():
        if len(indices) > large_limit:
            assignment[group] = "train"
            large += 1
            continue
        u = _unit_hash(seed, min(examples[i].id for i in indices))
        assignment[group] = (
            "train" if u < fractions[0] else "val" if u < fractions[0] + fractions[1] else "test"
        )
    parts: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    for index, example in enumerate(examples):
        parts[assignment[groups[index]]].append(example)
    sizes = Counter(len(v) for v in members.values())
    report = StageReport(
        "split",
        f"groups (tldr page, equal normalised instruction or command, bigram Jaccard >= {threshold_text()}) "
        f"assigned whole by seeded hash {fractions}; groups over {large_limit} examples go to train",
        len(examples),
        len(examples),
        notes={
            "seed": seed,
            "groups": len(members),
            "largest_group": max(sizes) if sizes else 0,
            "groups_forced_to_train": large,
            "train": len(parts["train"]),
            "val": len(parts["val"]),
            "test": len(parts["test"]),
        },
    )
    return Splits(parts["train"], parts["val"], parts["test"]), report


def threshold_text() -> str:
    return str(NEAR_DUPLICATE_THRESHOLD)
