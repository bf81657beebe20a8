"""General capability through lm-eval: does the adapter lose what the base model could do?

lm-eval (extra ``[general]``) runs the configured tasks twice through its Python API and HF
backend: the base model, then the base with the peft adapter. ``general_degradation`` is the
largest drop of a task score (base minus adapter); its interval combines lm-eval's two
standard errors. The default tasks ship with the package (``resources/general_tasks/``: YAMLs over
local JSON, no hub); ``mmlu`` or ``gsm8k`` are a config change for users with hub access.
Without lm-eval the gate is skipped with the reason, never passed. lm-eval's request cache
lives under the run's cache folder, keyed by base fingerprint and adapter, so reruns are cheap.
"""

from __future__ import annotations

import difflib
import logging
import math
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from securecli_eval.catalog import describe
from securecli_eval.errors import ConfigError, ModelError
from securecli_eval.inputs.config import GeneralSettings
from securecli_eval.measure.stats import Z95
from securecli_eval.records import GeneralReport, MetricValue, TaskScore
from securecli_eval.resources.general_tasks import TASKS_DIR

INSTALL_HINT = "pip install 'securecli-eval[general]'"


def lm_eval_version() -> str | None:
    try:
        import lm_eval  # noqa: F401
    except ImportError:
        return None
    return metadata.version("lm-eval")


def _task_manager(settings: GeneralSettings, config_dir: Path):
    from lm_eval.tasks import TaskManager

    paths = [str(TASKS_DIR)]
    if settings.include_path:
        extra = Path(settings.include_path).expanduser()
        paths.append(str(extra if extra.is_absolute() else config_dir / extra))
    shipped = TaskManager(include_path=paths, include_defaults=False)
    needs_defaults = any(task not in shipped.all_tasks for task in settings.tasks)
    manager = TaskManager(include_path=paths, include_defaults=True) if needs_defaults else shipped
    unknown = [task for task in settings.tasks if task not in manager.all_tasks]
    if unknown:
        hints = []
        for task in unknown:
            close = difflib.get_close_matches(task, manager.all_tasks, 3)
            hints.append(f"'{task}' (did you mean {', '.join(close) or 'none'}?)")
        raise ConfigError(f"general.tasks: unknown lm-eval task {'; '.join(hints)}; fix general.tasks")
    return manager


def _score(results: Mapping[str, Any], task: str, metric: str) -> tuple[float, float | None]:
    entry = results.get(task, {})
    value = entry.get(f"{metric},none")
    if value is None:
        found = sorted(k.split(",")[0] for k in entry if "stderr" not in k and k != "alias")
        raise ConfigError(
            f"general.metric: lm-eval task '{task}' reports no '{metric}' (it reports {', '.join(found)}); "
            "set general.metric"
        )
    stderr = entry.get(f"{metric}_stderr,none")
    return float(value), (float(stderr) if isinstance(stderr, int | float) else None)


def _evaluate(manager, settings: GeneralSettings, model_args: dict[str, Any], device: str, cache: Path):
    import lm_eval

    cache.parent.mkdir(parents=True, exist_ok=True)
    try:
        return lm_eval.simple_evaluate(
            model="hf",
            model_args=model_args,
            tasks=list(settings.tasks),
            num_fewshot=settings.num_fewshot,
            batch_size=settings.batch_size,
            device=device,
            limit=settings.limit,
            task_manager=manager,
            use_cache=str(cache),
            log_samples=False,
            bootstrap_iters=1000,
            verbosity="ERROR",
        )
    except (OSError, ValueError) as error:
        raise ModelError(
            f"lm-eval could not run {model_args.get('pretrained')}: {str(error).splitlines()[0]}"
        ) from None


def run_general(
    settings: GeneralSettings,
    base_dir: Path,
    adapter_dir: Path,
    cache_prefix: Path,
    device: str,
    dtype: str,
    config_dir: Path,
) -> GeneralReport:
    """Score base and base+adapter on the configured lm-eval tasks (skipped when lm-eval is missing)."""
    version = lm_eval_version()
    if version is None:
        return GeneralReport(available=False, reason=f"lm-eval is not installed: {INSTALL_HINT}")
    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    manager = _task_manager(settings, config_dir)
    if dtype == "auto":
        dtype = "float32" if device == "cpu" else "auto"
    common = {"pretrained": str(base_dir), "dtype": dtype}
    base = _evaluate(manager, settings, common, device, Path(f"{cache_prefix}-none"))
    tuned = _evaluate(
        manager, settings, {**common, "peft": str(adapter_dir)}, device, Path(f"{cache_prefix}-adapter")
    )
    tasks = {}
    for task in settings.tasks:
        base_value, base_se = _score(base["results"], task, settings.metric)
        value, se = _score(tuned["results"], task, settings.metric)
        drop = base_value - value
        low = high = None
        if base_se is not None and se is not None:
            half = Z95 * math.sqrt(base_se**2 + se**2)
            low, high = drop - half, drop + half
        samples = (tuned.get("n-samples") or {}).get(task, {}).get("effective")
        tasks[task] = TaskScore(
            task=task,
            metric=settings.metric,
            samples=samples,
            base=round(base_value, 6),
            base_stderr=None if base_se is None else round(base_se, 6),
            adapter=round(value, 6),
            adapter_stderr=None if se is None else round(se, 6),
            drop=round(drop, 6),
            ci_low=None if low is None else round(low, 6),
            ci_high=None if high is None else round(high, 6),
        )
    return GeneralReport(available=True, lm_eval_version=version, tasks=tasks, limit=settings.limit)


def degradation_metric(report: GeneralReport) -> MetricValue | None:
    """``general_degradation``: the largest task drop, with that task's interval."""
    if not report.available or not report.tasks:
        return None
    worst = max(report.tasks.values(), key=lambda t: (t.drop, t.task))
    value = MetricValue(
        name="general_degradation",
        kind="score",
        value=worst.drop,
        n=worst.samples,
        ci_low=worst.ci_low,
        ci_high=worst.ci_high,
        interval="lm_eval_stderr95" if worst.ci_low is not None else None,
        higher_is_better=False,
        note=f"worst task: {worst.task} ({worst.metric} {worst.base} -> {worst.adapter})",
    )
    return describe(value)
