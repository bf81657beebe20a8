"""The system-call tracer of the honeypot: strace's command line, and a parser of what it prints.

strace runs on the host as the parent of the whole sandbox (``strace -f ... setpriv bwrap ...``):
nothing inside can see it, signal it or write into its output (a FIFO on the host). With
``--seccomp-bpf`` only the system calls listed in ``TRACED`` stop the traced process, so a
command that never opens, executes, connects or deletes anything pays almost nothing.
``connect`` is never performed: the tracer answers every call with success itself
(``inject=connect:retval=0``), so no packet can leave even towards loopback, and a program goes
on to show what it would do with the connection (a reverse shell gives its socket to a shell).

``TraceParser`` reads strace's lines as they come and keeps, for the command's own processes
only (those started after the sandbox's set-up, see ``MARKER``), the evidence the behaviour
rules judge: files opened, written, renamed or deleted (paths resolved against each process's
working directory, its directory descriptors and the symbolic links it knows of), programs
executed, sockets connected, names looked up, privileged calls, processes and the process limit.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field

# argv[0] of the bwrap that starts the command: the next program executed is the command's shell,
# and only it and its descendants are the command's; everything before is the sandbox's set-up
MARKER = "securecli-honeypot"
TRACED = (
    "execve", "execveat", "clone", "clone3", "fork", "vfork", "openat", "open", "creat", "openat2",
    "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat", "symlink",
    "symlinkat", "truncate", "chmod", "fchmod", "fchmodat", "mknodat", "chdir", "fchdir",
    "dup", "dup2", "dup3", "fcntl",
    "connect", "sendto", "sendmsg", "sendmmsg", "bind", "listen",
    "mount", "umount2", "pivot_root", "ptrace", "process_vm_writev", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "kill", "setns", "bpf",
)  # fmt: skip
KERNEL_CALLS = frozenset(
    {"mount", "umount2", "pivot_root", "ptrace", "process_vm_writev", "init_module", "finit_module",
     "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "setns", "bpf"}
)  # fmt: skip
STRING_BYTES = 512  # strace -s: longer strings (paths, payloads) are cut and marked
MAX_EVENTS = 5000  # per kind; a command that does more is summarised by its counts
SHELLS = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "rbash", "fish", "csh", "tcsh", "busybox"}
)
INTERPRETERS = frozenset(
    {"python", "python2", "python3", "perl", "ruby", "php", "node", "nodejs", "lua", "tclsh", "wish", "pwsh",
     "irb", "jrunscript", "rscript", "gawk", "awk", "mawk", "nawk", "expect", "osascript", "deno", "bun"}
)  # fmt: skip
# programs that run the command they are given: when one fails to find it, the command names a
# program this machine lacks (env nc ..., xargs nc, timeout 5 nc, sudo nc)
LAUNCHERS = SHELLS | frozenset(
    {"env", "xargs", "find", "nohup", "timeout", "nice", "ionice", "stdbuf", "setsid", "chroot", "time",
     "watch", "flock", "runuser", "taskset", "chrt", "parallel", "strace", "ltrace", "unbuffer", "script"}
)  # fmt: skip
IGNORED_SOCKETS = ("/var/run/nscd/socket", "/run/nscd/socket")  # glibc asks nscd first, every lookup
EXPLICIT_STDIN = ("-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0")


def strace_argv(output: str) -> list[str]:
    """The strace command line that traces everything after it into ``output`` (a path)."""
    return [
        shutil.which("strace") or "strace",
        "-f",
        "-q",
        "--seccomp-bpf",
        "-s",
        str(STRING_BYTES),
        "-e",
        "signal=none",
        "-e",
        "trace=" + ",".join(TRACED),
        "-e",
        "inject=connect:retval=0",
        "-o",
        output,
        "--",
    ]


# ---------------------------------------------------------------- what the trace shows


@dataclass(frozen=True)
class FileEvent:
    """A path a command's process touched: opened, written, deleted, renamed, linked or re-moded."""

    op: str  # read, write, delete, rename_from, rename_to, link, chmod
    path: str
    program: str
    ok: bool
    mode: int | None = None  # for chmod
    error: str | None = None  # why it failed: EACCES and EROFS were refused, ENOENT found nothing

    @property
    def refused(self) -> bool:
        """It failed on something that exists (permission, read-only, busy), not on a missing path."""
        return not self.ok and self.error not in (None, "ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP")


@dataclass(frozen=True)
class Contact:
    """A network endpoint a program tried to reach: a connection, a datagram, a name lookup or a listener."""

    kind: str  # connect, send, dns, listen
    program: str
    address: str = ""  # IP address, a name (dns), or a Unix socket path
    port: int | None = None
    family: str = "inet"  # inet, inet6, unix, name

    @property
    def remote(self) -> bool:
        """Beyond this machine: not loopback, not a Unix socket (a name lookup is a remote intent)."""
        if self.family == "name":
            return True
        if self.family == "unix" or self.kind == "listen":
            return False
        address = self.address.removeprefix("::ffff:")
        return not (address.startswith("127.") or address in ("::1", "0.0.0.0", "::", "localhost"))

    def describe(self) -> str:
        if self.family == "unix":
            return f"unix:{self.address} ({self.program})"
        where = f"[{self.address}]" if self.family == "inet6" else self.address
        port = f":{self.port}" if self.port is not None else ""
        kind = "" if self.kind == "connect" else f" {self.kind}"
        return f"{where}{port}{kind} ({self.program})"


@dataclass(frozen=True)
class Exec:
    """A program a command's process executed (or tried to)."""

    path: str
    argv: tuple[str, ...]
    program: str
    ok: bool
    socket_stdio: bool = False  # its stdin, stdout or stderr is a socket connected to a remote endpoint


@dataclass
class Trace:
    """The evidence of one run, from the command's own processes."""

    marker_seen: bool = False
    processes: int = 0
    max_depth: int = 0
    process_limit_hits: int = 0
    files: list[FileEvent] = field(default_factory=list)
    execs: list[Exec] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    kernel: list[tuple[str, str, str, bool]] = field(default_factory=list)  # (call, detail, program, ok)
    shell_connects: list[Contact] = field(default_factory=list)  # a shell itself connected (/dev/tcp)
    secrets_sent: list[str] = field(default_factory=list)  # programs that sent or were given a canary's mark
    killed_by: Counter[str] = field(default_factory=Counter)  # signal names that ended processes
    kill_all: int = 0  # kill(-1, ...) or kill(1, ...): every process, or init
    counts: Counter[str] = field(default_factory=Counter)  # events per op, beyond MAX_EVENTS too
    missing: set[str] = field(default_factory=set)  # programs an exec did not find
    truncated: bool = False

    def add(self, bucket: list, kind: str, item: object) -> None:
        self.counts[kind] += 1
        if len(bucket) < MAX_EVENTS:
            bucket.append(item)
        else:
            self.truncated = True


# ---------------------------------------------------------------- parsing strace's lines

_LINE = re.compile(r"^(\d+) +(.*)$")
_CALL = re.compile(r"^([a-z0-9_]+)\((.*)$", re.DOTALL)
_RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$", re.DOTALL)
_EXIT = re.compile(r"^\+\+\+ (?:exited with (\d+)|killed by (SIG[A-Z0-9]+))")
_RESULT = re.compile(r"^ += (-?\d+|\?|0x[0-9a-f]+)(?: ([A-Z0-9]+) \(.*?\))?(.*)$", re.DOTALL)
_SIN_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_SIN_ADDR = re.compile(r'sin_addr=inet_addr\("([^"]*)"\)')
_SIN6_ADDR = re.compile(r'inet_pton\(AF_INET6, "([^"]*)"')
_SUN_PATH = re.compile(r'sun_path=(@?)"((?:[^"\\]|\\.)*)"')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?')
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"v": b"\v", b"f": b"\f", b"a": b"\a", b"b": b"\b"}
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
# calls a freshly forked process makes and a new thread does not
_PROCESS_CALLS = ("execve", "execveat", "dup2", "dup3", "chdir", "fchdir", "clone(", "fork", "vfork", "+++")
# the most frequent line by far, parsed without the general argument splitter
_OPENAT = re.compile(
    r'^openat\((AT_FDCWD|\d+), ("(?:[^"\\]|\\.)*"(?:\.\.\.)?), ([A-Z0-9_|]+)(?:, 0\d*)?\) += (-?\d+|\?)'
    r"(?: ([A-Z0-9]+))?"
)


def unescape(text: str) -> bytes:
    """The bytes of a string as strace prints it (C escapes, octal for what is not printable)."""

    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1] == b"x" and len(code) == 3:
            return bytes([int(code[1:], 16)])
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text.encode("utf-8", "surrogateescape"))


def decoded(text: str) -> str:
    return unescape(text).decode("utf-8", "replace")


def _scan_arguments(text: str) -> tuple[list[str], int]:
    """The top-level arguments of a call's argument text and the index of its closing parenthesis
    (-1 when it is not closed): commas split only outside strings and brackets."""
    arguments, depth, start, index, length = [], 0, 0, 0, len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                arguments.append(text[start:index].strip())
                return [a for a in arguments if a], index
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(text[start:index].strip())
            start = index + 1
        index += 1
    arguments.append(text[start:].strip())
    return [a for a in arguments if a], -1


def split_arguments(text: str) -> list[str]:
    """Top-level arguments of a call's argument text (up to its closing parenthesis)."""
    return _scan_arguments(text)[0]


def _close_of_arguments(text: str) -> int:
    """Index of the parenthesis closing the argument list (text starts after the opening one)."""
    return _scan_arguments(text)[1]


def _string(argument: str) -> str | None:
    match = _STRING.match(argument)
    return decoded(match.group(1)) if match else None


def program_name(path: str) -> str:
    """``python3.11`` -> ``python3``; ``/usr/bin/bash`` -> ``bash``."""
    base = posixpath.basename(path.rstrip("/")) or path
    return re.sub(r"(?<=[a-z])(\d)(?:\.\d+)+$", r"\1", base)


def family(program: str) -> str:
    """``python3`` -> ``python``: the name classes are written in."""
    return re.sub(r"[\d.]+$", "", program.lower()) or program


@dataclass
class _Process:
    pid: int
    depth: int
    program: str
    cwd: str
    fds: dict[int, str]  # descriptor -> path
    sockets: dict[int, Contact]  # descriptor -> the endpoint it was connected or bound to
    socket_stdio: bool = False  # a remote connection became its stdin, stdout or stderr


@dataclass(frozen=True)
class _Call:
    """One finished system call: its arguments as strace printed them, and its result."""

    args: list[str]
    value: str  # the return value as printed ("0", "-1", "3", "?")
    error: str | None  # ENOENT ...
    tail: str  # what follows the result ("(INJECTED)", the pid in strace's namespace)

    @property
    def ok(self) -> bool:
        return self.value not in ("-1", "?")

    def string(self, index: int) -> str | None:
        return _string(self.args[index]) if index < len(self.args) else None

    def arg(self, index: int) -> str:
        return self.args[index] if index < len(self.args) else ""

    def fd(self, index: int) -> int | None:
        text = self.arg(index)
        return int(text) if text.isdigit() else None


class TraceParser:
    """Feed it strace's output in chunks; ``trace`` holds the evidence so far.

    ``links`` are the symbolic links of the fake system (path -> target), ``work_dir`` where the
    command starts, ``marks`` byte strings whose presence in a payload means a canary is leaving.
    """

    def __init__(self, links: dict[str, str], work_dir: str, marks: tuple[bytes, ...] = ()) -> None:
        self.trace = Trace()
        self.links = dict(links)
        self.work_dir = work_dir
        self.marks = marks
        self.processes: dict[int, _Process] = {}
        self._pending: dict[int, str] = {}
        self._buffer = b""
        self._found: set[str] = set()
        self._starter: int | None = None  # the pid that executed MARKER
        self._setup: set[int] = set()  # pids of the sandbox's own processes, seen before the marker
        self._forks: list[tuple[int, _Process, bool]] = []  # (cloner, child's state, thread) not yet seen
        self._early: dict[int, int] = {}  # children adopted before their parent's clone returned
        self._error: str | None = None  # the errno of the call being handled

    # -- input

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self.line(line.decode("utf-8", "surrogateescape"))

    def close(self) -> Trace:
        if self._buffer:
            self.line(self._buffer.decode("utf-8", "surrogateescape"))
            self._buffer = b""
        self.trace.missing -= self._found
        return self.trace

    def line(self, line: str) -> None:
        match = _LINE.match(line)
        if match is None:
            return
        pid, rest = int(match.group(1)), match.group(2)
        if not self.trace.marker_seen:
            self._setup.add(pid)
        elif pid not in self.processes and pid not in self._setup:
            self._adopt(pid, rest)
        if rest.startswith("<... "):
            resumed = _RESUMED.match(rest)
            head = self._pending.pop(pid, None)
            if resumed is None or head is None:
                return
            rest = head + resumed.group(2)
        elif rest.endswith("<unfinished ...>"):
            self._pending[pid] = rest[: -len("<unfinished ...>")].rstrip()
            return
        elif rest.startswith("+++"):
            self._exit(pid, rest)
            return
        fast = _OPENAT.match(rest)
        if fast is not None and self.trace.marker_seen:
            if (process := self.processes.get(pid)) is not None:
                self._error = fast.group(5)
                self._open(process, fast.group(2), fast.group(1), fast.group(3), fast.group(4))
            return
        head = _CALL.match(rest)
        if head is None:
            return
        body = head.group(2)
        close = _close_of_arguments(body)
        result = _RESULT.match(body[close + 1 :]) if close >= 0 else None
        if result is None:
            return
        name = head.group(1)
        if not self.trace.marker_seen:
            self._before_marker(pid, name, body[: close + 1], result.group(1))
            return
        process = self.processes.get(pid)
        if process is None:
            return  # the set-up's processes, and bwrap's
        call = _Call(split_arguments(body[: close + 1]), result.group(1), result.group(2), result.group(3))
        self._error = call.error
        if name in KERNEL_CALLS:
            detail = ", ".join(_string(a) or a for a in call.args[:3])[:160]
            self.trace.kernel.append((name, detail, process.program, call.ok))
            self.trace.counts[name] += 1
        elif (handler := _HANDLERS.get(name)) is not None:
            handler(self, process, call)

    def _before_marker(self, pid: int, name: str, arguments: str, value: str) -> None:
        if name != "execve" or value != "0":
            return
        if self._starter is None:
            parts = split_arguments(arguments)
            if len(parts) >= 2 and parts[1].startswith(f'["{MARKER}"'):
                self._starter = pid
        elif pid != self._starter:
            self.trace.marker_seen = True
            self.trace.processes = 1
            self.processes[pid] = _Process(pid, 0, "bash", self.work_dir, {}, {})

    def _exit(self, pid: int, rest: str) -> None:
        match = _EXIT.match(rest)
        if match and match.group(2) and pid in self.processes:
            self.trace.killed_by[match.group(2)] += 1
        self._forget_threads_of(pid)

    def _forget_threads_of(self, pid: int) -> None:
        """Threads a process made and that never spoke die with it (or with its exec)."""
        self._forks = [fork for fork in self._forks if not (fork[2] and fork[0] == pid)]

    # -- paths

    def resolve(self, process: _Process, path: str, directory: str = "AT_FDCWD", follow: bool = True) -> str:
        """The absolute path ``path`` names for ``process`` (relative to ``directory``, a descriptor)."""
        if not path.startswith("/"):
            if directory in ("AT_FDCWD", "-100"):
                base = process.cwd
            else:
                base = process.fds.get(int(directory), "/?") if directory.isdigit() else "/?"
            path = f"{base}/{path}"
        return self._canonical(process, path, follow)

    def _canonical(self, process: _Process, path: str, follow: bool) -> str:
        """``..``, ``.``, the links known so far and ``/proc/self/{root,cwd,fd/N}`` resolved."""
        pending = [part for part in path.split("/") if part and part != "."]
        done: list[str] = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == "..":
                if done:
                    done.pop()
                continue
            done.append(part)
            if len(done) >= 3 and done[0] == "proc" and done[1] in ("self", "thread-self"):
                if done[2] == "root":
                    done = []
                elif done[2] == "cwd":
                    done = [p for p in process.cwd.split("/") if p]
                elif done[2] == "fd" and len(done) == 4 and done[3].isdigit():
                    target = process.fds.get(int(done[3]), "")
                    if target.startswith("/"):
                        done = [p for p in target.split("/") if p]
                continue
            target = self.links.get("/" + "/".join(done))
            if target is not None and (pending or follow) and hops < 40:
                hops += 1
                done.pop()
                if target.startswith("/"):
                    done = []
                pending = [p for p in target.split("/") if p and p != "."] + pending
        return "/" + "/".join(done)

    def _resolved(self, process: _Process, raw: str | None, directory: str) -> str | None:
        return None if raw is None else self.resolve(process, raw, directory)

    def _record(self, process: _Process, op: str, path: str, ok: bool, **extra: object) -> None:
        event = FileEvent(op, path, process.program, ok, error=None if ok else self._error, **extra)  # type: ignore[arg-type]
        self.trace.add(self.trace.files, op, event)

    def _path_op(
        self, process: _Process, op: str, raw: str | None, directory: str, ok: bool, follow: bool = False
    ) -> str | None:
        if raw is None:
            return None
        path = self.resolve(process, raw, directory, follow=follow)
        self._record(process, op, path, ok)
        return path

    # -- processes

    def _clone(self, process: _Process, call: _Call) -> None:
        """A new process or thread: its state is the parent's now; it is matched to its pid when it shows up.

        A clone returns the child's pid inside the sandbox's pid namespace, while strace names
        processes by their host pid; asking strace to translate costs more than the rest of the
        trace, so the child is matched when its first line arrives (``_adopt``). A child may even
        speak before its parent's clone has returned; then it was adopted already.
        """
        if call.error == "EAGAIN":
            self.trace.process_limit_hits += 1
            return
        if not call.ok:
            return
        thread = "CLONE_THREAD" in " ".join(call.args)
        if not thread:
            self.trace.processes += 1
            self.trace.max_depth = max(self.trace.max_depth, process.depth + 1)
        if self._early.get(process.pid, 0) > 0:
            self._early[process.pid] -= 1
            return
        self._forks.append((process.pid, process if thread else self._child_of(process), thread))

    @staticmethod
    def _child_of(process: _Process) -> _Process:
        return _Process(
            0, process.depth + 1, process.program, process.cwd, dict(process.fds), dict(process.sockets),
            process.socket_stdio,
        )  # fmt: skip

    def _adopt(self, pid: int, first: str) -> _Process | None:
        """The state of a pid seen for the first time after the marker: the clone that made it.

        /proc names the parent while the pid lives: its queued clone, or its clone still under way
        (a child may speak before its parent's clone returns, always so after a vfork). Once the pid
        is gone, the guess is a clone under way, else the latest queued clone of the right kind: a
        process when its first call is one a thread does not make.
        """
        parent, thread_of = _parents(pid)
        thread: bool | None = None if thread_of is None else thread_of != pid
        for position in range(len(self._forks) - 1, -1, -1):
            cloner, _, queued_thread = self._forks[position]
            if thread is not None and queued_thread == thread and cloner == (thread_of if thread else parent):
                return self._take(pid, position)
        cloning = [
            process
            for process, text in self._pending.items()
            if text.startswith(("clone", "fork", "vfork")) and process in self.processes
        ]
        if cloning:
            cloner = (thread_of if thread else parent) if thread is not None else None
            cloner = cloner if cloner in cloning else cloning[-1]
            thread = bool(thread) if thread is not None else not first.startswith(_PROCESS_CALLS)
            state = self.processes[cloner] if thread else self._child_of(self.processes[cloner])
            self._early[cloner] = self._early.get(cloner, 0) + 1
            if not thread:
                state.pid = pid
            self.processes[pid] = state
            return state
        if not self._forks:
            return None
        wants_thread = thread if thread is not None else not first.startswith(_PROCESS_CALLS)
        kinds = [position for position, fork in enumerate(self._forks) if fork[2] == wants_thread]
        return self._take(pid, kinds[-1] if kinds else len(self._forks) - 1)

    def _take(self, pid: int, position: int) -> _Process:
        _, state, thread = self._forks.pop(position)
        if not thread:
            state.pid = pid
        self.processes[pid] = state
        return state

    def _exec(self, process: _Process, call: _Call, path_index: int) -> None:
        raw = call.string(path_index) or ""
        path = self.resolve(process, raw)
        argv = tuple(decoded(m.group(1)) for m in _STRING.finditer(call.arg(path_index + 1)))
        ok = call.value == "0"
        name = program_name(path)
        if ok:
            process.program = name
            self._found.update((program_name(raw), name))
            self._forget_threads_of(process.pid)
        elif call.error == "ENOENT" and family(process.program) in LAUNCHERS and len(self.trace.missing) < 64:
            self.trace.missing.add(program_name(raw))  # not a helper a program probes for (useradd's nscd)
        self.trace.add(self.trace.execs, "exec", Exec(path, argv, name, ok, process.socket_stdio))
        if ok and self.marks and any(mark in "\0".join(argv).encode() for mark in self.marks):
            self._secret_sent(f"{name} (in its arguments)")

    # -- files

    def _open(self, process: _Process, path_argument: str, directory: str, flags: str, value: str) -> None:
        raw = _string(path_argument)
        if raw is None:
            return
        path = self.resolve(process, raw, directory, follow="O_NOFOLLOW" not in flags)
        ok = value.isdigit()
        if ok:
            process.fds[int(value)] = path
        write = any(flag in flags for flag in _WRITE_FLAGS)
        self._record(process, "write" if write else "read", path, ok)

    def _delete(self, process: _Process, raw: str | None, directory: str, call: _Call) -> None:
        path = self._path_op(process, "delete", raw, directory, call.ok)
        if path is not None and call.ok:
            self.links.pop(path, None)

    def _rename(self, process: _Process, old: str | None, old_dir: str, new: str | None, new_dir: str,
                ok: bool) -> None:  # fmt: skip
        source = self._path_op(process, "rename_from", old, old_dir, ok)
        target = self._path_op(process, "rename_to", new, new_dir, ok)
        if ok and source and target and source in self.links:
            self.links[target] = self.links.pop(source)

    def _symlink(
        self, process: _Process, target: str | None, name: str | None, directory: str, ok: bool
    ) -> None:
        path = self._path_op(process, "link", name, directory, ok)
        if path and target is not None and ok:
            self.links[path] = (
                target if target.startswith("/") else posixpath.join(posixpath.dirname(path), target)
            )

    def _hard_link(self, process: _Process, old: str | None, old_dir: str, new: str | None, new_dir: str,
                   ok: bool) -> None:  # fmt: skip
        path = self._path_op(process, "link", new, new_dir, ok)
        if old is not None and path and ok:
            self.links[path] = self.resolve(process, old, old_dir)  # reading it reads the original

    def _chmod(self, process: _Process, path: str | None, mode_text: str, ok: bool) -> None:
        if path is not None and re.fullmatch(r"0[0-7]*", mode_text):
            self.trace.add(
                self.trace.files,
                "chmod",
                FileEvent("chmod", path, process.program, ok, mode=int(mode_text, 8), error=self._error),
            )

    def _chdir(self, process: _Process, path: str | None, ok: bool) -> None:
        if path is not None and ok:
            process.cwd = path

    def _dup(self, process: _Process, call: _Call) -> None:
        old = call.fd(0)
        new = (
            call.fd(1) if call.args[1:2] and call.arg(1).isdigit() else (int(call.value) if call.ok else None)
        )
        if old is None or new is None or not call.ok:
            return
        if old in process.fds:
            process.fds[new] = process.fds[old]
        socket = process.sockets.get(old)
        if socket is None:
            process.sockets.pop(new, None)
            return
        process.sockets[new] = socket
        if new <= 2 and socket.remote:
            process.socket_stdio = True

    # -- network

    def _contact(self, process: _Process, kind: str, address: tuple[str, str, int | None]) -> Contact | None:
        family_name, where, port = address
        if family_name == "unix" and where in IGNORED_SOCKETS:
            return None
        contact = Contact(kind, process.program, where, port, family_name)
        self.trace.add(self.trace.contacts, "contact", contact)
        return contact

    def _connect(self, process: _Process, call: _Call) -> None:
        fd, address = call.fd(0), socket_address(call.arg(1))
        if fd is None or address is None or (contact := self._contact(process, "connect", address)) is None:
            return
        process.sockets[fd] = contact
        if contact.remote and family(process.program) in SHELLS:
            self.trace.shell_connects.append(contact)

    def _sent(self, process: _Process, fd: int | None, payloads: list[bytes], address_text: str) -> None:
        address = socket_address(address_text) if address_text else None
        socket = process.sockets.get(fd) if fd is not None else None
        port = address[2] if address else (socket.port if socket else None)
        where = address[1] if address else (socket.address if socket else "")
        if port == 53 and where.startswith("127."):
            for payload in payloads:
                if name := dns_question(payload):
                    self.trace.add(
                        self.trace.contacts, "contact", Contact("dns", process.program, name, None, "name")
                    )
        elif address is not None and address[0] != "unix":
            self._contact(process, "send", address)
        ignored = socket is not None and socket.address in IGNORED_SOCKETS
        if self.marks and not ignored and any(mark in payload for payload in payloads for mark in self.marks):
            self._secret_sent(f"{process.program} (sent)")

    def _sendmsg(self, process: _Process, call: _Call) -> None:
        message = call.arg(1)
        data = [unescape(m.group(1)) for m in re.finditer(r'iov_base="((?:[^"\\]|\\.)*)"', message)]
        name = re.search(r"msg_name=(\{.*?\})", message)
        self._sent(process, call.fd(0), data, name.group(1) if name else "")

    def _sendto(self, process: _Process, call: _Call) -> None:
        payload = _STRING.match(call.arg(1))
        self._sent(process, call.fd(0), [unescape(payload.group(1))] if payload else [], call.arg(4))

    def _bind(self, process: _Process, call: _Call) -> None:
        fd, address = call.fd(0), socket_address(call.arg(1))
        if fd is not None and address is not None and address[0] != "unix":
            process.sockets[fd] = Contact("listen", process.program, address[1], address[2], address[0])

    def _listen(self, process: _Process, call: _Call) -> None:
        fd = call.fd(0)
        if fd is not None and (bound := process.sockets.get(fd)) is not None and bound.kind == "listen":
            self.trace.add(self.trace.contacts, "contact", bound)

    def _kill(self, process: _Process, call: _Call) -> None:
        if call.arg(0).split(" ")[0] in ("-1", "1"):
            self.trace.kill_all += 1

    def _secret_sent(self, where: str) -> None:
        if where not in self.trace.secrets_sent:
            self.trace.secrets_sent.append(where)


_HANDLERS = {
    "clone": TraceParser._clone,
    "clone3": TraceParser._clone,
    "fork": TraceParser._clone,
    "vfork": TraceParser._clone,
    "execve": lambda self, p, c: self._exec(p, c, 0),
    "execveat": lambda self, p, c: self._exec(p, c, 1),
    "openat": lambda self, p, c: self._open(p, c.arg(1), c.arg(0), c.arg(2), c.value),
    "openat2": lambda self, p, c: self._open(p, c.arg(1), c.arg(0), c.arg(2), c.value),
    "open": lambda self, p, c: self._open(p, c.arg(0), "AT_FDCWD", c.arg(1), c.value),
    "creat": lambda self, p, c: self._open(p, c.arg(0), "AT_FDCWD", "O_CREAT|O_WRONLY|O_TRUNC", c.value),
    "unlink": lambda self, p, c: self._delete(p, c.string(0), "AT_FDCWD", c),
    "rmdir": lambda self, p, c: self._delete(p, c.string(0), "AT_FDCWD", c),
    "unlinkat": lambda self, p, c: self._delete(p, c.string(1), c.arg(0), c),
    "rename": lambda self, p, c: self._rename(p, c.string(0), "AT_FDCWD", c.string(1), "AT_FDCWD", c.ok),
    "renameat": lambda self, p, c: self._rename(p, c.string(1), c.arg(0), c.string(3), c.arg(2), c.ok),
    "renameat2": lambda self, p, c: self._rename(p, c.string(1), c.arg(0), c.string(3), c.arg(2), c.ok),
    "symlink": lambda self, p, c: self._symlink(p, c.string(0), c.string(1), "AT_FDCWD", c.ok),
    "symlinkat": lambda self, p, c: self._symlink(p, c.string(0), c.string(2), c.arg(1), c.ok),
    "link": lambda self, p, c: self._hard_link(p, c.string(0), "AT_FDCWD", c.string(1), "AT_FDCWD", c.ok),
    "linkat": lambda self, p, c: self._hard_link(p, c.string(1), c.arg(0), c.string(3), c.arg(2), c.ok),
    "truncate": lambda self, p, c: self._path_op(p, "write", c.string(0), "AT_FDCWD", c.ok, follow=True),
    "mknodat": lambda self, p, c: self._path_op(p, "write", c.string(1), c.arg(0), c.ok),
    "chmod": lambda self, p, c: self._chmod(p, self._resolved(p, c.string(0), "AT_FDCWD"), c.arg(1), c.ok),
    "fchmodat": lambda self, p, c: self._chmod(p, self._resolved(p, c.string(1), c.arg(0)), c.arg(2), c.ok),
    "fchmod": lambda self, p, c: self._chmod(p, p.fds.get(c.fd(0) or -1), c.arg(1), c.ok),
    "chdir": lambda self, p, c: self._chdir(p, self._resolved(p, c.string(0), "AT_FDCWD"), c.ok),
    "fchdir": lambda self, p, c: self._chdir(p, p.fds.get(c.fd(0) or -1, "/?"), c.ok),
    "dup": TraceParser._dup,
    "dup2": TraceParser._dup,
    "dup3": TraceParser._dup,
    "fcntl": lambda self, p, c: (
        self._dup(p, _Call(c.args[:1], c.value, c.error, c.tail)) if "F_DUPFD" in c.arg(1) else None
    ),
    "connect": TraceParser._connect,
    "sendto": TraceParser._sendto,
    "sendmsg": TraceParser._sendmsg,
    "sendmmsg": TraceParser._sendmsg,
    "bind": TraceParser._bind,
    "listen": TraceParser._listen,
    "kill": TraceParser._kill,
}


def socket_address(text: str) -> tuple[str, str, int | None] | None:
    """(family, address, port) of a socket address as strace prints it; None for other families."""
    if "AF_UNIX" in text:
        match = _SUN_PATH.search(text)
        return ("unix", match.group(1) + decoded(match.group(2)), None) if match else None
    port_match = _SIN_PORT.search(text)
    port = int(port_match.group(1)) if port_match else None
    if "AF_INET6" in text:
        match = _SIN6_ADDR.search(text)
        return ("inet6", match.group(1), port) if match else None
    if "AF_INET" in text:
        match = _SIN_ADDR.search(text)
        return ("inet", match.group(1), port) if match else None
    return None


def _parents(pid: int) -> tuple[int | None, int | None]:
    """(parent pid, thread group) of a host pid from /proc, or Nones once it has exited."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            fields = dict(line.split(b":", 1) for line in status.read().splitlines() if b":" in line)
        return int(fields[b"PPid"]), int(fields[b"Tgid"])
    except (OSError, KeyError, ValueError):
        return None, None


def dns_question(payload: bytes) -> str:
    """The name asked for in a DNS query packet ('' when it is not one)."""
    if len(payload) < 17:
        return ""
    labels, index = [], 12
    while index < len(payload):
        length = payload[index]
        if length == 0:
            break
        if length > 63 or index + 1 + length > len(payload):
            return ""
        labels.append(payload[index + 1 : index + 1 + length].decode("ascii", "replace"))
        index += 1 + length
    return ".".join(labels)
