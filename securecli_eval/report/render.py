"""Rendering reports from the written artefacts (metrics.json + examples.jsonl) with jinja2.

report.md is rendered from what was written, never from in-memory state, so
``securecli-eval report`` can regenerate it later and it can never disagree with metrics.json.
Text from models and datasets is escaped for markdown tables and scrubbed of anything that
looks like a token. Everything the report says about a metric (what it means, which examples
count against it) is read from metrics.json, not from today's metric catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from securecli_eval.records import MetricsReport
from securecli_eval.templating import environment


def broken_sections(
    report: MetricsReport,
    examples: Sequence[dict[str, Any]],
    base_examples: Sequence[dict[str, Any]],
    limit: int,
) -> list[dict[str, Any]]:
    """Per metric with broken examples: the first ``limit`` of them with base and adapter outputs."""
    if report.baseline is None or not report.baseline.enabled or limit == 0:
        return []
    by_key = {(e.get("dataset"), e.get("id")): e for e in examples}
    base_by_key = {(e.get("dataset"), e.get("id")): e for e in base_examples}
    sections = []
    for name, paired in sorted(report.baseline.metrics.items()):
        if not paired.broken_ids:
            continue
        wanted = set(paired.broken_ids[:limit])
        rows = []
        for key, example in by_key.items():
            if key[1] in wanted and len(rows) < limit:
                base = base_by_key.get(key, {})
                rows.append({**example, "base_output": base.get("output", "")})
        sections.append({"metric": name, "count": paired.broken, "examples": rows})
    return sections


def failing_sections(
    report: MetricsReport, examples: Sequence[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """Per failing gate over a per-example metric: the first ``limit`` examples that count against it."""
    sections = []
    for gate in report.gates:
        metric = report.metrics.get(gate.metric)
        if gate.passed or metric is None or metric.outcome is None:
            continue
        items = [e for e in examples if metric.fails(e.get("outcomes", {}).get(metric.outcome))]
        sections.append({"gate": gate, "examples": items[:limit]})
    return sections


def render_markdown(
    report: MetricsReport,
    examples: Sequence[dict[str, Any]],
    worst: int = 5,
    base_examples: Sequence[dict[str, Any]] = (),
) -> str:
    return (
        environment("securecli_eval.report")
        .get_template("report.md.j2")
        .render(
            r=report,
            failing=failing_sections(report, examples, worst),
            worst=worst,
            broken=broken_sections(report, examples, base_examples, worst),
            adversarial_failures=[
                e for e in examples if e.get("outcomes", {}).get("adversarial_pass") is False
            ][:20],
        )
    )


def render_html_summary(report: MetricsReport) -> str:
    """The verdict and gate table as an HTML fragment for pytest-html (autoescaped)."""
    return environment("securecli_eval.report", html=True).get_template("summary.html.j2").render(r=report)
