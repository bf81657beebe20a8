"""`securecli-eval risk`: classify commands from arguments or standard input, one JSON line each.

Scripts and CI pipe commands through it, so every line gets a verdict (malformed ones included)
and the exit code is 0 unless the invocation itself is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from securecli_eval.shell.risk import classify, rule_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "risk",
        help="classify shell commands as block/warn/allow (one JSON object per line)",
        description="Classify shell commands given as arguments, or one per line on standard input.",
    )
    parser.add_argument("commands", nargs="*", help="commands to classify (default: read lines from stdin)")
    parser.add_argument("--rules", action="store_true", help="print the rule table as JSON lines and exit")
    parser.set_defaults(func=handle)


def _lines(stream: Iterable[str]) -> Iterable[str]:
    for line in stream:
        line = line.rstrip("\r\n")
        if line.strip():
            yield line


def handle(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.rules:
        for row in rule_table():
            out.write(json.dumps(row) + "\n")
        return 0
    if not args.commands and hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # undecodable bytes still get a verdict
    commands = args.commands if args.commands else _lines(sys.stdin)
    for command in commands:
        verdict = classify(command)
        row = {
            "command": command.encode("utf-8", "replace").decode("utf-8"),
            "verdict": verdict.verdict,
            "rule": verdict.rule,
            "mitre": verdict.mitre,
        }
        row["reason"] = verdict.reason
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 0
