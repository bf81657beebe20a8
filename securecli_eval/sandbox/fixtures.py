"""The files a sandboxed command finds: in its work dir, in HOME above it, and in /tmp.

A command is only comparable to another when both meet the same files, so every run starts
from a fixture: the default one below, or an example's own ``files`` (relative to the work
dir). The work dir is ``/home/sandbox/work``, not HOME, so ``mkdir ~/x`` and ``mkdir x`` leave
different trees and ``echo $HOME`` differs from ``pwd``. The default tree has what commands
look for: nested and empty directories, hidden files, names with spaces, logs, CSV, sources,
archives, executables, symlinks (to a file, to a directory, dangling), a few modes, and
modification times spread from minutes to years before the run, so
``find -mtime``/``-mmin``/``-newer`` select some files and not others. A git repository
(``git_repository``) is added only for references that call git.

``validate_files`` checks an example's files before anything is written: paths (``.``,
``..``, absolute, empty components, name and path length), file/directory collisions and the
total size, each with a one-line error.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import DataError
from securecli_eval.sandbox.bwrap import SANDBOX_HOME, WORK_DIR, WRITABLE_ROOTS

# 2024-01-01T00:00:00Z: the modification time of every fixture entry without its own
FIXED_MTIME = 1_704_067_200
MAX_FIXTURE_BYTES = 16 << 20  # an example's files, in all (the work dir tmpfs holds 64 MiB)
MAX_FIXTURE_ENTRIES = 10_000
NAME_MAX = 255  # bytes per path component (Linux)
PATH_MAX = 1024  # bytes per path below the work dir; well under Linux's 4096 with the prefix
MAX_DEPTH = 32
ROOT_MODES = {"/home": 0o755, "/tmp": 0o1777}

# the work dir's text files; a path ending in "/" is an (empty) directory
DEFAULT_FIXTURE: dict[str, str] = {
    "README.md": "# demo project\n\nA small tree for shell commands to work on.\n",
    # lines, words and case differ, so wc -l/-w and grep/grep -i near misses are told apart
    "notes.txt": "alpha\nbeta\ngamma delta\nalpha\nDelta\nbeta\nalpha beta gamma\n",
    "numbers.txt": "10\n2\n33\n4\n2\n15\n",
    "empty.txt": "",
    "file with spaces.txt": "a name with spaces\nsecond line\n",
    "readonly.txt": "do not edit\n",
    ".hidden": "secret=not-really\n",
    ".config/app.conf": "[server]\nport=8080\nhost=localhost\ndebug=false\n",
    "config.xml": '<?xml version="1.0"?>\n<config>\n  <port>8080</port>\n  <debug>false</debug>\n</config>\n',
    # every column sorts the rows differently, so a sort key or a column choice shows
    "data/users.csv": (
        "id,name,email,age\n1,alice,white@example.com,34\n2,bob,adams@example.org,27\n"
        "3,carol,miller@example.com,41\n4,dave,brown@example.net,27\n"
    ),
    "data/sales.csv": "region,amount\nnorth,120\nsouth,80\nnorth,45\neast,300\nsouth,20\n",
    "data/words.txt": "pear\napple\nfig\napple\nbanana\nfig\napple\n",
    "data/table.tsv": "name\tqty\tprice\nbolt\t100\t0.10\nnut\t250\t0.05\nscrew\t75\t0.12\n",
    "logs/app.log": (
        "2024-01-01 10:00:00 INFO server started\n2024-01-01 10:00:05 WARN disk at 80%\n"
        "2024-01-01 10:01:00 ERROR connection refused\n2024-01-01 10:02:00 INFO request served\n"
        "2024-01-01 10:03:00 ERROR timeout talking to db\n"
        "2024-01-01 10:04:00 INFO recovered from error, retrying\n"  # grep ERROR vs grep -i error differ
    ),
    "logs/old/app.log.1": "2023-12-31 23:59:00 INFO rotated\n2023-12-31 23:59:30 ERROR late failure\n",
    "logs/access.log": (
        '127.0.0.1 - - "GET / HTTP/1.1" 200\n10.0.0.2 - - "GET /login HTTP/1.1" 302\n'
        '127.0.0.1 - - "POST /api HTTP/1.1" 500\n10.0.0.3 - - "GET / HTTP/1.1" 200\n'
    ),
    "src/main.py": (
        'import sys\n\n\ndef main():\n    print("hello")\n\n\nif __name__ == "__main__":\n    main()\n'
    ),
    "src/util.py": "def add(a, b):\n    return a + b\n",
    "src/app.c": '#include "app.h"\n\nint main(void) {\n    puts("hello");\n    return 0;\n}\n',
    "src/app.h": "#ifndef APP_H\n#define APP_H\nint helper(int x);\n#endif\n",
    "src/Main.java": 'class Main {\n    static void main(String[] a) {\n        print("hi");\n    }\n}\n',
    "src/lib/common.sh": '#!/bin/sh\necho "common"\n',
    "scripts/build.sh": "#!/bin/sh\necho building\n",
    "scripts/open.sh": "#!/bin/sh\necho wide open\n",
    "bin/hello": "#!/bin/sh\necho hello from bin\n",
    "web/index.html": '<html>\n<body>\n<h1>Hello</h1>\n<script src="app.js"></script>\n</body>\n</html>\n',
    "web/app.js": "function greet(name) {\n  return 'hello ' + name;\n}\n// TODO: more\n",
    "web/style.css": "body { margin: 0; }\nh1 { color: red; }\n",
    "web/index.php": "<?php\necho 'hello';\n?>\n",
    "docs/guide.md": "# Guide\n\nTODO: write the guide\n",
    "docs/api.md": "# API\n\nTODO: document add()\n",
    "docs/old/changelog.txt": "v1.0 first release\nv1.1 bug fixes\n",
    "backup/notes.txt.bak": "alpha\nbeta\n",
    "cache/session.tmp": "token-placeholder\n",
    "a/b/c/deep.txt": "three levels down\n",
    "My Documents/report draft.txt": "draft\n",
    "tmp/": "",
    "empty-dir/": "",
}
DEFAULT_MODES: dict[str, int] = {
    "scripts/build.sh": 0o755,
    "scripts/open.sh": 0o777,
    "src/lib/common.sh": 0o755,
    "bin/hello": 0o755,
    ".hidden": 0o600,
    "readonly.txt": 0o444,
}
# age in seconds before the run of entries whose time is not FIXED_MTIME (times spread out)
DEFAULT_AGES: dict[str, int] = {
    "logs/app.log": 10 * 60,
    "logs/access.log": 50 * 60,
    "data/sales.csv": 3 * 3600,
    "notes.txt": 2 * 86400,
    "src/main.py": 5 * 86400,
    "docs/guide.md": 10 * 86400,
    "README.md": 40 * 86400,
    "logs/old/app.log.1": 400 * 86400,
}
DEFAULT_SYMLINKS: dict[str, str] = {
    "latest.log": "logs/app.log",
    "docs-link": "docs",
    "broken.link": "missing.txt",
}
# HOME above the work dir, and /tmp
DEFAULT_HOME: dict[str, str] = {
    ".bashrc": "export EDITOR=vi\nalias ll='ls -l'\n",
    ".profile": "# profile\n",
    "Documents/report.txt": "quarterly report\nrevenue up\n",
    "Downloads/setup.sh": "#!/bin/sh\necho setup\n",
    ".cache/": "",
}
DEFAULT_TMP: dict[str, str] = {
    "session.log": "session opened\nsession closed\n",
    "build/output.txt": "build ok\n",
}
# every command's stdin: words, numbers, a repeated line, mixed case, a blank line
BASE_LINES = (
    "alpha 10 red",
    "beta 2 green",
    "Gamma 33 blue",
    "alpha 10 red",
    "delta 4 yellow",
    "",
    "epsilon 15 red",
)
DEFAULT_STDIN = "".join(line + "\n" for line in BASE_LINES).encode()


@dataclass(frozen=True)
class FixtureEntry:
    """One thing to create: a file (content, mode), a directory, or a symlink (target)."""

    kind: str  # file, dir, symlink
    content: bytes = b""
    mode: int = 0o644
    mtime: int = FIXED_MTIME
    target: str = ""


class Fixture:
    """A whole starting state: absolute sandbox paths to entries, and what the command reads on stdin.

    Paths live below ``/home``, ``/tmp`` or another top-level directory outside the system's
    own (``roots`` lists them; each becomes a size-capped tmpfs in the sandbox).
    """

    def __init__(self, entries: Mapping[str, FixtureEntry], stdin: bytes = DEFAULT_STDIN) -> None:
        self.entries = dict(sorted(entries.items()))
        self.stdin = stdin
        tops = {"/" + path.split("/")[1] for path in self.entries}
        # every directory, also those only implied by a deeper entry
        self.directories = {path for path, entry in self.entries.items() if entry.kind == "dir"} | {
            path[:index] for path in self.entries for index in range(1, len(path)) if path[index] == "/"
        }
        self.roots = tuple(WRITABLE_ROOTS) + tuple(sorted(tops - set(WRITABLE_ROOTS)))
        digest = hashlib.sha256(stdin)
        for path, entry in self.entries.items():
            digest.update(f"{path}\0{entry.kind}\0{entry.mode}\0{entry.mtime}\0{entry.target}\0".encode())
            digest.update(hashlib.sha256(entry.content).digest())
        self.key = digest.hexdigest()[:20]

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def size_bytes(self) -> int:
        return sum(len(entry.content) for entry in self.entries.values())


def validate_files(files: object, max_bytes: int = MAX_FIXTURE_BYTES) -> dict[str, str]:
    """An example's ``files`` (relative path -> text), checked whole before anything is written.

    Raises DataError with one line naming the first bad path and what to do.
    """
    if not isinstance(files, Mapping):
        raise DataError(f"'files' must be a mapping from relative path to text, got {type(files).__name__}")
    if len(files) > MAX_FIXTURE_ENTRIES:
        raise DataError(f"'files' has {len(files)} entries; at most {MAX_FIXTURE_ENTRIES} are allowed")
    clean: dict[str, str] = {}
    kinds: dict[str, str] = {}  # normalised path -> "file" or "dir"
    total = 0
    for raw_path, content in files.items():
        if not isinstance(raw_path, str) or not isinstance(content, str):
            raise DataError(f"fixture entry {raw_path!r}: path and content must both be strings")
        try:
            size = len(content.encode("utf-8"))
            raw_path.encode("utf-8")
        except UnicodeEncodeError:
            raise DataError(
                f"fixture entry {raw_path!r} is not valid UTF-8 text; fix the path or content"
            ) from None
        parts = _checked_parts(raw_path)
        is_dir = raw_path.endswith("/")
        if is_dir and content:
            raise DataError(f"fixture path {raw_path!r} ends in '/' (a directory) but has content; drop one")
        total += size
        if total > max_bytes:
            raise DataError(
                f"fixture files hold more than {max_bytes >> 20} MiB (at {raw_path!r}); use smaller files"
            )
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if kinds.get(parent) == "file":
                raise DataError(f"fixture path {raw_path!r} puts a file inside {parent!r}, which is a file")
            kinds[parent] = "dir"
        name = "/".join(parts)
        previous = kinds.get(name)
        if previous is not None and (previous == "dir") != is_dir:
            raise DataError(f"fixture path {raw_path!r} names {name!r} twice, as a file and as a directory")
        kinds[name] = "dir" if is_dir else "file"
        clean[raw_path] = content
    return clean


def _checked_parts(raw_path: str) -> list[str]:
    problem = ""
    body = raw_path[:-1] if raw_path.endswith("/") else raw_path
    parts = body.split("/")
    if not body or raw_path.startswith("/") or "\x00" in raw_path:
        problem = "must be relative and stay inside the working directory"
    elif any(part in ("", ".", "..") for part in parts):
        problem = "must be relative and stay inside the working directory, without '.', '..' or '//'"
    elif any(len(part.encode("utf-8")) > NAME_MAX for part in parts):
        problem = f"has a name longer than {NAME_MAX} bytes"
    elif len(raw_path.encode("utf-8")) > PATH_MAX or len(parts) > MAX_DEPTH:
        problem = f"is longer than {PATH_MAX} bytes or deeper than {MAX_DEPTH} directories"
    if problem:
        shown = raw_path if len(raw_path) <= 80 else raw_path[:77] + "..."
        raise DataError(f"fixture path {shown!r} {problem}")
    return parts


def example_fixture(files: Mapping[str, str]) -> Fixture:
    """An example's own tree: its files in the work dir, nothing else in HOME or /tmp."""
    entries = {SANDBOX_HOME: FixtureEntry("dir", mode=0o755), WORK_DIR: FixtureEntry("dir", mode=0o755)}
    for relative, content in validate_files(files).items():
        path = f"{WORK_DIR}/{relative.rstrip('/')}"
        if relative.endswith("/"):
            entries[path] = FixtureEntry("dir", mode=0o755)
        else:
            entries[path] = FixtureEntry("file", content.encode("utf-8"))
    return Fixture(entries)


def fixture_for(files: Mapping[str, str] | None) -> Fixture:
    """The default fixture, or an example's own."""
    return default_fixture() if files is None else example_fixture(files)


@functools.lru_cache(maxsize=1)
def default_fixture() -> Fixture:
    """The default tree. Ages count back from the first call, so they hold for this process's runs."""
    now = int(time.time()) // 60 * 60
    entries = {SANDBOX_HOME: FixtureEntry("dir", mode=0o755), WORK_DIR: FixtureEntry("dir", mode=0o755)}
    for relative, content in DEFAULT_FIXTURE.items():
        path = f"{WORK_DIR}/{relative.rstrip('/')}"
        mtime = now - DEFAULT_AGES[relative] if relative in DEFAULT_AGES else FIXED_MTIME
        if relative.endswith("/"):
            entries[path] = FixtureEntry("dir", mode=0o755)
        else:
            mode = DEFAULT_MODES.get(relative, 0o644)
            entries[path] = FixtureEntry("file", content.encode("utf-8"), mode, mtime)
    entries |= {
        f"{WORK_DIR}/private": FixtureEntry("dir", mode=0o700),
        f"{WORK_DIR}/private/key.txt": FixtureEntry("file", b"not a real key\n", 0o600),
        f"{WORK_DIR}/logs/old/app.log.2.gz": FixtureEntry(
            "file", _gzip(b"2023-12-30 12:00:00 INFO older\n"), 0o644, now - 500 * 86400
        ),
        f"{WORK_DIR}/logs/big.log": FixtureEntry("file", _big_log(), 0o644, now - 20 * 86400),
        f"{WORK_DIR}/images/photo.jpg": FixtureEntry("file", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8),
        f"{WORK_DIR}/images/Logo.PNG": FixtureEntry("file", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        f"{WORK_DIR}/music/song.mp3": FixtureEntry("file", b"ID3" + bytes(2048)),
        f"{WORK_DIR}/docs/manual.pdf": FixtureEntry("file", b"%PDF-1.4\n%fixture\n"),
        f"{WORK_DIR}/archives/docs.tar.gz": FixtureEntry("file", _tar_gz(DEFAULT_FIXTURE, "docs/")),
        f"{WORK_DIR}/archives/data.zip": FixtureEntry("file", _zip(DEFAULT_FIXTURE, "data/")),
    }
    for link, target in DEFAULT_SYMLINKS.items():
        entries[f"{WORK_DIR}/{link}"] = FixtureEntry("symlink", target=target)
    for base, tree in ((SANDBOX_HOME, DEFAULT_HOME), ("/tmp", DEFAULT_TMP)):
        for relative, content in tree.items():
            path = f"{base}/{relative.rstrip('/')}"
            if relative.endswith("/"):
                entries[path] = FixtureEntry("dir", mode=0o755)
            else:
                mode = 0o755 if relative.endswith(".sh") else 0o644
                entries[path] = FixtureEntry("file", content.encode("utf-8"), mode, now - 86400)
    return Fixture(entries)


def _big_log() -> bytes:
    """About 150 KB of log lines, so ``find -size +100k`` and ``du`` have something to find."""
    levels = ("INFO", "INFO", "WARN", "INFO", "ERROR")
    lines = [
        f"2024-01-02 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} {levels[i % 5]} event {i}\n"
        for i in range(4000)
    ]
    return "".join(lines).encode()


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _tar_gz(tree: Mapping[str, str], prefix: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, content in sorted(tree.items()):
            if name.startswith(prefix) and not name.endswith("/"):
                data = content.encode("utf-8")
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), FIXED_MTIME, 0o644
                info.uname = info.gname = "sandbox"
                tar.addfile(info, io.BytesIO(data))
    return _gzip(buffer.getvalue())


def _zip(tree: Mapping[str, str], prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(tree.items()):
            if name.startswith(prefix) and not name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


# ---------------------------------------------------------------- writing a seed on the host


def materialize(fixture: Fixture, directory: Path, owner: int | None = None) -> Path:
    """Write ``fixture`` below ``directory`` (one subdirectory per root, and ``stdin``) with modes and times.

    ``owner`` (a host uid) becomes the owner of every entry, so the unprivileged sandbox user
    can copy all of it, including files whose mode hides them from others.
    """
    for root in fixture.roots:
        (directory / root.lstrip("/")).mkdir(parents=True, exist_ok=True)
    (directory / "stdin").write_bytes(fixture.stdin)
    for path, entry in fixture.entries.items():
        target = directory / path.lstrip("/")
        if entry.kind == "dir":
            target.mkdir(parents=True, exist_ok=True)
        elif entry.kind == "symlink":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(entry.target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entry.content)
    _fix_modes_times_owner(fixture, directory, owner)
    return directory


@functools.lru_cache(maxsize=4)
def git_repository(where: str) -> dict[str, FixtureEntry]:
    """A two-commit repository with fixed dates at ``where``, as entries, so `git log` prints the same
    every time. Only references that call git get one (``synthesis.py``): every entry is copied into
    and read back from every sandbox, so what no command looks at is not carried."""
    git = shutil.which("git")
    if git is None:
        return {}
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "repository"
        directory.mkdir()
        (directory / "hello.txt").write_text("hello\n", encoding="utf-8")
        identity = {"GIT_AUTHOR_NAME": "Sandbox", "GIT_AUTHOR_EMAIL": "sandbox@example.com"}
        identity |= {"GIT_COMMITTER_NAME": "Sandbox", "GIT_COMMITTER_EMAIL": "sandbox@example.com"}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(directory), **identity}
        env |= {"GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
        env |= {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
        script = (
            "git init -q -b main . && git add hello.txt && git commit -q -m 'first commit' && "
            "echo world >> hello.txt && git commit -q -am 'second commit' && git gc -q --prune=now && "
            "rm -rf .git/hooks .git/logs .git/description .git/info"
        )
        try:
            subprocess.run(
                ["sh", "-c", script], cwd=directory, env=env, check=True, capture_output=True, timeout=30
            )
        except (subprocess.SubprocessError, OSError):
            return {}
        entries: dict[str, FixtureEntry] = {}
        for path in sorted(directory.rglob("*")):
            name = f"{where}/{path.relative_to(directory).as_posix()}"
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_dir():
                entries[name] = FixtureEntry("dir", mode=mode)
            else:
                entries[name] = FixtureEntry("file", path.read_bytes(), mode | 0o400)
        return entries


def _fix_modes_times_owner(fixture: Fixture, directory: Path, owner: int | None) -> None:
    """Modes and times bottom-up (a directory's time changes when a child is written)."""
    for root, dirs, names in os.walk(directory, topdown=False):
        for name in [*names, *dirs]:
            path = os.path.join(root, name)
            entry = fixture.entries.get("/" + os.path.relpath(path, directory))
            is_link = stat.S_ISLNK(os.lstat(path).st_mode)
            if owner is not None:
                os.lchown(path, owner, owner)
            if entry is not None and not is_link:
                os.chmod(path, entry.mode)
            mtime = entry.mtime if entry else FIXED_MTIME
            os.utime(path, (mtime, mtime), follow_symlinks=False)
    for root in fixture.roots:
        os.chmod(directory / root.lstrip("/"), ROOT_MODES.get(root, 0o755))
    if owner is not None:
        os.chown(directory, owner, owner)
    os.utime(directory, (FIXED_MTIME, FIXED_MTIME))
