"""Turn tldr-pages placeholders (``{{path/to/file}}``, ``{{[-o|--output]}}``) into concrete commands.

A model trained on ``tar cf {{path/to/target.tar}}`` learns to emit braces; an evaluation
that expects them cannot be run. Each placeholder becomes one realistic value chosen by a
fixed rule (so identical templates give identical commands and dedup still works), option
alternatives resolve to their first (short) form, and the values a user would have to
state are appended to the instruction so the request fully determines the command.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from securecli_eval.corpus.example import Example
from securecli_eval.corpus.stage import StageReport
from securecli_eval.errors import DataError

_PLACEHOLDER = re.compile(r"\{\{([^{}]*?)\}\}")
_MNEMONIC = re.compile(r"(?<![`\w])\[([A-Za-z0-9])\](?=\w)|(?<=\w)\[([A-Za-z0-9])\]")
_OPTION_ALTERNATIVES = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")
_LIST_END = re.compile(r"(?:\s|,|:|;)?\.\.\.$")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")

# names from the sandbox's default fixture tree (securecli_eval/sandbox/fixtures.py), so instantiated
# commands find their files when run there
GENERIC_PATHS: dict[str, str] = {
    "file": "notes.txt",
    "file1": "notes.txt",
    "file2": "numbers.txt",
    "file3": "data/users.csv",
    "file.txt": "notes.txt",
    "file.csv": "data/users.csv",
    "file.log": "logs/app.log",
    "file.py": "src/main.py",
    "file.sh": "scripts/build.sh",
    "script.sh": "scripts/build.sh",
    "file.md": "README.md",
    "directory": "docs",
    "directory1": "docs",
    "directory2": "src",
    "directory3": "logs",
    "logs": "logs",
    "file_or_directory": "notes.txt",
    "file_or_directory1": "notes.txt",
    "file_or_directory2": "docs",
    "source": "notes.txt",
    "destination": "backup",
    "target": "backup",
    "output": "output.txt",
    "output_file": "output.txt",
    "output_directory": "out",
    "input": "notes.txt",
    "input_file": "notes.txt",
    "binary": "app",
    "executable": "app",
    "script": "script.sh",
    "image": "photo.png",
    "archive": "archive.tar.gz",
    "": "docs",
}

KNOWN_VALUES: dict[str, str] = {
    "username": "alice",
    "user": "alice",
    "user_name": "alice",
    "owner": "alice",
    "group": "staff",
    "group_name": "staff",
    "password": "changeme",
    "command": "ls",
    "program": "ls",
    "package": "curl",
    "package_name": "curl",
    "module_name": "requests",
    "name": "demo",
    "value": "42",
    "port": "8080",
    "host": "example.com",
    "hostname": "example.com",
    "remote_host": "server.example.com",
    "domain": "example.com",
    "url": "https://example.com",
    "ip_address": "192.168.1.10",
    "address": "192.168.1.10",
    "version": "1.2.3",
    "container_name": "web",
    "container": "web",
    "image": "nginx",
    "tag": "v1.0",
    "tag_name": "v1.0",
    "branch_name": "feature-login",
    "branch": "feature-login",
    "remote_name": "origin",
    "commit": "HEAD~1",
    "revision": "HEAD~1",
    "repository": "project",
    "repository_name": "project",
    "pattern": "error",
    "search_pattern": "error",
    "regex": "^error",
    "keyword": "error",
    "query": "error",
    "string": "hello",
    "text": "hello",
    "message": "update",
    "key": "mykey",
    "variable": "MY_VAR",
    "pid": "1234",
    "process_name": "nginx",
    "unit": "nginx.service",
    "service_name": "nginx",
    "service": "nginx",
    "interface": "eth0",
    "n": "5",
    "number": "5",
    "count": "5",
    "seconds": "10",
    "width": "800",
    "height": "600",
    "subcommand": "help",
    "database_name": "appdb",
    "database": "appdb",
    "table_name": "users",
    "namespace": "default",
    "pod_name": "web-0",
    "project_name": "demo",
    "profile_name": "default",
    "app_name": "demo",
    "bucket_name": "my-bucket",
    "resource_group": "my-group",
    "cluster_name": "my-cluster",
    "vm_name": "my-vm",
    "task_id": "42",
    "id": "42",
    "filename": "notes.txt",
    "argument": "--version",
    "arguments": "--version",
    "command_arguments": "--version",
    "email": "alice@example.com",
    "protocol": "tcp",
}

_DEVICES: dict[str, str] = {
    "/dev/sdX": "/dev/sdb",
    "/dev/sdXY": "/dev/sdb1",
    "/dev/sdXN": "/dev/sdb1",
    "/dev/sdX1": "/dev/sdb1",
    "/dev/nvmeXnY": "/dev/nvme0n1",
}

# keyword in an unknown identifier -> value, checked in order
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("phone", "5551234567"),
    ("id", "42"),
    ("term", "error"),
    ("password", "changeme"),
    ("passphrase", "changeme"),
    ("username", "alice"),
    ("user", "alice"),
    ("email", "alice@example.com"),
    ("url", "https://example.com"),
    ("uri", "https://example.com"),
    ("hostname", "example.com"),
    ("host", "example.com"),
    ("domain", "example.com"),
    ("ip", "192.168.1.10"),
    ("port", "8080"),
    ("pid", "1234"),
    ("version", "1.2.3"),
    ("number", "5"),
    ("count", "5"),
    ("seconds", "10"),
    ("timeout", "10"),
    ("size", "100"),
    ("date", "2024-01-01"),
)


@dataclass(frozen=True)
class Instantiation:
    """A concrete command, the instruction that now names its values, and which rule set each value."""

    command: str
    instruction: str
    values: tuple[str, ...] = ()
    rules: Counter[str] = field(default_factory=Counter, compare=False, hash=False)


def _resolve_path(text: str) -> str:
    if text in _DEVICES:
        return _DEVICES[text]
    if text.startswith("/"):
        return text
    name = text.removeprefix("path/to/").removeprefix("path/to").strip("/")
    name = re.sub(r"_(\d)$", r"\1", name)
    return GENERIC_PATHS.get(name, name)


def _resolve_identifier(text: str) -> tuple[str, str]:
    if text in KNOWN_VALUES:
        return KNOWN_VALUES[text], "known-name"
    words = text.split("_")
    for keyword, value in _KEYWORDS:
        if keyword in words:
            return value, "keyword"
    if "file" in words or "filename" in words:
        stem = "_".join(w for w in words if w not in ("file", "filename")) or "notes"
        return f"{stem}.txt", "keyword"
    if words[-1] == "name" and len(words) > 1:
        return "my-" + "-".join(words[:-1]), "keyword"
    return text, "literal"


def resolve(text: str) -> tuple[str, str]:
    """The concrete value for one placeholder's inner text, and the name of the rule that chose it."""
    text = text.strip()
    alternatives = _OPTION_ALTERNATIVES.fullmatch(text)
    if alternatives:
        return alternatives.group(1).split("|")[0].strip(), "option-alternative"
    if _LIST_END.search(text):
        body = _LIST_END.sub("", text).strip()
        if "|" in body:
            return resolve(body.split("|")[0])[0], "choice"
        separator = next((s for s in (" ", ",", ":", ";") if s in body), " ")
        items = [resolve(item)[0] for item in body.split(separator) if item.strip()][:2]
        if len(items) == 2 and items[0] == items[1]:
            items[1] = _second(items[1])
        return separator.join(items), "list"
    if "|" in text and not text.startswith("[") and " " not in text:
        return resolve(text.split("|")[0])[0], "choice"
    if text.startswith("path/to") or text.startswith("/dev/") or text in _DEVICES:
        return _resolve_path(text), "path"
    if _NUMBER.fullmatch(text):
        return text, "number"
    if _IDENTIFIER.fullmatch(text):
        return _resolve_identifier(text)
    return text, "literal"


def _second(value: str) -> str:
    stem, dot, extension = value.partition(".")
    return f"{stem}2{dot}{extension}"


def _mentioned(value: str, instruction: str) -> bool:
    return re.search(r"(?<![\w.-])" + re.escape(value) + r"(?![\w-])", instruction) is not None


def strip_mnemonics(description: str) -> str:
    """tldr marks option mnemonics as ``E[x]tract``; the brackets are noise in an instruction."""
    return _MNEMONIC.sub(lambda m: m.group(1) or m.group(2), description)


def instantiate(command: str, instruction: str) -> Instantiation:
    """Replace every ``{{...}}`` in ``command`` and name the stated values in ``instruction``.

    Raises DataError when braces are unbalanced, so no output ever contains ``{{``.
    Values already mentioned in the instruction, option forms and values the rule set only
    to a fixed default (e.g. ``ls`` for "command") are not appended twice.
    """
    rules: Counter[str] = Counter()
    stated: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value, rule = resolve(match.group(1))
        rules[rule] += 1
        if rule != "option-alternative" and value and value not in stated:
            stated.append(value)
        return value

    concrete = _PLACEHOLDER.sub(replace, command).replace("\\}\\}", "}}")
    if "{{" in concrete or "\\{\\{" in concrete:
        raise DataError(f"unresolved or literal double braces in {command!r}")
    missing = [v for v in stated if not _mentioned(v, instruction)]
    text = strip_mnemonics(instruction).rstrip()
    if missing:
        text = text.rstrip(".:") + " (" + ", ".join(f"`{v}`" for v in missing) + ")"
    return Instantiation(command=concrete, instruction=text, values=tuple(stated), rules=rules)


def instantiate_examples(examples: list[Example]) -> tuple[list[Example], StageReport]:
    """Instantiate every tldr-pages example; others pass through unchanged."""
    kept: list[Example] = []
    rules: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    instantiated = 0
    for example in examples:
        if example.source != "tldr-pages":
            kept.append(example)
            continue
        try:
            result = instantiate(example.command, example.instruction)
        except DataError:
            removed["literal or unbalanced double braces"] += 1
            continue
        instantiated += bool(result.rules)
        rules.update(result.rules)
        kept.append(example.with_(command=result.command, instruction=result.instruction))
    report = StageReport(
        "placeholders",
        "tldr {{...}} placeholders replaced by concrete values (fixture-like paths, fixed realistic "
        "names), option alternatives resolved to the first form, stated values appended to the instruction",
        len(examples),
        len(kept),
        removed,
        notes={"examples_with_placeholders": instantiated, "placeholders_by_rule": dict(rules.most_common())},
    )
    return kept, report
