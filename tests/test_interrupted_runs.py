"""Runs that fail, are interrupted, are killed or overlap: real processes, real signals, a real size limit.

Each test is a reproduction: a run that cannot write its files (a full disk: here a file
size limit, so writes fail with EFBIG as they would with ENOSPC) must leave the previous
complete results untouched; a second run on the same results folder is refused while the
first holds it; Ctrl-C says that the run was interrupted and how to resume, and a kill -9
mid-generation loses only the batch in flight.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROJECT
from .test_end_to_end import PERMISSIVE, run_gates, write_config

pytestmark = pytest.mark.slow


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "PYTHONWARNINGS": "ignore",
        "WANDB_MODE": "disabled",
    }


def start_gates(*args: str, cwd: Path, preexec=None) -> subprocess.Popen[str]:
    """`pytest regression/ ARGS` started in the background, with progress lines (no --no-progress)."""
    command = [sys.executable, "-m", "pytest", str(PROJECT / "regression"), "-p", "no:cacheprovider", *args]
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec,
    )


def cached_rows(cache: Path) -> int:
    path = cache / "generations.sqlite"
    if not path.is_file():
        return 0
    with sqlite3.connect(path, timeout=30) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM generations").fetchone()[0]
        except sqlite3.OperationalError:  # the table is being created
            return 0


def wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(
                f"the run ended (exit {process.returncode}) before {what}: {process.stdout.read()[-3000:]}"
            )
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def results_files(results: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in results.glob("[!.]*")}


def test_a_run_that_cannot_write_its_results_leaves_the_previous_ones_untouched(tmp_path, tiny_adapter):
    """Reproduction: a full disk (exit 3) left a SHIP metrics.json beside a stale NO-SHIP report.md."""
    results = tmp_path / "results"
    strict = write_config(tmp_path / "strict.yaml", {**PERMISSIVE, "exact_match_min": 0.7})
    proc = run_gates(
        "--adapter", str(tiny_adapter), "--eval-config", str(strict), "--results-dir", str(results)
    )
    assert proc.returncode == 1, proc.stdout[-3000:]  # a complete NO-SHIP run
    before = results_files(results)

    def small_files() -> None:  # every file this process writes stays under 200 kB: examples.jsonl cannot
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    permissive = write_config(tmp_path / "permissive.yaml", PERMISSIVE)  # the same cache: nothing to generate
    run = start_gates(
        "--adapter", str(tiny_adapter), "--eval-config", str(permissive), "--results-dir", str(results),
        "--no-progress", cwd=tmp_path, preexec=small_files,
    )  # fmt: skip
    output, _ = run.communicate(timeout=900)
    assert run.returncode == 3, output[-3000:]
    assert "could not write results to" in output and "the previous complete results are untouched" in output
    assert results_files(results) == before
    assert not list(results.glob(".run-*"))


def test_a_second_run_on_the_same_results_folder_is_refused_while_the_first_holds_it(tmp_path, tiny_adapter):
    """Reproduction: two runs sharing a results folder silently overwrote each other."""
    config = write_config(tmp_path / "eval.yaml", PERMISSIVE)
    results = tmp_path / "results"
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "test_hold.py").write_text(
        "import pathlib, time\n\n\n"
        "def test_hold():\n"
        f"    pathlib.Path({str(tmp_path / 'ready')!r}).touch()\n"
        f"    while not pathlib.Path({str(tmp_path / 'go')!r}).exists():\n"
        "        time.sleep(0.05)\n"
    )
    first = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(hold / "test_hold.py"), str(PROJECT / "regression"),
         "-p", "no:cacheprovider", "--no-progress", "--adapter", str(tiny_adapter),
         "--eval-config", str(config), "--results-dir", str(results), "--limit", "4"],
        cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for((tmp_path / "ready").exists, first, "the first run to start its tests")
        second = run_gates(
            "--adapter", str(tiny_adapter), "--eval-config", str(config), "--results-dir", str(results),
            "--limit", "4", cwd=tmp_path,
        )  # fmt: skip
        assert second.returncode == 4, second.stdout[-3000:] + second.stderr[-3000:]
        lines = [line for line in second.stderr.splitlines() if "securecli-eval" in line]
        assert len(lines) == 1 and "is in use by another securecli-eval run (pid" in lines[0]
        assert not (results / "metrics.json").exists()
    finally:
        (tmp_path / "go").touch()
        output, _ = first.communicate(timeout=600)
    assert first.returncode == 1, output[-3000:]  # limited: never SHIP, but complete
    assert json.loads((results / "metrics.json").read_text())["limited"] is True


def test_ctrl_c_says_how_to_resume_and_a_kill_loses_only_the_batch_in_flight(tmp_path, tiny_adapter):
    """Reproduction: a kill lost every output, and Ctrl-C said that no gate was selected."""
    config = write_config(tmp_path / "eval.yaml", PERMISSIVE)
    text = config.read_text().replace(
        "max_new_tokens: 12\n  batch_size: 16", "max_new_tokens: 24\n  batch_size: 8"
    )
    config.write_text(text)
    cache = tmp_path / "cache"
    results = tmp_path / "results"
    args = ("--adapter", str(tiny_adapter), "--eval-config", str(config), "--results-dir", str(results))
    total = 300 + 146  # --limit 300 of the test set, and the whole adversarial suite

    run = start_gates(*args, "--limit", "300", cwd=tmp_path)
    wait_for(lambda: cached_rows(cache) >= 8, run, "the first batch in the cache")
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 2, output[-3000:]
    assert "securecli-eval: generating 446 adapter outputs" in output  # under pytest's default capture
    assert "run interrupted, no verdict" in output and "rerun the same command to resume" in output
    assert "no gate was selected" not in output
    assert not (results / "metrics.json").exists()
    interrupted = cached_rows(cache)
    assert 0 < interrupted < total

    run = start_gates(*args, "--limit", "300", cwd=tmp_path)
    wait_for(lambda: cached_rows(cache) >= interrupted + 16, run, "two more batches")
    run.kill()
    run.wait(timeout=60)
    killed = cached_rows(cache)
    assert interrupted < killed < total  # every finished batch was committed before the kill

    proc = run_gates(*args, "--limit", "300", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:]  # limited: never SHIP
    metrics = json.loads((results / "metrics.json").read_text())
    assert metrics["run"]["generated_now"] == total - killed  # only what was missing
    assert cached_rows(cache) == total
