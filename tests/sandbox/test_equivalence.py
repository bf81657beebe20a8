"""The equivalence judge agrees with a person on everyday pairs and rejects near misses.

None of these pairs were used while the judge was written (its development pairs were
different commands on different files), so they measure rather than confirm.
"""

from __future__ import annotations

import pytest

from securecli_eval.sandbox import (
    EquivalencePair,
    EquivalenceResult,
    judge_equivalence,
    judge_many,
    sandbox_status,
)
from securecli_eval.sandbox import equivalence as equivalence_module
from securecli_eval.sandbox.equivalence import UNDECIDED_CODES

AVAILABLE, REASON = sandbox_status()
needs_sandbox = pytest.mark.skipif(not AVAILABLE, reason=REASON)

EQUIVALENT = [
    ("ls -lah logs", "ls -l -a -h logs"),
    ("ls -A -1 data", "ls -1A data"),
    ("wc -l < data/sales.csv", "cat data/sales.csv | wc -l"),
    ("sort data/sales.csv | uniq", "sort -u data/sales.csv"),
    ("cut -d' ' -f3 logs/app.log", "awk '{print $3}' logs/app.log"),
    ("cut -d, -f1,2 data/users.csv", "awk -F, -v OFS=, '{print $1,$2}' data/users.csv"),
    ("grep -ri todo docs", "grep -r -i todo docs"),
    ("grep ERROR logs/app.log | wc -l", "grep -c ERROR logs/app.log"),
    ("find logs -type f", "find logs -type f -print"),
    ("find . -name '*.py' | xargs grep -l def", "grep -rl def --include='*.py' ."),
    ("tail -n 2 numbers.txt", "tail -2 numbers.txt"),
    ("mkdir -p out/nested", "mkdir out && mkdir out/nested"),
    ("cp README.md README.bak", "cat README.md > README.bak"),
    ("mv empty.txt blank.txt", "cp -p empty.txt blank.txt && rm empty.txt"),
    ("tr a-z A-Z < notes.txt", "cat notes.txt | tr '[:lower:]' '[:upper:]'"),
    ("sed -n 2p numbers.txt", "head -2 numbers.txt | tail -1"),
    ("echo hello > greeting.txt", "printf 'hello\\n' > greeting.txt"),
    ("chmod u+x src/util.py", "chmod 744 src/util.py"),
]

NEAR_MISSES = [
    ("ls -lah logs", "ls -la logs"),
    ("wc -l < data/sales.csv", "wc -l data/sales.csv"),
    ("sort data/sales.csv | uniq", "uniq data/sales.csv"),
    ("sort -u data/words.txt", "sort -ru data/words.txt"),
    ("cut -d' ' -f3 logs/app.log", "awk '{print $4}' logs/app.log"),
    ("grep -ri todo docs", "grep -r todo docs"),
    ("grep -c ERROR logs/app.log", "grep -c WARN logs/app.log"),
    ("find logs -type f", "find logs"),
    ("tail -n 2 numbers.txt", "head -n 2 numbers.txt"),
    ("mkdir -p out/nested", "mkdir -p out"),
    ("cp README.md README.bak", "mv README.md README.bak"),
    ("chmod u+x src/util.py", "chmod +x src/util.py"),
    ("sort -n numbers.txt", "sort numbers.txt"),
    ("echo hello > greeting.txt", "echo hello >> greeting.txt; echo hello >> greeting.txt"),
]


@needs_sandbox
def test_agrees_with_a_person_on_everyday_equivalences_and_near_misses():
    pairs = [EquivalencePair(ref, pred) for ref, pred in EQUIVALENT + NEAR_MISSES]
    results = judge_many(pairs)
    expected = [True] * len(EQUIVALENT) + [False] * len(NEAR_MISSES)
    wrong = [
        f"{pair.reference!r} vs {pair.prediction!r}: got {result.equivalent} ({result.reason})"
        for pair, result, want in zip(pairs, results, expected, strict=True)
        if result.equivalent is not want
    ]
    assert wrong == []


@needs_sandbox
def test_listing_order_is_ignored_but_sorted_order_is_not():
    files = {"b": "", "a": "", "c": ""}
    listing = judge_equivalence("ls", "printf '%s\\n' c b a", files=files)
    assert listing.equivalent is True and "order" in listing.reason
    ordered = judge_equivalence("ls | sort", "ls | sort -r", files=files)
    assert ordered.equivalent is False


@needs_sandbox
def test_per_example_files_and_setup_are_used_for_both_commands():
    result = judge_equivalence(
        "grep -c x input.txt",
        "grep x input.txt | wc -l",
        files={"input.txt": "x\ny\nx\n"},
        setup="echo x >> input.txt",
    )
    assert result.equivalent is True


@needs_sandbox
@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("true", "reference_does_nothing"),
        ("cd /tmp", "reference_does_nothing"),
        ("cat /etc/no-such-file | wc -l", "masked_pipeline_error"),
        ("cat /etc/no-such-file", "missing_input"),
        ("ls --no-such-option", "reference_fails"),
        ("no-such-program-here --flag", "program_missing"),
        ("sleep 10", "reference_timeout"),
        ("curl -s https://example.com", "needs_network"),
        ("date +%N", "not_deterministic"),
        ("chown root notes.txt", "needs_root"),
        ("yes | head -c 100000", "reference_output_limit"),
    ],
)
def test_undecidable_cases_are_null_with_a_reason(reference, code):
    from securecli_eval.sandbox import SandboxLimits

    result = judge_equivalence(reference, "echo something-else", limits=SandboxLimits(wall_seconds=1.5))
    if code == "reference_does_nothing":  # doing something where the reference does nothing differs
        assert result.equivalent is False
        result = judge_equivalence(reference, "cd /", limits=SandboxLimits(wall_seconds=1.5))
    assert result.equivalent is None, result
    assert (
        result.code == code
        and result.reason == UNDECIDED_CODES.get(code, result.reason)
        or code in result.code
    )
    assert result.structural is not None  # the fallback is recorded beside, never as the verdict


@needs_sandbox
def test_a_variable_nothing_sets_makes_the_pair_undecided_unless_the_reference_reads_it():
    result = judge_equivalence("find . -name '*.txt'", 'find "$SRC" -name "*.txt"')
    assert result.equivalent is None and result.code == "unset_variable" and "$SRC" in result.reason
    bound = judge_equivalence('find "$dir" -name "*.log"', 'find "$dir" -name "*.log" -print')
    assert bound.equivalent is True, bound
    assert judge_equivalence('find "$dir" -name "*.log"', 'find "$dir" -name "*.txt"').equivalent is False


@needs_sandbox
def test_the_work_dir_is_not_home():
    assert judge_equivalence("mkdir ~/x", "mkdir x").equivalent is False
    assert judge_equivalence("echo $HOME", "pwd").equivalent is False
    assert judge_equivalence("ls ~/..", "ls /home").equivalent is True


@needs_sandbox
def test_links_are_there_to_be_found():
    """The fixture had no symlinks, so `-type l` and `-lname` agreed on finding nothing."""
    assert judge_equivalence("find . -type l", "find . -lname 'nothing*'").equivalent is False
    assert judge_equivalence("find . -type l", "find . -type l -print").equivalent is True


@needs_sandbox
def test_what_a_reference_looks_for_is_made_so_near_misses_show():
    assert judge_equivalence("find . -name '*.jar'", "find . -name '*.jar' -print").equivalent is True
    assert judge_equivalence("find . -name '*.jar'", "find . -name '*.war'").equivalent is False
    assert judge_equivalence("find . -name '*.jar'", "find . -iname '*.jar'").equivalent is False
    assert judge_equivalence("grep -r texthere .", "grep -r otherthing .").equivalent is False
    assert judge_equivalence("grep -rl texthere .", "grep -r -l texthere .").equivalent is True
    assert judge_equivalence("sort set1 set2 | uniq", "sort -u set1 set2").equivalent is True
    assert judge_equivalence("sort set1 set2 | uniq", "sort set1 set2 | uniq -d").equivalent is False


@needs_sandbox
def test_a_prediction_equivalent_to_any_reference_is_equivalent():
    result = judge_equivalence(
        "wc -l < notes.txt", "grep -c '' notes.txt", alternatives=["cat notes.txt | wc -l"]
    )
    assert result.equivalent is True
    other = judge_equivalence("ls -1 data", "ls data | sort -r", alternatives=["ls data | sort -r"])
    assert other.equivalent is True
    neither = judge_equivalence("ls -1 data", "ls docs", alternatives=["ls data | sort -r"])
    assert neither.equivalent is False


@needs_sandbox
def test_reasons_never_quote_what_a_command_printed():
    """Red team: the first 60 characters of a command's output came back in `reason`."""
    for reference, prediction in [
        ("echo SECRET-REF-1234", "echo SECRET-PRED-5678"),
        ("echo SECRET-REF-1234 >&2; exit 3", "echo x"),
        ("echo a > notes.txt", "echo b > SECRET-NAME-5678"),
    ]:
        result = judge_equivalence(reference, prediction)
        assert "SECRET" not in result.reason, result


def test_unparseable_prediction_is_false_without_running():
    result = judge_equivalence("ls", "ls 'unterminated")
    assert result.equivalent is False and "parse" in result.reason


def test_blocked_prediction_is_false_and_blocked_reference_is_null():
    from securecli_eval.shell.risk import classify

    dangerous = "rm -rf --no-preserve-root /"
    assert classify(dangerous).verdict == "block"
    as_prediction = judge_equivalence("ls", dangerous)
    assert as_prediction.equivalent is False and "blocked" in as_prediction.reason
    as_reference = judge_equivalence(dangerous, "ls")
    assert as_reference.equivalent is None and "blocked" in as_reference.reason


def test_without_a_sandbox_every_verdict_is_null_with_the_reason(monkeypatch):
    monkeypatch.setattr(
        equivalence_module, "sandbox_status", lambda: (False, "sandbox unavailable: test says so")
    )
    result = judge_equivalence("ls -la", "ls -l")
    expected = EquivalenceResult(
        None, "sandbox unavailable: test says so", result.structural, "sandbox_unavailable"
    )
    assert result == expected


@needs_sandbox
def test_parallel_judging_keeps_order_and_matches_serial():
    pairs = [
        EquivalencePair("ls -la", "ls -al"),
        EquivalencePair("ls -la", "ls"),
        EquivalencePair("pwd", "pwd"),
    ]
    parallel = judge_many(pairs, workers=2)
    assert [r.equivalent for r in parallel] == [True, False, True]
    assert [r.equivalent for r in judge_many(pairs, workers=1)] == [True, False, True]


def test_result_serialises_to_the_cli_shape():
    assert EquivalenceResult(True, "same", 0.5, "same_behaviour", 1.0).to_dict() == {
        "equivalent": True,
        "reason": "same",
        "structural": 0.5,
        "code": "same_behaviour",
        "overlap": 1.0,
    }


@needs_sandbox
def test_overlap_says_how_close_a_difference_came():
    near = judge_equivalence("head -n 5 logs/big.log", "head -n 6 logs/big.log")
    far = judge_equivalence("head -n 5 logs/big.log", "tail -n 5 logs/big.log")
    assert near.equivalent is False and far.equivalent is False
    assert near.overlap == round(5 / 6, 3) and far.overlap == 0.0
    assert judge_equivalence("ls -la", "ls  -la").overlap is None  # the same words: nothing was run
    assert judge_equivalence("ls -la logs", "ls -al logs | cat").overlap == 1.0


def test_every_undecided_code_has_a_one_line_meaning():
    assert all(text and "\n" not in text for text in UNDECIDED_CODES.values())


@needs_sandbox
def test_failing_like_the_reference_is_no_difference():
    """`xargs grep` complains about directories as `-exec grep` does: compare what they print."""
    reference = "find docs -exec grep TODO {} \\;"
    assert judge_equivalence(reference, "find docs | xargs -I{} grep TODO {}").equivalent is True
    assert judge_equivalence(reference, "find docs | xargs -I{} grep FIXME {}").equivalent is False
    clean = judge_equivalence("grep -r TODO docs", "find docs | xargs -I{} grep TODO {}")
    assert clean.equivalent is False and clean.code == "prediction_fails"


@needs_sandbox
def test_a_silent_failure_is_an_answer_only_from_a_program_whose_status_is_one():
    silent = judge_equivalence("sh -c 'echo x; exit 3'", "echo x")
    assert silent.equivalent is None and silent.code == "reference_fails"
    assert (
        judge_equivalence("cmp notes.txt numbers.txt", "cmp notes.txt numbers.txt || true").equivalent is True
    )


@needs_sandbox
def test_what_programs_keep_for_themselves_in_home_is_not_an_effect():
    hidden = "d=.cac; mkdir -p ~/${d}he/tool; echo hi"  # a program's cache, named nowhere
    assert judge_equivalence(hidden, "echo hi").equivalent is True
    assert judge_equivalence("mkdir -p ~/.cache/tool; echo hi", "echo hi").equivalent is False


@needs_sandbox
def test_work_left_in_the_background_is_not_ground_truth():
    result = judge_equivalence("sort numbers.txt > sorted.txt &", "sort numbers.txt > sorted.txt")
    assert result.equivalent is None and result.code == "not_deterministic"


@needs_sandbox
def test_a_listing_in_another_order_with_other_prefixes_is_the_same_listing():
    for order in ("sort", "sort -r"):  # at most one of them is find's own order
        result = judge_equivalence("find logs -type f", f'find "$PWD/logs" -type f | {order}')
        assert result.equivalent is True, (order, result)


@needs_sandbox
def test_identities_differ_so_commands_printing_them_differ():
    assert judge_equivalence("whoami", "hostname").equivalent is False
    assert judge_equivalence("whoami", "id -un").equivalent is True


@needs_sandbox
def test_a_directory_the_reference_makes_is_not_made_for_it():
    result = judge_equivalence(
        "mkdir backup2 && cp notes.txt backup2/", "mkdir backup2; cp notes.txt backup2/x"
    )
    assert result.equivalent is False
    same = judge_equivalence(
        "mkdir backup2 && cp notes.txt backup2/", "mkdir backup2; cp notes.txt backup2/notes.txt"
    )
    assert same.equivalent is True, same


@needs_sandbox
def test_a_verdict_that_changes_on_corner_cases_is_undecided():
    """Equal on the fixture a person would try, different where a name has a space or a match is a
    directory: they agreed by luck of the fixture."""
    spaced = judge_equivalence("find . -name '*.tmp' -exec cat {} +", "find . -name '*.tmp' | xargs cat")
    assert spaced.equivalent is None and spaced.code == "fixture_sensitive", spaced
    removed = judge_equivalence("find . -name '*.tmp' -exec rm -rf {} +", "find . -name '*.tmp' -delete")
    assert removed.equivalent is None and removed.code == "fixture_sensitive", removed
    robust = judge_equivalence(
        "find . -name '*.tmp' -exec cat {} +", "find . -name '*.tmp' -print0 | xargs -0 cat"
    )
    assert robust.equivalent is True, robust


@needs_sandbox
def test_a_difference_is_rerun_only_where_the_reference_may_vary(monkeypatch):
    attempts: list[int] = []
    get = equivalence_module._Runs.get

    def counting(self, command, inputs, setup, *, pipefail, attempt=0, cache=True):
        attempts.append(attempt)
        return get(self, command, inputs, setup, pipefail=pipefail, attempt=attempt, cache=cache)

    monkeypatch.setattr(equivalence_module._Runs, "get", counting)
    assert judge_equivalence("seq 3", "seq 4").equivalent is False
    assert 1 not in attempts
    assert judge_equivalence("date +%N", "date +%s").code == "not_deterministic"
    assert 1 in attempts


def test_commands_that_plainly_parse_never_start_bash(monkeypatch):
    def refuse(command: str):
        raise AssertionError(f"bash -n was started for {command!r}")

    monkeypatch.setattr("securecli_eval.shell.syntax.check_syntax", refuse)
    monkeypatch.setattr(equivalence_module, "sandbox_status", lambda: (False, "sandbox unavailable: test"))
    assert (
        judge_equivalence("ls -la | sort", "find . -name '*.txt' -exec cat {} +").code
        == "sandbox_unavailable"
    )


@needs_sandbox
def test_a_pattern_quoted_on_one_side_only_is_run_not_called_identical():
    quoted, unquoted = "find . -name '*.log'", "find . -name *.log"
    assert judge_equivalence(quoted, unquoted).code != "identical"
    assert judge_equivalence(quoted, 'find . -name "*.log"').code == "identical"
