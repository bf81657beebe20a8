"""What text a command prints when that is known without running it, and what its output carries.

``echo 'rm -rf ~' | sh``, ``printf '\\x72\\x6d -rf /' | bash`` and ``echo cm0g... | base64 -d | sh`` run
code that only exists once the left side has printed it. For the programs that are pure text
functions (echo, printf, cat of known text, base64/base32/xxd decoding, rev, tr, gzip, sed ``s``,
head, tail, ...) ``output`` computes the text; ``parse.py`` then reads text that reaches a shell or
an interpreter as code. When the text is not known, a ``Flow`` still carries tags saying what it
was made from (a download, a decoder, a secret file, a network socket), which the rules read.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import codecs
import gzip
import lzma
import re
import zlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

from securecli_eval.shell.grammar import decode_ansi_c

MAX_FLOW_TEXT = 1 << 20  # text longer than this is "too large": code in it is not analysed (fail closed)


class Flow(NamedTuple):
    """Data on a pipe: its text when known, and tags naming what it was made from.

    Tags are strings ``kind:detail``: ``download:curl``, ``decoder:base64 -d``, ``network:nc``,
    ``shell:bash``, ``secret:~/.ssh/id_rsa``, ``environment:env``, ``paths:/etc/**`` ...
    ``too_large`` says the text exists but exceeded ``MAX_FLOW_TEXT``; ``partial`` that ``text`` is only
    the known part (``(crontab -l; echo LINE)``: what ``crontab -l`` prints is unknown, ``LINE`` is not);
    ``superset`` that the real text is only some of ``text`` (what a filter like ``grep`` or ``awk`` kept of
    known input). Code readers read both (fail closed); values (substitutions, ``xargs``, ``read``) are
    taken only from text that is neither.
    """

    text: str | None = None
    tags: frozenset[str] = frozenset()
    too_large: bool = False
    partial: bool = False
    superset: bool = False

    @property
    def exact(self) -> str | None:
        """The text when it is exactly known, else None."""
        return None if self.partial or self.superset else self.text


EMPTY = Flow("", frozenset())
UNKNOWN = Flow(None, frozenset())


def join(flows: Sequence[Flow]) -> Flow:
    """Output of commands run one after the other (``{ a; b; }``, ``$(a; b)``)."""
    if not flows:
        return EMPTY
    if len(flows) == 1:
        return flows[0]
    texts = [f.text for f in flows]
    tags = frozenset().union(*(f.tags for f in flows))
    too_large = any(f.too_large for f in flows)
    partial = any(t is None or f.partial for t, f in zip(texts, flows, strict=True))
    known = "".join(t for t in texts if t)
    if partial and not known:
        return Flow(None, tags, too_large)
    joined = limited(known, tags)
    superset = any(f.superset for f in flows)
    return joined._replace(partial=partial, too_large=joined.too_large or too_large, superset=superset)


def limited(text: str | None, tags: frozenset[str] = frozenset()) -> Flow:
    if text is not None and len(text) > MAX_FLOW_TEXT:
        return Flow(None, tags, too_large=True)
    return Flow(text, tags)


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


# ---- pure programs ------------------------------------------------------------------------------------


def output(
    program: str, args: Sequence[str], stdin: str | None, read_file: Callable[[str], str | None]
) -> str | None:
    """The text ``program args`` prints, given its stdin text (None: unknown), or None if not known."""
    producer = PRODUCERS.get(program)
    if producer is None:
        return None
    try:
        return producer(list(args), stdin, read_file)
    except (ValueError, binascii.Error, zlib.error, OSError, EOFError, lzma.LZMAError, re.error, IndexError):
        return None


def _echo(args: list[str], stdin: str | None, read_file: Callable) -> str:
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        flags = args.pop(0)
        newline = newline and "n" not in flags
        escapes = ("e" in flags) if ("e" in flags or "E" in flags) else escapes
    text = " ".join(args)
    if escapes:
        text = text.split("\\c", 1)[0]
        text = decode_ansi_c(text)
    return text + ("\n" if newline else "")


_FORMAT = re.compile(r"%(?:%|[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?([sbdiouxXcqfeEgG]))")


def _printf(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    if args[:1] == ["-v"]:
        return None  # assigns a variable, prints nothing (parse.py handles the assignment)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        return None
    return printf_format(args[0], args[1:])


def printf_format(fmt: str, values: Sequence[str]) -> str:
    """bash's ``printf FORMAT VALUES...``: the format is reused until every value is consumed."""
    out: list[str] = []
    remaining = list(values)
    first = True
    while first or remaining:
        first = False
        consumed = False
        position = 0
        for m in _FORMAT.finditer(fmt):
            out.append(decode_ansi_c(fmt[position : m.start()]))
            position = m.end()
            if m.group(0) == "%%":
                out.append("%")
                continue
            consumed = True
            value = remaining.pop(0) if remaining else ""
            kind = m.group(3)
            if kind == "b":
                out.append(decode_ansi_c(value))
            elif kind in "diouxX":
                number = int(value, 0) if re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|0[0-7]*|\d+)", value) else 0
                out.append(
                    {"x": f"{number:x}", "X": f"{number:X}", "o": f"{number:o}"}.get(kind, str(number))
                )
            elif kind == "c":
                out.append(value[:1])
            else:
                out.append(value)
        out.append(decode_ansi_c(fmt[position:]))
        if not consumed:
            break
        if len(out) > 100_000:
            raise ValueError("printf output too long")
    return "".join(out)


def _cat(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    operands = [a for a in args if not a.startswith("-") or a == "-"]
    if not operands:
        return stdin
    texts = [stdin if a == "-" else read_file(a) for a in operands]
    if any(t is None for t in texts):
        return None
    return "".join(texts)  # type: ignore[arg-type]


def _decode_flag(args: list[str]) -> bool:
    return any(a in ("-d", "--decode", "-D") or re.fullmatch(r"-[a-zA-Z]*d[a-zA-Z]*", a) for a in args)


def _operand_or_stdin(
    args: list[str], stdin: str | None, read_file: Callable, values: frozenset[str] = frozenset()
) -> str | None:
    operands: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in values:
            skip = True
            continue
        if not a.startswith("-") or a == "-":
            operands.append(a)
    if not operands or operands == ["-"]:
        return stdin
    return read_file(operands[0])


def _base64(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    data = _operand_or_stdin(args, stdin, read_file, frozenset({"-w", "--wrap"}))
    if data is None:
        return None
    if _decode_flag(args):
        cleaned = re.sub(r"[^A-Za-z0-9+/=_-]", "", data)
        cleaned += "=" * (-len(cleaned) % 4)
        return from_bytes(base64.b64decode(cleaned.replace("-", "+").replace("_", "/")))
    return base64.b64encode(to_bytes(data)).decode() + "\n"


def _base32(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    data = _operand_or_stdin(args, stdin, read_file, frozenset({"-w", "--wrap"}))
    if data is None:
        return None
    if _decode_flag(args):
        cleaned = re.sub(r"[^A-Z2-7=]", "", data.upper())
        cleaned += "=" * (-len(cleaned) % 8)
        return from_bytes(base64.b32decode(cleaned))
    return base64.b32encode(to_bytes(data)).decode() + "\n"


def _xxd(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    if "r" not in flags:
        return None
    data = _operand_or_stdin(args, stdin, read_file, frozenset({"-c", "-g", "-l", "-s", "-o"}))
    if data is None:
        return None
    if "p" in flags or "plain" in " ".join(args):
        return from_bytes(bytes.fromhex(re.sub(r"[^0-9a-fA-F]", "", data)))
    hexes = [re.sub(r"^[0-9a-fA-F]+:\s*", "", line).split("  ")[0] for line in data.splitlines()]
    return from_bytes(bytes.fromhex(re.sub(r"[^0-9a-fA-F]", "", "".join(hexes))))


def _rev(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    data = _operand_or_stdin(args, stdin, read_file)
    if data is None:
        return None
    return "".join(line[::-1] + "\n" for line in data.split("\n")[: -1 if data.endswith("\n") else None])


def _tr_set(spec: str) -> str:
    spec = decode_ansi_c(spec)
    classes = {
        "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
        "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:digit:]": "0123456789",
        "[:space:]": " \t\n\r\f\v",
        "[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    }
    for name, chars in classes.items():
        spec = spec.replace(name, chars)
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            start, end = ord(spec[i]), ord(spec[i + 2])
            if end - start > 4096:
                raise ValueError("tr range too large")
            out.extend(chr(c) for c in range(start, end + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _tr(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    if stdin is None:
        return None
    flags = "".join(a[1:] for a in args if a.startswith("-") and len(a) > 1)
    sets = [a for a in args if not (a.startswith("-") and len(a) > 1)]
    if "c" in flags or "C" in flags or not sets:
        return None
    first = _tr_set(sets[0])
    if "d" in flags:
        return "".join(c for c in stdin if c not in first)
    if len(sets) < 2:
        return None
    second = _tr_set(sets[1])
    if not second:
        return None
    second = second + second[-1] * max(0, len(first) - len(second))
    table = {ord(a): b for a, b in zip(first, second, strict=False)}
    text = stdin.translate(table)
    if "s" in flags:
        text = re.sub("([" + re.escape(second) + r"])\1+", r"\1", text)
    return text


def _decompress(args: list[str], stdin: str | None, read_file: Callable, kind: str) -> str | None:
    data = _operand_or_stdin(args, stdin, read_file)
    if data is None:
        return None
    raw = to_bytes(data)
    if kind == "gzip":
        try:
            result = gzip.decompress(raw)
        except (OSError, EOFError):
            result = zlib.decompress(raw)
    elif kind == "bzip2":
        result = bz2.decompress(raw)
    else:
        result = lzma.decompress(raw)
    if len(result) > MAX_FLOW_TEXT:
        raise ValueError("too large")
    return from_bytes(result)


def _gzip(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    return _decompress(args, stdin, read_file, "gzip") if _decode_flag(args) else None


def _sed(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    scripts = [a for i, a in enumerate(args) if i > 0 and args[i - 1] in ("-e", "--expression")]
    operands = [
        a
        for i, a in enumerate(args)
        if not a.startswith("-") and (i == 0 or args[i - 1] not in ("-e", "--expression"))
    ]
    if not scripts and operands:
        scripts, operands = [operands[0]], operands[1:]
    text = stdin if not operands else read_file(operands[0])
    if text is None or not scripts or any(a.startswith("-i") for a in args):
        return None
    for script in scripts:
        m = re.fullmatch(r"s(.)(.*?)(?<!\\)\1(.*?)(?<!\\)\1([gI]*)", script.strip(), re.DOTALL)
        if not m:
            return None
        pattern = (
            re.sub(r"\\([()|{}+?])", r"\1", m.group(2))
            if "-E" not in args and "-r" not in args
            else m.group(2)
        )
        for posix, python in _POSIX_CLASSES.items():
            pattern = pattern.replace(posix, python)
        replacement = re.sub(r"\\(\d)", r"\\\1", m.group(3)).replace("&", r"\g<0>")
        flags = re.IGNORECASE if "I" in m.group(4) else 0
        count = 0 if "g" in m.group(4) else 1
        text = "".join(
            re.sub(pattern, replacement, line, count=count, flags=flags) for line in text.splitlines(True)
        )
    return text


_POSIX_CLASSES = {
    "[:space:]": "\\s",
    "[:digit:]": "0-9",
    "[:alpha:]": "A-Za-z",
    "[:alnum:]": "A-Za-z0-9",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:blank:]": " \\t",
}


def _lines(args: list[str], stdin: str | None, read_file: Callable, head: bool) -> str | None:
    counts = [a for i, a in enumerate(args) if i > 0 and args[i - 1] == "-n"] + [
        a[2:] for a in args if a.startswith("-n") and len(a) > 2
    ]
    data = _operand_or_stdin(args, stdin, read_file, frozenset({"-n", "-c"}))
    if data is None or any(a.startswith("-c") for a in args):
        return None
    count = int(counts[0].lstrip("+-")) if counts and counts[0].lstrip("+-").isdigit() else 10
    lines = data.splitlines(True)
    return "".join(lines[:count] if head else lines[-count:] if count else [])


def _tac(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    data = _operand_or_stdin(args, stdin, read_file)
    return (
        None
        if data is None
        else "".join(
            reversed([line if line.endswith("\n") else line + "\n" for line in data.splitlines(True)])
        )
    )


def _tee(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    return stdin


def _openssl(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    if not args or args[0] not in ("base64", "enc") or "-d" not in args:
        return None
    if args[0] == "enc" and not any(a in ("-base64", "-a", "-A") for a in args):
        return None
    data = option_text(args, "-in", read_file) or stdin
    if data is None:
        return None
    return _base64(["-d"], data, read_file)


def option_text(args: list[str], name: str, read_file: Callable) -> str | None:
    if name in args and args.index(name) + 1 < len(args):
        return read_file(args[args.index(name) + 1])
    return None


def _codecs_rot13(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    return None if stdin is None else codecs.encode(stdin, "rot13")


def _seq(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    numbers = [a for a in args if re.fullmatch(r"-?\d+", a)]
    if not numbers or len(numbers) != len(args) or len(numbers) > 3:
        return None
    values = [int(n) for n in numbers]
    first, step, last = (
        (1, 1, values[0]) if len(values) == 1 else (values[0], 1, values[1]) if len(values) == 2 else values
    )
    if step == 0 or abs((last - first) // step) > 10_000:
        return None
    return "".join(f"{v}\n" for v in range(first, last + (1 if step > 0 else -1), step))


def _path_function(args: list[str], stdin: str | None, read_file: Callable, kind: str) -> str | None:
    """dirname, basename, realpath, readlink -f of literal paths: pure functions of their operands."""
    operands = [a for a in args if not a.startswith("-")]
    if not operands:
        return None
    import posixpath

    if kind == "dirname":
        return "".join((posixpath.dirname(o.rstrip("/")) or ".") + "\n" for o in operands)
    if kind == "basename":
        return posixpath.basename(operands[0].rstrip("/")) + "\n"
    if kind == "readlink" and not any(a in ("-f", "-e", "-m", "--canonicalize") for a in args):
        return None
    return "".join(posixpath.normpath(o) + "\n" for o in operands if o.startswith(("/", "~")))


def _ls_directory(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    """``ls -d PATH...`` of literal paths prints those paths, sorted (``rm -rf $(ls -d /etc /usr)``); any
    other listing depends on the file system."""
    options = [a for a in args if a.startswith("-")]
    operands = [a for a in args if not a.startswith("-")]
    if not options or not all(re.fullmatch(r"-[d1]+|--directory", o) for o in options):
        return None
    if "--directory" not in options and not any("d" in o for o in options):
        return None
    if not operands or any(not o.startswith(("/", "~")) or re.search(r"[*?\[]", o) for o in operands):
        return None
    return "".join(o + "\n" for o in sorted(operands))


def _which(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    """Where a program lives: the classifier only needs the name, in a system binary directory."""
    names = [a for a in args if not a.startswith("-")]
    return "".join(f"/usr/bin/{n}\n" for n in names if "/" not in n) or None


def _mktemp(args: list[str], stdin: str | None, read_file: Callable) -> str:
    """A path in the temporary directory: its name is random, but where it lives is known."""
    directory = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-p", "--tmpdir")), None)
    templates = [a for a in args if not a.startswith("-") and a != directory]
    name = templates[0] if templates else "tmp.XXXXXXXXXX"
    if name.startswith("/"):
        return name + "\n"
    return f"{(directory or '/tmp').rstrip('/')}/{name}\n"


FILTERS = frozenset(
    {"grep", "egrep", "fgrep", "rg", "awk", "gawk", "mawk", "nawk", "sed", "gsed", "cut", "sort", "uniq"}
    | {"fold", "fmt", "column", "paste", "expand", "unexpand", "dos2unix", "iconv", "envsubst", "sponge"}
    | {"head", "tail", "tr", "perl", "nl", "colrm", "shuf", "strings", "xargs"}
)
"""Programs whose output, when not computed exactly, is some of the text they read (every line or a
piece of one): text piped through them into a shell is read as code all the same (``echo CMD | awk
'{print}' | sh``), as a superset of what runs."""


def _cut(args: list[str], stdin: str | None, read_file: Callable) -> str | None:
    """``cut -c LIST`` and ``cut -d D -f LIST`` of known text."""
    chars = [v for i, v in enumerate(args) if i and args[i - 1] in ("-c", "-b")]
    chars += [a[2:] for a in args if a.startswith(("-c", "-b")) and len(a) > 2]
    fields = [v for i, v in enumerate(args) if i and args[i - 1] == "-f"] + [
        a[2:] for a in args if a.startswith("-f") and len(a) > 2
    ]
    delimiters = [v for i, v in enumerate(args) if i and args[i - 1] == "-d"] + [
        a[2:] for a in args if a.startswith("-d") and len(a) > 2
    ]
    spec = (chars or fields or [None])[0]
    text = _operand_or_stdin(args, stdin, read_file, frozenset({"-c", "-b", "-f", "-d"}))
    if text is None or spec is None or not re.fullmatch(r"[\d,-]+", spec):
        return None
    wanted: list[tuple[int, int]] = []
    for piece in spec.split(","):
        first, _, last = piece.partition("-")
        start = int(first) if first else 1
        end = (int(last) if last else 1 << 30) if "-" in piece else start
        wanted.append((start, end))
    delimiter = decode_ansi_c(delimiters[0])[:1] if delimiters else "\t"
    out = []
    for line in text.splitlines():
        if chars:
            out.append("".join(c for i, c in enumerate(line, 1) if any(a <= i <= b for a, b in wanted)))
        elif delimiter not in line:
            out.append(line)
        else:
            parts = line.split(delimiter)
            out.append(
                delimiter.join(p for i, p in enumerate(parts, 1) if any(a <= i <= b for a, b in wanted))
            )
    return "".join(line + "\n" for line in out)


SILENT = frozenset(
    {"cd", "pushd", "true", "false", ":", "mkdir", "rmdir", "touch", "cp", "mv", "ln", "rm", "chmod", "chown"}
    | {
        "chgrp",
        "export",
        "unset",
        "set",
        "shift",
        "alias",
        "unalias",
        "read",
        "sleep",
        "kill",
        "wait",
        "umask",
    }
    | {"local", "declare", "typeset", "readonly", "trap", "exit", "return", "sync", "mkfifo", "mknod"}
)
"""Programs that print nothing on stdout (without -v): ``$(cd / && pwd)`` is only pwd's output."""

PRODUCERS: dict[str, Callable[[list[str], str | None, Callable], str | None]] = {
    "echo": _echo,
    "printf": _printf,
    "cat": _cat,
    "base64": _base64,
    "gbase64": _base64,
    "base32": _base32,
    "xxd": _xxd,
    "rev": _rev,
    "tr": _tr,
    "gzip": _gzip,
    "gunzip": lambda a, s, r: _decompress(a, s, r, "gzip"),
    "zcat": lambda a, s, r: _decompress(a, s, r, "gzip"),
    "bzip2": lambda a, s, r: _decompress(a, s, r, "bzip2") if _decode_flag(a) else None,
    "bunzip2": lambda a, s, r: _decompress(a, s, r, "bzip2"),
    "bzcat": lambda a, s, r: _decompress(a, s, r, "bzip2"),
    "xz": lambda a, s, r: _decompress(a, s, r, "xz") if _decode_flag(a) else None,
    "unxz": lambda a, s, r: _decompress(a, s, r, "xz"),
    "xzcat": lambda a, s, r: _decompress(a, s, r, "xz"),
    "sed": _sed,
    "head": lambda a, s, r: _lines(a, s, r, head=True),
    "tail": lambda a, s, r: _lines(a, s, r, head=False),
    "tac": _tac,
    "tee": _tee,
    "openssl": _openssl,
    "rot13": _codecs_rot13,
    "seq": _seq,
    "mktemp": _mktemp,
    "dirname": lambda a, s, r: _path_function(a, s, r, "dirname"),
    "basename": lambda a, s, r: _path_function(a, s, r, "basename"),
    "realpath": lambda a, s, r: _path_function(a, s, r, "realpath"),
    "readlink": lambda a, s, r: _path_function(a, s, r, "readlink"),
    "which": _which,
    "ls": _ls_directory,
    "cut": _cut,
    "command": lambda a, s, r: _which(a[1:], s, r) if a[:1] in (["-v"], ["-V"]) else None,
}
