"""The sandbox's filesystem and namespaces, as bubblewrap arguments.

Only what commands need is visible: the host's ``/usr`` and the ``/bin``, ``/sbin`` and
``/lib*`` links or directories, read-only, and a curated ``/etc`` (the dynamic linker's cache,
``alternatives`` links, a few data files, and our own passwd, group, hosts and nsswitch.conf).
Nothing else of the host is mounted: no ``/home``, ``/var``, ``/srv``, ``/run``, ``/mnt`` or
``/opt``, so no host file beyond those and no host Unix socket is reachable (abstract sockets
belong to the network namespace, which is new). The writable places are size-capped tmpfs
mounts: ``/home`` (HOME and the work dir below it), ``/tmp``, ``/dev/shm``; the root itself is
read-only. Reusable: ``bwrap_arguments`` takes the mounts a caller wants on top.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.sandbox.limits import SandboxLimits

SANDBOX_USER = "sandbox"
SANDBOX_UID = 1000
SANDBOX_HOSTNAME = "devbox"  # not the user name, so `hostname` and `whoami` print different things
SANDBOX_HOME = "/home/sandbox"
WORK_DIR = f"{SANDBOX_HOME}/work"
SEED_MOUNT = "/run/seed"
# the tmpfs mounts a command may change; the runner reads them back, in this order
WRITABLE_ROOTS = ("/home", "/tmp")
SHIMS = "/run/shims"
SANDBOX_ENV = {
    "PATH": f"{SHIMS}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    "HOME": SANDBOX_HOME,
    "USER": SANDBOX_USER,
    "LOGNAME": SANDBOX_USER,
    "SHELL": "/bin/bash",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "dumb",
}
# host directories (or their usrmerge links) bound read-only
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# host /etc entries bound read-only when present: what the linker and common tools read
HOST_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "magic",
    "mime.types",
    "protocols",
    "services",
    "shells",
    "ssl/openssl.cnf",
)
# /etc files the sandbox gets from us instead of the host
OWN_ETC = {
    "passwd": (
        "root:x:0:0:root:/root:/bin/bash\n"
        f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_UID}:{SANDBOX_USER}:{SANDBOX_HOME}:/bin/bash\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    ),
    "group": f"root:x:0:\n{SANDBOX_USER}:x:{SANDBOX_UID}:\nnogroup:x:65534:\n",
    "hosts": f"127.0.0.1\tlocalhost {SANDBOX_HOSTNAME}\n::1\tlocalhost\n",
    "hostname": f"{SANDBOX_HOSTNAME}\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files\nnetworks: files\n",
}


# programs the sandbox provides itself, first on PATH so the host's copies never matter
OWN_PROGRAMS = {
    # there is no root to become: sudo runs the command as the sandbox user (a root-only
    # command then fails as it would for anyone, and the judge says "needs root")
    "sudo": """#!/bin/sh
while [ $# -gt 0 ]; do
    case "$1" in
        -u|-g|-p|-C|-h|-r|-t|-U|-D) shift 2 ;;
        --) shift; break ;;
        -*) shift ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: sudo command" >&2; exit 1; }
exec "$@"
""",
}


@dataclass(frozen=True)
class Mount:
    """An extra mount on top of the base layout: a read-only bind of a host path, or a sized tmpfs."""

    destination: str
    source: str = ""  # host path for a read-only bind; empty for a tmpfs
    size_bytes: int = 0
    directories: tuple[str, ...] = ()  # made inside a tmpfs once it is mounted (absolute paths)


def write_shims(directory: Path) -> None:
    """Write the sandbox's own programs (``OWN_PROGRAMS``), bound read-only at ``SHIMS``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, script in OWN_PROGRAMS.items():
        (directory / name).write_text(script)
        (directory / name).chmod(0o755)
    directory.chmod(0o755)


def write_etc(directory: Path) -> None:
    """Build the sandbox's /etc on the host: copies of the curated host entries and our own files.

    One directory bound once is cheaper than a bind per file (each mount costs bwrap time on
    every run), and a copy cannot show later changes of the host's /etc.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name in HOST_ETC:
        host = Path("/etc") / name
        if not os.path.lexists(host):
            continue
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if host.is_dir() and not host.is_symlink():
            shutil.copytree(host, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(host, target, follow_symlinks=False)
    for name, content in OWN_ETC.items():
        (directory / name).write_text(content)
    if not (directory / "mtab").is_symlink():
        (directory / "mtab").symlink_to("../proc/self/mounts")  # df and mount read it
    for path in [directory, *directory.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)  # the unprivileged sandbox uid reads them


@functools.lru_cache(maxsize=8)
def host_program(name: str) -> str:
    """A host program's path, looked up once (a PATH search on every run costs more than it seems)."""
    return shutil.which(name) or name


@functools.lru_cache(maxsize=1)
def system_binds() -> tuple[str, ...]:
    """Read-only binds (or usrmerge symlinks) of the host's programs and libraries."""
    args: list[str] = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return tuple(args)


def bwrap_arguments(
    limits: SandboxLimits,
    etc: Path,
    mounts: Sequence[Mount] = (),
    info_fd: int | None = None,
    shims: Path | None = None,
    *,
    uid: int = SANDBOX_UID,
    capabilities: bool = False,
) -> list[str]:
    """The bwrap command line up to (not including) the program to run.

    ``etc`` is from ``write_etc``, ``shims`` from ``write_shims``. ``uid`` is the user inside (and
    its group); ``capabilities`` keeps every capability of the sandbox's own user namespace (the
    honeypot mounts its overlay with them; they give nothing outside that namespace).
    """
    args = [host_program("bwrap"), "--unshare-all", "--die-with-parent", "--new-session"]
    args += ["--uid", str(uid), "--gid", str(uid), "--hostname", SANDBOX_HOSTNAME]
    if capabilities:
        args += ["--cap-add", "ALL"]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    args += [*system_binds(), "--ro-bind", str(etc), "/etc"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(limits.workspace_bytes), "--tmpfs", "/home"]
    args += ["--size", str(limits.tmp_bytes), "--perms", "1777", "--tmpfs", "/tmp"]
    args += ["--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm"]
    args += ["--size", str(1 << 20), "--tmpfs", "/run"]
    if shims is not None:
        args += ["--ro-bind", str(shims), SHIMS]
    for mount in mounts:
        if mount.source:
            args += ["--ro-bind", mount.source, mount.destination]
        else:
            args += ["--size", str(mount.size_bytes), "--tmpfs", mount.destination]
            for directory in mount.directories:
                args += ["--dir", directory]
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    return args
