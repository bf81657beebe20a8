"""`securecli-eval demo`: the whole product on a tiny local model, in a few minutes on a CPU.

Builds a tiny Qwen2 base model locally (no hub), trains a LoRA adapter for it with real
Axolotl through the training wrapper (`configs/tiny-cpu.yaml`; or with a few peft steps when
Axolotl or that config is not there), runs the regression suite against it exactly as a user
would (`pytest regression/ --adapter ...`, or the gates shipped in the package when there is
no regression/ folder, so the demo also runs in an empty directory), which writes report.html
beside metrics.json and report.md, and prints report.md and the path of report.html.
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
    parser.add_argument(
        "--regression",
        type=Path,
        default=None,
        help="the gate tests to run (default: regression/ when it exists, else the packaged gates)",
    )
    parser.add_argument(
        "--eval-config",
        type=Path,
        default=None,
        help="default: config/eval_config.yaml when it exists, else the packaged default",
    )
    parser.add_argument(
        "--adapter",
        type=Path,
        default=None,
        help="gate this adapter instead of building one (e.g. one trained with configs/tiny-cpu.yaml)",
    )
    parser.add_argument(
        "--trainer",
        choices=["axolotl", "peft"],
        default=None,
        help="how to make the demo adapter (default: axolotl when installed and configured, else peft)",
    )
    parser.add_argument(
        "--train-config",
        type=Path,
        default=Path("configs/tiny-cpu.yaml"),
        help="Axolotl config for --trainer axolotl",
    )
    parser.add_argument("--retrain", action="store_true", help="train again even if the adapter exists")
    parser.add_argument("--train-steps", type=int, default=150, help="steps of fitting for --trainer peft")
    parser.set_defaults(func=run)


def _train_pairs(limit: int = 2000) -> list[tuple[str, str]]:
    """Pairs to fit the demo adapter on: the start of the shipped training split (never the test set)."""
    path = Path("data/splits/train.jsonl")
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:limit] if line]
    return [(r["instruction"], r["command"]) for r in rows]


def _axolotl_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("axolotl") is not None


def _make_adapter(args: argparse.Namespace, workdir: Path) -> Path:
    """Train (or reuse) the demo adapter; return its folder."""
    trainer = args.trainer or ("axolotl" if _axolotl_installed() and args.train_config.is_file() else "peft")
    if trainer == "axolotl":
        import yaml

        if not args.train_config.is_file():
            raise SecureCliError(
                f"--train-config {args.train_config}: not found; run the demo from the project root"
            )
        adapter = Path(yaml.safe_load(args.train_config.read_text(encoding="utf-8"))["output_dir"])
        if args.retrain or not (adapter / "adapter_config.json").is_file():
            print(
                f"training with Axolotl (python -m train {args.train_config} --build-tiny-base)",
                flush=True,
            )
            code = subprocess.run(
                [sys.executable, "-m", "train", str(args.train_config), "--build-tiny-base"]
            ).returncode
            if code != 0:
                raise SecureCliError(f"training failed (exit code {code}); see the output above")
        return adapter
    from securecli_eval.testing import build_tiny_adapter, build_tiny_base

    base, adapter = workdir / "tiny-base", workdir / "tiny-adapter"
    if not (base / "config.json").is_file():
        print(f"building tiny base model in {base}", flush=True)
        build_tiny_base(base)
    if args.retrain or not (adapter / "adapter_config.json").is_file():
        print(f"fitting a tiny LoRA adapter with peft ({args.train_steps} steps) in {adapter}", flush=True)
        build_tiny_adapter(base, adapter, train_pairs=_train_pairs(), train_steps=args.train_steps)
    return adapter


def _gates(regression: Path | None) -> list[str]:
    """pytest's arguments naming the gates: the given folder, ./regression, or the packaged gates."""
    if regression is not None and not regression.is_dir():
        raise SecureCliError(f"--regression {regression}: no such folder; pass the folder of your gate tests")
    folder = regression or Path("regression")
    return [str(folder)] if folder.is_dir() else ["--pyargs", "securecli_eval.regression"]


def run(args: argparse.Namespace) -> int:
    gates = _gates(args.regression)
    workdir: Path = args.workdir
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    adapter = args.adapter or _make_adapter(args, workdir)
    results = workdir / "results"
    command = [
        sys.executable,
        "-m",
        "pytest",
        *gates,
        "--adapter",
        str(adapter),
        *(["--eval-config", str(args.eval_config)] if args.eval_config else []),
        "--results-dir",
        str(results),
        "-p",
        "no:cacheprovider",
    ]
    print("running: " + " ".join(command[2:]), flush=True)
    code = subprocess.run(command, env={**os.environ, "HF_HUB_OFFLINE": "1"}).returncode
    report, html = results / "report.md", results / "report.html"
    if code not in (0, 1) or not report.is_file() or not html.is_file():
        print(f"securecli-eval demo: the gate run failed with exit code {code}", file=sys.stderr)
        return code or 1
    print("\n" + report.read_text(encoding="utf-8"))
    verdict = "SHIP" if code == 0 else "NO-SHIP"
    print(f"verdict: {verdict} (pytest exit code {code}); evidence: {results / 'metrics.json'}, {report}")
    print(f"open the report: {html}")
    return 0
