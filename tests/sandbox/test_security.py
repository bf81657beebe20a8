"""Hostile commands stay inside the sandbox, and the host is untouched afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from securecli_eval.sandbox import SandboxLimits, run_in_sandbox, sandbox_status
from securecli_eval.sandbox.runner import HOST_UID_BASE

AVAILABLE, REASON = sandbox_status()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=REASON)
SHORT = SandboxLimits(wall_seconds=3)


def sandbox_processes_left() -> list[int]:
    """Host processes still running as this test process's sandbox uids (or its wrapper)."""
    left = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            uid = os.stat(entry.path).st_uid
            command = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        ours = (
            HOST_UID_BASE + (os.getpid() % 4096) * 64 <= uid < HOST_UID_BASE + (os.getpid() % 4096 + 1) * 64
        )
        if (os.geteuid() == 0 and ours) or (os.geteuid() != 0 and b"sandbox-wrapper" in command):
            left.append(int(entry.name))
    return left


def assert_no_sandbox_processes_left() -> None:
    deadline = time.monotonic() + 3
    while sandbox_processes_left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox_processes_left() == []


def test_fork_bomb_is_contained_and_cleaned_up():
    started = time.monotonic()
    run = run_in_sandbox(":(){ :|:& };:", limits=SHORT)
    assert time.monotonic() - started < 8
    assert run.timed_out or run.exit_code is not None
    assert_no_sandbox_processes_left()
    assert run_in_sandbox("echo alive").stdout_text == "alive\n"


def test_infinite_loop_is_killed_at_the_wall_clock_limit():
    started = time.monotonic()
    run = run_in_sandbox("while :; do :; done", limits=SandboxLimits(wall_seconds=1.5))
    assert run.timed_out and time.monotonic() - started < 5
    assert_no_sandbox_processes_left()


def test_cpu_limit_stops_a_busy_loop_before_the_wall_clock():
    run = run_in_sandbox("while :; do :; done", limits=SandboxLimits(wall_seconds=10, cpu_seconds=1))
    assert not run.timed_out and run.exit_code is not None and run.exit_code > 128  # SIGXCPU / SIGKILL


def test_ten_gigabyte_write_is_cut_at_the_file_size_limit():
    started = time.monotonic()
    run = run_in_sandbox("head -c 10G /dev/zero > big; echo status=$?; stat -c %s big", limits=SHORT)
    assert not run.timed_out
    size = int(run.stdout_text.split()[-1])
    assert size <= SHORT.file_size_bytes
    state = {entry.path: entry for entry in run.files}
    assert "big" in state
    assert time.monotonic() - started < 5  # SIGXFSZ stops the writer; the tmpfs never reaches the disk


def test_many_files_cannot_fill_more_than_the_workspace_tmpfs():
    run = run_in_sandbox(
        "for i in 1 2 3 4 5 6 7 8; do head -c 15M /dev/zero > f$i || break; done; du -sm . | cut -f1",
        limits=SHORT,
    )
    assert int(run.stdout_text.split()[-1]) <= SHORT.workspace_bytes >> 20


def test_writes_outside_the_working_directory_do_not_reach_the_host(tmp_path):
    host_file = tmp_path / "host.txt"
    host_file.write_text("original\n")
    targets = ["/etc/securecli-probe", "/usr/securecli-probe", "/var/tmp/securecli-probe", str(host_file)]
    command = "; ".join(f"echo pwned > {target}" for target in targets) + "; echo done"
    run = run_in_sandbox(command, limits=SHORT)
    assert run.stdout_text == "done\n"
    assert "Read-only file system" in run.stderr_text
    for target in targets[:3]:
        assert not Path(target).exists()
    assert host_file.read_text() == "original\n"


def test_host_home_and_root_only_files_are_not_readable():
    host_home = os.path.expanduser("~")
    run = run_in_sandbox(
        f"ls -A {host_home} | wc -l; cat /etc/shadow; ls -A /home | tr '\\n' ' '", limits=SHORT
    )
    lines = run.stdout_text.splitlines()
    assert lines[0] == "0"  # the host's home is an empty tmpfs in the sandbox
    assert lines[-1].split() == ["sandbox"]
    assert "root:" not in run.stdout_text
    if os.geteuid() == 0:
        assert "Permission denied" in run.stderr_text


def test_network_connections_fail_even_to_the_hosts_loopback():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        run = run_in_sandbox(
            f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected-local; "
            "exec 4<>/dev/tcp/1.1.1.1/80 && echo connected-remote; ip -o link | wc -l",
            limits=SHORT,
        )
        assert "connected" not in run.stdout_text
        assert run.stdout_text.split()[-1] == "1"  # loopback only
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


def test_processes_outside_the_sandbox_cannot_be_seen_or_signalled():
    victim = subprocess.Popen(["sleep", "60"])
    try:
        run = run_in_sandbox(
            f"kill -9 {victim.pid}; echo kill=$?; kill -9 -1; ps -e --no-headers | wc -l", limits=SHORT
        )
        assert "kill=1" in run.stdout_text
        time.sleep(0.1)
        assert victim.poll() is None, "a host process was killed from inside the sandbox"
    finally:
        victim.kill()
        victim.wait()


def test_hard_limits_cannot_be_raised_from_inside():
    run = run_in_sandbox(
        "ulimit -H -u unlimited; echo rc=$?; ulimit -H -f unlimited; echo rc=$?", limits=SHORT
    )
    assert run.stdout_text.split() == ["rc=1", "rc=1"]
