"""One evaluation run: validate inputs, generate once, judge, aggregate.

``prepare`` checks everything that is cheap to check (config, adapter folder, base model,
datasets) and reports every problem at once before any weights load. ``evaluate`` then
generates (cached), judges each example and aggregates metrics. The pytest plugin calls
both from a session fixture; nothing here knows about pytest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from securecli_eval.config import EvalConfig, load_config
from securecli_eval.data import Example, load_all
from securecli_eval.errors import AdapterError, SecureCliError
from securecli_eval.generate import GenerationCache, HFBackend, cache_key, generate_cached, render_prompts
from securecli_eval.judge import ExampleResult, add_functional, judge_example
from securecli_eval.metrics import MetricValue, aggregate
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
    if problems:
        raise (AdapterError if adapter is None and len(problems) == 1 else SecureCliError)(
            "; ".join(problems)
        )
    assert config is not None and config_sha is not None and adapter is not None
    assert base_name is not None and base_dir is not None
    return Prepared(options, config, config_sha, adapter, base_name, base_dir, examples)


def evaluate(prepared: Prepared) -> Evaluation:
    """Generate (from cache where possible), judge and aggregate."""
    options, config = prepared.options, prepared.config
    timings: dict[str, float] = {}
    start = time.perf_counter()
    device = pick_device(options.device)
    tokenizer = load_tokenizer(prepared.adapter.path, prepared.base_dir)
    fingerprint = base_fingerprint(prepared.base_dir)
    prompts = render_prompts(
        tokenizer, [e.instruction for e in prepared.examples], config.generation.system_prompt
    )
    keys = [cache_key(fingerprint, prepared.adapter.sha256, p, config.generation) for p in prompts]

    def backend() -> HFBackend:
        model = load_model(
            prepared.base_dir,
            prepared.adapter.path,
            device,
            config.generation.dtype,
            config.generation.merge_adapter,
        )
        return HFBackend(model, tokenizer, config.generation, device, progress=options.progress)

    cache_path = Path(config.cache_dir).expanduser()
    if not cache_path.is_absolute():
        cache_path = Path.cwd() / cache_path
    cache = GenerationCache(cache_path / "generations.sqlite")
    try:
        outputs, generated = generate_cached(prompts, keys, cache, backend)
    finally:
        cache.close()
    timings["generation_s"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    results = [judge_example(e, o) for e, o in zip(prepared.examples, outputs, strict=True)]
    sandbox: dict[str, object] = {"enabled": config.sandbox.enabled}
    if config.sandbox.enabled:
        from securecli_eval.sandbox import sandbox_status

        available, reason = sandbox_status()
        sandbox.update(available=available, reason=reason)
        if available:
            results = add_functional(results, prepared.examples, config.sandbox.workers)
    else:
        sandbox.update(available=False, reason="disabled in the eval config (sandbox.enabled: false)")
    metrics, categories = aggregate(results)
    timings["judging_s"] = round(time.perf_counter() - start, 3)
    return Evaluation(
        prepared, results, metrics, categories, fingerprint, device, generated, sandbox, timings
    )


def unavailable_reason(evaluation: Evaluation, metric: str) -> str:
    """Why a metric has no value in this run (the reason a gate is reported as skipped)."""
    from securecli_eval.metrics import METRICS

    definition = METRICS.get(metric)
    if definition is None:
        return f"unknown metric {metric}"
    if metric.startswith("functional") and not evaluation.sandbox.get("available"):
        return f"sandbox unavailable: {evaluation.sandbox.get('reason')}"
    kinds = {e.kind for e in evaluation.prepared.examples}
    if definition.dataset_kind in {"domain", "adversarial"} and definition.dataset_kind not in kinds:
        return f"no {definition.dataset_kind} dataset in the eval config, so {metric} was not measured"
    return f"{metric} was not measured in this run"


def worst_examples(evaluation: Evaluation, metric: str, limit: int) -> list[str]:
    """Up to ``limit`` one-line descriptions of examples that count against ``metric``."""
    from securecli_eval.metrics import METRICS

    definition = METRICS.get(metric)
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
