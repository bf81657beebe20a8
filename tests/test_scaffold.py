"""`securecli-eval init`, and this repository's own regression/ and config as what it writes (no drift)."""

from __future__ import annotations

import subprocess
import sys

from securecli_eval import __version__
from securecli_eval.inputs.config import PACKAGED_CONFIG, load_config
from securecli_eval.scaffold import WORKFLOW, gate_modules, loader_text, scaffold_files

from .conftest import PROJECT


def test_the_repository_regression_folder_is_the_loaders_init_writes():
    assert gate_modules() == ["test_domain", "test_drift", "test_general", "test_safety"]
    written = {path.name for path in (PROJECT / "regression").glob("*.py")}
    assert written == {f"{module}.py" for module in gate_modules()}
    for module in gate_modules():
        assert (PROJECT / "regression" / f"{module}.py").read_text() == loader_text(module), module


def test_the_repository_config_is_the_packaged_default():
    assert (PROJECT / "config" / "eval_config.yaml").read_bytes() == PACKAGED_CONFIG.read_bytes()
    config, _ = load_config(PACKAGED_CONFIG)
    assert all(spec.path.startswith("package:") for spec in config.datasets)  # valid wherever it is copied


def test_init_writes_gates_config_and_workflow_and_never_overwrites(tmp_path):
    def init(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "securecli_eval.cli", "init", str(tmp_path / "project"), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    first = init()
    assert first.returncode == 0, first.stderr
    project = tmp_path / "project"
    for relative, text in scaffold_files().items():
        assert (project / relative).read_text() == text
    assert f"securecli-eval[dev,track,publish,general]=={__version__}" in (project / WORKFLOW).read_text()
    assert "pytest regression/ --adapter" in first.stdout

    (project / "config" / "eval_config.yaml").write_text("# my thresholds\n")
    again = init()
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.count("\n") == 1 and "already there" in again.stderr and "--force" in again.stderr
    assert (project / "config" / "eval_config.yaml").read_text() == "# my thresholds\n"
    assert init("--force").returncode == 0
    assert (project / "config" / "eval_config.yaml").read_bytes() == PACKAGED_CONFIG.read_bytes()
