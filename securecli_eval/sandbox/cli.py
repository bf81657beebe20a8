"""`securecli-eval equiv`: judge functional equivalence of command pairs from JSON lines.

Reads {"reference", "prediction", "references"?, "files"?, "setup"?} per line on stdin and
prints {"equivalent", "reason", "structural", "code", "overlap"} per line, in the same order. A bad line
(not JSON, not UTF-8, a missing field, bad fixture files) gets a null verdict with code
``bad_pair`` and its one-line error, also on stderr; the other lines are judged as usual and
the exit code is 1 when any line was bad.
"""

from __future__ import annotations

import argparse
import json
import sys

from securecli_eval.errors import DataError
from securecli_eval.jsonl import json_object, parse_each


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "equiv",
        help="judge whether predicted commands do the same as references (sandboxed execution)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--workers", type=int, default=None, help="parallel sandboxes (default: 4 x CPUs)")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="wall-clock seconds per command (default 5)"
    )
    parser.set_defaults(func=handle_equiv)


def parse_pair(line: str | bytes, number: int, source: str = "stdin"):  # noqa: ANN201 - lazy import
    """One JSON line as an EquivalencePair; DataError naming ``source:number`` when it is not one."""
    from securecli_eval.sandbox.equivalence import EquivalencePair
    from securecli_eval.sandbox.fixtures import validate_files

    where = f"{source}:{number}"
    record = json_object(line, where)
    for key in ("reference", "prediction"):
        if not isinstance(record.get(key), str):
            raise DataError(f"{where}: '{key}' is missing or not a string")
    setup = record.get("setup")
    if setup is not None and not isinstance(setup, str):
        raise DataError(f"{where}: 'setup' must be a string (a shell snippet)")
    references = record.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        raise DataError(f"{where}: 'references' must be a list of commands (strings)")
    files = record.get("files")
    if files is not None:
        try:
            files = validate_files(files)
        except DataError as error:
            raise DataError(f"{where}: {error}") from None
    alternatives = tuple(r for r in references if r != record["reference"])
    return EquivalencePair(record["reference"], record["prediction"], files, setup, alternatives)


def handle_equiv(args: argparse.Namespace) -> int:
    from securecli_eval.sandbox.equivalence import EquivalenceResult, judge_many
    from securecli_eval.sandbox.runner import SandboxLimits, sandbox_status

    if args.workers is not None and args.workers < 1:
        raise DataError(f"--workers must be at least 1, got {args.workers}")
    if not 0 < args.timeout <= 600:
        raise DataError(f"--timeout must be between 0 and 600 seconds, got {args.timeout}")
    parsed = parse_each(sys.stdin.buffer, parse_pair, "stdin")
    bad = [item for item in parsed if isinstance(item, DataError)]
    for error in bad:
        print(f"securecli-eval equiv: {error}", file=sys.stderr)
    available, reason = sandbox_status()
    if not available:
        print(f"securecli-eval equiv: {reason}; every verdict is null", file=sys.stderr)
    pairs = [item for item in parsed if not isinstance(item, DataError)]
    verdicts = iter(judge_many(pairs, workers=args.workers, limits=SandboxLimits(wall_seconds=args.timeout)))
    for item in parsed:
        result = (
            EquivalenceResult(None, str(item), None, "bad_pair")
            if isinstance(item, DataError)
            else next(verdicts)
        )
        print(json.dumps(result.to_dict()), flush=False)
    sys.stdout.flush()
    return 1 if bad else 0
