"""In-process generation with transformers: device, tokenizer, model (base + peft adapter), batches.

Prompts are rendered with the tokenizer's chat template, sorted by length and generated in
batches with left padding and greedy decoding; each batch is handed back as soon as it is
done, so the cache can keep it. Heavy imports (torch, transformers, peft)
happen inside the functions, so importing the package stays fast.
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


def render_prompts(tokenizer, instructions: Sequence[str], system_prompt: str) -> list[str]:
    """The chat-template text each instruction is sent as (exactly what the cache key covers)."""
    rendered = []
    for instruction in instructions:
        messages = chat_messages(instruction, system_prompt)
        rendered.append(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    return rendered


class HFBackend:
    """transformers ``generate`` in length-sorted, left-padded batches with greedy decoding."""

    def __init__(self, model, tokenizer, settings: GenerationSettings, device: str):
        self.model, self.tokenizer, self.settings, self.device = model, tokenizer, settings, device

    def generate(self, prompts: Sequence[str]) -> list[str]:
        outputs: list[str] = [""] * len(prompts)
        for positions, texts in self.batches(prompts):
            for position, text in zip(positions, texts, strict=True):
                outputs[position] = text
        return outputs

    def batches(self, prompts: Sequence[str]) -> Iterator[tuple[list[int], list[str]]]:
        """``(positions in prompts, outputs)`` as each batch finishes, shortest prompts first."""
        import torch

        encoded = [
            self.tokenizer(p, add_special_tokens=False)["input_ids"][-self.settings.max_prompt_tokens :]
            for p in prompts
        ]
        order = sorted(range(len(prompts)), key=lambda i: (len(encoded[i]), i))
        size = self.settings.batch_size
        pad = self.tokenizer.pad_token_id
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
            texts = [
                self.tokenizer.decode(generated[row, width:], skip_special_tokens=True).strip()
                for row in range(len(batch))
            ]
            yield batch, texts
