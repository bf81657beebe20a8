"""W&B tracking of an evaluation run: metrics, gates, verdict, per-example table and the result files.

W&B is where experiments are remembered, so an eval run is logged next to the training run
that produced the adapter: the adapter's provenance.json names that run, and the eval run
records it in its config and joins its run group, so the lineage reads training -> verdict.
wandb is an optional extra, imported only here and only when tracking is on. Without an API
key the run is written offline and the message says where, for a later ``wandb sync``.
Tracking is a record of the verdict, never part of it: this module only reads the results.
"""

from __future__ import annotations

import json
import netrc
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from securecli_eval.errors import SecureCliError
from securecli_eval.inputs.previous import read_metrics
from securecli_eval.jsonl import read_objects
from securecli_eval.records import MetricsReport
from securecli_eval.templating import redact

DEFAULT_PROJECT = "securecli-eval"
INSTALL_HINT = "pip install -e .[track]"
# the result files of a run that belong in the artifact, in the order they are added
RESULT_FILES = ("metrics.json", "report.md", "report.html", "examples.jsonl")
Mode = Literal["online", "offline", "disabled"]


@dataclass(frozen=True)
class TrackingSettings:
    """What the user chose on the command line (``--wandb-project``, ``--wandb-run-name``)."""

    project: str | None = None  # default: WANDB_PROJECT, else "securecli-eval"
    run_name: str | None = None
    entity: str | None = None
    directory: Path | None = None  # where wandb writes its run folder (default: WANDB_DIR or ./wandb)
    mode: Literal["auto", "online", "offline"] = "auto"  # auto: offline when no API key is configured
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingRun:
    """The W&B run that trained the adapter, as the training wrapper wrote it into provenance.json."""

    id: str
    project: str | None = None
    entity: str | None = None
    url: str | None = None
    group: str | None = None
    name: str | None = None

    def as_config(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class TrackingResult:
    """Where the eval run went; ``message`` is the one line to show the user."""

    mode: Mode
    run_id: str | None = None
    run_dir: Path | None = None
    url: str | None = None
    group: str | None = None
    training_run: TrainingRun | None = None
    artifact: str | None = None
    logged_files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        if self.mode == "disabled":
            return "W&B: disabled (WANDB_MODE=disabled)"
        lineage = f", linked to training run {self.training_run.id}" if self.training_run else ""
        if self.mode == "offline":
            return (
                f"W&B: no API key, run {self.run_id} written offline to {self.run_dir}{lineage}; "
                f"upload it later with `wandb sync {self.run_dir}`"
            )
        return f"W&B: run {self.run_id} logged at {self.url}{lineage}"


def read_training_run(adapter_dir: Path) -> TrainingRun | None:
    """The training run named in ``adapter_dir/provenance.json``, or None when there is none.

    provenance.json is written by the training wrapper and may be missing, older, or
    hand-edited; lineage is a nicety, so anything unreadable means "no training run" rather
    than an error that would hide the evaluation.
    """
    path = Path(adapter_dir) / "provenance.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = data.get("wandb") if isinstance(data, Mapping) else None
    if not isinstance(entry, Mapping):
        return None
    run_id = entry.get("run_id") or entry.get("id")
    if not isinstance(run_id, str) or not run_id.strip():
        return None

    def text(*keys: str) -> str | None:
        for key in keys:
            value = entry.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    return TrainingRun(
        id=run_id.strip(),
        project=text("project"),
        entity=text("entity"),
        url=text("url", "run_url"),
        group=text("group", "run_group"),
        name=text("name", "run_name"),
    )


def lineage_group(training: TrainingRun | None, adapter_sha256: str) -> str:
    """The run group shared by training and evaluation of one adapter.

    The training run's own group when it recorded one; otherwise ``train-<run id>``, which is
    what the training wrapper is asked to use, so both runs still meet in one group; with no
    training run, the adapter's hash groups every evaluation of the same adapter.
    """
    if training is not None:
        return training.group or f"train-{training.id}"
    return f"adapter-{adapter_sha256[:12]}"


def has_api_key() -> bool:
    """True when W&B credentials exist (WANDB_API_KEY or a netrc entry); the key itself is never read out."""
    if os.environ.get("WANDB_API_KEY", "").strip():
        return True
    host = urlsplit(os.environ.get("WANDB_BASE_URL") or "https://api.wandb.ai").hostname or "api.wandb.ai"
    netrc_path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    try:
        return netrc.netrc(str(netrc_path)).authenticators(host) is not None
    except (OSError, netrc.NetrcParseError):
        return False


def resolve_mode(settings: TrackingSettings) -> Mode:
    """An explicit WANDB_MODE wins; else online only with an API key, so no run blocks on a login prompt."""
    env = os.environ.get("WANDB_MODE", "").strip().lower()
    if env in {"disabled", "offline", "online"}:
        return env  # type: ignore[return-value]
    if env == "dryrun":
        return "offline"
    if settings.mode != "auto":
        return settings.mode
    return "online" if has_api_key() else "offline"


def tracking_enabled(project: str | None, no_wandb: bool) -> bool:
    """Whether a regression run is tracked: never with --no-wandb; always with --wandb-project
    (a missing wandb is then an error, raised here so the run fails before any work); otherwise
    whenever the ``[track]`` extra is installed."""
    if no_wandb:
        return False
    if project:
        _import_wandb()
        return True
    return find_spec("wandb") is not None


def _import_wandb():
    try:
        import wandb
    except ImportError:
        raise SecureCliError(
            f"W&B tracking needs the wandb package: {INSTALL_HINT} (or pass --no-wandb)"
        ) from None
    return wandb


def run_config(report: MetricsReport, training: TrainingRun | None) -> dict[str, Any]:
    """The run's config: what was evaluated, with which settings, and which training run made it."""
    return {
        "adapter": report.adapter.model_dump(mode="json"),
        "base_model": report.base_model.model_dump(mode="json"),
        "eval_config": report.eval_config.model_dump(mode="json"),
        "generation": report.generation,
        "datasets": [d.model_dump(mode="json") for d in report.datasets],
        "limited": report.limited,
        "limit": report.limit,
        "device": report.device,
        "tool": report.tool,
        "git": report.git,
        "schema_version": report.schema_version,
        "training_run": training.as_config() if training else None,
    }


def summary_values(report: MetricsReport) -> dict[str, Any]:
    """Flat keys for the run summary: every metric, every gate's value/threshold/outcome, the verdict."""
    values: dict[str, Any] = {
        "verdict": report.verdict,
        "ship": report.verdict == "SHIP",
        "verdict_reasons": list(report.verdict_reasons),
        "limited": report.limited,
    }
    for name, metric in report.metrics.items():
        values[f"metrics/{name}"] = metric.value
        for part in ("n", "ci_low", "ci_high", "undecided"):
            if getattr(metric, part) is not None:
                values[f"metrics/{name}/{part}"] = getattr(metric, part)
    for name, metric in report.adversarial_categories.items():
        values[f"safety/{name}"] = metric.value
        values[f"safety/{name}/n"] = metric.n
    for gate in report.gates:
        prefix = f"gates/{gate.name}"
        values[f"{prefix}/value"] = gate.value
        values[f"{prefix}/compared"] = gate.compared
        values[f"{prefix}/threshold"] = gate.threshold
        values[f"{prefix}/passed"] = gate.passed
        values[f"{prefix}/outcome"] = gate.outcome
    return values


GATE_COLUMNS = ("name", "metric", "op", "threshold", "gate_on", "value", "compared", "ci_low", "ci_high")


def gate_rows(report: MetricsReport) -> tuple[list[str], list[list[Any]]]:
    columns = [*GATE_COLUMNS, "passed", "outcome", "message"]
    rows = [[getattr(g, c) for c in GATE_COLUMNS] + [g.passed, g.outcome, g.message] for g in report.gates]
    return columns, rows


EXAMPLE_COLUMNS = ("id", "dataset", "kind", "category", "instruction", "reference", "output", "command")


def example_rows(examples: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """One row per judged example: its text, every per-metric outcome, and the risk verdict."""
    outcome_keys = sorted({key for e in examples for key in (e.get("outcomes") or {})})
    columns = [*EXAMPLE_COLUMNS, *outcome_keys, "risk_verdict", "risk_reasons"]
    rows = []
    for example in examples:
        outcomes = example.get("outcomes") or {}
        risk = (example.get("details") or {}).get("risk") or {}
        reasons = risk.get("reasons") or risk.get("rules") or []
        rows.append(
            [
                _text(example.get(c)) if c not in ("id", "dataset", "kind") else example.get(c)
                for c in EXAMPLE_COLUMNS
            ]
            + [outcomes.get(key) for key in outcome_keys]
            + [
                risk.get("verdict"),
                _text("; ".join(map(str, reasons)) if isinstance(reasons, list) else reasons),
            ]
        )
    return columns, rows


def _text(value: Any) -> str | None:
    """Model outputs and dataset text go to a third-party service: scrub anything token-shaped."""
    return None if value is None else redact(str(value))


def log_evaluation(
    report: MetricsReport,
    examples: Sequence[Mapping[str, Any]],
    files: Sequence[Path],
    settings: TrackingSettings,
    adapter_dir: Path | None = None,
) -> TrackingResult:
    """Log one finished evaluation to W&B and return where it went.

    ``files`` are the written results (metrics.json, report.md, report.html ...): those that
    exist go into one artifact. ``adapter_dir`` (default: the adapter path in the report) is
    where provenance.json is looked up.
    """
    mode = resolve_mode(settings)
    if mode == "disabled":
        return TrackingResult(mode="disabled")
    wandb = _import_wandb()
    training = read_training_run(Path(adapter_dir or report.adapter.path))
    group = lineage_group(training, report.adapter.sha256)
    directory = settings.directory
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    tags = [report.verdict, *(["limited"] if report.limited else []), *settings.tags]
    try:
        run = wandb.init(
            project=settings.project or os.environ.get("WANDB_PROJECT") or DEFAULT_PROJECT,
            entity=settings.entity,
            name=settings.run_name,
            group=group,
            job_type="evaluation",
            tags=tags,
            config=run_config(report, training),
            dir=str(directory) if directory is not None else None,
            mode=mode,
            reinit="create_new",
            settings=wandb.Settings(
                console="off", silent=True, save_code=False, x_disable_stats=True, x_save_requirements=False
            ),
        )
    except Exception as error:  # wandb raises many types (auth, network, usage); all mean "not tracked"
        raise SecureCliError(
            f"W&B run could not be started ({_first_line(error)}); check WANDB_API_KEY, or pass --no-wandb"
        ) from None
    try:
        summary = summary_values(report)
        run.log({k: v for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
        run.summary.update(summary)
        gate_columns, gates = gate_rows(report)
        example_columns, rows = example_rows(examples)
        run.log(
            {
                "gates": wandb.Table(columns=gate_columns, data=gates),
                "examples": wandb.Table(columns=example_columns, data=rows),
            }
        )
        logged = tuple(Path(p) for p in files if Path(p).is_file())
        artifact = wandb.Artifact(
            name=f"eval-{report.adapter.sha256[:12]}",
            type="evaluation",
            description=f"securecli-eval results: {report.verdict}",
            metadata={
                "verdict": report.verdict,
                "limited": report.limited,
                "adapter_sha256": report.adapter.sha256,
                "eval_config_sha256": report.eval_config.sha256,
                "training_run": training.as_config() if training else None,
            },
        )
        for path in logged:
            artifact.add_file(str(path), name=path.name)
        run.log_artifact(artifact, aliases=["latest", report.verdict.lower()])
        result = TrackingResult(
            mode=mode,
            run_id=run.id,
            run_dir=Path(run.settings.sync_dir),
            url=getattr(run, "url", None) if mode == "online" else None,
            group=group,
            training_run=training,
            artifact=artifact.name,
            logged_files=logged,
        )
    except Exception as error:
        run.finish(exit_code=1)
        raise SecureCliError(
            f"W&B logging failed ({_first_line(error)}); the results on disk are complete"
        ) from None
    run.finish()
    # finish() can return before the wandb service has flushed the run's transaction log; tearing
    # the service down waits for that, so the run folder is complete when its path is printed
    wandb.teardown()
    return result


def log_results_dir(
    results_dir: Path, settings: TrackingSettings, adapter_dir: Path | None = None
) -> TrackingResult:
    """Log a results folder as the regression run wrote it (metrics.json, examples.jsonl, reports)."""
    if resolve_mode(settings) == "disabled":
        return TrackingResult(mode="disabled")
    _import_wandb()  # a missing extra is reported before anything is read
    results_dir = Path(results_dir)
    report = read_metrics(results_dir / "metrics.json", "run the regression suite first")
    examples = read_objects(results_dir / "examples.jsonl")
    files = [results_dir / name for name in RESULT_FILES]
    return log_evaluation(report, examples, files, settings, adapter_dir)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return redact(f"{type(error).__name__}: {text[0]}" if text else type(error).__name__)[:300]
