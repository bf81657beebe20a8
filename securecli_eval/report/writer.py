"""Building metrics.json from a run and writing the artefacts atomically.

A gate's metrics.json is evidence for a release, so a failed write is an error that fails
the run (never a warning). Each file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from securecli_eval import __version__, lineage
from securecli_eval.gates import decide
from securecli_eval.generate.openai import ServedModel
from securecli_eval.inputs.previous import read_metrics
from securecli_eval.jsonl import dumps_lines, read_objects
from securecli_eval.records import (
    AdapterRecord,
    BackendRecord,
    BaseModelRecord,
    ConfigRecord,
    DatasetRecord,
    GateResult,
    MetricsReport,
    RunRecord,
    ServedModelRecord,
)
from securecli_eval.report.html import render_html
from securecli_eval.report.render import render_markdown
from securecli_eval.run import Evaluation, Prepared
from securecli_eval.templating import redact

BASE_EXAMPLES = "base_examples.jsonl"
PACKAGES = ("torch", "transformers", "peft", "datasets", "tokenizers", "pytest", "pydantic", "lm-eval")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    versions.update({k: v for k, v in lineage.package_versions(PACKAGES).items() if v is not None})
    return versions


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def build_report(
    evaluation: Evaluation, gates: Sequence[GateResult], started_at: str, started: float, finished: float
) -> MetricsReport:
    prepared = evaluation.prepared
    options, config, adapter = prepared.options, prepared.config, prepared.adapter
    limited = prepared.limited
    verdict, reasons = decide(gates, limited)
    counts = prepared.dataset_sizes
    generation = config.generation.model_dump()
    return MetricsReport(
        tool={"name": "securecli-eval", "version": __version__},
        verdict=verdict,
        verdict_reasons=reasons,
        limited=limited,
        limit=options.limit,
        adapter=AdapterRecord(
            path=str(adapter.path.resolve()),
            sha256=adapter.sha256,
            base_model_name_or_path=adapter.base_model,
            peft_type=adapter.config.get("peft_type"),
            rank=adapter.config.get("r"),
            target_modules=adapter.config.get("target_modules"),
        ),
        base_model=BaseModelRecord(name=prepared.base_name, fingerprint=evaluation.base_fingerprint),
        eval_config=ConfigRecord(path=str(options.eval_config), sha256=prepared.config_sha256),
        generation=generation,
        backend=backend_record(prepared),
        device=evaluation.device,
        datasets=[
            DatasetRecord(
                name=s.name,
                kind=s.kind,
                path=str(s.resolve(options.eval_config.parent)),
                examples=counts.get(s.name, 0),
            )
            for s in config.datasets
        ],
        packages=package_versions(),
        git=lineage.git_state(Path.cwd()),
        sandbox=evaluation.sandbox,
        behaviour=evaluation.behaviour,
        gates=list(gates),
        metrics=evaluation.metrics,
        adversarial_categories=evaluation.categories,
        baseline=evaluation.baseline,
        drift=evaluation.drift,
        general=evaluation.general,
        worst_examples=config.worst_examples,
        run=RunRecord(
            started_at=started_at,
            finished_at=utc_now(),
            duration_s=round(finished - started, 3),
            timings=evaluation.timings,
            generated_now=evaluation.generated,
            generated_base_now=evaluation.generated_base,
            results_dir=str(options.results_dir),
            command=redact(options.command) if options.command else None,
        ),
    )


def backend_record(prepared: Prepared) -> BackendRecord:
    """The backend section: for a served run, the endpoint, what the server reported, the check."""
    served = prepared.served
    if served is None:
        return BackendRecord()

    def record(model: ServedModel | None) -> ServedModelRecord | None:
        return None if model is None else ServedModelRecord(name=model.name, reported=model.reported)

    return BackendRecord(
        name="openai",
        endpoint=served.adapter.endpoint.shown,
        served_model=record(served.adapter),
        served_base=record(served.base),
        identity_check="passed" if served.passed else "unverified",
        identity_detail=served.detail,
    )


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_results(report: MetricsReport, evaluation: Evaluation, results_dir: Path, worst: int) -> list[Path]:
    """Write metrics.json, examples.jsonl (base_examples.jsonl with the baseline), report.md and .html."""
    examples = [r.model_dump(mode="json") for r in evaluation.results]
    base_examples = [r.model_dump(mode="json") for r in evaluation.base_results or []]
    metrics_path = results_dir / "metrics.json"
    examples_path = results_dir / "examples.jsonl"
    base_path = results_dir / BASE_EXAMPLES
    report_path = results_dir / "report.md"
    _atomic_write(metrics_path, json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
    _atomic_write(examples_path, dumps_lines(examples))
    written = [metrics_path, examples_path]
    if base_examples:
        _atomic_write(base_path, dumps_lines(base_examples))
        written.append(base_path)
    else:
        base_path.unlink(missing_ok=True)  # never leave a stale baseline beside new results
    _atomic_write(report_path, render_markdown(report, examples, worst, base_examples))
    html_path = results_dir / "report.html"
    _atomic_write(html_path, render_html(report, examples, base_examples))
    return [*written, report_path, html_path]


def rerender(results_dir: Path, worst: int | None = None) -> list[Path]:
    """Render report.md and report.html again from metrics.json and examples.jsonl in ``results_dir``."""
    report = read_metrics(results_dir / "metrics.json", "pass the --results-dir of a regression run")
    examples = read_objects(results_dir / "examples.jsonl")
    base_examples = read_objects(results_dir / BASE_EXAMPLES)
    markdown, html = results_dir / "report.md", results_dir / "report.html"
    worst = report.worst_examples if worst is None else worst
    _atomic_write(markdown, render_markdown(report, examples, worst, base_examples))
    _atomic_write(html, render_html(report, examples, base_examples))
    return [markdown, html]
