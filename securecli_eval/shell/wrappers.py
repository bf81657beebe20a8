"""Programs that run another command: what they run, as an argument vector or as shell code.

``sudo rm -rf /``, ``systemd-run rm -rf /``, ``tmux new -d 'rm -rf /'``, ``git -c alias.x='!rm -rf /' x``,
``vim -c ':!rm -rf /'`` and ``tar --checkpoint-action=exec='rm -rf /'`` all run ``rm``. Wrappers
that only take options before the command are data (``wrappers`` in vocabulary.yaml: the options
that take a value); the ones with their own syntax have a reader here. ``runs`` returns what a
command starts, and ``parse.py`` walks it like any other command, under the wrapper's name.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from typing import NamedTuple

from securecli_eval.shell.paths import named_under
from securecli_eval.shell.vocabulary import vocabulary

SHELLS = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox-sh", "fish", "csh", "tcsh", "rbash"}
)


class Inner(NamedTuple):
    """What a wrapper runs: an argument vector (``argv``) or a string of shell code (``code``).

    ``label`` names the wrapper in the inner command's ``wrappers``; ``keep_outer`` keeps the
    wrapper as a command of its own too (``find`` also deletes, ``nsenter`` also enters).
    """

    argv: tuple[str, ...] = ()
    code: str | None = None
    label: str = ""
    keep_outer: bool = False
    positional: tuple[str, ...] | None = None  # $0 $1 ... of ``sh -c CODE NAME ARG...``
    cwd: str | None = None  # the directory it runs in, when the wrapper changes it (``env -C /``)


_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_CHANGES_DIRECTORY = {"env": ("-C", "--chdir"), "sudo": ("-D", "--chdir"), "unshare": ("--wd",)}
_SHELL_C = re.compile(r"^-[a-zA-Z]*c[a-zA-Z]*$")


def skip_options(args: Sequence[str], value_options: frozenset[str]) -> list[str]:
    """``args`` from the first operand on: options (and the values of ``value_options``) skipped."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return list(args[index + 1 :])
        if not arg.startswith("-") or arg == "-":
            return list(args[index:])
        if arg in value_options or (
            len(arg) > 2 and not arg.startswith("--") and f"-{arg[-1]}" in value_options and arg[1:].isalpha()
        ):
            index += 1  # the option takes the next word (also at the end of a bundle: -dmS NAME)
        index += 1
    return []


def option_values(args: Sequence[str], names: Sequence[str]) -> list[str]:
    """Values of ``-o VALUE``, ``-oVALUE``, ``--opt=VALUE`` and ``--opt VALUE`` for ``names``."""
    values: list[str] = []
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                values.append(args[index + 1])
            elif name.startswith("--") and arg.startswith(name + "="):
                values.append(arg.split("=", 1)[1])
            elif len(name) == 2 and not arg.startswith("--") and arg.startswith(name) and len(arg) > 2:
                values.append(arg[2:])
    return values


def short_option(args: Sequence[str], letter: str, value_letters: str) -> list[str]:
    """Values of a short option inside bundles too: ``-sLo FILE``, ``-qO-``, ``-qc CMD``."""
    values: list[str] = []
    for index, arg in enumerate(args):
        if not arg.startswith("-") or arg.startswith("--") or len(arg) < 2:
            continue
        for position, char in enumerate(arg[1:], start=1):
            if char == letter:
                rest = arg[position + 1 :]
                if rest:
                    values.append(rest)
                elif index + 1 < len(args):
                    values.append(args[index + 1])
                break
            if char in value_letters:
                break
    return values


def has_short(args: Sequence[str], letter: str, value_letters: str) -> bool:
    """The short option ``-letter`` is given, alone or in a bundle."""
    for arg in args:
        if arg.startswith("-") and not arg.startswith("--"):
            for char in arg[1:]:
                if char == letter:
                    return True
                if char in value_letters:
                    break
    return False


def shell_code(program: str, args: Sequence[str]) -> str | None:
    """The code of ``sh -c CODE`` (any shell, bundled flags like ``-lc``), ``su -c``, or None."""
    if program not in SHELLS and program not in ("su", "runuser", "sg"):
        return None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if _SHELL_C.match(arg) or arg == "--command":
            return args[index + 1] if index + 1 < len(args) else None
        if arg.startswith("--command="):
            return arg.split("=", 1)[1]
    return None


def opens_shell(program: str, args: Sequence[str]) -> bool:
    """``su``, ``sudo -s``, ``sudo -i``, ``doas -s``, ``pkexec``: a shell that reads commands from stdin."""
    if program in ("su", "runuser", "sg"):
        return shell_code(program, args) is None and program == "su"
    if program in ("sudo", "doas"):
        wants_shell = any(
            a in ("-s", "-i", "--shell", "--login") or re.fullmatch(r"-[a-zA-Z]*[si][a-zA-Z]*", a)
            for a in args
        )
        values = vocabulary().wrappers.get(program, frozenset())
        return wants_shell and not skip_options(args, values)
    return program == "pkexec" and not args


def runs(program: str, args: Sequence[str]) -> list[Inner]:
    """The commands ``program args`` starts (empty when it starts none that can be read)."""
    if program == "command" and args[:1] and args[0] in ("-v", "-V"):
        return []  # `command -v x` looks x up, it does not run it
    reader = _READERS.get(program)
    if reader is not None:
        return reader(program, list(args))
    code = shell_code(program, args)
    if code is not None:
        after = list(args[list(args).index(code) + 1 :]) if code in args else []
        return [Inner(code=code, label=f"{program} -c", positional=tuple(after) if after else None)]
    values = vocabulary().wrappers.get(program)
    if values is None:
        return []
    rest = skip_options(args, values)
    directories = option_values(args[: len(args) - len(rest)], _CHANGES_DIRECTORY.get(program, ()))
    while rest and _ENV_ASSIGNMENT.match(rest[0]):
        rest = rest[1:]
    if program == "env":
        split = option_values(args, ("-S", "--split-string"))
        if split:  # env -S splits its string as a shell would, quotes included
            try:
                words = shlex.split(split[0])
            except ValueError:
                words = split[0].split()
            rest = words + rest
    if program in ("sudo", "doas") and not rest:
        return []
    return (
        [Inner(argv=tuple(rest), label=program, cwd=directories[-1] if directories else None)] if rest else []
    )


# ---- wrappers with their own syntax ------------------------------------------------------------------

_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def find_roots(args: Sequence[str]) -> list[str]:
    """Starting points of a ``find`` command (the operands before the first expression)."""
    roots: list[str] = []
    for arg in args:
        if arg in ("-H", "-L", "-P") or arg.startswith(("-O", "-D")):
            continue
        if arg.startswith("-") or arg in ("(", "!", "\\(", "\\!", ","):
            break
        roots.append(arg)
    return roots or ["."]


_MATCHES_ALL = frozenset({"*", "*.*", "**", ".*", "/*", "*/*"})
_FIND_SELECTS_NOTHING_OUT = frozenset(  # options, actions and operators: they keep every file
    {"-type", "-xtype", "-print", "-print0", "-printf", "-fprint", "-ls", "-fls", "-maxdepth", "-mindepth"}
    | {"-xdev", "-mount", "-depth", "-follow", "-daystart", "-noleaf", "-ignore_readdir_race", "-nowarn"}
    | {
        "-warn",
        "-regextype",
        "-o",
        "-or",
        "-a",
        "-and",
        "-not",
        "!",
        "(",
        ")",
        "\\(",
        "\\)",
        "-true",
        "-prune",
    }
    | {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-quit", "-H", "-L", "-P", ","}
)
_FIND_VALUES = frozenset(
    {"-type", "-xtype", "-maxdepth", "-mindepth", "-printf", "-fprint", "-fls", "-regextype"}
)


def find_selects_everything(args: Sequence[str], before: int | None = None) -> bool:
    """No test that selects some files (name, time, size, owner, permission...) before ``before``.

    Options and actions keep every file, and so does a name pattern matching everything (``-name '*'``).
    """
    selected = list(args[: len(args) if before is None else before])
    index = len(find_roots(selected)) if selected and not selected[0].startswith("-") else 0
    while index < len(selected):
        arg = selected[index]
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            while index < len(selected) and selected[index] not in (";", "+", "\\;"):
                index += 1
        elif arg in _FIND_VALUES:
            index += 1
        elif arg in ("-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"):
            value = selected[index + 1] if index + 1 < len(selected) else ""
            if value not in _MATCHES_ALL:
                return False
            index += 1
        elif arg.startswith("-") and arg not in _FIND_SELECTS_NOTHING_OUT:
            return False  # a test: -newer, -mtime, -size, -user, -perm, -used, -empty ...
        index += 1
    return True


def found(root: str, everything: bool) -> str:
    """The path standing for what ``find ROOT`` selects: ``ROOT/**`` (every file) or ``ROOT/FOUND``.

    A root that is only a variable the script never set stands for nothing known (bash gives find an
    empty root, which it rejects, or none, and it searches the working directory): ``ROOT/FOUND``.
    """
    if re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", root):
        return root + "/FOUND"
    base = root.rstrip("/") or "/"
    return (base.rstrip("/") + "/**") if everything else (base.rstrip("/") + "/FOUND")


_NAME_TESTS = {"-name": (False, False), "-iname": (False, True), "-path": (True, False)}
_NAME_TESTS |= {"-ipath": (True, True), "-wholename": (True, False), "-iwholename": (True, True)}


def find_named(args: Sequence[str], before: int | None = None) -> list[str]:
    """The critical or secret paths a ``find`` that selects by name only can match under its roots
    (``find / -maxdepth 1 -name etc`` selects ``/etc``, ``find /lib -name 'libc.so*'`` the C library).

    Empty when another test narrows the selection (time, size, owner...) or a name test is negated:
    then what it selects is not known, and ``ROOT/FOUND`` stands for it.
    """
    selected = list(args[: len(args) if before is None else before])
    roots = find_roots(selected)
    index = len(roots) if selected and not selected[0].startswith("-") else 0
    names: list[tuple[str, bool, bool]] = []
    maxdepth: int | None = None
    kind: str | None = None
    negated = False
    while index < len(selected):
        arg = selected[index]
        value = selected[index + 1] if index + 1 < len(selected) else ""
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            while index < len(selected) and selected[index] not in (";", "+", "\\;"):
                index += 1
        elif arg in _NAME_TESTS:
            if negated:
                return []
            names.append((value, *_NAME_TESTS[arg]))
            index += 1
        elif arg in ("!", "-not", "\\!"):
            negated = True
            index += 1
            continue
        elif arg == "-maxdepth":
            maxdepth = int(value) if value.isdigit() else None
            index += 1
        elif arg in ("-type", "-xtype"):
            kind = value
            index += 1
        elif arg in _FIND_VALUES:
            index += 1
        elif arg.startswith("-") and arg not in _FIND_SELECTS_NOTHING_OUT:
            return []
        negated = False
        index += 1
    candidates: list[str] = []
    for root in roots:
        for pattern, whole_path, fold in names:
            candidates.extend(
                named_under(
                    root, pattern, whole_path=whole_path, ignore_case=fold, maxdepth=maxdepth, kind=kind
                )
            )
    return list(dict.fromkeys(candidates))


def find_selection(args: Sequence[str], before: int | None = None) -> list[str]:
    """Paths standing for what ``find`` selects: ``ROOT/**`` when nothing narrows it; otherwise
    ``ROOT/FOUND`` and the critical paths its name tests can match (``find_named``)."""
    everything = find_selects_everything(args, before)
    selection = [found(root, everything) for root in find_roots(args)]
    return selection if everything else [*find_named(args, before), *selection]


def _find(program: str, args: list[str]) -> list[Inner]:
    inners: list[Inner] = []
    for index, arg in enumerate(args):
        if arg not in _FIND_EXEC:
            continue
        end = index + 1
        while end < len(args) and args[end] not in (";", "+", "\\;"):
            end += 1
        inner = args[index + 1 : end]
        if not inner:
            continue
        replacement = find_selection(args, index)  # resolved later against the cwd
        expanded: list[str] = []
        for word in inner:
            if word == "{}":
                expanded.extend(replacement)
            else:
                expanded.append(word.replace("{}", replacement[0]))
        inners.append(Inner(argv=tuple(expanded), label=f"find {arg}", keep_outer=True))
    if "-delete" in args:  # files its name tests select are deleted (a directory only when empty)
        files = [
            p for p in find_named(args, args.index("-delete")) if p not in vocabulary().paths["critical_dirs"]
        ]
        if files:
            inners.append(Inner(argv=("rm", "-f", *files), label="find -delete", keep_outer=True))
    return inners


_XARGS_VALUES = frozenset({"-I", "-i", "-n", "-P", "-d", "-a", "-E", "-e", "-L", "-l", "-s", "--max-args"})
_XARGS_VALUES |= frozenset({"--max-procs", "--arg-file", "--delimiter", "--replace", "--eof", "--max-lines"})


def xargs_command(args: Sequence[str]) -> list[str]:
    """The command xargs runs (``echo`` when none is given), without xargs' own options."""
    return skip_options([a for a in args if not re.match(r"^-[inPdaELls]\S", a)], _XARGS_VALUES) or ["echo"]


def _xargs(program: str, args: list[str]) -> list[Inner]:
    return [Inner(argv=tuple(xargs_command(args)), label="xargs")]


def xargs_replace(args: Sequence[str]) -> str | None:
    """The replace-string of ``xargs -I{}`` / ``-i`` (``{}``), or None when words are appended."""
    values = option_values(args, ("-I", "--replace"))
    if values:
        return values[0]
    if any(a == "-i" or a.startswith("--replace") for a in args):
        return "{}"
    return None


def xargs_delimiter(args: Sequence[str]) -> str | None:
    """``\\0`` for ``-0``, the ``-d`` character, or None for blank-separated words."""
    if any(
        a in ("-0", "--null") or (a.startswith("-") and not a.startswith("--") and "0" in a[1:2])
        for a in args
    ):
        return "\0"
    values = option_values(args, ("-d", "--delimiter"))
    return values[0].encode().decode("unicode_escape")[:1] if values else None


def _timeout(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, frozenset({"-s", "-k", "--signal", "--kill-after"}))
    return [Inner(argv=tuple(rest[1:]), label=program)] if len(rest) > 1 else []


def _first_operand_then_command(program: str, args: list[str]) -> list[Inner]:
    """``taskset MASK cmd``, ``chrt PRIO cmd``, ``chroot DIR cmd``, ``sg GROUP cmd``: skip one operand."""
    values = frozenset({"--userspec", "--groups"}) if program == "chroot" else frozenset()
    rest = skip_options(args, values)
    if program == "taskset" and any(a in ("-p", "--pid") for a in args):
        return []
    return [Inner(argv=tuple(rest[1:]), label=program)] if len(rest) > 1 else []


def _flock(program: str, args: list[str]) -> list[Inner]:
    code = option_values(args, ("-c", "--command"))
    if code:
        return [Inner(code=code[0], label="flock -c")]
    rest = skip_options(args, frozenset({"-w", "-E", "--timeout", "--conflict-exit-code"}))
    return [Inner(argv=tuple(rest[1:]), label="flock")] if len(rest) > 1 else []


def _stdbuf(program: str, args: list[str]) -> list[Inner]:
    rest = [a for a in args if not re.match(r"^-[ioe]\S|^--(input|output|error)=", a)]
    rest = skip_options(rest, frozenset({"-i", "-o", "-e"}))
    return [Inner(argv=tuple(rest), label="stdbuf")] if rest else []


def _su(program: str, args: list[str]) -> list[Inner]:
    code = shell_code(program, args)
    if code is not None:
        return [Inner(code=code, label=f"{program} -c")]
    if program in ("runuser", "sg"):
        rest = skip_options(args, frozenset({"-u", "-g", "-G", "--user", "--group"}))
        if program == "sg":
            rest = rest[1:]
        elif any(a in ("-u", "--user") for a in args):
            pass
        else:
            return []
        return [Inner(argv=tuple(rest), label=program)] if rest else []
    return []


def _script(program: str, args: list[str]) -> list[Inner]:
    code = short_option(args, "c", "cEIOBTt") + option_values(args, ("--command",))
    return [Inner(code=code[0], label="script -c")] if code else []


_SYSTEMD_RUN_VALUES = frozenset(
    {"--unit", "-u", "--property", "-p", "--setenv", "-E", "--uid", "--gid", "--slice", "--description"}
    | {"--on-calendar", "--on-active", "--on-boot", "--on-startup", "--on-unit-active", "--on-unit-inactive"}
    | {"--working-directory", "-M", "--machine", "-H", "--host", "--timer-property", "--path-property"}
    | {"--socket-property", "--service-type", "--nice", "--on-clock-change", "--on-timezone-change"}
)


def _systemd_run(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, _SYSTEMD_RUN_VALUES)
    return [Inner(argv=tuple(rest), label=program)] if rest else []


def _pkexec(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, frozenset({"--user", "-u"}))
    return [Inner(argv=tuple(rest), label=program)] if rest else []


_TMUX_VALUES = frozenset({"-s", "-n", "-c", "-t", "-F", "-x", "-y", "-e", "-L", "-S", "-f", "-l", "-p"})


def _tmux(program: str, args: list[str]) -> list[Inner]:
    """``tmux new[-session|-window] ... CMD`` and ``send-keys 'cmd' Enter`` run shell code."""
    rest = skip_options(args, frozenset({"-L", "-S", "-f", "-c"}))
    if not rest:
        return []
    sub, tail = rest[0], rest[1:]
    if sub in (
        "new",
        "new-session",
        "new-window",
        "neww",
        "split-window",
        "splitw",
        "respawn-pane",
        "respawnp",
    ):
        words = skip_options(tail, _TMUX_VALUES)
        return [Inner(code=" ".join(words), label=f"tmux {sub}")] if words else []
    if sub in ("send-keys", "send"):
        words = skip_options(tail, frozenset({"-t", "-N"}))
        keys = [w for w in words if w not in ("Enter", "C-m", "KPEnter")]
        return [Inner(code=" ".join(keys), label="tmux send-keys")] if keys else []
    return []


_TYPED_KEYS = re.compile(r"\\[nr]|\^[MJ]|\\015|\\012")


def _screen(program: str, args: list[str]) -> list[Inner]:
    stuff = option_values(args, ("stuff",))
    if "-X" in args and stuff:  # typed into the window: screen turns \n, \r, ^M into Enter
        return [Inner(code=_TYPED_KEYS.sub("\n", stuff[0]), label="screen -X stuff")]
    rest = skip_options(
        args, frozenset({"-S", "-c", "-e", "-h", "-L", "-Logfile", "-p", "-r", "-s", "-t", "-T", "-x"})
    )
    return [Inner(argv=tuple(rest), label="screen")] if rest else []


_PARALLEL_VALUES = frozenset({"-j", "--jobs", "-S", "--sshlogin", "--joblog", "-a", "--arg-file", "--delay"})


def _parallel(program: str, args: list[str]) -> list[Inner]:
    """``parallel CMD ::: ARGS`` runs CMD once per argument; without CMD each argument is a command."""
    if ":::" not in args and "::::" not in args:
        rest = skip_options(args, _PARALLEL_VALUES)
        return [Inner(code=" ".join(rest), label="parallel")] if rest else []
    split = args.index(":::") if ":::" in args else args.index("::::")
    template = skip_options(args[:split], _PARALLEL_VALUES)
    values = [a for a in args[split + 1 :] if a not in (":::", "::::", ":::+")]
    if not template:
        return [Inner(code=value, label="parallel") for value in values[:64]]
    inners = []
    for value in values[:64]:  # parallel hands the composed command line to a shell
        if any("{}" in word for word in template):
            line = " ".join(word.replace("{}", value) for word in template)
        else:
            line = " ".join([*template, value])
        inners.append(Inner(code=line, label="parallel"))
    return inners


_GIT_CODE_KEYS = re.compile(
    r"^(?:core\.(?:pager|sshcommand|editor|fsmonitor|askpass)|sequence\.editor|diff\.external|"
    r"credential\.helper|pager\.\w+|gpg\.program|uploadpack\.packobjectshook)$",
    re.IGNORECASE,
)


def _git(program: str, args: list[str]) -> list[Inner]:
    """``git -c alias.x='!code' x`` and ``-c core.pager=...``: configuration values that are commands."""
    inners: list[Inner] = []
    for setting in option_values(args, ("-c",)):
        key, _, value = setting.partition("=")
        if key.lower().startswith("alias.") and value.startswith("!"):
            inners.append(Inner(code=value[1:], label="git alias"))
        elif _GIT_CODE_KEYS.match(key) and value:
            inners.append(Inner(code=value.lstrip("!"), label=f"git -c {key}"))
    return inners


_VIM_BANG = re.compile(
    r"^:?\s*(?:silent!?\s*)?(?:[.$%\d,]*\s*)?(?:r(?:ead)?\s*|w(?:rite)?\s*)?!(.+)$", re.DOTALL
)
_VIM_SYSTEM = re.compile(r"""(?:system|systemlist|jobstart|term(?:inal)?)\s*\(\s*['"](.+?)['"]""")


def _vim(program: str, args: list[str]) -> list[Inner]:
    """``vim -c ':!cmd'``, ``vim +'!cmd'``, ``--cmd``, ``:call system('cmd')``."""
    commands = option_values(args, ("-c", "--cmd")) + [
        a[1:] for a in args if a.startswith("+") and len(a) > 1
    ]
    inners: list[Inner] = []
    for command in commands:
        for piece in command.split("|"):
            bang = _VIM_BANG.match(piece.strip())
            if bang:
                inners.append(Inner(code=bang.group(1), label=f"{program} -c !"))
                continue
            system = _VIM_SYSTEM.search(piece)
            if system:
                inners.append(Inner(code=system.group(1), label=f"{program} system()"))
            elif re.match(r"^:?\s*(?:te|terminal)\s+(.+)$", piece.strip()):
                inners.append(Inner(code=piece.strip().split(None, 1)[1], label=f"{program} :terminal"))
    return inners


def _tar(program: str, args: list[str]) -> list[Inner]:
    """``--checkpoint-action=exec=CMD``, ``--to-command=CMD``, ``-I CMD``, ``--use-compress-program``."""
    inners: list[Inner] = []
    for action in option_values(args, ("--checkpoint-action",)):
        if action.startswith("exec="):
            inners.append(Inner(code=action[5:], label="tar --checkpoint-action"))
    for name in (
        "--to-command",
        "--use-compress-program",
        "--info-script",
        "--new-volume-script",
        "-I",
        "-F",
    ):
        for value in option_values(args, (name,)):
            inners.append(Inner(code=value, label=f"tar {name}"))
    return inners


def _zip(program: str, args: list[str]) -> list[Inner]:
    return [Inner(code=v, label="zip -TT") for v in option_values(args, ("-TT", "--unzip-command"))]


def _rsync(program: str, args: list[str]) -> list[Inner]:
    values = option_values(args, ("-e", "--rsh", "--rsync-path"))
    return [Inner(code=v, label="rsync -e") for v in values if not re.fullmatch(r"\S*ssh\b.*", v)]


_SSH_VALUES = frozenset(
    {"-p", "-i", "-l", "-o", "-F", "-L", "-R", "-D", "-J", "-b", "-c", "-E", "-e", "-m"}
    | {"-O", "-Q", "-S", "-W", "-w", "-B", "-I", "-P"}
)


def _ssh(program: str, args: list[str]) -> list[Inner]:
    inners: list[Inner] = []
    for option in option_values(args, ("-o",)):
        key, _, value = _key_value(option)
        if key.lower() in ("proxycommand", "localcommand", "knownhostscommand", "remotecommand") and value:
            inners.append(Inner(code=value, label=f"ssh -o {key}"))
    rest = skip_options(args, _SSH_VALUES)
    if len(rest) > 1:
        inners.append(Inner(code=" ".join(rest[1:]), label="ssh"))
    return inners


def ssh_reads_commands(args: Sequence[str]) -> bool:
    """``ssh HOST`` with no remote command (and no forwarding-only option): the remote login shell
    reads its commands from ssh's stdin, so ``echo CMD | ssh HOST`` runs CMD."""
    if any(a in ("-N", "-W", "-s", "-O", "-V", "-G", "-Q") for a in args):
        return False
    return len(skip_options(args, _SSH_VALUES)) == 1


def _key_value(option: str) -> tuple[str, str, str]:
    parts = re.split(r"\s*=\s*|\s+", option.strip(), maxsplit=1)
    return (parts[0], "=", parts[1]) if len(parts) == 2 else (parts[0], "", "")


def _sshpass(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, frozenset({"-p", "-f", "-d", "-P"}))
    return [Inner(argv=tuple(rest), label="sshpass")] if rest else []


def _watch(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, frozenset({"-n", "--interval", "-d", "-g", "-q", "--equexit"}))
    return [Inner(code=" ".join(rest), label="watch")] if rest else []


def _terminal(program: str, args: list[str]) -> list[Inner]:
    """``xterm -e CMD``, ``gnome-terminal -- CMD``, ``konsole -e CMD``."""
    for marker in ("-e", "-x", "--", "--command", "-c"):
        if marker in args:
            rest = args[args.index(marker) + 1 :]
            if not rest:
                return []
            if marker in ("--command", "-c") or len(rest) == 1:
                return [Inner(code=" ".join(rest), label=program)]
            return [Inner(argv=tuple(rest), label=program)]
    return []


def _trap(program: str, args: list[str]) -> list[Inner]:
    rest = [a for a in args if a not in ("-p", "-l", "--")]
    return [Inner(code=rest[0], label="trap")] if len(rest) >= 2 and rest[0] not in ("-", "") else []


def _sed(program: str, args: list[str]) -> list[Inner]:
    """GNU sed's ``e COMMAND`` and ``s/.../.../e`` execute shell code."""
    scripts = option_values(args, ("-e", "--expression"))
    operands = skip_options(args, frozenset({"-e", "--expression", "-f", "--file", "-l", "-s"}))
    if not scripts and operands:
        scripts = [operands[0]]
    inners: list[Inner] = []
    for script in scripts:
        for command in re.split(r"[;\n]", script):
            m = re.match(r"^\s*(?:\d+|\$|/[^/]*/)?\s*e\s+(.+)$", command)
            if m:
                inners.append(Inner(code=m.group(1), label="sed e"))
    return inners


def _gdb(program: str, args: list[str]) -> list[Inner]:
    """``gdb -ex '!cmd'``, ``-ex 'shell cmd'``, ``-ex 'python ...'`` (the last read as python)."""
    inners: list[Inner] = []
    for command in option_values(args, ("-ex", "--ex", "-eval-command", "--eval-command")):
        m = re.match(r"^\s*(?:!|shell\s+)(.+)$", command, re.DOTALL)
        if m:
            inners.append(Inner(code=m.group(1), label="gdb shell"))
        elif command.strip().startswith("python "):
            inners.append(Inner(argv=("python3", "-c", command.strip()[7:]), label="gdb python"))
    return inners


def _sql_shell(program: str, args: list[str]) -> list[Inner]:
    """``sqlite3 db '.shell cmd'``, ``mysql -e '\\! cmd'``, ``psql -c '\\! cmd'``: a shell escape."""
    texts = option_values(args, ("-e", "-c", "--execute", "--command", "-cmd")) + [
        a for a in args if a.startswith((".", "\\"))
    ]
    inners: list[Inner] = []
    for text in texts:
        m = re.match(r"^\s*(?:\.(?:shell|system)|\\!|system)\s+(.+)$", text, re.DOTALL)
        if m:
            inners.append(Inner(code=m.group(1), label=f"{program} shell escape"))
    return inners


def sed_insertions(args: Sequence[str]) -> list[tuple[str, str]]:
    """(file, text) for each line a ``sed`` script inserts or appends (``1i TEXT``, ``$a TEXT``)."""
    scripts = option_values(args, ("-e", "--expression"))
    operands = skip_options(args, frozenset({"-e", "--expression", "-f", "--file", "-l", "-s"}))
    if not scripts and operands:
        scripts, operands = [operands[0]], operands[1:]
    texts = [
        m.group(1)
        for script in scripts
        for m in re.finditer(r"(?:^|;|\n)\s*(?:\d+|\$|/[^/]*/)?\s*[aic]\\?\s*(.+?)\s*(?=$|\n)", script)
    ]
    return [(target, text) for target in operands for text in texts]


def _man(program: str, args: list[str]) -> list[Inner]:
    """``man -P CMD`` and ``--pager=CMD``, ``-H BROWSER``: man hands the page to a command line."""
    values = option_values(args, ("-P", "--pager", "--html"))
    return [Inner(code=v, label=f"{program} -P", keep_outer=True) for v in values if v.strip()]


def _nsenter(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, frozenset({"-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "-w"}))
    return [Inner(argv=tuple(rest), label=program, keep_outer=True)] if rest else []


def _busybox(program: str, args: list[str]) -> list[Inner]:
    return [Inner(argv=tuple(args), label="busybox")] if args and not args[0].startswith("-") else []


def _exec(program: str, args: list[str]) -> list[Inner]:
    rest = skip_options(args, frozenset({"-a"}))
    return [Inner(argv=tuple(rest), label="exec")] if rest else []


_READERS: dict[str, Callable[[str, list[str]], list[Inner]]] = {
    "find": _find,
    "xargs": _xargs,
    "timeout": _timeout,
    "taskset": _first_operand_then_command,
    "chrt": _first_operand_then_command,
    "chroot": _first_operand_then_command,
    "flock": _flock,
    "stdbuf": _stdbuf,
    "su": _su,
    "runuser": _su,
    "sg": _su,
    "script": _script,
    "systemd-run": _systemd_run,
    "pkexec": _pkexec,
    "tmux": _tmux,
    "screen": _screen,
    "parallel": _parallel,
    "git": _git,
    "vim": _vim,
    "vi": _vim,
    "nvim": _vim,
    "view": _vim,
    "ex": _vim,
    "gvim": _vim,
    "tar": _tar,
    "gtar": _tar,
    "zip": _zip,
    "rsync": _rsync,
    "ssh": _ssh,
    "sshpass": _sshpass,
    "watch": _watch,
    "xterm": _terminal,
    "gnome-terminal": _terminal,
    "konsole": _terminal,
    "x-terminal-emulator": _terminal,
    "xfce4-terminal": _terminal,
    "urxvt": _terminal,
    "alacritty": _terminal,
    "kitty": _terminal,
    "trap": _trap,
    "sed": _sed,
    "gsed": _sed,
    "nsenter": _nsenter,
    "man": _man,
    "busybox": _busybox,
    "exec": _exec,
    "gdb": _gdb,
    "sqlite3": _sql_shell,
    "mysql": _sql_shell,
    "mariadb": _sql_shell,
    "psql": _sql_shell,
    "faketime": _first_operand_then_command,
    "gosu": _first_operand_then_command,
    "su-exec": _first_operand_then_command,
}


def basename(name: str) -> str:
    return posixpath.basename(name) if "/" in name else name
