"""`securecli-eval equiv`: JSON lines in, verdicts out in the same order, errors in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from securecli_eval.errors import DataError
from securecli_eval.sandbox import sandbox_status
from securecli_eval.sandbox.cli import parse_pairs

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
        {"reference": "cat missing", "prediction": "ls"},
    ]
    stdin = "\n".join(json.dumps(record) for record in records) + "\n\n"
    result = run_equiv(stdin, "--workers", "2")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["equivalent"] for v in verdicts] == [True, True, False, True, None]
    assert all(v["reason"] for v in verdicts)
    assert all(set(v) == {"equivalent", "reason", "structural"} for v in verdicts)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "stdin:1: invalid JSON"),
        ('["a", "b"]', "stdin:1: expected a JSON object"),
        ('{"reference": "ls"}', "stdin:1: 'prediction' is missing"),
        ('{"reference": "ls", "prediction": "ls", "files": {"../x": ""}}', "stdin:1: fixture path"),
        ('{"reference": "ls", "prediction": "ls", "setup": 3}', "stdin:1: 'setup' must be a string"),
    ],
)
def test_malformed_input_is_a_one_line_error(line, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        parse_pairs([line])


def test_cli_reports_bad_input_without_a_traceback():
    result = run_equiv('{"reference": "ls"}\n')
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "stdin:1" in result.stderr


def test_cli_rejects_nonsense_options_in_one_line():
    result = run_equiv("", "--workers", "0")
    assert result.returncode == 2 and "--workers must be at least 1" in result.stderr
