"""``securecli-eval data build`` and ``securecli-eval data check``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from securecli_eval.errors import DataError


def _build(args: argparse.Namespace) -> int:
    from securecli_eval.corpus.build import BuildOptions, run_build

    options = BuildOptions(
        raw_dir=Path(args.raw),
        out_dir=Path(args.out),
        seed=args.seed,
        max_train=args.max_train,
        max_val=args.max_val,
        max_test=args.max_test,
        run_sandbox=not args.no_sandbox,
        eval_out=Path(args.eval_out) if args.eval_out else None,
        eval_size=args.eval_size,
    )
    result = run_build(options, progress=lambda line: print(line, file=sys.stderr))
    splits = result.card["splits"]
    print(
        f"wrote {args.out}: train {splits['train']['total']}, val {splits['val']['total']}, "
        f"test {splits['test']['total']} (card.md has every stage's count)"
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from securecli_eval.corpus.contamination import check
    from securecli_eval.corpus.load import load_split

    if not 0.0 < args.threshold <= 1.0:
        raise DataError(f"--threshold must be in (0, 1], got {args.threshold}")
    report = check(load_split(Path(args.train)), load_split(Path(args.test)), threshold=args.threshold)
    if args.json:
        print(json.dumps(report.as_dict(max_examples=args.show), indent=2, ensure_ascii=False))
    else:
        print(
            f"{report.contaminated_test} of {report.test_size} test examples overlap the "
            f"{report.train_size} training examples (bigram Jaccard >= {report.threshold})"
        )
        for kind, count in report.by_kind.items():
            print(f"  {kind}: {count}")
        for overlap in report.examples[: args.show]:
            print(
                f"  {overlap.kind} {overlap.similarity:.2f} {overlap.test_id} ~ {overlap.train_id}: "
                f"{overlap.test_text!r}"
            )
    return 0 if report.clean else 1


def _references(args: argparse.Namespace) -> int:
    from securecli_eval.corpus.load import load_nl2bash
    from securecli_eval.corpus.references import add_references_to_file

    raw = Path(args.raw) / "nl2bash.jsonl"
    target = Path(args.eval)
    for path in (raw, target):
        if not path.is_file():
            raise DataError(
                f"{path}: not found; pass --raw (folder with nl2bash.jsonl) and --eval (a JSONL file)"
            )
    count = add_references_to_file(target, load_nl2bash(raw))
    print(f"{target}: {count} examples have several references")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from securecli_eval.corpus.build import DEFAULT_CAPS

    parser = subparsers.add_parser(
        "data", help="build the train/val/test splits or check two files for overlap"
    )
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    build = sub.add_parser("build", help="build train/val/test.jsonl and the data card from the raw corpora")
    build.add_argument(
        "--out", required=True, help="output folder for train/val/test.jsonl and card.json/.md"
    )
    build.add_argument("--raw", default="data/raw", help="folder with nl2bash.jsonl and tldr-pages.jsonl")
    build.add_argument("--seed", type=int, default=0, help="split seed; the same seed gives the same splits")
    build.add_argument(
        "--max-train", type=int, default=DEFAULT_CAPS["train"], help="cap on train examples (0: all)"
    )
    build.add_argument(
        "--max-val", type=int, default=DEFAULT_CAPS["val"], help="cap on val examples (0: all)"
    )
    build.add_argument(
        "--max-test", type=int, default=DEFAULT_CAPS["test"], help="cap on test examples (0: all)"
    )
    build.add_argument(
        "--no-sandbox", action="store_true", help="do not run test references to mark executable"
    )
    build.add_argument(
        "--eval-out", help="also write the curated eval subset here (e.g. the package's data/test.jsonl)"
    )
    build.add_argument("--eval-size", type=int, default=1000, help="size of the curated eval subset")
    build.set_defaults(func=_build)

    references = sub.add_parser(
        "references",
        help="add every NL2Bash command of the same instruction to an eval JSONL as 'references' (in place)",
    )
    references.add_argument("--raw", default="data/raw", help="folder with nl2bash.jsonl")
    references.add_argument("--eval", required=True, help="eval JSONL to update, e.g. the shipped test.jsonl")
    references.set_defaults(func=_references)

    check = sub.add_parser(
        "check",
        help="report exact and near-duplicate overlap between a training and a test JSONL (exit 1 if any)",
    )
    check.add_argument("--train", required=True, help="training JSONL (ours, Axolotl messages, or alpaca)")
    check.add_argument(
        "--test", required=True, help="test JSONL, e.g. the shipped securecli_eval/data/test.jsonl"
    )
    check.add_argument("--threshold", type=float, default=0.7, help="bigram Jaccard for near-duplicates")
    check.add_argument("--show", type=int, default=10, help="how many overlapping examples to list")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=_check)
