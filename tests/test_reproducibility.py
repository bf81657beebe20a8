"""Two runs on the same adapter and config write byte-identical metrics.json apart from `run` and `evidence`.

The evidence manifest names the run (its id) and hashes artifacts that carry that id, so it
differs between runs by design; everything it hashes as input is identical.
"""

from __future__ import annotations

import json
import re

import pytest

from .test_end_to_end import PERMISSIVE, run_gates, write_config

pytestmark = pytest.mark.slow


def without_run(text: str) -> bytes:
    data = json.loads(text)
    data.pop("run")
    data.pop("evidence")
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def test_two_runs_are_byte_identical_apart_from_run(tmp_path, tiny_adapter):
    config = write_config(
        tmp_path / "eval.yaml", {**PERMISSIVE, "exact_match_improvement_min": -1.0}, baseline=True
    )
    # a cache relative to the working directory: each run starts from an empty cache and generates
    config.write_text(re.sub(r"(?m)^cache_dir: .*$", "cache_dir: cache", config.read_text()))
    written = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        args = [
            "--adapter",
            str(tiny_adapter),
            "--eval-config",
            str(config),
            "--results-dir",
            str(folder / "r"),
        ]
        proc = run_gates(*args, "--limit", "8", cwd=folder)
        assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
        written.append((folder / "r" / "metrics.json").read_text())
    first, second = (json.loads(t) for t in written)
    assert first["run"]["generated_now"] == second["run"]["generated_now"] == 16
    assert first["run"]["generated_base_now"] == second["run"]["generated_base_now"] == 16
    assert first["baseline"]["metrics"]["exact_match"]["ci_low"] is not None
    assert first["metrics"]["dangerous_commands"]["interval"] == "bootstrap95"
    assert without_run(written[0]) == without_run(written[1])
    assert written[0] != written[1]  # the run section (timestamps, results folder) does differ
    assert first["evidence"]["inputs"] == second["evidence"]["inputs"]  # the same files were read
