"""Failure drills as code: recognise a known failure and say, in one line, what to change.

The seed's runbook said "Training OOM -> reduce batch / seq len". Here that advice is
computed from the config: the keys to change, their current values and suggested ones.
A missing dataset, an unknown config key and a GPU-only config without a GPU get the same
treatment, both before training (preflight) and from Axolotl's output after a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Axolotl 0.19 defaults, used when a key is absent from the config
AXOLOTL_DEFAULTS: dict[str, Any] = {
    "micro_batch_size": 1,
    "gradient_accumulation_steps": 1,
    "sequence_len": 512,
    "gradient_checkpointing": False,
    "load_in_4bit": False,
}
OUT_OF_MEMORY = re.compile(
    r"CUDA out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED|DefaultCPUAllocator: "
    r"(can't|not enough memory)|MPS backend out of memory|\bout of memory\b",
    re.IGNORECASE,
)
MISSING_DATASET = re.compile(r"FileNotFoundError|DatasetNotFoundError|Couldn't find a dataset|Unable to find")
DATASET_PATH = re.compile(r"'(?P<quoted>[^']+)'|(?P<bare>\S+\.(?:jsonl?|parquet|csv|arrow))\b")
NO_GPU = re.compile(
    r"Torch not compiled with CUDA enabled|No CUDA GPUs are available|Found no NVIDIA driver|"
    r"no CUDA-capable device|CUDA driver initialization failed|requires a CUDA|"
    r"bitsandbytes[^\n]*(?:GPU|CUDA)[^\n]*(?:required|not available|unavailable)",
    re.IGNORECASE,
)
SCHEMA_REJECTED = re.compile(r"validation errors? for Axolotl\w*")
KILLED = {-9, 137}  # SIGKILL, most often the kernel's out-of-memory killer


@dataclass(frozen=True)
class ConfigChange:
    """One config key to change: its current value and what to try instead."""

    key: str
    current: Any
    suggested: Any
    note: str = ""

    def describe(self) -> str:
        if self.current == self.suggested:
            return f"{self.key} already {_yaml(self.current)}"
        text = f"{self.key} {_yaml(self.current)} -> {_yaml(self.suggested)}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Diagnosis:
    """A recognised failure: its kind, a one-line explanation, and the config changes that answer it."""

    kind: str
    message: str
    changes: tuple[ConfigChange, ...] = ()


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _current(config: Mapping[str, Any], key: str) -> Any:
    value = config.get(key)
    return AXOLOTL_DEFAULTS.get(key) if value is None else value


def out_of_memory_changes(config: Mapping[str, Any]) -> tuple[ConfigChange, ...]:
    """Halve the batch (doubling accumulation keeps the effective batch), halve the sequence, save memory."""
    batch = int(_current(config, "micro_batch_size"))
    accumulation = int(_current(config, "gradient_accumulation_steps"))
    sequence = int(_current(config, "sequence_len"))
    checkpointing = _current(config, "gradient_checkpointing")
    four_bit = bool(_current(config, "load_in_4bit"))
    changes = [ConfigChange("micro_batch_size", batch, max(1, batch // 2))]
    if batch > 1:
        changes.append(
            ConfigChange(
                "gradient_accumulation_steps",
                accumulation,
                accumulation * 2,
                "keeps the effective batch size",
            )
        )
    shorter = max(min(sequence, 128), sequence // 2)  # never below 128 tokens, never above the current
    changes.append(ConfigChange("sequence_len", sequence, shorter, "drops longer examples"))
    changes.append(ConfigChange("gradient_checkpointing", checkpointing, checkpointing or True))
    changes.append(
        ConfigChange("load_in_4bit", four_bit, True, "" if four_bit else "with adapter: qlora; needs a GPU")
    )
    return tuple(changes)


def out_of_memory(config: Mapping[str, Any], where: str, evidence: str) -> Diagnosis:
    changes = out_of_memory_changes(config)
    return Diagnosis(
        "out_of_memory",
        f"training ran out of memory ({evidence}); change in {where}: "
        + ", ".join(change.describe() for change in changes)
        + "; then rerun",
        changes,
    )


def missing_dataset(path: str, where: str) -> Diagnosis:
    return Diagnosis(
        "missing_dataset",
        f"dataset '{path}' (in {where}) does not exist; fix its path, or build the shipped splits "
        f"with `securecli-eval data build --out data/splits`",
    )


def bad_config_key(key: str, suggestion: str | None, where: str) -> Diagnosis:
    hint = f"did you mean '{suggestion}'?" if suggestion else "remove it or check Axolotl's config reference"
    return Diagnosis(
        "bad_config_key",
        f"'{key}' in {where} is not an Axolotl config key, so Axolotl would silently ignore it; {hint}",
    )


def gpu_only_settings(config: Mapping[str, Any]) -> list[str]:
    """The settings of ``config`` that need a CUDA GPU (empty for a config that can run on CPU)."""
    reasons = []
    for key in (
        "load_in_4bit",
        "load_in_8bit",
        "fp16",
        "flash_attention",
        "deepspeed",
        "fsdp",
        "fsdp_config",
    ):
        if config.get(key):
            reasons.append(f"{key}: {_yaml(config[key]) if not isinstance(config[key], dict) else '...'}")
    if config.get("bf16") is True:
        reasons.append("bf16: true")
    if str(config.get("attn_implementation", "")).startswith("flash"):
        reasons.append(f"attn_implementation: {config['attn_implementation']}")
    if config.get("adapter") in ("lora", "qlora"):
        kernels = ("lora_mlp_kernel", "lora_qkv_kernel", "lora_o_kernel")
        unset = [k for k in kernels if config.get(k) is None]
        if unset:
            reasons.append(f"{', '.join(unset)} unset (Axolotl then enables its CUDA kernels)")
        reasons.extend(f"{k}: true" for k in kernels if config.get(k) is True)
    return reasons


def no_gpu(reasons: Sequence[str], where: str) -> Diagnosis:
    return Diagnosis(
        "no_gpu",
        f"{where} needs a CUDA GPU ({'; '.join(reasons)}) but none is visible; run it on a GPU machine "
        f"or use configs/tiny-cpu.yaml for a CPU run",
    )


def recognise(
    output: Iterable[str], exit_code: int, config: Mapping[str, Any], where: str
) -> Diagnosis | None:
    """Explain a failed ``axolotl train`` from its last lines of output, or None when it is not recognised."""
    lines = [line.strip() for line in output if line.strip()]
    text = "\n".join(lines)
    match = OUT_OF_MEMORY.search(text)
    if match:
        return out_of_memory(config, where, match.group(0))
    if exit_code in KILLED:
        return out_of_memory(config, where, "killed by SIGKILL, usually the kernel's out-of-memory killer")
    line = next((line for line in reversed(lines) if MISSING_DATASET.search(line)), None)
    if line is not None:
        named = DATASET_PATH.search(line[MISSING_DATASET.search(line).end() :])  # type: ignore[union-attr]
        return missing_dataset(named.group("quoted") or named.group("bare") if named else "?", where)
    match = NO_GPU.search(text)
    if match:
        return no_gpu([match.group(0)], where)
    match = SCHEMA_REJECTED.search(text)
    if match:
        detail = next((line for line in reversed(lines) if "[type=" in line or "Value error" in line), "")
        return Diagnosis(
            "bad_config", f"Axolotl rejected {where}: {detail or match.group(0)}; fix the key it names"
        )
    return None
