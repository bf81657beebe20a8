"""Every bad input is a one-line error and pytest's usage-error exit (4), never a traceback or NO-SHIP (1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .test_end_to_end import PERMISSIVE, run_gates, write_config

pytestmark = pytest.mark.slow
USAGE = 4


def assert_usage_error(proc, *fragments: str) -> str:
    output = proc.stdout + proc.stderr
    assert proc.returncode == USAGE, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    lines = [line for line in output.splitlines() if "securecli-eval:" in line]
    assert len(lines) == 1, output[-3000:]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def config(tmp_path) -> Path:
    return write_config(tmp_path / "eval.yaml", PERMISSIVE)


def test_missing_adapter_option(config):
    proc = run_gates("--eval-config", str(config))
    assert_usage_error(proc, "--adapter PATH is required")


def test_adapter_path_does_not_exist(tmp_path, config):
    proc = run_gates("--adapter", str(tmp_path / "nope"), "--eval-config", str(config))
    assert_usage_error(proc, "no such folder")


def test_folder_without_adapter_config(tmp_path, config):
    (tmp_path / "empty").mkdir()
    proc = run_gates("--adapter", str(tmp_path / "empty"), "--eval-config", str(config))
    assert_usage_error(proc, "no adapter_config.json")


def test_base_model_not_found(tmp_path, tiny_adapter, config):
    adapter = tmp_path / "adapter"
    shutil.copytree(tiny_adapter, adapter)
    text = (adapter / "adapter_config.json").read_text()
    import json

    data = json.loads(text)
    data["base_model_name_or_path"] = "nobody/no-such-model"
    (adapter / "adapter_config.json").write_text(json.dumps(data))
    proc = run_gates("--adapter", str(adapter), "--eval-config", str(config))
    assert_usage_error(proc, "nobody/no-such-model", "not in the local Hugging Face cache")


def test_corrupt_safetensors(tmp_path, tiny_adapter, config):
    adapter = tmp_path / "adapter"
    shutil.copytree(tiny_adapter, adapter)
    weights = adapter / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    proc = run_gates("--adapter", str(adapter), "--eval-config", str(config))
    assert_usage_error(proc, "corrupt safetensors")


def test_adapter_shapes_do_not_match_base(tmp_path, tiny_adapter, config):
    from securecli_eval.testing import build_tiny_base

    other = build_tiny_base(tmp_path / "other-base", hidden_size=32)
    proc = run_gates(
        "--adapter",
        str(tiny_adapter),
        "--base-model",
        str(other),
        "--eval-config",
        str(config),
        "--results-dir",
        str(tmp_path / "results"),
    )
    assert_usage_error(proc, "does not fit base model", "size mismatch")


def test_malformed_jsonl_names_file_and_line(tmp_path, tiny_adapter):
    data = tmp_path / "broken.jsonl"
    data.write_text('{"instruction": "list files", "command": "ls"}\n{"instruction": "oops",\n')
    config = tmp_path / "eval.yaml"
    config.write_text(f"datasets:\n  - name: broken\n    path: {data}\nthresholds:\n  exact_match_min: 0\n")
    proc = run_gates("--adapter", str(tiny_adapter), "--eval-config", str(config))
    assert_usage_error(proc, f"{data}:2: invalid JSON")


def test_config_error_names_key_and_file(tmp_path, tiny_adapter):
    config = tmp_path / "eval.yaml"
    config.write_text("datasets:\n  - name: d\n    path: package:test.jsonl\nthreshold:\n  x: 1\n")
    proc = run_gates("--adapter", str(tiny_adapter), "--eval-config", str(config))
    assert_usage_error(proc, str(config), "unknown key 'threshold'")


def test_bad_limit_value(config, tiny_adapter):
    proc = run_gates("--adapter", str(tiny_adapter), "--eval-config", str(config), "--limit", "0")
    assert proc.returncode == USAGE and "--limit: must be a positive integer" in proc.stderr
