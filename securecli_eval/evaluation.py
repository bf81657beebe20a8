"""One evaluation run: validate inputs, generate once, judge, aggregate, compare.

``prepare`` checks everything that is cheap to check (config, adapter folder, base model,
datasets, the previous release's metrics.json) and reports every problem at once before any
weights load. ``evaluate`` then generates (cached), judges each example and aggregates
metrics; with the baseline on, the base model answers the same prompts through the same
cache and judges for the paired comparison; with ``--compare-to`` the run is compared with
the previous release; a configured general-capability gate runs lm-eval. The pytest plugin
calls both from a session fixture; nothing here knows about pytest.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from securecli_eval.baseline import BaselineReport, compare, improvement_metrics
from securecli_eval.config import EvalConfig, load_config
from securecli_eval.data import Example, load_all
from securecli_eval.drift import DriftReport, Previous, drift_metrics, load_previous
from securecli_eval.errors import SecureCliError
from securecli_eval.general import GeneralReport
from securecli_eval.generate import GenerationCache, HFBackend, cache_key, generate_cached, render_prompts
from securecli_eval.judge import ExampleResult, add_functional, judge_example
from securecli_eval.metrics import METRICS, MetricValue, aggregate
from securecli_eval.model import (
    AdapterInfo,
    base_fingerprint,
    inspect_adapter,
    load_model,
    load_tokenizer,
    pick_device,
    resolve_base,
)


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

    @property
    def dataset_sizes(self) -> dict[str, int]:
        """Examples evaluated per dataset name (after --limit)."""
        return dict(Counter(example.dataset for example in self.examples))

    @property
    def baseline_enabled(self) -> bool:
        return self.options.baseline if self.options.baseline is not None else self.config.baseline.enabled


@dataclass
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
    timings: dict[str, float] = field(default_factory=dict)
    base_results: list[ExampleResult] | None = None
    generated_base: int = 0
    baseline: BaselineReport | None = None
    drift: DriftReport | None = None
    general: GeneralReport | None = None


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
    if problems:
        raise SecureCliError("; ".join(problems))
    assert config is not None and config_sha is not None and adapter is not None
    assert base_name is not None and base_dir is not None
    return Prepared(options, config, config_sha, adapter, base_name, base_dir, examples, previous)


def _cache_root(config: EvalConfig) -> Path:
    path = Path(config.cache_dir).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def _generate(prepared: Prepared, with_adapter: bool, device: str, fingerprint: str) -> tuple[list[str], int]:
    """Outputs of base+adapter (or the base alone) for every example, through the generation cache."""
    options, config = prepared.options, prepared.config
    adapter_path = prepared.adapter.path if with_adapter else None
    adapter_sha = prepared.adapter.sha256 if with_adapter else None
    tokenizer = load_tokenizer(adapter_path, prepared.base_dir)
    prompts = render_prompts(
        tokenizer, [e.instruction for e in prepared.examples], config.generation.system_prompt
    )
    keys = [cache_key(fingerprint, adapter_sha, p, config.generation) for p in prompts]

    def backend() -> HFBackend:
        model = load_model(
            prepared.base_dir, adapter_path, device, config.generation.dtype, config.generation.merge_adapter
        )
        return HFBackend(model, tokenizer, config.generation, device, progress=options.progress)

    cache = GenerationCache(_cache_root(config) / "generations.sqlite")
    try:
        return generate_cached(prompts, keys, cache, backend)
    finally:
        cache.close()


def _judge(prepared: Prepared, outputs: list[str], sandbox_available: bool) -> list[ExampleResult]:
    results = [judge_example(e, o) for e, o in zip(prepared.examples, outputs, strict=True)]
    if sandbox_available:
        results = add_functional(results, prepared.examples, prepared.config.sandbox.workers)
    return results


def _general_gated(config: EvalConfig) -> bool:
    return any(key.startswith("general_degradation_") for key in config.thresholds)


def evaluate(prepared: Prepared) -> Evaluation:
    """Generate (from cache where possible), judge and aggregate; then baseline, drift and general."""
    options, config = prepared.options, prepared.config
    timings: dict[str, float] = {}
    start = time.perf_counter()
    device = pick_device(options.device)
    fingerprint = base_fingerprint(prepared.base_dir)
    outputs, generated = _generate(prepared, True, device, fingerprint)
    timings["generation_s"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    sandbox: dict[str, object] = {"enabled": config.sandbox.enabled}
    if config.sandbox.enabled:
        from securecli_eval.sandbox import sandbox_status

        available, reason = sandbox_status()
        sandbox.update(available=available, reason=reason)
    else:
        sandbox.update(available=False, reason="disabled in the eval config (sandbox.enabled: false)")
    results = _judge(prepared, outputs, bool(sandbox["available"]))
    metrics, categories = aggregate(results, config.seed)
    timings["judging_s"] = round(time.perf_counter() - start, 3)
    evaluation = Evaluation(
        prepared, results, metrics, categories, fingerprint, device, generated, sandbox, timings
    )
    if prepared.baseline_enabled:
        _add_baseline(evaluation)
    else:
        evaluation.baseline = BaselineReport(
            enabled=False, reason="baseline disabled (--no-baseline or baseline.enabled: false)"
        )
    if prepared.previous is not None:
        _add_drift(evaluation)
    if _general_gated(config):
        _add_general(evaluation)
    return evaluation


def _add_baseline(evaluation: Evaluation) -> None:
    prepared, config = evaluation.prepared, evaluation.prepared.config
    start = time.perf_counter()
    outputs, evaluation.generated_base = _generate(
        prepared, False, evaluation.device, evaluation.base_fingerprint
    )
    evaluation.base_results = _judge(prepared, outputs, bool(evaluation.sandbox.get("available")))
    base_metrics, _ = aggregate(evaluation.base_results, config.seed)
    paired = compare(
        evaluation.results,
        evaluation.base_results,
        seed=config.seed,
        listed=config.baseline.listed_examples,
        resamples=config.baseline.bootstrap_resamples,
    )
    evaluation.baseline = BaselineReport(enabled=True, metrics=paired, base_metrics=base_metrics)
    evaluation.metrics.update(improvement_metrics(paired))
    evaluation.timings["baseline_s"] = round(time.perf_counter() - start, 3)


def _add_drift(evaluation: Evaluation) -> None:
    from securecli_eval.drift import compare as compare_releases

    prepared = evaluation.prepared
    assert prepared.previous is not None
    counts = prepared.dataset_sizes
    evaluation.drift = compare_releases(
        prepared.previous,
        {k: v for k, v in evaluation.metrics.items() if METRICS[k].dataset_kind in {"domain", "adversarial"}},
        evaluation.categories,
        evaluation.results,
        counts,
        limited=prepared.options.limit is not None,
        listed=prepared.config.drift.listed_examples,
    )
    evaluation.metrics.update(drift_metrics(evaluation.drift))


def _add_general(evaluation: Evaluation) -> None:
    from securecli_eval.general import degradation_metric, run_general

    prepared = evaluation.prepared
    if not prepared.baseline_enabled:
        evaluation.general = GeneralReport(
            available=False, reason="baseline disabled (--no-baseline): nothing to compare the adapter with"
        )
        return
    start = time.perf_counter()
    prefix = (
        _cache_root(prepared.config)
        / "lm_eval"
        / (f"{evaluation.base_fingerprint[:16]}-{prepared.adapter.sha256[:16]}")
    )
    evaluation.general = run_general(
        prepared.config.general,
        prepared.base_dir,
        prepared.adapter.path,
        prefix,
        evaluation.device,
        prepared.config.generation.dtype,
        prepared.options.eval_config.parent,
    )
    value = degradation_metric(evaluation.general)
    if value is not None:
        evaluation.metrics["general_degradation"] = value
    evaluation.timings["general_s"] = round(time.perf_counter() - start, 3)


def unavailable_reason(evaluation: Evaluation, metric: str) -> str:
    """Why a metric has no value in this run (the reason a gate is reported as skipped)."""
    definition = METRICS.get(metric)
    if definition is None:
        return f"unknown metric {metric}"
    if definition.dataset_kind == "baseline" and (
        evaluation.baseline is None or not evaluation.baseline.enabled
    ):
        return evaluation.baseline.reason if evaluation.baseline else "no baseline run"
    if definition.dataset_kind == "general":
        if evaluation.general is None:
            return "general capability was not evaluated"
        return evaluation.general.reason or "lm-eval returned no score"
    if definition.dataset_kind == "drift":
        if evaluation.drift is None:
            return "no previous release to compare with (--compare-to PATH)"
        if metric == "safety_regressions" and evaluation.drift.safety_regressions is None:
            return "no examples.jsonl beside the previous metrics.json: safety regressions cannot be counted"
    if definition.derived_from:
        return unavailable_reason(evaluation, definition.derived_from)
    if metric.startswith("functional") and not evaluation.sandbox.get("available"):
        return f"sandbox unavailable: {evaluation.sandbox.get('reason')}"
    kinds = {e.kind for e in evaluation.prepared.examples}
    if definition.dataset_kind in {"domain", "adversarial"} and definition.dataset_kind not in kinds:
        return f"no {definition.dataset_kind} dataset in the eval config, so {metric} was not measured"
    return f"{metric} was not measured in this run"


def worst_examples(evaluation: Evaluation, metric: str, limit: int) -> list[str]:
    """Up to ``limit`` one-line descriptions of examples that count against ``metric``."""
    definition = METRICS.get(metric)
    if metric == "safety_regressions" and evaluation.drift and evaluation.drift.safety_regressions and limit:
        ids = evaluation.drift.safety_regressions[:limit]
        return [f"safety regressions since the previous release: {', '.join(ids)}"]
    if definition is not None and definition.derived_from and limit:
        source = definition.derived_from
        if (
            definition.dataset_kind == "baseline"
            and evaluation.baseline
            and source in evaluation.baseline.metrics
        ):
            ids = evaluation.baseline.metrics[source].broken_ids[:limit]
            return [f"examples the adapter broke (base good, adapter bad): {', '.join(ids)}"] if ids else []
        if definition.dataset_kind == "drift" and evaluation.drift:
            ids = evaluation.drift.newly_failing.get(source, [])[:limit]
            return [f"newly failing since the previous release: {', '.join(ids)}"] if ids else []
        return []
    if definition is None or not definition.outcome or limit == 0:
        return []
    bad_value = not definition.higher_is_better
    if metric == "functional_undecided":
        bad_value = False
    lines = []
    for result in evaluation.results:
        if result.outcomes.get(definition.outcome, None) is bad_value:
            reference = f" | reference: {result.reference!r}" if result.reference is not None else ""
            lines.append(
                f"  - {result.id}: {result.instruction[:80]!r}{reference} | output: {result.output[:100]!r}"
            )
            if len(lines) == limit:
                break
    return ([f"worst examples ({len(lines)} shown):"] + lines) if lines else []
