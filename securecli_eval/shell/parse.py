"""What runs: the simple commands bash would execute for a script, in order, after expansion.

The risk rules judge what bash executes, not what the text looks like: ``echo rm -rf /`` runs
``echo``; ``r''m -rf /``, ``/bin/rm -rf /``, ``c="rm -rf"; $c /``, ``cmd=(rm -rf /); "${cmd[@]}"``,
``sudo env rm -rf /``, ``bash -c "rm -rf /"``, ``echo 'rm -rf /' | sh`` and
``python3 -c "import os; os.system('rm -rf /')"`` all run ``rm``. The walker goes through the syntax
tree (``grammar.py``) in execution order with the state bash would have: variables and arrays, IFS,
functions, aliases, positional parameters, the working directory, and the files the script wrote.
Words are expanded as bash does (``expand.py``); wrappers are unwrapped (``wrappers.py``); text that
reaches a shell or an interpreter, whether a code string, a pipe, a here-document or a file written
earlier, is read as code (``textflow.py``, ``interpreters.py``).

Fail closed: nesting, code strings inside code strings, work (bounded by a constant times the input
length, so time and memory stay linear) and a wall-clock deadline are limits; reaching one sets
``ParsedScript.limit`` and the classifier blocks with rule ``UNANALYSABLE``.
"""

from __future__ import annotations

import functools
import posixpath
import re
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from securecli_eval.shell import interpreters, textflow, wrappers
from securecli_eval.shell.commands import ParsedScript, Redirect, SimpleCommand
from securecli_eval.shell.expand import (
    DEFAULT_IFS,
    Dynamic,
    Field,
    Value,
    arithmetic,
    expand_string,
    expand_word,
    read_fields,
)
from securecli_eval.shell.flows import (
    archive_output,
    downloaded_files,
    executed_file,
    extracted_archive,
    fetched_files,
    file_tags,
    output_tags,
    resolve,
)
from securecli_eval.shell.grammar import (
    MAX_SIMPLE_COMMANDS,
    AnalysisLimit,
    Arithmetic,
    Assign,
    Case,
    CmdSub,
    Command,
    Cond,
    For,
    FuncDef,
    Group,
    If,
    Lit,
    Loop,
    Pipeline,
    ProcSub,
    Quoted,
    Reader,
    Redir,
    Script,
    Simple,
)
from securecli_eval.shell.paths import glob_candidates, norm_path, persistence_kind
from securecli_eval.shell.textflow import EMPTY, Flow, join
from securecli_eval.shell.wrappers import SHELLS, find_roots

__all__ = [
    "INTERPRETERS",
    "SHELLS",
    "ParsedScript",
    "Redirect",
    "SimpleCommand",
    "find_roots",
    "parse_script",
    "simple_commands",
]

MAX_DEPTH = 8  # code strings inside code strings (bash -c "eval '...'"); deeper is not analysed
MAX_INPUT_CHARS = 4 << 20
WORK_PER_CHAR = 30  # work units allowed per input character (each command, word and field costs one)
WORK_BASE = 20_000
MAX_WORK = 300_000  # whatever the input size: about a second of analysis
MAX_COMMANDS = MAX_SIMPLE_COMMANDS  # commands run in one analysis (loops and functions run some twice)
TIME_LIMIT_S = 10.0
MAX_LOOP_VALUES = 64
MAX_SOURCES = 64  # producer indices kept per command (stdin_from, args_from)

INTERPRETERS = SHELLS | frozenset(interpreters.LANGUAGES) | frozenset({"source", "."})
_DECLARATIONS = frozenset({"export", "declare", "typeset", "local", "readonly"})
_ALWAYS_SET = frozenset(  # set in every shell: their value is only known at run time, never empty
    {"?", "$", "!", "-", "RANDOM", "SRANDOM", "PPID", "UID", "EUID", "PATH", "USER", "SHELL", "LOGNAME"}
    | {"PWD", "HOSTNAME", "HOSTTYPE", "OSTYPE", "MACHTYPE", "BASH", "BASH_VERSION", "BASHPID", "SHLVL"}
    | {"LINENO", "SECONDS", "EPOCHSECONDS", "EPOCHREALTIME", "GROUPS", "LANG", "TERM"}
)
_COMMAND_VARIABLES = frozenset(  # a program runs their value as a command line (through a shell)
    {"PAGER", "MANPAGER", "GIT_PAGER", "SYSTEMD_PAGER", "EDITOR", "VISUAL", "GIT_EDITOR", "SUDO_EDITOR"}
    | {"GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "SSH_ASKPASS", "BROWSER", "LESSOPEN"}
)
_RUN_BY_THE_SHELL = frozenset({"PROMPT_COMMAND"})  # bash itself runs it before every prompt
_PATH_DIRECTORIES = (  # where a program written by the script is found by its bare name
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    "~/.local/bin",
    "~/bin",
)
_MISSING = object()
_NO_STDIN = frozenset(
    {"echo", "printf", "ls", "find", "true", "false", "cd", "pwd", "date", "whoami", "id", "uname"}
    | {"hostname", "seq", "yes", "sleep", "touch", "mkdir", "rm", "cp", "mv", "ln", "chmod", "chown"}
    | {"kill", "ps", "df", "du", "free", "uptime", "which", "type", "export", "unset", "curl", "wget"}
)
_UNSET_IN_NAME = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PASSES_LINES = frozenset({"cat", "tee", "sort", "uniq", "tac", "xargs", "stdbuf", "pv", "buffer"})
_CRON_LINE = re.compile(r"^\s*(?:@\w+|(?:\S+\s+){5})(.*)$")
_SYSTEM_CRON = re.compile(r"^(?:/etc/crontab|/etc/cron\.d/\S+)$")
_UNIT_EXEC = re.compile(
    r"^\s*(?:Exec\w*|ExecStart|ExecStartPre|ExecStartPost|ExecStop|ExecReload)=[-@:+!]*(.*)$", re.M
)
_DESKTOP_EXEC = re.compile(r"^\s*Exec=(.*)$", re.M)


class _Context(NamedTuple):
    """Where a command runs: under which wrappers, how deep in code strings, with what stdin."""

    wrappers: tuple[str, ...] = ()
    depth: int = 0
    function: str | None = None
    in_pipeline: bool = False
    background: bool = False
    stdin: Flow | None = None  # None: the terminal
    stdin_from: tuple[int, ...] = ()
    redirects: tuple[Redirect, ...] = ()  # from an enclosing compound command
    endless: bool = False  # in the body of a loop that never ends

    def but(self, **changes: object) -> _Context:
        return self._replace(**changes)


class _Walker:
    """Walks syntax trees in execution order, appending to one command list (code strings reuse it)."""

    def __init__(self, size: int) -> None:
        self.commands: list[SimpleCommand] = []
        self.errors: list[str] = []
        self.functions: dict[str, Command] = {}
        self.called: set[str] = set()
        self.call_stack: list[str] = []
        self.aliases: dict[str, str] = {}
        self.used_aliases: set[str] = set()
        self.expanding: set[str] = set()
        self.vars: dict[str, Value] = {}
        self.namerefs: dict[str, str] = {}  # declare -n REF=NAME: REF reads and writes NAME
        # what a variable's value came from: tags (a secret, a download) and the commands that printed it
        self.var_tags: dict[str, frozenset[str]] = {}
        self.var_sources: dict[str, tuple[int, ...]] = {}
        self.positional: tuple[str, ...] | None = None
        self.files: dict[str, Flow] = {}
        self.unpacked: dict[str, Flow] = {}  # directory -> what an archive unpacked there was made of
        self.cwd: str | None = None
        self.assignments: list[tuple[str, str]] = []
        self.work = 0
        self.budget = min(WORK_BASE + WORK_PER_CHAR * size, MAX_WORK)
        self.deadline = time.monotonic() + TIME_LIMIT_S
        self.substituted: set[int] = set()
        self.process_files = 0
        # what the word being expanded pulls in from substitutions
        self._sources: list[int] | None = None
        self._tags: set[str] | None = None
        self._name_mode = False
        self._ctx = _Context()

    # ---- limits -----------------------------------------------------------------------------------
    def spend(self, units: int = 1) -> None:
        self.work += units
        if self.work > self.budget:
            raise AnalysisLimit("more work than the input's size allows")
        if not self.work & 1023 and time.monotonic() > self.deadline:
            raise AnalysisLimit(f"analysis took longer than {TIME_LIMIT_S:g} s")

    # ---- scope for expand.py ----------------------------------------------------------------------
    def value(self, name: str) -> Value:
        name = self.referent(name)
        if self._tags is not None and name in self.var_tags:  # k=$(cat key); curl -d "$k": the key
            self._tags.update(self.var_tags[name])
        if self._sources is not None and name in self.var_sources and len(self._sources) < MAX_SOURCES:
            self._sources.extend(self.var_sources[name][: MAX_SOURCES - len(self._sources)])
        if name in self.vars:
            return self.vars[name]
        if name.isdigit() and name != "0":
            if self.positional is None:
                return None
            position = int(name) - 1
            return self.positional[position] if position < len(self.positional) else None
        if name in ("@", "*"):
            return self.positional if self.positional is not None else Dynamic("$@")
        if name == "#":
            return str(len(self.positional)) if self.positional is not None else Dynamic("$#")
        if name == "HOME":
            return "~"
        if name == "TMPDIR":
            return "/tmp"
        if name == "PWD" and self.cwd is not None:
            return self.cwd
        if name in _ALWAYS_SET:
            return Dynamic("$" + name)
        if name == "IFS":
            return DEFAULT_IFS
        if name == "0":
            return "bash"
        return None

    def referent(self, name: str) -> str:
        """The variable a name stands for: itself, or what a ``declare -n`` reference names."""
        for _ in range(8):
            if name not in self.namerefs:
                break
            name = self.namerefs[name]
        return name

    def unset(self, name: str) -> Value:
        """An unset variable: empty in a command name (``r${u}m`` is ``rm``), a placeholder elsewhere."""
        return None if self._name_mode else Dynamic("${" + name + "}")

    def assign(self, name: str, value: str) -> None:
        self.vars[self.referent(name)] = value

    def taint(self, name: str, sources: Iterable[int], tags: Iterable[str], keep: bool = False) -> None:
        """Remember what the value of ``name`` was made from (``keep``: added to what it had)."""
        found, produced = set(tags), list(sources)
        if keep:
            found |= self.var_tags.get(name, frozenset())
            produced = [*self.var_sources.get(name, ()), *produced]
        if found:
            self.var_tags[name] = frozenset(found)
        else:
            self.var_tags.pop(name, None)
        if produced:
            self.var_sources[name] = tuple(dict.fromkeys(produced))[:MAX_SOURCES]
        else:
            self.var_sources.pop(name, None)

    def substitute(self, part: CmdSub) -> str | None:
        flow = self._collect(part.script)
        return flow.exact

    def process(self, part: ProcSub) -> str:
        """``<(...)`` is a file whose contents are the commands' output: ``bash <(echo ...)`` reads it."""
        flow = self._collect(part.script)
        name = f"/dev/fd/{63 - min(self.process_files, 50)}"
        self.process_files += 1
        self.files[name] = flow
        return name

    def _collect(self, script: Script) -> Flow:
        start = len(self.commands)
        sources, tags, name_mode = self._sources, self._tags, self._name_mode
        self._sources, self._tags, self._name_mode = None, None, False
        try:
            flow = self.script(
                script, self._ctx.but(stdin=None, in_pipeline=False, redirects=(), background=False)
            )
        finally:
            self._sources, self._tags, self._name_mode = sources, tags, name_mode
        produced = range(start, len(self.commands))
        self.substituted.update(produced)
        if self._sources is not None and len(self._sources) < MAX_SOURCES:
            self._sources.extend(list(produced)[: MAX_SOURCES - len(self._sources)])
        if self._tags is not None:
            self._tags.update(flow.tags)
            for index in produced:
                self._tags.update(output_tags(self.commands[index]))
        return flow

    # ---- scripts ----------------------------------------------------------------------------------
    def code(
        self,
        text: str,
        ctx: _Context,
        label: str,
        positional: tuple[str, ...] | None = None,
        fragment: bool = False,
    ) -> Flow:
        """Read ``text`` as shell code run by ``label`` (``sh -c``, ``eval``, a pipe into ``sh`` ...);
        ``positional`` are ``$0 $1 ...`` of ``sh -c CODE NAME ARG...``; a ``fragment`` (an alias body, a
        value that may not be shell code at all) need not parse, so what does not is no syntax error."""
        if ctx.depth + 1 > MAX_DEPTH:
            raise AnalysisLimit(f"code strings nested deeper than {MAX_DEPTH}")
        self.spend(len(text) // 8 + 1)
        text = text.replace("\x00", "")
        reader = Reader(text)
        script = reader.script()
        if not fragment:
            self.errors.extend(reader.errors)
        inner = ctx.but(wrappers=(*ctx.wrappers, label), depth=ctx.depth + 1)
        if positional is None:
            return self.script(script, inner)
        saved, self.positional = self.positional, positional[1:]
        self.vars["0"] = positional[0]
        try:
            return self.script(script, inner)
        finally:
            self.positional = saved
            self.vars.pop("0", None)

    def script(self, script: Script, ctx: _Context) -> Flow:
        flows: list[Flow] = []
        for and_or, background in script.items:
            inner = ctx.but(background=True) if background else ctx
            for pipeline in and_or.pipelines:
                flows.append(self.pipeline(pipeline, inner))
        return join(flows)

    def pipeline(self, node: Pipeline, ctx: _Context) -> Flow:
        if len(node.commands) == 1:
            return self.command(node.commands[0], ctx)
        flow = ctx.stdin
        producers = ctx.stdin_from
        for position, command in enumerate(node.commands):
            start = len(self.commands)
            stage = ctx.but(
                in_pipeline=True,
                stdin=flow if position or ctx.stdin is not None else None,
                stdin_from=producers,
            )
            flow = self.command(command, stage)
            producers = tuple(
                i
                for i in range(max(start, len(self.commands) - 16), len(self.commands))
                if i not in self.substituted
            )
        return flow or EMPTY

    def command(self, node: Command, ctx: _Context) -> Flow:
        self.spend()
        kind = type(node)
        if kind is Simple:
            return self.simple(node, ctx)  # type: ignore[arg-type]
        if kind is FuncDef:
            self.functions[node.name] = node.body  # type: ignore[union-attr]
            return EMPTY
        ctx = self.compound_redirects(node.redirs, ctx)  # type: ignore[union-attr]
        if kind is Group:
            return self.script(node.body, ctx)  # type: ignore[union-attr]
        if kind is If:
            flows = []
            for cond, body in node.branches:  # type: ignore[union-attr]
                flows.append(self.script(cond, ctx))
                flows.append(self.script(body, ctx))
            if node.orelse is not None:  # type: ignore[union-attr]
                flows.append(self.script(node.orelse, ctx))  # type: ignore[union-attr]
            return join(flows)
        if kind is Loop:
            return self.loop(node, ctx)  # type: ignore[arg-type]
        if kind is For:
            return self.for_loop(node, ctx)  # type: ignore[arg-type]
        if kind is Case:
            self.strings([node.word], ctx)  # type: ignore[union-attr]
            flows = []
            for patterns, body in node.arms:  # type: ignore[union-attr]
                self.strings(patterns, ctx)
                flows.append(self.script(body, ctx))
            return join(flows)
        if kind is Arithmetic:
            if node.body is None:  # type: ignore[union-attr]
                return EMPTY
            clauses = node.text.split(";")  # type: ignore[union-attr]
            if len(clauses) == 3 and not clauses[1].strip():  # for ((;;)): no condition, no end
                ctx = ctx.but(endless=True, background=False)
            return self.script(node.body, ctx)  # type: ignore[union-attr]
        if kind is Cond:
            self.strings(node.words, ctx)  # type: ignore[union-attr]
            return EMPTY
        return EMPTY

    def strings(self, words: Iterable[tuple], ctx: _Context) -> None:
        """Expand words only for their side effects: the substitutions in them run."""
        self._ctx = ctx
        for word in words:
            if any(isinstance(p, CmdSub | ProcSub) for p in word):
                expand_string(word, self)

    def compound_redirects(self, redirs: list[Redir], ctx: _Context) -> _Context:
        if not redirs:
            return ctx
        outputs, stdin = self.redirects(redirs, ctx)
        changes: dict[str, object] = {}
        if outputs:
            changes["redirects"] = ctx.redirects + tuple(outputs)
        if stdin is not None:
            changes["stdin"] = stdin
        return ctx.but(**changes) if changes else ctx

    def loop(self, node: Loop, ctx: _Context) -> Flow:
        if _never_ends(node.cond, node.until) and not _waits(node.body):  # `while :; do x & done`
            ctx = ctx.but(endless=True, background=False)
        stdin = ctx.stdin
        reads = _is_read(node.cond)
        if reads and stdin is not None and stdin.text is not None and not stdin.superset:
            flows = []
            for line in stdin.text.splitlines()[:MAX_LOOP_VALUES]:
                self.script(node.cond, ctx.but(stdin=Flow(line + "\n", stdin.tags)))
                flows.append(self.script(node.body, ctx.but(stdin=None)))
            return join(flows)
        self.script(node.cond, ctx)
        return self.script(node.body, ctx)

    def for_loop(self, node: For, ctx: _Context) -> Flow:
        sources: list[int] = []
        tags: set[str] = set()
        if node.items is None:
            values: list[str] = list(self.positional) if self.positional is not None else ["$@"]
        else:
            saved = self._sources, self._tags
            self._sources, self._tags = sources, tags
            try:
                values = [f.text for f in self.fields(node.items, ctx)]
            finally:
                self._sources, self._tags = saved
        self.taint(node.var, sources, tags)  # for l in $(cat key): each l is some of the key
        values = list(dict.fromkeys(values))
        if len(values) > MAX_LOOP_VALUES:
            notable = [v for v in values if "/" in v or "~" in v or "$" in v]
            values = list(dict.fromkeys([*values[:32], *values[-32:], *notable[:MAX_LOOP_VALUES]]))
        flows = []
        for value in values or [""]:
            self.vars[node.var] = value
            flows.append(self.script(node.body, ctx))
        return join(flows)

    # ---- simple commands --------------------------------------------------------------------------
    def fields(self, words: Iterable[tuple], ctx: _Context) -> list[Field]:
        out: list[Field] = []
        ifs = self.vars.get("IFS", DEFAULT_IFS)
        ifs = ifs if isinstance(ifs, str) else DEFAULT_IFS
        self._ctx = ctx
        for word in words:
            self.spend()
            out.extend(expand_word(word, self, ifs))
        self.spend(len(out) // 4)
        return out

    def simple(self, node: Simple, ctx: _Context) -> Flow:
        if not node.words or not node.assigns:
            return self.simple_command(node, ctx)
        # `IFS= read -r x`, `PAGER=cmd man ls`: assignments before a command last for that command only
        saved = {a.name: self.vars.get(a.name, _MISSING) for a in node.assigns}
        try:
            return self.simple_command(node, ctx)
        finally:
            for name, value in saved.items():
                if value is _MISSING:
                    self.vars.pop(name, None)
                else:
                    self.vars[name] = value  # type: ignore[assignment]

    def simple_command(self, node: Simple, ctx: _Context) -> Flow:
        references = bool(node.decls) and any(
            len(w) == 1 and type(w[0]) is Lit and re.fullmatch(r"-[a-zA-Z]*n[a-zA-Z]*", w[0].text)
            for w in node.words[1:]
        )
        for assign in (*node.assigns, *node.decls):
            if references and assign in node.decls and assign.value is not None:
                self.namerefs[assign.name] = expand_string(assign.value, self)[0]  # declare -n REF=NAME
                continue
            self.assignment(assign, ctx)
            if assign.name in _COMMAND_VARIABLES and node.words or assign.name in _RUN_BY_THE_SHELL:
                value = self.vars.get(assign.name)
                if isinstance(value, str) and value.strip():
                    self.code(value.lstrip("|"), ctx.but(stdin=None), f"{assign.name}=", fragment=True)
        if not node.words:
            if node.redirs:  # `> /etc/passwd` runs no program but truncates the file
                outputs, stdin = self.redirects(node.redirs, ctx)
                return self.run([":"], ctx, redirects=outputs, stdin=stdin, path=":", name_dynamic=False)
            return EMPTY
        first = node.words[0]
        if (
            len(first) == 1
            and type(first[0]) is Lit
            and first[0].text in self.aliases
            and first[0].text not in self.expanding
        ):
            name = first[0].text
            self.expanding.add(name)
            self.used_aliases.add(name)
            try:
                return self.code(
                    self.aliases[name] + " " + node.source[node.rest : node.end], ctx, f"alias {name}"
                )
            finally:
                self.expanding.discard(name)
        self._ctx = ctx
        name_sources: list[int] = []
        tags: set[str] = set()
        self._sources, self._tags, self._name_mode = name_sources, tags, True
        try:
            ifs = self.vars.get("IFS", DEFAULT_IFS)
            head = expand_word(first, self, ifs if isinstance(ifs, str) else DEFAULT_IFS)
        finally:
            self._name_mode = False
        arg_sources: list[int] = []
        self._sources = arg_sources
        try:
            rest = self.fields(node.words[1:], ctx)
            outputs, stdin = self.redirects(node.redirs, ctx)
        finally:
            self._sources, self._tags = None, None
        words = [*head, *rest]
        if not words:
            return EMPTY
        name_dynamic = head[0].dynamic if head else False
        argv = [words[0].text, *self.arguments(words[1:])]
        return self.run(
            argv,
            ctx,
            redirects=outputs,
            stdin=stdin,
            path=words[0].text,
            name_dynamic=name_dynamic,
            name_from=tuple(name_sources),
            args_from=tuple(arg_sources),
            tags=frozenset(tags),
        )

    def arguments(self, fields: list[Field]) -> list[str]:
        """Argument texts; a glob that can match a critical or secret path stands for those paths."""
        out: list[str] = []
        for field in fields:
            if field.glob:
                candidates = glob_candidates(resolve(field.text, self.cwd))
                if candidates:
                    out.extend(candidates)
                    continue
            out.append(field.text)
        return out

    def assignment(self, assign: Assign, ctx: _Context) -> None:
        self._ctx = ctx
        name = self.referent(assign.name)
        sources: list[int] = []
        tags: set[str] = set()
        self._sources, self._tags = sources, tags
        try:
            if assign.array is not None:
                values = tuple(f.text for f in self.fields(assign.array, ctx))
                current = self.vars.get(name)
                if assign.append and isinstance(current, tuple):
                    values = current + values
                self.vars[name] = values
                self.assignments.append((assign.name, " ".join(values)))
                return
            text, dynamic = expand_string(assign.value or (), self)
        finally:
            self._sources, self._tags = None, None
            self.taint(name, sources, tags, keep=assign.append or assign.index is not None)
        current = self.vars.get(name)
        if assign.index is not None:  # a[N]=x: arrays are kept dense, holes are empty
            position = arithmetic(assign.index, self)
            items = (
                list(current) if isinstance(current, tuple) else [current] if isinstance(current, str) else []
            )
            if position is None or not 0 <= position < 4096:
                items.append(text)
            else:
                items.extend([""] * (position + 1 - len(items)))
                items[position] = text
            self.vars[name] = tuple(items)
        elif assign.append and isinstance(current, str):
            self.vars[name] = current + text
        else:
            self.vars[name] = Dynamic(text) if dynamic else text
        self.assignments.append((assign.name, text))

    def redirects(self, redirs: list[Redir], ctx: _Context) -> tuple[list[Redirect], Flow | None]:
        """Output and file redirections, and the stdin a here-document, here-string or ``<`` gives."""
        outputs: list[Redirect] = []
        stdin: Flow | None = None
        for redir in redirs:
            if redir.heredoc is not None:
                text, _ = expand_string(redir.heredoc.body, self)
                stdin = Flow(text, frozenset())
                continue
            if redir.target is None:
                continue
            target, _ = expand_string(redir.target, self)
            if redir.op == "<<<":
                stdin = Flow(target + "\n", frozenset())
                continue
            redirect = Redirect(redir.op, target, redir.fd)
            outputs.append(redirect)
            if redir.op in ("<", "<>") and (redir.fd in (None, "0")):
                stdin = self.file_flow(target)
        return outputs, stdin

    def file_flow(self, path: str) -> Flow:
        """What reading ``path`` gives: text the script wrote there, or tags (a secret, a download)."""
        key = _file_key(path, self.cwd)
        known = self.files.get(key)
        if known is not None:
            return known
        return Flow(None, file_tags(path))

    def read_file(self, path: str) -> str | None:
        known = self.files.get(_file_key(path, self.cwd))
        return known.text if known is not None else None

    # ---- running a command ------------------------------------------------------------------------
    def run(
        self,
        argv: list[str],
        ctx: _Context,
        *,
        redirects: list[Redirect],
        stdin: Flow | None,
        path: str,
        name_dynamic: bool,
        name_from: tuple[int, ...] = (),
        args_from: tuple[int, ...] = (),
        tags: frozenset[str] = frozenset(),
        label: str | None = None,
    ) -> Flow:
        """Emit ``argv`` (and what it runs in turn); return what it prints to its stdout."""
        self.spend()
        if not argv:
            return EMPTY
        name = argv[0]
        if label is not None and "$" in name:  # a name a wrapper runs was expanded as an argument
            name = (
                _UNSET_IN_NAME.sub(lambda m: "" if self.value(m.group(1)) is None else m.group(0), name)
                or name
            )
        program = "" if name_dynamic or "$" in name else wrappers.basename(name)
        while program == "!" and len(argv) > 1:  # `! cmd` written as a word
            argv = argv[1:]
            name = argv[0]
            program = wrappers.basename(name)
        args = argv[1:]
        stdin_flow = stdin if stdin is not None else ctx.stdin
        inputs = set(tags)
        if stdin_flow is not None:
            inputs.update(stdin_flow.tags)
        wrapper_chain = ctx.wrappers if label is None else (*ctx.wrappers, label)
        all_redirects = (*redirects, *ctx.redirects)
        if program == "xargs":
            args, *more = self.xargs_arguments(args, stdin_flow)
            for other in more:  # xargs -I{} runs its command once per input line
                self.run(
                    [name, *other],
                    ctx.but(stdin=None),
                    redirects=redirects,
                    stdin=None,
                    path=path,
                    name_dynamic=False,
                )
        if self.files:  # what went into a file the script wrote: zip k.zip ~/.ssh; curl -F f=@k.zip
            for arg in args:
                known = self.files.get(_file_key(arg.rsplit("@", 1)[-1], self.cwd)) if arg else None
                if known is not None:
                    inputs.update(t for t in known.tags if t.startswith("secret:"))
        executed = executed_file(program, args, name) if program and (self.files or self.unpacked) else None
        if executed is None and program and self.files and "/" not in name:
            executed = self.on_path(name)
        if executed is not None:
            known = self.files.get(_file_key(executed, self.cwd)) or self.unpacked_into(executed)
            if known is not None and any(t.startswith("download:") for t in known.tags):
                inputs.add(f"runs-download:{executed}")
        command = SimpleCommand(
            program=program,
            args=tuple(args),
            path=name,
            redirects=tuple(all_redirects),
            wrappers=wrapper_chain,
            stdin_from=ctx.stdin_from if stdin is None else (),
            args_from=args_from,
            name_from=name_from,
            stdin_text=stdin_flow.text if stdin_flow is not None and not stdin_flow.superset else None,
            function=ctx.function,
            background=ctx.background,
            in_pipeline=ctx.in_pipeline,
            inputs=frozenset(inputs),
            cwd=self.cwd,
            endless=ctx.endless,
        )
        inner_ctx = ctx.but(wrappers=wrapper_chain, stdin=stdin_flow, redirects=())
        inners = wrappers.runs(program, args) if program else []
        if inners and all(i.code is None and not i.keep_outer for i in inners):
            flows = [
                self.in_directory(
                    i.cwd,
                    functools.partial(
                        self.run,
                        list(i.argv),
                        inner_ctx,
                        redirects=list(all_redirects),
                        stdin=stdin_flow,
                        path=i.argv[0],
                        name_dynamic=False,
                        name_from=name_from,
                        args_from=args_from,
                        tags=tags,
                        label=i.label,
                    ),
                )
                for i in inners
                if i.argv
            ]
            return join(flows)
        index = len(self.commands)
        if index >= MAX_COMMANDS:
            raise AnalysisLimit(f"more than {MAX_COMMANDS} simple commands")
        self.commands.append(command)
        flows: list[Flow] = []
        for inner in inners:
            if inner.code is not None:
                flows.append(self.code(inner.code, inner_ctx.but(stdin=None), inner.label, inner.positional))
            elif inner.argv:
                flows.append(
                    self.run(
                        list(inner.argv),
                        inner_ctx.but(stdin=None),
                        redirects=[],
                        stdin=None,
                        path=inner.argv[0],
                        name_dynamic=False,
                        label=inner.label,
                    )
                )
        flows.append(self.effects(command, inner_ctx, stdin_flow))
        out = self.output(command, stdin_flow, flows)
        self.record_writes(command, out, stdin_flow)
        if any(r.writes and r.fd in (None, "1") and r.op not in (">&",) for r in redirects) or any(
            r.op in ("&>", "&>>") for r in redirects
        ):
            return EMPTY
        return out

    def in_directory(self, directory: str | None, run: Callable[[], Flow]) -> Flow:
        """Run what a wrapper starts in the directory it names (``env -C / rm -rf *``), then come back."""
        if directory is None:
            return run()
        saved = self.cwd
        self.change_directory([directory])
        try:
            return run()
        finally:
            self.cwd = saved

    def xargs_arguments(self, args: list[str], stdin: Flow | None) -> list[list[str]]:
        """The argument lists xargs runs with: what arrives on stdin (or in its ``-a`` file), known words
        or the paths a ``find`` upstream selects, appended; or, with ``-I``, each line in place of the
        replace-string, one run per line."""
        files = wrappers.option_values(args, ("-a", "--arg-file"))
        if files:
            stdin = self.file_flow(files[0])
        if stdin is None:
            return [args]
        replace = wrappers.xargs_replace(args)
        items: list[str] = []
        if stdin.text is not None and not stdin.superset:
            delimiter = wrappers.xargs_delimiter(args) or ("\n" if replace is not None else None)
            text = stdin.text
            pieces = text.split(delimiter) if delimiter else text.split()
            items = [w.strip() if replace is not None else w for w in pieces if w.strip()][:MAX_LOOP_VALUES]
        else:  # what find selected: the paths it certainly finds, then "some file it found" last
            paths = sorted(t.split(":", 1)[1] for t in stdin.tags if t.startswith("paths:"))
            items = sorted(paths, key=lambda p: p.endswith(("/FOUND", "/**", "*")))[:MAX_LOOP_VALUES]
        if not items:
            return [args]
        if replace is not None:
            command = wrappers.xargs_command(args)
            options = args[: len(args) - len(command)] if command != ["echo"] else args
            return [[*options, *(a.replace(replace, item) for a in command)] for item in items[:16]]
        return [[*args, *items]]

    def effects(self, command: SimpleCommand, ctx: _Context, stdin: Flow | None) -> Flow:
        """What a command does besides wrapping: builtins' state, interpreters, files it runs, functions."""
        program, args = command.program, list(command.args)
        if program in ("cd", "pushd"):
            self.change_directory(args)
        elif program == "popd":
            self.cwd = None
        elif program in _DECLARATIONS:
            for arg in args:
                name, eq, value = arg.partition("=")
                if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    self.vars[name] = value
                    self.assignments.append((name, value))
        elif program == "unset":
            for arg in args:
                if not arg.startswith("-"):
                    self.vars.pop(arg, None)
                    self.functions.pop(arg, None) if "-f" in args else None
        elif program == "set":
            operands = (
                args[1:]
                if args[:1] == ["--"]
                else []
                if any(a.startswith(("-", "+")) for a in args)
                else args
            )
            if args[:1] == ["--"] or (args and not args[0].startswith(("-", "+"))):
                self.positional = tuple(operands)
        elif program == "shift":
            if self.positional is not None:
                count = int(args[0]) if args and args[0].isdigit() else 1
                self.positional = self.positional[count:]
        elif program == "alias":
            for arg in args:
                name, eq, value = arg.partition("=")
                if eq:
                    self.aliases[name] = value
        elif program == "unalias":
            for arg in args:
                self.aliases.pop(arg, None)
        elif program == "read":
            self.read_builtin(args, stdin)
        elif program in ("mapfile", "readarray"):
            names = [a for a in args if not a.startswith("-")]
            target = names[-1] if names else "MAPFILE"
            self.vars[target] = (
                tuple(stdin.text.splitlines())
                if stdin is not None and stdin.text is not None and not stdin.superset
                else Dynamic("$" + target)
            )
        elif program == "printf" and args[:1] == ["-v"] and len(args) >= 3:
            self.vars[args[1]] = textflow.printf_format(args[2], args[3:])
        elif program == "eval":
            return self.code(" ".join(args), ctx.but(stdin=None), "eval")
        elif program in ("source", "."):
            if args and args[0] in ("/dev/stdin", "-") and stdin is not None:
                return self.stdin_code(stdin, ctx, f"{program} /dev/stdin")
            if args:
                return self.run_file(args[0], ctx, program)
        elif program in self.functions and program not in self.call_stack:
            return self.call(program, args, ctx)
        language = interpreters.LANGUAGES.get(program)
        if language is not None:
            return self.interpret(language, command, ctx, stdin)
        if program in SHELLS and wrappers.shell_code(program, args) is None:
            script = wrappers.skip_options(
                args, frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
            )
            if script and script[0] not in ("-", "/dev/stdin"):
                return self.run_file(script[0], ctx, program)
            if stdin is not None:
                return self.stdin_code(stdin, ctx, f"{program} <stdin")
        if wrappers.opens_shell(program, args) and stdin is not None:
            return self.stdin_code(stdin, ctx, f"{program} <stdin")
        if program in ("at", "batch") and not any(a in ("-l", "-r", "-d", "-c") for a in args):
            files = wrappers.option_values(args, ("-f",))
            if files:
                return self.run_file(files[0], ctx, program)
            if stdin is not None:
                return self.stdin_code(stdin, ctx, program)
        if program == "crontab" and not any(a in ("-l", "-r", "-e") for a in args):
            operands = [a for a in args if not a.startswith("-") or a == "-"]
            flow = stdin if not operands or operands == ["-"] else self.file_flow(operands[0])
            if flow is not None and flow.text is not None:
                return self.code(_cron_commands(flow.text, system=False), ctx.but(stdin=None), "crontab")
        if not program and len(args) > 1 and re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", args[0]):
            # ${SHELL:-sh} -c CODE; the program may be no shell ($PYTHON -c CODE): syntax errors do not count
            return self.code(args[1], ctx.but(stdin=None), f"{command.path} -c", fragment=True)
        if program == "ssh" and stdin is not None and wrappers.ssh_reads_commands(args):
            return self.stdin_code(stdin, ctx, "ssh <stdin")  # the remote shell reads its commands
        path = command.path if "/" in command.path else None
        if path is None and command.path and self.files:
            path = self.on_path(command.path)
        if path and program:
            known = self.files.get(_file_key(path, self.cwd))
            if known is not None and known.text is not None:
                return self.code(known.text, ctx.but(stdin=None), path)
        return EMPTY

    def unpacked_into(self, path: str) -> Flow | None:
        """What an archive unpacked into a directory above ``path`` was made of: ``curl URL | tar xz;
        ./a/run`` runs a downloaded file whose name only the archive knows."""
        key = _file_key(path, self.cwd)
        for directory, flow in self.unpacked.items():
            if key.startswith(directory + "/") or directory == "." and not key.startswith(("/", "~", "..")):
                return flow
        return None

    def on_path(self, name: str) -> str | None:
        """A file the script wrote into a directory of ``PATH``, run by its bare name (``k`` for
        ``/usr/local/bin/k``)."""
        for directory in _PATH_DIRECTORIES:
            candidate = f"{directory}/{name}"
            if _file_key(candidate, None) in self.files:
                return candidate
        return None

    def stdin_code(self, stdin: Flow, ctx: _Context, label: str) -> Flow:
        if stdin.too_large:
            raise AnalysisLimit("text piped into a shell is larger than the analysis reads")
        if stdin.text is None:
            return EMPTY
        return self.code(stdin.text, ctx.but(stdin=None), label)

    def run_file(self, path: str, ctx: _Context, label: str) -> Flow:
        known = self.files.get(_file_key(path, self.cwd))
        if known is None or known.text is None:
            return EMPTY
        return self.code(known.text, ctx.but(stdin=None), f"{label} {path}")

    def interpret(self, language: str, command: SimpleCommand, ctx: _Context, stdin: Flow | None) -> Flow:
        args = command.args
        code = interpreters.inline_code(language, command.program, args)
        label = f"{command.program} one-liner"
        if code is None:
            script = interpreters.script_operand(language, args)
            if script is not None:
                code = self.read_file(script)
                label = f"{command.program} {script}"
            elif interpreters.reads_program_from_stdin(language, args) and stdin is not None:
                if stdin.too_large:
                    raise AnalysisLimit("text piped into an interpreter is larger than the analysis reads")
                code = stdin.text
                label = f"{command.program} <stdin"
        if code is None:
            return EMPTY
        self.spend(len(code) // 8 + 1)
        reading = interpreters.read(language, code, presets=interpreters.presets(language, args))
        inner = ctx.but(stdin=None, wrappers=(*ctx.wrappers, label))
        for action in reading.actions:
            if action.code is not None:
                if ctx.depth + 1 > MAX_DEPTH:
                    raise AnalysisLimit(f"code strings nested deeper than {MAX_DEPTH}")
                self.code(
                    action.code, inner.but(wrappers=ctx.wrappers, depth=ctx.depth), f"{label}: {action.label}"
                )
            elif action.argv:
                redirects = [Redirect(op, target) for op, target in action.redirects]
                self.run(
                    list(action.argv),
                    inner,
                    redirects=redirects,
                    stdin=None,
                    path=action.argv[0],
                    name_dynamic=False,
                    tags=action.tags,
                    label=action.label,
                )
        return Flow(reading.output, frozenset()) if reading.output is not None else Flow(None, frozenset())

    def call(self, name: str, args: list[str], ctx: _Context) -> Flow:
        self.called.add(name)
        saved = self.positional
        self.positional = tuple(args)
        self.call_stack.append(name)
        try:
            return self.command(self.functions[name], ctx.but(function=name))
        finally:
            self.call_stack.pop()
            self.positional = saved

    def read_builtin(self, args: list[str], stdin: Flow | None) -> None:
        names: list[str] = []
        array: str | None = None
        position = 0
        while position < len(args):  # options as getopts reads them: `-ra NAME`, `-p PROMPT`, `-d:`
            arg = args[position]
            position += 1
            if not arg.startswith("-") or arg == "-":
                names.append(arg)
                continue
            for offset, letter in enumerate(arg[1:], start=2):
                if letter in "adinNptu":
                    value = arg[offset:] or (args[position] if position < len(args) else "")
                    position += 0 if arg[offset:] else 1
                    array = value if letter == "a" else array
                    break
        known = stdin is not None and stdin.text is not None and not stdin.superset
        line = stdin.text.split("\n", 1)[0] if known else None  # type: ignore[union-attr]
        for name in [*names, *([array] if array else [])] or ["REPLY"]:
            self.taint(name, (), stdin.tags if stdin is not None else ())
        ifs = self.vars.get("IFS", DEFAULT_IFS)
        ifs = ifs if isinstance(ifs, str) else DEFAULT_IFS  # `IFS=: read a b` splits on the colon
        if array is not None:
            self.vars[array] = (
                tuple(read_fields(line, ifs, None)) if line is not None else Dynamic("$" + array)
            )
            return
        if not names:
            self.vars["REPLY"] = line if line is not None else Dynamic("$REPLY")  # REPLY: the line as read
            return
        if line is None:
            for name in names:
                self.vars[name] = Dynamic("$" + name)
            return
        for name, value in zip(names, read_fields(line, ifs, len(names)), strict=True):
            self.vars[name] = value

    def change_directory(self, args: list[str]) -> None:
        operands = [a for a in args if not a.startswith("-") or a == "-"]
        if not operands:
            self.cwd = "~"
            return
        target = operands[0]
        if target == "-" or "$" in target:
            self.cwd = None
            return
        resolved = resolve(target, self.cwd)
        self.cwd = norm_path(resolved) if resolved.startswith(("/", "~")) else posixpath.normpath(resolved)

    # ---- what a command prints and writes ---------------------------------------------------------
    def output(self, command: SimpleCommand, stdin: Flow | None, inner: list[Flow]) -> Flow:
        program = command.program
        tags = set(output_tags(command))
        if stdin is not None and program not in _NO_STDIN:
            if program in _PASSES_LINES:
                tags.update(stdin.tags)
            else:  # a filter keeps some of the paths it is given: ROOT/** becomes ROOT/FOUND
                tags.update(t.replace("/**", "/FOUND") if t.startswith("paths:") else t for t in stdin.tags)
        text = None
        if program == "pwd" and self.cwd is not None and self.cwd.startswith(("/", "~")):
            text = self.cwd + "\n"
        elif program in textflow.SILENT and not any(a in ("-v", "--verbose") for a in command.args):
            text = ""
        elif program in textflow.PRODUCERS:
            if stdin is not None and stdin.too_large:
                return Flow(None, frozenset(tags), too_large=True)
            text = textflow.output(
                program, command.args, stdin.text if stdin is not None else None, self.read_file
            )
        if text is None and program in textflow.FILTERS and stdin is not None and stdin.text is not None:
            flow = textflow.limited(stdin.text, frozenset(tags))._replace(
                superset=True, partial=stdin.partial
            )
            text = flow.text  # not computed: some of what it read, which a shell would run all the same
        else:
            flow = textflow.limited(text, frozenset(tags))
            if text is not None and stdin is not None and (stdin.partial or stdin.superset):
                flow = flow._replace(partial=stdin.partial, superset=stdin.superset)
        joined = [f for f in inner if f is not EMPTY]
        if joined:
            combined = join([*joined, flow]) if text is not None else join(joined)
            return combined._replace(tags=combined.tags | flow.tags)
        return flow

    def record_writes(self, command: SimpleCommand, out: Flow, stdin: Flow | None) -> None:
        """Remember what the command wrote where, so a later ``sh FILE`` or ``./FILE`` reads it."""
        program, args = command.program, command.args
        for redirect in command.redirects:
            if (
                redirect.writes
                and redirect.op not in (">&",)
                or redirect.op == ">&"
                and not redirect.target.isdigit()
            ):
                if redirect.fd not in (None, "1") and redirect.op not in ("&>", "&>>"):
                    continue
                self.write_file(redirect.target, out, append=">>" in redirect.op)
        if program == "tee" and stdin is not None:
            for target in [a for a in args if not a.startswith("-")]:
                self.write_file(target, stdin, append="-a" in args or "--append" in args)
        elif program in ("cp", "mv", "install") and len([a for a in args if not a.startswith("-")]) >= 2:
            operands = [a for a in args if not a.startswith("-")]
            source = self.files.get(_file_key(operands[0], self.cwd))
            if source is not None:
                target = operands[-1]
                key = _file_key(target, self.cwd)
                if target.endswith("/") or key in ("/tmp", "/usr/local/bin", "/usr/bin", ".", "~"):
                    key = _file_key(posixpath.join(target, posixpath.basename(operands[0])), self.cwd)
                self.files[key] = source
        for target in downloaded_files(program, args):
            self.files[_file_key(target, self.cwd)] = Flow(None, frozenset({f"download:{program}"}))
        for target in fetched_files(program, args):  # scp HOST:p.sh .: a file from another machine
            self.files[_file_key(target, self.cwd)] = Flow(None, frozenset({f"download:{program}"}))
        unpacked = extracted_archive(command)
        if unpacked is not None:
            archive, directory = unpacked
            source = stdin if archive == "-" else self.file_flow(archive)
            if source is not None and any(t.startswith("download:") for t in source.tags):
                self.unpacked[_file_key(directory, self.cwd)] = Flow(None, source.tags)
        if program in ("sed", "gsed") and any(a.startswith(("-i", "--in-place")) for a in args):
            for target, text in wrappers.sed_insertions(args):  # `sed -i '1i LINE' FILE` adds LINE
                self.write_file(target, Flow(text + "\n", frozenset(), partial=True), append=True)
        archive = archive_output(command)
        if archive is not None and archive != "-":
            self.files[_file_key(archive, self.cwd)] = Flow(None, output_tags(command))

    def write_file(self, target: str, flow: Flow, append: bool) -> None:
        if target.startswith("/dev/") or target == "/dev/null":
            return
        key = _file_key(target, self.cwd)
        if append and key in self.files:
            previous = self.files[key]
            flow = join([previous, flow])
        self.files[key] = flow
        if flow.text is not None and flow.text.strip():
            self.persisted(key, flow.text)

    def persisted(self, path: str, text: str) -> None:
        """Text written to a file the system runs later (cron, units, start-up files) is read as code."""
        kind = persistence_kind(path)
        if kind is None:
            return
        if kind == "cron":
            code = _cron_commands(text, system=bool(_SYSTEM_CRON.match(path)))
        elif kind == "unit":
            code = "\n".join(m.group(1) for m in _UNIT_EXEC.finditer(text))
        elif kind == "desktop":
            code = "\n".join(m.group(1) for m in _DESKTOP_EXEC.finditer(text))
        else:
            code = text
        if code.strip():
            self.code(code, self._ctx.but(stdin=None, redirects=(), in_pipeline=False), f"written to {path}")


_ALWAYS_TRUE = frozenset({"true", ":", "/bin/true", "/usr/bin/true", "[ 1 ]", "((1))", "[[ 1 ]]"})


def _never_ends(cond: Script, until: bool) -> bool:
    """``while true``, ``while :``, ``until false``: a condition that never stops the loop."""
    if len(cond.items) != 1 or len(cond.items[0][0].pipelines) != 1:
        return False
    commands = cond.items[0][0].pipelines[0].commands
    if len(commands) != 1:
        return False
    command = commands[0]
    if isinstance(command, Arithmetic) and command.body is None:
        return not until and command.text.strip() not in ("", "0")
    if not isinstance(command, Simple) or command.assigns or command.redirs:
        return False
    words = [w[0].text for w in command.words if len(w) == 1 and isinstance(w[0], Lit)]
    if len(words) != len(command.words):
        return False
    text = " ".join(words)
    return text in ("false", "/bin/false") if until else text in _ALWAYS_TRUE


def _waits(body: Script) -> bool:
    """The loop body waits for what it started (``wait``), so its background jobs do not pile up."""
    for and_or, _ in body.items:
        for pipeline in and_or.pipelines:
            for command in pipeline.commands:
                if isinstance(command, Simple) and command.words and command.words[0] == (Lit("wait"),):
                    return True
    return False


def _is_read(script: Script) -> bool:
    if len(script.items) != 1:
        return False
    pipelines = script.items[0][0].pipelines
    if len(pipelines) != 1 or len(pipelines[0].commands) != 1:
        return False
    command = pipelines[0].commands[0]
    return (
        isinstance(command, Simple)
        and bool(command.words)
        and len(command.words[0]) == 1
        and isinstance(command.words[0][0], Lit | Quoted)
        and command.words[0][0].text == "read"
    )


def _cron_commands(text: str, system: bool) -> str:
    """The commands of crontab lines: the schedule (and, in system tables, the user) removed."""
    commands = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", stripped):
            continue
        m = _CRON_LINE.match(stripped)
        command = m.group(1) if m else stripped
        if system:
            command = command.split(None, 1)[1] if len(command.split(None, 1)) > 1 else ""
        commands.append(command.replace("%", "\n"))
    return "\n".join(commands)


def _file_key(path: str, cwd: str | None) -> str:
    resolved = resolve(path, cwd)
    return norm_path(resolved) if resolved.startswith(("/", "~")) else posixpath.normpath(resolved)


def parse_script(script: str) -> ParsedScript:
    """Parse and walk ``script`` (never raises); ``limit`` says an analysis limit stopped it."""
    return _parse_cached(script) if len(script) <= 4096 else _parse(script)


@functools.lru_cache(maxsize=16384)
def _parse_cached(script: str) -> ParsedScript:
    return _parse(script)


def _parse(script: str) -> ParsedScript:
    text = script.replace("\x00", "")  # bash drops NUL bytes: r\0m is rm
    walker = _Walker(len(text))
    limit: str | None = None
    try:
        if len(text) > MAX_INPUT_CHARS:
            raise AnalysisLimit(f"input longer than {MAX_INPUT_CHARS} characters")
        reader = Reader(text)
        tree = reader.script()
        walker.errors.extend(reader.errors)
        walker.script(tree, _Context())
        for name in list(walker.functions):
            if name not in walker.called:
                walker.call(name, [], _Context(function=name))
        for name, body in list(walker.aliases.items()):  # `alias ls='rm -rf ~'` runs when ls is typed
            if name not in walker.used_aliases:
                walker.code(body, _Context(), f"alias {name}", fragment=True)
    except AnalysisLimit as error:
        limit = str(error)
    except RecursionError:
        limit = "nesting deeper than the interpreter's stack"
    return ParsedScript(
        commands=tuple(walker.commands),
        has_error=bool(walker.errors),
        functions=frozenset(walker.functions),
        assignments=tuple(walker.assignments),
        limit=limit,
        errors=tuple(walker.errors[:20]),
    )


def simple_commands(script: str) -> list[SimpleCommand]:
    """The simple commands ``script`` would run, in order (see ``SimpleCommand``)."""
    return list(parse_script(script).commands)
