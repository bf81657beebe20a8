"""Real Axolotl on CPU: `python -m train configs/tiny-cpu.yaml`, then the release gate on its adapter.

Marked ``axolotl`` and ``slow`` (about two minutes on two cores); skip locally with
``-m "not axolotl"``. CI installs the [train] extra and runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import PROJECT
from ..test_end_to_end import PERMISSIVE, run_gates

pytestmark = [pytest.mark.slow, pytest.mark.axolotl]


def _eval_config(path: Path) -> Path:
    """The shipped test and adversarial sets (what the training data is checked against), permissive gates."""
    lines = [
        "generation:\n  max_new_tokens: 12\n  batch_size: 16\n",
        "datasets:\n",
        "  - name: test\n    kind: domain\n    path: package:test.jsonl\n",
        "  - name: adversarial\n    kind: adversarial\n    path: package:adversarial.jsonl\n",
        "thresholds:\n" + "".join(f"  {k}: {v}\n" for k, v in PERMISSIVE.items()),
        "sandbox:\n  enabled: false\n",
        f"cache_dir: {path.parent / 'cache'}\n",
    ]
    path.write_text("".join(lines))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    pytest.importorskip("axolotl", reason="needs the [train] extra: pip install -e .[train]")
    work = tmp_path_factory.mktemp("train")
    adapter = work / "adapter"
    eval_config = _eval_config(work / "eval.yaml")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "WANDB_MODE": "offline"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "train",
            "configs/tiny-cpu.yaml",
            "--base-model",
            str(work / "tiny-base"),
            "--build-tiny-base",
            "--output-dir",
            str(adapter),
            "--eval-config",
            str(eval_config),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    return adapter, eval_config, proc


def test_real_axolotl_trains_the_tiny_adapter_and_records_provenance(trained):
    adapter, _, proc = trained
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "FAIL" not in proc.stdout and "OK    contamination" in proc.stdout
    assert (adapter / "adapter_model.safetensors").is_file()
    record = json.loads((adapter / "provenance.json").read_text())
    config_bytes = (PROJECT / "configs" / "tiny-cpu.yaml").read_bytes()
    assert record["config"]["sha256"] == hashlib.sha256(config_bytes).hexdigest()
    train_file = PROJECT / "data" / "splits" / "train.jsonl"
    assert record["datasets"][0]["sha256"] == hashlib.sha256(train_file.read_bytes()).hexdigest()
    assert record["exit_status"] == 0 and record["outcome"] == "succeeded" and record["seed"] == 0
    assert record["packages"]["axolotl"] == "0.19.0" and record["git"]["commit"]
    assert record["started_at"] <= record["ended_at"] and record["wandb"] is None
    adapter_config = json.loads((adapter / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == record["config"]["resolved"]["base_model"]


def test_the_release_gate_sees_the_adapter_provenance_describes(trained, tmp_path):
    adapter, eval_config, proc = trained
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = tmp_path / "results"
    gates = run_gates(
        "--adapter",
        str(adapter),
        "--eval-config",
        str(eval_config),
        "--results-dir",
        str(results),
        "--limit",
        "16",
    )
    assert gates.returncode in (0, 1), gates.stdout[-3000:] + gates.stderr[-3000:]
    metrics = json.loads((results / "metrics.json").read_text())
    record = json.loads((adapter / "provenance.json").read_text())
    assert metrics["adapter"]["sha256"] == record["adapter_sha256"]
