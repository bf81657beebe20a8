"""Reading a training config and resolving it into exactly what Axolotl will run.

The YAML a user writes and the YAML Axolotl receives differ in a few recorded ways:
command-line overrides, local paths made absolute (so ``adapter_config.json`` names a base
model that works from any folder), an explicit seed, and a prepared-dataset folder beside
the output instead of Axolotl's default ``last_run_prepared/`` in the working directory.
Both the file's sha256 and the resolved config's sha256 go into provenance.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from securecli_eval.errors import ConfigError
from securecli_eval.inputs.config import read_yaml_mapping

DEFAULT_SEED = 42
"""The Hugging Face Trainer's seed when Axolotl's ``seed`` is unset; written out so it is recorded."""


@dataclass(frozen=True)
class TrainingConfig:
    """A training config as written (``original``) and as it will run (``resolved``)."""

    path: Path
    sha256: str
    original: dict[str, Any]
    resolved: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.resolved, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def output_dir(self) -> Path:
        return Path(self.resolved["output_dir"])

    @property
    def base_model(self) -> str:
        return str(self.resolved.get("base_model", ""))


def read_yaml(path: Path) -> tuple[dict[str, Any], str]:
    """The config mapping and the sha256 of the file's bytes; ConfigError for anything unreadable."""
    return read_yaml_mapping(path, "training config", "pass a YAML file such as configs/tiny-cpu.yaml")


def _looks_local(value: str) -> bool:
    """A local path rather than a hub id like ``Qwen/Qwen2.5-Coder-7B`` (write ``./a/b`` if ambiguous)."""
    return value.startswith((".", "/", "~")) or value.count("/") != 1 or Path(value).exists()


def load_training_config(
    path: str | Path, base_model: str | None = None, output_dir: str | Path | None = None
) -> TrainingConfig:
    """Read ``path``, apply overrides and resolve paths (relative to the cwd, as Axolotl does)."""
    config_path = Path(path)
    original, sha256 = read_yaml(config_path)
    resolved = copy.deepcopy(original)
    changes: dict[str, Any] = {}

    def change(key: str, value: Any) -> None:
        if resolved.get(key) != value:
            changes[key] = value
            resolved[key] = value

    if base_model is not None:
        change("base_model", base_model)
    if output_dir is not None:
        change("output_dir", str(output_dir))
    for key in ("base_model", "output_dir"):
        if not isinstance(resolved.get(key), str) or not resolved[key].strip():
            raise ConfigError(f"{config_path}: '{key}' is required (a string); add it to the config")
    if _looks_local(resolved["base_model"]):
        change("base_model", str(Path(resolved["base_model"]).expanduser().resolve()))
    out = Path(resolved["output_dir"]).expanduser().resolve()
    change("output_dir", str(out))
    if not resolved.get("dataset_prepared_path"):
        change("dataset_prepared_path", str(out.parent / f"{out.name}-prepared"))
    if resolved.get("seed") is None:
        change("seed", DEFAULT_SEED)
    return TrainingConfig(config_path, sha256, original, resolved, changes)


def dataset_entries(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(role, entry) for every dataset Axolotl reads: ``datasets`` are train, ``test_datasets`` are val."""
    entries: list[tuple[str, dict[str, Any]]] = []
    for key, role in (("datasets", "train"), ("test_datasets", "val")):
        value = config.get(key) or []
        if not isinstance(value, list):
            raise ConfigError(f"'{key}' must be a list of dataset entries, got {type(value).__name__}")
        for index, entry in enumerate(value):
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                raise ConfigError(f"'{key}[{index}]' must be a mapping with a 'path' string")
            entries.append((role, entry))
    return entries


def write_resolved(config: TrainingConfig, folder: Path) -> Path:
    """The resolved config as the YAML file Axolotl is given."""
    target = folder / f"{config.path.stem}.resolved.yaml"
    target.write_text(yaml.safe_dump(config.resolved, sort_keys=False), encoding="utf-8")
    return target
