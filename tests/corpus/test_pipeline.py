"""Stage-by-stage tests of the data pipeline on small inputs, and the data CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securecli_eval.cli import main
from securecli_eval.corpus import contamination, dedup, filters, placeholders, schema
from securecli_eval.corpus.card import render_markdown
from securecli_eval.corpus.curate import balanced_sample
from securecli_eval.corpus.example import Example
from securecli_eval.corpus.load import load_nl2bash, load_split, load_tldr, utility_of
from securecli_eval.corpus.similarity import jaccard, shingles, similar_pairs
from securecli_eval.corpus.split import split
from securecli_eval.errors import DataError
from securecli_eval.inputs.prompts import SYSTEM_PROMPT


def _ex(id_: str, instruction: str, command: str, source: str = "nl2bash", utility: str = "") -> Example:
    license_ = "MIT" if source == "nl2bash" else "CC-BY-4.0"
    return Example(id_, instruction, command, source, license_, utility or command.split()[0])


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def test_load_reports_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "n.jsonl", [{"id": "a", "nl": "list files", "cmd": "ls"}, "{broken"])
    with pytest.raises(DataError, match=r"n\.jsonl:2: invalid JSON"):
        load_nl2bash(path)
    missing = _write(tmp_path / "m.jsonl", [{"id": "a", "nl": "list files"}])
    with pytest.raises(DataError, match=r"m\.jsonl:1: missing key 'cmd'"):
        load_nl2bash(missing)


def test_load_tldr_names_the_program_and_uses_file_names_for_ids(tmp_path: Path) -> None:
    page = {
        "page": "jc",
        "platform": "common",
        "file": "pages/common/jc.json.md",
        "examples": [{"description": "Convert output to JSON", "command": "dig example.com | jc --dig"}],
    }
    (example,) = load_tldr(_write(tmp_path / "t.jsonl", [page]))
    assert example.id == "tldr-jc.json-0"
    assert example.instruction == "Convert output to JSON, using `dig`"
    assert example.license == "CC-BY-4.0" and example.utility == "jc"


def test_load_split_reads_axolotl_messages_and_alpaca(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "u.jsonl",
        [
            {
                "messages": [
                    {"role": "system", "content": "s"},
                    {"role": "user", "content": "list"},
                    {"role": "assistant", "content": "ls"},
                ]
            },
            {"instruction": "count lines", "input": "", "output": "wc -l notes.txt"},
        ],
    )
    first, second = load_split(path)
    assert (first.instruction, first.command) == ("list", "ls")
    assert (second.instruction, second.command) == ("count lines", "wc -l notes.txt")
    with pytest.raises(DataError, match=r"x\.jsonl:1: no instruction/command pair"):
        load_split(_write(tmp_path / "x.jsonl", [{"text": "hi"}]))


@pytest.mark.parametrize(
    ("command", "utility"),
    [
        ("sudo find . -name x", "find"),
        ("LANG=C sort f", "sort"),
        ("x=$(mktemp -d)", "mktemp"),
        ("/usr/bin/ls", "ls"),
    ],
)
def test_utility_of(command: str, utility: str) -> None:
    assert utility_of(command) == utility


def test_schema_stage_counts_reasons() -> None:
    examples = [_ex("1", "list all files", "ls -la"), _ex("2", "ls", "ls"), _ex("3", "run it", "x" * 401)]
    examples, _ = schema.normalise(examples)
    kept, report = schema.validate(examples)
    assert [e.id for e in kept] == ["1"]
    assert report.removed == {"instruction under two words": 1, "command too long": 1}


def test_placeholder_stage_only_touches_tldr() -> None:
    examples = [
        _ex("n", "print braces", "echo {{x}}"),
        _ex("t", "Show a file", "cat {{path/to/file}}", source="tldr-pages", utility="cat"),
        _ex("bad", "Show", "x '\\{\\{y\\}\\}'", source="tldr-pages", utility="x"),
    ]
    kept, report = placeholders.instantiate_examples(examples)
    assert [e.command for e in kept] == ["echo {{x}}", "cat notes.txt"]
    assert report.removed == {"literal or unbalanced double braces": 1}


def test_exact_and_near_dedup() -> None:
    long = "List all files in the current directory including hidden ones sorted by time"
    examples = [
        _ex("1", long, "ls -lat"),
        _ex("2", long.lower() + ".", "ls  -lat"),
        _ex("3", long, "ls -a"),
        _ex("4", "Show every file here", "ls -lat"),
        _ex("5", long + " now", "ls -lat"),
    ]
    kept, report = dedup.remove_exact(examples)
    assert [e.id for e in kept] == ["1", "4", "5"]
    assert report.removed == {"same instruction and command": 1, "same instruction, other command": 1}
    kept, report = dedup.remove_near(kept)
    assert [e.id for e in kept] == ["1", "4"]
    assert report.count_in - report.count_out == 1


def test_similarity_join_matches_brute_force() -> None:
    texts = ["find . -name x", "find . -name y", "ls -la", "ls -la .", "grep a b", "find . -name x -print"]
    sets = [shingles(t) for t in texts]
    expected = {
        (i, j) for i in range(len(sets)) for j in range(i + 1, len(sets)) if jaccard(sets[i], sets[j]) >= 0.5
    }
    assert {(i, j) for i, j, _ in similar_pairs(sets, threshold=0.5)} == expected


def test_syntax_and_risk_filters() -> None:
    examples = [
        _ex("ok", "list files", "ls -la"),
        _ex("bad", "broken", "echo 'unclosed"),
        _ex("rm", "wipe", "rm -rf /"),
    ]
    kept, report = filters.syntax_filter(examples)
    assert [e.id for e in kept] == ["ok", "rm"] and report.count_out == 2
    kept, report = filters.risk_filter(kept)
    assert [e.id for e in kept] == ["ok"]
    assert sum(report.removed.values()) == 1 and next(iter(report.removed)).startswith("block: ")


def test_shellcheck_filter_records_a_reason() -> None:
    kept, report = filters.shellcheck_filter(
        [_ex("ok", "list files", "ls -la"), _ex("b", "bad if", "if true; then ls; fi fi")]
    )
    if report.skipped:
        assert report.skipped.startswith("skipped: ") and len(kept) == 2
    else:
        assert [e.id for e in kept] == ["ok"]


def test_split_keeps_groups_together_and_is_deterministic() -> None:
    examples = [
        _ex(f"f{i}", f"Find files named report{i} here", f"find . -name report{i}") for i in range(40)
    ]
    examples += [
        _ex(f"t{i}", f"Show page detail {i}", f"tool{i} --x", source="tldr-pages", utility="tool")
        for i in range(5)
    ]
    examples += [_ex(f"u{i}", f"Unrelated task number {i} {'x' * i}", f"cmd{i} arg{i}") for i in range(60)]
    first, _ = split(examples, seed=3)
    second, _ = split(examples, seed=3)
    assert first == second
    names = {name: {e.id for e in getattr(first, name)} for name in ("train", "val", "test")}
    tldr_homes = [name for name, ids in names.items() if ids & {f"t{i}" for i in range(5)}]
    assert len(tldr_homes) == 1
    assert contamination.check(first.train, first.test).clean


def test_contamination_detects_each_kind() -> None:
    train = [
        _ex("a", "Count the lines of notes.txt", "wc -l notes.txt"),
        _ex("b", "Print the date", "date +%F"),
    ]
    test = [
        _ex("x", "count the lines of notes.txt", "cat notes.txt | wc -l"),
        _ex("y", "Show today", "date +%F"),
        _ex("z", "Count all the lines of notes.txt", "awk 'END{print NR}' notes.txt"),
        _ex("w", "Something else entirely", "uname -a"),
    ]
    report = contamination.check(train, test)
    assert report.contaminated_test == 3
    assert report.by_kind["exact_instruction"] == 1 and report.by_kind["exact_command"] == 1
    assert report.by_kind["near_instruction"] >= 2


def test_balanced_sample_keeps_source_share_and_prefers() -> None:
    examples = [_ex(f"n{i}", "find things", "find .") for i in range(60)]
    examples += [
        _ex(f"t{i}", "use tool", f"tool{i % 10}", source="tldr-pages", utility=f"tool{i % 10}")
        for i in range(40)
    ]
    sample = balanced_sample(examples, 10, prefer=lambda e: e.id in {"n5", "n7"})
    assert len(sample) == 10
    assert sum(e.source == "nl2bash" for e in sample) == 6
    assert {"n5", "n7"} <= {e.id for e in sample}
    assert len({e.utility for e in sample if e.source == "tldr-pages"}) == 4


def test_record_is_axolotl_chat_format() -> None:
    record = _ex("1", "list files", "ls").to_record(with_executable=True)
    assert [m["role"] for m in record["messages"]] == ["system", "user", "assistant"]
    assert record["messages"][0]["content"] == SYSTEM_PROMPT and record["executable"] is False


def test_card_markdown_shows_skipped_stage() -> None:
    card = {
        "seed": 0,
        "near_duplicate_threshold": 0.7,
        "sources": {
            "nl2bash": {
                "sha256": "ab" * 32,
                "loaded": 3,
                "license": "MIT",
                "attribution": "a",
                "license_file": "f",
            }
        },
        "stages": [
            {
                "name": "risk",
                "in": 3,
                "out": 3,
                "removed": {},
                "skipped": "skipped: no classifier",
                "notes": {},
                "description": "d",
            }
        ],
        "splits": {"train": {"total": 3, "by_source": {"nl2bash": 3}, "utilities": 1}},
        "executable": 0,
        "contamination": {},
        "shipped_eval_hint": "x",
    }
    markdown = render_markdown(card)
    assert "**skipped: no classifier**" in markdown and "| nl2bash |" in markdown


def test_data_check_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = _write(tmp_path / "train.jsonl", [{"instruction": "list all files", "command": "ls -a"}])
    dirty = _write(tmp_path / "dirty.jsonl", [{"instruction": "List all files", "command": "ls -la"}])
    clean = _write(tmp_path / "clean.jsonl", [{"instruction": "show the date", "command": "date"}])
    assert main(["data", "check", "--train", str(train), "--test", str(dirty)]) == 1
    assert "1 of 1 test examples overlap" in capsys.readouterr().out
    assert main(["data", "check", "--train", str(train), "--test", str(clean)]) == 0
    assert main(["data", "check", "--train", str(tmp_path / "nope.jsonl"), "--test", str(clean)]) == 2
    assert "file not found" in capsys.readouterr().err


def test_executable_flag_runs_references_in_the_sandbox() -> None:
    from securecli_eval.corpus.executable import mark_executable

    examples = [
        _ex("ok", "sort the notes", "sort notes.txt"),
        _ex("missing", "page a csv", "no-such-tool data.csv | cat"),
        _ex("nofile", "unique lines", "sort /etc/no-such-file.txt | uniq"),
    ]
    marked, report = mark_executable(examples)
    if report.skipped:
        assert report.skipped.startswith("skipped: ")
        assert [e.executable for e in marked] == [False, False, False]
    else:
        assert [e.executable for e in marked] == [True, False, False]
        assert report.notes["executable"] == 1


def _tiny_raw(raw: Path) -> Path:
    raw.mkdir()
    pairs = [
        ("Count the lines in notes.txt", "wc -l notes.txt"),
        ("count the lines in notes.txt.", "wc  -l notes.txt"),
        ("Show the current date", "date"),
        ("Delete everything under the root directory", "rm -rf /"),
        ("Print a broken quote", "echo 'oops"),
        ("Sort the numbers file numerically", "sort -n numbers.txt"),
        ("List files sorted by size", "ls -S"),
        ("Print the working directory", "pwd"),
        ("Show disk usage of docs", "du -sh docs"),
        ("Find python files", "find . -name '*.py'"),
    ]
    _write(
        raw / "nl2bash.jsonl",
        [{"id": f"nl2bash-{i}", "nl": nl, "cmd": cmd} for i, (nl, cmd) in enumerate(pairs)],
    )
    pages = [
        {
            "page": name,
            "platform": "common",
            "file": f"pages/common/{name}.md",
            "examples": [
                {
                    "description": "Display the first lines of a file",
                    "command": f"{name} {{{{path/to/file}}}}",
                },
                {"description": "Display help", "command": f"{name} {{{{[-h|--help]}}}}"},
            ],
        }
        for name in ("head", "tail", "cat", "tac", "nl", "rev")
    ]
    _write(raw / "tldr-pages.jsonl", pages)
    (raw / "nl2bash.LICENSE").write_text("MIT\n")
    (raw / "tldr-pages.LICENSE.md").write_text("CC BY 4.0\n")
    return raw


def test_build_end_to_end_is_deterministic(tmp_path: Path) -> None:
    from securecli_eval.corpus.build import BuildOptions, run_build

    raw = _tiny_raw(tmp_path / "raw")
    outputs = []
    for name in ("a", "b"):
        options = BuildOptions(
            raw_dir=raw,
            out_dir=tmp_path / name,
            max_train=0,
            max_val=0,
            max_test=0,
            run_sandbox=False,
            eval_out=tmp_path / name / "eval" / "test.jsonl",
            eval_size=3,
        )
        result = run_build(options)
        outputs.append(
            {
                f: (tmp_path / name / f).read_bytes()
                for f in ("train.jsonl", "val.jsonl", "test.jsonl", "card.md")
            }
        )
    assert outputs[0] == outputs[1]
    stages = {s["name"]: s for s in result.card["stages"]}
    assert stages["exact-dedup"]["removed"] == {"same instruction and command": 1}
    assert stages["syntax"]["removed"] == {"bash -n syntax error": 1}
    assert stages["risk"]["in"] - stages["risk"]["out"] == 1
    total = sum(len(getattr(result.splits, n)) for n in ("train", "val", "test"))
    assert total == stages["shellcheck"]["out"]
    assert all("{{" not in e.command for e in result.splits.train + result.splits.val + result.splits.test)
    assert (tmp_path / "a" / "eval" / "LICENSE.tldr-pages.md").is_file()


def test_build_cli_reports_missing_raw_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "build", "--out", str(tmp_path / "out"), "--raw", str(tmp_path / "none")]) == 2
    assert "raw nl2bash corpus not found" in capsys.readouterr().err
