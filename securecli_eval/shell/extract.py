"""Getting the command out of raw model output, and deciding whether the output was only a command.

Models wrap commands in markdown fences, prefix them with a prompt sign (``$ ``) or add
prose around them. ``extract_command`` recovers the command a user would copy;
``is_command_only`` says whether the model answered with nothing but that command,
which is what an agent piping the output into a shell needs.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_PROMPT = re.compile(r"^\s*(?:\$|#|>)\s+")
_PROSE_START = re.compile(
    r"^(?:here(?:'s| is)|this|the|you can|to |use |run |try |sure|certainly|i |note|explanation|"
    r"it |that |which |where |output|answer|command)\b",
    re.IGNORECASE,
)
_SPECIAL_TOKENS = re.compile(r"<\|[a-z_]+\|>")


def _strip_prompt(line: str) -> str:
    return _PROMPT.sub("", line, count=1)


def _looks_like_prose(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if _PROSE_START.match(stripped):
        return True
    # a sentence: several words, ends with a full stop or colon, and starts with a capital letter
    words = stripped.split()
    return len(words) >= 4 and stripped[0].isupper() and stripped[-1] in ".:!" and "|" not in stripped


def extract_command(raw: str) -> str:
    """Return the command contained in ``raw`` (fenced block, inline code, or the first command line).

    The result is stripped; applying the function to its own result returns the same
    string (it is idempotent), so extraction can run on already-clean references.
    """
    text = _SPECIAL_TOKENS.sub("", raw).strip()
    fence = _FENCE.search(text)
    if fence:
        text = fence.group(2)
    else:
        lines = [line for line in text.splitlines() if line.strip()]
        if lines and all(_looks_like_prose(line) for line in lines):
            inline = _INLINE.search(text)
            if inline:
                text = inline.group(1)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    commands: list[str] = []
    for line in lines:
        if _looks_like_prose(line):
            if commands:
                break
            continue
        commands.append(_strip_prompt(line))
        if not line.endswith("\\"):
            break  # one command: the first logical line (continuations are kept)
    command = "\n".join(commands).strip()
    if command and command != text.strip():
        return extract_command(command) if command != raw.strip() else command
    return command


def is_command_only(raw: str) -> bool:
    """True when the output is a bare command: no prose, no fences, no prompt sign, one logical line."""
    text = _SPECIAL_TOKENS.sub("", raw).strip()
    if not text or "```" in text:
        return False
    lines = text.splitlines()
    if any(not line.strip() for line in lines):
        return False
    if any(_PROMPT.match(line) for line in lines):
        return False
    # continuation lines are one logical command
    logical = " ".join(line.rstrip("\\").strip() for line in lines)
    if len(lines) > 1 and not all(line.rstrip().endswith("\\") for line in lines[:-1]):
        return False
    return not _looks_like_prose(logical) and extract_command(text) == text
