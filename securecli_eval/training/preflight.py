"""Checks that run before any training: each one is cheap, and each failure is one line saying what to do.

A training run that dies after twenty minutes of model loading because a dataset path has a
typo, or that silently trains on the test set, wastes a GPU rental and, worse, produces an
adapter whose gate results mean nothing. Every check returns a ``Check``; the run goes ahead
only when none failed. Warnings are printed and do not stop the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from securecli_eval.errors import SecureCliError
from securecli_eval.training import drills, schema, tracking
from securecli_eval.training.config import TrainingConfig, dataset_entries

Status = Literal["ok", "warn", "fail"]
HUB_PUSH_KEYS = ("hub_model_id", "hub_strategy", "hub_revision", "push_dataset_to_hub", "push_to_hub")
LINE_CHECKED_SUFFIXES = (".jsonl", ".json")


@dataclass(frozen=True)
class Check:
    """The outcome of one preflight check."""

    name: str
    status: Status
    message: str

    def line(self) -> str:
        return f"  {self.status.upper():<4}  {self.name}: {self.message}"


@dataclass(frozen=True)
class PreflightOptions:
    """What the checks need besides the config: the gate's eval config and the user's explicit permissions."""

    eval_config: Path
    allow_hub_push: bool = False
    extra_args: tuple[str, ...] = ()
    cuda_available: bool | None = None  # None: ask torch


def hub_push(config: TrainingConfig, options: PreflightOptions) -> Check:
    """Publishing goes through `securecli-eval publish` after the gates pass, never straight from training."""
    keys = [k for k in HUB_PUSH_KEYS if config.resolved.get(k)]
    flags = [a.lstrip("-").split("=")[0].replace("-", "_") for a in options.extra_args if a.startswith("--")]
    keys += [flag for flag in flags if flag in HUB_PUSH_KEYS]
    if not keys:
        return Check("hub push", "ok", "nothing is pushed to the Hub from training")
    if options.allow_hub_push:
        return Check(
            "hub push", "warn", f"{', '.join(keys)} will push to the Hub (allowed by --allow-hub-push)"
        )
    return Check(
        "hub push",
        "fail",
        f"{', '.join(keys)} in {config.path} would push to the Hugging Face Hub before the release gate ran; "
        f"remove it and publish with `securecli-eval publish` after the gates pass, or pass --allow-hub-push",
    )


def axolotl_schema(config: TrainingConfig, options: PreflightOptions) -> Check:
    """Axolotl's own pydantic schema, plus unknown top-level keys (which Axolotl silently ignores)."""
    try:
        known = schema.known_keys()
    except schema.AxolotlMissing as error:
        return Check("axolotl schema", "fail", str(error))
    unknown = schema.unknown_keys(config.original, known)
    if unknown and not config.resolved.get("plugins"):
        return Check(
            "axolotl schema",
            "fail",
            " ".join(drills.bad_config_key(key, near, str(config.path)).message for key, near in unknown),
        )
    capabilities = schema.gpu_capabilities() if _cuda(options) else None
    problems = schema.validate(config.resolved, capabilities)
    if problems:
        return Check("axolotl schema", "fail", f"Axolotl rejects {config.path}: {'; '.join(problems)}")
    version = schema.axolotl_version()
    note = f" ({len(unknown)} plugin keys not checked)" if unknown else ""
    return Check("axolotl schema", "ok", f"valid for axolotl {version}{note}")


def _cuda(options: PreflightOptions) -> bool:
    if options.cuda_available is not None:
        return options.cuda_available
    import torch

    return torch.cuda.is_available()


def gpu(config: TrainingConfig, options: PreflightOptions) -> Check:
    """A config that needs CUDA fails in seconds here instead of after model loading."""
    reasons = drills.gpu_only_settings(config.resolved)
    if not reasons:
        return Check("gpu", "ok", "runs on CPU or GPU")
    if _cuda(options):
        return Check("gpu", "ok", "a CUDA GPU is visible")
    return Check("gpu", "fail", drills.no_gpu(reasons, str(config.path)).message)


def base_model(config: TrainingConfig, options: PreflightOptions) -> Check:
    """A local model folder, or a hub id already in the local Hugging Face cache."""
    name = config.base_model
    local = Path(name)
    if local.is_absolute():
        if (local / "config.json").is_file():
            return Check("base model", "ok", f"local folder {local}")
        if local.is_dir():
            return Check(
                "base model", "fail", f"{local} has no config.json; point base_model at a model folder"
            )
        hint = " (build the tiny model with --build-tiny-base)" if "tiny" in local.name else ""
        return Check(
            "base model",
            "fail",
            f"base_model {local}: no such folder{hint}; fix base_model or pass --base-model",
        )
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(name, "config.json")
    except Exception:  # an invalid repo id raises a validation error
        return Check(
            "base model", "fail", f"base_model '{name}' is neither a local folder nor a valid hub id"
        )
    if isinstance(cached, str):
        return Check("base model", "ok", f"{name} is in the local Hugging Face cache")
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return Check(
            "base model",
            "fail",
            f"{name} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set; "
            f"run `hf download {name}` first",
        )
    return Check("base model", "warn", f"{name} is not cached yet; Axolotl will download it from the Hub")


def _rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, value) of a JSONL file, or of a JSON file holding one array."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json" and text.lstrip().startswith("["):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise SecureCliError(f"{path}: not valid JSON ({error.msg})") from None
        yield from enumerate(values, start=1)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise SecureCliError(
                    f"{path}:{number}: not valid JSON ({error.msg}); fix or remove the line"
                ) from None


def _row_problem(row: Any, entry: dict[str, Any]) -> str | None:
    """What is wrong with one row for the entry's prompt ``type`` (only the types this project uses)."""
    if not isinstance(row, dict):
        return f"expected a JSON object, got {type(row).__name__}"
    kind = str(entry.get("type", ""))
    if kind.startswith("chat_template"):
        field = entry.get("field_messages", "messages")
        mapping = entry.get("message_property_mappings") or {}
        role_key, content_key = mapping.get("role", "role"), mapping.get("content", "content")
        turns = row.get(field)
        if not isinstance(turns, list) or not turns:
            return f"no '{field}' list of turns (type chat_template, field_messages: {field})"
        for turn in turns:
            if not isinstance(turn, dict) or role_key not in turn or content_key not in turn:
                return f"a turn in '{field}' lacks '{role_key}' or '{content_key}'"
    elif kind == "alpaca" and not (
        isinstance(row.get("instruction"), str) and isinstance(row.get("output"), str)
    ):
        return "alpaca rows need 'instruction' and 'output' strings"
    return None


def local_dataset_path(entry: dict[str, Any]) -> Path | None:
    """The local file or folder an entry reads, or None for a hub dataset id."""
    path = Path(str(entry["path"])).expanduser()
    if path.exists() or entry.get("ds_type") in {"json", "parquet", "csv", "arrow"}:
        return path
    if str(entry["path"]).startswith((".", "/", "~")) or path.suffix in {
        ".json",
        ".jsonl",
        ".parquet",
        ".csv",
    }:
        return path
    return None


def datasets(config: TrainingConfig, options: PreflightOptions) -> Check:
    """Every local dataset exists and every row has what its prompt type reads."""
    entries = dataset_entries(config.resolved)
    if not entries:
        return Check("datasets", "fail", f"{config.path} lists no datasets; add a 'datasets' entry")
    summary, remote = [], []
    for role, entry in entries:
        path = local_dataset_path(entry)
        if path is None:
            remote.append(str(entry["path"]))
            continue
        if not path.exists():
            return Check(
                "datasets", "fail", drills.missing_dataset(str(entry["path"]), str(config.path)).message
            )
        if path.is_file() and path.suffix in LINE_CHECKED_SUFFIXES:
            count = 0
            try:
                for number, row in _rows(path):
                    problem = _row_problem(row, entry)
                    if problem:
                        return Check(
                            "datasets",
                            "fail",
                            f"{path}:{number}: {problem}; fix the row or the dataset entry",
                        )
                    count += 1
            except SecureCliError as error:
                return Check("datasets", "fail", str(error))
            if count == 0:
                return Check("datasets", "fail", f"{path} is empty; it must hold at least one example")
            summary.append(f"{role} {path.name} ({count} rows)")
        else:
            summary.append(f"{role} {path.name} (not inspected)")
    if remote:
        return Check(
            "datasets",
            "warn",
            f"{', '.join(summary) or 'no local files'}; hub datasets not checked: {', '.join(remote)}",
        )
    return Check("datasets", "ok", ", ".join(summary))


def output_dir(config: TrainingConfig, options: PreflightOptions) -> Check:
    """The output folder can be created and written, and a previous adapter in it is pointed out."""
    out = config.output_dir
    if out.exists() and not out.is_dir():
        return Check("output dir", "fail", f"output_dir {out} is a file; point output_dir at a folder")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK):
        return Check(
            "output dir", "fail", f"output_dir {out}: {existing} is not writable; choose another output_dir"
        )
    if (out / "adapter_config.json").is_file():
        return Check("output dir", "warn", f"{out} already holds an adapter; this run overwrites it")
    return Check("output dir", "ok", f"{out} is writable")


def wandb(config: TrainingConfig, options: PreflightOptions) -> Check:
    status, message = tracking.coherence(config.resolved)
    return Check("w&b", status, message)


def _test_examples(eval_config: Path) -> list[tuple[Path, list[Any]]]:
    """(file, examples) for every dataset the release gate evaluates on, as contamination-check Examples."""
    from securecli_eval.corpus.example import Example
    from securecli_eval.inputs.config import load_config
    from securecli_eval.inputs.datasets import load_examples

    gate_config, _ = load_config(eval_config)
    sets = []
    for spec in gate_config.datasets:
        path = spec.resolve(eval_config.parent)
        examples = [
            Example(e.id, e.instruction, e.reference or "", "eval", "", "") for e in load_examples(spec, path)
        ]
        sets.append((path, examples))
    return sets


def contamination(config: TrainingConfig, options: PreflightOptions) -> Check:
    """No training or validation example may overlap what the release gate evaluates on."""
    try:
        from securecli_eval.corpus.contamination import check as overlap
        from securecli_eval.corpus.load import load_split
    except ImportError as error:
        return Check(
            "contamination",
            "fail",
            f"the contamination check is not available ({error}); reinstall securecli-eval",
        )
    try:
        test_sets = _test_examples(options.eval_config)
        train_files = []
        for _, entry in dataset_entries(config.resolved):
            path = local_dataset_path(entry)
            if (
                path is not None
                and path.is_file()
                and path.suffix in LINE_CHECKED_SUFFIXES
                and path not in train_files
            ):
                train_files.append(path)
        train = [example for path in train_files for example in load_split(path)]
    except SecureCliError as error:
        return Check("contamination", "fail", str(error))
    if not train:
        return Check("contamination", "warn", "no local JSONL training data to check")
    findings, tested = [], 0
    for test_path, test in test_sets:
        tested += len(test)
        report = overlap(train, test)
        if not report.clean:
            findings.append(
                f"{report.contaminated_test} of {report.test_size} examples of {test_path.name} "
                f"overlap the training data "
                f"(`securecli-eval data check --train {train_files[0]} --test {test_path}` lists them)"
            )
    if findings:
        return Check("contamination", "fail", "; ".join(findings) + "; remove them from the training data")
    return Check(
        "contamination", "ok", f"{len(train)} training rows, none overlap the {tested} gate examples"
    )


CHECKS: tuple[Callable[[TrainingConfig, PreflightOptions], Check], ...] = (
    hub_push,
    axolotl_schema,
    gpu,
    base_model,
    datasets,
    output_dir,
    wandb,
    contamination,
)


def run_checks(config: TrainingConfig, options: PreflightOptions) -> list[Check]:
    """Every check, in order; a check that needs a passed dataset check is skipped after a dataset failure."""
    results: list[Check] = []
    for check in CHECKS:
        if check is contamination and any(r.name == "datasets" and r.status == "fail" for r in results):
            results.append(Check("contamination", "fail", "not checked: fix the datasets first"))
            continue
        results.append(check(config, options))
    return results
