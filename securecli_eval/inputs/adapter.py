"""The adapter's identity: checking its folder and hashing its files, without loading weights.

An adapter's identity is the sha256 over its files (sorted names and contents); everything
derived from it (cache entries, metrics.json, the published card) records that hash. Which
files those are is an allow-list (weights, adapter config, tokenizer files): a training
folder also holds logs (Axolotl's ``debug.log``, with local paths), checkpoints and optimizer
state that do not change what the adapter generates, so they are neither hashed nor uploaded.
Hashing and publishing read the same list, so what is sent is exactly what was evaluated.
Everything cheap is validated here before weights are loaded, so a wrong path fails in a
second with a one-line message instead of after minutes of loading. No torch import here:
publish refuses on a hash mismatch without ever loading a framework.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import AdapterError

ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
# the files that define what an adapter generates: weights, its peft config, and a tokenizer saved
# beside it (the evaluation loads a tokenizer from the adapter folder when there is one)
ADAPTER_FILES = frozenset(
    {
        *ADAPTER_WEIGHTS,
        "adapter_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.json",
        "vocab.txt",
        "merges.txt",
        "tokenizer.model",
        "chat_template.jinja",
        "chat_template.json",
    }
)
# published beside the adapter but not part of its identity: the card is written by publish,
# provenance.json by the training wrapper after it hashed the adapter
COMPANION_FILES = ("README.md", "provenance.json")


def adapter_files(adapter_dir: Path) -> list[Path]:
    """The files that make up the adapter: the allow-listed top-level files, by name."""
    return sorted(p for p in adapter_dir.iterdir() if p.name in ADAPTER_FILES and p.is_file())


def ignored_files(adapter_dir: Path) -> list[str]:
    """Top-level names in the folder that are neither adapter files nor companions (logs, checkpoints)."""
    known = ADAPTER_FILES | set(COMPANION_FILES)
    return sorted(p.name for p in adapter_dir.iterdir() if p.name not in known and not p.name.startswith("."))


def _files_digest(entries: Iterable[tuple[str, Iterable[bytes]]]) -> str:
    """The adapter hash format: for each file in name order, its name, a NUL, its bytes, a NUL."""
    digest = hashlib.sha256()
    for name, blocks in entries:
        digest.update(name.encode() + b"\0")
        for block in blocks:
            digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def adapter_sha256(adapter_dir: str | Path) -> str:
    """sha256 over the adapter's files: each file's name and content, in sorted order."""
    return _files_digest((path.name, _blocks(path)) for path in adapter_files(Path(adapter_dir)))


def contents_sha256(files: Iterable[tuple[str, bytes]]) -> str:
    """``adapter_sha256`` of files already in memory as (name, content): what is sent is what is hashed."""
    return _files_digest((name, (content,)) for name, content in sorted(files))


@dataclass(frozen=True)
class AdapterInfo:
    path: Path
    sha256: str
    base_model: str | None
    config: dict


def inspect_adapter(path: str | Path) -> AdapterInfo:
    """Check the adapter folder without loading weights: config, weights file, safetensors header."""
    adapter = Path(path)
    if not adapter.exists():
        raise AdapterError(f"--adapter {path}: no such folder; pass the output_dir of your training run")
    if not adapter.is_dir():
        raise AdapterError(f"--adapter {path}: is a file; pass the folder that holds adapter_config.json")
    config_file = adapter / "adapter_config.json"
    if not config_file.is_file():
        raise AdapterError(
            f"--adapter {path}: no adapter_config.json in this folder; is it a peft LoRA adapter folder?"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AdapterError(
            f"{config_file}: not valid JSON ({error}); re-save the adapter with peft"
        ) from None
    if not isinstance(config, dict):
        raise AdapterError(f"{config_file}: expected a JSON object; re-save the adapter with peft")
    weights = [adapter / name for name in ADAPTER_WEIGHTS if (adapter / name).is_file()]
    if not weights:
        raise AdapterError(
            f"--adapter {path}: no adapter_model.safetensors (or .bin); training may not have finished"
        )
    if weights[0].suffix == ".safetensors":
        _check_safetensors(weights[0])
    return AdapterInfo(adapter, adapter_sha256(adapter), config.get("base_model_name_or_path"), config)


def _check_safetensors(path: Path) -> None:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            names = list(handle.keys())
            for name in names:
                handle.get_slice(name).get_shape()
    except Exception as error:  # safetensors raises its own error types for truncated or garbled files
        raise AdapterError(
            f"{path}: corrupt safetensors file ({str(error).splitlines()[0]}); re-export the adapter"
        ) from None
    if not names:
        raise AdapterError(f"{path}: contains no tensors; re-export the adapter")
