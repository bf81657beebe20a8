"""Text and command normalisation, so that equal things compare equal.

Public corpora mix typographic quotes, non-breaking spaces and ragged whitespace; a model
trained on them learns to emit commands that bash cannot parse, and duplicates hide behind
invisible differences. Both functions are idempotent: normalising twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

# typographic characters that break a command when copied from the web
_COMMAND_CHARS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Normalise a natural-language instruction: NFKC, no invisible or control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def _collapse_unquoted_spaces(command: str) -> str:
    """Collapse runs of blanks outside quotes; blanks inside quotes are data and stay as they are."""
    out: list[str] = []
    quote = ""
    escaped = False
    previous_blank = False
    for char in command:
        if quote:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if escaped:
            out.append(char)
            escaped = False
            previous_blank = False
            continue
        if char in " \t":
            if not previous_blank:
                out.append(" ")
            previous_blank = True
            continue
        previous_blank = False
        if char == "\\":
            escaped = True
        elif char in "'\"":
            quote = char
        out.append(char)
    return "".join(out)


def normalise_command(command: str) -> str:
    """Normalise a shell command without changing what it does.

    NFC (not NFKC: compatibility folding could change quoted data), typographic quotes and
    dashes to ASCII, invisible characters removed, CRLF to LF, trailing blanks per line
    removed, runs of blanks outside quotes collapsed to one space.
    """
    command = unicodedata.normalize("NFC", command).translate(_COMMAND_CHARS)
    command = _INVISIBLE.sub("", command)
    command = command.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_collapse_unquoted_spaces(line).rstrip() for line in command.split("\n")]
    return "\n".join(line for line in lines if line.strip()).strip()


def comparison_key(text: str) -> str:
    """Lower-case word tokens joined by one space: the key for exact-duplicate detection.

    Punctuation is kept as separate tokens for commands (``-r`` differs from ``r``), so the
    key keeps every run of word characters and every single punctuation character.
    """
    return " ".join(re.findall(r"\w+|[^\w\s]", unicodedata.normalize("NFKC", text).lower()))


def instruction_key(text: str) -> str:
    """Lower-case word tokens only: instructions differing in punctuation or case ask the same thing."""
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower()))
