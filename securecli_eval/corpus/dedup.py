"""Exact and near-duplicate removal, so no pair is counted (or trained on) twice.

Exact: same normalised (instruction, command), or same normalised instruction with another
command (one request, one reference). Near: instruction AND command bigram Jaccard >=
``REMOVAL_THRESHOLD``; the earlier example (input order) is kept. Paraphrases of one command
are kept here; the split groups them so they never straddle train and test.
"""

from __future__ import annotations

from collections import Counter

from securecli_eval.corpus.example import Example
from securecli_eval.corpus.normalise import comparison_key, instruction_key
from securecli_eval.corpus.similarity import shingles, similar_pairs
from securecli_eval.corpus.stage import StageReport

REMOVAL_THRESHOLD = 0.8
"""Both fields this similar (bigram Jaccard) make an example redundant."""


def remove_exact(examples: list[Example]) -> tuple[list[Example], StageReport]:
    seen_pairs: set[tuple[str, str]] = set()
    seen_instructions: set[str] = set()
    kept, removed = [], Counter[str]()
    for example in examples:
        instruction, command = instruction_key(example.instruction), comparison_key(example.command)
        if (instruction, command) in seen_pairs:
            removed["same instruction and command"] += 1
            continue
        if instruction in seen_instructions:
            removed["same instruction, other command"] += 1
            continue
        seen_pairs.add((instruction, command))
        seen_instructions.add(instruction)
        kept.append(example)
    report = StageReport(
        "exact-dedup",
        "normalised instruction (lower-case words) and command (words and punctuation) equal, "
        "or instruction equal",
        len(examples),
        len(kept),
        removed,
    )
    return kept, report


def remove_near(
    examples: list[Example], threshold: float = REMOVAL_THRESHOLD
) -> tuple[list[Example], StageReport]:
    instruction_sets = [shingles(e.instruction) for e in examples]
    command_sets = [shingles(e.command) for e in examples]
    dropped: set[int] = set()
    for i, j, _ in sorted(similar_pairs(instruction_sets, threshold=threshold)):
        if i in dropped or j in dropped:
            continue
        inter = len(command_sets[i] & command_sets[j])
        union = len(command_sets[i] | command_sets[j])
        if union and inter / union >= threshold:
            dropped.add(j)
    kept = [e for k, e in enumerate(examples) if k not in dropped]
    report = StageReport(
        "near-dedup",
        f"instruction and command word-bigram Jaccard both >= {threshold}; first occurrence kept",
        len(examples),
        len(kept),
        Counter({"near-duplicate of an earlier example": len(dropped)}) if dropped else Counter(),
    )
    return kept, report
