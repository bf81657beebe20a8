"""The files a sandbox left behind, read host-side through a directory descriptor.

The runner opens each writable root of the sandbox (``/home``, ``/tmp``) before the command
starts and keeps the descriptors; after the sandbox has exited, its tmpfs mounts are gone
from every namespace but stay readable through them. So the state a command is judged on is
read by the host from the real files, after every sandboxed process is dead: nothing inside
can write a forged result, and nothing can change the files while they are read. Links are
never followed and FIFOs never opened.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from dataclasses import dataclass

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = _READ_FLAGS | os.O_DIRECTORY


@dataclass(frozen=True)
class FileState:
    """One entry of a writable root after a run (times deliberately left out)."""

    path: str  # absolute path inside the sandbox, e.g. /home/sandbox/work/notes.txt
    kind: str  # file, dir, symlink, hardlink, fifo, socket, other
    mode: int
    digest: str = ""  # sha256 of a file's content
    target: str = ""  # a symlink's target, or the first path of a hard-linked file


def open_root(path: str) -> int:
    """A descriptor of the directory ``path``, without following a final symlink."""
    return os.open(path, _DIR_FLAGS)


def read_tree(root_fd: int, prefix: str, max_bytes: int) -> tuple[FileState, ...]:
    """Every entry below ``root_fd``, with paths under ``prefix``; reads at most ``max_bytes`` of content.

    Raises OSError when the tree cannot be read (the caller decides what that means).
    """
    entries: list[FileState] = []
    seen: dict[tuple[int, int], str] = {}
    budget = [max_bytes]
    _walk(root_fd, prefix.rstrip("/"), entries, seen, budget)
    return tuple(sorted(entries, key=lambda entry: entry.path))


def _walk(
    dir_fd: int, prefix: str, entries: list[FileState], seen: dict[tuple[int, int], str], budget: list[int]
) -> None:
    for name in sorted(_list(dir_fd)):
        path = f"{prefix}/{name}"
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            entries.append(FileState(path, "symlink", 0, target=os.readlink(name, dir_fd=dir_fd)))
        elif stat.S_ISDIR(info.st_mode):
            entries.append(FileState(path, "dir", mode))
            child = _open(name, dir_fd, _DIR_FLAGS, 0o700)
            try:
                _walk(child, path, entries, seen, budget)
            finally:
                os.close(child)
        elif stat.S_ISREG(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if info.st_nlink > 1 and key in seen:
                entries.append(FileState(path, "hardlink", mode, target=seen[key]))
                continue
            seen[key] = path
            entries.append(FileState(path, "file", mode, _digest(name, dir_fd, budget)))
        elif stat.S_ISFIFO(info.st_mode):
            entries.append(FileState(path, "fifo", mode))
        elif stat.S_ISSOCK(info.st_mode):
            entries.append(FileState(path, "socket", mode))
        else:
            entries.append(FileState(path, "other", mode))


def _list(dir_fd: int) -> list[str]:
    try:
        return os.listdir(dir_fd)
    except PermissionError:
        os.fchmod(dir_fd, 0o700)  # our own file (same uid outside the namespace): make it listable
        return os.listdir(dir_fd)


def _open(name: str, dir_fd: int, flags: int, repair_mode: int) -> int:
    """Open an entry; if its mode locks out its owner (us, when not root), lend ourselves access."""
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except PermissionError:
        os.chmod(name, repair_mode, dir_fd=dir_fd)  # not a link: checked, and nothing runs any more
        return os.open(name, flags, dir_fd=dir_fd)


def _digest(name: str, dir_fd: int, budget: list[int]) -> str:
    fd = _open(name, dir_fd, _READ_FLAGS, 0o600)
    digest = hashlib.sha256()
    try:
        while chunk := os.read(fd, 1 << 20):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise OSError(errno.EFBIG, "more file content than the sandbox can hold")
            digest.update(chunk)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    return digest.hexdigest()
