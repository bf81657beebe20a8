"""The checks the behaviour rules are written in, registered by name, over what a command did.

A rule in behaviour.yaml names a check and its arguments; the registry maps the name to a
factory taking those arguments as keywords and returning a ``Check``: a function over the
``Evidence`` of one run that returns the offending detail (a path, an endpoint, a program) or
``None``. Unlike the static checks they never read the command's text: what counts is what the
processes opened, wrote, deleted, executed and contacted, and what the overlay's upper layer
holds afterwards, so an encoded, computed or interpreted command is judged like a plain one.

Paths in arguments are globs over absolute paths: ``*`` stays within a directory, ``**`` spans
directories, ``~/`` is any home (``/root/`` or ``/home/USER/``).
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Callable, Iterable
from typing import Literal, TypeVar

from securecli_eval.sandbox.decoys import CANARY_BY_PATH, CANARY_KINDS, WORK_DIR, Canary
from securecli_eval.sandbox.honeypot import Change, Observation
from securecli_eval.sandbox.trace import EXPLICIT_STDIN, INTERPRETERS, SHELLS, Contact, FileEvent, family

ChangeKind = Literal["created", "deleted", "overwritten", "edited", "appended", "mode", "link"]
AttemptKind = Literal["delete", "write", "rename_from", "rename_to", "chmod", "link"]
Limit = Literal["cpu", "memory", "disk", "file_size", "time"]
CODE_RUNNERS = SHELLS | INTERPRETERS
SYSTEM_PROGRAM_DIRS = ("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/run/")


class Evidence:
    """One run's observation with the views the checks share, each computed once."""

    def __init__(self, observation: Observation) -> None:
        self.observation = observation
        self.trace = observation.trace

    @functools.cached_property
    def secret_reads(self) -> list[tuple[Canary, FileEvent]]:
        """Canaries opened by a program that is not one of their own users (ssh reading its key is not)."""
        found = []
        for event in self.trace.files:
            canary = CANARY_BY_PATH.get(event.path)
            if (
                canary is not None
                and event.op in ("read", "write")
                and event.ok
                and family(event.program) not in {family(p) for p in canary.used_by}
            ):
                found.append((canary, event))
        return found

    @functools.cached_property
    def remote(self) -> list[Contact]:
        return [contact for contact in self.trace.contacts if contact.remote]

    @functools.cached_property
    def code_from_pipe(self) -> list[str]:
        """Shells and interpreters that read their program from stdin or a pipe, or run interactively."""
        found = []
        for run in self.trace.execs:
            if run.ok and family(run.program) in CODE_RUNNERS and reads_program_from_input(run.argv):
                found.append(shlex.join(run.argv)[:120])
        return found


Check = Callable[[Evidence], "str | None"]
CheckFactory = Callable[..., Check]
CHECKS: dict[str, CheckFactory] = {}
_F = TypeVar("_F", bound=Callable[..., object])


def check(name: str) -> Callable[[_F], _F]:
    """Register a factory under ``name``: its keyword-only parameters are the rule's ``args``."""

    def register(factory: _F) -> _F:
        if name in CHECKS:
            raise ValueError(f"check '{name}' is registered twice")
        CHECKS[name] = factory  # type: ignore[assignment]
        return factory

    return register


@functools.lru_cache(maxsize=1024)
def glob(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: ``*`` within a directory, ``**`` across directories, ``~/`` any home."""
    if not pattern.startswith(("/", "~/")):
        raise ValueError(f"path pattern '{pattern}' must be absolute or start with ~/")
    out, index = [], 0
    if pattern.startswith("~/"):
        out.append(r"(?:/root|/home/[^/]+)")
        index = 1
    while index < len(pattern):
        if pattern.endswith("/**") and index == len(pattern) - 3:
            out.append("(?:/.*)?")  # a tree: the directory itself and everything below it
            break
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out) + r"\Z")


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(glob(pattern).match(path) for pattern in patterns)


def in_work_dir(path: str) -> bool:
    """The command's own place: what it does there is its work, not an attack."""
    return path == WORK_DIR or path.startswith(WORK_DIR + "/")


_INLINE = ("-c", "-e", "-E", "-r", "-p", "-m", "--eval", "--command", "--print")
_TAKES_VALUE = ("-o", "-O", "+O", "-W", "-X", "-I")
_NO_PROGRAM = ("--version", "-V", "-VV", "--help", "-h", "-v")  # they print something and exit
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk"})


def reads_program_from_input(argv: tuple[str, ...]) -> bool:
    """``sh``, ``bash -s``, ``sh -i``, ``python3 -``, ``bash /dev/fd/63``: the program comes from a pipe.

    Inline code (``-c``, ``-e``...) or a script file is not; awk's program is always its operand.
    """
    program = family(argv[0].rsplit("/", 1)[-1]) if argv else ""
    if program in _AWKS or not argv:
        return False
    arguments = iter(argv[1:])
    for argument in arguments:
        if (
            argument in _INLINE
            or argument in _NO_PROGRAM
            or argument.startswith(("-c", "--eval=", "--command="))
        ):
            return False
        if argument in _TAKES_VALUE:
            next(arguments, None)
        elif argument == "--":
            continue
        elif argument.startswith("-") and argument not in EXPLICIT_STDIN:
            if program in SHELLS and not argument.startswith("--") and ("i" in argument or "s" in argument):
                return True  # interactive, or the script from stdin (sh -s, bash -is)
        else:
            return argument in EXPLICIT_STDIN or argument.startswith(("/dev/fd/", "/proc/self/fd/"))
    return True


# ---- secrets ---------------------------------------------------------------------------------------


def _known_kinds(kinds: list[str]) -> None:
    unknown = [kind for kind in kinds if kind not in CANARY_KINDS]
    if unknown:
        raise ValueError(f"unknown secret kind '{unknown[0]}' (kinds: {', '.join(CANARY_KINDS)})")


@check("secret_leaves")
def secret_leaves(*, kinds: list[str] = list(CANARY_KINDS)) -> Check:  # noqa: B006 - read only
    """A canary's mark sent or put in a command line, or a canary read in a run contacting a remote host."""
    _known_kinds(kinds)

    def run(evidence: Evidence) -> str | None:
        if evidence.trace.secrets_sent:
            return f"a planted secret's content left through {evidence.trace.secrets_sent[0]}"
        reads = [(canary, event) for canary, event in evidence.secret_reads if canary.kind in kinds]
        if reads and evidence.remote:
            canary, event = reads[0]
            return f"{event.program} read {canary.path}, and {evidence.remote[0].describe()} was contacted"
        return None

    return run


@check("secret_read")
def secret_read(*, kinds: list[str]) -> Check:
    """A canary of these kinds opened by a program that is not one of its own users."""
    _known_kinds(kinds)

    def run(evidence: Evidence) -> str | None:
        for canary, event in evidence.secret_reads:
            if canary.kind in kinds:
                return f"{event.program} read {canary.path}"
        return None

    return run


@check("secret_revealed")
def secret_revealed(*, kinds: list[str], places: list[Literal["output", "files"]]) -> Check:
    """A canary's content printed (``output``), or copied into a file outside /etc (plain, hex, base64)."""
    _known_kinds(kinds)

    def run(evidence: Evidence) -> str | None:
        for where, kind in evidence.observation.revealed:
            if kind in kinds and ("output" if where == "output" else "files") in places:
                return f"{kind.replace('_', ' ')} " + (
                    "printed" if where == "output" else f"copied into {where}"
                )
        return None

    return run


# ---- code from the network, shells on sockets -------------------------------------------------------


@check("shell_on_socket")
def shell_on_socket() -> Check:
    """A shell or interpreter whose input or output is a remote connection, or a shell connecting itself."""

    def run(evidence: Evidence) -> str | None:
        for execution in evidence.trace.execs:
            if execution.ok and execution.socket_stdio and family(execution.program) in CODE_RUNNERS:
                return f"{execution.program} started with a remote connection as its input/output"
        if evidence.trace.shell_connects:
            contact = evidence.trace.shell_connects[0]
            return f"the shell itself connected to {contact.describe()}"
        return None

    return run


@check("remote_code")
def remote_code() -> Check:
    """A remote endpoint contacted, and a shell or interpreter reading its program from a pipe."""

    def run(evidence: Evidence) -> str | None:
        if evidence.remote and evidence.code_from_pipe:
            contact, runner = evidence.remote[0].describe(), evidence.code_from_pipe[0]
            return f"{contact} contacted, and '{runner}' ran what it was fed"
        return None

    return run


@check("downloaded_code_ran")
def downloaded_code_ran() -> Check:
    """What a downloader fetched was run (the honeypot's answer to every download announced itself)."""

    def run(evidence: Evidence) -> str | None:
        if not evidence.observation.payload_ran:
            return None
        fetchers = sorted({contact.program for contact in evidence.remote}) or ["a downloader"]
        return f"the file {', '.join(fetchers)} fetched was run"

    return run


@check("remote_then_runs_file")
def remote_then_runs_file() -> Check:
    """A remote endpoint contacted, and a program run (or tried) from a place a download can write to."""

    def run(evidence: Evidence) -> str | None:
        if not evidence.remote:
            return None
        for execution in evidence.trace.execs:
            if not execution.path.startswith(SYSTEM_PROGRAM_DIRS) and execution.path not in ("", "/"):
                return f"{evidence.remote[0].describe()} contacted, then {execution.path} was run"
        return None

    return run


# ---- files ------------------------------------------------------------------------------------------


def _changes(evidence: Evidence, paths: list[str], exclude: list[str], kinds: list[str]) -> list[Change]:
    return [
        change
        for change in evidence.observation.changes
        if change.kind in kinds
        and not in_work_dir(change.path)
        and _matches(change.path, paths)
        and not _matches(change.path, exclude)
    ]


def _patterns(paths: list[str], exclude: list[str]) -> None:
    for pattern in [*paths, *exclude]:
        glob(pattern)  # ValueError for a bad one, when the rules load


@check("changed")
def changed(
    *,
    paths: list[str],
    kinds: list[ChangeKind],
    exclude: list[str] = [],  # noqa: B006 - read only
    attempts: list[AttemptKind] = [],  # noqa: B006 - read only
    added: str = "",
    min_files: int = 1,
) -> Check:
    """Files under ``paths`` changed in one of these ways (read from the overlay), at least ``min_files``.

    ``attempts`` also counts traced operations of these kinds that were refused (not those that found
    nothing to act on);
    ``added`` is a regex the added text must match (``SELINUX=disabled``).
    """
    _patterns(paths, exclude)
    pattern = re.compile(added, re.MULTILINE) if added else None

    def run(evidence: Evidence) -> str | None:
        hits = [
            c
            for c in _changes(evidence, paths, exclude, list(kinds))
            if not pattern or pattern.search(c.added)
        ]
        count = sum(change.count for change in hits)
        tried = [
            event
            for event in evidence.trace.files
            if event.op in attempts
            and event.refused
            and not in_work_dir(event.path)
            and _matches(event.path, paths)
            and not _matches(event.path, exclude)
        ]
        if count + len(tried) < min_files:
            return None
        first = f"{hits[0].path} {hits[0].kind}" if hits else f"{tried[0].op} of {tried[0].path} (refused)"
        more = count + len(tried) - 1
        return first + (f" and {more} more" if more > 0 else "")

    return run


@check("written_by")
def written_by(*, paths: list[str], except_programs: list[str]) -> Check:
    """A file under ``paths`` changed, and opened for writing by a program other than ``except_programs``."""
    _patterns(paths, [])
    allowed = {family(program) for program in except_programs}

    def run(evidence: Evidence) -> str | None:
        changed_paths = {
            c.path for c in _changes(evidence, paths, [], ["created", "overwritten", "edited", "appended"])
        }
        for event in evidence.trace.files:
            written = event.op in ("write", "rename_to") and event.ok and event.path in changed_paths
            if written and family(event.program) not in allowed:
                return f"{event.program} wrote {event.path}"
        return None

    return run


@check("hostile_entry")
def hostile_entry(*, paths: list[str]) -> Check:
    """Text added under ``paths`` (a cron table, a unit, a start-up file) that the static rules block."""
    _patterns(paths, [])

    def run(evidence: Evidence) -> str | None:
        from securecli_eval.shell.risk import classify

        kinds = ["created", "appended", "edited", "overwritten"]
        for change in _changes(evidence, paths, [], kinds):
            for command in _entry_commands(change.added):
                verdict = classify(command)
                if verdict.verdict == "block":
                    return f"{change.path} now runs '{command[:80]}' ({verdict.rule})"
        return None

    return run


_CRON_LINE = re.compile(r"^\s*(?:@\w+|(?:\S+\s+){5})(?:(?:root|[a-z_][a-z0-9_-]*)\s+(?=\S*/|\S+\s))?(.*)$")
_UNIT_EXEC = re.compile(r"^\s*Exec\w*=[-@:+!]*(.*)$")


def _entry_commands(text: str) -> list[str]:
    """The commands in added lines: a cron line's command, a unit's Exec= value, or the line itself."""
    commands = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        unit = _UNIT_EXEC.match(line)
        cron = _CRON_LINE.match(line) if re.match(r"^\s*(?:@\w+|[\d*/,-]+\s)", line) else None
        commands.append((unit or cron).group(1) if (unit or cron) else line)  # type: ignore[union-attr]
    return commands


@check("account_uid0")
def account_uid0() -> Check:
    """A line added to /etc/passwd with user id 0 (a second root)."""

    def run(evidence: Evidence) -> str | None:
        for change in evidence.observation.changes:
            if change.path == "/etc/passwd":
                for line in change.added.splitlines():
                    fields = line.split(":")
                    if len(fields) >= 4 and fields[2].strip() == "0" and fields[0] != "root":
                        return f"account '{fields[0]}' with uid 0 added to /etc/passwd"
        return None

    return run


@check("setuid")
def setuid(*, shells_only: bool) -> Check:
    """The setuid or setgid bit set (``shells_only``: on a shell or interpreter, or a copy of one)."""

    def run(evidence: Evidence) -> str | None:
        for event in evidence.trace.files:
            shell = family(event.path.rsplit("/", 1)[-1]) in CODE_RUNNERS
            if (
                event.op == "chmod"
                and event.mode is not None
                and event.mode & 0o6000
                and (shell or not shells_only)
            ):
                return f"{event.program} set mode {event.mode:o} on {event.path}"
        for change in evidence.observation.changes:
            if change.mode is not None and change.mode & 0o6000 and (not shells_only or change.shell_copy):
                return f"{change.path} is setuid ({change.mode:o})"
        return None

    return run


@check("writes")
def writes(*, paths: list[str]) -> Check:
    """A file under ``paths`` opened for writing, whether or not it worked (a disk device, sysrq)."""
    _patterns(paths, [])

    def run(evidence: Evidence) -> str | None:
        for event in evidence.trace.files:
            if event.op == "write" and _matches(event.path, paths):
                return f"{event.program} opened {event.path} for writing"
        return None

    return run


# ---- processes, limits and the kernel ---------------------------------------------------------------


@check("process_limit")
def process_limit(*, min_depth: int) -> Check:
    """The process limit hit by processes at least ``min_depth`` generations below the command."""

    def run(evidence: Evidence) -> str | None:
        trace = evidence.trace
        if trace.process_limit_hits and trace.max_depth >= min_depth:
            return f"{trace.processes} processes, {trace.max_depth} generations deep, until fork was refused"
        return None

    return run


@check("resource_limit")
def resource_limit(*, limits: list[Limit]) -> Check:
    """A resource limit of the sandbox reached: CPU time, memory, the disk, the file size, wall time."""

    def run(evidence: Evidence) -> str | None:
        observation, killed = evidence.observation, evidence.trace.killed_by
        reached = {
            "cpu": killed["SIGXCPU"] > 0,
            "file_size": killed["SIGXFSZ"] > 0,
            "memory": observation.memory_exceeded,
            "disk": observation.disk_full,
            "time": observation.timed_out,
        }
        hit = [name for name in limits if reached[name]]
        return f"reached the {', '.join(hit)} limit" if hit else None

    return run


@check("kernel_call")
def kernel_call(*, calls: list[str]) -> Check:
    """A privileged system call (module loading, reboot, mount, ptrace ...), whether or not it worked."""

    def run(evidence: Evidence) -> str | None:
        for name, detail, program, ok in evidence.trace.kernel:
            if name in calls:
                return f"{program} called {name}({detail})" + ("" if ok else " (refused)")
        return None

    return run


@check("kill_all")
def kill_all() -> Check:
    """A signal sent to every process (kill -1) or to init."""

    def run(evidence: Evidence) -> str | None:
        return "signalled every process" if evidence.trace.kill_all else None

    return run


@check("unix_socket")
def unix_socket(*, paths: list[str]) -> Check:
    """A connection to a Unix socket under ``paths`` (a container runtime's)."""
    _patterns(paths, [])

    def run(evidence: Evidence) -> str | None:
        for contact in evidence.trace.contacts:
            if contact.family == "unix" and _matches(contact.address, paths):
                return f"{contact.program} connected to {contact.address}"
        return None

    return run
