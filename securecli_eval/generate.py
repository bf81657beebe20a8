"""Generation: batched, cached, with progress; backends behind one small interface.

Prompts are rendered with the tokenizer's chat template, sorted by length and generated in
batches with left padding and greedy decoding. Every output is cached on disk under a key
of (base fingerprint, adapter sha256, rendered prompt, generation settings), so a rerun with
an unchanged adapter loads no weights and generates nothing. The batch size is not part of
the key: it changes speed, not (beyond float rounding in padded batches) the greedy output.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from securecli_eval.config import GenerationSettings


class Backend(Protocol):
    """Anything that turns rendered prompts into completions (hf today; vllm later)."""

    def generate(self, prompts: Sequence[str]) -> list[str]: ...


def render_prompts(tokenizer, instructions: Sequence[str], system_prompt: str) -> list[str]:
    """The chat-template text each instruction is sent as (exactly what the cache key covers)."""
    rendered = []
    for instruction in instructions:
        messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": instruction}]
        rendered.append(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    return rendered


class HFBackend:
    """transformers ``generate`` in length-sorted, left-padded batches with greedy decoding."""

    def __init__(self, model, tokenizer, settings: GenerationSettings, device: str, progress: bool = True):
        self.model, self.tokenizer, self.settings, self.device, self.progress = (
            model,
            tokenizer,
            settings,
            device,
            progress,
        )

    def generate(self, prompts: Sequence[str]) -> list[str]:
        import torch
        from tqdm import tqdm

        encoded = [
            self.tokenizer(p, add_special_tokens=False)["input_ids"][-self.settings.max_prompt_tokens :]
            for p in prompts
        ]
        order = sorted(range(len(prompts)), key=lambda i: (len(encoded[i]), i))
        outputs: list[str] = [""] * len(prompts)
        size = self.settings.batch_size
        pad = self.tokenizer.pad_token_id
        bar = tqdm(
            total=len(prompts), desc="generating", unit="prompt", disable=not self.progress, leave=False
        )
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            width = max(len(encoded[i]) for i in batch)
            input_ids = torch.tensor([[pad] * (width - len(encoded[i])) + encoded[i] for i in batch])
            mask = torch.tensor([[0] * (width - len(encoded[i])) + [1] * len(encoded[i]) for i in batch])
            with torch.inference_mode():
                generated = self.model.generate(
                    input_ids=input_ids.to(self.device),
                    attention_mask=mask.to(self.device),
                    max_new_tokens=self.settings.max_new_tokens,
                    do_sample=False,
                    num_beams=1,
                    pad_token_id=pad,
                    eos_token_id=self.tokenizer.eos_token_id,
                )
            for row, index in enumerate(batch):
                outputs[index] = self.tokenizer.decode(
                    generated[row, width:], skip_special_tokens=True
                ).strip()
            bar.update(len(batch))
        bar.close()
        return outputs


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
    base_fingerprint: str, adapter_sha: str | None, prompt: str, settings: GenerationSettings
) -> str:
    payload = {
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


def generate_cached(
    prompts: Sequence[str],
    keys: Sequence[str],
    cache: GenerationCache | None,
    backend_factory: Callable[[], Backend],
) -> tuple[list[str], int]:
    """Outputs for ``prompts``; the backend (and so the model) is built only if something is missing.

    Returns the outputs and how many were generated now (0 on a fully cached rerun).
    """
    cached = cache.get_many(list(keys)) if cache else {}
    missing = [i for i, key in enumerate(keys) if key not in cached]
    if missing:
        backend = backend_factory()
        fresh = backend.generate([prompts[i] for i in missing])
        new = {keys[i]: out for i, out in zip(missing, fresh, strict=True)}
        if cache:
            cache.put_many(new)
        cached.update(new)
    return [cached[key] for key in keys], len(missing)
