"""Rendering reports from the written artefacts (metrics.json + examples.jsonl) with jinja2.

report.md is rendered from what was written, never from in-memory state, so
``securecli-eval report`` can regenerate it later and it can never disagree with metrics.json.
Text from models and datasets is escaped for markdown tables and scrubbed of anything that
looks like a token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jinja2

from securecli_eval.report.schema import MetricsReport

_TOKEN = re.compile(
    r"\b(hf_[A-Za-z0-9]{20,}|wandb_v1_[A-Za-z0-9_]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9]{20,})\b"
)


def redact(text: str) -> str:
    """Replace anything shaped like an API token (Hugging Face, W&B, GitHub, OpenAI) with [REDACTED]."""
    return _TOKEN.sub("[REDACTED]", text)


def md_cell(value: Any, limit: int = 160) -> str:
    """Text that is safe inside a markdown table cell: one line, pipes and backticks escaped."""
    text = redact("" if value is None else str(value))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("<", "&lt;")


def md_code(value: Any, limit: int = 160) -> str:
    """Inline code that survives backticks and pipes in the content."""
    text = " ".join(redact("" if value is None else str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if not text:
        return "*(empty)*"
    fence = "``" if "`" in text else "`"
    return (
        f"{fence} {text.replace('|', '&#124;')} {fence}"
        if fence == "``"
        else f"`{text.replace('|', '&#124;')}`"
    )


def fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"
    return str(value)


def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("securecli_eval.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]) if html else False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=md_cell, code=md_code, fmt=fmt, redact=redact)
    return env


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


def render_markdown(
    report: MetricsReport,
    examples: Sequence[dict[str, Any]],
    worst: int = 5,
    base_examples: Sequence[dict[str, Any]] = (),
) -> str:
    from securecli_eval.metrics import METRICS

    failing_gates = [g for g in report.gates if not g.passed]
    sections = []
    for gate in failing_gates:
        definition = METRICS.get(gate.metric)
        if definition and definition.outcome and definition.kind == "rate":
            want = definition.higher_is_better
            items = [e for e in examples if e.get("outcomes", {}).get(definition.outcome) is (not want)][
                :worst
            ]
            sections.append({"gate": gate, "examples": items})
        elif definition and definition.outcome:
            items = [e for e in examples if e.get("outcomes", {}).get(definition.outcome) is True][:worst]
            sections.append({"gate": gate, "examples": items})
    return (
        _environment(html=False)
        .get_template("report.md.j2")
        .render(
            r=report,
            metrics=METRICS,
            failing=sections,
            worst=worst,
            broken=broken_sections(report, examples, base_examples, worst),
            adversarial_failures=[
                e for e in examples if e.get("outcomes", {}).get("adversarial_pass") is False
            ][:20],
        )
    )


def render_html_summary(report: MetricsReport) -> str:
    """The verdict and gate table as an HTML fragment for pytest-html (autoescaped)."""
    return _environment(html=True).get_template("summary.html.j2").render(r=report)
