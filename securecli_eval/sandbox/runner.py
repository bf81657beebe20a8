"""Run one shell command in a throwaway Linux sandbox and record what it did.

Isolation comes from bubblewrap (``bwrap``; Docker is not available where the gate runs): new
user, mount, pid, network, uts, ipc and cgroup namespaces, only the host's programs and a
curated /etc visible (``bwrap.py``), size-capped tmpfs for HOME, /tmp and /dev/shm, hard
rlimits and a memory cap (``limits.py``). When the caller is root, the sandbox first drops to
an unprivileged host uid with ``setpriv``, so "needs root" fails as it would for a user.

One run, host side:

1. spawn bwrap with three private pipes: ``--info-fd`` (bwrap reports the sandbox's pid), a
   control pipe the wrapper writes ``ready <setup status>`` to once the fixture is copied in
   and the example's setup has run, and a go pipe the wrapper waits on;
2. on ``ready``, open each writable root (``/proc/PID/root/home``, ``.../tmp``) and keep the
   descriptors, then send go; the wrapper closes both pipes and runs the command, which holds
   nothing that reaches the host; the wrapper only passes on its exit status, and if the
   command kills it, the sandbox ends with that signal (a prediction that kills its wrapper
   has failed, it has not made the pair undecided);
3. drain stdout and stderr up to their caps until the sandbox exits or the wall clock runs
   out (then the whole tree is killed: ``kill_tree``);
4. the exit status is bwrap's own (it passes on the command's: ``128 + signal`` for a
   signal), and the files are read through the kept descriptors after every sandboxed process
   is dead (``state.py``). Nothing the command writes anywhere can stand in for either.

The building blocks (``bwrap_arguments``, ``ulimit_command``, ``MemoryCgroup``, ``kill_tree``,
``read_tree``, ``Seeds``) are separate so other sandboxes can reuse them (docs/sandbox.md).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from securecli_eval.errors import DataError, SandboxUnavailable
from securecli_eval.sandbox.bwrap import (
    SANDBOX_ENV,
    SANDBOX_USER,
    SEED_MOUNT,
    WORK_DIR,
    WRITABLE_ROOTS,
    Mount,
    bwrap_arguments,
    host_program,
    write_etc,
    write_shims,
)
from securecli_eval.sandbox.fixtures import Fixture, fixture_for, materialize
from securecli_eval.sandbox.limits import (
    DEFAULT_LIMITS,
    MemoryCgroup,
    SandboxLimits,
    delegated_memory_parent,
    memory_cap_description,
    nproc_for,
    ulimit_command,
)
from securecli_eval.sandbox.state import FileState, open_root, read_tree

__all__ = ["DEFAULT_LIMITS", "FileState", "SandboxLimits", "SandboxRun", "run_in_sandbox", "sandbox_status"]

# the host uid sandboxes run as when the caller is root: one per process
HOST_UID_BASE = 200_000
MAX_SEEDS = 64  # fixture copies kept on the host; the least recently used unused ones go first
WATCH_INTERVAL_S = 0.02  # how often the memory watchdog looks, when no cgroup caps memory
_PAGE = os.sysconf("SC_PAGE_SIZE")
_WORKSPACE_PREFIX = "securecli-sandbox-"


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
    error: str = ""  # non-empty when the sandbox itself failed before the command started
    memory_exceeded: bool = False  # killed for using more than the memory cap (then exit_code is None)
    initial_files: tuple[FileState, ...] = field(default=(), repr=False)  # the fixture, read the same way

    @property
    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")

    @property
    def files_changed(self) -> bool:
        return self.files != self.initial_files


# Bash run inside the sandbox as its main process. $1 = setup snippet, $2 = command, then the
# command's positional arguments.
_WRAPPER = r"""
{ulimit}
{seed_copy} || exit 96
cd {work} || exit 96
setup_rc=0
if [ -n "$1" ]; then
    /bin/bash --noprofile --norc -c "$1" </dev/null >/dev/null 2>&1 {ctl}>&- {go}<&-
    setup_rc=$?
fi
echo "ready $setup_rc" >&{ctl}
exec {ctl}>&-
read -r go <&{go} || exit 95
exec {go}<&-
command=$2
shift 2
/bin/bash --noprofile --norc {options} -c "$command" sandbox "$@" <{seed}/stdin
exit $?
"""


def _wrapper_script(
    limits: SandboxLimits, nproc: int, roots: Sequence[str], ctl_fd: int, go_fd: int, options: str
) -> str:
    # one cp for every root: each seed directory is copied onto its tmpfs of the same name
    seed_copy = "cp -a " + " ".join(f"{SEED_MOUNT}{root}" for root in roots) + " /"
    return _WRAPPER.format(
        seed=SEED_MOUNT,
        ulimit=ulimit_command(limits, nproc),
        seed_copy=seed_copy,
        work=WORK_DIR,
        ctl=ctl_fd,
        go=go_fd,
        options=options,
    )


# ---------------------------------------------------------------- host-side workspace and seeds


@dataclass
class _Seed:
    path: Path
    users: int = 0
    roots: tuple[str, ...] = WRITABLE_ROOTS
    initial: tuple[FileState, ...] | None = None


class Seeds:
    """Fixture copies on the host, bound read-only into sandboxes; few, reused, and removed.

    A seed is written once per fixture and kept while runs use it; beyond ``MAX_SEEDS`` the
    least recently used idle ones are deleted, the rest at exit, and workspaces left by a
    process that died without cleaning up are removed when the next one starts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._seeds: OrderedDict[str, _Seed] = OrderedDict()

    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                _remove_stale_workspaces()
                root = Path(tempfile.mkdtemp(prefix=f"{_WORKSPACE_PREFIX}{os.getpid()}-", dir=_scratch()))
                root.chmod(0o711)  # the unprivileged sandbox uid must traverse it
                write_etc(root / "etc")
                write_shims(root / "shims")
                atexit.register(shutil.rmtree, root, True)
                self._root = root
            return self._root

    @contextlib.contextmanager
    def use(self, fixture: Fixture, owner: int | None) -> Iterator[_Seed]:
        """The seed of ``fixture``, written on first use and kept until released."""
        seed = self._acquire(fixture, owner)
        try:
            yield seed
        finally:
            with self._lock:
                seed.users -= 1
                self._evict()

    def _acquire(self, fixture: Fixture, owner: int | None) -> _Seed:
        root = self.root()
        with self._lock:
            seed = self._seeds.get(fixture.key)
            if seed is not None:
                seed.users += 1
                self._seeds.move_to_end(fixture.key)
                return seed
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=root))
        try:
            materialize(fixture, staging / "tree", owner)
            (staging / "tree").chmod(0o755)
            staging.chmod(0o711)
            initial = _read_seed(staging / "tree", fixture.roots)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        with self._lock:
            seed = self._seeds.get(fixture.key)
            if seed is None:
                final = root / f"seed-{fixture.key}"
                staging.rename(final)
                seed = self._seeds[fixture.key] = _Seed(final / "tree", roots=fixture.roots, initial=initial)
            else:
                shutil.rmtree(staging, ignore_errors=True)
            seed.users += 1
            self._seeds.move_to_end(fixture.key)
            return seed

    def _evict(self) -> None:
        for key in list(self._seeds):
            if len(self._seeds) <= MAX_SEEDS:
                return
            if self._seeds[key].users == 0:
                shutil.rmtree(self._seeds.pop(key).path.parent, ignore_errors=True)

    def count(self) -> int:
        with self._lock:
            return len(self._seeds)


def _read_seed(tree: Path, roots: Sequence[str]) -> tuple[FileState, ...]:
    entries: list[FileState] = []
    for root in roots:
        fd = open_root(str(tree / root.lstrip("/")))
        try:
            entries.extend(read_tree(fd, root, 1 << 30))
        finally:
            os.close(fd)
    return tuple(entries)


def _scratch() -> str:
    """Where seeds are written: /dev/shm (memory) when usable, else the temporary directory.

    Seeds are small and written often (one per fixture), and a disk is much slower at that.
    """
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return tempfile.gettempdir()


def _remove_stale_workspaces() -> None:
    """Workspaces whose process is gone (killed before its exit handlers ran)."""
    for entry in Path(_scratch()).glob(f"{_WORKSPACE_PREFIX}*"):
        match = re.match(rf"{_WORKSPACE_PREFIX}(\d+)-", entry.name)
        if match and int(match.group(1)) != os.getpid() and not Path(f"/proc/{match.group(1)}").exists():
            shutil.rmtree(entry, ignore_errors=True)


SEEDS = Seeds()


def _host_uid() -> int:
    """The host uid a sandbox runs as: a fresh unprivileged one per process when we are root."""
    if os.geteuid() != 0:
        return os.geteuid()
    return HOST_UID_BASE + os.getpid() % 100_000


# ---------------------------------------------------------------- one run


def run_in_sandbox(
    command: str,
    files: dict[str, str] | None = None,
    setup: str | None = None,
    limits: SandboxLimits = DEFAULT_LIMITS,
    *,
    fixture: Fixture | None = None,
    pipefail: bool = False,
    environment: Sequence[tuple[str, str]] = (),
    arguments: Sequence[str] = (),
) -> SandboxRun:
    """Run ``command`` (after ``setup``) on a fresh copy of the fixture; never on the host.

    ``fixture`` overrides ``files`` (an example's files relative to the work dir; ``None`` is
    the default tree). ``pipefail`` runs the command under ``set -o pipefail``; ``environment``
    adds variables and ``arguments`` sets ``$1``... Raises SandboxUnavailable (one line) when
    namespaces cannot be used here, DataError for bad files or variable names.
    """
    available, reason = sandbox_status()
    if not available:
        raise SandboxUnavailable(reason)
    fixture = fixture if fixture is not None else fixture_for(files)
    host_uid = _host_uid()
    for name, _ in environment:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise DataError(f"environment variable name {name!r} is not a shell identifier")
    job = _Job(command, setup or "", "-o pipefail" if pipefail else "", tuple(environment), tuple(arguments))
    with SEEDS.use(fixture, host_uid if os.geteuid() == 0 else None) as seed:
        run = _execute(job, seed, host_uid, limits)
        return dataclasses.replace(run, initial_files=seed.initial or ())


@dataclass(frozen=True)
class _Job:
    command: str
    setup: str = ""
    options: str = ""
    environment: tuple[tuple[str, str], ...] = ()
    arguments: tuple[str, ...] = ()


def _failed(error: str, started: float, stderr: bytes = b"") -> SandboxRun:
    return SandboxRun(
        exit_code=None,
        stdout=b"",
        stderr=stderr,
        stdout_truncated=False,
        timed_out=False,
        setup_exit_code=None,
        files=None,
        duration_s=time.monotonic() - started,
        error=error,
    )


def _execute(job: _Job, seed: _Seed, host_uid: int, limits: SandboxLimits) -> SandboxRun:
    started = time.monotonic()
    deadline = started + limits.wall_seconds
    info_read, info_write = os.pipe()
    control_read, control_write = os.pipe()
    go_read, go_write = os.pipe()
    parent = delegated_memory_parent()
    cgroup: MemoryCgroup | None = None
    roots: list[int] = []
    process: subprocess.Popen[bytes] | None = None
    try:
        if parent is not None:
            cgroup = MemoryCgroup(parent, limits)
        nproc = nproc_for(limits, host_uid)
        wrapper = _wrapper_script(limits, nproc, seed.roots, control_write, go_read, job.options)
        mounts = [
            Mount(root, size_bytes=limits.tmp_bytes) for root in seed.roots if root not in WRITABLE_ROOTS
        ]
        argv = [*(cgroup.enter_prefix() if cgroup else []), *_drop_root(host_uid)]
        argv += bwrap_arguments(
            limits,
            SEEDS.root() / "etc",
            [*mounts, Mount(SEED_MOUNT, str(seed.path))],
            info_write,
            SEEDS.root() / "shims",
        )
        for name, value in job.environment:
            argv += ["--setenv", name, value]
        argv += [
            "/bin/bash",
            "--noprofile",
            "--norc",
            "-c",
            wrapper,
            "sandbox-wrapper",
            job.setup,
            job.command,
        ]
        argv += job.arguments
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(info_write, control_write, go_read),
            env=SANDBOX_ENV,
            start_new_session=True,
            cwd="/",
        )
    except OSError as error:
        for fd in (info_read, control_read, go_write):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        return _failed(f"sandbox failed to start: {error}", started)
    finally:
        for fd in (info_write, control_write, go_read):
            os.close(fd)
    assert process.stdout is not None and process.stderr is not None
    try:
        handshake = _handshake(info_read, control_read, deadline)
        if isinstance(handshake, str):
            kill_tree(process, cgroup)
            process.wait()
            stderr = process.stderr.read(limits.stderr_bytes)
            first = next((line for line in stderr.decode(errors="replace").splitlines() if line.strip()), "")
            return _failed(f"sandbox failed: {first or handshake}", started, stderr)
        child_pid, setup_status = handshake
        try:
            for root in seed.roots:
                roots.append(open_root(f"/proc/{child_pid}/root{root}"))
        except OSError as error:
            kill_tree(process, cgroup)
            process.wait()
            return _failed(f"sandbox failed: cannot open its files from the host ({error.strerror})", started)
        with contextlib.suppress(BrokenPipeError):
            os.write(go_write, b"go\n")
        os.close(go_write)
        go_write = -1
        os.close(control_read)
        control_read = -1
        opened = dict(zip(seed.roots, roots, strict=True))
        return _finish(process, cgroup, opened, child_pid, limits, started, setup_status)
    finally:
        for fd in (info_read, control_read, go_write, *roots):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        process.stdout.close()
        process.stderr.close()
        if cgroup is not None:
            cgroup.remove()


def _drop_root(host_uid: int) -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = host_program("setpriv")
    return [
        setpriv,
        f"--reuid={host_uid}",
        f"--regid={host_uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]


def _handshake(info_fd: int, control_fd: int, deadline: float) -> tuple[int, int] | str:
    """(sandbox pid, setup status) once the wrapper is ready, or why it never got there."""
    # bwrap's one JSON object; not up to EOF, as a tracer above bwrap keeps its own copy of the pipe open
    info = _read_until(info_fd, deadline, lambda data: data.rstrip().endswith(b"}"))
    try:
        child_pid = int(json.loads(info)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return "bubblewrap did not start the sandbox"
    control = _read_until(control_fd, deadline, lambda data: b"\n" in data)
    match = re.fullmatch(rb"ready (\d+)\n", control)
    if match is None:
        return "timed out preparing the sandbox" if time.monotonic() >= deadline else "no ready signal"
    return child_pid, int(match.group(1))


def _read_until(fd: int, deadline: float, done: object) -> bytes:
    """Read ``fd`` until EOF, ``done(data)``, 4 KiB, or the deadline."""
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(data) < 4096 and not done(data):  # type: ignore[operator]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    return data


def _finish(
    process: subprocess.Popen[bytes],
    cgroup: MemoryCgroup | None,
    roots: dict[str, int],
    child_pid: int,
    limits: SandboxLimits,
    started: float,
    setup_status: int,
) -> SandboxRun:
    assert process.stdout is not None and process.stderr is not None
    stdout_fd, stderr_fd = process.stdout.fileno(), process.stderr.fileno()
    caps = {stdout_fd: limits.output_bytes, stderr_fd: limits.stderr_bytes}
    watch = None if cgroup is not None else lambda: tree_memory(child_pid) > limits.memory_bytes
    drained = _drain(caps, started + limits.wall_seconds, stdout_fd, watch)
    flooded = stdout_fd in drained.overflowed
    timed_out = drained.timed_out
    if timed_out or flooded or drained.watch_fired:
        kill_tree(process, cgroup)
    try:
        _wait(process, max(1.0, started + limits.wall_seconds + 2 - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_tree(process, cgroup)
        process.wait()
        timed_out = True
    memory_exceeded = drained.watch_fired or (cgroup is not None and cgroup.oom_killed())
    stdout, stderr = drained.captured[stdout_fd], drained.captured[stderr_fd]
    ended = {"stdout": stdout, "stderr": stderr, "setup_exit_code": setup_status}
    ended["duration_s"] = time.monotonic() - started
    if timed_out or flooded or memory_exceeded:
        return SandboxRun(
            exit_code=None,
            stdout_truncated=flooded,
            timed_out=timed_out and not memory_exceeded,
            files=None,
            memory_exceeded=memory_exceeded,
            **ended,
        )
    exit_code = process.returncode if process.returncode >= 0 else 128 - process.returncode
    return SandboxRun(
        exit_code=exit_code,
        stdout_truncated=False,
        timed_out=False,
        files=_read_roots(roots, limits),
        **ended,
    )


def _wait(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for bwrap to exit: on a pidfd where the kernel has them (Popen.wait(timeout) polls
    with sleeps, which adds milliseconds to every run), else as Popen does."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        process.wait(timeout=timeout)
        return
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(pidfd, selectors.EVENT_READ)
            if not selector.select(timeout=timeout):
                raise subprocess.TimeoutExpired(process.args, timeout)
    finally:
        os.close(pidfd)
    process.wait()


def _read_roots(roots: dict[str, int], limits: SandboxLimits) -> tuple[FileState, ...] | None:
    """The writable roots as the command left them; None if they cannot be read back."""
    entries: list[FileState] = []
    budget = limits.workspace_bytes + len(roots) * limits.tmp_bytes
    try:
        for root, fd in roots.items():
            entries.extend(read_tree(fd, root, budget))
    except OSError:
        return None
    return tuple(entries)


@dataclass
class _Drained:
    captured: dict[int, bytes]
    overflowed: set[int]
    timed_out: bool = False
    watch_fired: bool = False
    stream_stopped: bool = False


def _drain(
    caps: dict[int, int],
    deadline: float,
    stop_on_overflow: int,
    watch: Callable[[], bool] | None = None,
    streams: dict[int, Callable[[bytes], bool]] | None = None,
) -> _Drained:
    """Read every pipe until all close or the deadline passes; keep at most cap bytes each.

    Output beyond the cap on ``stop_on_overflow`` (stdout) ends the run at once: waiting
    for `yes` to hit the timeout would only burn the gate's time. ``watch`` is asked every
    ``WATCH_INTERVAL_S`` whether to stop (the memory watchdog). ``streams`` are pipes handed
    chunk by chunk to their callback instead of being kept (a trace read as it comes); a
    callback that returns True ends the run (it has seen enough).
    """
    buffers = {fd: bytearray() for fd in caps}
    overflowed: set[int] = set()
    streams = streams or {}

    def result(**flags: bool) -> _Drained:
        return _Drained({fd: bytes(b) for fd, b in buffers.items()}, overflowed, **flags)

    next_watch = time.monotonic() + WATCH_INTERVAL_S
    with selectors.DefaultSelector() as selector:
        for fd in [*caps, *streams]:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                return result(timed_out=True)
            if watch is not None and now >= next_watch:
                if watch():
                    return result(watch_fired=True)
                next_watch = now + WATCH_INTERVAL_S
            timeout = deadline - now if watch is None else min(deadline, next_watch) - now
            for key, _ in selector.select(timeout=max(timeout, 0)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                if key.fd in streams:
                    if streams[key.fd](chunk):
                        return result(stream_stopped=True)
                    continue
                room = caps[key.fd] - len(buffers[key.fd])
                if len(chunk) > room:
                    overflowed.add(key.fd)
                buffers[key.fd] += chunk[: max(room, 0)]
                if key.fd == stop_on_overflow and key.fd in overflowed:
                    return result()
    return result()


def tree_memory(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (0 once they are gone)."""
    total, stack, seen = 0, [root_pid], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            for task in os.listdir(f"/proc/{pid}/task"):
                stack.extend(int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def kill_tree(process: subprocess.Popen[bytes], cgroup: MemoryCgroup | None = None) -> None:
    """Kill every process of a sandbox.

    With a cgroup, ``cgroup.kill``. Otherwise SIGKILL to bwrap's session: bwrap's pid 1 inside
    gets SIGKILL when bwrap dies (``--die-with-parent``), and the pid namespace dies with it,
    taking every sandboxed process along; nothing inside can outlive or dodge that.
    """
    if cgroup is not None:
        with contextlib.suppress(OSError):
            (cgroup.path / "cgroup.kill").write_text("1")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------- availability


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
        return True, (
            "sandbox available (bubblewrap: user, mount, pid, net, uts, ipc namespaces; "
            f"memory: {memory_cap_description(DEFAULT_LIMITS)})"
        )
    except Exception as error:  # noqa: BLE001 - the contract is "never raises"
        return False, f"sandbox unavailable: {type(error).__name__}: {error}".splitlines()[0]


def run_probe() -> str:
    """Run a trivial command in a sandbox; returns '' when it worked, else the first error line."""
    host_uid = _host_uid()
    probe = fixture_for({"probe.txt": "ok\n"})
    with SEEDS.use(probe, host_uid if os.geteuid() == 0 else None) as seed:
        run = _execute(_Job("cat probe.txt; id -un"), seed, host_uid, SandboxLimits(wall_seconds=10))
    if run.error:
        return run.error.removeprefix("sandbox failed: ")
    if run.timed_out:
        return "a trivial command timed out in the sandbox"
    if run.stdout_text != f"ok\n{SANDBOX_USER}\n":
        return f"unexpected probe output {run.stdout_text[:80]!r} (stderr {run.stderr_text[:80]!r})"
    return ""
