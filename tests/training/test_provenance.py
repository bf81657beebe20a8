"""Provenance records and the streamed runner, on real files and real subprocesses."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from pathlib import Path

from securecli_eval.inputs.adapter import adapter_sha256
from securecli_eval.training import provenance, runner

from ..conftest import PROJECT


def _fake_adapter(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text('{"r": 8}')
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    (folder / "debug.log").write_text("trained\n")
    return folder


def _record(output_dir: Path, sha: str | None) -> provenance.Provenance:
    return provenance.Provenance(
        started_at=provenance.now(),
        ended_at=provenance.now(),
        duration_s=1.0,
        exit_status=0,
        outcome="succeeded",
        output_dir=str(output_dir),
        adapter_sha256=sha,
        config={"path": "c.yaml", "sha256": "0" * 64},
        datasets=[],
        seed=0,
        git=provenance.git_state(PROJECT),
        packages=provenance.package_versions(),
        hardware=provenance.hardware(),
        command=["axolotl", "train", "c.yaml"],
        wandb=None,
    )


def test_writing_provenance_does_not_change_the_adapter_identity(tmp_path):
    adapter = _fake_adapter(tmp_path / "adapter")
    before = provenance.identify_adapter(adapter)
    assert before == adapter_sha256(adapter)
    written = provenance.write(_record(adapter, before), adapter)
    assert written.name == "provenance.json"
    assert provenance.identify_adapter(adapter) == before
    data = json.loads(written.read_text())
    assert data["adapter_sha256"] == before and data["schema_version"] == provenance.SCHEMA_VERSION
    assert {
        "git",
        "config",
        "datasets",
        "packages",
        "hardware",
        "seed",
        "started_at",
        "ended_at",
        "exit_status",
        "wandb",
    } <= set(data)


def test_no_weights_means_no_adapter_identity(tmp_path):
    (tmp_path / "adapter_config.json").write_text("{}")
    assert provenance.identify_adapter(tmp_path) is None


def test_git_state_of_the_project_and_outside_a_repository(tmp_path):
    state = provenance.git_state(PROJECT)
    assert re.fullmatch(r"[0-9a-f]{40}", state["commit"]) and isinstance(state["dirty"], bool)
    assert provenance.git_state(tmp_path) == {"commit": None, "dirty": None}


def test_dataset_records_hash_local_files_and_name_hub_datasets(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text('{"a": 1}\n')
    local = provenance.dataset_record("train", {"path": str(data), "type": "chat_template"}, data)
    assert local["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest() and local["bytes"] == 9
    hub = provenance.dataset_record("train", {"path": "org/data", "revision": "abc"}, None)
    assert hub["sha256"] is None and hub["revision"] == "abc"


def test_package_versions_and_hardware_are_recorded():
    versions = provenance.package_versions()
    assert set(provenance.PACKAGES) <= set(versions) and versions["torch"] and versions["transformers"]
    hardware = provenance.hardware()
    assert hardware["cpu_count"] >= 1 and isinstance(hardware["gpus"], list) and hardware["memory_gib"] > 0


def test_runner_streams_output_unchanged_and_keeps_the_tail():
    script = "import sys; print('step 1'); sys.stdout.write('50%\\r100%\\n'); print('done'); sys.exit(3)"
    sink = io.BytesIO()
    result = runner.run_streamed([sys.executable, "-c", script], runner.environment({}), sink=sink)
    assert result.exit_code == 3
    assert sink.getvalue() == b"step 1\n50%\r100%\ndone\n"
    assert result.tail == ("step 1", "50%", "100%", "done")


def test_runner_environment_puts_this_interpreter_first_on_path():
    env = runner.environment({"WANDB_RUN_ID": "abc"})
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    assert env["WANDB_RUN_ID"] == "abc" and env["AXOLOTL_DO_NOT_TRACK"] == "1"
