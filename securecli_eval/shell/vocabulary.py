"""The vocabulary of the risk checks (vocabulary.yaml), loaded once into a frozen object.

Which directories are critical, what a credential file looks like and which programs download
are facts a reviewer should be able to read and extend without reading the checks; the checks
look them up here by name. The file's shape is checked by hand rather than with pydantic because
``paths.py`` and ``checks.py`` import this module and importing the classifier should stay cheap.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from securecli_eval.errors import ConfigError

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
SECTIONS = ("paths", "prefixes", "patterns", "programs", "wrappers")


@dataclass(frozen=True)
class Vocabulary:
    """Named path sets, path prefixes, compiled patterns and program sets."""

    paths: Mapping[str, frozenset[str]]
    system_prefixes: tuple[str, ...]
    scratch_prefixes: tuple[str, ...]
    patterns: Mapping[str, re.Pattern[str]]
    programs: Mapping[str, frozenset[str]]
    wrappers: Mapping[str, frozenset[str]]  # program -> its options that take a value


def _compile(path: Path, name: str, parts: list[str]) -> re.Pattern[str]:
    """More than one part is a set of alternatives: ``(?:a)|(?:b)``."""
    text = parts[0] if len(parts) == 1 else "|".join(f"(?:{part})" for part in parts)
    try:
        return re.compile(text)
    except re.error as error:
        raise ConfigError(f"{path}: pattern '{name}' is not a valid regex ({error})") from None


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"'{where}' must be a list of non-empty strings")
    return value


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise ValueError(f"'{name}' must be a mapping of names")
    return value


def _parse(path: Path, data: Any) -> Vocabulary:
    if not isinstance(data, dict):
        raise ValueError(f"expected the sections {', '.join(SECTIONS)}")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section '{unknown[0]}' (sections: {', '.join(SECTIONS)})")
    prefixes = _section(data, "prefixes")
    if set(prefixes) != {"system", "scratch"}:
        raise ValueError("'prefixes' must name exactly 'system' and 'scratch'")
    patterns = {}
    for name, source in _section(data, "patterns").items():
        parts = [source] if isinstance(source, str) else _strings(source, f"patterns.{name}")
        patterns[name] = _compile(path, name, parts)
    return Vocabulary(
        paths=MappingProxyType(
            {name: frozenset(_strings(v, f"paths.{name}")) for name, v in _section(data, "paths").items()}
        ),
        system_prefixes=tuple(_strings(prefixes["system"], "prefixes.system")),
        scratch_prefixes=tuple(_strings(prefixes["scratch"], "prefixes.scratch")),
        patterns=MappingProxyType(patterns),
        programs=MappingProxyType(
            {
                name: frozenset(_strings(v, f"programs.{name}"))
                for name, v in _section(data, "programs").items()
            }
        ),
        wrappers=MappingProxyType(
            {
                name: frozenset(_strings(v or [], f"wrappers.{name}"))
                for name, v in _section(data, "wrappers").items()
            }
        ),
    )


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and validate a vocabulary file; ConfigError (one line) when it is malformed."""
    import yaml  # here, not at the top: importing the classifier should not pay for the YAML parser

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        return _parse(path, data)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the vocabulary ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: {getattr(error, 'problem', None) or 'invalid YAML'}") from None
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None


@functools.cache
def vocabulary() -> Vocabulary:
    """The packaged vocabulary, read on first use (importing the classifier stays cheap)."""
    return load_vocabulary(VOCABULARY_FILE)
