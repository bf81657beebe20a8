"""The files a sandboxed command finds in its working directory.

A command is only comparable to another when both meet the same files, so every run
starts from a fixture tree: the default one below, or an example's own ``files``. Every
fixture file gets the same fixed modification time, so ``ls -l``, ``find -newer`` and
``make`` behave the same today and next year.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from securecli_eval.errors import DataError

# 2024-01-01T00:00:00Z: the modification and access time of every fixture entry
FIXED_MTIME = 1_704_067_200

# a path ending in "/" is an (empty) directory; modes not listed are 0644 / 0755
DEFAULT_FIXTURE: dict[str, str] = {
    "README.md": "# demo project\n\nA small tree for shell commands to work on.\n",
    # lines, words and case differ, so wc -l/-w and grep/grep -i near misses are told apart
    "notes.txt": "alpha\nbeta\ngamma delta\nalpha\nDelta\nbeta\nalpha beta gamma\n",
    "numbers.txt": "10\n2\n33\n4\n2\n15\n",
    "empty.txt": "",
    "file with spaces.txt": "a name with spaces\nsecond line\n",
    ".hidden": "secret=not-really\n",
    ".config/app.conf": "[server]\nport=8080\nhost=localhost\ndebug=false\n",
    "data/users.csv": (
        "id,name,email,age\n1,alice,alice@example.com,34\n2,bob,bob@example.com,27\n"
        "3,carol,carol@example.com,41\n4,dave,dave@example.org,27\n"
    ),
    "data/sales.csv": "region,amount\nnorth,120\nsouth,80\nnorth,45\neast,300\nsouth,20\n",
    "data/words.txt": "pear\napple\nfig\napple\nbanana\nfig\napple\n",
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
    "src/lib/common.sh": '#!/bin/sh\necho "common"\n',
    "scripts/build.sh": "#!/bin/sh\necho building\n",
    "docs/guide.md": "# Guide\n\nTODO: write the guide\n",
    "docs/api.md": "# API\n\nTODO: document add()\n",
    "tmp/": "",
}
DEFAULT_MODES: dict[str, int] = {"scripts/build.sh": 0o755, "src/lib/common.sh": 0o755, ".hidden": 0o600}
# a small git repository is part of the default tree when git is installed on the host
DEFAULT_GIT_REPOSITORY = "repo"


def validate_files(files: Mapping[str, str]) -> dict[str, str]:
    """Reject fixture paths that would escape the working directory, in one line."""
    if not isinstance(files, Mapping):
        raise DataError(f"'files' must be a mapping from relative path to text, got {type(files).__name__}")
    clean: dict[str, str] = {}
    for raw_path, content in files.items():
        if not isinstance(raw_path, str) or not isinstance(content, str):
            raise DataError(f"fixture entry {raw_path!r}: path and content must both be strings")
        path = PurePosixPath(raw_path)
        if not raw_path or path.is_absolute() or ".." in path.parts or "\x00" in raw_path:
            raise DataError(
                f"fixture path {raw_path!r} must be relative and stay inside the working directory"
            )
        clean[raw_path] = content
    return clean


def fixture_key(files: Mapping[str, str] | None) -> str:
    """A stable name for a fixture tree, so a seeded copy can be reused across runs."""
    if files is None:
        return "default"
    digest = hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()
    return f"custom-{digest[:16]}"


def materialize(files: Mapping[str, str] | None, directory: Path, owner: int | None = None) -> Path:
    """Write the fixture (``None`` = default tree) into ``directory`` with fixed times.

    ``owner`` (a host uid) becomes the owner of every entry, so the unprivileged
    sandbox user can copy it, including files whose mode hides them from others.
    """
    use_default = files is None
    entries = DEFAULT_FIXTURE if use_default else validate_files(files)
    modes = DEFAULT_MODES if use_default else {}
    directory.mkdir(parents=True, exist_ok=True)
    for relative, content in entries.items():
        target = directory / relative
        if relative.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        target.chmod(modes.get(relative, 0o644))
    if use_default:
        _add_git_repository(directory / DEFAULT_GIT_REPOSITORY)
    _fix_times_and_owner(directory, owner)
    return directory


def _add_git_repository(directory: Path) -> None:
    """A two-commit repository with fixed dates, so `git log` prints the same every time."""
    git = shutil.which("git")
    if git is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hello.txt").write_text("hello\n", encoding="utf-8")
    identity = {"GIT_AUTHOR_NAME": "Sandbox", "GIT_AUTHOR_EMAIL": "sandbox@example.com"}
    identity |= {"GIT_COMMITTER_NAME": "Sandbox", "GIT_COMMITTER_EMAIL": "sandbox@example.com"}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(directory), **identity}
    env |= {"GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
    env |= {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    script = (
        "git init -q -b main . && git add hello.txt && git commit -q -m 'first commit' && "
        "echo world >> hello.txt && git commit -q -am 'second commit' && git gc -q --prune=now"
    )
    try:
        subprocess.run(
            ["sh", "-c", script], cwd=directory, env=env, check=True, capture_output=True, timeout=30
        )
    except (subprocess.SubprocessError, OSError):
        shutil.rmtree(directory, ignore_errors=True)


def _fix_times_and_owner(directory: Path, owner: int | None) -> None:
    for root, dirs, names in os.walk(directory, topdown=False):
        for name in [*names, *dirs]:
            path = os.path.join(root, name)
            if owner is not None:
                os.lchown(path, owner, owner)
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    if owner is not None:
        os.chown(directory, owner, owner)
    os.utime(directory, (FIXED_MTIME, FIXED_MTIME))
