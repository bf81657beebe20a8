"""The in-process backend's GPU choices that can be checked without a GPU, and the GPU check script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from securecli_eval.generate.hf import MAX_AUTO_BATCH, HFBackend, auto_batch_size
from securecli_eval.inputs.config import GenerationSettings

from ..conftest import PROJECT


class _Config:
    num_attention_heads, num_key_value_heads, hidden_size, intermediate_size = 28, 4, 3584, 18944
    num_hidden_layers, vocab_size, head_dim = 28, 152064, 128


class _Model:
    config, dtype = _Config(), torch.bfloat16


@pytest.mark.parametrize(("free_gib", "expected"), [(0.001, 1), (1, 16), (8, 152), (120, MAX_AUTO_BATCH)])
def test_auto_batch_follows_free_memory_for_a_7b_model(monkeypatch, free_gib, expected):
    """Per sequence of 200 + 96 tokens: KV cache 2*28*4*128*2 B * 296 = 17.0 MB, prefill
    200 * (2*18944 + 4*3584) * 2 B = 20.9 MB, logits 152064 * 8 B = 1.2 MB: 39.1 MB; 70% of
    8 GiB holds 153 of them, 152 as a multiple of 8."""
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (int(free_gib * 2**30), 141 * 2**30))
    assert auto_batch_size(_Model(), "cuda", prompt_tokens=200, new_tokens=96) == expected


def test_out_of_memory_on_cuda_halves_the_batch_and_loses_no_prompt(monkeypatch):
    tried: list[int] = []

    def fake_batch(self, encoded):
        tried.append(len(encoded))
        if len(encoded) > 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return [f"out {len(ids)}" for ids in encoded]

    class Tokenizer:
        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": [1] * len(text)}

    monkeypatch.setattr(HFBackend, "_generate_batch", fake_batch)
    settings = GenerationSettings(cuda_batch_size=16)
    backend = HFBackend(None, Tokenizer(), settings, "cuda")
    prompts = ["x" * n for n in range(1, 11)]
    assert backend.generate(prompts) == [f"out {n}" for n in range(1, 11)]
    assert tried[:3] == [10, 8, 4] and backend.batch_size == 4


@pytest.mark.slow
def test_gpu_check_runs_end_to_end_in_its_cpu_smoke_mode(tmp_path: Path):
    proc = subprocess.run(
        ["bash", str(PROJECT / "benchmarks" / "gpu_check.sh"), "--tiny", "--prompts", "24"],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "24 prompts" in proc.stdout
    for label in ("adapter :", "baseline:"):
        line = next(line for line in proc.stdout.splitlines() if line.startswith(label))
        assert "prompts/s" in line and "tokens/s" in line
    assert "suite wall time (adapter + baseline, loading included)" in proc.stdout
