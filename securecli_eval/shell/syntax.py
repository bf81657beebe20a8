"""Syntax validity with ``bash -n``, the ground truth for "this command parses".

``bash -n`` reads without executing; it never runs the command. Results are memoised
because the same command is checked for many metrics and reruns.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass

from securecli_eval.errors import SecureCliError


@dataclass(frozen=True)
class SyntaxResult:
    valid: bool
    error: str = ""


@functools.lru_cache(maxsize=1)
def _bash() -> str:
    path = shutil.which("bash")
    if path is None:
        raise SecureCliError("bash is not on PATH; install bash to check syntax validity")
    return path


@functools.lru_cache(maxsize=65536)
def check_syntax(command: str, timeout: float = 5.0) -> SyntaxResult:
    """Parse ``command`` with ``bash -n``; an empty command is invalid."""
    if not command.strip():
        return SyntaxResult(False, "empty command")
    if "\x00" in command:
        return SyntaxResult(False, "command contains a NUL byte")
    try:
        proc = subprocess.run(
            [_bash(), "-n", "-c", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return SyntaxResult(False, "bash -n timed out")
    error = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return SyntaxResult(proc.returncode == 0, re.sub(r"^\S*bash: -c: ", "", error))
