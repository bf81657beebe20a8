"""Things that match what a command looks for: names for globs, strings for regexes, file contents.

The synthesiser (``synthesis.py``) decides *what* to make; this module makes the bytes. A glob
gets a name that matches it and its case-swapped twin; a grep or find regex (BRE, ERE, PCRE,
emacs) gets a string generated from Python's own regex parse tree and checked against it; a file
gets content its extension promises (text lines, CSV, JSON, gzip, bzip2, xz, tar, zip, binary),
with lines that match every pattern the references search for.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import re
import tarfile
import zipfile
from collections.abc import Iterable, Sequence

from securecli_eval.sandbox.fixtures import BASE_LINES, FIXED_MTIME, NAME_MAX

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse  # type: ignore[no-redef]


def glob_instances(pattern: str, filler: str = "sample") -> list[str]:
    """Names matching a -name glob, and their case-swapped twin: '*.txt' -> 'sample.txt', 'SAMPLE.TXT'.

    The twin tells ``-name`` from ``-iname``, whichever the reference used. ``filler`` is what a
    ``*`` stands for (another filler gives another name that matches).
    """
    if "/" in pattern or not pattern:
        return []
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out.append(filler)
        elif char == "?":
            out.append("x")
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end < 0:
                out.append("[")
            else:
                body = pattern[index + 1 : end]
                out.append("x" if body.startswith(("!", "^")) else body.lstrip("]")[:1] or "x")
                index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(pattern[index])
        else:
            out.append(char)
        index += 1
    name = "".join(out)
    if name in (".", "..") or len(name.encode()) > NAME_MAX:
        return []
    return [name, name.swapcase()] if name.swapcase() != name else [name]


def regex_instance(pattern: str, syntax: str, insensitive: bool, filler: str = "") -> str | None:
    """A string the regex matches (grep BRE/ERE/PCRE, find's emacs syntax), or None if none is found.

    ``filler``, when given, is what an unbounded repeat of any character (``.*``) stands for, so
    an instance can carry another pattern's text (a name the reference excludes, say).
    """
    try:
        python = _to_python(pattern, syntax)
        text = _generate(sre_parse.parse(python), {}, filler)
        flags = re.IGNORECASE if insensitive else 0
        matches = re.fullmatch if syntax == "emacs" else re.search  # find matches the whole path
        if matches(python, text, flags) and "\n" not in text:
            return text
    except Exception:  # noqa: BLE001 - any regex we cannot follow simply gets no instance
        return None
    return None


def regex_matches(pattern: str, syntax: str, insensitive: bool, text: str) -> bool | None:
    """Whether ``text`` matches the regex as the program would (None if we cannot tell)."""
    try:
        python = _to_python(pattern, syntax)
        matches = re.fullmatch if syntax == "emacs" else re.search
        return matches(python, text, re.IGNORECASE if insensitive else 0) is not None
    except Exception:  # noqa: BLE001 - a regex we cannot follow answers nothing
        return None


_CLASSES = {
    "[:space:]": r"\s", "[:blank:]": " \t", "[:digit:]": "0-9", "[:alpha:]": "a-zA-Z",
    "[:alnum:]": "a-zA-Z0-9", "[:upper:]": "A-Z", "[:lower:]": "a-z", "[:xdigit:]": "0-9a-fA-F",
    "[:punct:]": "!-/:-@", "[:print:]": " -~", "[:graph:]": "!-~", "[:word:]": r"\w",
}  # fmt: skip


def _to_python(pattern: str, syntax: str) -> str:
    for posix, python in _CLASSES.items():
        pattern = pattern.replace(posix, python)
    if syntax not in ("basic", "emacs"):
        return pattern
    out: list[str] = []
    special = "(){}|+?" if syntax == "basic" else "(){}|"
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "(){}|+?":
            out.append(pattern[index + 1])
            index += 2
            continue
        out.append("\\" + char if char in special else char)
        index += 1
    return "".join(out)


def _generate(parsed: Iterable, groups: dict[int, str], filler: str = "") -> str:
    out: list[str] = []
    for op, value in parsed:
        name = str(op)
        if filler and name == "MAX_REPEAT" and value[1] == sre_parse.MAXREPEAT and _any_character(value[2]):
            out.append(filler)
            filler = ""  # the first `.*` of this sequence takes it; the caller checks the match
            continue
        if name == "LITERAL":
            out.append(chr(value))
        elif name == "NOT_LITERAL":
            out.append("x" if chr(value) != "x" else "y")
        elif name == "ANY":
            out.append("x")
        elif name == "IN":
            out.append(_class_member(value))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, body = value
            out.append(_generate(body, groups, filler) * max(low, 1))
        elif name == "SUBPATTERN":
            group, _add, _del, body = value
            text = _generate(body, groups, filler)
            if group:
                groups[group] = text
            out.append(text)
        elif name == "BRANCH":
            out.append(_generate(value[1][0], groups, filler))
        elif name == "GROUPREF":
            out.append(groups.get(value, ""))
        elif name == "CATEGORY":
            out.append(_category(str(value)))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        else:
            raise ValueError(f"unsupported regex node {name}")
    return "".join(out)


def _any_character(body: Iterable) -> bool:
    """Whether a repeated body is a single "any character" (``.``)."""
    items = list(body)
    return len(items) == 1 and str(items[0][0]) == "ANY"


def _class_member(items: list) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    if negate:
        body = "".join(chr(v) if str(op) == "LITERAL" else "" for op, v in items)
        return next(c for c in "xqz0_ " if c not in body)
    for op, value in items:
        if str(op) == "LITERAL":
            return chr(value)
        if str(op) == "RANGE":
            return chr(value[0])
        if str(op) == "CATEGORY":
            return _category(str(value))
    return "x"


def _category(name: str) -> str:
    if "NOT_" in name:
        return "-"
    return {"DIGIT": "0", "SPACE": " ", "WORD": "a"}.get(name.rsplit("_", 1)[-1], "a")


def pattern_lines(patterns: Sequence[str]) -> bytes:
    lines: list[str] = []
    for pattern in patterns:
        lines.append(f"line with {pattern} inside")
        lines.append(f"{pattern} at the start")
        if pattern.upper() != pattern:
            lines.append(f"{pattern.upper()} IN CAPITALS")
    return "".join(line + "\n" for line in lines).encode()


def _text(patterns: Sequence[str], name: str = "") -> bytes:
    """Generic lines, rotated and thinned by the file's name so two made-up files differ, then patterns."""
    seed = sum(name.encode()) if name else 0
    lines = list(BASE_LINES[seed % len(BASE_LINES) :] + BASE_LINES[: seed % len(BASE_LINES)])
    if name:  # a token from the path, never the name itself: a filter on names must not match contents
        del lines[seed % 3]
        lines.insert(seed % 4, f"only in file {hashlib.sha256(name.encode()).hexdigest()[:6]}")
    return "".join(line + "\n" for line in lines).encode() + pattern_lines(patterns)


def is_text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in content


def content_for(path: str, patterns: Sequence[str], size: int | None) -> bytes:
    """Plausible bytes for a file called ``path``: the extension decides the format."""
    if size is not None:
        return (_text(patterns, path) * (size // 32 + 1))[:size]
    name = path.rsplit("/", 1)[-1].lower()
    text = _text(patterns, path)
    if name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz")):
        return _archive(name, text)
    if name.endswith(".zip"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(zipfile.ZipInfo("inside.txt", date_time=(2024, 1, 1, 0, 0, 0)), text)
        return buffer.getvalue()
    if name.endswith(".gz"):
        return gzip.compress(text, mtime=0)
    if name.endswith(".bz2"):
        return bz2.compress(text)
    if name.endswith((".xz", ".lzma")):
        return lzma.compress(text)
    if name.endswith(".csv"):
        rows = ["id,name,value", "1,alpha,10", "2,beta,2", "3,gamma,33", "4,alpha,10"]
        rows += [f"{5 + i},{p.replace(',', ' ')},{i}" for i, p in enumerate(patterns)]
        return "".join(row + "\n" for row in rows).encode()
    if name.endswith(".json"):
        return (
            json.dumps({"name": "alpha", "values": [10, 2, 33], "tags": list(patterns)}, indent=2) + "\n"
        ).encode()
    if name.endswith(
        (".jpg", ".jpeg", ".png", ".gif", ".pdf", ".mp3", ".mp4", ".bin", ".o", ".so", ".class", ".jar")
    ):
        return bytes(range(256)) + name.encode()
    if name.endswith(".sh"):
        return (
            b"#!/bin/sh\necho "
            + name.encode()
            + b"\n"
            + b"".join(b"# " + line + b"\n" for line in pattern_lines(patterns).splitlines())
        )
    return text


def _archive(name: str, text: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for member in ("inside.txt", "docs/readme.txt"):
            info = tarfile.TarInfo(member)
            info.size, info.mtime, info.mode = len(text), FIXED_MTIME, 0o644
            info.uname = info.gname = "sandbox"
            tar.addfile(info, io.BytesIO(text))
    raw = buffer.getvalue()
    if name.endswith((".tar.gz", ".tgz")):
        return gzip.compress(raw, mtime=0)
    if name.endswith((".tar.bz2", ".tbz2")):
        return bz2.compress(raw)
    if name.endswith(".tar.xz"):
        return lzma.compress(raw)
    return raw
