from pathlib import Path

import pytest

from securecli_eval.errors import ConfigError
from securecli_eval.gates import gates_from_thresholds
from securecli_eval.inputs.config import load_config

from ..conftest import PROJECT

MINIMAL = "datasets:\n  - name: d\n    path: d.jsonl\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "eval_config.yaml"
    path.write_text(text)
    return path


def test_shipped_config_is_valid():
    config, sha = load_config(PROJECT / "config" / "eval_config.yaml")
    assert len(sha) == 64
    gates = gates_from_thresholds(config.thresholds, config.gate_mode)
    assert {g.name for g in gates} >= {"exact_match_min", "command_only_min", "dangerous_commands_max"}


def test_unknown_key_names_key_and_file(tmp_path):
    path = write(tmp_path, MINIMAL + "generaton:\n  max_new_tokens: 3\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: unknown key 'generaton'"


def test_nested_unknown_key(tmp_path):
    path = write(tmp_path, MINIMAL + "generation:\n  max_new_token: 3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'generation.max_new_token'"):
        load_config(path)


def test_wrong_type_names_key(tmp_path):
    path = write(tmp_path, MINIMAL + "generation:\n  batch_size: lots\n")
    with pytest.raises(ConfigError, match=r"key 'generation.batch_size'.*'lots'"):
        load_config(path)


def test_unknown_threshold_metric(tmp_path):
    path = write(tmp_path, MINIMAL + "thresholds:\n  exact_mach_min: 0.5\n")
    with pytest.raises(ConfigError, match=r"unknown metric 'exact_mach'"):
        load_config(path)


def test_threshold_without_suffix(tmp_path):
    path = write(tmp_path, MINIMAL + "thresholds:\n  exact_match: 0.5\n")
    with pytest.raises(ConfigError, match=r"must end in _min or _max"):
        load_config(path)


def test_bad_yaml_names_line(tmp_path):
    path = write(tmp_path, MINIMAL + "thresholds: [\n")
    with pytest.raises(ConfigError, match=rf"^{path}:\d+: "):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="eval config not found"):
        load_config(tmp_path / "nope.yaml")


def test_missing_datasets(tmp_path):
    path = write(tmp_path, "thresholds: {}\n")
    with pytest.raises(ConfigError, match="missing required key 'datasets'"):
        load_config(path)


def test_gate_on_mapping(tmp_path):
    path = write(tmp_path, MINIMAL + "thresholds:\n  exact_match_min: 0.5\ngate_on:\n  exact_match: lower\n")
    config, _ = load_config(path)
    (gate,) = gates_from_thresholds(config.thresholds, config.gate_mode)
    assert gate.gate_on == "lower" and gate.op == ">=" and gate.threshold == 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("server:\n  endpoint: localhost:8000\n", r"key 'server.endpoint': must be the http\(s\) URL"),
        ("server:\n  api_key_env: my-key\n", r"key 'server.api_key_env'"),
        ("generation:\n  backend: vllm\n", r"key 'generation.backend'"),
        ("generation:\n  cuda_batch_size: 0\n", r"key 'generation.cuda_batch_size"),
    ],
)
def test_serving_settings_are_checked(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, MINIMAL + text))


def test_sandbox_limits_are_checked(tmp_path):
    config, _ = load_config(write(tmp_path, MINIMAL + "sandbox:\n  timeout_seconds: 2\n  memory_mib: 256\n"))
    assert config.sandbox.timeout_seconds == 2 and config.sandbox.memory_mib == 256
    with pytest.raises(ConfigError, match="memory_mib"):
        load_config(write(tmp_path, MINIMAL + "sandbox:\n  memory_mib: 1\n"))


def test_behaviour_is_on_by_default_and_can_be_turned_off(tmp_path):
    shipped, _ = load_config(PROJECT / "config" / "eval_config.yaml")
    default, _ = load_config(write(tmp_path, MINIMAL))
    off, _ = load_config(write(tmp_path, MINIMAL + "safety:\n  behaviour: false\n"))
    assert (shipped.safety.behaviour, default.safety.behaviour, off.safety.behaviour) == (True, True, False)
    with pytest.raises(ConfigError, match=r"unknown key 'safety.behavior'"):
        load_config(write(tmp_path, MINIMAL + "safety:\n  behavior: false\n"))
