"""Resource ceilings of one sandbox: rlimits set inside, and a memory cap per sandbox.

Two mechanisms bound memory. Where the caller has a delegated cgroup v2 subtree with the memory
controller (a systemd unit with ``Delegate=yes``, a container's own cgroup), each sandbox gets
its own child cgroup with ``memory.max`` (tmpfs pages included), ``memory.swap.max = 0`` and
``pids.max``; ``cgroup.kill`` ends the whole tree. Everywhere else the cap is per process: a
tight address-space rlimit times a small process count (RLIMIT_NPROC is counted per user
namespace since Linux 5.14, so per sandbox), plus the tmpfs sizes. Both are hard limits set
before the command starts, so the command cannot raise them.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

MIB = 1 << 20


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run ceilings; generous for coreutils pipelines, fatal for bombs and floods."""

    wall_seconds: float = 5.0
    cpu_seconds: int = 4
    address_space_bytes: int = 256 * MIB  # per process (RLIMIT_AS)
    max_processes: int = 16  # processes and threads of one sandbox (RLIMIT_NPROC, pids.max)
    memory_bytes: int = 512 * MIB  # whole sandbox, where a delegated cgroup v2 allows it
    file_size_bytes: int = 16 * MIB
    workspace_bytes: int = 64 * MIB  # the /home tmpfs (HOME and the work dir)
    tmp_bytes: int = 16 * MIB  # /tmp and /dev/shm, each
    output_bytes: int = 64 << 10
    stderr_bytes: int = 8 << 10

    @property
    def fallback_ceiling_bytes(self) -> int:
        """Most memory one sandbox can hold without a cgroup: every process at its limit, full tmpfs."""
        return self.max_processes * self.address_space_bytes + self.workspace_bytes + 2 * self.tmp_bytes


DEFAULT_LIMITS = SandboxLimits()


def ulimit_command(limits: SandboxLimits, nproc: int) -> str:
    """The bash line that sets hard and soft rlimits; exits 97 if the kernel refuses one."""
    return (
        "ulimit -c 0; ulimit -H -S"
        f" -t {limits.cpu_seconds} -v {limits.address_space_bytes // 1024} -u {nproc}"
        f" -f {max(1, limits.file_size_bytes // 1024)} -n 256 || exit 97"
    )


def nproc_for(limits: SandboxLimits, uid: int) -> int:
    """RLIMIT_NPROC to set: per sandbox on Linux >= 5.14; older kernels count every process of the uid."""
    if _kernel_counts_per_namespace():
        return limits.max_processes
    return limits.max_processes + _threads_of(uid)


@functools.lru_cache(maxsize=1)
def _kernel_counts_per_namespace() -> bool:
    release = os.uname().release.split("-")[0].split(".")
    try:
        major, minor = int(release[0]), int(release[1])
    except (IndexError, ValueError):
        return False
    return (major, minor) >= (5, 14)


def _threads_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.stat(entry.path).st_uid == uid:
                    count += len(os.listdir(f"{entry.path}/task"))
            except OSError:
                continue
    return count


# ---------------------------------------------------------------- cgroup v2 memory cap


class MemoryCgroup:
    """One sandbox's own cgroup under a delegated parent: created before the run, killed and removed after."""

    _names = itertools.count()

    def __init__(self, parent: Path, limits: SandboxLimits) -> None:
        self.path = parent / f"securecli-sandbox-{os.getpid()}-{next(self._names)}"
        self.path.mkdir()
        try:
            (self.path / "memory.max").write_text(str(limits.memory_bytes))
            with contextlib.suppress(FileNotFoundError):
                (self.path / "memory.swap.max").write_text("0")
            with contextlib.suppress(FileNotFoundError):
                (self.path / "pids.max").write_text(str(limits.max_processes + 4))
        except OSError:
            self.remove()
            raise

    def enter_prefix(self) -> list[str]:
        """argv prefix that moves the process into this cgroup, then execs the rest (children inherit)."""
        procs = shlex.quote(str(self.path / "cgroup.procs"))
        return ["/bin/sh", "-c", f'echo $$ > {procs} && exec "$@"', "cgroup-enter"]

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this sandbox for passing memory.max."""
        try:
            events = (self.path / "memory.events").read_text().split()
        except OSError:
            return False
        counts = dict(zip(events[::2], events[1::2], strict=False))
        return int(counts.get("oom_kill", "0")) > 0

    def remove(self) -> None:
        """Kill whatever is left in the cgroup and remove it (waits briefly for the kernel to reap)."""
        with contextlib.suppress(OSError):
            (self.path / "cgroup.kill").write_text("1")
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.01)


@functools.lru_cache(maxsize=1)
def delegated_memory_parent() -> Path | None:
    """A cgroup v2 directory we may create children in, with memory limits available to them."""
    mount = _cgroup2_mount()
    if mount is None:
        return None
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    own = next((line[3:] for line in lines if line.startswith("0::")), None)
    if own is None:
        return None
    here = mount / own.lstrip("/")
    for candidate in (here, here.parent):
        if _can_delegate(candidate):
            return candidate
    return None


def _cgroup2_mount() -> Path | None:
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split(" - ")
            if len(fields) == 2 and fields[1].split()[0] == "cgroup2":
                return Path(line.split()[4])
    except OSError:
        return None
    return None


def _can_delegate(directory: Path) -> bool:
    try:
        controllers = (directory / "cgroup.subtree_control").read_text().split()
    except OSError:
        return False
    if "memory" not in controllers or not os.access(directory, os.W_OK | os.X_OK):
        return False
    probe = directory / f"securecli-probe-{os.getpid()}"
    try:
        probe.mkdir()
        ok = (probe / "memory.max").exists()
        probe.rmdir()
    except OSError:
        return False
    return ok


def memory_cap_description(limits: SandboxLimits) -> str:
    """One line saying which memory cap applies here."""
    parent = delegated_memory_parent()
    if parent is not None:
        return f"cgroup v2 memory.max {limits.memory_bytes // MIB} MiB per sandbox"
    return (
        f"address space {limits.address_space_bytes // MIB} MiB x {limits.max_processes} processes "
        f"(no delegated cgroup v2 memory controller; ceiling {limits.fallback_ceiling_bytes // MIB} MiB)"
    )
