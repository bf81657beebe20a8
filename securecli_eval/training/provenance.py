"""``provenance.json``: what produced an adapter, written into the adapter's folder after training.

It records the code (git commit and whether the tree was dirty), the config (file and resolved
sha256), the data (each dataset's path and sha256), the software and hardware, the seed, the
times, the exit status and the W&B run. ``securecli_eval.inputs.adapter.adapter_sha256`` leaves this file
out of the adapter's identity, so writing it does not change the hash metrics.json reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from securecli_eval import lineage
from securecli_eval.inputs.adapter import ADAPTER_WEIGHTS, adapter_sha256
from securecli_eval.lineage import git_state  # noqa: F401  (part of this module's interface)

FILENAME = "provenance.json"
SCHEMA_VERSION = "1.0"
PACKAGES = ("torch", "transformers", "peft", "axolotl", "accelerate", "datasets", "trl", "securecli-eval")


@dataclass(frozen=True)
class Provenance:
    """The lineage record; ``as_json`` is the file's content."""

    started_at: str
    ended_at: str
    duration_s: float
    exit_status: int
    outcome: str
    output_dir: str
    adapter_sha256: str | None
    config: dict[str, Any]
    datasets: list[dict[str, Any]]
    seed: int | None
    git: dict[str, Any]
    packages: dict[str, str | None]
    hardware: dict[str, Any]
    command: list[str]
    wandb: dict[str, Any] | None
    failure: dict[str, Any] | None = None
    schema_version: str = field(default=SCHEMA_VERSION)

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_record(role: str, entry: dict[str, Any], local: Path | None) -> dict[str, Any]:
    """Path and sha256 of a local dataset file (hub datasets are recorded by id and revision)."""
    record: dict[str, Any] = {"role": role, "path": str(entry["path"]), "type": entry.get("type")}
    if entry.get("split"):
        record["split"] = entry["split"]
    if local is not None and local.is_file():
        record.update(path=str(local.resolve()), sha256=file_sha256(local), bytes=local.stat().st_size)
    else:
        record.update(sha256=None, revision=entry.get("revision"))
    return record


def package_versions() -> dict[str, str | None]:
    return lineage.package_versions(PACKAGES)


def hardware() -> dict[str, Any]:
    """CPU, memory and every visible CUDA device (name, memory), as the run saw them."""
    info: dict[str, Any] = {
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "gpus": [],
    }
    try:
        import torch

        info["cuda"] = torch.version.cuda
        if torch.cuda.is_available():
            for index in range(torch.cuda.device_count()):
                props = torch.cuda.get_device_properties(index)
                info["gpus"].append({"name": props.name, "memory_gib": round(props.total_memory / 2**30, 1)})
    except ImportError:
        info["cuda"] = None
    return info


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def identify_adapter(output_dir: Path) -> str | None:
    """The adapter's sha256 as securecli-eval computes it, or None when no adapter weights were written."""
    if not any((output_dir / name).is_file() for name in ADAPTER_WEIGHTS):
        return None
    return adapter_sha256(output_dir)


def write(record: Provenance, output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / FILENAME
    target.write_text(record.as_json(), encoding="utf-8")
    return target
