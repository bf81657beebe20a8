"""One jinja2 environment for every template, and the filters that make model text safe in it.

Reports, the model card and the data card all render model and dataset text into markdown or
HTML; they share one factory so every template gets the same strict undefined handling, the
same whitespace rules and the same escaping and token-redaction filters.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2

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
    """A number as reports show it: 4 significant digits, 'n/a' for missing."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"
    return str(value)


def environment(package: str, html: bool = False) -> jinja2.Environment:
    """The templates shipped in ``package``/templates, with strict undefined and the report filters.

    ``html`` turns autoescaping on (for ``*.html`` and ``*.html.j2`` templates).
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]) if html else False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=md_cell, code=md_code, fmt=fmt, redact=redact)
    return env
