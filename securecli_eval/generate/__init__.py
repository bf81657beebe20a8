"""Generation: every instruction answered once per (base model, adapter, backend), batched and cached.

``generate_outputs`` renders the prompts, looks them up in the cache, and builds a backend
(which loads the model, or connects to the server) only when something is missing. The
in-process transformers backend lives in ``hf.py``, the OpenAI-compatible client for serving
engines in ``openai.py``, the cache in ``cache.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from securecli_eval.generate.cache import GenerationCache, cache_key, generate_cached
from securecli_eval.generate.openai import OpenAIBackend, ServedModel, render_chats
from securecli_eval.generate.progress import Progress
from securecli_eval.inputs.adapter import AdapterInfo
from securecli_eval.inputs.config import GenerationSettings


def generate_outputs(
    instructions: Sequence[str],
    base_dir: Path,
    base_fingerprint: str,
    adapter: AdapterInfo | None,
    settings: GenerationSettings,
    cache_path: Path,
    device: str,
    progress: Progress | None = None,
    served: ServedModel | None = None,
) -> tuple[list[str], int]:
    """Outputs of base+adapter (or the base alone) for every instruction, and how many were generated now.

    With ``served`` the outputs come from that model on an OpenAI-compatible server (the
    adapter, or the base for the baseline) and ``device`` is unused.
    """
    adapter_sha = adapter.sha256 if adapter else None
    if served is not None:
        prompts = render_chats(instructions, settings.system_prompt)
        identity = served.cache_identity()
        keys = [cache_key(base_fingerprint, adapter_sha, p, settings, identity) for p in prompts]

        def backend() -> OpenAIBackend:
            return OpenAIBackend(served.endpoint, served.name, settings)

    else:
        from securecli_eval.generate.hf import HFBackend, load_model, load_tokenizer, render_prompts

        adapter_path = adapter.path if adapter is not None else None
        tokenizer = load_tokenizer(adapter_path, base_dir)
        prompts = render_prompts(tokenizer, instructions, settings.system_prompt)
        keys = [cache_key(base_fingerprint, adapter_sha, p, settings) for p in prompts]

        def backend() -> HFBackend:
            model = load_model(base_dir, adapter_path, device, settings.dtype, settings.merge_adapter)
            return HFBackend(model, tokenizer, settings, device)

    cache = GenerationCache(cache_path)
    try:
        label = "adapter" if adapter else "base model"
        return generate_cached(prompts, keys, cache, backend, progress, label)
    finally:
        cache.close()
