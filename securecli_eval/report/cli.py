"""`securecli-eval report`: render a run's reports again, or compare two runs on one HTML page.

``--results DIR`` renders report.md and report.html from the written evidence alone
(metrics.json, examples.jsonl, base_examples.jsonl): byte-identical to what the run wrote.
Both reports are listed in the run's evidence manifest, so in place they are replaced only by
identical text; reports that read differently (an old run in today's layout, another
``--worst``) go to ``--out FOLDER``. ``--compare A B`` writes one page comparing run A (say
the release) with run B (the candidate), gate by gate and example by example. The evidence
itself is never rewritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from securecli_eval.errors import DataError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="render report.md and report.html again from a run's evidence, or compare two runs"
    )
    parser.add_argument(
        "--results", type=Path, default=None, help="the run's results folder (default: results)"
    )
    parser.add_argument(
        "--worst",
        type=int,
        default=None,
        help="failing examples listed per gate in report.md (default: as in the run)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A", "B"),
        help="write one HTML page comparing run A (e.g. the release) with run B (the candidate): "
        "results folders or their metrics.json",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="with --results: a folder for reports that differ from the run's (default: in place); "
        "with --compare: the page to write (default: compare.html)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.compare and args.results is not None:
        raise DataError("give --results DIR (render one run) or --compare A B (compare two), not both")
    if args.worst is not None and args.worst < 0:
        raise DataError(f"--worst must be 0 or more, given {args.worst}")
    if args.compare:
        from securecli_eval.report.html import render_compare

        first, second = (_run(path, label) for path, label in zip(args.compare, "AB", strict=True))
        out = args.out or Path("compare.html")
        try:
            out.write_text(render_compare(first, second), encoding="utf-8")
        except OSError as error:
            raise DataError(f"--out {out}: not writable ({error.strerror}); pass another path") from None
        print(f"wrote {out}")
        return 0
    from securecli_eval.report.writer import rerender

    for path in rerender(args.results or Path("results"), args.worst, args.out):
        print(f"wrote {path}")
    return 0


def _run(path: Path, label: str):
    """One run's evidence from its results folder (or its metrics.json), labelled A or B."""
    from securecli_eval.inputs.previous import read_metrics
    from securecli_eval.jsonl import read_objects
    from securecli_eval.report.html import Run

    metrics = path if path.suffix == ".json" else path / "metrics.json"
    report = read_metrics(metrics, f"--compare {label}: pass a results folder of a regression run")
    return Run(f"{label}: {path}", report, read_objects(metrics.parent / "examples.jsonl"))
