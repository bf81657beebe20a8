"""Bash parsing into the simple commands that would actually run.

The risk classifier must judge what bash executes, not what the text looks like: ``echo rm -rf /``
runs ``echo``, while ``r''m -rf /``, ``/bin/rm -rf /``, ``sudo env rm -rf /`` and
``bash -c "rm -rf /"`` all run ``rm``. This module parses with tree-sitter-bash (a C parser with
error recovery; see docs/safety.md for why not bashlex), walks pipelines, lists, subshells,
substitutions and control flow, removes quoting, follows simple variable assignments, unwraps
wrappers (sudo, env, nohup, xargs, find -exec, ...) and re-parses code strings (``sh -c``,
``eval``, ``su -c``, here-strings fed to a shell) recursively.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

MAX_DEPTH = 6  # nested code strings (bash -c "eval '...'") deeper than this are not followed

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox-sh", "fish", "csh", "tcsh"})
INTERPRETERS = SHELLS | frozenset(
    {
        "python",
        "python2",
        "python3",
        "perl",
        "ruby",
        "php",
        "node",
        "nodejs",
        "lua",
        "tclsh",
        "awk",
        "source",
        ".",
    }
)

# tree-sitter-bash 0.25 crashes the process (SIGSEGV/SIGBUS) on some supplementary-plane code points
# after `{` (e.g. "{\U000a4c2e"); they never name a program, so they are replaced before parsing.
_UNSAFE_FOR_PARSER = re.compile("[\U00010000-\U0010ffff\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DQ_ESCAPE = re.compile(r"\\([$`\"\\\n])")
_ANSI_C = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.DOTALL)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f"}
_ANSI_SIMPLE |= {"v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


@dataclass(frozen=True)
class Redirect:
    """One redirection of a simple command: ``op`` as written (``>``, ``>>``, ``<``, ``>&``, ``&>`` ...)."""

    op: str
    target: str

    @property
    def writes(self) -> bool:
        return ">" in self.op

    @property
    def reads(self) -> bool:
        return "<" in self.op


@dataclass(frozen=True)
class SimpleCommand:
    """One command bash would run, after quote removal, variable resolution and wrapper unwrapping.

    ``program`` is the basename of the resolved name (``/bin/rm`` -> ``rm``); it is empty when the
    name is only known at run time. The ``*_from`` fields are indices into the same command list:
    whose output becomes this command's stdin (pipelines, ``< <(...)``), its arguments (``$(...)``,
    ``<(...)``) or its very name (``$(echo rm) -rf /``).
    """

    program: str
    args: tuple[str, ...] = ()
    path: str = ""
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[str, ...] = ()
    stdin_from: tuple[int, ...] = ()
    args_from: tuple[int, ...] = ()
    name_from: tuple[int, ...] = ()
    stdin_text: str | None = None
    function: str | None = None
    background: bool = False
    in_pipeline: bool = False

    @property
    def argv(self) -> tuple[str, ...]:
        return (self.program, *self.args)


@dataclass(frozen=True)
class ParsedScript:
    """All simple commands of a script in execution order, and whether the parser had to recover."""

    commands: tuple[SimpleCommand, ...]
    has_error: bool
    functions: frozenset[str] = frozenset()
    assignments: tuple[tuple[str, str], ...] = ()  # NAME=value statements (HISTFILE=/dev/null)


@dataclass
class _Draft:
    name: str
    args: list[str]
    redirects: list[Redirect] = field(default_factory=list)
    stdin_from: list[int] = field(default_factory=list)
    args_from: list[int] = field(default_factory=list)
    name_from: list[int] = field(default_factory=list)
    stdin_text: str | None = None
    dynamic_name: bool = False


@functools.lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


def _decode_ansi_c(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        esc = match.group(1)
        head = esc[0]
        try:
            if head == "x":
                return chr(int(esc[1:], 16))
            if head in "uU":
                return chr(int(esc[1:], 16))
            if head.isdigit():
                return chr(int(esc, 8) & 0xFF)
        except (ValueError, OverflowError):
            return esc
        if head == "c":
            return chr(ord(esc[1]) & 0x1F)
        return _ANSI_SIMPLE.get(esc, "\\" + esc)

    return _ANSI_C.sub(replace, body)


class _Walker:
    """Walks one tree-sitter tree, appending to a shared command list (nested code strings reuse it)."""

    def __init__(self) -> None:
        self.commands: list[SimpleCommand] = []
        self.has_error = False
        self.functions: set[str] = set()
        self.substituted: set[int] = set()  # commands whose output is substituted, not piped
        self.assignments: list[tuple[str, str]] = []

    # ---- scripts -------------------------------------------------------------------------------
    def script(self, text: str, env: dict[str, str], wrappers: tuple[str, ...], depth: int) -> None:
        if depth > MAX_DEPTH or not text.strip():
            return
        tree = _parser().parse(_UNSAFE_FOR_PARSER.sub("\ufffd", text).encode("utf-8"))
        if tree.root_node.has_error:
            self.has_error = True
        ctx = _Context(env=env, wrappers=wrappers, depth=depth)
        self.statement(tree.root_node, ctx)

    def statement(self, node: Node, ctx: _Context) -> list[int]:
        """Walk ``node``; return indices of the simple commands it produced (for pipelines and redirects)."""
        kind = node.type
        start = len(self.commands)
        if kind == "command":
            self.command(node, ctx)
        elif kind == "pipeline":
            self.pipeline(node, ctx)
        elif kind == "redirected_statement":
            self.redirected(node, ctx)
        elif kind == "variable_assignment":
            self.assignment(node, ctx, ctx.env)
        elif kind in ("declaration_command", "unset_command"):
            self.declaration(node, ctx)
        elif kind == "function_definition":
            name_node = node.child_by_field_name("name")
            name = _node_text(name_node) if name_node else ""
            self.functions.add(name)
            body = node.child_by_field_name("body")
            if body is not None:
                self.statement(body, ctx.derive(function=name))
        elif kind in ("command_substitution", "process_substitution"):
            self.children(node, ctx.derive(in_pipeline=False))
        elif kind in ("heredoc_body", "comment", "string_content", "raw_string", "word", "number"):
            pass
        else:
            self.children(node, ctx)
        return list(range(start, len(self.commands)))

    def children(self, node: Node, ctx: _Context) -> None:
        siblings = node.children
        for position, child in enumerate(siblings):
            if child.type == "ERROR":
                self.has_error = True
            if not child.is_named:
                continue
            background = position + 1 < len(siblings) and siblings[position + 1].type == "&"
            produced = self.statement(child, ctx)
            if background:
                self._mark(produced, background=True)

    def _mark(self, indices: list[int], **changes: object) -> None:
        for index in indices:
            self.commands[index] = _replace(self.commands[index], **changes)

    def pipeline(self, node: Node, ctx: _Context) -> None:
        upstream: list[int] = []
        inner = ctx.derive(in_pipeline=True)
        for child in node.children:
            if not child.is_named:
                continue
            produced = self.statement(child, inner)
            produced = [index for index in produced if index not in self.substituted]
            if upstream:
                for index in produced:
                    cmd = self.commands[index]
                    self.commands[index] = _replace(
                        cmd, stdin_from=tuple(sorted({*cmd.stdin_from, *upstream}))
                    )
            upstream.extend(produced)

    def redirected(self, node: Node, ctx: _Context) -> None:
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        feeds: list[int] = []
        stdin_text: str | None = None
        extra_args: list[str] = []
        for child in node.children_by_field_name("redirect"):
            parsed = self.redirect(child, ctx, feeds)
            if isinstance(parsed, Redirect):
                redirects.append(parsed)
            elif isinstance(parsed, str):
                stdin_text = parsed
            extra_args.extend(self._extra_destinations(child, ctx))
        if body is None:
            return
        produced = self.statement(body, ctx)
        if not produced:
            return
        # a redirect after `a && b` or `a | b` binds to the last command, around a group to all of them
        targets = produced if body.type not in ("list", "pipeline") else produced[-1:]
        for index in targets:
            cmd = self.commands[index]
            self.commands[index] = _replace(
                cmd,
                redirects=cmd.redirects + tuple(redirects),
                stdin_from=tuple(sorted({*cmd.stdin_from, *feeds})),
                stdin_text=stdin_text if stdin_text is not None else cmd.stdin_text,
                args=cmd.args + tuple(extra_args),
            )
        if stdin_text is not None:
            for index in targets:
                self._follow_stdin_code(self.commands[index], stdin_text, ctx)

    def _extra_destinations(self, node: Node, ctx: _Context) -> list[str]:
        if node.type != "file_redirect":
            return []
        destinations = node.children_by_field_name("destination")
        return [self.word(d, ctx, [])[0] for d in destinations[1:] if d.type != "number"]

    def redirect(self, node: Node, ctx: _Context, feeds: list[int]) -> Redirect | str | None:
        """A file redirect becomes a Redirect; a here-string or heredoc becomes stdin text."""
        if node.type == "herestring_redirect":
            value_nodes = [c for c in node.children if c.is_named]
            return " ".join(self.word(v, ctx, feeds)[0] for v in value_nodes) + "\n"
        if node.type == "heredoc_redirect":
            body = next((c for c in node.children if c.type == "heredoc_body"), None)
            return _node_text(body) if body is not None else ""
        op = "".join(_node_text(c) for c in node.children if not c.is_named)
        destinations = node.children_by_field_name("destination")
        if not destinations:
            return None
        target, _ = self.word(destinations[0], ctx, feeds if "<" in op else [])
        return Redirect(op=op or ">", target=target)

    def assignment(self, node: Node, ctx: _Context, env: dict[str, str]) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        value = self.word(value_node, ctx, [])[0] if value_node is not None else ""
        if name_node is not None:
            env[_node_text(name_node)] = value
            self.assignments.append((_node_text(name_node), value))

    def declaration(self, node: Node, ctx: _Context) -> None:
        keyword = _node_text(node.children[0]) if node.children else ""
        args: list[str] = []
        for child in node.children[1:]:
            if child.type == "variable_assignment":
                self.assignment(child, ctx, ctx.env)
                args.append(_node_text(child))
            elif child.is_named:
                args.append(self.word(child, ctx, [])[0])
        self.emit(_Draft(name=keyword, args=args), ctx)

    # ---- simple commands -----------------------------------------------------------------------
    def command(self, node: Node, ctx: _Context) -> None:
        draft = _Draft(name="", args=[])
        local_env = ctx.env
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment":
                local_env = dict(local_env) if local_env is ctx.env else local_env
                self.assignment(child, ctx, local_env)
            elif kind == "command_name":
                inner = child.children[0] if child.children else child
                draft.name, dynamic = self.word(inner, ctx, draft.name_from)
                draft.dynamic_name = dynamic
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                parsed = self.redirect(child, ctx, draft.stdin_from)
                if isinstance(parsed, Redirect):
                    draft.redirects.append(parsed)
                elif isinstance(parsed, str):
                    draft.stdin_text = parsed
            elif kind == "ERROR":
                self.has_error = True
            elif child.is_named and kind != "comment":
                draft.args.append(self.word(child, ctx, draft.args_from)[0])
        if not draft.name and not draft.args:
            return
        self.emit(draft, ctx.derive(env=local_env) if local_env is not ctx.env else ctx)
        if draft.stdin_text is not None:
            self._follow_stdin_code(self.commands[-1], draft.stdin_text, ctx)

    def emit(self, draft: _Draft, ctx: _Context) -> None:
        """Append the command (unwrapping wrappers), then any command it runs from a code string."""
        name = draft.name
        program = "" if draft.dynamic_name or "$" in name else name.rsplit("/", 1)[-1]
        words = [program, *draft.args] if program else [name, *draft.args]
        self._emit_words(words, draft, ctx, path=name, wrappers=ctx.wrappers)

    def _emit_words(
        self, words: list[str], draft: _Draft, ctx: _Context, path: str, wrappers: tuple[str, ...]
    ) -> None:
        program = words[0] if words else ""
        if program and ("$" in program or "/" in program):
            program = "" if "$" in program else program.rsplit("/", 1)[-1]
        args = words[1:]
        cmd = SimpleCommand(
            program=program,
            args=tuple(args),
            path=path,
            redirects=tuple(draft.redirects),
            wrappers=wrappers,
            stdin_from=tuple(draft.stdin_from),
            args_from=tuple(draft.args_from),
            name_from=tuple(draft.name_from),
            stdin_text=draft.stdin_text,
            function=ctx.function,
            in_pipeline=ctx.in_pipeline,
        )
        unwrapped = unwrap(program, args)
        if unwrapped is not None and unwrapped.inner and ctx.depth <= MAX_DEPTH:
            if unwrapped.keep_outer:
                self.commands.append(cmd)
            inner_words = list(unwrapped.inner)
            self._emit_words(
                inner_words, draft, ctx.derive(depth=ctx.depth + 1), inner_words[0], (*wrappers, program)
            )
            return
        self.commands.append(cmd)
        code = code_string(program, args)
        if code is not None:
            label = f"{program} -c" if program not in ("eval", "watch") else program
            self.script(code, dict(ctx.env), (*wrappers, label), ctx.depth + 1)

    def _follow_stdin_code(self, cmd: SimpleCommand, text: str, ctx: _Context) -> None:
        """A here-string or heredoc fed to a shell is a script: parse it too."""
        if cmd.program in SHELLS and not any(a == "-c" for a in cmd.args):
            self.script(text, dict(ctx.env), (*cmd.wrappers, f"{cmd.program} <<<"), ctx.depth + 1)

    # ---- words ---------------------------------------------------------------------------------
    def word(self, node: Node, ctx: _Context, sources: list[int]) -> tuple[str, bool]:
        """Value of a word after quote removal; second item: it depends on run-time output.

        Commands inside substitutions are walked (they run before the command) and their indices
        are appended to ``sources``.
        """
        kind = node.type
        if kind == "word":
            raw = _node_text(node)
            return (_ESCAPE.sub(r"\1", raw) if "\\" in raw else raw), False
        if kind == "raw_string":
            return _node_text(node)[1:-1], False
        if kind == "ansi_c_string":
            return _decode_ansi_c(_node_text(node)[2:-1]), False
        if kind in ("string", "translated_string"):
            parts: list[str] = []
            dynamic = False
            for child in node.children:
                if child.type == "string_content":
                    raw = _node_text(child)
                    parts.append(_DQ_ESCAPE.sub(r"\1", raw) if "\\" in raw else raw)
                elif child.is_named:
                    value, dyn = self.word(child, ctx, sources)
                    parts.append(value)
                    dynamic = dynamic or dyn
            return "".join(parts), dynamic
        if kind == "concatenation":
            parts = []
            dynamic = False
            for child in node.children:
                value, dyn = self.word(child, ctx, sources)
                parts.append(value)
                dynamic = dynamic or dyn
            return "".join(parts), dynamic
        if kind == "simple_expansion":
            name = _node_text(node)[1:]
            return self._variable(name, None, ctx)
        if kind == "expansion":
            return self._expansion(node, ctx)
        if kind in ("command_substitution", "process_substitution"):
            start = len(self.commands)
            self.statement(node, ctx.derive(in_pipeline=False))
            produced = list(range(start, len(self.commands)))
            sources.extend(produced)
            self.substituted.update(produced)
            if kind == "command_substitution":
                echoed = _echo_output([self.commands[i] for i in produced])
                if echoed is not None:
                    return echoed, False
                return "$(" + _node_text(node).strip("$()` ") + ")", True
            return "/dev/fd/63", True
        return _node_text(node), False

    def _variable(self, name: str, default: str | None, ctx: _Context) -> tuple[str, bool]:
        if name in ctx.env:
            return ctx.env[name], False
        if default is not None:
            return default, False
        return "$" + name, True

    def _expansion(self, node: Node, ctx: _Context) -> tuple[str, bool]:
        name = ""
        default: str | None = None
        operator = ""
        for child in node.children:
            if child.type == "variable_name" and not name:
                name = _node_text(child)
            elif not child.is_named and child.type in (":-", "-", ":=", "="):
                operator = child.type
            elif operator and child.is_named and default is None:
                default = self.word(child, ctx, [])[0]
        if not name:
            return _node_text(node), True
        return self._variable(name, default if operator else None, ctx)


@dataclass(frozen=True)
class _Context:
    env: dict[str, str]
    wrappers: tuple[str, ...]
    depth: int
    function: str | None = None
    in_pipeline: bool = False

    def derive(self, **changes: object) -> _Context:
        values = {
            "env": self.env,
            "wrappers": self.wrappers,
            "depth": self.depth,
            "function": self.function,
            "in_pipeline": self.in_pipeline,
        }
        values.update(changes)
        return _Context(**values)  # type: ignore[arg-type]


def _replace(cmd: SimpleCommand, **changes: object) -> SimpleCommand:
    values = dict(cmd.__dict__)
    values.update(changes)
    return SimpleCommand(**values)  # type: ignore[arg-type]


def _node_text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _echo_output(commands: list[SimpleCommand]) -> str | None:
    """Output of ``$(echo word)`` / ``$(printf word)`` when it is known without running anything."""
    if len(commands) != 1:
        return None
    cmd = commands[0]
    if cmd.program == "echo" and cmd.args and not cmd.args[0].startswith("-"):
        return " ".join(cmd.args)
    if cmd.program == "printf" and len(cmd.args) == 1 and "%" not in cmd.args[0]:
        return _decode_ansi_c(cmd.args[0])
    return None


# ---- wrappers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unwrapped:
    """The command a wrapper runs; ``keep_outer`` keeps the wrapper itself as a command too (find)."""

    inner: tuple[str, ...]
    keep_outer: bool = False


# wrapper -> options that take a separate value (everything else starting with '-' is a flag)
_WRAPPER_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir", "-S", "--split-string"}),
    "nohup": frozenset(),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "command": frozenset(),
    "exec": frozenset({"-a"}),
    "builtin": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "setsid": frozenset(),
    "unbuffer": frozenset(),
    "chrt": frozenset(),
    "taskset": frozenset(),
    "busybox": frozenset(),
    "xargs": frozenset({"-I", "-n", "-P", "-d", "-a", "-E", "-L", "-s", "--max-args", "--max-procs"}),
    "strace": frozenset({"-o", "-e", "-p", "-s", "-u"}),
    "ltrace": frozenset({"-o", "-e", "-p", "-s", "-u"}),
    "proxychains": frozenset({"-f"}),
    "proxychains4": frozenset({"-f"}),
    "torsocks": frozenset(),
    "firejail": frozenset(),
    "caffeinate": frozenset(),
    "flatpak-spawn": frozenset(),
    "runuser": frozenset({"-u", "-g", "-G", "--user", "--group"}),
}
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_FILTERS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-regex",
        "-iregex",
        "-newer",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
    }
    | {"-ctime", "-cmin", "-size", "-user", "-group", "-perm", "-empty", "-wholename", "-inum", "-links"}
)


def unwrap(program: str, args: list[str]) -> Unwrapped | None:
    """If ``program`` only runs another command (sudo, env, xargs, find -exec ...), say which."""
    if program == "find":
        return _unwrap_find(args)
    if program in ("command", "builtin") and any(a in ("-v", "-V") for a in args[:1]):
        return None  # `command -v x` looks x up, it does not run it
    if program in ("timeout",):
        rest = _skip_options(args, _WRAPPER_VALUE_OPTIONS["timeout"])
        return Unwrapped(tuple(rest[1:])) if len(rest) > 1 else None
    if program in ("taskset", "chrt"):
        rest = _skip_options(args, frozenset())
        return Unwrapped(tuple(rest[1:])) if len(rest) > 1 else None
    if program == "chroot":
        rest = _skip_options(args, frozenset({"--userspec", "--groups"}))
        return Unwrapped(tuple(rest[1:])) if len(rest) > 1 else None
    if program == "flock":
        rest = _skip_options(args, frozenset({"-w", "-E", "--timeout", "--conflict-exit-code"}))
        if len(rest) > 2 and rest[1] not in ("-c", "--command"):
            return Unwrapped(tuple(rest[1:]))
        return None
    if program == "stdbuf":
        rest = [a for a in args if not (a.startswith("-i") or a.startswith("-o") or a.startswith("-e"))]
        rest = _skip_options(rest, _WRAPPER_VALUE_OPTIONS["stdbuf"])
        return Unwrapped(tuple(rest)) if rest else None
    if program not in _WRAPPER_VALUE_OPTIONS:
        return None
    rest = _skip_options(args, _WRAPPER_VALUE_OPTIONS[program])
    if program in ("env", "sudo", "doas", "runuser"):
        while rest and _ENV_ASSIGNMENT.match(rest[0]):
            rest = rest[1:]
        if program == "env":
            split = _option_value(args, ("-S", "--split-string"))
            if split is not None:
                rest = split.split() + rest
    return Unwrapped(tuple(rest)) if rest else None


def _skip_options(args: list[str], value_options: frozenset[str]) -> list[str]:
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return args[index + 1 :]
        if not arg.startswith("-") or arg == "-":
            return args[index:]
        if arg in value_options:
            index += 1
        index += 1
    return []


def _option_value(args: list[str], names: tuple[str, ...]) -> str | None:
    for index, arg in enumerate(args):
        if arg in names and index + 1 < len(args):
            return args[index + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _unwrap_find(args: list[str]) -> Unwrapped | None:
    for index, arg in enumerate(args):
        if arg in _FIND_EXEC:
            end = index + 1
            while end < len(args) and args[end] not in (";", "+", "\\;"):
                end += 1
            inner = args[index + 1 : end]
            if not inner:
                return None
            roots = find_roots(args)
            filtered = any(a in _FIND_FILTERS for a in args[:index])
            replacement = [r.rstrip("/") + "/FOUND" if filtered else r for r in roots] or ["FOUND"]
            expanded: list[str] = []
            for word in inner:
                if word == "{}":
                    expanded.extend(replacement)
                else:
                    expanded.append(word.replace("{}", replacement[0]))
            return Unwrapped(tuple(expanded), keep_outer=True)
    return None


def find_roots(args: list[str] | tuple[str, ...]) -> list[str]:
    """Starting points of a ``find`` command (the operands before the first expression)."""
    roots: list[str] = []
    for arg in args:
        if arg in ("-H", "-L", "-P") or arg.startswith("-O") or arg.startswith("-D"):
            continue
        if arg.startswith("-") or arg in ("(", "!", "\\(", "\\!"):
            break
        roots.append(arg)
    return roots or ["."]


_SHELL_C_FLAGS = re.compile(r"^-[a-zA-Z]*c[a-zA-Z]*$")


def code_string(program: str, args: list[str] | tuple[str, ...]) -> str | None:
    """The shell code a command runs from a string: ``sh -c CODE``, ``eval ARGS``, ``su -c CODE``."""
    if program == "eval":
        return " ".join(args) if args else None
    if program in SHELLS or program == "su":
        for index, arg in enumerate(args):
            if _SHELL_C_FLAGS.match(arg) or arg == "--command":
                return args[index + 1] if index + 1 < len(args) else None
            if arg.startswith("--command="):
                return arg.split("=", 1)[1]
        return None
    if program == "watch":
        rest = _skip_options(list(args), frozenset({"-n", "-d", "--interval", "-g"}))
        return " ".join(rest) if rest else None
    if program == "ssh":
        rest = _skip_options(
            list(args),
            frozenset(
                [
                    "-p",
                    "-i",
                    "-l",
                    "-o",
                    "-F",
                    "-L",
                    "-R",
                    "-D",
                    "-J",
                    "-b",
                    "-c",
                    "-E",
                    "-e",
                    "-m",
                    "-O",
                    "-Q",
                    "-S",
                    "-W",
                    "-w",
                ]
            ),
        )
        return " ".join(rest[1:]) if len(rest) > 1 else None
    return None


@functools.lru_cache(maxsize=16384)
def parse_script(script: str) -> ParsedScript:
    """Parse ``script`` (never raises); ``has_error`` says the parser had to skip something."""
    walker = _Walker()
    try:
        walker.script(script, {}, (), 0)
    except RecursionError:
        walker.has_error = True
    return ParsedScript(
        tuple(walker.commands), walker.has_error, frozenset(walker.functions), tuple(walker.assignments)
    )


def simple_commands(script: str) -> list[SimpleCommand]:
    """The simple commands ``script`` would run, in order (see ``SimpleCommand``)."""
    return list(parse_script(script).commands)
