"""The base model: finding it (a local folder or the Hugging Face cache) and fingerprinting it.

Both are cheap checks that run before any weights load; the fingerprint names the base in
every cache key and in metrics.json.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from securecli_eval.errors import ModelError


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
