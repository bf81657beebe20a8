"""Several references per request: found in the raw corpus, added without touching anything else."""

from __future__ import annotations

import json

from securecli_eval.corpus.example import Example, to_jsonl_line
from securecli_eval.corpus.references import add_references_to_file, references_by_id, with_references

from ..conftest import PROJECT

SHIPPED = PROJECT / "securecli_eval" / "resources" / "data" / "test.jsonl"


def raw(index: int, nl: str, cmd: str) -> Example:
    return Example(f"nl2bash-{index}", nl, cmd, "nl2bash", "MIT", cmd.split()[0])


RAW = [
    raw(0, "List files", "ls"),
    raw(1, "List files", "ls  -1"),  # normalised to "ls -1"
    raw(2, "List files", "ls"),
    raw(3, "Count lines", "wc -l f"),
]


def test_instructions_with_several_commands_get_them_all_once():
    table = references_by_id(RAW)
    assert table == {"nl2bash-0": ("ls", "ls -1"), "nl2bash-1": ("ls", "ls -1"), "nl2bash-2": ("ls", "ls -1")}
    example = RAW[1].with_(command="ls -1")
    assert with_references([example], RAW)[0].references == ("ls -1", "ls")
    assert with_references([RAW[3]], RAW)[0].references == ()


def test_adding_references_to_a_file_changes_nothing_else(tmp_path):
    path = tmp_path / "eval.jsonl"
    records = [
        {"id": "nl2bash-1", "instruction": "List files", "command": "ls -1", "extra": "ü"},
        {"id": "nl2bash-3", "instruction": "Count lines", "command": "wc -l f"},
    ]
    path.write_text("".join(to_jsonl_line(record) for record in records), encoding="utf-8")
    before = path.read_text(encoding="utf-8").splitlines()
    assert add_references_to_file(path, RAW) == 1
    after = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(after[0]) == {**records[0], "references": ["ls -1", "ls"]}
    assert after[1] == before[1]
    assert add_references_to_file(path, RAW) == 1 and path.read_text(encoding="utf-8").splitlines() == after


def test_the_shipped_eval_set_carries_references_consistent_with_its_commands():
    records = [json.loads(line) for line in SHIPPED.read_text(encoding="utf-8").splitlines()]
    with_several = [r for r in records if "references" in r]
    assert with_several and all(r["source"] == "nl2bash" for r in with_several)
    assert all(r["references"][0] == r["command"] and len(set(r["references"])) >= 2 for r in with_several)
