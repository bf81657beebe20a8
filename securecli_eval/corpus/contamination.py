"""Train/test overlap: exact and near-duplicate, by instruction and by command.

Method: both fields are compared (1) exactly after normalisation (lower-case word tokens for
instructions, word and punctuation tokens for commands) and (2) by word-bigram Jaccard >=
``NEAR_DUPLICATE_THRESHOLD`` using the exact similarity join of ``similarity.py``.
A test example is contaminated when any of the four checks matches a training example.
Works on any JSONL a user trains on (our format, Axolotl ``messages``, alpaca), so an
adapter's own data can be checked against the eval set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from securecli_eval.corpus.example import Example
from securecli_eval.corpus.normalise import comparison_key, instruction_key
from securecli_eval.corpus.similarity import NEAR_DUPLICATE_THRESHOLD, shingles, similar_pairs

KINDS = ("exact_instruction", "exact_command", "near_instruction", "near_command")


@dataclass(frozen=True)
class Overlap:
    test_id: str
    train_id: str
    kind: str
    similarity: float
    test_text: str
    train_text: str


@dataclass(frozen=True)
class ContaminationReport:
    train_size: int
    test_size: int
    threshold: float
    contaminated_test: int
    by_kind: dict[str, int]
    examples: list[Overlap] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.contaminated_test == 0

    def as_dict(self, max_examples: int = 20) -> dict[str, object]:
        return {
            "train_size": self.train_size,
            "test_size": self.test_size,
            "method": "normalised exact match and word-bigram Jaccard, instruction and command",
            "threshold": self.threshold,
            "contaminated_test_examples": self.contaminated_test,
            "by_kind": self.by_kind,
            "examples": [o.__dict__ for o in self.examples[:max_examples]],
        }


def check(
    train: list[Example], test: list[Example], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> ContaminationReport:
    """Every test example that overlaps some training example, by each of the four kinds."""
    hits: dict[str, set[int]] = {kind: set() for kind in KINDS}
    overlaps: list[Overlap] = []
    for field_name in ("instruction", "command"):
        train_text = [getattr(e, field_name) for e in train]
        test_text = [getattr(e, field_name) for e in test]
        key = instruction_key if field_name == "instruction" else comparison_key
        train_keys: dict[str, int] = {}
        for index, text in enumerate(train_text):
            train_keys.setdefault(key(text), index)
        for index, text in enumerate(test_text):
            match = train_keys.get(key(text))
            if match is not None:
                hits[f"exact_{field_name}"].add(index)
                overlaps.append(
                    Overlap(
                        test[index].id, train[match].id, f"exact_{field_name}", 1.0, text, train_text[match]
                    )
                )
        pairs = similar_pairs(
            [shingles(t) for t in test_text], [shingles(t) for t in train_text], threshold=threshold
        )
        best: dict[int, tuple[float, int]] = {}
        for i, j, similarity in pairs:
            if i not in best or similarity > best[i][0]:
                best[i] = (similarity, j)
        for i, (similarity, j) in sorted(best.items()):
            hits[f"near_{field_name}"].add(i)
            if i not in hits[f"exact_{field_name}"]:
                overlaps.append(
                    Overlap(
                        test[i].id,
                        train[j].id,
                        f"near_{field_name}",
                        round(similarity, 3),
                        test_text[i],
                        train_text[j],
                    )
                )
    contaminated = set().union(*hits.values())
    return ContaminationReport(
        train_size=len(train),
        test_size=len(test),
        threshold=threshold,
        contaminated_test=len(contaminated),
        by_kind={kind: len(indices) for kind, indices in hits.items()},
        examples=sorted(overlaps, key=lambda o: (-o.similarity, o.test_id)),
    )
