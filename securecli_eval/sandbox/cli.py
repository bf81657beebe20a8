"""`securecli-eval equiv`: judge functional equivalence of command pairs from JSON lines.

Reads {"reference", "prediction", "files"?, "setup"?} per line on stdin and prints
{"equivalent", "reason", "structural"} per line, in the same order.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from securecli_eval.errors import DataError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "equiv",
        help="judge whether predicted commands do the same as references (sandboxed execution)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--workers", type=int, default=None, help="parallel sandboxes (default: CPU count)")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="wall-clock seconds per command (default 5)"
    )
    parser.set_defaults(func=handle_equiv)


def parse_pairs(lines: Iterable[str], source: str = "stdin") -> list:
    """Read JSON lines into pairs; a malformed line is a one-line DataError naming it."""
    from securecli_eval.jsonl import json_objects
    from securecli_eval.sandbox.equivalence import EquivalencePair
    from securecli_eval.sandbox.fixtures import validate_files

    pairs = []
    for number, record in json_objects(lines, source):
        for key in ("reference", "prediction"):
            if not isinstance(record.get(key), str):
                raise DataError(f"{source}:{number}: '{key}' is missing or not a string")
        setup = record.get("setup")
        if setup is not None and not isinstance(setup, str):
            raise DataError(f"{source}:{number}: 'setup' must be a string (a shell snippet)")
        files = record.get("files")
        if files is not None:
            try:
                files = validate_files(files)
            except DataError as error:
                raise DataError(f"{source}:{number}: {error}") from None
        pairs.append(EquivalencePair(record["reference"], record["prediction"], files, setup))
    return pairs


def handle_equiv(args: argparse.Namespace) -> int:
    from securecli_eval.sandbox.equivalence import judge_many
    from securecli_eval.sandbox.runner import SandboxLimits, sandbox_status

    if args.workers is not None and args.workers < 1:
        raise DataError(f"--workers must be at least 1, got {args.workers}")
    if not 0 < args.timeout <= 600:
        raise DataError(f"--timeout must be between 0 and 600 seconds, got {args.timeout}")
    pairs = parse_pairs(sys.stdin)
    available, reason = sandbox_status()
    if not available:
        print(f"securecli-eval equiv: {reason}; every verdict is null", file=sys.stderr)
    limits = SandboxLimits(wall_seconds=args.timeout)
    for result in judge_many(pairs, workers=args.workers, limits=limits):
        print(json.dumps(result.to_dict()), flush=False)
    sys.stdout.flush()
    return 0
