"""`securecli-eval publish` on the command line: the arguments, then ``hub.publish``."""

from __future__ import annotations

import argparse
from pathlib import Path

from securecli_eval.release.hub import VERIFY_SAMPLE, PublishRequest, publish


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="upload an adapter to the Hugging Face Hub, only with a SHIP metrics.json for these files",
        description="Upload an adapter to the Hugging Face Hub, only with proof of a green suite for it.",
    )
    parser.add_argument(
        "--adapter", required=True, type=Path, metavar="PATH", help="the evaluated adapter folder"
    )
    parser.add_argument(
        "--results", required=True, type=Path, metavar="DIR", help="the suite's results dir (metrics.json)"
    )
    parser.add_argument("--repo-id", required=True, metavar="NAMESPACE/NAME", help="the Hub model repo")
    parser.add_argument(
        "--version", metavar="vX.Y.Z", help="tag for the commit (default: adapter-<sha256[:12]>)"
    )
    parser.add_argument(
        "--private", action="store_true", help="create the repo private (if it does not exist)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="run every local check, print plan and card, send nothing"
    )
    parser.add_argument(
        "--verify-sample",
        type=int,
        default=VERIFY_SAMPLE,
        metavar="K",
        help=f"regenerate K randomly chosen recorded examples with the adapter and refuse on any difference "
        f"(default {VERIFY_SAMPLE}; 0 skips this spot check)",
    )
    parser.add_argument(
        "--eval-config", type=Path, metavar="FILE", help="the eval config (default: the path in metrics.json)"
    )
    parser.add_argument(
        "--base-model",
        metavar="ID_OR_PATH",
        help="base model for the card and the load check (default: the adapter's base_model_name_or_path)",
    )
    parser.add_argument("--license", default="apache-2.0", help="license for the card (default: apache-2.0)")
    parser.add_argument(
        "--dataset",
        dest="datasets",
        action="append",
        default=[],
        metavar="HUB_ID",
        help="training dataset for the card metadata (repeatable; default: provenance.json's datasets)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    request = PublishRequest(
        adapter=args.adapter,
        results=args.results,
        repo_id=args.repo_id,
        version=args.version,
        private=args.private,
        dry_run=args.dry_run,
        eval_config=args.eval_config,
        base_model=args.base_model,
        license=args.license,
        datasets=tuple(args.datasets),
        verify_sample=args.verify_sample,
    )
    publish(request)
    return 0
