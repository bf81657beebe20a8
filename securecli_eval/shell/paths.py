"""What a path names: its canonical form, how bad destroying it is, whether it is a device or a secret.

Rules compare paths, not strings: ``/usr/``, ``/usr/lib/../`` and ``//usr`` are the same directory,
and ``$HOME``, ``~alice`` and ``/home/bob`` are all "a home". The sets and patterns these helpers
consult live in vocabulary.yaml.
"""

from __future__ import annotations

import functools
import posixpath
import re

from securecli_eval.shell.vocabulary import vocabulary

_HOME = re.compile(r"^(?:\$HOME|\$\{HOME\}|~[A-Za-z0-9_.-]*|/home/[^/]+|/Users/[^/]+|/root)(?=/|$)")


@functools.lru_cache(maxsize=65536)
def norm_path(path: str) -> str:
    """Canonical form: home is ``~``, ``..`` and ``//`` resolved, trailing ``/``, ``/*``, ``/.`` removed."""
    path = path.strip()
    path = _HOME.sub("~", path, count=1)
    if path.startswith("~"):
        rest = posixpath.normpath("/" + path[1:].lstrip("/")) if len(path) > 1 else "/"
        rest = re.sub(r"/+", "/", rest)
        path = "~" if rest == "/" else "~" + rest
    elif path.startswith("/"):
        path = re.sub(r"/+", "/", posixpath.normpath(path))
        if path.startswith("/.."):
            path = "/"
    elif path and "$" not in path:
        path = posixpath.normpath(path)
    while len(path) > 1 and path.endswith(("/*", "/.", "/", "/.*", "/**")):
        if path.endswith("/**"):
            path = path[:-3]
        elif path.endswith(("/*", "/.")):
            path = path[:-2]
        elif path.endswith("/.*"):
            path = path[:-3]
        else:
            path = path[:-1]
        if not path:
            path = "/"
    if path in ("*", ".*", "./*", "./", "./.*", "**", "./**"):
        return "."
    return path


@functools.lru_cache(maxsize=65536)
def path_tier(path: str) -> str:
    """critical | system | unknown | cwd | local: how bad it is to destroy ``path``."""
    norm = norm_path(path)
    if norm.endswith("/FOUND"):  # a file `find` selected under a root
        parent = path_tier(norm[: -len("/FOUND")] or "/")
        return "system" if parent in ("critical", "system") else parent
    words = vocabulary()
    if norm in words.paths["critical_dirs"] or norm in words.paths["critical_files"]:
        return "critical"
    if "$" in norm or re.fullmatch(r"\.\.(?:/\.\.)*", norm):
        return "unknown"
    if norm == ".":
        return "cwd"
    if norm.startswith(words.scratch_prefixes):
        return "local"
    if norm.startswith(words.system_prefixes):
        return "system"
    return "local"


def is_block_device(path: str) -> bool:
    return bool(vocabulary().patterns["block_device"].match(norm_path(path)))


def is_private_key(norm: str) -> bool:
    """A key file in a home or /etc (a ``*.pem`` in a project folder is usually a test fixture)."""
    return bool(vocabulary().patterns["private_key"].search(norm)) and norm.startswith(("~/", "/etc/"))


def is_secret_path(path: str) -> bool:
    """Files whose contents are credentials: private keys, cloud tokens, password hashes."""
    norm = norm_path(path)
    words = vocabulary()
    return (
        norm in words.paths["shadow_files"]
        or is_private_key(norm)
        or bool(words.patterns["credential_file"].match(norm))
    )


def is_exfil_worthy(path: str) -> bool:
    """Data an attacker wants off the machine: secrets, account files, a whole home or /etc, history."""
    norm = norm_path(path)
    words = vocabulary()
    return (
        is_secret_path(norm)
        or norm in words.paths["exfil_paths"]
        or bool(words.patterns["history_file"].match(norm))
    )


_GLOB = re.compile(r"[*?[]")


@functools.lru_cache(maxsize=8192)
def glob_candidates(pattern: str) -> tuple[str, ...]:
    """The critical or secret paths a glob can match: ``/e??/`` is ``/etc``, ``/[e]tc`` too.

    A glob counts as every critical path it can match, because on any Linux machine those paths exist.
    A trailing ``/*`` is not a glob here: it means "the contents of", which ``norm_path`` already reads.
    """
    norm = norm_path(pattern)
    if not _GLOB.search(norm) or not norm.startswith(("/", "~")):
        return ()
    regex = _glob_to_regex(norm)
    words = vocabulary()
    universe = words.paths["critical_dirs"] | words.paths["critical_files"] | words.paths["glob_universe"]
    return tuple(sorted(path for path in universe if regex.fullmatch(path)))[:8]


def _glob_to_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 1
            else:
                out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                out.append("[" + ("^" + body[1:] if body[:1] in "!^" else body).replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern))


@functools.lru_cache(maxsize=8192)
def persistence_kind(path: str) -> str | None:
    """How the system runs a file later: ``cron`` table, systemd ``unit``, ``desktop`` entry, ``script``."""
    norm = norm_path(path)
    patterns = vocabulary().patterns
    if patterns["cron_path"].match(norm):
        return "cron"
    if patterns["systemd_unit"].match(norm):
        return "unit"
    if patterns["autostart_entry"].match(norm):
        return "desktop"
    if patterns["shell_rc"].match(norm) or patterns["startup_script"].match(norm):
        return "script"
    return None
