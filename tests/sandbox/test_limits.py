"""Limits: the rlimit line, the process count per sandbox, and a delegated cgroup's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from securecli_eval.sandbox.limits import (
    MIB,
    MemoryCgroup,
    SandboxLimits,
    memory_cap_description,
    nproc_for,
    ulimit_command,
)


def test_ulimit_line_sets_hard_limits_from_the_limits():
    line = ulimit_command(SandboxLimits(cpu_seconds=3, address_space_bytes=128 * MIB, file_size_bytes=MIB), 7)
    assert "-H -S -t 3 -v 131072 -u 7 -f 1024" in line and line.endswith("|| exit 97")


def test_the_fallback_ceiling_is_processes_times_address_space_plus_tmpfs():
    limits = SandboxLimits(
        max_processes=8, address_space_bytes=100 * MIB, workspace_bytes=10 * MIB, tmp_bytes=MIB
    )
    assert limits.fallback_ceiling_bytes == 812 * MIB


def test_process_count_is_per_sandbox_on_current_kernels():
    assert nproc_for(SandboxLimits(max_processes=9), 0) >= 9


def test_memory_cap_is_described_in_one_line():
    text = memory_cap_description(SandboxLimits())
    assert "\n" not in text and ("memory.max" in text or "address space" in text)


def test_a_cgroup_gets_its_caps_and_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The delegated-cgroup path, on a plain directory standing in for the cgroup fs."""
    removed: list[Path] = []
    monkeypatch.setattr(Path, "rmdir", lambda self: removed.append(self))
    cgroup = MemoryCgroup(tmp_path, SandboxLimits(memory_bytes=300 * MIB, max_processes=5))
    assert (cgroup.path / "memory.max").read_text() == str(300 * MIB)
    assert (cgroup.path / "pids.max").read_text() == "9"
    assert cgroup.enter_prefix()[:2] == ["/bin/sh", "-c"] and str(cgroup.path) in cgroup.enter_prefix()[2]
    (cgroup.path / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert cgroup.oom_killed()
    cgroup.remove()
    assert removed == [cgroup.path] and (cgroup.path / "cgroup.kill").read_text() == "1"
