"""Inputs a reference needs that the fixture lacks: the files, directories and values it names.

``find . -name '*.jar'`` on a tree without a jar prints nothing, so does a wrong prediction,
and the pair would "agree"; ``grep -r texthere .`` finds nothing, and neither would
``grep -r otherthing .``; ``cat file1`` fails. A person testing the command would first make
what it looks for. This module does that, from the reference commands only (the prediction
is then judged on that tree, so it cannot shape its own test):

* operands of text tools, archives, ``cd``/``ls``/``du`` targets, ``find`` start points,
  ``-newer`` files and input redirections become files or populated directories (contents
  by extension: text, CSV, JSON, gzip, tar, zip...), also under ``~``, ``/tmp`` and other
  absolute directories outside the system's own (each gets its own size-capped tmpfs);
* ``find -name/-iname/-path/-regex`` patterns get matching entries, at two depths, with
  the ``-type``, ``-perm`` and ``-size`` the expression asks for, near misses (a case twin, a
  prefix, for a regex one character more), and an entry that an exclusion (``! -name``) bites
  on; ``grep --include`` too;
* ``grep`` patterns get lines that match them (a string generated from the regex) in every
  synthesised file, in the command's stdin, and in existing files it searches by name;
* variables the reference reads but never sets (``find "$dir" -name "$pattern"``) get a value
  fitting where they appear (a directory, a file, a glob, a number, a word in the files).

Every run of the pair (references and prediction) then meets the same tree, environment,
positional arguments and stdin. ``Inputs.corners`` is a second tree with corner cases of what
the references look for (a name with a space; for a reference that removes what it finds, a
matching entry of the other kind): a pair equal on the first and different there agreed by
luck. What cannot be made (system paths, users, huge sizes) is left alone, and the judge says
why the pair stays undecided.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from securecli_eval.sandbox.bwrap import SANDBOX_HOME, WORK_DIR
from securecli_eval.sandbox.dependencies import unset_variables
from securecli_eval.sandbox.fixtures import (
    BASE_LINES,
    FIXED_MTIME,
    NAME_MAX,
    Fixture,
    FixtureEntry,
    git_repository,
)
from securecli_eval.sandbox.samples import (
    content_for,
    glob_instances,
    is_text,
    pattern_lines,
    regex_instance,
    regex_matches,
)
from securecli_eval.sandbox.words import Call, Word, calls

# top-level directories that are the system's (bound from the host or made by the sandbox)
SYSTEM_TOPS = frozenset(
    {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "proc", "dev", "sys", "run", "boot"}
)
MAX_NEW_ENTRIES = 200
MAX_SYNTHESISED_FILE = 12 << 20  # a -size +10M file is made; +1G is not
MAX_EXTRA_ROOTS = 4

_GREP_PROGRAMS = frozenset({"grep", "egrep", "fgrep", "zgrep", "rgrep"})
_REMOVING = frozenset({"rm", "rmdir", "unlink", "mv", "shred"})
_SCRIPTED = frozenset({"sed", "awk", "gawk", "mawk", "nawk"})  # their first operand is a script
_GREP_VALUE_OPTIONS = frozenset(
    {"-e", "-f", "-m", "-A", "-B", "-C", "-d", "-D", "--regexp", "--file", "--max-count", "--label"}
)
# program -> (options taking a value, leading operands that are not paths, role of the paths)
_OPERANDS: dict[str, tuple[frozenset[str], int, str]] = {}


def _register(programs: str, value_options: str = "", skip: int = 0, role: str = "file") -> None:
    for program in programs.split():
        _OPERANDS[program] = (frozenset(value_options.split()), skip, role)


_register("cat tac rev strings md5sum sha1sum sha256sum sha512sum cksum b2sum base64 less more view")
_register("wc expand unexpand dos2unix unix2dos file readlink realpath shred")
_register("nl", "-s -w -b -n -v -i -d")
_register("sort", "-k -t -o -S -T --parallel --key --field-separator --output")
_register("uniq", "-f -s -w")
_register("head tail", "-n -c --lines --bytes")
_register("cut", "-d -f -c -b --delimiter --fields --characters --bytes")
_register("paste", "-d --delimiters")
_register("join", "-t -1 -2 -o -a -e -j -v", role="sorted")  # they need sorted input, as a person would make
_register("comm", role="sorted")
_register("cmp")
_register("diff", "-x -X -I -U -C -L --label --exclude", role="any")
_register("od", "-t -A -N -j -w")
_register("hexdump", "-n -s -e -f")
_register("xxd", "-c -l -s -g")
_register("fold fmt", "-w --width")
_register("column", "-s -c -o -N -R -W")
_register("stat", "-c --format --printf")
_register("split", "-l -b -n -a -C --lines --bytes")
_register("iconv", "-f -t --from-code --to-code")
_register("shuf", "-n -i --head-count")
_register("pr", "-w -l -h -o")
_register("sed", "-e -f --expression --file -l", skip=1)
_register("awk gawk mawk nawk", "-F -v -f --field-separator --assign", skip=1)
_register("rm", role="file")
_register("chmod", "--reference", skip=1, role="any")
_register("du", "-d -B --max-depth --block-size --exclude", role="any")
_register("ls", "-I -w -T --hide --ignore --width --sort --format --time", role="any")
_register("cd pushd rmdir", role="dir")
_register("gzip bzip2 xz lzma zstd compress", "-S --suffix", role="file")
_register("gunzip zcat bunzip2 bzcat unxz xzcat", "-S --suffix", role="archive")
_register("unzip", "-d -x", role="archive")
_register("sh bash", "-c", role="script")


@dataclass(frozen=True)
class Inputs:
    """What every run of a pair gets: the tree, the environment, the positional arguments."""

    fixture: Fixture
    environment: tuple[tuple[str, str], ...] = ()
    arguments: tuple[str, ...] = ()
    # the same with corner cases of what the references look for (a directory where they look for
    # files, a name with a space): a verdict that changes there rests on luck, not behaviour
    corners: Inputs | None = field(default=None, compare=False)

    @property
    def bound(self) -> frozenset[str]:
        """Variable names (``dir``, ``1``, ``@``) the inputs give a value to."""
        names = {name for name, _ in self.environment}
        if self.arguments:
            names |= {str(index) for index in range(1, len(self.arguments) + 1)} | {"@", "*"}
        return frozenset(names)


@functools.lru_cache(maxsize=256)
def inputs_for(references: tuple[str, ...], base: Fixture) -> Inputs:
    """The base fixture plus what the references need; the same object for the same question."""
    plan = _Plan(base)
    values: dict[str, str] = {}
    for reference in references:
        reference_calls = calls(reference)
        unset = set(unset_variables(reference))
        for call in reference_calls:
            for index, word in enumerate(call.args):
                for name in word.parameters:
                    if name in unset and name not in values:
                        values[name] = _value(name, _role(call, index))
        plan.made |= _made_by(reference_calls)
        plan.removes = any(
            call.program in _REMOVING or (call.program == "find" and "-delete" in call.texts())
            for call in reference_calls
        )
        for call in reference_calls:
            plan.analyse(_substituted(call, values))
    if not plan.new and not plan.patterns and not values and not plan.repository:
        return Inputs(base)
    arguments = _positional(values)
    environment = tuple(sorted((n, v) for n, v in values.items() if n.isidentifier()))
    fixture = plan.fixture()
    corners = plan.corner_fixture(fixture)
    return Inputs(
        fixture,
        environment,
        arguments,
        Inputs(corners, environment, arguments) if corners is not None else None,
    )


# ---------------------------------------------------------------- variables


def _role(call: Call, index: int) -> str:
    """What the argument at ``index`` is for the program: dir, file, glob, regex, text, number, user, mode."""
    texts = call.texts()
    previous = texts[index - 1] if index else ""
    if call.program == "find":
        first_expression = next(
            (
                i
                for i, text in enumerate(texts)
                if text.startswith(("-", "(", "!", "\\(")) and text not in ("-L", "-H", "-P")
            ),
            len(texts),
        )
        if index < first_expression:
            return "dir"
        if previous in ("-name", "-iname", "-lname", "-path", "-ipath", "-wholename", "-iwholename"):
            return "glob"
        if previous in ("-regex", "-iregex"):
            return "regex"
        if previous in ("-user", "-group"):
            return "user"
        if previous == "-perm":
            return "mode"
        if previous in ("-newer", "-anewer", "-cnewer", "-samefile"):
            return "file"
        if previous.startswith("-"):
            return "number"
    if call.program in _GREP_PROGRAMS:
        if previous in ("-e", "--regexp"):
            return "text"
        operands = [
            i
            for i, text in enumerate(texts)
            if not text.startswith("-") and texts[i - 1] not in _GREP_VALUE_OPTIONS
        ]
        has_pattern_option = any(text in ("-e", "-f", "--regexp", "--file") for text in texts)
        if operands and index == operands[0] and not has_pattern_option:
            return "text"
        return "dir" if _recursive_grep(texts) else "file"
    if previous in ("-n", "-c", "-m", "-maxdepth", "-mindepth", "-mtime", "-size", "-w"):
        return "number"
    spec = _OPERANDS.get(call.program)
    if spec is not None:
        return "dir" if spec[2] == "dir" else "file"
    return ""


def _value(name: str, role: str) -> str:
    slug = re.sub(r"[^a-z0-9_]", "", name.lower()) or "arg"
    if slug.isdigit():
        slug = f"arg{slug}"
    if name in ("@", "*"):
        slug = "args"
    if not role:
        hints = name.lower()
        if any(
            key in hints
            for key in ("dir", "folder", "path", "location", "dest", "src", "source", "target", "root")
        ):
            role = "dir"
        elif any(key in hints for key in ("file", "log", "out", "input")) or hints in ("f", "i"):
            role = "file"
        elif (
            any(key in hints for key in ("num", "count", "days", "size", "max", "min", "limit"))
            or hints == "n"
        ):
            role = "number"
        elif "user" in hints or "group" in hints:
            role = "user"
        else:
            role = "word"
    return {
        "dir": f"{slug}_dir",
        "file": f"{slug}.txt",
        "glob": "*.txt",
        "regex": ".*\\.txt",
        "text": "alpha",
        "number": "1",
        "user": "sandbox",
        "mode": "644",
    }.get(role, slug)


def _positional(values: dict[str, str]) -> tuple[str, ...]:
    numbers = sorted(int(name) for name in values if name.isdigit() and name != "0")
    if numbers:
        return tuple(values.get(str(index), "") for index in range(1, numbers[-1] + 1))
    for name in ("@", "*"):
        if name in values:
            return (values[name],)
    return ()


def _substituted(call: Call, values: dict[str, str]) -> Call:
    if not values:
        return call

    def replace(word: Word) -> Word:
        text = word.text
        for name in word.parameters:
            if name in values:
                end = r"(?![A-Za-z0-9_])" if name.isidentifier() else ""
                pattern = rf"\$\{{{re.escape(name)}\}}|\${re.escape(name)}{end}"
                text = re.sub(pattern, values[name].replace("\\", "\\\\"), text)
        return Word(text, word.parameters)

    return Call(call.program, tuple(replace(w) for w in call.args), tuple(replace(w) for w in call.inputs))


# ---------------------------------------------------------------- the plan


class _Plan:
    """New entries for one pair, with contents written last (once every pattern is known)."""

    def __init__(self, base: Fixture) -> None:
        self.base = base
        self.new: dict[str, FixtureEntry] = {}
        self.patterns: list[str] = []
        self.augment: list[str] = []  # existing text files a grep searches by name
        self.sizes: dict[str, int] = {}  # made-up files that must have this many bytes
        self.corners: dict[str, str] = {}  # second fixture only: path -> kind
        self.removes = False  # the reference being analysed removes or moves files
        self.sorted: set[str] = set()  # made-up files whose lines must be sorted (comm, join)
        self.made: set[str] = set()  # what the references make themselves (mkdir): never made for them
        self.repository = False  # a reference calls git: the work dir becomes a repository

    # -- paths
    def kind(self, path: str) -> str | None:
        entry = self.new.get(path) or self.base.entries.get(path)
        if entry is None and path in self.base.directories:
            return "dir"
        return entry.kind if entry else None

    def _creatable(self, path: str, limit: bool = True) -> bool:
        parts = path.strip("/").split("/")
        if (
            not parts
            or parts[0] in SYSTEM_TOPS
            or any(p in ("", ".", "..") or len(p.encode()) > NAME_MAX for p in parts)
        ):
            return False
        if limit and len(self.new) >= MAX_NEW_ENTRIES:
            return False
        if any("/" + "/".join(parts[:depth]) in self.made for depth in range(1, len(parts) + 1)):
            return False
        tops = {p.split("/")[1] for p in [*self.base.entries, *self.new]} | {parts[0]}
        if len(tops - {"home", "tmp"}) > MAX_EXTRA_ROOTS:
            return False
        for depth in range(1, len(parts)):
            if self.kind("/" + "/".join(parts[:depth])) not in (None, "dir"):
                return False
        return True

    def _parents(self, path: str) -> None:
        parts = path.strip("/").split("/")
        for depth in range(2, len(parts)):
            parent = "/" + "/".join(parts[:depth])
            if self.kind(parent) is None:
                self.new[parent] = FixtureEntry("dir", mode=0o755)

    def ensure_dir(self, path: str | None, populate: bool = True) -> None:
        if path is None or self.kind(path) is not None or not self._creatable(path):
            return
        self._parents(path)
        self.new[path] = FixtureEntry("dir", mode=0o755)
        if populate:
            for name in ("report.txt", "data.csv", "notes.log", "sub/nested.txt", ".hidden"):
                self.ensure_file(f"{path}/{name}")
            self.ensure_file(f"{path}/empty.txt", size=0)
            self.ensure_file(f"{path}/sub/empty.log", size=0)

    def ensure_parent(self, path: str | None) -> None:
        if path is not None and path.count("/") > 1:
            self.ensure_dir(path.rsplit("/", 1)[0], populate=False)

    def ensure_file(
        self, path: str | None, kind: str = "file", mode: int | None = None, size: int | None = None
    ) -> None:
        if path is None:
            return
        if self.kind(path) == "file" and self.base.entries.get(path) is not None:
            self.augment.append(path)
            return
        if self.kind(path) is not None or not self._creatable(path):
            return
        self._parents(path)
        if kind == "dir":
            self.new[path] = FixtureEntry("dir", mode=(mode or 0o755) | 0o700)
            self.ensure_file(f"{path}/inside.txt")
        elif kind == "symlink":
            self.new[path] = FixtureEntry("symlink", target=f"{WORK_DIR}/notes.txt")
        else:  # the content is written by fixture(), once every pattern is known
            self.new[path] = FixtureEntry("file", b"", (mode or 0o644) | 0o400, FIXED_MTIME)
            if size is not None:
                self.sizes[path] = size

    # -- commands
    def analyse(self, call: Call) -> None:
        for word in call.inputs:
            self.ensure_file(_resolve(word.text))
        self.repository |= call.program == "git"
        if call.program == "find":
            self._find(call)
        elif call.program in _GREP_PROGRAMS:
            self._grep(call)
        elif call.program == "tar":
            self._tar(call)
        elif call.program in ("cp", "mv"):
            self._copy(call)
        elif call.program in ("ln", "mkdir", "touch"):
            texts = call.texts()
            if call.program == "mkdir" and any(
                t in ("-p", "--parents") or (t[:1] == "-" and "p" in t[1:] and not t.startswith("--"))
                for t in texts
            ):
                return  # mkdir -p makes its own parents
            operands = [text for text in texts if not text.startswith("-")]
            if call.program == "ln" and operands:
                operands = operands[1:]
            for operand in operands:
                self.ensure_parent(_resolve(operand))
        elif call.program in _OPERANDS:
            self._operands(call)

    def _operands(self, call: Call) -> None:
        value_options, skip, role = _OPERANDS[call.program]
        texts = call.texts()
        operands: list[str] = []
        index = 0
        script_given = False
        while index < len(texts):
            text = texts[index]
            if text == "--":
                operands.extend(texts[index + 1 :])
                break
            if text.startswith("-") and len(text) > 1:
                if text in value_options:
                    scripted = call.program in _SCRIPTED and text in ("-e", "-f", "--expression", "--file")
                    script_given |= scripted
                    if scripted and text == "-f" and index + 1 < len(texts):
                        self.ensure_file(_resolve(texts[index + 1]))  # the script file
                    index += 2
                    continue
                index += 1
                continue
            operands.append(text)
            index += 1
        if skip and not script_given:
            operands = operands[skip:]
        if call.program == "uniq":
            operands = operands[:1]
        if call.program == "split":
            operands = operands[:1]
        if role == "script":
            return
        for operand in operands:
            path = _resolve(operand)
            if role == "dir" or (role == "any" and not _has_extension(operand)):
                self.ensure_dir(path)
            elif role == "archive":
                self.ensure_file(path if path is None or _has_extension(operand) else path + ".gz")
            else:
                self.ensure_file(path)
                if role == "sorted" and path is not None:
                    self.sorted.add(path)

    def _find(self, call: Call) -> None:
        texts = call.texts()
        index = 0
        while index < len(texts) and texts[index] in ("-L", "-H", "-P"):
            index += 1
        starts: list[str] = []
        while index < len(texts) and not texts[index].startswith(("-", "(", "!", "\\(")):
            starts.append(texts[index])
            index += 1
        directories = [_resolve(start) for start in starts] if starts else [WORK_DIR]
        tests: list[_NameTest] = []
        types: set[str] = set()
        mode: int | None = None
        size: int | None = None
        expression = texts[index:]
        for position, text in enumerate(expression[:-1]):
            value = expression[position + 1]
            negated = position > 0 and expression[position - 1] in ("!", "-not")
            if text in ("-name", "-iname", "-lname", "-path", "-ipath", "-wholename", "-iwholename"):
                tests.append(_NameTest(text.lstrip("-").lstrip("i"), value, text.startswith("-i"), negated))
            elif text in ("-regex", "-iregex"):
                tests.append(_NameTest("regex", value, text == "-iregex", negated))
            elif text == "-type":
                types.update(value.split(","))
            elif text == "-perm":
                mode = _octal(value)
            elif text == "-size":
                size = _size(value)
            elif text in ("-newer", "-anewer", "-cnewer", "-samefile"):
                self.ensure_file(_resolve(value))
        kind = "dir" if types == {"d"} else "symlink" if types == {"l"} else "file"
        for directory in directories:
            if directory is None:
                continue
            self.ensure_dir(directory)
            if self.kind(directory) != "dir":
                continue
            for test in tests:  # negated ones too: what the reference leaves out
                if test.field in ("name", "lname"):
                    self._name_matches(directory, test.pattern, kind, mode, size)
                else:
                    self._path_matches(directory, test, kind, mode, size)
            self._both_matches(directory, tests, kind, mode)
            if not tests and (mode is not None or size is not None):
                self.ensure_file(
                    f"{directory}/{'sized' if size is not None else 'perm'}.bin", kind, mode, size
                )

    def _name_matches(
        self, directory: str, pattern: str, kind: str, mode: int | None, size: int | None
    ) -> None:
        instances = glob_instances(pattern)
        for number, instance in enumerate(instances):
            self.ensure_file(f"{directory}/{instance}", kind, mode, None if number else size)
            self.ensure_file(f"{directory}/nested/{instance}", kind, mode)
        if not instances:
            return
        name = instances[0]
        self.ensure_file(f"{directory}/.private/{name}", kind, mode)  # inside a hidden directory
        # a near miss: the name behind a prefix does not match a pattern anchored at its start
        self.ensure_file(f"{directory}/old-{name}", kind, mode)
        # corner cases, in the second fixture only, in a directory of their own (so a pattern
        # the shell expands in the work dir expands as before): a name with a space (tells xargs
        # from xargs -0, -exec and -print0); where the reference removes or moves what it finds,
        # a matching entry of the other kind (tells rm from rm -r, -delete from rm -rf)
        spaced = glob_instances(pattern, filler="with space")
        if spaced and spaced[0] != name:
            self.corner(f"{directory}/corner/{spaced[0]}", kind)
        if self.removes:
            self.corner(f"{directory}/corner/{name}", "file" if kind == "dir" else "dir")

    def _path_matches(
        self, directory: str, test: _NameTest, kind: str, mode: int | None, size: int | None
    ) -> None:
        if test.field == "regex":
            instance = regex_instance(test.pattern, "emacs", test.insensitive)
            relative = _path_instance(instance) if instance else None
        else:
            relative = _path_instance(test.pattern)
        if not relative:
            return
        self.ensure_file(f"{directory}/{relative}", kind, mode, size)
        if test.field == "regex":  # near misses: one more character after it, a prefix before its name
            head, _, name = relative.rpartition("/")
            self.ensure_file(f"{directory}/{relative}x", kind, mode)
            self.ensure_file(f"{directory}/{head + '/' if head else ''}old-{name}", kind, mode)

    def _both_matches(self, directory: str, tests: Sequence[_NameTest], kind: str, mode: int | None) -> None:
        """An entry that matches a positive test and an excluded one, so the exclusion shows."""
        for positive in (test for test in tests if not test.negated):
            for negative in (test for test in tests if test.negated):
                text = _literal(negative)
                if not text:
                    continue
                if positive.field in ("name", "lname"):
                    names = glob_instances(positive.pattern, filler=text)
                    relative = names[0] if names else None
                elif positive.field == "regex":
                    instance = regex_instance(positive.pattern, "emacs", positive.insensitive, filler=text)
                    relative = _path_instance(instance) if instance else None
                else:
                    relative = _path_instance(positive.pattern.replace("*", text, 1))
                path = f"{directory}/{relative}"
                if relative and positive.matches(path, directory) and negative.matches(path, directory):
                    self.ensure_file(path, kind, mode)

    def corner(self, path: str, kind: str) -> None:
        """An entry for the second fixture only (``corner_fixture``)."""
        if self.kind(path) is None and path not in self.corners:
            self.corners[path] = kind

    def _grep(self, call: Call) -> None:
        texts = call.texts()
        patterns: list[str] = []
        operands: list[str] = []
        includes: list[str] = []
        syntax = {"egrep": "extended", "fgrep": "fixed"}.get(call.program, "basic")
        index = 0
        while index < len(texts):
            text = texts[index]
            if text in ("-e", "--regexp") and index + 1 < len(texts):
                patterns.append(texts[index + 1])
                index += 2
                continue
            if text in _GREP_VALUE_OPTIONS:
                if text in ("-f", "--file") and index + 1 < len(texts):
                    self.ensure_file(_resolve(texts[index + 1]))
                    patterns.append("alpha")
                index += 2
                continue
            if text.startswith("--include="):
                includes.append(text.split("=", 1)[1])
            elif text.startswith("-") and len(text) > 1 and not text.startswith("--"):
                letters = text[1:]
                syntax = (
                    "extended"
                    if "E" in letters
                    else "fixed"
                    if "F" in letters
                    else "perl"
                    if "P" in letters
                    else syntax
                )
            elif not text.startswith("-") or text == "-":
                operands.append(text)
            index += 1
        if not patterns and operands:
            patterns.append(operands.pop(0))
        for pattern in patterns:
            instance = pattern if syntax == "fixed" else regex_instance(pattern, syntax, False)
            if instance and "\n" not in instance and instance not in self.patterns:
                self.patterns.append(instance)
        recursive = _recursive_grep(texts)
        if recursive and not operands:
            operands = ["."]
        for operand in operands:
            if operand == "-":
                continue
            path = _resolve(operand)
            if recursive and not _has_extension(operand):
                self.ensure_dir(path)
                if path is not None and self.kind(path) == "dir" and not includes:
                    self.ensure_file(f"{path}/match.txt")
                for pattern in includes:
                    for instance in glob_instances(pattern)[:1]:
                        self.ensure_file(f"{path}/{instance}")
            else:
                self.ensure_file(path)

    def _tar(self, call: Call) -> None:
        texts = call.texts()
        archive = directory = None
        mode = ""
        operands: list[str] = []
        index = 0
        if texts and not texts[0].startswith("-"):  # old style: tar czvf archive ...
            letters = texts[0]
            mode = "".join(letter for letter in letters if letter in "cxtru")
            index = 1
            if "f" in letters and index < len(texts):
                archive = texts[index]
                index += 1
        while index < len(texts):
            text = texts[index]
            if text in ("-f", "--file") and index + 1 < len(texts):
                archive, index = texts[index + 1], index + 2
                continue
            if text in ("-C", "--directory") and index + 1 < len(texts):
                directory, index = texts[index + 1], index + 2
                continue
            if text.startswith("--file="):
                archive = text.split("=", 1)[1]
            elif text.startswith("-") and not text.startswith("--"):
                mode += "".join(letter for letter in text[1:] if letter in "cxtru")
                if text.endswith("f") and index + 1 < len(texts):
                    archive, index = texts[index + 1], index + 2
                    continue
            elif not text.startswith("-"):
                operands.append(text)
            index += 1
        if directory:
            self.ensure_dir(_resolve(directory))
        if archive and archive != "-" and mode and mode[0] in "xt":
            self.ensure_file(_resolve(archive if _has_extension(archive) else archive + ".tar"))
        elif mode and mode[0] in "cru":
            self.ensure_parent(_resolve(archive) if archive else None)
            base = f"{directory}/" if directory else ""
            for operand in operands:
                path = _resolve(base + operand)
                self.ensure_dir(path) if not _has_extension(operand) else self.ensure_file(path)

    def _copy(self, call: Call) -> None:
        texts = call.texts()
        target: str | None = None
        operands: list[str] = []
        index = 0
        while index < len(texts):
            text = texts[index]
            if text in ("-t", "--target-directory") and index + 1 < len(texts):
                target, index = texts[index + 1], index + 2
                continue
            if text in ("-S", "--suffix"):
                index += 2
                continue
            if not text.startswith("-") or text == "-":
                operands.append(text)
            index += 1
        if target is None and len(operands) >= 2:
            target = operands.pop()
            if len(operands) > 1 or target.endswith("/"):
                self.ensure_dir(_resolve(target), populate=False)
            else:
                self.ensure_parent(_resolve(target))
        elif target is not None:
            self.ensure_dir(_resolve(target), populate=False)
        for operand in operands:
            if operand != "{}":
                path = _resolve(operand)
                self.ensure_dir(path) if not _has_extension(operand) and "-r" in " ".join(
                    texts
                ) else self.ensure_file(path)

    # -- the result
    def corner_fixture(self, first: Fixture) -> Fixture | None:
        """The first fixture plus the corner cases, or None when the references have none."""
        entries = dict(first.entries)
        for path, kind in self.corners.items():
            if not self._creatable(path, limit=False) or any(
                entries.get(parent, FixtureEntry("dir")).kind != "dir" for parent in _parents(path)
            ):
                continue
            for parent in _parents(path):
                entries.setdefault(parent, FixtureEntry("dir", mode=0o755))
            if path in entries:
                continue
            if kind == "dir":
                entries[path] = FixtureEntry("dir", mode=0o755)
                entries[f"{path}/inside.txt"] = FixtureEntry(
                    "file", content_for(f"{path}/inside.txt", self.patterns, None)
                )
            else:
                entries[path] = FixtureEntry("file", content_for(path, self.patterns, None), 0o644)
        return Fixture(entries, stdin=first.stdin) if len(entries) > len(first.entries) else None

    def fixture(self) -> Fixture:
        if self.patterns and not self.augment and not any(e.kind == "file" for e in self.new.values()):
            self.ensure_file(f"{WORK_DIR}/match.txt")  # something for `find -exec grep PATTERN` to find
        entries = dict(self.base.entries)
        for path, entry in self.new.items():
            if entry.kind == "file":
                content = content_for(path, self.patterns, self.sizes.get(path))
                if path in self.sorted and is_text(content):
                    content = b"".join(sorted(content.splitlines(keepends=True)))
                entry = FixtureEntry("file", content, entry.mode, entry.mtime)
            entries[path] = entry
        if self.repository:
            for path, entry in git_repository(WORK_DIR).items():
                entries.setdefault(path, entry)
        for path in self.augment:
            old = entries[path]
            if is_text(old.content) and self.patterns:
                entries[path] = FixtureEntry(
                    "file", old.content + pattern_lines(self.patterns), old.mode, old.mtime
                )
        stdin = "\n".join(BASE_LINES).encode() + b"\n" + pattern_lines(self.patterns)
        return Fixture(entries, stdin=stdin)


# ---------------------------------------------------------------- paths and patterns


def _resolve(text: str) -> str | None:
    """A sandbox path for an argument, or None when it is no plain path (a glob, URL, host:path, -)."""
    if not text or text in ("-", "{}") or any(char in text for char in "*?[]$`\n\0") or "://" in text:
        return None
    if text.startswith(("<(", ">(")):  # a process substitution: its commands are analysed on their own
        return None
    if re.match(r"^[^/]*@|^[^/]+:", text):  # user@host, host:path
        return None
    if text == "~" or text.startswith("~/"):
        path = SANDBOX_HOME + text[1:]
    elif text.startswith("/"):
        path = text
    else:
        path = f"{WORK_DIR}/{text}"
    parts = [part for part in path.split("/") if part and part != "."]
    if ".." in parts or not parts:
        return None
    return "/" + "/".join(parts)


def _made_by(reference_calls: Sequence[Call]) -> set[str]:
    """Directories a reference makes itself (``mkdir out && cp f out/``): made first, it would fail."""
    made: set[str] = set()
    for call in reference_calls:
        if call.program == "mkdir":
            made |= {path for text in call.texts() if not text.startswith("-") and (path := _resolve(text))}
    return made


def _has_extension(text: str) -> bool:
    name = text.rstrip("/").rsplit("/", 1)[-1]
    return "." in name.strip(".") and not text.endswith("/")


def _recursive_grep(texts: Sequence[str]) -> bool:
    return any(
        text in ("--recursive", "--dereference-recursive")
        or (text.startswith("-") and not text.startswith("--") and ("r" in text or "R" in text))
        for text in texts
    )


def _path_instance(pattern: str) -> str | None:
    """A relative path matching a -path/-wholename glob or a -regex instance, below the start point."""
    text = pattern
    for prefix in ("./", "*/", ".*/", "./*/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if text.startswith("/") or not text:
        return None
    parts = [(glob_instances(part) or [""])[0] for part in text.split("/")]
    if any(part in ("", ".", "..") for part in parts):
        return None
    return "/".join(parts)


@dataclass(frozen=True)
class _NameTest:
    """One of find's name tests: ``-name``/``-path``/``-regex`` (``field``), its pattern, whether negated."""

    field: str  # name, lname, path, wholename, regex
    pattern: str
    insensitive: bool
    negated: bool

    def matches(self, path: str, start: str) -> bool | None:
        """Whether find would say this test holds for ``path`` below ``start`` (None: cannot tell)."""
        shown = "." + path[len(start) :] if start == WORK_DIR else path
        flags = re.IGNORECASE if self.insensitive else 0
        if self.field == "regex":
            return regex_matches(self.pattern, "emacs", self.insensitive, shown)
        subject = shown.rsplit("/", 1)[-1] if self.field in ("name", "lname") else shown
        return re.fullmatch(fnmatch.translate(self.pattern), subject, flags | re.DOTALL) is not None


def _literal(test: _NameTest) -> str:
    """The plain text of a test's pattern (``*test*`` -> ``test``), or '' when it has too little."""
    meta = r"[*?.^$+(){}|\[\]\\]" if test.field == "regex" else r"[*?\[\]\\]"
    text = re.sub(meta, "", re.sub(r"\[[^\]]*\]", "", test.pattern)).strip("/")
    return text if len(text) >= 2 and "/" not in text else ""


def _parents(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:depth]) for depth in range(2, len(parts))]


def _octal(value: str) -> int | None:
    body = value.lstrip("-/")
    return int(body, 8) & 0o7777 if re.fullmatch(r"[0-7]{3,4}", body) else None


def _size(value: str) -> int | None:
    match = re.fullmatch(r"([+-]?)(\d+)([bckwMG]?)", value)
    if not match:
        return None
    sign, number, unit = match.group(1), int(match.group(2)), match.group(3) or "b"
    scale = {"b": 512, "c": 1, "w": 2, "k": 1024, "M": 1 << 20, "G": 1 << 30}[unit]
    target = (
        (number + 1) * scale
        if sign == "+"
        else max(0, (number - 1) * scale)
        if sign == "-"
        else number * scale
    )
    return target if target <= MAX_SYNTHESISED_FILE else None
