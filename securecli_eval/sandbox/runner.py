"""Run one shell command in a throwaway Linux sandbox and capture what it did.

Docker is not available where the gate runs, so isolation comes from bubblewrap
(``bwrap``): new user, mount, pid, network, uts, ipc and cgroup namespaces; the host
filesystem read-only; fresh tmpfs for the home/working directory, /tmp, /run and /root;
no network but loopback. When the caller is root, the sandbox additionally runs as a
fresh unprivileged host uid (via ``setpriv``) so root-owned host files stay unreadable
and "needs root" fails as it would for a normal user. Resource limits are set with
``ulimit`` inside the sandbox (hard limits, which the command cannot raise), and a
wall-clock timeout kills the whole process tree (the pid namespace dies with bwrap).

The working directory's final state comes back as a tar stream on a private pipe that
the command itself cannot write to.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import io
import itertools
import os
import selectors
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import SandboxUnavailable
from securecli_eval.sandbox.fixtures import fixture_key, materialize, validate_files

SANDBOX_USER = "sandbox"
SANDBOX_UID = 1000
SANDBOX_HOSTNAME = "sandbox"
SANDBOX_HOME = "/home/sandbox"
SEED_MOUNT = "/run/seed"
# host uids handed to sandboxes when the caller is root: one per (process, thread) slot
HOST_UID_BASE = 200_000
SANDBOX_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": SANDBOX_HOME,
    "USER": SANDBOX_USER,
    "LOGNAME": SANDBOX_USER,
    "SHELL": "/bin/bash",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "dumb",
}


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run resource ceilings; generous for coreutils, fatal for bombs and floods."""

    wall_seconds: float = 5.0
    cpu_seconds: int = 4
    address_space_bytes: int = 1 << 30
    max_processes: int = 64
    file_size_bytes: int = 16 << 20
    workspace_bytes: int = 64 << 20
    tmp_bytes: int = 16 << 20
    output_bytes: int = 64 << 10
    stderr_bytes: int = 8 << 10


DEFAULT_LIMITS = SandboxLimits()


@dataclass(frozen=True)
class FileState:
    """One entry of the working directory after a run (times deliberately left out)."""

    path: str
    kind: str  # file, dir, symlink, hardlink, fifo, other
    mode: int
    digest: str = ""  # sha256 of a file's content
    target: str = ""  # link target


@dataclass(frozen=True)
class SandboxRun:
    """What one command did: exit status, captured output and the resulting files."""

    exit_code: int | None  # None when it timed out, flooded stdout, or the sandbox failed
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool  # stdout passed limits.output_bytes, so the run was stopped there
    timed_out: bool
    setup_exit_code: int | None
    files: tuple[FileState, ...] | None  # None when the state could not be read back
    duration_s: float
    error: str = ""  # non-empty when the sandbox itself failed (not the command)

    @property
    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


# Bash run inside the sandbox. $1 = setup snippet, $2 = command; fd STATE is the private pipe.
_WRAPPER = r"""
ulimit -c 0
ulimit -H -S -t {cpu} -v {address_kb} -u {nproc} -f {fsize_blocks} -n 1024 || exit 97
cp -a {seed}/. . || {{ echo 'status seed-failed' >&{state}; exit 0; }}
setup_rc=0
if [ -n "$1" ]; then
    /bin/bash --noprofile --norc -c "$1" </dev/null >/dev/null 2>&1 {state}>&-
    setup_rc=$?
fi
/bin/bash --noprofile --norc -c "$2" </dev/null {state}>&-
rc=$?
echo "status $setup_rc $rc" >&{state}
tar --numeric-owner --sort=name -cf - . >&{state} 2>/dev/null
exit 0
"""


def _wrapper_script(limits: SandboxLimits, state_fd: int, nproc: int) -> str:
    return _WRAPPER.format(
        cpu=limits.cpu_seconds,
        address_kb=limits.address_space_bytes // 1024,
        nproc=nproc,
        fsize_blocks=max(1, limits.file_size_bytes // 1024),
        seed=SEED_MOUNT,
        state=state_fd,
    )


class _Workspace:
    """Host-side files shared by all runs of this process: fixture seeds and passwd/group."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._seeds: dict[tuple[str, int], Path] = {}

    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                root = Path(tempfile.mkdtemp(prefix="securecli-sandbox-"))
                root.chmod(0o711)  # the unprivileged sandbox uid must traverse it
                (root / "passwd").write_text(
                    "root:x:0:0:root:/root:/bin/bash\n"
                    f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_UID}:{SANDBOX_USER}:{SANDBOX_HOME}:/bin/bash\n"
                    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                )
                (root / "group").write_text(f"root:x:0:\n{SANDBOX_USER}:x:{SANDBOX_UID}:\nnogroup:x:65534:\n")
                for name in ("passwd", "group"):
                    (root / name).chmod(0o644)
                atexit.register(shutil.rmtree, root, True)
                self._root = root
            return self._root

    def seed(self, files: Mapping[str, str] | None, host_uid: int) -> Path:
        key = (fixture_key(files), host_uid)
        with self._lock:
            cached = self._seeds.get(key)
        if cached is not None:
            return cached
        seed = self.root() / f"seed-{key[0]}-{host_uid}"
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=self.root()))
        owner = host_uid if os.geteuid() == 0 else None
        materialize(files, staging / "tree", owner=owner)
        (staging / "tree").chmod(0o755)
        staging.chmod(0o711)
        with self._lock:
            if key not in self._seeds:
                staging.rename(seed)
                self._seeds[key] = seed / "tree"
            else:
                shutil.rmtree(staging, ignore_errors=True)
            return self._seeds[key]


_WORKSPACE = _Workspace()
_slot_counter = itertools.count()
_thread_slots = threading.local()


def _host_uid() -> int:
    """The host uid a sandbox runs as: a fresh one per (process, thread) when we are root."""
    if os.geteuid() != 0:
        return os.geteuid()
    slot = getattr(_thread_slots, "slot", None)
    if slot is None:
        slot = _thread_slots.slot = next(_slot_counter)
    return HOST_UID_BASE + (os.getpid() % 4096) * 64 + slot % 64


def _process_count(uid: int) -> int:
    """Threads the uid already runs; RLIMIT_NPROC counts them all, not just ours."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.stat(entry.path).st_uid == uid:
                    count += len(os.listdir(f"{entry.path}/task"))
            except OSError:
                continue
    return count


def _command_line(limits: SandboxLimits, seed: Path, host_uid: int, state_fd: int) -> list[str]:
    bwrap = shutil.which("bwrap") or "bwrap"
    prefix: list[str] = []
    nproc = limits.max_processes
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv") or "setpriv"
        prefix = [setpriv, f"--reuid={host_uid}", f"--regid={host_uid}", "--clear-groups"]
        prefix += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        nproc += _process_count(host_uid) + 8
    root = _WORKSPACE.root()
    args = [bwrap, "--unshare-all", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    args += ["--hostname", SANDBOX_HOSTNAME, "--die-with-parent", "--new-session"]
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--size", str(limits.workspace_bytes), "--tmpfs", "/home"]
    args += ["--size", str(1 << 20), "--tmpfs", "/root", "--size", str(1 << 20), "--tmpfs", "/run"]
    args += ["--remount-ro", "/dev", "--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm"]
    args += ["--dir", SANDBOX_HOME, "--ro-bind", str(seed), SEED_MOUNT]
    args += ["--ro-bind", str(root / "passwd"), "/etc/passwd", "--ro-bind", str(root / "group"), "/etc/group"]
    args += ["--chdir", SANDBOX_HOME]
    wrapper = _wrapper_script(limits, state_fd, nproc)
    return [*prefix, *args, "/bin/bash", "--noprofile", "--norc", "-c", wrapper, "sandbox-wrapper"]


def run_in_sandbox(
    command: str,
    files: Mapping[str, str] | None = None,
    setup: str | None = None,
    limits: SandboxLimits = DEFAULT_LIMITS,
) -> SandboxRun:
    """Run ``command`` (after ``setup``) on a fresh copy of the fixture; never on the host.

    Raises SandboxUnavailable (one line) when namespaces cannot be used here.
    """
    available, reason = sandbox_status()
    if not available:
        raise SandboxUnavailable(reason)
    if files is not None:
        files = validate_files(files)
    host_uid = _host_uid()
    seed = _WORKSPACE.seed(files, host_uid)
    return _execute(command, setup or "", seed, host_uid, limits)


def _execute(command: str, setup: str, seed: Path, host_uid: int, limits: SandboxLimits) -> SandboxRun:
    state_read, state_write = os.pipe()
    started = time.monotonic()
    try:
        argv = [*_command_line(limits, seed, host_uid, state_write), setup, command]
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(state_write,),
            env=SANDBOX_ENV,
            start_new_session=True,
            cwd="/",
        )
    except OSError as error:
        os.close(state_read)
        os.close(state_write)
        return SandboxRun(None, b"", b"", False, False, None, None, 0.0, f"sandbox failed to start: {error}")
    os.close(state_write)
    assert process.stdout is not None and process.stderr is not None
    stdout_fd, stderr_fd = process.stdout.fileno(), process.stderr.fileno()
    caps = {
        stdout_fd: limits.output_bytes,
        stderr_fd: limits.stderr_bytes,
        state_read: limits.workspace_bytes + (4 << 20),
    }
    captured, overflowed, timed_out = _drain(caps, started + limits.wall_seconds, stop_on_overflow=stdout_fd)
    flooded = stdout_fd in overflowed
    if timed_out or flooded:
        _kill_tree(process)
    try:
        process.wait(timeout=max(1.0, started + limits.wall_seconds + 2 - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        process.wait()
        timed_out = True
    os.close(state_read)
    process.stdout.close()
    process.stderr.close()
    duration = time.monotonic() - started
    stdout, stderr = captured[stdout_fd], captured[stderr_fd]
    stdout_truncated = stdout_fd in overflowed
    if timed_out or flooded:
        return SandboxRun(None, stdout, stderr, stdout_truncated, timed_out, None, None, duration)
    return _interpret(
        captured[state_read], stdout, stderr, stdout_truncated, duration, state_read in overflowed
    )


def _drain(
    caps: dict[int, int], deadline: float, stop_on_overflow: int
) -> tuple[dict[int, bytes], set[int], bool]:
    """Read every pipe until all close or the deadline passes; keep at most cap bytes each.

    Output beyond the cap on ``stop_on_overflow`` (stdout) ends the run at once: waiting
    for `yes` to hit the timeout would only burn the gate's time.
    """
    buffers = {fd: bytearray() for fd in caps}
    overflowed: set[int] = set()
    with selectors.DefaultSelector() as selector:
        for fd in caps:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return {fd: bytes(b) for fd, b in buffers.items()}, overflowed, True
            for key, _ in selector.select(timeout=remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                room = caps[key.fd] - len(buffers[key.fd])
                if len(chunk) > room:
                    overflowed.add(key.fd)
                buffers[key.fd] += chunk[: max(room, 0)]
                if key.fd == stop_on_overflow and key.fd in overflowed:
                    return {fd: bytes(b) for fd, b in buffers.items()}, overflowed, False
    return {fd: bytes(b) for fd, b in buffers.items()}, overflowed, False


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the session; bwrap's pid-1 dies with it and takes every sandboxed process along."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _interpret(
    state: bytes, stdout: bytes, stderr: bytes, truncated: bool, duration: float, state_overflow: bool
) -> SandboxRun:
    header, _, archive = state.partition(b"\n")
    fields = header.decode(errors="replace").split()
    if len(fields) < 2 or fields[0] != "status":
        first_error = next(
            (line for line in stderr.decode(errors="replace").splitlines() if line.strip()), ""
        )
        error = f"sandbox failed: {first_error or 'no status from the sandbox'}"
        return SandboxRun(None, stdout, stderr, truncated, False, None, None, duration, error)
    if fields[1] == "seed-failed":
        return SandboxRun(
            None, stdout, stderr, truncated, False, None, None, duration, "could not seed fixture"
        )
    setup_rc, exit_code = int(fields[1]), int(fields[2])
    files = None if state_overflow else _read_state(archive)
    return SandboxRun(exit_code, stdout, stderr, truncated, False, setup_rc, files, duration)


def _read_state(archive: bytes) -> tuple[FileState, ...] | None:
    if not archive:
        return ()
    entries: list[FileState] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
            for member in tar:
                path = member.name.removeprefix("./").rstrip("/") or "."
                mode = member.mode & 0o7777
                if member.isfile():
                    extracted = tar.extractfile(member)
                    digest = hashlib.sha256(extracted.read() if extracted else b"").hexdigest()
                    entries.append(FileState(path, "file", mode, digest))
                elif member.isdir():
                    entries.append(FileState(path, "dir", mode))
                elif member.issym():
                    entries.append(FileState(path, "symlink", 0, target=member.linkname))
                elif member.islnk():
                    entries.append(
                        FileState(path, "hardlink", mode, target=member.linkname.removeprefix("./"))
                    )
                elif member.isfifo():
                    entries.append(FileState(path, "fifo", mode))
                else:
                    entries.append(FileState(path, "other", mode))
    except tarfile.TarError:
        return None
    return tuple(sorted(entries, key=lambda entry: entry.path))


@functools.lru_cache(maxsize=1)
def sandbox_status() -> tuple[bool, str]:
    """(available, one-line reason). Tries a real sandbox once per process; never raises."""
    try:
        if os.name != "posix" or not Path("/proc/self/ns/user").exists():
            return False, "sandbox unavailable: this system has no Linux namespaces"
        if shutil.which("bwrap") is None:
            return False, "sandbox unavailable: bubblewrap is not installed (apt-get install -y bubblewrap)"
        if os.geteuid() == 0 and shutil.which("setpriv") is None:
            return False, "sandbox unavailable: setpriv (util-linux) is missing, needed to drop root"
        probe = run_probe()
        if probe:
            return False, f"sandbox unavailable: {probe}"
        return True, "sandbox available (bubblewrap: user, mount, pid, net, uts, ipc namespaces)"
    except Exception as error:  # noqa: BLE001 - the contract is "never raises"
        return False, f"sandbox unavailable: {type(error).__name__}: {error}".splitlines()[0]


def run_probe() -> str:
    """Run `true`-like probe in a sandbox; returns '' when it worked, else the first error line."""
    host_uid = _host_uid()
    seed = _WORKSPACE.seed({"probe.txt": "ok\n"}, host_uid)
    run = _execute("cat probe.txt; id -un", "", seed, host_uid, SandboxLimits(wall_seconds=10))
    if run.error:
        return run.error.removeprefix("sandbox failed: ")
    if run.timed_out:
        return "a trivial command timed out in the sandbox"
    if run.stdout_text != f"ok\n{SANDBOX_USER}\n":
        return f"unexpected probe output {run.stdout_text[:80]!r} (stderr {run.stderr_text[:80]!r})"
    return ""
