"""Datasets: several references per example come through as ``Example.references``."""

from __future__ import annotations

import json

from securecli_eval.inputs.config import DatasetSpec
from securecli_eval.inputs.datasets import load_examples


def test_references_are_read_and_bad_ones_ignored(tmp_path):
    path = tmp_path / "d.jsonl"
    rows = [
        {"id": "a", "instruction": "list", "command": "ls", "references": ["ls", "ls -1", 3, ""]},
        {"id": "b", "instruction": "count", "command": "wc -l f", "references": "wc -l f"},
        {"id": "c", "instruction": "show", "command": "cat f"},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    examples = load_examples(DatasetSpec(name="d", path=str(path)), path)
    assert [e.references for e in examples] == [("ls", "ls -1"), (), ()]
