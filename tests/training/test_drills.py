"""Failure drills: known failures are recognised and answered with concrete config changes."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from securecli_eval.training import drills

from ..conftest import PROJECT

QLORA = {
    "micro_batch_size": 8,
    "gradient_accumulation_steps": 4,
    "sequence_len": 2048,
    "gradient_checkpointing": False,
    "load_in_4bit": True,
}
CUDA_OOM = [
    '  File "trainer.py", line 3, in training_step',
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity "
    "of 15.77 GiB of which 1.02 GiB is free.",
]


def _config(name: str) -> dict:
    return yaml.safe_load((PROJECT / "configs" / name).read_text())


def test_cuda_oom_names_each_key_with_its_current_and_suggested_value():
    diagnosis = drills.recognise(CUDA_OOM, 1, QLORA, "configs/x.yaml")
    assert diagnosis is not None and diagnosis.kind == "out_of_memory"
    assert "\n" not in diagnosis.message and "configs/x.yaml" in diagnosis.message
    for fragment in (
        "micro_batch_size 8 -> 4",
        "gradient_accumulation_steps 4 -> 8",
        "sequence_len 2048 -> 1024",
        "gradient_checkpointing false -> true",
        "load_in_4bit already true",
    ):
        assert fragment in diagnosis.message
    assert {c.key for c in diagnosis.changes} == {
        "micro_batch_size",
        "gradient_accumulation_steps",
        "sequence_len",
        "gradient_checkpointing",
        "load_in_4bit",
    }


def test_oom_uses_axolotl_defaults_for_absent_keys():
    diagnosis = drills.recognise(["RuntimeError: CUDA out of memory."], 1, {}, "c.yaml")
    assert diagnosis is not None
    assert "micro_batch_size already 1" in diagnosis.message
    assert "sequence_len 512 -> 256" in diagnosis.message
    assert "load_in_4bit false -> true (with adapter: qlora; needs a GPU)" in diagnosis.message


def test_sigkill_without_message_is_treated_as_host_out_of_memory():
    diagnosis = drills.recognise(["step 10/100"], -9, QLORA, "c.yaml")
    assert diagnosis is not None and diagnosis.kind == "out_of_memory"
    assert "SIGKILL" in diagnosis.message


def test_missing_dataset_is_named():
    lines = ["FileNotFoundError: Unable to find '/data/splits/trian.jsonl'"]
    diagnosis = drills.recognise(lines, 1, {}, "c.yaml")
    assert diagnosis is not None and diagnosis.kind == "missing_dataset"
    assert (
        "'/data/splits/trian.jsonl'" in diagnosis.message and "securecli-eval data build" in diagnosis.message
    )


def test_missing_gpu_is_explained():
    diagnosis = drills.recognise(["AssertionError: Torch not compiled with CUDA enabled"], 1, {}, "c.yaml")
    assert diagnosis is not None and diagnosis.kind == "no_gpu"
    assert "configs/tiny-cpu.yaml" in diagnosis.message


def test_schema_rejection_from_axolotl_output():
    lines = [
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for AxolotlConfigWCapabilities",
        "micro_batch_size",
        "  Input should be a valid integer [type=int_parsing, input_value='eight', input_type=str]",
    ]
    diagnosis = drills.recognise(lines, 1, {}, "c.yaml")
    assert diagnosis is not None and diagnosis.kind == "bad_config"
    assert "int_parsing" in diagnosis.message


def test_unrecognised_failure_is_not_guessed():
    assert drills.recognise(["ValueError: something else entirely"], 1, QLORA, "c.yaml") is None


def test_bad_config_key_suggests_the_closest_key():
    message = drills.bad_config_key("micro_batchsize", "micro_batch_size", "c.yaml").message
    assert "did you mean 'micro_batch_size'?" in message and "silently ignore" in message


def test_shipped_cpu_config_needs_no_gpu_and_production_config_does():
    assert drills.gpu_only_settings(_config("tiny-cpu.yaml")) == []
    reasons = drills.gpu_only_settings(_config("qlora-qwen2.5-coder-7b.yaml"))
    assert "load_in_4bit: true" in reasons


def test_lora_without_explicit_kernel_switches_is_gpu_only():
    reasons = drills.gpu_only_settings({"adapter": "lora", "lora_mlp_kernel": False})
    assert reasons and "lora_qkv_kernel" in reasons[0] and "lora_mlp_kernel" not in reasons[0]


@given(
    batch=st.integers(1, 512),
    accumulation=st.integers(1, 64),
    sequence=st.integers(16, 32768),
    checkpointing=st.booleans(),
    four_bit=st.booleans(),
)
def test_oom_advice_never_asks_for_more_memory(batch, accumulation, sequence, checkpointing, four_bit):
    config = {
        "micro_batch_size": batch,
        "gradient_accumulation_steps": accumulation,
        "sequence_len": sequence,
        "gradient_checkpointing": checkpointing,
        "load_in_4bit": four_bit,
    }
    changes = {c.key: c for c in drills.out_of_memory_changes(config)}
    assert 1 <= changes["micro_batch_size"].suggested <= batch
    assert changes["sequence_len"].suggested <= sequence
    assert changes["sequence_len"].suggested >= min(sequence, 128)
    assert changes["gradient_checkpointing"].suggested and changes["load_in_4bit"].suggested is True
    if batch > 1:
        assert changes["micro_batch_size"].suggested < batch
        assert changes["gradient_accumulation_steps"].suggested == 2 * accumulation
    assert all(c.current == config[c.key] for c in changes.values())


def test_out_of_memory_in_the_shipped_production_config():
    config = _config("qlora-qwen2.5-coder-7b.yaml")
    message = drills.out_of_memory(
        config, "configs/qlora-qwen2.5-coder-7b.yaml", "CUDA out of memory"
    ).message
    assert f"micro_batch_size {config['micro_batch_size']} -> {config['micro_batch_size'] // 2}" in message
    assert Path("configs/qlora-qwen2.5-coder-7b.yaml").name in message
