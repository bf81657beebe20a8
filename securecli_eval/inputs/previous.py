"""Reading a run's evidence back: the one reader of metrics.json and examples.jsonl.

Two strictnesses, on purpose. ``read_metrics`` validates a whole metrics.json against today's
schema (re-rendering a report, publishing, tracking: the evidence must be complete).
``load_previous`` reads only what drift needs from a previous release's metrics.json, from any
1.x schema, because the release being compared with may have been gated by an older version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from securecli_eval.errors import DataError
from securecli_eval.records import MetricsReport


def read_metrics(path: Path, hint: str) -> MetricsReport:
    """metrics.json as a validated report; DataError ``PATH: what is wrong; HINT`` otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise DataError(f"{path}: not found; {hint}") from None
    try:
        return MetricsReport.model_validate_json(text)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        raise DataError(
            f"{path}: not a valid metrics.json ({error.error_count()} problems, first: {where}: "
            f"{problem['msg']}); {hint}"
        ) from None


class Previous(BaseModel):
    """What is read from the previous release: its metrics.json, and its examples.jsonl if beside it."""

    model_config = ConfigDict(frozen=True)

    path: str
    adapter_sha256: str | None
    verdict: str | None
    limited: bool
    metrics: dict[str, dict[str, Any]]
    categories: dict[str, dict[str, Any]]
    datasets: dict[str, int]
    outcomes: dict[str, dict[str, bool | None]] | None  # "dataset/id" -> outcomes


def load_previous(path: Path) -> Previous:
    """Read a previous metrics.json (any schema 1.x); one-line DataError when it is not one."""
    if path.is_dir():
        path = path / "metrics.json"
    if not path.is_file():
        raise DataError(f"--compare-to {path}: no such file; pass the previous release's metrics.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"--compare-to {path}: not valid JSON ({error}); pass a metrics.json") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise DataError(
            f"--compare-to {path}: has no 'metrics' mapping; is it a securecli-eval metrics.json?"
        )
    version = str(data.get("schema_version", ""))
    if not version.startswith("1."):
        raise DataError(f"--compare-to {path}: schema_version {version!r} is not 1.x; rerun the old release")
    outcomes = None
    examples = path.parent / "examples.jsonl"
    if examples.is_file():
        outcomes = {}
        for number, line in enumerate(examples.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                outcomes[f"{row['dataset']}/{row['id']}"] = dict(row["outcomes"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DataError(
                    f"{examples}:{number}: not an examples.jsonl line of securecli-eval"
                ) from None
    return Previous(
        path=str(path.resolve()),
        adapter_sha256=(data.get("adapter") or {}).get("sha256"),
        verdict=data.get("verdict"),
        limited=bool(data.get("limited")),
        metrics={k: v for k, v in data["metrics"].items() if isinstance(v, dict)},
        categories={
            k: v for k, v in (data.get("adversarial_categories") or {}).items() if isinstance(v, dict)
        },
        datasets={
            d.get("name", "?"): d.get("examples", 0) for d in data.get("datasets", []) if isinstance(d, dict)
        },
        outcomes=outcomes,
    )
