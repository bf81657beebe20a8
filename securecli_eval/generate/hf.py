"""In-process generation with transformers: device, tokenizer, model (base + peft adapter), batches.

Prompts are rendered with the tokenizer's chat template, sorted by length and generated in
batches with left padding and greedy decoding; each batch is handed back as soon as it is
done, so the cache can keep it. On CUDA the fast path transformers offers
for batched greedy decoding: bfloat16 weights, SDPA attention, a batch as large as free GPU
memory holds (halved on an out-of-memory error), and optionally a static KV cache that
transformers compiles. CPU behaviour (float32, the configured batch size) is unchanged.
Heavy imports (torch, transformers, peft) happen inside the functions, so importing the
package stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from securecli_eval.errors import AdapterError, ModelError
from securecli_eval.inputs.config import GenerationSettings
from securecli_eval.inputs.prompts import chat_messages


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
    options = {}
    if device == "cpu" and dtype == "auto":
        torch_dtype = torch.float32
    if device.startswith("cuda"):
        options["attn_implementation"] = "sdpa"
        if dtype == "auto":
            torch_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    try:
        model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch_dtype, **options)
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


def render_prompts(tokenizer, instructions: Sequence[str], system_prompt: str) -> list[str]:
    """The chat-template text each instruction is sent as (exactly what the cache key covers)."""
    rendered = []
    for instruction in instructions:
        messages = chat_messages(instruction, system_prompt)
        rendered.append(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    return rendered


MAX_AUTO_BATCH = 512
AUTO_BATCH_MEMORY_SHARE = 0.7  # of the free memory after loading, for the KV cache and activations


def auto_batch_size(model, device: str, prompt_tokens: int, new_tokens: int) -> int:
    """The largest batch whose KV cache and prefill activations fit in the free GPU memory.

    Per sequence: keys and values of every layer for prompt plus answer, the widest prefill
    activation (the MLP's intermediate layer) and float32 logits over the vocabulary; rounded
    down to a multiple of 8 and capped, since past a few hundred sequences a decoding step is
    no longer bound by memory traffic and larger batches stop paying.
    """
    import torch

    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    width = torch.finfo(model.dtype).bits // 8
    tokens = prompt_tokens + new_tokens
    kv_cache = 2 * config.num_hidden_layers * kv_heads * head_dim * width * tokens
    intermediate = getattr(config, "intermediate_size", None) or 4 * config.hidden_size
    prefill = prompt_tokens * (intermediate * 2 + config.hidden_size * 4) * width
    logits = config.vocab_size * 4 * 2
    free, _ = torch.cuda.mem_get_info(torch.device(device))
    fits = int(free * AUTO_BATCH_MEMORY_SHARE // (kv_cache + prefill + logits))
    return max(1, min(MAX_AUTO_BATCH, fits // 8 * 8 or fits))


def _is_out_of_memory(error: BaseException) -> bool:
    import torch

    return isinstance(error, torch.cuda.OutOfMemoryError)


class HFBackend:
    """transformers ``generate`` in length-sorted, left-padded batches with greedy decoding."""

    def __init__(self, model, tokenizer, settings: GenerationSettings, device: str):
        self.model, self.tokenizer, self.settings, self.device = model, tokenizer, settings, device
        self.generated_tokens = 0
        self.batch_size: int | None = None  # as used (on CUDA possibly chosen from memory, then halved)

    @property
    def on_cuda(self) -> bool:
        return self.device.startswith("cuda")

    def _batch_size(self, encoded: Sequence[list[int]]) -> int:
        if not self.on_cuda:
            return self.settings.batch_size
        if self.settings.cuda_batch_size != "auto":
            return self.settings.cuda_batch_size
        longest = max(len(ids) for ids in encoded)
        return auto_batch_size(self.model, self.device, longest, self.settings.max_new_tokens)

    def _generate_batch(self, encoded: Sequence[list[int]]) -> list[str]:
        import torch

        pad = self.tokenizer.pad_token_id
        width = max(len(ids) for ids in encoded)
        input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in encoded])
        mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in encoded])
        extra = {"cache_implementation": "static"} if self.on_cuda and self.settings.cuda_static_cache else {}
        with torch.inference_mode():
            generated = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=mask.to(self.device),
                max_new_tokens=self.settings.max_new_tokens,
                do_sample=False,
                num_beams=1,
                pad_token_id=pad,
                eos_token_id=self.tokenizer.eos_token_id,
                **extra,
            )
        answers = generated[:, width:]
        ends = answers == self.tokenizer.eos_token_id  # tokens up to and including the first end
        lengths = torch.where(ends.any(dim=1), ends.int().argmax(dim=1) + 1, answers.shape[1])
        self.generated_tokens += int(lengths.sum())
        return [self.tokenizer.decode(row, skip_special_tokens=True).strip() for row in answers]

    def batches(self, prompts: Sequence[str]) -> Iterator[tuple[list[int], list[str]]]:
        """``(positions in prompts, outputs)`` as each batch finishes, shortest prompts first."""
        encoded = [
            self.tokenizer(p, add_special_tokens=False)["input_ids"][-self.settings.max_prompt_tokens :]
            for p in prompts
        ]
        if not encoded:
            return
        order = sorted(range(len(prompts)), key=lambda i: (len(encoded[i]), i))
        self.batch_size = size = self._batch_size(encoded)
        start = 0
        while start < len(order):
            batch = order[start : start + size]
            try:
                outputs = self._generate_batch([encoded[i] for i in batch])
            except Exception as error:
                if not (self.on_cuda and size > 1 and _is_out_of_memory(error)):
                    raise
                import torch

                torch.cuda.empty_cache()
                self.batch_size = size = size // 2
                continue
            yield batch, outputs
            start += len(batch)

    def generate(self, prompts: Sequence[str]) -> list[str]:
        outputs = [""] * len(prompts)
        for positions, texts in self.batches(prompts):
            for position, text in zip(positions, texts, strict=True):
                outputs[position] = text
        return outputs
