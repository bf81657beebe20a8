"""Finding, fingerprinting and loading the base model and the LoRA adapter.

An adapter's identity is the sha256 over its files (sorted names and contents); everything
derived from it (cache entries, metrics.json, the published card) records that hash.
Everything cheap is validated before weights are loaded, so a wrong path fails in a second
with a one-line message instead of after minutes of loading.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import AdapterError, ModelError

ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
# files in an adapter folder that do not define the adapter (written before or after training)
NOT_ADAPTER = {"README.md", "provenance.json"}
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
)


def adapter_files(adapter_dir: Path) -> list[Path]:
    """The files that make up the adapter: top-level files except README.md, provenance.json and dotfiles."""
    return sorted(
        p
        for p in adapter_dir.iterdir()
        if p.is_file() and p.name not in NOT_ADAPTER and not p.name.startswith(".")
    )


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


def resolve_base(base: str) -> Path:
    """A local folder, or a hub id resolved through the local cache (downloaded only when online)."""
    local = Path(base).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelError(
                f"base model {base}: folder has no config.json; pass --base-model with a model folder"
            )
        return local
    if local.is_absolute() or base.startswith((".", "~")) or base.count("/") > 1:
        raise ModelError(f"base model {base}: no such folder; pass --base-model PATH_OR_ID")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}
    try:
        return Path(snapshot_download(base, local_files_only=True))
    except HFValidationError:
        raise ModelError(
            f"base model '{base}': not a folder nor a valid hub id; pass --base-model PATH_OR_ID"
        ) from None
    except Exception:
        if offline:
            raise ModelError(
                f"base model '{base}' is not in the local Hugging Face cache and HF_HUB_OFFLINE is set; "
                f"download it first (hf download {base}) or pass --base-model PATH"
            ) from None
    try:
        return Path(
            snapshot_download(
                base, allow_patterns=["*.json", "*.safetensors", "*.jinja", "*.txt", "*.model", "tokenizer*"]
            )
        )
    except Exception as error:
        raise ModelError(
            f"base model '{base}' could not be downloaded ({type(error).__name__}); "
            f"check the id and your HF_TOKEN, or pass --base-model PATH"
        ) from None


def base_fingerprint(base_dir: Path) -> str:
    """sha256 over config and tokenizer files, and each weight file's name, size, first and last MiB.

    Hashing every byte of a 15 GB checkpoint would take longer than the evaluation; a
    checkpoint whose config, tokenizer, sizes and both ends are unchanged is the same model
    for any practical purpose. Hub snapshots are additionally named by their commit.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in base_dir.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0")
        size = path.stat().st_size
        with path.open("rb") as handle:
            if path.suffix in {".json", ".jinja", ".txt", ".model"} or size <= 2 << 20:
                digest.update(handle.read())
            else:
                digest.update(str(size).encode())
                digest.update(handle.read(1 << 20))
                handle.seek(-(1 << 20), os.SEEK_END)
                digest.update(handle.read())
    return digest.hexdigest()


def pick_device(requested: str | None) -> str:
    import torch

    if requested:
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise ModelError(f"--device {requested}: CUDA is not available on this machine; use --device cpu")
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def tokenizer_source(adapter: Path | None, base_dir: Path) -> Path:
    """Training runs may save a changed tokenizer beside the adapter; prefer it when present."""
    if adapter is not None and (adapter / "tokenizer_config.json").is_file():
        return adapter
    return base_dir


def load_tokenizer(adapter: Path | None, base_dir: Path):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_source(adapter, base_dir)))
    except Exception as error:
        raise ModelError(
            f"tokenizer of {base_dir} could not be loaded ({str(error).splitlines()[0]})"
        ) from None
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        raise ModelError(f"tokenizer of {base_dir} has no chat template; use an instruct model or add one")
    return tokenizer


def load_model(base_dir: Path, adapter: Path | None, device: str, dtype: str, merge: bool):
    """Base model plus (optionally) the peft adapter, in eval mode on ``device``."""
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
    if device == "cpu" and dtype == "auto":
        torch_dtype = torch.float32
    try:
        model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch_dtype)
    except Exception as error:
        raise ModelError(
            f"base model {base_dir} could not be loaded ({str(error).splitlines()[0]})"
        ) from None
    if adapter is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(adapter))
        except Exception as error:
            first = str(error).strip().splitlines()
            detail = next(
                (line.strip() for line in first if "size mismatch" in line), first[0] if first else ""
            )
            raise AdapterError(
                f"adapter {adapter} does not fit base model {base_dir} ({detail[:300]}); "
                f"pass the --base-model it was trained on"
            ) from None
        if merge:
            model = model.merge_and_unload()
    return model.to(device).eval()
