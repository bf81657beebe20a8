"""Shared fixtures for the package's own tests: tiny local models, never the hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_MODE", "offline")

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Qwen2 base model with a byte-level BPE tokenizer and chat template."""
    from securecli_eval.testing import build_tiny_base

    return build_tiny_base(tmp_path_factory.mktemp("tiny") / "base")


@pytest.fixture(scope="session")
def tiny_adapter(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-init LoRA adapter (rank 8 on q/v projections) for the tiny base."""
    from securecli_eval.testing import build_tiny_adapter

    return build_tiny_adapter(tiny_base, tmp_path_factory.mktemp("adapters") / "lora-r8")
