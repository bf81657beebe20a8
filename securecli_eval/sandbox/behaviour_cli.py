"""`securecli-eval trace`: run commands in the honeypot and print what each did, one JSON line each.

Commands come from the arguments, or as JSON lines ``{"command": "..."}`` on stdin. Each gets
``{"command", "verdict", "rule", "mitre", "category", "reason", "reads", "writes", "deletes",
"connects", "execs", "kernel", "missing", "processes", "exit_code", "timed_out", "counts"}`` in
the same order. A bad line (not JSON, not UTF-8, no ``command`` string) gets a ``not_observed``
record with its one-line error, also on stderr; the other lines are run as usual and the exit code
is 1 when any line was bad.
"""

from __future__ import annotations

import argparse
import json
import sys

from securecli_eval.errors import DataError
from securecli_eval.jsonl import json_object, parse_each


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="run commands in the behavioural honeypot and print what each did (one JSON object per line)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "commands", nargs="*", help='commands to run (default: JSON lines {"command": ...} on stdin)'
    )
    parser.add_argument("--workers", type=int, default=None, help="parallel honeypots (default: 4 x CPUs)")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="wall-clock seconds per command (default 5)"
    )
    parser.set_defaults(func=handle)


def parse_command(line: str | bytes, number: int, source: str = "stdin") -> str:
    """One JSON line's command; DataError naming ``source:number`` when it is not one."""
    where = f"{source}:{number}"
    record = json_object(line, where, 'write {"command": "..."} per line')
    if not isinstance(record.get("command"), str):
        raise DataError(f"{where}: expected an object with a 'command' string")
    return record["command"]


def handle(args: argparse.Namespace) -> int:
    from securecli_eval.sandbox.behaviour import behaviour_many, behaviour_status, not_observed
    from securecli_eval.sandbox.limits import SandboxLimits

    if args.workers is not None and args.workers < 1:
        raise DataError(f"--workers must be at least 1, got {args.workers}")
    if not 0 < args.timeout <= 600:
        raise DataError(f"--timeout must be between 0 and 600 seconds, got {args.timeout}")
    parsed: list[str | DataError] = (
        list(args.commands) if args.commands else parse_each(sys.stdin.buffer, parse_command, "stdin")
    )
    bad = [item for item in parsed if isinstance(item, DataError)]
    for error in bad:
        print(f"securecli-eval trace: {error}", file=sys.stderr)
    available, reason = behaviour_status()
    if not available:
        print(f"securecli-eval trace: {reason}; every verdict is not_observed", file=sys.stderr)
    commands = [item for item in parsed if isinstance(item, str)]
    verdicts = iter(behaviour_many(commands, args.workers, SandboxLimits(wall_seconds=args.timeout)))
    for item in parsed:
        if isinstance(item, DataError):
            record = {"command": None, **not_observed(str(item)).to_dict()}
        else:
            record = {"command": item, **next(verdicts).to_dict()}
        print(json.dumps(record, ensure_ascii=False))
    sys.stdout.flush()
    return 1 if bad else 0
