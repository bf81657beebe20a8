"""Preflight checks of the training wrapper, on real files and (where needed) real Axolotl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from securecli_eval.errors import ConfigError
from securecli_eval.training import preflight, schema, tracking
from securecli_eval.training.cli import main
from securecli_eval.training.config import DEFAULT_SEED, load_training_config

from ..conftest import PROJECT

TINY = PROJECT / "configs" / "tiny-cpu.yaml"
PRODUCTION = PROJECT / "configs" / "qlora-qwen2.5-coder-7b.yaml"


def _messages(instruction: str, command: str) -> dict:
    return {
        "instruction": instruction,
        "command": command,
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": instruction},
            {"role": "assistant", "content": command},
        ],
    }


TRAIN_ROWS = [
    _messages("show the calendar of the current month", "cal"),
    _messages("print the name of the machine's kernel", "uname -s"),
    _messages("count the words in notes.txt", "wc -w notes.txt"),
]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A training config over a small local dataset, and an eval config whose test set it does not overlap."""
    _write_jsonl(tmp_path / "train.jsonl", TRAIN_ROWS)
    _write_jsonl(
        tmp_path / "test.jsonl",
        [{"id": "t1", "instruction": "list every running docker container", "command": "docker ps"}],
    )
    (tmp_path / "eval.yaml").write_text("datasets:\n  - name: test\n    kind: domain\n    path: test.jsonl\n")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "config.json").write_text("{}")
    config = {
        "base_model": str(tmp_path / "base"),
        "output_dir": str(tmp_path / "out"),
        "datasets": [
            {"path": str(tmp_path / "train.jsonl"), "type": "chat_template", "field_messages": "messages"}
        ],
        "adapter": "lora",
        "lora_mlp_kernel": False,
        "lora_qkv_kernel": False,
        "lora_o_kernel": False,
    }
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


def _load(workspace: Path, **changes) -> preflight.TrainingConfig:
    data = yaml.safe_load((workspace / "train.yaml").read_text())
    data.update(changes)
    (workspace / "train.yaml").write_text(yaml.safe_dump(data))
    return load_training_config(workspace / "train.yaml")


def _options(workspace: Path, **kwargs) -> preflight.PreflightOptions:
    return preflight.PreflightOptions(workspace / "eval.yaml", cuda_available=False, **kwargs)


# config loading


def test_resolution_makes_local_paths_absolute_and_records_every_change(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    config = load_training_config("train.yaml", base_model="./base", output_dir="runs/a")
    assert config.resolved["base_model"] == str(workspace / "base")
    assert config.resolved["output_dir"] == str(workspace / "runs" / "a")
    assert config.resolved["dataset_prepared_path"] == str(workspace / "runs" / "a-prepared")
    assert config.resolved["seed"] == DEFAULT_SEED and config.changes["seed"] == DEFAULT_SEED
    assert "seed" not in config.original
    assert len(config.sha256) == 64 and config.resolved_sha256 != config.sha256


def test_hub_ids_stay_hub_ids():
    config = load_training_config(PRODUCTION)
    assert config.base_model == "Qwen/Qwen2.5-Coder-7B-Instruct" and "base_model" not in config.changes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "training config not found"),
        ("base_model: [unclosed\n", r"train\.yaml:\d+: .*fix the YAML syntax"),
        ("- a list\n", "expected a mapping"),
        ("base_model: x\n", "'output_dir' is required"),
    ],
)
def test_unusable_config_files_are_one_line_errors(tmp_path, text, expected):
    if text is not None:
        (tmp_path / "train.yaml").write_text(text)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_training_config(tmp_path / "train.yaml")
    assert "\n" not in str(caught.value)


# individual checks


def test_hub_push_is_refused_unless_allowed(workspace):
    config = _load(workspace, hub_model_id="me/adapter", hub_strategy="every_save")
    refused = preflight.hub_push(config, _options(workspace))
    assert refused.status == "fail"
    assert "hub_model_id, hub_strategy" in refused.message and "securecli-eval publish" in refused.message
    assert preflight.hub_push(config, _options(workspace, allow_hub_push=True)).status == "warn"
    clean = _load(workspace, hub_model_id=None, hub_strategy=None)
    assert preflight.hub_push(clean, _options(workspace)).status == "ok"
    sneaked = preflight.hub_push(clean, _options(workspace, extra_args=("--push_dataset_to_hub=me/data",)))
    assert sneaked.status == "fail" and "push_dataset_to_hub" in sneaked.message
    dashed = preflight.hub_push(clean, _options(workspace, extra_args=("--hub-model-id", "me/x")))
    assert dashed.status == "fail" and "hub_model_id" in dashed.message


def test_datasets_ok_counts_rows(workspace):
    check = preflight.datasets(_load(workspace), _options(workspace))
    assert check.status == "ok" and "(3 rows)" in check.message


def test_missing_dataset_fails_with_the_drill(workspace):
    check = preflight.datasets(
        _load(workspace, datasets=[{"path": "./nope.jsonl", "type": "chat_template"}]), _options(workspace)
    )
    assert (
        check.status == "fail"
        and "dataset './nope.jsonl'" in check.message
        and "does not exist" in check.message
    )


def test_malformed_line_is_named_by_file_and_line(workspace):
    with (workspace / "train.jsonl").open("a") as handle:
        handle.write("{not json\n")
    check = preflight.datasets(_load(workspace), _options(workspace))
    assert check.status == "fail" and "train.jsonl:4: not valid JSON" in check.message


def test_rows_without_the_configured_messages_field_fail(workspace):
    _write_jsonl(workspace / "train.jsonl", [{"instruction": "a", "command": "b"}])
    check = preflight.datasets(_load(workspace), _options(workspace))
    assert check.status == "fail" and "train.jsonl:1: no 'messages' list" in check.message


def test_output_dir_that_is_a_file_fails(workspace):
    (workspace / "out").write_text("")
    assert preflight.output_dir(_load(workspace), _options(workspace)).status == "fail"


def test_output_dir_with_an_adapter_warns(workspace):
    (workspace / "out").mkdir()
    (workspace / "out" / "adapter_config.json").write_text("{}")
    assert preflight.output_dir(_load(workspace), _options(workspace)).status == "warn"


def test_base_model_checks(workspace):
    assert preflight.base_model(_load(workspace), _options(workspace)).status == "ok"
    missing = preflight.base_model(
        _load(workspace, base_model=str(workspace / "tiny-base")), _options(workspace)
    )
    assert missing.status == "fail" and "--build-tiny-base" in missing.message
    uncached = preflight.base_model(
        _load(workspace, base_model="nobody-here/no-such-model"), _options(workspace)
    )
    assert uncached.status == "fail" and "HF_HUB_OFFLINE" in uncached.message  # conftest sets it


def test_gpu_only_config_fails_without_a_gpu(workspace):
    config = _load(workspace, load_in_4bit=True, adapter="qlora")
    check = preflight.gpu(config, _options(workspace))
    assert check.status == "fail" and "load_in_4bit: true" in check.message
    with_gpu = preflight.PreflightOptions(workspace / "eval.yaml", cuda_available=True)
    assert preflight.gpu(config, with_gpu).status == "ok"
    assert (
        preflight.gpu(_load(workspace, load_in_4bit=False, adapter="lora"), _options(workspace)).status
        == "ok"
    )


def test_contamination_passes_on_disjoint_data(workspace):
    check = preflight.contamination(_load(workspace), _options(workspace))
    assert check.status == "ok" and "3 training rows" in check.message


def test_contamination_fails_when_a_gate_example_is_trained_on(workspace):
    _write_jsonl(
        workspace / "train.jsonl",
        [*TRAIN_ROWS, _messages("list every running docker container", "docker ps")],
    )
    check = preflight.contamination(_load(workspace), _options(workspace))
    assert check.status == "fail"
    assert (
        "1 of 1 examples of test.jsonl overlap" in check.message
        and "securecli-eval data check" in check.message
    )


def test_contamination_with_a_missing_eval_config_fails(workspace):
    options = preflight.PreflightOptions(workspace / "nope.yaml", cuda_available=False)
    check = preflight.contamination(_load(workspace), options)
    assert check.status == "fail" and "nope.yaml" in check.message


# W&B


@pytest.mark.parametrize(
    ("config", "environ", "status", "fragment"),
    [
        ({}, {}, "ok", "W&B off"),
        ({"wandb_name": "x"}, {}, "warn", "no wandb_project"),
        ({"wandb_project": "p"}, {"WANDB_MODE": "disabled"}, "warn", "disables W&B"),
        ({"wandb_project": "p", "wandb_mode": "disabled"}, {}, "warn", "wandb_mode disables"),
        ({"wandb_project": "p"}, {}, "fail", "no API key"),
        ({"wandb_project": "p"}, {"WANDB_API_KEY": "k"}, "ok", "W&B online"),
        ({"wandb_project": "p"}, {"WANDB_MODE": "offline"}, "ok", "W&B offline"),
        ({"wandb_project": "p", "wandb_mode": "sometimes"}, {}, "fail", "not one of"),
        (
            {"wandb_project": "p", "wandb_log_model": "end"},
            {"WANDB_MODE": "offline"},
            "warn",
            "uploads the adapter",
        ),
    ],
)
def test_wandb_coherence(config, environ, status, fragment, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc from `wandb login`
    got_status, message = tracking.coherence(config, environ)
    assert (got_status, fragment in message) == (status, True), message


def test_run_id_is_fixed_only_for_tracked_runs():
    assert tracking.with_run_id(tracking.plan({}, {})).run_id is None
    tracked = tracking.with_run_id(tracking.plan({"wandb_project": "p"}, {"WANDB_MODE": "offline"}))
    assert tracked.enabled and tracked.run_id and len(tracked.run_id) == 12
    fixed = tracking.with_run_id(tracking.plan({"wandb_project": "p", "wandb_run_id": "mine"}, {}))
    assert fixed.run_id == "mine"


def test_run_url_is_read_from_wandb_output():
    lines = [
        "wandb: Syncing run tiny",
        "wandb: 🚀 View run tiny at: https://wandb.ai/team/proj/runs/ab12cd34ef56",
    ]
    assert tracking.run_url(lines) == "https://wandb.ai/team/proj/runs/ab12cd34ef56"
    assert tracking.run_url(["no url here"]) is None


# Axolotl's schema (real Axolotl)


axolotl_needed = pytest.mark.skipif(schema.axolotl_version() is None, reason="needs the [train] extra")


@axolotl_needed
def test_shipped_configs_pass_axolotls_schema():
    for path in (TINY, PRODUCTION):
        check = preflight.axolotl_schema(load_training_config(path), preflight.PreflightOptions(Path("x")))
        assert check.status == "ok", check.message


@axolotl_needed
def test_typo_key_is_caught_with_a_suggestion(workspace):
    check = preflight.axolotl_schema(_load(workspace, micro_batchsize=4), _options(workspace))
    assert check.status == "fail" and "did you mean 'micro_batch_size'?" in check.message


@axolotl_needed
def test_wrong_type_is_reported_by_axolotls_schema(workspace):
    check = preflight.axolotl_schema(_load(workspace, micro_batch_size="eight"), _options(workspace))
    assert check.status == "fail" and "'micro_batch_size'" in check.message and "'eight'" in check.message


def test_without_axolotl_the_schema_check_names_the_install_command(workspace, monkeypatch):
    monkeypatch.setattr(schema, "axolotl_version", lambda: None)  # as in an install without the extra
    check = preflight.axolotl_schema(_load(workspace), _options(workspace))
    assert check.status == "fail" and "pip install -e .[train]" in check.message


# the command line


@axolotl_needed
def test_dry_run_of_the_production_config_on_cpu_prints_checks_and_command(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(PROJECT)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("WANDB_MODE", raising=False)
    code = main([str(PRODUCTION), "--dry-run", "--output-dir", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "FAIL  gpu:" in out and "FAIL  w&b:" in out and "OK    axolotl schema" in out
    assert "command: WANDB_RUN_ID=" in out and " train " in out and "resolved.yaml" in out
    assert (
        "check(s) failed: gpu," in err and "w&b" in err
    )  # base model and contamination depend on the machine
    assert "FAIL  hub push" not in out and "FAIL  datasets" not in out
    assert not (tmp_path / "out").exists()


def test_missing_config_is_a_one_line_usage_error(capsys, tmp_path):
    assert main([str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("securecli-train: error:") and "\n" not in err
