"""The generation cache: a rerun with an unchanged adapter loads no weights and generates nothing.

Every output is cached on disk under a key of (base fingerprint, adapter sha256, rendered
prompt, generation settings, backend). The batch size is not part of the key: it changes speed,
not (beyond float rounding in padded batches) the greedy output. The backend is: outputs of the
in-process model and of a served one (named by endpoint, model and what the server reported
about it) never stand in for each other. Outputs are committed after every batch, so a run
that is killed at minute 40 keeps 40 minutes of work: the rerun generates only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from securecli_eval.generate.progress import Progress
from securecli_eval.inputs.config import GenerationSettings

# prompts handed at once to a backend that cannot report batches itself (then committed)
CHUNK = 64


class Backend(Protocol):
    """Anything that turns rendered prompts into completions, in order.

    A backend may also offer ``batches(prompts)``, yielding ``(positions, outputs)`` as each
    batch finishes; the cache then commits every batch as soon as it is generated.
    """

    def generate(self, prompts: Sequence[str]) -> list[str]: ...


class GenerationCache:
    """A sqlite file of key -> output; safe across runs and processes."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path))
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS generations (key TEXT PRIMARY KEY, output TEXT NOT NULL)"
        )

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(f"SELECT key, output FROM generations WHERE key IN ({marks})", chunk)
            )
        return found

    def put_many(self, items: dict[str, str]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO generations VALUES (?, ?)", items.items())

    def close(self) -> None:
        self._db.close()


def cache_key(
    base_fingerprint: str,
    adapter_sha: str | None,
    prompt: str,
    settings: GenerationSettings,
    backend: Mapping[str, object] | None = None,
) -> str:
    """``backend``: who generates (default the in-process transformers model, ``{"name": "hf"}``)."""
    payload = {
        "backend": dict(backend) if backend else {"name": "hf"},
        "base": base_fingerprint,
        "adapter": adapter_sha or "none",
        "prompt": prompt,
        "max_new_tokens": settings.max_new_tokens,
        "dtype": settings.dtype,
        "merge_adapter": settings.merge_adapter,
        "max_prompt_tokens": settings.max_prompt_tokens,
        "decoding": "greedy",
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def in_batches(backend: Backend, prompts: Sequence[str]) -> Iterator[tuple[list[int], list[str]]]:
    """``(positions, outputs)`` per finished batch: the backend's own batches, else chunks of CHUNK."""
    batches = getattr(backend, "batches", None)
    if batches is not None:
        yield from batches(prompts)
        return
    for start in range(0, len(prompts), CHUNK):
        positions = list(range(start, min(start + CHUNK, len(prompts))))
        yield positions, backend.generate([prompts[i] for i in positions])


def generate_cached(
    prompts: Sequence[str],
    keys: Sequence[str],
    cache: GenerationCache | None,
    backend_factory: Callable[[], Backend],
    progress: Progress | None = None,
    label: str = "adapter",
) -> tuple[list[str], int]:
    """Outputs for ``prompts``; the backend (and so the model) is built only if something is missing.

    Each finished batch is committed to the cache before the next one starts. Returns the
    outputs and how many were generated now (0 on a fully cached rerun).
    """
    cached = cache.get_many(list(keys)) if cache else {}
    missing = [i for i, key in enumerate(keys) if key not in cached]
    if missing:
        backend = backend_factory()
        if progress is not None:
            progress.begin(label, len(missing), len(keys) - len(missing))
        for positions, outputs in in_batches(backend, [prompts[i] for i in missing]):
            new = {keys[missing[p]]: out for p, out in zip(positions, outputs, strict=True)}
            if cache:
                cache.put_many(new)
            cached.update(new)
            if progress is not None:
                progress.advance(len(positions))
        if progress is not None:
            progress.end()
    return [cached[key] for key in keys], len(missing)
