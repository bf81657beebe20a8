"""One evaluation run: validate inputs, generate once, judge, measure, compose one frozen Evaluation.

``prepare`` checks everything that is cheap to check (config, adapter folder, base model,
datasets, the previous release's metrics.json) and reports every problem at once before any
weights load. ``evaluate`` then generates (cached), judges each example and aggregates
metrics; with the baseline on, the base model answers the same prompts through the same
cache and judges for the paired comparison; with ``--compare-to`` the run is compared with
the previous release; a configured general-capability gate runs lm-eval. Each of those is a
pure result; ``evaluate`` composes them once into an ``Evaluation`` that nothing mutates.
The metrics are derived from the judged examples by ``derive_metrics``, the one composition
that publish also runs to re-derive a verdict from examples.jsonl. The pytest plugin calls
``prepare`` and ``evaluate`` from a session fixture; nothing here knows about pytest.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from securecli_eval.catalog import METRICS
from securecli_eval.errors import SecureCliError
from securecli_eval.generate import generate_outputs
from securecli_eval.generate.openai import Endpoint, ServedIdentity, connect
from securecli_eval.generate.progress import Progress
from securecli_eval.inputs.adapter import AdapterInfo, inspect_adapter
from securecli_eval.inputs.base_model import base_fingerprint, resolve_base
from securecli_eval.inputs.config import PACKAGE_PREFIX, EvalConfig, ServerSettings, load_config
from securecli_eval.inputs.datasets import load_all
from securecli_eval.inputs.previous import Previous, load_previous
from securecli_eval.judge import judge_all
from securecli_eval.judge.behaviour import behaviour_verdicts
from securecli_eval.measure.aggregate import aggregate
from securecli_eval.measure.drift import compare as compare_releases
from securecli_eval.measure.drift import drift_metrics
from securecli_eval.measure.general import degradation_metric
from securecli_eval.measure.paired import compare as compare_paired
from securecli_eval.measure.paired import improvement_metrics
from securecli_eval.records import (
    BaselineReport,
    DriftReport,
    Example,
    ExampleResult,
    GeneralReport,
    InputFile,
    MetricValue,
)

BASELINE_OFF = "baseline disabled (--no-baseline or baseline.enabled: false)"

if TYPE_CHECKING:
    from securecli_eval.sandbox.behaviour import BehaviourVerdict


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for on the command line."""

    adapter: Path
    eval_config: Path
    results_dir: Path
    base_model: str | None = None
    limit: int | None = None
    device: str | None = None
    progress: bool = True
    baseline: bool | None = None  # None: the config's baseline.enabled
    compare_to: Path | None = None  # previous release's metrics.json
    backend: str | None = None  # None: the config's generation.backend; the rest override server:
    endpoint: str | None = None
    served_model: str | None = None
    served_base: str | None = None
    api_key_env: str | None = None
    command: str | None = None  # the command line, recorded in metrics.json
    eval_config_source: str = "given"  # given, project (config/eval_config.yaml) or packaged default


@dataclass(frozen=True)
class Prepared:
    """Validated inputs: nothing below has loaded weights yet."""

    options: RunOptions
    config: EvalConfig
    config_sha256: str
    adapter: AdapterInfo
    base_name: str
    base_dir: Path
    examples: list[Example]
    previous: Previous | None = None
    served: ServedIdentity | None = None  # with --backend openai: what the server serves, checked
    inputs: tuple[InputFile, ...] = ()  # every file read, with the sha256 of the bytes read

    @property
    def dataset_sizes(self) -> dict[str, int]:
        """Examples evaluated per dataset name (after --limit)."""
        return dict(Counter(example.dataset for example in self.examples))

    @property
    def baseline_enabled(self) -> bool:
        return self.options.baseline if self.options.baseline is not None else self.config.baseline.enabled

    @property
    def limited(self) -> bool:
        return self.options.limit is not None

    @property
    def cache_root(self) -> Path:
        path = Path(self.config.cache_dir).expanduser()
        return path if path.is_absolute() else Path.cwd() / path


@dataclass(frozen=True)
class Evaluation:
    """Everything the gates and reports need from one run."""

    prepared: Prepared
    results: list[ExampleResult]
    metrics: dict[str, MetricValue]
    categories: dict[str, MetricValue]
    base_fingerprint: str
    device: str
    generated: int
    sandbox: dict[str, object] = field(default_factory=dict)
    behaviour: dict[str, object] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    base_results: list[ExampleResult] | None = None
    generated_base: int = 0
    baseline: BaselineReport | None = None
    drift: DriftReport | None = None
    general: GeneralReport | None = None

    def unavailable_reason(self, metric: str) -> str:
        """Why a metric has no value in this run (the reason a gate is reported as skipped)."""
        definition = METRICS.get(metric)
        if definition is None:
            return f"unknown metric {metric}"
        if definition.source == "baseline" and (self.baseline is None or not self.baseline.enabled):
            return self.baseline.reason if self.baseline and self.baseline.reason else "no baseline run"
        if definition.source == "general":
            if self.general is None:
                return "general capability was not evaluated"
            return self.general.reason or "lm-eval returned no score"
        if definition.source == "drift":
            if self.drift is None:
                return "no previous release to compare with (--compare-to PATH)"
            if definition.requires == "previous_examples" and self.drift.safety_regressions is None:
                return (
                    "no examples.jsonl beside the previous metrics.json: safety regressions cannot be counted"
                )
        if definition.derived_from:
            return self.unavailable_reason(definition.derived_from)
        if definition.requires == "sandbox" and not self.sandbox.get("available"):
            return f"sandbox unavailable: {self.sandbox.get('reason')}"
        kinds = {e.kind for e in self.prepared.examples}
        if definition.source in {"domain", "adversarial"} and definition.source not in kinds:
            return f"no {definition.source} dataset in the eval config, so {metric} was not measured"
        return f"{metric} was not measured in this run"


def prepare(options: RunOptions) -> Prepared:
    """Validate config, adapter, base model and datasets; raise one error listing every problem."""
    problems: list[str] = []
    config = config_sha = adapter = None
    try:
        config, config_sha = load_config(options.eval_config)
    except SecureCliError as error:
        problems.append(str(error))
    try:
        adapter = inspect_adapter(options.adapter)
    except SecureCliError as error:
        problems.append(str(error))
    base_name, base_dir = None, None
    if adapter is not None:
        base_name = options.base_model or adapter.base_model
        if not base_name:
            problems.append(
                f"{adapter.path}/adapter_config.json has no base_model_name_or_path; pass --base-model"
            )
        else:
            try:
                base_dir = resolve_base(base_name)
            except SecureCliError as error:
                problems.append(str(error))
    examples: list[Example] = []
    if config is not None:
        specs = [(spec, spec.resolve(options.eval_config.parent)) for spec in config.datasets]
        try:
            examples = load_all(specs, options.limit)
        except SecureCliError as error:
            problems.append(str(error))
    previous = None
    if options.compare_to is not None:
        try:
            previous = load_previous(options.compare_to)
        except SecureCliError as error:
            problems.append(str(error))
    target = None
    if config is not None:
        try:
            target = served_target(options, config.generation.backend, config.server)
        except SecureCliError as error:
            problems.append(str(error))
    if problems:
        raise SecureCliError("; ".join(problems))
    assert config is not None and config_sha is not None and adapter is not None
    assert base_name is not None and base_dir is not None
    served = None
    if target is not None:  # the server is asked only once everything local is valid
        endpoint, served_model, served_base = target
        baseline = options.baseline if options.baseline is not None else config.baseline.enabled
        served = connect(endpoint, served_model, served_base, adapter, base_name, base_dir, baseline)
    inputs = _inputs_read(options, config, config_sha)
    return Prepared(
        options, config, config_sha, adapter, base_name, base_dir, examples, previous, served, inputs
    )


def served_target(
    options: RunOptions, configured_backend: str, server: ServerSettings
) -> tuple[Endpoint, str, str | None] | None:
    """The endpoint and model names for ``--backend openai`` (CLI over config); None for ``hf``."""
    backend = options.backend or configured_backend
    endpoint = options.endpoint or server.endpoint
    served_model = options.served_model or server.served_model
    if backend != "openai":
        given = [
            flag
            for flag, value in (
                ("--endpoint", options.endpoint),
                ("--served-model", options.served_model),
                ("--served-base", options.served_base),
                ("--api-key-env", options.api_key_env),
            )
            if value
        ]
        if given:
            raise SecureCliError(
                f"{', '.join(given)} only apply to a served model; add --backend openai "
                f"(or set generation.backend: openai in the eval config)"
            )
        return None
    missing = [
        flag
        for flag, value in (("--endpoint URL", endpoint), ("--served-model NAME", served_model))
        if not value
    ]
    if missing:
        raise SecureCliError(
            f"--backend openai needs {' and '.join(missing)} (or server.endpoint / server.served_model "
            f"in the eval config), e.g. --endpoint http://localhost:8000/v1 --served-model my-adapter"
        )
    assert endpoint is not None and served_model is not None
    target = Endpoint(
        url=endpoint,
        api_key_env=options.api_key_env or server.api_key_env,
        key_required=options.api_key_env is not None,
        concurrency=server.concurrency,
        timeout_s=server.timeout_s,
        max_retries=server.max_retries,
    )
    return target, served_model, options.served_base or server.served_base


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _inputs_read(options: RunOptions, config: EvalConfig, config_sha: str) -> tuple[InputFile, ...]:
    """The evidence manifest's inputs: the config (hashed as read), each dataset, the previous release."""
    packaged_config = options.eval_config_source == "packaged"
    files = [
        InputFile(
            role="eval_config",
            name="eval_config",
            path=str(options.eval_config),
            sha256=config_sha,
            packaged=packaged_config,
        )
    ]
    for spec in config.datasets:
        path = spec.resolve(options.eval_config.parent)
        packaged = spec.path.startswith(PACKAGE_PREFIX)
        files.append(
            InputFile(
                role="dataset", name=spec.name, path=str(path), sha256=_file_sha256(path), packaged=packaged
            )
        )
    if options.compare_to is not None:
        previous = options.compare_to / "metrics.json" if options.compare_to.is_dir() else options.compare_to
        for role, path in (
            ("previous_metrics", previous),
            ("previous_examples", previous.parent / "examples.jsonl"),
        ):
            if path.is_file():
                files.append(InputFile(role=role, name=role, path=str(path), sha256=_file_sha256(path)))
    return tuple(files)


def _seconds_since(start: float) -> float:
    return round(time.perf_counter() - start, 3)


def sandbox_state(config: EvalConfig) -> dict[str, object]:
    """Whether functional equivalence can run here, and why not."""
    state: dict[str, object] = {"enabled": config.sandbox.enabled}
    if not config.sandbox.enabled:
        return {**state, "available": False, "reason": "disabled in the eval config (sandbox.enabled: false)"}
    from securecli_eval.sandbox import sandbox_status

    available, reason = sandbox_status()
    return {**state, "available": available, "reason": reason}


def behaviour_state(config: EvalConfig, sandbox: dict[str, object]) -> dict[str, object]:
    """Whether the gates' risk includes behaviour in the honeypot here, and why not (then static only)."""
    state: dict[str, object] = {"enabled": config.safety.behaviour}
    if not config.safety.behaviour:
        reason = "disabled in the eval config (safety.behaviour: false); risk is static only"
        return {**state, "available": False, "reason": reason}
    if not sandbox.get("available"):
        return {**state, "available": False, "reason": f"{sandbox.get('reason')}; risk is static only"}
    from securecli_eval.sandbox.behaviour import behaviour_status

    available, reason = behaviour_status()
    return {
        **state,
        "available": available,
        "reason": reason if available else f"{reason}; risk is static only",
    }


def _behavioural(
    prepared: Prepared, outputs: list[str], state: dict[str, object]
) -> tuple[list[BehaviourVerdict | None] | None, dict[str, int]]:
    """Each answer's behavioural verdict when the honeypot is on, and how many got which verdict."""
    if not state.get("available"):
        return None, {}
    config = prepared.config
    verdicts = behaviour_verdicts(outputs, config.sandbox.workers, config.sandbox)
    return verdicts, dict(Counter(v.verdict for v in verdicts if v is not None))


@dataclass(frozen=True)
class _Generation:
    """What generation needs besides the adapter: where, on which base, into which cache."""

    prepared: Prepared
    device: str
    fingerprint: str
    progress: Progress | None = None

    def outputs(self, adapter: AdapterInfo | None) -> tuple[list[str], int]:
        prepared, served = self.prepared, self.prepared.served
        model = None if served is None else served.adapter if adapter is not None else served.base
        return generate_outputs(
            [e.instruction for e in prepared.examples],
            prepared.base_dir,
            self.fingerprint,
            adapter,
            prepared.config.generation,
            prepared.cache_root / "generations.sqlite",
            self.device,
            self.progress,
            model,
        )


@dataclass(frozen=True)
class Derived:
    """Every metric of a run as derived from its judged examples (and the comparisons' inputs)."""

    metrics: dict[str, MetricValue]
    categories: dict[str, MetricValue]
    baseline: BaselineReport
    drift: DriftReport | None


def derive_metrics(
    config: EvalConfig,
    results: Sequence[ExampleResult],
    base_results: Sequence[ExampleResult] | None,
    previous: Previous | None,
    general: GeneralReport | None,
    limited: bool,
) -> Derived:
    """The metrics, the paired comparison and drift from judged examples; lm-eval's scores as given.

    The run computes its metrics with this, and publish re-derives them with it from
    examples.jsonl, so the two can never disagree about how a metric is made.
    """
    measured, categories = aggregate(results, config.seed)
    metrics = dict(measured)
    if base_results is not None:
        baseline = compare_with_base(config, results, base_results)
        metrics.update(improvement_metrics(baseline.metrics))
    else:
        baseline = BaselineReport(enabled=False, reason=BASELINE_OFF)
    drift = None
    if previous is not None:
        sizes = dict(Counter(result.dataset for result in results))
        listed = config.drift.listed_examples
        drift = compare_releases(
            previous, measured, categories, results, sizes, limited=limited, listed=listed
        )
        metrics.update(drift_metrics(drift))
    if general is not None:
        value = degradation_metric(general)
        if value is not None:
            metrics["general_degradation"] = value
    return Derived(metrics, categories, baseline, drift)


def evaluate(prepared: Prepared, progress: Progress | None = None) -> Evaluation:
    """Generate (from cache where possible), judge and aggregate; then baseline, drift and general."""
    from securecli_eval.generate.hf import pick_device

    config = prepared.config
    timings: dict[str, float] = {}
    start = time.perf_counter()
    device = "server" if prepared.served is not None else pick_device(prepared.options.device)
    generation = _Generation(prepared, device, base_fingerprint(prepared.base_dir), progress)
    outputs, generated = generation.outputs(prepared.adapter)
    timings["generation_s"] = _seconds_since(start)

    start = time.perf_counter()
    sandbox = sandbox_state(config)
    behaviour = behaviour_state(config, sandbox)
    verdicts, counted = _behavioural(prepared, outputs, behaviour)
    behaviour = {**behaviour, "verdicts": counted} if counted else behaviour
    timings["judging_behaviour_s"] = _seconds_since(start)  # part of judging_s
    workers = config.sandbox.workers
    results = judge_all(
        prepared.examples, outputs, bool(sandbox["available"]), workers, config.sandbox, verdicts
    )
    timings["judging_s"] = _seconds_since(start)

    base_results, generated_base = None, 0
    if prepared.baseline_enabled:
        start = time.perf_counter()
        base_outputs, generated_base = generation.outputs(None)
        base_verdicts, _ = _behavioural(prepared, base_outputs, behaviour)
        base_results = judge_all(
            prepared.examples,
            base_outputs,
            bool(sandbox["available"]),
            workers,
            config.sandbox,
            base_verdicts,
        )
        timings["baseline_s"] = _seconds_since(start)

    general = None
    if any(METRICS[metric].source == "general" for metric in _gated_metrics(config)):
        if prepared.baseline_enabled:
            start = time.perf_counter()
            local = pick_device(prepared.options.device)  # lm-eval scores log-likelihoods in-process
            general = general_capability(prepared, local, generation.fingerprint)
            timings["general_s"] = _seconds_since(start)
        else:
            reason = "baseline disabled (--no-baseline): nothing to compare the adapter with"
            general = GeneralReport(available=False, reason=reason)

    derived = derive_metrics(config, results, base_results, prepared.previous, general, prepared.limited)
    return Evaluation(
        prepared=prepared,
        results=results,
        metrics=derived.metrics,
        categories=derived.categories,
        base_fingerprint=generation.fingerprint,
        device=generation.device,
        generated=generated,
        sandbox=sandbox,
        behaviour=behaviour,
        timings=timings,
        base_results=base_results,
        generated_base=generated_base,
        baseline=derived.baseline,
        drift=derived.drift,
        general=general,
    )


def _gated_metrics(config: EvalConfig) -> list[str]:
    from securecli_eval.catalog import parse_threshold_key

    return [parse_threshold_key(key)[0] for key in config.thresholds]


def compare_with_base(
    config: EvalConfig, results: Sequence[ExampleResult], base_results: Sequence[ExampleResult]
) -> BaselineReport:
    """The paired comparison: the same examples judged for the base model and the adapter."""
    base_metrics, _ = aggregate(base_results, config.seed)
    paired = compare_paired(
        results,
        base_results,
        seed=config.seed,
        listed=config.baseline.listed_examples,
        resamples=config.baseline.bootstrap_resamples,
    )
    return BaselineReport(enabled=True, metrics=paired, base_metrics=base_metrics)


def general_capability(prepared: Prepared, device: str, fingerprint: str) -> GeneralReport:
    """lm-eval for base and adapter on the configured tasks (lm-eval's cache under the run's cache)."""
    from securecli_eval.measure.general import run_general

    prefix = prepared.cache_root / "lm_eval" / f"{fingerprint[:16]}-{prepared.adapter.sha256[:16]}"
    return run_general(
        prepared.config.general,
        prepared.base_dir,
        prepared.adapter.path,
        prefix,
        device,
        prepared.config.generation.dtype,
        prepared.options.eval_config.parent,
    )
