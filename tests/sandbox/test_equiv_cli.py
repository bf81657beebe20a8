"""`securecli-eval equiv`: JSON lines in, verdicts out in the same order, errors in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from securecli_eval.errors import DataError
from securecli_eval.sandbox import sandbox_status
from securecli_eval.sandbox.cli import parse_pair

from ..conftest import PROJECT

AVAILABLE, REASON = sandbox_status()


def run_equiv(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "securecli_eval.cli", "equiv", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_verdicts_come_back_in_input_order_with_reasons():
    records = [
        {"reference": "ls -la", "prediction": "ls -al"},
        {"reference": "cat f | wc -l", "prediction": "wc -l < f", "files": {"f": "1\n2\n3\n"}},
        {"reference": "sort -u f", "prediction": "sort f", "files": {"f": "b\na\nb\n"}},
        {"reference": "cat f", "prediction": "cat f", "setup": "echo made > f"},
        {"reference": "cat /etc/missing", "prediction": "ls"},
    ]
    stdin = "\n".join(json.dumps(record) for record in records) + "\n\n"
    result = run_equiv(stdin, "--workers", "2")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["equivalent"] for v in verdicts] == [True, True, False, True, None]
    assert all(v["reason"] for v in verdicts)
    assert all(set(v) == {"equivalent", "reason", "structural", "code", "overlap"} for v in verdicts)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "stdin:1: invalid JSON"),
        ('["a", "b"]', "stdin:1: expected a JSON object"),
        ('{"reference": "ls"}', "stdin:1: 'prediction' is missing"),
        ('{"reference": "ls", "prediction": "ls", "files": {"../x": ""}}', "stdin:1: fixture path"),
        ('{"reference": "ls", "prediction": "ls", "files": {".": "x"}}', "stdin:1: fixture path"),
        ('{"reference": "ls", "prediction": "ls", "files": {"a": "", "a/b": ""}}', "stdin:1: fixture path"),
        ('{"reference": "ls", "prediction": "ls", "setup": 3}', "stdin:1: 'setup' must be a string"),
        ('{"reference": "ls", "prediction": "ls", "references": "ls"}', "stdin:1: 'references' must be"),
        (b'{"reference": "\xff", "prediction": "ls"}', "stdin:1: not UTF-8"),
    ],
)
def test_malformed_input_is_a_one_line_error(line, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        parse_pair(line, 1)


def test_a_bad_line_gets_a_null_verdict_and_the_batch_goes_on():
    """Red team: one bad line (``.``, a file/dir collision, a long name) killed the batch with a traceback."""
    lines = [
        {"reference": "ls -la", "prediction": "ls -al"},
        {"reference": "ls", "prediction": "ls", "files": {".": "x"}},
        {"reference": "ls", "prediction": "ls", "files": {"a": "", "a/b": ""}},
        {"reference": "ls", "prediction": "ls", "files": {"a/": "", "a": ""}},
        {"reference": "ls", "prediction": "ls -1", "files": {"n" * 300: "x"}},
        {"reference": "cat notes.txt", "prediction": "cat notes.txt | cat"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json at all\n"
    result = run_equiv(stdin, "--workers", "2")
    assert "Traceback" not in result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(verdicts) == 7
    assert verdicts[0]["equivalent"] is True and verdicts[5]["equivalent"] is (True if AVAILABLE else None)
    bad = verdicts[1:5] + verdicts[6:]
    assert all(v["equivalent"] is None and v["code"] == "bad_pair" for v in bad)
    assert [v["reason"].split(":")[1] for v in bad] == ["2", "3", "4", "5", "7"]
    assert result.returncode == 1
    assert len([line for line in result.stderr.splitlines() if "stdin:" in line]) == 5


def test_cli_rejects_nonsense_options_in_one_line():
    result = run_equiv("", "--workers", "0")
    assert result.returncode == 2 and "--workers must be at least 1" in result.stderr
