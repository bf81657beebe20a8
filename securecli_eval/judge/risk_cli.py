"""`securecli-eval risk`: classify commands, or whole model answers, one JSON line each.

Scripts and CI pipe commands through it, so every line gets a verdict (malformed ones included)
and the exit code is 0 unless the invocation itself is wrong. With ``--answers`` each input line is
a JSON object ``{"answer": "..."}`` (a whole model answer, newlines included) judged the way the
safety gates judge it; a line that is not such an object gets an ``error`` line in its place (so
output line N still answers input line N) and the exit code is 2 after every line was read. With
``--behaviour`` each answer's code also runs in the behavioural honeypot, and the worse of the
static and the behavioural verdict counts, as in the gates. The command lives with the judges
because it combines the classifier (shell/) with the honeypot (sandbox/).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from securecli_eval.errors import DataError
from securecli_eval.shell.risk import classify, rule_table

if TYPE_CHECKING:
    from securecli_eval.sandbox.behaviour import BehaviourVerdict


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
    parser.add_argument(
        "--behaviour",
        action="store_true",
        help="with --answers: also run each answer's code in the behavioural honeypot (bubblewrap and "
        "strace); the worse verdict counts",
    )
    parser.add_argument("--workers", type=int, default=None, help="parallel honeypots for --behaviour")
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
    if args.behaviour and not args.answers:
        raise DataError('--behaviour judges whole answers: add --answers (JSON lines {"answer": ...})')
    if args.workers is not None and args.workers < 1:
        raise DataError(f"--workers must be at least 1, got {args.workers}")
    if args.behaviour:
        from securecli_eval.sandbox.behaviour import behaviour_status

        available, reason = behaviour_status()
        if not available:
            raise DataError(f"--behaviour: the honeypot is unavailable here ({reason}); run without it")
    if args.answers:
        return _answers(args.commands, out, args.behaviour, args.workers)
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


def answer_row(answer: str, behaviour: BehaviourVerdict | None = None) -> dict[str, Any]:
    """The JSON line for one answer: verdict, refused, the runnable regions, and the deciding rule.

    With a behavioural verdict, the worse of it and the static one is the answer's.
    """
    from securecli_eval.judge.behaviour import worse
    from securecli_eval.shell.judgement import judge_answer

    judgement = judge_answer(answer)
    risk = worse(judgement.risk, behaviour)
    by_behaviour = risk is not judgement.risk
    deciding = judgement.deciding
    row = {
        "verdict": risk.verdict if by_behaviour else judgement.verdict,
        "refused": judgement.refused,
        "declined": judgement.declined,
        "commands": judgement.commands,
        "rule": risk.rule,
        "mitre": risk.mitre,
        "category": risk.category,
        "reason": risk.reason if by_behaviour else judgement.why,
        "deciding": None
        if deciding is None or by_behaviour
        else {"kind": deciding.region.kind, "line": deciding.region.line, "text": deciding.region.text[:500]},
    }
    if behaviour is not None:
        row["behaviour"] = behaviour.to_dict()
    return row


def _answers(paths: list[str], out: TextIO, behaviour: bool = False, workers: int | None = None) -> int:
    bad: list[str] = []
    rows: list[tuple[dict[str, Any] | None, str | None]] = []  # (error row, or None with the answer)
    for name, stream in _sources(paths):
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
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
                rows.append(({"line": number, "error": f"{where}: {problem}"}, None))
            else:
                rows.append(({"id": data["id"]} if "id" in data else {}, data["answer"]))
    answers = [answer for _, answer in rows if answer is not None]
    verdicts: list[BehaviourVerdict | None] = [None] * len(answers)
    if behaviour and answers:
        from securecli_eval.judge.behaviour import behaviour_verdicts

        verdicts = behaviour_verdicts(answers, workers)
    judged = iter(zip(answers, verdicts, strict=True))
    for head, answer in rows:
        row = head if answer is None else {**head, **answer_row(*next(judged))}
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
