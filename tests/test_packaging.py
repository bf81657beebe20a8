"""The built wheel, installed into a fresh virtualenv, gates the tiny adapter from empty directories.

This is what a user gets from `pip install securecli-eval`: the gates and the default config
inside the package, `securecli-eval init`, `pytest regression/ --adapter A` and `pytest --pyargs
securecli_eval.regression --adapter A` from any directory, and no top-level module besides
`securecli_eval`. The fresh virtualenv reuses the already-installed heavy dependencies (torch,
transformers, ...) through a path file added after the wheel is installed, so pip never sees
this checkout's own installation; PYTHONPATH is dropped, so nothing is imported from here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import PROJECT

pytestmark = pytest.mark.slow

TOP_LEVEL_SKIPPED = {".git", ".venv", "build", "outputs", "results", "data", ".cache", ".hypothesis"}


def _skipped(folder: str, names: list[str]) -> list[str]:
    """What the copy leaves out: this checkout's bulky top-level folders, caches, build leftovers."""
    top = Path(folder) == PROJECT
    return [
        n for n in names if (top and n in TOP_LEVEL_SKIPPED) or n == "__pycache__" or n.endswith(".egg-info")
    ]


def build_wheel(tmp: Path) -> Path:
    """The wheel of this checkout, built from a copy (the build writes into its source folder)."""
    source = tmp / "source"
    shutil.copytree(PROJECT, source, ignore=_skipped)
    out = tmp / "wheel"
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        str(source),
        "-w",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(out.glob("securecli_eval-*.whl"))


def make_venv(folder: Path, wheel: Path) -> Path:
    """A fresh virtualenv with the wheel installed, then the shared site-packages appended (a .pth line)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    install = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--no-index",
        "-q",
    ]
    done = subprocess.run([*install, str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "shared-dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(shared)))
    return folder


def run_in(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", WANDB_MODE="disabled", PYTHONWARNINGS="ignore")
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)


def test_the_wheel_gates_the_tiny_adapter_from_empty_directories(tmp_path, tiny_adapter):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "securecli_eval",
        wheel.name.split("-py3")[0] + ".dist-info",
    }
    for shipped in (
        "securecli_eval/regression/test_domain.py",
        "securecli_eval/regression/test_safety.py",
        "securecli_eval/resources/eval_config.yaml",
        "securecli_eval/scaffold/templates/github-workflow.yml",
    ):
        assert shipped in names
    entry_points = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    )
    assert "securecli-train = securecli_eval.training.cli:main" in entry_points
    assert "securecli_eval = securecli_eval.plugin" in entry_points

    venv = make_venv(tmp_path / "venv", wheel)
    python, cli = str(venv / "bin" / "python"), str(venv / "bin" / "securecli-eval")
    where = run_in(tmp_path, python, "-c", "import securecli_eval.plugin as p; print(p.__file__)")
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr
    assert run_in(tmp_path, python, "-c", "import train").returncode != 0  # no top-level train package
    assert run_in(tmp_path, str(venv / "bin" / "securecli-train"), "--help").returncode == 0

    gate = ["--adapter", str(tiny_adapter), "--limit", "4", "--no-baseline", "-p", "no:cacheprovider"]
    project = tmp_path / "project"
    project.mkdir()
    init = run_in(project, cli, "init")
    assert init.returncode == 0, init.stderr
    proc = run_in(project, python, "-m", "pytest", "regression/", *gate, "--junitxml=results/junit.xml")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # limited: never SHIP
    metrics = json.loads((project / "results" / "metrics.json").read_text())
    assert metrics["eval_config"]["source"] == "project" and metrics["limited"] is True
    assert "securecli-eval verdict: NO-SHIP" in proc.stdout
    assert 'name="verdict"' in (project / "results" / "junit.xml").read_text()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run_in(elsewhere, python, "-m", "pytest", "--pyargs", "securecli_eval.regression", *gate)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((elsewhere / "results" / "metrics.json").read_text())
    assert metrics["eval_config"]["source"] == "packaged"
    assert metrics["eval_config"]["path"].startswith(str(venv))
    assert {g["outcome"] for g in metrics["gates"]} - {
        "passed",
        "failed",
        "skipped",
    } == set()  # every gate ran
    assert "used the packaged default" in proc.stdout
