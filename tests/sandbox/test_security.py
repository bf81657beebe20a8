"""Hostile commands stay inside the sandbox, and the host is untouched afterwards.

The tests named after a red-team finding (host files and sockets, the memory bomb, forged
results, killing the wrapper) each failed against the previous runner.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from securecli_eval.sandbox import SandboxLimits, judge_equivalence, run_in_sandbox, runner, sandbox_status
from securecli_eval.sandbox.bwrap import SANDBOX_HOSTNAME

from ..conftest import PROJECT

AVAILABLE, REASON = sandbox_status()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=REASON)
SHORT = SandboxLimits(wall_seconds=3)
NOBODY = 65534


def sandbox_processes_left() -> list[int]:
    """Host processes still running as this test process's sandbox uid (or its wrapper)."""
    left = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            uid = os.stat(entry.path).st_uid
            command = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        ours = uid == runner._host_uid()
        if (os.geteuid() == 0 and ours) or (os.geteuid() != 0 and b"sandbox-wrapper" in command):
            left.append(int(entry.name))
    return left


def _unprivileged_argv() -> list[str] | None:
    """How to run this package's Python as a non-root user, or None where no interpreter allows it."""
    if os.geteuid() != 0:
        return [sys.executable]
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    for interpreter in (os.path.realpath(sys.executable), shutil.which("python3"), "/usr/bin/python3"):
        if interpreter and os.path.exists(interpreter):
            probe = subprocess.run(
                [*drop, interpreter, "-c", "import securecli_eval.sandbox, pydantic, bashlex"],
                env=_unprivileged_env(),
                capture_output=True,
                cwd="/",
                timeout=60,
            )
            if probe.returncode == 0:
                return [*drop, interpreter]
    return None


def _unprivileged_env() -> dict[str, str]:
    paths = [str(PROJECT), *site.getsitepackages()]
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.pathsep.join(paths)}


def run_unprivileged(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with this package as a caller that is not root (the red-team's setting)."""
    argv = _unprivileged_argv()
    if argv is None:
        pytest.skip("no Python interpreter here that an unprivileged user may run")
    return subprocess.run(
        [*argv, "-c", code], env=_unprivileged_env(), capture_output=True, text=True, cwd="/", timeout=300
    )


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
    state = {entry.path.rsplit("/", 1)[-1]: entry for entry in run.files}
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
        f"ls -A {host_home} 2>/dev/null | wc -l; cat /etc/shadow; ls -A /home | tr '\\n' ' '", limits=SHORT
    )
    lines = run.stdout_text.splitlines()
    assert lines[0] == "0"  # the host's home is not there
    assert lines[-1].split() == ["sandbox"]
    assert "root:" not in run.stdout_text and "/etc/shadow" in run.stderr_text


def test_host_files_beyond_programs_and_a_curated_etc_are_not_visible():
    """Red team: the whole host / was bound read-only, so any world-readable file could be read."""
    fd, planted = tempfile.mkstemp(prefix="securecli-probe-", dir="/var/tmp")
    os.write(fd, b"host secret\n")
    os.close(fd)
    os.chmod(planted, 0o644)
    project_file = PROJECT / "data" / "raw" / "nl2bash.LICENSE"
    try:
        run = run_in_sandbox(
            f"cat {planted}; cat {project_file}; ls /; ls /etc; cat /etc/hostname /etc/passwd", limits=SHORT
        )
    finally:
        os.unlink(planted)
    assert "host secret" not in run.stdout_text and "MIT License" not in run.stdout_text
    listing = run.stdout_text.split()
    top = set(listing[: listing.index("alternatives")])
    assert top <= {
        "bin",
        "dev",
        "etc",
        "home",
        "lib",
        "lib32",
        "lib64",
        "libx32",
        "proc",
        "run",
        "sbin",
        "tmp",
        "usr",
    }
    assert "var" not in top and "work" not in top and "root" not in top
    assert f"{SANDBOX_HOSTNAME}\n" in run.stdout_text and "shadow" not in listing


def test_host_unix_sockets_are_unreachable():
    """Red team: a host Unix socket at a file path was reachable from inside."""
    directory = tempfile.mkdtemp(prefix="securecli-socket-", dir="/var/tmp")
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "s.sock")
    abstract = f"\0securecli-test-{secrets.token_hex(4)}"
    listeners = []
    try:
        for address in (path, abstract):
            listener = socket.socket(socket.AF_UNIX)
            listener.bind(address)
            listener.listen(1)
            listener.settimeout(0.5)
            listeners.append(listener)
        os.chmod(path, 0o777)
        probe = (
            "import socket\n"
            f"for address in ({path!r}, {abstract!r}):\n"
            "    s = socket.socket(socket.AF_UNIX)\n"
            "    try:\n"
            "        s.connect(address); print('connected')\n"
            "    except OSError as error:\n"
            "        print('refused', error.errno)\n"
        )
        run = run_in_sandbox(f"python3 -c {shlex.quote(probe)}", limits=SHORT)
        assert run.stdout_text.split().count("refused") == 2, run.stdout_text + run.stderr_text
        for listener in listeners:
            with pytest.raises(socket.timeout):
                listener.accept()
    finally:
        for listener in listeners:
            listener.close()
        shutil.rmtree(directory, ignore_errors=True)


def _resident_bytes(marker: bytes) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if marker in Path(entry.path, "cmdline").read_bytes():
                    total += int(Path(entry.path, "statm").read_text().split()[1]) * os.sysconf(
                        "SC_PAGE_SIZE"
                    )
            except (OSError, ValueError, IndexError):
                continue
    return total


def test_a_memory_bomb_is_capped_per_sandbox():
    """Red team: 4 processes x 900 MB took 3.3 GB from the host; there was no cap per sandbox."""
    limits = SandboxLimits(wall_seconds=6)
    marker = f"membomb-{secrets.token_hex(4)}"
    hog = f"import time; tag = {marker!r}; b = bytearray(200 << 20); time.sleep(3)"
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _resident_bytes(marker.encode()))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        run = run_in_sandbox(
            f"for i in 1 2 3 4 5 6; do python3 -c {shlex.quote(hog)} & done; wait; echo survived",
            limits=limits,
        )
    finally:
        done.set()
        sampler.join()
    cap = 512 << 20  # the default memory cap per sandbox
    assert peak[0] < cap + (300 << 20), f"peak {peak[0] >> 20} MiB"  # one process's allocation of slack
    assert limits.memory_bytes == cap and run.memory_exceeded and "survived" not in run.stdout_text
    assert_no_sandbox_processes_left()
    single = run_in_sandbox('python3 -c "b = bytearray(900 << 20)"; echo rc=$?', limits=limits)
    assert "rc=1" in single.stdout_text and "MemoryError" in single.stderr_text


FORGE = r"""
cat notes.txt
rm -rf ./* ./.[!.]*
for process in /proc/[0-9]*; do
    for fd in "$process"/fd/*; do
        [ "${fd##*/}" -gt 2 ] 2>/dev/null || continue
        { printf 'status 0 0
'; tar -C /run/seed -cf - . 2>/dev/null; printf 'ready 0
'; } > "$fd" 2>/dev/null
    done
done
exit 0
"""


def test_a_command_cannot_forge_the_file_state_it_is_judged_on():
    """Red team: as a non-root caller, `rm -rf ./*` plus a forged result was judged equivalent."""
    code = (
        "import json\n"
        "from securecli_eval.sandbox import judge_equivalence, run_in_sandbox\n"
        f"forge = {FORGE!r}\n"
        "run = run_in_sandbox(forge)\n"
        "left = sorted(e.path for e in run.files or () if e.path.endswith('notes.txt'))\n"
        "verdict = judge_equivalence('cat notes.txt', forge)\n"
        "print(json.dumps({'left': left, 'verdict': verdict.equivalent, 'reason': verdict.reason}))\n"
    )
    completed = run_unprivileged(code)
    assert completed.returncode == 0, completed.stderr[-2000:]
    outcome = json.loads(completed.stdout.splitlines()[-1])
    assert outcome["left"] == [] and outcome["verdict"] is False, outcome


def test_a_prediction_that_kills_its_wrapper_is_judged_not_equivalent():
    """Red team: a command could kill its own wrapper and so force "undecided"."""
    for killer in (
        "cat notes.txt; kill -9 $PPID",
        "cat notes.txt; kill $PPID; sleep 1",
        "cat notes.txt; kill -9 0",
    ):
        result = judge_equivalence("cat notes.txt", killer)
        assert result.equivalent is False, (killer, result)
    assert_no_sandbox_processes_left()


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
