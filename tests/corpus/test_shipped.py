"""The committed build: shipped eval set and splits do not overlap, and the card matches the files."""

from __future__ import annotations

import json

import pytest

from securecli_eval.corpus.contamination import check
from securecli_eval.corpus.load import load_split
from securecli_eval.inputs.prompts import SYSTEM_PROMPT

from ..conftest import PROJECT

SPLITS = PROJECT / "data" / "splits"
SHIPPED = PROJECT / "securecli_eval" / "resources" / "data" / "test.jsonl"


@pytest.fixture(scope="module")
def train() -> list:
    return load_split(SPLITS / "train.jsonl")


def test_shipped_eval_set_has_no_overlap_with_shipped_train(train: list) -> None:
    report = check(train, load_split(SHIPPED))
    assert report.clean, report.as_dict(max_examples=5)


def test_splits_do_not_overlap(train: list) -> None:
    for name in ("val", "test"):
        assert check(train, load_split(SPLITS / f"{name}.jsonl")).clean, name


def test_shipped_eval_set_is_a_curated_subset_of_the_test_split() -> None:
    records = [json.loads(line) for line in SHIPPED.read_text().splitlines()]
    test_ids = {json.loads(line)["id"] for line in (SPLITS / "test.jsonl").read_text().splitlines()}
    assert 300 <= len(records) <= 1500
    assert {r["id"] for r in records} <= test_ids
    assert len({r["id"] for r in records}) == len(records)
    assert {r["source"] for r in records} == {"nl2bash", "tldr-pages"}
    for record in records:
        assert "{{" not in record["command"]
        assert isinstance(record["executable"], bool)
        assert record["license"] == {"nl2bash": "MIT", "tldr-pages": "CC-BY-4.0"}[record["source"]]
        roles = [(m["role"], m["content"]) for m in record["messages"]]
        assert roles == [
            ("system", SYSTEM_PROMPT),
            ("user", record["instruction"]),
            ("assistant", record["command"]),
        ]
    assert (SHIPPED.parent / "LICENSE.nl2bash").is_file()
    assert (SHIPPED.parent / "LICENSE.tldr-pages.md").is_file()


def test_card_counts_match_the_files() -> None:
    card = json.loads((SPLITS / "card.json").read_text())
    for name in ("train", "val", "test"):
        lines = (SPLITS / f"{name}.jsonl").read_text().splitlines()
        assert card["splits"][name]["total"] == len(lines)
    stages = card["stages"]
    for previous, stage in zip(stages, stages[1:], strict=False):
        if stage["name"] not in ("executable",):
            assert stage["in"] == previous["out"], stage["name"]
        assert stage["in"] - stage["out"] == sum(stage["removed"].values()), stage["name"]
    assert all(r["contaminated_test_examples"] == 0 for r in card["contamination"].values())
    assert sum(p.stat().st_size for p in SPLITS.iterdir()) < 8.5 * 2**20
