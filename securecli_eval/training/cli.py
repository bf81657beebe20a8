"""The training command: ``securecli-train CONFIG.yaml [--dry-run] [--allow-hub-push] [-- axolotl args]``.

Checks the config, runs ``axolotl train`` with its output streamed, explains known failures,
and writes ``provenance.json`` beside the adapter. Exit codes: 0 trained (or dry run with all
checks passing), 1 training failed, 2 the config or a preflight check is wrong.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from securecli_eval.errors import SecureCliError
from securecli_eval.training import drills, provenance, runner, tracking
from securecli_eval.training.config import (
    TrainingConfig,
    dataset_entries,
    load_training_config,
    write_resolved,
)
from securecli_eval.training.preflight import PreflightOptions, local_dataset_path, run_checks

PROG = "securecli-train"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train a LoRA adapter with Axolotl, after preflight checks, and record its provenance.",
        epilog="Arguments after `--` go to `axolotl train` unchanged (they are recorded, not checked).",
    )
    parser.add_argument("config", type=Path, help="Axolotl YAML config, e.g. configs/tiny-cpu.yaml")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the checks and the command, do not train"
    )
    parser.add_argument(
        "--allow-hub-push",
        action="store_true",
        help="allow hub_model_id, push_dataset_to_hub... (refused otherwise: use `securecli-eval publish`)",
    )
    parser.add_argument("--base-model", help="override base_model (a local folder or a hub id)")
    parser.add_argument("--output-dir", type=Path, help="override output_dir (where the adapter is written)")
    parser.add_argument(
        "--eval-config",
        type=Path,
        default=Path("config/eval_config.yaml"),
        help="the release gate's config; its datasets are what the training data must not overlap",
    )
    parser.add_argument(
        "--build-tiny-base",
        action="store_true",
        help="if base_model is a missing local folder, build the tiny test model there (for tiny-cpu.yaml)",
    )
    return parser


def _split_extra(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    argv = list(argv)
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []


def _build_tiny_base(config: TrainingConfig) -> None:
    base = Path(config.base_model)
    if base.is_absolute() and not base.exists():
        from securecli_eval.testing import build_tiny_base

        print(f"building the tiny test base model in {base}", flush=True)
        build_tiny_base(base)


def _wandb_record(settings: tracking.WandbPlan, tail: Sequence[str]) -> dict | None:
    if not settings.enabled:
        return None
    url = tracking.run_url(tail)
    if url is None and settings.mode == "online" and settings.entity and settings.project and settings.run_id:
        url = f"https://wandb.ai/{settings.entity}/{settings.project}/runs/{settings.run_id}"
    offline = (
        tracking.offline_run_dir(settings.run_id or "", [Path.cwd()]) if settings.mode == "offline" else None
    )
    return {
        "project": settings.project,
        "entity": settings.entity,
        "mode": settings.mode,
        "run_id": settings.run_id,
        "group": f"train-{settings.run_id}" if settings.run_id else None,
        "url": url,
        "offline_dir": str(offline) if offline else None,
    }


def train(args: argparse.Namespace, extra: list[str]) -> int:
    config = load_training_config(args.config, base_model=args.base_model, output_dir=args.output_dir)
    if args.build_tiny_base:
        _build_tiny_base(config)
    options = PreflightOptions(args.eval_config, allow_hub_push=args.allow_hub_push, extra_args=tuple(extra))
    settings = tracking.with_run_id(tracking.plan(config.resolved))
    print(f"preflight checks for {config.path}:", flush=True)
    checks = run_checks(config, options)
    for check in checks:
        print(check.line(), flush=True)
    failed = [c.name for c in checks if c.status == "fail"]
    workdir = Path(tempfile.mkdtemp(prefix="securecli-train-"))
    resolved_file = write_resolved(config, workdir)
    argv = runner.command(resolved_file, extra) if not failed or args.dry_run else []
    env_extra = {}
    if settings.enabled and settings.run_id:
        # a known id and group, so the evaluation run of this adapter can join the same W&B group
        env_extra = {"WANDB_RUN_ID": settings.run_id, "WANDB_RUN_GROUP": f"train-{settings.run_id}"}
    if args.dry_run:
        changes = ", ".join(f"{k}={v}" for k, v in config.changes.items()) or "none"
        print(f"resolved config: {resolved_file} (changed from {config.path}: {changes})")
        env_text = "".join(f"{k}={v} " for k, v in env_extra.items())
        print(f"command: {env_text}{' '.join(argv)}")
        if failed:
            print(f"{PROG}: dry run: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
            return 2
        return 0
    if failed:
        shutil.rmtree(workdir, ignore_errors=True)
        raise SecureCliError(
            f"{len(failed)} preflight check(s) failed ({', '.join(failed)}); fix them and rerun"
        )
    return _launch(config, argv, env_extra, settings, workdir, extra)


def _launch(
    config: TrainingConfig,
    argv: list[str],
    env_extra: dict[str, str],
    settings: tracking.WandbPlan,
    workdir: Path,
    extra: list[str],
) -> int:
    print(f"running: {' '.join(argv)}", flush=True)
    started, clock = provenance.now(), time.monotonic()
    try:
        result = runner.run_streamed(argv, runner.environment(env_extra))
    except KeyboardInterrupt:
        result = runner.RunResult(130, ("interrupted",))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ended, duration = provenance.now(), round(time.monotonic() - clock, 1)
    diagnosis = (
        drills.recognise(result.tail, result.exit_code, config.resolved, str(config.path))
        if result.exit_code
        else None
    )
    adapter_hash = provenance.identify_adapter(config.output_dir) if result.exit_code == 0 else None
    record = provenance.Provenance(
        started_at=started,
        ended_at=ended,
        duration_s=duration,
        exit_status=result.exit_code,
        outcome="succeeded" if result.exit_code == 0 and adapter_hash else "failed",
        output_dir=str(config.output_dir),
        adapter_sha256=adapter_hash,
        config={
            "path": str(config.path),
            "sha256": config.sha256,
            "resolved_sha256": config.resolved_sha256,
            "changes": config.changes,
            "extra_args": extra,
            "resolved": config.resolved,
        },
        datasets=[
            provenance.dataset_record(role, entry, local_dataset_path(entry))
            for role, entry in dataset_entries(config.resolved)
        ],
        seed=config.resolved.get("seed"),
        git=provenance.git_state(config.path.resolve().parent),
        packages=provenance.package_versions(),
        hardware=provenance.hardware(),
        command=argv,
        wandb=_wandb_record(settings, result.tail),
        failure={"kind": diagnosis.kind, "message": diagnosis.message} if diagnosis else None,
    )
    written = provenance.write(record, config.output_dir)
    if result.exit_code == 130:
        print(f"{PROG}: interrupted; provenance: {written}", file=sys.stderr)
        return 130
    if record.outcome != "succeeded":
        reason = (
            diagnosis.message
            if diagnosis
            else f"axolotl exited with status {result.exit_code}; see its output above"
        )
        if result.exit_code == 0:
            reason = f"axolotl exited 0 but wrote no adapter weights to {config.output_dir}"
        print(f"{PROG}: training failed: {reason}", file=sys.stderr)
        print(f"{PROG}: provenance of the failed run: {written}", file=sys.stderr)
        return 1
    print(f"adapter: {config.output_dir} (sha256 {adapter_hash})")
    print(f"provenance: {written}")
    print(f"next: pytest regression/ --adapter {config.output_dir}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    own, extra = _split_extra(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(own)
    try:
        return train(args, extra)
    except SecureCliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
