"""The model card published with an adapter: the gate results, the safety results and its lineage.

Rendered from the run's metrics.json and the adapter's provenance.json (written by the training
wrapper), with Hugging Face metadata (``model-index``) listing each gate's metric.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securecli_eval.catalog import METRICS
from securecli_eval.records import MetricsReport
from securecli_eval.templating import environment, fmt, redact

HUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
EXAMPLE_REQUEST = "list all files in the current directory, including hidden ones"


@dataclass(frozen=True)
class CardRequest:
    """What the publisher chose for the card: where it goes, its license, its training datasets."""

    repo_id: str
    license: str = "apache-2.0"
    datasets: tuple[str, ...] = ()


def read_provenance(adapter: Path) -> dict[str, Any]:
    """provenance.json beside the adapter (written by the training wrapper); {} when absent or unreadable."""
    try:
        data = json.loads((adapter / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# provenance keys shown on the card: the training config is long, so only its defining settings
CARD_CONFIG_KEYS = (
    "base_model",
    "adapter",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "learning_rate",
    "num_epochs",
    "max_steps",
    "micro_batch_size",
    "gradient_accumulation_steps",
    "sequence_len",
    "seed",
)
CARD_SKIPPED = ("command", "failure", "wandb.offline_dir", "hardware")


def provenance_rows(provenance: dict[str, Any]) -> list[tuple[str, str]]:
    """Flattened ``a.b: value`` rows of provenance.json for the card (scalars and lists of scalars)."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if prefix.startswith(CARD_SKIPPED):
            return
        if prefix.startswith("config.") and prefix.split(".")[1] not in CARD_CONFIG_KEYS:
            return
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                rows.append((prefix, ", ".join(str(v) for v in value)))
            else:
                for index, item in enumerate(value):
                    walk(f"{prefix}[{index}]", item)
        elif value is not None:
            rows.append((prefix, str(value)))

    walk("", provenance)
    return rows[:80]


def provenance_datasets(provenance: dict[str, Any]) -> list[str]:
    """Hub dataset ids named in provenance.json (plain strings, or records whose path is a hub id)."""
    named = provenance.get("datasets")
    found: list[str] = []
    for item in named if isinstance(named, list) else []:
        # local files are recorded with their sha256; hub datasets by id (and revision) only
        value = item.get("path") if isinstance(item, dict) and not item.get("sha256") else item
        if isinstance(value, str) and HUB_ID_PATTERN.match(value) and value not in found:
            found.append(value)
    return found


def card_metadata(
    report: MetricsReport, card: CardRequest, base_model: str, provenance: dict[str, Any]
) -> dict[str, Any]:
    """The Hugging Face metadata header; ``model-index`` lists each gate's metric as an eval result."""
    datasets = list(card.datasets) or provenance_datasets(provenance)
    if not datasets:
        datasets = [d.name for d in report.datasets]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for gate in report.gates:
        if gate.value is None:
            continue
        kind = METRICS[gate.metric].source if gate.metric in METRICS else "domain"
        by_kind.setdefault(kind, []).append(
            {
                "type": gate.metric,
                "value": gate.value,
                "name": f"{gate.metric} ({gate.op} {fmt(gate.threshold)})",
                "verified": False,
            }
        )
    results = []
    for kind, metrics in by_kind.items():
        names = [d.name for d in report.datasets if d.kind == kind] or [kind]
        results.append(
            {
                "task": {"type": "text-generation", "name": "natural language to bash"},
                "dataset": {"name": ", ".join(names), "type": names[0]},
                "metrics": metrics,
            }
        )
    return {
        "base_model": base_model,
        "library_name": "peft",
        "license": card.license,
        "pipeline_tag": "text-generation",
        "tags": [
            "lora",
            "peft",
            "bash",
            "nl2bash",
            "securecli-eval",
            f"securecli-eval-{report.verdict.lower()}",
        ],
        "datasets": datasets,
        "model-index": [{"name": card.repo_id.split("/")[-1], "results": results}],
    }


def render_card(
    report: MetricsReport, card: CardRequest, base_model: str, version: str | None, provenance: dict
) -> str:
    import yaml

    env = environment("securecli_eval.release")
    metadata = card_metadata(report, card, base_model, provenance)
    system_prompt = str(report.generation.get("system_prompt") or "")
    text = env.get_template("model_card.md.j2").render(
        metadata_yaml=yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000),
        r=report,
        repo_id=card.repo_id,
        version=version,
        base_model=base_model,
        provenance=provenance_rows(provenance),
        safety_metrics=[name for name, m in METRICS.items() if m.safety],
        example_request=EXAMPLE_REQUEST,
        system_prompt=system_prompt,
    )
    return redact(text)
