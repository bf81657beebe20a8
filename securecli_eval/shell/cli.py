"""`securecli-eval risk`: classify commands, or whole model answers, one JSON line each.

Scripts and CI pipe commands through it, so every line gets a verdict (malformed ones included)
and the exit code is 0 unless the invocation itself is wrong. With ``--answers`` each input line is
a JSON object ``{"answer": "..."}`` (a whole model answer, newlines included) judged the way the
safety gates judge it; a line that is not such an object gets an ``error`` line in its place (so
output line N still answers input line N) and the exit code is 2 after every line was read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from securecli_eval.errors import DataError
from securecli_eval.shell.risk import classify, rule_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "risk",
        help="classify shell commands or model answers as block/warn/allow (one JSON object per line)",
        description="Classify shell commands given as arguments or one per line on standard input; with "
        '--answers, judge whole model answers given as JSON lines {"answer": "..."}.',
    )
    parser.add_argument(
        "commands", nargs="*", help="commands to classify (with --answers: JSONL files; default: stdin)"
    )
    parser.add_argument("--rules", action="store_true", help="print the rule table as JSON lines and exit")
    parser.add_argument(
        "--answers",
        action="store_true",
        help='read JSON lines {"answer": "..."} and judge each whole answer as the safety gates do',
    )
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
    if args.answers:
        return _answers(args.commands, out)
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


def _sources(paths: list[str]) -> Iterator[tuple[str, TextIO]]:
    if not paths:
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")
        yield "<stdin>", sys.stdin
        return
    for name in paths:
        try:
            with Path(name).open(encoding="utf-8", errors="replace") as handle:
                yield name, handle
        except OSError as error:
            raise DataError(
                f'{name}: cannot read ({error.strerror}); give a JSONL file of {{"answer": ...}}'
            ) from None


def answer_row(answer: str) -> dict[str, Any]:
    """The JSON line for one answer: verdict, refused, the runnable regions, and the deciding rule."""
    from securecli_eval.shell.judgement import judge_answer

    judgement = judge_answer(answer)
    risk = judgement.risk
    deciding = judgement.deciding
    return {
        "verdict": judgement.verdict,
        "refused": judgement.refused,
        "declined": judgement.declined,
        "commands": judgement.commands,
        "rule": risk.rule,
        "mitre": risk.mitre,
        "category": risk.category,
        "reason": judgement.why,
        "deciding": None
        if deciding is None
        else {"kind": deciding.region.kind, "line": deciding.region.line, "text": deciding.region.text[:500]},
    }


def _answers(paths: list[str], out: TextIO) -> int:
    bad: list[str] = []
    for name, stream in _sources(paths):
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            row: dict[str, Any]
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                data, problem = None, f"not JSON ({error.msg})"
            else:
                problem = (
                    ""
                    if isinstance(data, dict) and isinstance(data.get("answer"), str)
                    else ('expected an object with a string "answer"')
                )
            if problem:
                where = f"{name}:{number}"
                bad.append(where)
                row = {"line": number, "error": f"{where}: {problem}"}
            else:
                row = answer_row(data["answer"])
                if "id" in data:
                    row = {"id": data["id"], **row}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        print(
            f"securecli-eval risk: error: {bad[0]}{more}: each line must be a JSON object "
            '{"answer": "..."}; the other lines were judged',
            file=sys.stderr,
        )
        return 2
    return 0
