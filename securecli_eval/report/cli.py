"""`securecli-eval report --results DIR`: render report.md again from the written metrics.json and examples.

Useful after a template change, or to read an old run with the current report layout; the
evidence (metrics.json, examples.jsonl) is never rewritten, and report.md (listed in the
run's evidence manifest) is replaced only by identical text: a report that reads differently
goes to ``--out FILE``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="render report.md again from a run's metrics.json")
    parser.add_argument("--results", type=Path, default=Path("results"), help="the run's results folder")
    parser.add_argument("--worst", type=int, default=5, help="failing examples shown per gate (default 5)")
    parser.add_argument(
        "--out", type=Path, default=None, help="write the report here (default: report.md in --results)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from securecli_eval.report.writer import rerender

    print(f"wrote {rerender(args.results, args.worst, args.out)}")
    return 0
