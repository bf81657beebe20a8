"""Running ``axolotl train`` as a subprocess whose output streams through unchanged.

The output is passed on byte for byte (progress bars included) and its last lines are kept,
because the failure drills and the W&B run URL are read from them afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import SecureCliError
from securecli_eval.training.schema import INSTALL_HINT

TAIL_LINES = 400


@dataclass(frozen=True)
class RunResult:
    """How the subprocess ended and the last lines it printed."""

    exit_code: int
    tail: tuple[str, ...]


def axolotl_executable() -> Path:
    """The ``axolotl`` script beside this interpreter, so the run uses the same environment."""
    script = Path(sys.executable).parent / "axolotl"
    if not script.is_file():
        raise SecureCliError(f"{script} not found: axolotl is not installed here; {INSTALL_HINT}")
    return script


def command(resolved_config: Path, extra_args: Sequence[str]) -> list[str]:
    return [str(axolotl_executable()), "train", str(resolved_config), *extra_args]


def environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment plus the interpreter's bin on PATH (Axolotl execs `accelerate`), telemetry off."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("AXOLOTL_DO_NOT_TRACK", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


def run_streamed(argv: Sequence[str], env: Mapping[str, str], sink=None) -> RunResult:
    """Run ``argv``, copy its stdout and stderr to ``sink`` (default: our stdout) as they arrive."""
    out = sink or sys.stdout.buffer
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    pending = ""
    process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(env))
    assert process.stdout is not None
    try:
        while chunk := os.read(process.stdout.fileno(), 65536):
            out.write(chunk)
            out.flush()
            pieces = re.split(r"[\r\n]", pending + chunk.decode("utf-8", errors="replace"))
            pending = pieces.pop()
            tail.extend(piece for piece in pieces if piece.strip())
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    finally:
        process.stdout.close()
    if pending.strip():
        tail.append(pending)
    return RunResult(code, tuple(tail))
