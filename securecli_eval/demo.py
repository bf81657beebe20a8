"""`securecli-eval demo`: the whole product on a tiny local model, in about a minute on a CPU.

Builds a tiny Qwen2 base model and a LoRA adapter locally (no hub), runs the regression
suite against it exactly as a user would (`pytest regression/ --adapter ...`), writes the
HTML report beside metrics.json and report.md, and prints report.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from securecli_eval.errors import SecureCliError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="build a tiny model and adapter locally and gate it end to end"
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path("outputs/demo"), help="where models and results go"
    )
    parser.add_argument("--regression", type=Path, default=Path("regression"), help="the gate tests to run")
    parser.add_argument("--eval-config", type=Path, default=Path("config/eval_config.yaml"))
    parser.add_argument(
        "--adapter",
        type=Path,
        default=None,
        help="gate this adapter instead of building one (e.g. one trained with configs/tiny-cpu.yaml)",
    )
    parser.add_argument("--train-steps", type=int, default=150, help="steps of fitting for the demo adapter")
    parser.set_defaults(func=run)


def _train_pairs(limit: int = 2000) -> list[tuple[str, str]]:
    """Pairs to fit the demo adapter on: the start of the shipped training split (never the test set)."""
    path = Path("data/splits/train.jsonl")
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:limit] if line]
    return [(r["instruction"], r["command"]) for r in rows]


def run(args: argparse.Namespace) -> int:
    if not args.regression.is_dir():
        raise SecureCliError(
            f"--regression {args.regression}: no such folder; run the demo from the project root"
        )
    workdir: Path = args.workdir
    base, adapter = workdir / "tiny-base", args.adapter or workdir / "tiny-adapter"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.adapter is None:
        from securecli_eval.testing import build_tiny_adapter, build_tiny_base

        if not (base / "config.json").is_file():
            print(f"building tiny base model in {base}", flush=True)
            build_tiny_base(base)
        if not (adapter / "adapter_config.json").is_file():
            print(f"fitting a tiny LoRA adapter ({args.train_steps} steps) in {adapter}", flush=True)
            build_tiny_adapter(base, adapter, train_pairs=_train_pairs(), train_steps=args.train_steps)
    results = workdir / "results"
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(args.regression),
        "--adapter",
        str(adapter),
        "--eval-config",
        str(args.eval_config),
        "--results-dir",
        str(results),
        f"--html={results / 'report.html'}",
        "--self-contained-html",
        "-p",
        "no:cacheprovider",
    ]
    print("running: " + " ".join(command[2:]), flush=True)
    code = subprocess.run(command, env={**os.environ, "HF_HUB_OFFLINE": "1"}).returncode
    report = results / "report.md"
    if code not in (0, 1) or not report.is_file():
        print(f"securecli-eval demo: the gate run failed with exit code {code}", file=sys.stderr)
        return code or 1
    print("\n" + report.read_text(encoding="utf-8"))
    verdict = "SHIP" if code == 0 else "NO-SHIP"
    print(
        f"verdict: {verdict} (pytest exit code {code}); reports: {report}, {results / 'metrics.json'}, "
        f"{results / 'report.html'}"
    )
    return 0
