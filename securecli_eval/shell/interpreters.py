"""Interpreter one-liners read for what they do: run commands, delete trees, write files, open sockets.

``python3 -c "import os; os.system('rm -rf ~')"`` is ``rm -rf ~``; ``shutil.rmtree("/etc")`` is a
recursive delete of ``/etc``; a socket joined to a shell is a reverse shell; ``exec`` of a decoded or
downloaded string is decode- or download-and-execute. Python is read with the standard ``ast``
module (names resolved through imports, constant strings folded, ``exec`` of a constant read
again); perl, ruby, node, php, lua, awk and R are read with a tokenizer of string literals and
the calls that matter. What a one-liner does becomes an ``Action`` in shell terms (``rm -rf /etc``,
``sh -i`` with a ``/dev/tcp`` redirect, ``curl --data-binary @/etc/shadow URL``), so the same rules
judge it. A program that merely imports ``subprocess`` or ``socket`` does nothing, and gets nothing.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import itertools
import posixpath
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from securecli_eval.shell.textflow import from_bytes, printf_format
from securecli_eval.shell.wrappers import SHELLS, opens_shell, shell_code

LANGUAGES: dict[str, str] = {
    **dict.fromkeys(("python", "python2", "python3", "pypy", "pypy3", "ipython"), "python"),
    **{f"python3.{minor}": "python" for minor in range(6, 15)},
    **dict.fromkeys(("perl", "perl5"), "perl"),
    **dict.fromkeys(("ruby", "irb", "jruby"), "ruby"),
    **dict.fromkeys(("node", "nodejs", "deno", "bun"), "node"),
    **dict.fromkeys(("php", "php7", "php8"), "php"),
    **dict.fromkeys(("lua", "luajit", "lua5.1", "lua5.3", "lua5.4"), "lua"),
    **dict.fromkeys(("awk", "gawk", "mawk", "nawk", "busybox-awk"), "awk"),
    **dict.fromkeys(("Rscript", "R"), "r"),
    **dict.fromkeys(("tclsh", "wish", "jimsh", "expect"), "tcl"),
}
_CODE_OPTIONS = {
    "python": ("-c",),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "node": ("-e", "--eval", "-p", "--print"),
    "php": ("-r",),
    "lua": ("-e",),
    "r": ("-e",),
    "tcl": ("-c",),  # expect -c CODE
}


class Action(NamedTuple):
    """One thing a program does, in shell terms: an argument vector (with redirects), or shell code."""

    argv: tuple[str, ...] = ()
    code: str | None = None
    redirects: tuple[tuple[str, str], ...] = ()  # (operator, target)
    tags: frozenset[str] = frozenset()  # what it consumes: download:..., decoder:..., secret:...
    label: str = ""


class Reading(NamedTuple):
    actions: list[Action]
    output: str | None = None  # what it prints, when known (print("...") of a constant)


NOTHING = Reading([], None)


def inline_code(language: str, program: str, args: Sequence[str]) -> str | None:
    """The program text given on the command line (``-c``, ``-e``, ``-r``; awk's first operand)."""
    if language == "awk":
        if any(a == "-f" or a.startswith("--file") for a in args):
            return None
        skip = False
        for arg in args:
            if skip:
                skip = False
                continue
            if arg in ("-F", "-v", "--assign", "--field-separator"):
                skip = True
                continue
            if arg.startswith("-") and arg != "-":
                continue
            return arg
        return None
    names = _CODE_OPTIONS.get(language, ())
    pieces: list[str] = []
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                pieces.append(args[index + 1])
            elif len(name) == 2 and arg.startswith(name) and len(arg) > 2 and not arg.startswith("--"):
                pieces.append(arg[2:])
            elif (
                re.fullmatch(r"-[a-zA-Z]*" + re.escape(name[1:]), arg)
                and len(name) == 2
                and index + 1 < len(args)
            ):
                pieces.append(args[index + 1])  # bundled flags: perl -ne CODE, ruby -pe CODE
    if not pieces:
        return None
    return "\n".join(dict.fromkeys(pieces))


def reads_program_from_stdin(language: str, args: Sequence[str]) -> bool:
    """An interpreter given no program (no code option, no script operand, or ``-``) reads it from stdin."""
    if language == "awk" or inline_code(language, "", args) is not None:
        return False
    if any(a in ("-", "/dev/stdin") for a in args):
        return True
    operands = [a for a in args if not a.startswith("-")]
    if language == "python" and any(a == "-m" for a in args):
        return False
    return not operands


def script_operand(language: str, args: Sequence[str]) -> str | None:
    """The script file an interpreter runs (``python3 x.py``), if any."""
    if inline_code(language, "", args) is not None:
        return None
    if language == "awk":
        values = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-f"]
        return values[0] if values else None
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-m", "-W", "-X", "-I", "-M", "-r", "--require") and language != "awk":
            if arg == "-m":
                return None
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def read(language: str, code: str, depth: int = 0, presets: Mapping[str, str] | None = None) -> Reading:
    """What ``code`` in ``language`` does; ``presets`` are variables set on the command line (awk ``-v``)."""
    if len(code) > 200_000 or depth > 4:
        return NOTHING
    if language == "python":
        reading = _PythonReader(depth).read(code)
        if reading is not None:
            return reading
    if language == "tcl":
        return _read_tcl(code, depth)
    return _read_by_tokens(language, _Constants(language, code, presets or {}).folded(), code, depth)


def presets(language: str, args: Sequence[str]) -> dict[str, str]:
    """Variables given on the command line: awk's ``-v NAME=VALUE`` and ``--assign NAME=VALUE``."""
    if language != "awk":
        return {}
    found: dict[str, str] = {}
    for index, arg in enumerate(args):
        value = args[index + 1] if arg in ("-v", "--assign") and index + 1 < len(args) else None
        if value is None and arg.startswith("-v") and len(arg) > 2:
            value = arg[2:]
        name, eq, text = (value or "").partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", name):
            found[name] = text
    return found


# ---- python -------------------------------------------------------------------------------------------

_SHELL_CALLS = {
    "os.system",
    "os.popen",
    "commands.getoutput",
    "commands.getstatusoutput",
    "subprocess.getoutput",
}
_SHELL_CALLS |= {"subprocess.getstatusoutput", "popen2.popen2", "platform.popen", "os.popen2", "os.popen3"}
_ARGV_CALLS = {"subprocess.run", "subprocess.call", "subprocess.Popen", "subprocess.check_call"}
_ARGV_CALLS |= {"subprocess.check_output", "pty.spawn", "os.posix_spawn", "os.posix_spawnp"}
_EXEC_PREFIXES = ("os.exec", "os.spawn")
_OUTPUT_CALLS = {"subprocess.check_output", "subprocess.getoutput", "commands.getoutput", "os.popen"}
_DELETES = {
    "shutil.rmtree": ("rm", "-rf"),
    "os.remove": ("rm",),
    "os.unlink": ("rm",),
    "os.rmdir": ("rmdir",),
    "os.removedirs": ("rm", "-r"),
    "pathlib.Path.unlink": ("rm",),
    "pathlib.Path.rmdir": ("rmdir",),
}
_DOWNLOADS = {"urllib.request.urlopen", "urllib.urlopen", "urllib2.urlopen", "requests.get", "requests.post"}
_DOWNLOADS |= {"urllib.request.urlretrieve", "urllib.urlretrieve", "httpx.get", "requests.request"}
_DECODERS = {
    "base64.b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "base64.decodebytes",
    "base64.urlsafe_b64decode",
}
_DECODERS |= {
    "bytes.fromhex",
    "binascii.unhexlify",
    "binascii.a2b_base64",
    "codecs.decode",
    "zlib.decompress",
}
_DECODERS |= {"marshal.loads", "pickle.loads", "bytearray.fromhex"}
_LISTINGS = {"os.listdir", "os.scandir", "glob.glob", "glob.iglob", "os.walk", "pathlib.Path.iterdir"}
_SENDS = {
    "requests.post",
    "requests.put",
    "urllib.request.urlopen",
    "smtplib.SMTP",
    "ftplib.FTP",
    "httpx.post",
}


_PATH_IDENTITIES = {  # functions of a path that leave what it names unchanged, for the rules
    "os.path.expanduser",
    "os.path.expandvars",
    "os.path.abspath",
    "os.path.realpath",
    "os.path.normpath",
    "pathlib.Path.expanduser",
    "pathlib.Path.resolve",
    "pathlib.Path",
}
_NORMALISERS = {"os.path.abspath", "os.path.realpath", "os.path.normpath", "pathlib.Path.resolve"}
_KNOWN_ENVIRONMENT = {"HOME": "~", "TMPDIR": "/tmp"}


class _Unknown:
    """A value only known at run time."""


UNKNOWN = _Unknown()


class _PythonReader(ast.NodeVisitor):
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.aliases: dict[str, str] = {}  # local name -> dotted module or function name
        self.values: dict[str, Any] = {}  # constant assignments
        self.kinds: dict[str, str] = {}  # name -> "socket" | "download" | "decoded" | "secret:..."
        self.actions: list[Action] = []
        self.printed: list[str] | None = []
        self.sockets: list[tuple[str, str]] = []
        self.shell_on_socket = False
        self.secrets: list[str] = []
        self.endpoints: list[str] = []

    def read(self, code: str) -> Reading | None:
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        try:
            self.visit(tree)
        except RecursionError:
            return None
        for host, port in self.sockets:
            if self.shell_on_socket:
                target = f"/dev/tcp/{host}/{port}"
                self.actions.append(
                    Action(("sh", "-i"), redirects=((">&", target), ("<&", target)), label="python socket")
                )
            payload = tuple(f"secret:{s}" for s in self.secrets)
            self.actions.append(Action(("nc", host, port), tags=frozenset(payload), label="python socket"))
        for endpoint in self.endpoints:
            for secret in self.secrets:
                self.actions.append(
                    Action(("curl", "--data-binary", "@" + secret, endpoint), label="python upload")
                )
        output = "".join(self.printed) if self.printed is not None else None
        return Reading(self.actions, output)

    # ---- names and constants ----------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            if base is None:
                return None
            if base.startswith("pathlib.Path(") or base == "pathlib.Path":
                return f"pathlib.Path.{node.attr}"
            return f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            func = self.dotted(node.func)
            if func in ("__import__", "importlib.import_module") and node.args:
                module = self.const(node.args[0])
                return module if isinstance(module, str) else None
            if func == "getattr" and len(node.args) >= 2:
                base, attr = self.dotted(node.args[0]), self.const(node.args[1])
                return f"{base}.{attr}" if base and isinstance(attr, str) else None
            if func in ("pathlib.Path", "Path", "pathlib.PosixPath"):
                return "pathlib.Path"
        return None

    def const(self, node: ast.AST | None) -> Any:
        """The value of a constant expression, or UNKNOWN."""
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.values.get(node.id, UNKNOWN)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                v = self.const(value.value if isinstance(value, ast.FormattedValue) else value)
                if v is UNKNOWN:
                    parts.append("$PY")
                else:
                    parts.append(str(v))
            return "".join(parts)
        if isinstance(node, ast.List | ast.Tuple):
            return [self.const(e) for e in node.elts]
        if isinstance(node, ast.BinOp):
            left, right = self.const(node.left), self.const(node.right)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            try:
                if isinstance(node.op, ast.Add):
                    return left + right
                if isinstance(node.op, ast.Mult) and isinstance(right, int) and right < 10_000:
                    return left * right
                if isinstance(node.op, ast.Mod) and isinstance(left, str):
                    return left % (tuple(right) if isinstance(right, list) else right)
            except (TypeError, ValueError):
                return UNKNOWN
            return UNKNOWN
        if isinstance(node, ast.Subscript) and self.dotted(node.value) == "os.environ":
            key = self.const(node.slice)
            return _KNOWN_ENVIRONMENT.get(key, UNKNOWN) if isinstance(key, str) else UNKNOWN
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            value = self.const(node.value)
            step = self.const(node.slice.step) if node.slice.step else None
            if isinstance(value, str | bytes) and node.slice.lower is None and node.slice.upper is None:
                return value[::step] if isinstance(step, int) else value
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.call_value(node)
        return UNKNOWN

    def call_value(self, node: ast.Call) -> Any:
        func = self.dotted(node.func)
        args = [self.const(a) for a in node.args]
        if isinstance(node.func, ast.Attribute):
            target = self.const(node.func.value)
            method = node.func.attr
            try:
                if method == "join" and isinstance(target, str) and node.args:
                    items = self.iterable(node.args[0])
                    if items is not UNKNOWN and all(isinstance(i, str) for i in items):
                        return target.join(items)
                if method == "decode" and isinstance(target, bytes | bytearray):
                    return from_bytes(bytes(target))
                if method in ("expanduser", "resolve", "absolute") and isinstance(target, str):
                    return target  # Path("~").expanduser() still names the home directory
                if method == "encode" and isinstance(target, str):
                    return target.encode("utf-8", "surrogateescape")
                if (
                    method in ("replace", "format", "upper", "lower", "strip")
                    and isinstance(target, str)
                    and (UNKNOWN not in args)
                ):
                    return getattr(target, method)(*args)
            except (TypeError, ValueError, IndexError, KeyError):
                return UNKNOWN
        if func in _DECODERS and args and args[0] is not UNKNOWN:
            try:
                data = args[0]
                raw = data.encode() if isinstance(data, str) else bytes(data)
                if func in ("bytes.fromhex", "bytearray.fromhex", "binascii.unhexlify"):
                    return bytes.fromhex(raw.decode())
                if func == "base64.b32decode":
                    return base64.b32decode(raw)
                if func == "base64.b16decode":
                    return base64.b16decode(raw)
                if func == "zlib.decompress":
                    return zlib.decompress(raw)
                if func == "codecs.decode":
                    encoding = args[1] if len(args) > 1 else "utf-8"
                    if encoding in ("rot13", "rot_13"):
                        return codecs.decode(str(data), "rot13")
                    return codecs.decode(raw, encoding)
                if func in ("marshal.loads", "pickle.loads"):
                    return UNKNOWN
                return base64.b64decode(raw + b"=" * (-len(raw) % 4))
            except (ValueError, binascii.Error, zlib.error, LookupError, TypeError):
                return UNKNOWN
        if func == "compile" and args and isinstance(args[0], str | bytes):
            return args[0]
        if func in ("os.path.join", "posixpath.join") and args and all(isinstance(a, str) for a in args):
            return posixpath.join(*args)
        if func in _PATH_IDENTITIES and args and isinstance(args[0], str):
            return (
                posixpath.normpath(args[0]) if func in _NORMALISERS and args[0].startswith("/") else args[0]
            )
        if func in ("os.getenv", "os.environ.get") and args and args[0] in _KNOWN_ENVIRONMENT:
            return _KNOWN_ENVIRONMENT[args[0]]
        if func == "pathlib.Path.home":
            return "~"
        if func == "reversed" and args and isinstance(args[0], str | list):
            return list(reversed(args[0]))
        if func in _LISTINGS:
            return ["*"]  # some entry of the listed directory: a glob over it
        if func == "chr" and args and isinstance(args[0], int):
            return chr(args[0]) if 0 <= args[0] < 0x110000 else UNKNOWN
        if func in ("str", "bytes") and args and isinstance(args[0], str | bytes) and len(args) == 1:
            return args[0]
        if (
            func == "bytes"
            and args
            and isinstance(args[0], list)
            and all(isinstance(i, int) for i in args[0])
        ):
            return bytes(i & 0xFF for i in args[0])
        return UNKNOWN

    def iterable(self, node: ast.AST) -> Any:
        if isinstance(node, ast.GeneratorExp | ast.ListComp) and len(node.generators) == 1:
            generator = node.generators[0]
            source = self.const(generator.iter)
            if (
                isinstance(generator.target, ast.Name)
                and isinstance(source, list | str | bytes)
                and len(source) < 10_000
            ):
                results = []
                saved = self.values.get(generator.target.id, UNKNOWN)
                for item in source:
                    self.values[generator.target.id] = item
                    results.append(self.const(node.elt))
                self.values[generator.target.id] = saved
                return results
            return UNKNOWN
        value = self.const(node)
        return value if isinstance(value, list) else UNKNOWN

    @staticmethod
    def text(value: Any) -> str | None:
        if isinstance(value, bytes | bytearray):
            return from_bytes(bytes(value))
        if isinstance(value, str):
            return value
        return None

    # ---- statements and calls ---------------------------------------------------------------------
    def loop(self, target: ast.AST, source: ast.AST, body: list[ast.AST]) -> bool:
        """Visit ``body`` once per known item of ``source`` (a constant list, or a directory listing)."""
        items = self.const(source)
        if not isinstance(target, ast.Name) or not isinstance(items, list) or not 0 < len(items) <= 64:
            return False
        saved = self.values.get(target.id, UNKNOWN)
        for item in items:
            self.values[target.id] = item
            for statement in body:
                self.visit(statement)
        self.values[target.id] = saved
        return True

    def visit_For(self, node: ast.For) -> None:
        if not self.loop(node.target, node.iter, node.body):
            self.generic_visit(node)

    def visit_comprehension_like(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        if len(node.generators) == 1:
            generator = node.generators[0]
            self.visit(generator.iter)
            if self.loop(generator.target, generator.iter, [node.elt]):
                return
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_comprehension_like

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.const(node.value)
        kind = self.kind_of(node.value)
        function = self.dotted(node.value) if isinstance(node.value, ast.Name | ast.Attribute) else None
        for target in node.targets:
            if isinstance(target, ast.Name) and function and "." in function:  # f = os.system
                self.aliases[target.id] = function
            if isinstance(target, ast.Name):
                self.values[target.id] = value
                if kind:
                    self.kinds[target.id] = kind
                elif target.id in self.kinds:
                    del self.kinds[target.id]
        self.generic_visit(node)

    def kind_of(self, node: ast.AST) -> str | None:
        """What an expression holds: a socket, downloaded data, decoded data, a secret file's contents."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                func = self.dotted(sub.func) or ""
                if func in ("socket.socket", "socket.create_connection"):
                    return "socket"
                if func in _DOWNLOADS:
                    return "download"
                if func in _DECODERS:
                    return "decoded"
            if isinstance(sub, ast.Name) and sub.id in self.kinds:
                return self.kinds[sub.id]
        return None

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = self.dotted(node.func) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        args = node.args
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if func in ("print", "sys.stdout.write"):
            text = self.text(self.const(args[0])) if args else ""
            if self.printed is not None:
                if text is None:
                    self.printed = None
                else:
                    self.printed.append(text + ("\n" if func == "print" else ""))
            return
        if func in _SHELL_CALLS and args:
            self.shell(args[0], func)
            return
        if func in _ARGV_CALLS or func.startswith(_EXEC_PREFIXES):
            self.spawn(func, args, keywords)
            return
        if func in _DELETES and (args or func.startswith("pathlib.Path")):
            path = self.path_argument(node, args)
            if path is not None:
                self.actions.append(Action((*_DELETES[func], path), label=f"python {func}"))
            return
        if func in ("exec", "eval", "builtins.exec", "compile") and args:
            self.execute(args[0])
            return
        if func in ("open", "io.open", "pathlib.Path.open", "os.open") and (
            args or func == "pathlib.Path.open"
        ):
            self.open_file(node, args, keywords)
            return
        if func in ("pathlib.Path.write_text", "pathlib.Path.write_bytes"):
            path = self.path_argument(node, [])
            if path is not None:
                text = self.text(self.const(args[0])) if args else None
                self.actions.append(_written(text, ">", path, "python write_text"))
            return
        if method == "write" and args and isinstance(node.func.value, ast.Call):  # open(P, "a").write(T)
            opened = node.func.value  # type: ignore[union-attr]
            if (self.dotted(opened.func) or "") in ("open", "io.open"):
                path = self.path_argument(opened, opened.args)
                mode = self.const(opened.args[1]) if len(opened.args) > 1 else "r"
                text = self.text(self.const(args[0]))
                if path is not None and isinstance(mode, str) and text:
                    self.actions.append(_written(text, ">>" if "a" in mode else ">", path, "python write"))
            return
        if func in ("pathlib.Path.read_text", "pathlib.Path.read_bytes"):
            path = self.path_argument(node, [])
            if path is not None:
                self.read_path(path)
            return
        if func in (
            "shutil.move",
            "os.rename",
            "os.replace",
            "shutil.copy",
            "shutil.copyfile",
            "shutil.copytree",
        ):
            values = [self.text(self.const(a)) for a in args[:2]]
            if len(values) == 2 and all(values):
                program = "mv" if func in ("shutil.move", "os.rename", "os.replace") else "cp"
                self.actions.append(Action((program, "-r", values[0], values[1]), label=f"python {func}"))  # type: ignore[arg-type]
            return
        if func in ("os.chmod",) and len(args) >= 2:
            path, mode = self.text(self.const(args[0])), self.const(args[1])
            if path and isinstance(mode, int):
                self.actions.append(Action(("chmod", f"{mode:o}", path), label="python os.chmod"))
            return
        if func == "os.dup2" or (func in ("subprocess.Popen", "subprocess.call") and "stdin" in keywords):
            if any(self.kind_of(a) == "socket" for a in args) or any(
                self.kind_of(v) == "socket" for v in keywords.values()
            ):
                self.shell_on_socket = True
            return
        if method in ("connect", "connect_ex") and args:
            address = self.const(args[0])
            if isinstance(address, list) and len(address) == 2:
                self.sockets.append((str(address[0]), str(address[1])))
            return
        if func == "socket.create_connection" and args:
            address = self.const(args[0])
            if isinstance(address, list) and len(address) == 2:
                self.sockets.append((str(address[0]), str(address[1])))
            return
        if func in _SENDS and args:
            url = self.text(self.const(args[0]))
            if url:
                self.endpoints.append(url)

    def shell(self, node: ast.AST, func: str) -> None:
        value = self.const(node)
        text = self.text(value)
        if text is not None:
            self.actions.append(Action(code=text, label=f"python {func}"))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            self.actions.append(Action(tuple(value), label=f"python {func}"))

    def spawn(self, func: str, args: list[ast.expr], keywords: dict[str, ast.expr]) -> None:
        if not args and "args" not in keywords:
            return
        first = args[0] if args else keywords["args"]
        shell = keywords.get("shell")
        value = self.const(first)
        if func.startswith(_EXEC_PREFIXES) and len(args) >= 2:
            rest = [self.const(a) for a in args[1:]]
            argv = rest[0] if len(rest) == 1 and isinstance(rest[0], list) else rest
            if isinstance(argv, list) and argv and all(isinstance(v, str) for v in argv):
                self.actions.append(Action(tuple(argv), label=f"python {func}"))
                return
        if func == "pty.spawn":
            self.shell_on_socket = self.shell_on_socket or bool(self.sockets)
        if isinstance(value, str):
            if shell is not None and self.const(shell) is True:
                self.actions.append(Action(code=value, label=f"python {func}"))
            else:
                self.actions.append(
                    Action(tuple(value.split()) if func == "pty.spawn" else (value,), label=f"python {func}")
                )
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            if value[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and self.sockets:
                self.shell_on_socket = True
            self.actions.append(Action(tuple(value), label=f"python {func}"))

    def execute(self, node: ast.AST) -> None:
        """``exec``/``eval`` of a constant is read again; of decoded or downloaded data, it is that; of what
        a command prints (``exec(subprocess.check_output("curl URL", shell=True))``), ``CMD | python3``."""
        inner = (
            node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
        )
        call = inner if isinstance(inner, ast.Call) else node  # os.popen(CMD).read()
        if isinstance(call, ast.Call) and call.args:
            func = self.dotted(call.func) or ""
            command = self.text(self.const(call.args[0]))
            if func in _OUTPUT_CALLS and command:
                self.actions.append(Action(code=f"{command} | python3", label=f"python exec {func}"))
        kind = self.kind_of(node)
        if kind in ("download", "decoded"):
            tag = "download:python" if kind == "download" else "decoder:python"
            self.actions.append(Action(("python3", "-"), tags=frozenset({tag}), label="python exec"))
        text = self.text(self.const(node))
        if text is not None:
            self.actions.extend(read("python", text, self.depth + 1).actions)

    def path_argument(self, node: ast.Call, args: list[ast.expr]) -> str | None:
        if args:
            return self.text(self.const(args[0]))
        inner = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(inner, ast.Call) and inner.args:
            return self.text(self.const(inner.args[0]))
        return None

    def open_file(self, node: ast.Call, args: list[ast.expr], keywords: dict[str, ast.expr]) -> None:
        path = self.path_argument(node, args)
        if path is None:
            return
        mode_node = args[1] if len(args) > 1 else keywords.get("mode")
        mode = self.const(mode_node) if mode_node is not None else "r"
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            op = ">>" if "a" in mode else ">"
            self.actions.append(Action((":",), redirects=((op, path),), label="python open"))
        else:
            self.read_path(path)

    def read_path(self, path: str) -> None:
        self.secrets.append(path)
        self.actions.append(Action(("cat", path), label="python open"))


# ---- Tcl (tclsh, wish, expect): commands of words, like a shell's ---------------------------------------


_TCL_ESCAPE = re.compile(r"\\(.)")
_TCL_ESCAPES = {"n": "\n", "r": "\n", "t": "\t"}  # \r is Enter to a spawned program


def _tcl_commands(code: str) -> list[list[tuple[str, bool]]]:
    """Tcl commands as lists of (word, braced): words split on blanks, ``{...}`` and ``"..."`` grouped,
    commands ended by a newline or ``;`` outside them."""
    commands: list[list[tuple[str, bool]]] = []
    words: list[tuple[str, bool]] = []
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c in "\n;":
            if words:
                commands.append(words)
                words = []
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#" and not words:
            i = code.find("\n", i) if "\n" in code[i:] else n
        elif c in "{[":
            close, depth, j = "}" if c == "{" else "]", 0, i
            while j < n:
                if code[j] == "\\":
                    j += 1
                elif code[j] == c:
                    depth += 1
                elif code[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            words.append((code[i + 1 : j] if c == "{" else code[i : j + 1], c == "{"))
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and code[j] != '"':
                j += 2 if code[j] == "\\" else 1
            words.append(
                (_TCL_ESCAPE.sub(lambda m: _TCL_ESCAPES.get(m.group(1), m.group(1)), code[i + 1 : j]), False)
            )
            i = j + 1
        else:
            j = i
            while j < n and code[j] not in " \t\r\n;":
                j += 2 if code[j] == "\\" else 1
            words.append((code[i:j], False))
            i = j
    if words:
        commands.append(words)
    return commands


_TCL_EXEC_OPTIONS = frozenset({"-ignorestderr", "-keepnewline", "-noecho", "-nottycopy", "-nottyinit", "--"})


def _opens_shell(argv: Sequence[str]) -> bool:
    """A program that reads commands typed into it: a shell, ``su``, ``sudo -s``, ``ssh HOST`` alone."""
    program, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    if program in SHELLS and shell_code(program, args) is None or opens_shell(program, args):
        return True
    return program in ("ssh", "telnet") and len([a for a in args if not a.startswith("-")]) == 1


def _read_tcl(code: str, depth: int) -> Reading:
    """``exec PROG ARGS`` and expect's ``spawn`` run a program (no shell: a pipeline ``|`` is split, redirects
    dropped); ``open "|cmd"`` too; ``file delete -force`` deletes trees; expect's ``send`` types into a
    spawned shell; ``eval`` and every braced body (procs, loops, branches) are read as Tcl again."""
    actions: list[Action] = []
    shell_spawned = False
    for command in _tcl_commands(code):
        name, rest = command[0][0], [w for w, _ in command[1:]]
        if name in ("exec", "spawn"):
            argv = [w for w in rest if w not in _TCL_EXEC_OPTIONS and not re.match(r"^(?:\d?[<>]|&$|2>@)", w)]
            stages: list[list[str]] = [[]]
            for word in argv:  # exec a | b: a pipeline of programs, each word as Tcl grouped it
                stages.append([]) if word == "|" else stages[-1].append(word)
            for words in stages:
                if words:
                    actions.append(Action(tuple(words), label=f"tcl {name}"))
                    shell_spawned = shell_spawned or name == "spawn" and _opens_shell(words)
        elif name == "open" and rest and rest[0].startswith("|"):
            actions.append(Action(tuple(rest[0][1:].split()), label="tcl open |"))
        elif name == "file" and rest[:1] == ["delete"]:
            paths = [w for w in rest[1:] if not w.startswith("-")]
            actions.extend(
                Action(("rm", "-rf" if "-force" in rest else "-f", p), label="tcl file delete") for p in paths
            )
        elif name == "send" and shell_spawned and rest:  # typed into a shell, su, sudo -s, ssh HOST
            actions.append(Action(code=rest[-1].replace("\r", "\n"), label="expect send"))
        elif name in ("eval", "uplevel") and rest and depth < 4:
            actions.extend(_read_tcl(" ".join(rest), depth + 1).actions)
        if depth < 4:
            for word, braced in command[1:]:
                if braced and word.strip():
                    actions.extend(_read_tcl(word, depth + 1).actions)
                elif not braced:  # [exec ...] substituted into a word runs first
                    for inner in re.findall(r"\[([^\[\]]+)\]", word):
                        actions.extend(_read_tcl(inner, depth + 1).actions)
    return Reading(actions, None)


# ---- other languages: string literals and the calls that matter -------------------------------------

_STRING = (  # "..." and '...', and perl's q(...) / ruby's %q{...} quoting
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\bq[qx]?\s*\((?:[^()\\]|\\.)*\)|\bq[qx]?\s*\{(?:[^{}\\]|\\.)*\}"""
    r"""|%[qQ]?\{(?:[^{}\\]|\\.)*\}|%[qQ]?\((?:[^()\\]|\\.)*\)|%[qQ]?\[(?:[^\[\]\\]|\\.)*\])"""
)
_WORD_LIST = re.compile(  # perl's qw(...) and ruby's %w[...]: a list of words, each bracket pair on its own
    r"(?:\bqw\s*|%[wW])(?:\((.*?)\)|\{(.*?)\}|\[(.*?)\]|/(.*?)/)", re.DOTALL
)
_CONCAT = r"\s*(?:\.\.|\.|\+)\s*"
_LITERALS = rf"{_STRING}(?:{_CONCAT}{_STRING})*"
_ARGS = rf"\(?\s*\[?\s*\*?\s*({_LITERALS}(?:\s*,\s*\[?\s*{_LITERALS}\s*\]?)*)"
_RUNNERS = {
    "perl": r"\b(?:system|exec|qx)\b",
    "ruby": r"(?:\b(?:system|exec|spawn|IO\.popen|Open3\.\w+|Process\.spawn|PTY\.spawn)\b)",
    "node": r"(?:\b(?:execSync|exec|spawnSync|spawn|execFileSync|execFile|fork)\b)",
    "php": r"\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\b",
    "lua": r"\b(?:os\.execute|io\.popen)\b",
    "awk": r"\bsystem\b",
    "r": r"\b(?:system|system2|shell)\b",
    "python": r"\b(?:os\.system|os\.popen|subprocess\.\w+|commands\.getoutput)\b",
}
_DELETERS = {
    "perl": r"\b(?:rmtree|remove_tree|File::Path::rmtree)\b",
    "ruby": r"\bFileUtils\.(?:rm_rf|rm_r|remove_dir|rmtree|remove_entry)\b",
    "node": r"\b(?:rmSync|rmdirSync|rimraf(?:\.sync)?|fs\.rm|fs\.rmdir|removeSync|fse\.remove)\b",
    "php": r"\b(?:rmdir)\b",
    "python": r"\bshutil\.rmtree\b",
}
_UNLINKERS = {
    "perl": r"\bunlink\b",
    "ruby": r"\b(?:File\.delete|File\.unlink|FileUtils\.rm)\b",
    "node": r"\b(?:unlinkSync|fs\.unlink)\b",
    "php": r"\bunlink\b",
    "lua": r"\bos\.remove\b",
    "python": r"\bos\.(?:remove|unlink)\b",
    "r": r"\b(?:unlink|file\.remove)\b",
}
_SOCKETS = {
    "perl": r"IO::Socket(?:::INET)?->new|\bsocket\s*\(|inet_aton",
    "ruby": r"TCPSocket\.(?:new|open)|Socket\.tcp",
    "node": r"net\.(?:connect|createConnection|Socket)|\.connect\s*\(",
    "php": r"\bfsockopen\b|socket_connect|stream_socket_client",
    "lua": r"socket\.(?:tcp|connect)|\bsocket\b",
    "awk": r"/inet/tcp/",
    "python": r"socket\.socket",
}
_SHELL_ON_SOCKET = re.compile(
    r"/bin/(?:ba|z|da)?sh|\bsh\s+-i|\bbash\b|cmd\.exe|open\s*\(\s*STDIN|\bdup2\b|\bpty\b|spawn\(\s*['\"](?:/bin/)?(?:ba)?sh|"
    r"\|&|getline|\[:in,\s*:out",
)
_EVAL_DECODE = re.compile(
    r"\b(?:eval|exec|instance_eval|Function|load|loadstring|assert|create_function)\s*\(?\s*"
    r"(?:[\w:.]*\s*\(\s*)?(?:decode_base64|base64_decode|Base64\.decode64|Base64\.strict_decode64|atob|Buffer\.from|"
    r"unpack|gzinflate|str_rot13|hex2bin|pack)\b",
)
_EVAL_FETCH = re.compile(
    r"\b(?:eval|exec|instance_eval|Function|load|loadstring)\s*\(?\s*(?:[\w:.]*\s*\(\s*)?"
    r"(?:get|LWP::Simple::get|open-uri|URI\.open|Net::HTTP\.get|file_get_contents\s*\(\s*['\"]https?|fetch|http\.get|require\(['\"]https?)",
)
_FETCHES = re.compile(
    r"\b(?:(?:get|request)\s*\(\s*['\"]https?://|https?\.get|https?\.request|fetch\s*\(|LWP::|Net::HTTP|open-uri|URI\.open|file_get_contents\s*\(\s*['\"]https?|"
    r"urlopen|socket\.http|HTTP::Tiny|curl_exec)"
)
_EVALUATES = re.compile(  # a call, or the function passed as a callback: fetch(u).then(...).then(eval)
    r"\b(?:eval|instance_eval|Function|loadstring|load|assert|create_function)\s*\(|[(,]\s*(?:eval|Function)\s*\)"
)
_ENDPOINT = re.compile(
    r"""['"]((?:\d{1,3}\.){3}\d{1,3}|[A-Za-z0-9.-]+\.[A-Za-z]{2,})['"]\s*[,:]\s*['"]?(\d{1,5})|PeerAddr\s*=>\s*['"]([^'"]+)['"]"""
)
_SECRET_READ = re.compile(
    r"""['"]((?:/etc/(?:shadow|passwd|gshadow|sudoers)|~?/[^'"]*(?:id_rsa|id_ed25519|id_ecdsa|\.aws/credentials|\.netrc|\.git-credentials|\.kube/config|\.bash_history)))['"]"""
)


_GLOB_CALLS = re.compile(  # a glob of a constant pattern is that pattern: the rules read globs as paths
    rf"(?:\bglob\s*\(?|\bDir\.glob\s*\(|\bDir\s*\[)\s*({_LITERALS})\s*[)\]]?"
)
_MODE = r"(0[oO]?[0-7]{3,4}|[0-7]{3,4}\b)"
_CHMOD_CALLS = (  # mode first (perl's chmod MODE, LIST; ruby's File.chmod, FileUtils.chmod_R), or path first
    re.compile(rf"\b(?:File\.|FileUtils\.)?chmod(_R)?\s*\(?\s*{_MODE}\s*,\s*({_LITERALS})"),
    re.compile(rf"\bchmod(?:Sync)?\s*\(\s*({_LITERALS})\s*,\s*{_MODE}"),  # php, node
)


def _chmods(code: str) -> list[Action]:
    """``chmod 0777, "/etc/sudoers"``, ``File.chmod(04755, p)``, ``fs.chmodSync(p, 0o777)`` as ``chmod``."""
    actions = []
    for index, pattern in enumerate(_CHMOD_CALLS):
        for m in pattern.finditer(code):
            recursive, mode, paths = (
                (m.group(1), m.group(2), m.group(3)) if index == 0 else (None, *m.group(2, 1))
            )
            octal = format(int(mode.lower().removeprefix("0o"), 8), "o")
            flags = ("-R",) if recursive else ()
            for literal in re.findall(_LITERALS, paths)[:8]:
                actions.append(Action(("chmod", *flags, octal, _literal_text(literal)), label="chmod call"))
    return actions


_RECURSIVE_ARGUMENT = re.compile(r"[^)]*\brecursive\s*[=:]\s*(?:TRUE|T|true)\b")


def _literal_text(literal: str) -> str:
    """The value of ``"a" . "b"``-style concatenated literals (escapes decoded, interpolation kept)."""
    pieces = re.findall(_STRING, literal)
    out = []
    for piece in pieces:
        if piece[0] in "q%":  # q(...), qq{...}, %q{...}: the text between the brackets
            out.append(piece[piece.index(next(c for c in piece if c in "({[")) + 1 : -1])
            continue
        body = piece[1:-1]
        if piece[0] == '"':
            body = re.sub(
                r"\\(.)", lambda m: {"n": "\n", "t": "\t", "e": "\x1b"}.get(m.group(1), m.group(1)), body
            )
            body = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), body)
        else:
            body = body.replace("\\'", "'").replace("\\\\", "\\")
        out.append(body)
    return "".join(out)


# ---- constants in the token languages ----------------------------------------------------------------

_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_P = "\x00\\d+\x00"
_JOIN_OPERATOR = {
    "perl": r"\.",
    "php": r"\.",
    "lua": r"\.\.",
    "ruby": r"\+",
    "node": r"\+",
    "awk": "",
    "r": None,
}
_ASSIGNMENT = {  # (sigil, name) then `=`; the right-hand side runs to `;`, a newline or `}`
    "perl": r"(?:\b(?:my|our|local)\s+)?([$@])(\w+)\s*=(?![=~>])",
    "php": r"(\$)(\w+)\s*=(?![=>])",
    "ruby": r"(?<![\w.$@:])()([a-z_]\w*)\s*=(?![=~>])",
    "node": r"(?:\b(?:const|let|var)\s+)?()([A-Za-z_$][\w$]*)\s*=(?![=>])",
    "lua": r"(?:\blocal\s+)?()([A-Za-z_]\w*)\s*=(?!=)",
    "awk": r"()([A-Za-z_]\w*)\s*=(?!=)",
    "r": r"()([A-Za-z_.][\w.]*)\s*(?:<-|=(?!=))",
}
_SIGILS = {"perl": "$", "php": "$"}
_DECODE_CALLS = re.compile(
    rf"(?:\bbase64_decode|\bdecode_base64|\bMIME::Base64::decode(?:_base64)?|\bBase64\.(?:strict_|urlsafe_)?decode64"
    rf"|\batob|\bhex2bin)\s*\(\s*({_P})\s*\)"
)
_BUFFER_FROM = re.compile(rf"\bBuffer\.from\(\s*({_P})\s*,\s*({_P})\s*\)\.toString\(\s*\)")
_REVERSE_CALLS = re.compile(  # reverse(X), reverse X, X.reverse, X:reverse(), X.split("").reverse().join("")
    rf"(?:\bstring\.reverse|(?<![\w.])(?:scalar\s+)?reverse|\bstrrev|\bstri_reverse)"
    rf"\s*(?:\(\s*({_P})\s*\)|({_P})(?!\s*(?:\.|\+)))"
    rf"|(?:(?<![\w$\]])\(\s*({_P})\s*\)|({_P}))"  # parentheses that group, not a call's
    rf"(?:\.reverse\b|:reverse\(\)|\.split\(\s*{_P}\s*\)\.reverse\(\)\.join\(\s*{_P}\s*\))"
)
_JOIN_CALLS = re.compile(
    rf"\bjoin\s*\(\s*({_P})\s*,\s*((?:{_P}\s*,\s*)*{_P})\s*\)"  # perl join(SEP, LIST)
    rf"|\[\s*((?:{_P}\s*,\s*)*{_P})\s*\]\.join\(\s*({_P})?\s*\)"  # ruby and node LIST.join(SEP)
    rf"|\bpaste(0?)\s*\(\s*((?:{_P}\s*,\s*)*{_P})\s*\)"  # R paste0(A, B) and paste(A, B)
)
_FORMAT_CALLS = re.compile(  # string.format(FMT, ...), sprintf(FMT, ...), format(FMT, ...)
    rf"(?:\bstring\.format|\bsprintf|\bformat|\butil\.format)\s*\(\s*({_P})((?:\s*,\s*{_P})*)\s*\)"
)
_WORDS = re.compile(r"^\s*(?:qw|%[wW])\s*(?:\((.*)\)|\[(.*)\]|\{(.*)\}|/(.*)/)\s*$", re.DOTALL)


_PERL_ENV = re.compile(r"""\$ENV\{\s*['"]?(\w+)['"]?\s*\}""")
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_ENV_LOOKUP = re.compile(  # over masked code, where a literal is a placeholder
    rf"(?:\bENV(?:IRON)?\s*\[|\bENV\.fetch\(|\$_(?:SERVER|ENV)\[|\b(?:os\.|Sys\.)?getenv\(|\bprocess\.env\[|\$ENV\{{)"
    rf"\s*(?P<literal>{_P})\s*[\])}}]|\$ENV\{{\s*(?P<bare>\w+)\s*\}}|\bprocess\.env\.(?P<name>\w+)"
    rf"|(?P<home>\bDir\.home\b|(?:\brequire\(\s*{_P}\s*\)\.|\b\w+\.)?\bhomedir\(\s*\))"
)


class _Constants:
    """Strings a one-liner builds from constants, folded back into literals: ``$c="rm -rf /"; system $c``
    reads as ``system "rm -rf /"``, ``"rm -rf " . "/boot"`` as one literal, ``reverse "cte/ fr- mr"`` as
    ``"rm -rf /etc"``, so the readers below see the command whatever the program did to hide it.

    String literals are masked (``\\x00N\\x00``) so that code is never rewritten inside them; variables
    assigned a constant (a folded string or a list) are replaced where they are used, and interpolated
    into double-quoted strings (``"$dir"``, ``"#{dir}"``, `` `${dir}` ``).
    """

    def __init__(self, language: str, code: str, presets: Mapping[str, str]) -> None:
        self.language = language
        self.literals: list[str] = []
        if language == "perl" and "$ENV{" in code:  # "rm -rf $ENV{HOME}" interpolates the home
            code = _DOUBLE_QUOTED.sub(
                lambda q: _PERL_ENV.sub(lambda m: _KNOWN_ENVIRONMENT.get(m.group(1), m.group(0)), q.group(0)),
                code,
            )
        pattern = _STRING + (r"|`(?:[^`\\]|\\.)*`" if language == "node" else "")
        self.masked = re.sub(pattern, lambda m: self.literal(m.group(0)), code)
        self.values: dict[str, str | list[str]] = dict(presets)
        self.masked = _ENV_LOOKUP.sub(self.environment, self.masked)

    def environment(self, m: re.Match[str]) -> str:
        """``ENV["HOME"]``, ``process.env.HOME``, ``os.getenv("HOME")``, ``Dir.home``: the home is ``~``."""
        if m.group("home"):
            return self.quoted("~")
        name = m.group("name") or m.group("bare") or self.text(m.group("literal"))
        value = _KNOWN_ENVIRONMENT.get(name)
        return m.group(0) if value is None else self.quoted(value)

    def literal(self, raw: str) -> str:
        self.literals.append(raw)
        return f"\x00{len(self.literals) - 1}\x00"

    def quoted(self, text: str) -> str:
        return self.literal("'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'")

    def text(self, placeholder: str) -> str:
        """The value of a masked literal, known variables interpolated into double-quoted ones."""
        raw = self.literals[int(_PLACEHOLDER.fullmatch(placeholder).group(1))]  # type: ignore[union-attr]
        if raw[0] == "`":
            raw = '"' + raw[1:-1].replace('"', '\\"') + '"'
        if raw[0] == '"' and self.values:
            raw = re.sub(r"\$\{(\w+)\}|#\{(\w+)\}|\$(\w+)", self.interpolate, raw)
        return _literal_text(raw)

    def interpolate(self, m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        value = self.values.get(name, self.values.get("$" + name))
        if isinstance(value, list):
            value = " ".join(value)
        return m.group(0) if value is None else value.replace("\\", "\\\\").replace('"', '\\"')

    def folded(self) -> str:
        if not self.literals and not self.values and not re.search(r"\bqw\b|%[wW]", self.masked):
            return self.masked
        for _ in range(8):  # constants feed each other: fold, bind, substitute, fold again
            before = self.masked
            self.fold()
            self.bind()
            self.substitute()
            if self.masked == before:
                break
        return self.unmask(self.masked)

    def unmask(self, masked: str) -> str:
        def raw(m: re.Match[str]) -> str:
            literal = self.literals[int(m.group(1))]
            if literal[0] == "`" or (
                literal[0] == '"' and self.values and ("$" in literal or "#{" in literal)
            ):
                # a template literal, or a string interpolating known variables, becomes a plain string
                return "'" + self.text(m.group(0)).replace("\\", "\\\\").replace("'", "\\'") + "'"
            return literal

        return _PLACEHOLDER.sub(raw, masked)

    def fold(self) -> None:
        def decoded(m: re.Match[str]) -> str:
            try:
                data = self.text(m.group(1))
                if m.group(0).startswith("hex2bin"):
                    return self.quoted(from_bytes(bytes.fromhex(data)))
                return self.quoted(from_bytes(base64.b64decode(data + "=" * (-len(data) % 4))))
            except (ValueError, binascii.Error):
                return m.group(0)

        def from_buffer(m: re.Match[str]) -> str:
            data, encoding = self.text(m.group(1)), self.text(m.group(2))
            try:
                if encoding == "hex":
                    return self.quoted(from_bytes(bytes.fromhex(data)))
                if encoding == "base64":
                    return self.quoted(from_bytes(base64.b64decode(data + "=" * (-len(data) % 4))))
            except (ValueError, binascii.Error):
                pass
            return m.group(0)

        def reversed_text(m: re.Match[str]) -> str:
            return self.quoted(self.text(next(g for g in m.groups() if g is not None))[::-1])

        def joined(m: re.Match[str]) -> str:
            if m.group(1) is not None:
                separator, items = self.text(m.group(1)), m.group(2)
            elif m.group(3) is not None:
                separator, items = (self.text(m.group(4)) if m.group(4) else ""), m.group(3)
            else:
                separator, items = ("" if m.group(5) else " "), m.group(6)
            return self.quoted(separator.join(self.text(p) for p in re.findall(_P, items)))

        self.masked = _DECODE_CALLS.sub(decoded, self.masked)
        self.masked = _BUFFER_FROM.sub(from_buffer, self.masked)
        self.masked = _REVERSE_CALLS.sub(reversed_text, self.masked)
        self.masked = _JOIN_CALLS.sub(joined, self.masked)
        self.masked = _FORMAT_CALLS.sub(
            lambda m: self.quoted(
                printf_format(self.text(m.group(1)), [self.text(p) for p in re.findall(_P, m.group(2))])
            ),
            self.masked,
        )
        operator = _JOIN_OPERATOR.get(self.language)
        if operator is not None:  # "a" . "b", "a" .. "b", "a" + "b", awk's "a" "b"
            chain = re.compile(rf"{_P}(?:\s*{operator}\s*{_P})+")
            self.masked = chain.sub(
                lambda m: self.quoted("".join(self.text(p) for p in re.findall(_P, m.group(0)))), self.masked
            )

    def bind(self) -> None:
        assignment = _ASSIGNMENT.get(self.language)
        if assignment is None:
            return
        for m in re.finditer(assignment + r"\s*([^;\n}]*)", self.masked):
            value = self.evaluate(m.group(3))
            if value is not None:
                self.values[m.group(1) + m.group(2)] = value

    def evaluate(self, expression: str) -> str | list[str] | None:
        expression = expression.strip()
        if re.fullmatch(_P, expression):
            return self.text(expression)
        words = _WORDS.match(expression)
        if words:
            return next(g for g in words.groups() if g is not None).split()
        m = re.fullmatch(rf"[(\[]\s*((?:{_P}\s*,\s*)*{_P})\s*,?\s*[)\]]", expression)
        if m:
            return [self.text(p) for p in re.findall(_P, m.group(1))]
        return None

    def substitute(self) -> None:
        """Each use of a variable holding a constant becomes that constant (a list: its items)."""
        if not self.values:
            return
        names = "|".join(re.escape(n) for n in sorted(self.values, key=len, reverse=True))
        if self.language in _SIGILS:  # the keys carry their sigil: $c and @c are different variables
            reference = rf"(?<![\w$@])()({names})\b(?!\s*(?:\[|\{{|->|=(?![=~>])))"
        else:  # a bare name, not a method, a key or the left of an assignment; *name splats
            reference = rf"(?<![\w.$@:'\"])(\*?)({names})\b(?!\s*(?:=(?![=~>])|:[^:]))"

        def replace(m: re.Match[str]) -> str:
            value = self.values[m.group(2)]
            called = re.match(r"\s*\(", m.string[m.end() : m.end() + 8])
            if isinstance(value, str) and called and re.fullmatch(r"[A-Za-z_][\w:.]*", value):
                return value  # $f = "system"; $f("...") calls system
            if isinstance(value, str):
                return self.quoted(value)
            items = ", ".join(self.quoted(v) for v in value)
            return items if m.group(1) == "*" or self.language in _SIGILS else f"[{items}]"

        self.masked = re.sub(reference, replace, self.masked)


_PRINTS = {  # the calls that write to stdout, and whether they end the line
    "perl": (r"\b(?:print|say)\b", r"say"),
    "ruby": (r"\b(?:puts|print)\b", r"puts"),
    "node": (r"\b(?:console\.log|process\.stdout\.write)\b", r"console\.log"),
    "php": (r"\b(?:echo|print)\b", r"(?!)"),
    "lua": (r"\b(?:print|io\.write)\b", r"print"),
    "r": (r"\b(?:cat|print|writeLines)\b", r"writeLines"),
    "awk": (r"\bprintf?\b", r"print"),
}


def _printed(language: str, code: str) -> str | None:
    """What a one-liner prints when every print in it is of constant strings (``perl -e 'print "x"'``),
    so that text piped on into a shell is read; None when anything printed is not known."""
    calls = _PRINTS.get(language)
    if calls is None:
        return None
    pattern, with_newline = calls
    out: list[str] = []
    for m in re.finditer(pattern, code):
        rest = re.match(
            r"\s*\(?\s*(" + _LITERALS + r")\s*\)?\s*(?:;|$|\n|\}|\bif\b|\bunless\b)", code[m.end() :]
        )
        if rest is None or re.match(r"\s*(?:if|unless)\b", code[m.end() + rest.end(1) :].lstrip(") ")):
            return None  # prints something computed, or only sometimes
        text = _literal_text(rest.group(1))
        out.append(
            text + ("\n" if re.fullmatch(with_newline, m.group(0)) and not text.endswith("\n") else "")
        )
    return "".join(out) if out else None


_OPEN = re.compile(rf"\bopen\s*\(\s*(?:my\s+)?(\$?\w*)\s*,?\s*({_LITERALS})\s*(?:,\s*({_LITERALS}))?")
_WRITE_CALLS = re.compile(
    rf"\b(file_put_contents|writeFileSync|appendFileSync|File\.write)\s*\(\s*({_LITERALS})"
    rf"(?:\s*,\s*({_LITERALS}))?([^)]*)"
)


def _written(text: str | None, operator: str, path: str, label: str) -> Action:
    """A write of ``text`` (known or not) to ``path``, as the shell would do it, so what lands in a file
    the system runs later is read as code."""
    argv = ("printf", "%s", text) if text else (":",)
    return Action(argv, redirects=((operator, path),), label=label)


def _file_writes(code: str, label: str) -> list[Action]:
    """Files a one-liner writes, with what it writes when that is a constant: ``open(F, ">>", P); print F
    "..."``, ``open(F, ">P")``, ``io.open(P, "w")``, ``file_put_contents(P, T, FILE_APPEND)``,
    ``fs.appendFileSync(P, T)``, ``File.write(P, T)``."""
    actions = []
    for m in _OPEN.finditer(code):
        target = _literal_text(m.group(2))
        mode = _literal_text(m.group(3)) if m.group(3) else ""
        if target.strip() in (">", ">>", "+<", "+>", "+>>") and mode:  # open(F, ">", PATH)
            target, mode = mode, target.strip()
        elif target.startswith((">", ">>")):  # open(F, ">>PATH")
            target, mode = target.lstrip("> "), ">>" if target.startswith(">>") else ">"
        elif mode.startswith(("w", "a")):  # io.open(PATH, "a")
            mode = ">>" if mode.startswith("a") else ">"
        else:
            continue
        handle = m.group(1)
        printed = (  # what is printed to the handle in the next lines
            re.compile(
                rf"\b(?:print|say|printf)\s*\(?\s*\{{?\s*{re.escape(handle)}\s*\}}?\s+({_LITERALS})"
            ).search(code, m.end(), m.end() + 2000)
            if handle and handle != "my"
            else None
        )
        operator = ">>" if ">>" in mode else ">"
        actions.append(
            _written(_literal_text(printed.group(1)) if printed else None, operator, target, label)
        )
    for m in _WRITE_CALLS.finditer(code):
        appends = (
            m.group(1) == "appendFileSync" or "FILE_APPEND" in m.group(4) or re.search(r"['\"]a", m.group(4))
        )
        text = _literal_text(m.group(3)) if m.group(3) else None
        actions.append(_written(text, ">>" if appends else ">", _literal_text(m.group(2)), label))
    return actions


# the program that runs text as code of each language, as a shell pipeline ends: `curl URL | perl`
_EVALUATOR = {"perl": "perl", "ruby": "ruby", "php": "php", "node": "node", "lua": "lua -", "r": "Rscript -"}


_LIST = (  # "a", "b" / ["a", "b"] / qw(a b), %w[a b]: the items of a constant list
    rf"(?:\[?\s*{_LITERALS}(?:\s*,\s*{_LITERALS})*\s*,?\s*\]?"
    r"|(?:\bqw\s*|%[wW])(?:\(.*?\)|\{.*?\}|\[.*?\]|/.*?/))"
)
_BODY = r"(?=((?s:.{0,400})))"  # what follows (a superset of the body), not consumed: every loop is found
_MAX_LOOPS = 256
_LOOPS = {  # a loop whose body runs once per item of a constant list: (variable, list, body) groups
    "perl": re.compile(rf"\bfor(?:each)?\s*(?:my\s+)?\$(\w+)\s*\(\s*({_LIST})\s*\)\s*\{{{_BODY}"),
    "php": re.compile(rf"\bforeach\s*\(\s*(?:array\s*)?()({_LIST})\s+as\s+\$(\w+)\s*\)\s*{_BODY}"),
    "lua": re.compile(
        rf"\bfor\s+_\s*,\s*(\w+)\s+in\s+ipairs\s*\(\s*\{{?\s*({_LIST})\s*\}}?\s*\)\s*do\b{_BODY}"
    ),
}
_EACH = {  # the list comes before the method, which is found first: (variable, body) groups
    "ruby": re.compile(rf"\.\s*each\s*(?:do|\{{)\s*\|\s*(\w+)\s*\|{_BODY}"),
    "node": re.compile(rf"\.\s*forEach\s*\(\s*\(?\s*(\w+)\s*\)?\s*=>{_BODY}"),
}
_CLOSERS = {"]": "[", ")": "(", "}": "{"}
_BODY_DEPTH = 4  # the depth a loop body is read at: deep enough that loops inside it are not read again


def _list_before(code: str, end: int) -> str | None:
    """The constant list (a bracketed list, a word list or one literal) that ends at ``end``, found by
    scanning back from its closing bracket or quote, or None."""
    i = end
    while i > 0 and code[i - 1].isspace():
        i -= 1
    if i == 0:
        return None
    close = code[i - 1]
    if close in _CLOSERS:
        depth, j = 0, i - 1
        while j >= max(0, i - 2_000):
            depth += (code[j] == close) - (code[j] == _CLOSERS[close])
            if depth == 0:
                break
            j -= 1
        else:
            return None
        start = j - 2 if code[max(0, j - 2) : j] in ("%w", "%W", "qw") else j
    elif close in "\"'":
        start = code.rfind(close, max(0, i - 2_000), i - 1)
        while start > 0 and code[start - 1] == "\\":
            start = code.rfind(close, max(0, i - 2_000), start - 1)
        if start < 0:
            return None
    else:
        return None
    candidate = code[start:i]
    return candidate if re.fullmatch(_LIST, candidate) else None


def _loop_bodies(language: str, code: str, depth: int) -> list[Action]:
    """What a loop over a constant list does, once per item: ``Dir.glob("/etc/*").each { |f| File.delete(f)
    }`` is ``rm /etc/*``; ``for my $d ("/usr", "/var") { rmtree($d) }`` deletes both."""
    if depth >= _BODY_DEPTH:
        return []
    loops: list[tuple[str, str, str]] = []  # (variable, list, body), at most _MAX_LOOPS heads looked at
    if language in _LOOPS:
        for m in itertools.islice(_LOOPS[language].finditer(code), _MAX_LOOPS):
            name, items, body = (m.group(3), m.group(2), m.group(4)) if language == "php" else m.groups()
            loops.append((name, items, body))
    if language in _EACH:
        for m in itertools.islice(_EACH[language].finditer(code), _MAX_LOOPS):
            items = _list_before(code, m.start())
            if items is not None:
                loops.append((m.group(1), items, m.group(2)))
    bindings = []  # each body is read once per item (its own loops not again), _MAX_LOOPS readings in all
    for name, items, body in loops:
        words = _WORD_LIST.fullmatch(items.strip())
        values = (
            next(g for g in words.groups() if g is not None).split()
            if words
            else [_literal_text(v) for v in re.findall(_LITERALS, items)]
        )
        bindings.extend((body, {_SIGILS.get(language, "") + name: value}) for value in values[:16])
    actions: list[Action] = []
    for body, binding in bindings[:_MAX_LOOPS]:
        actions.extend(read(language, body, max(depth + 1, _BODY_DEPTH), binding).actions)
    return actions


def _read_by_tokens(language: str, code: str, original: str, depth: int) -> Reading:
    """What ``code`` (constants folded) does; ``original`` is the text as written, where decoding and
    fetching calls are still visible."""
    actions: list[Action] = []
    label = f"{language} one-liner"
    code = _GLOB_CALLS.sub(r"\1", code)  # unlink glob "/boot/*" deletes what /boot/* matches
    actions.extend(_chmods(code))
    actions.extend(_loop_bodies(language, code, depth))
    runner = _RUNNERS.get(language)
    if runner:
        for m in re.finditer(runner + r"\s*\(?\s*" + _WORD_LIST.pattern, code, re.DOTALL):
            words = next((g for g in m.groups() if g is not None), "").split()
            if words:  # system qw(rm -rf /), system(%w[rm -rf /])
                actions.append(Action(tuple(words), label=label))
        for m in re.finditer(runner + r"\s*" + _ARGS, code):
            literals = re.findall(_LITERALS, m.group(1))
            values = [_literal_text(v) for v in literals]
            if len(values) == 1:
                actions.append(Action(code=values[0], label=label))
            elif values:
                first = values[0]
                rest = [v for v in values[1:] if v]
                actions.append(Action((first, *rest), label=label))
    if language in ("perl", "ruby", "php"):  # in node, backticks quote a template string
        for m in re.finditer(r"`([^`]+)`|\bqx\s*([({/|!])(.+?)[)}/|!]|%x[({](.+?)[)}]", code):
            text = m.group(1) or m.group(3) or m.group(4)
            if text:
                actions.append(Action(code=text, label=label))
    if language == "perl":
        for m in re.finditer(
            r"\bopen\s*\(?\s*(?:my\s+)?[$\w]*\s*,?\s*(" + _LITERALS + r")(?:\s*,\s*(" + _LITERALS + r"))?",
            code,
        ):
            text = _literal_text(m.group(1)).strip()
            if text in ("-|", "|-") and m.group(2):  # open(F, "-|", "cmd")
                actions.append(Action(code=_literal_text(m.group(2)), label=label))
            elif text.startswith("|") or text.endswith("|"):
                actions.append(Action(code=text.strip("|").strip(), label=label))
    if language == "awk":  # print X | "cmd" feeds X to cmd; "cmd" | getline runs cmd
        for m in re.finditer(
            r"(?:print|printf)\s*\(?\s*(" + _LITERALS + r")?[^|;}]*\|\s*(" + _LITERALS + r")", code
        ):
            target = _literal_text(m.group(2))
            printed = _literal_text(m.group(1)) if m.group(1) else None
            if (
                printed is not None
                and target.strip().split()[:1]
                and target.strip().split()[0].rsplit("/", 1)[-1] in SHELLS
            ):
                actions.append(Action(code=printed, label=label))
            actions.append(Action(code=target, label=label))
        for m in re.finditer(r"(" + _LITERALS + r")\s*\|\s*getline", code):
            actions.append(Action(code=_literal_text(m.group(1)), label=label))
    for table, prefix in ((_DELETERS, ("rm", "-rf")), (_UNLINKERS, ("rm",))):
        pattern = table.get(language)
        if pattern:
            for m in re.finditer(pattern + r"\s*" + _ARGS, code):
                recursive = _RECURSIVE_ARGUMENT.match(code, m.end())  # unlink(p, recursive=TRUE)
                for literal in re.findall(_LITERALS, m.group(1))[:8]:
                    path = _literal_text(literal)
                    if path:
                        actions.append(
                            Action(("rm", "-rf", path) if recursive else (*prefix, path), label=label)
                        )
    socket = _SOCKETS.get(language)
    if socket and re.search(socket, code):
        endpoint = _ENDPOINT.search(code)
        host, port = ("REMOTE", "0")
        if endpoint:
            if endpoint.group(3):
                host, _, port = endpoint.group(3).partition(":")
            else:
                host, port = endpoint.group(1), endpoint.group(2)
        secrets = frozenset(f"secret:{m.group(1)}" for m in _SECRET_READ.finditer(code))
        runs_received = runner is not None and re.search(runner + r"\s*\(?\s*[A-Za-z_$@]", code)
        if _SHELL_ON_SOCKET.search(code) or runs_received:  # a shell, or commands read from the socket
            target = f"/dev/tcp/{host}/{port or 0}"
            actions.append(
                Action(("sh", "-i"), redirects=((">&", target), ("<&", target)), label=f"{language} socket")
            )
        actions.append(Action(("nc", host, port or "0"), tags=secrets, label=f"{language} socket"))
    for m in re.finditer(
        r"\b(?:eval|instance_eval|class_eval|loadstring|load|(?:new\s+)?Function)\s*\(?\s*("
        + _LITERALS
        + r")",
        code,
    ):
        actions.extend(read(language, _literal_text(m.group(1)), depth + 1).actions)  # eval of a constant
    if runner:  # eval(execSync("curl URL")), eval `curl URL`: what the command prints is run, as CMD | sh
        evaluated = r"\b(?:eval|instance_eval|Function|loadstring|load)\s*\(?\s*(?:new\s+)?"
        for m in re.finditer(
            evaluated + rf"(?:[\w$]+(?:\([^()]{{0,200}}\))?\.){{0,4}}(?:{runner})\s*\(?\s*({_LITERALS})", code
        ):
            actions.append(
                Action(code=f"{_literal_text(m.group(1))} | {_EVALUATOR.get(language, 'sh')}", label=label)
            )
        if language != "node":  # in node, backticks quote a template string
            for m in re.finditer(evaluated + r"(?:`([^`]+)`|\bqx\s*[({/|!](.+?)[)}/|!])", code):
                actions.append(
                    Action(code=f"{m.group(1) or m.group(2)} | {_EVALUATOR.get(language, 'sh')}", label=label)
                )
    if _EVAL_DECODE.search(original):
        actions.append(
            Action(("sh", "-s"), tags=frozenset({f"decoder:{language}"}), label=f"{language} eval")
        )
    if _EVAL_FETCH.search(original) or (_FETCHES.search(original) and _EVALUATES.search(original)):
        actions.append(
            Action(("sh", "-s"), tags=frozenset({f"download:{language}"}), label=f"{language} eval")
        )
    if language in ("perl", "ruby", "php", "lua", "awk", "node", "r"):
        actions.extend(_file_writes(code, label))
    return Reading(actions, _printed(language, code))
