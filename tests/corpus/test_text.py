"""Normaliser and placeholder instantiation: unit cases and hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.corpus.normalise import comparison_key, normalise_command, normalise_text
from securecli_eval.corpus.placeholders import instantiate, resolve, strip_mnemonics
from securecli_eval.errors import DataError

_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


def test_normalise_text_folds_unicode_and_whitespace() -> None:
    assert normalise_text("  List\u00a0all\tfiles\u200b \n here ") == "List all files here"


def test_normalise_command_keeps_quoted_blanks_and_fixes_typography() -> None:
    assert normalise_command("grep  \u201cfoo   bar\u201d   file.txt  ") == 'grep "foo   bar" file.txt'
    assert normalise_command("echo 'a  b'   c\r\n") == "echo 'a  b' c"


def test_comparison_key_ignores_case_and_spacing_not_punctuation() -> None:
    assert comparison_key("Find  FILES.") == comparison_key("find files .")
    assert comparison_key("ls -r") != comparison_key("ls r")


@given(_texts)
def test_normalise_text_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert "  " not in once and once == once.strip()


@given(_texts)
def test_normalise_command_is_idempotent(command: str) -> None:
    once = normalise_command(command)
    assert normalise_command(once) == once
    assert "\r" not in once and "\u201c" not in once


@pytest.mark.parametrize(
    ("inner", "value", "rule"),
    [
        ("[-o|--output]", "-o", "option-alternative"),
        ("[ls|list]", "ls", "option-alternative"),
        ("path/to/file", "notes.txt", "path"),
        ("path/to/directory", "docs", "path"),
        ("path/to/image.png", "image.png", "path"),
        ("path/to/file1 path/to/file2 ...", "notes.txt numbers.txt", "list"),
        ("/dev/sdX", "/dev/sdb", "path"),
        ("dark|light", "dark", "choice"),
        ("8080", "8080", "number"),
        ("username", "alice", "known-name"),
        ("container_name", "web", "known-name"),
        ("remote_port", "8080", "keyword"),
        ("widget_name", "my-widget", "keyword"),
    ],
)
def test_resolve_rules(inner: str, value: str, rule: str) -> None:
    assert resolve(inner) == (value, rule)


def test_instantiate_names_values_in_instruction() -> None:
    result = instantiate(
        "tar {{[-x|--extract]}} {{[-f|--file]}} {{path/to/source.tar}}", "E[x]tract an archive"
    )
    assert result.command == "tar -x -f source.tar"
    assert result.instruction == "Extract an archive (`source.tar`)"


def test_instantiate_does_not_repeat_values_already_stated() -> None:
    result = instantiate("sleep {{10}}", "Wait 10 seconds")
    assert result.instruction == "Wait 10 seconds"


def test_instantiate_resolves_innermost_braces() -> None:
    assert instantiate("echo ${{{array_name[@]}}}", "Print an array").command == "echo ${array_name[@]}"


def test_instantiate_rejects_literal_double_braces() -> None:
    with pytest.raises(DataError):
        instantiate("docker inspect --format '\\{\\{.Name\\}\\}' web", "Show the name")


def test_strip_mnemonics() -> None:
    assert strip_mnemonics("E[x]tract [a]rchive with `[a-z]`") == "Extract archive with `[a-z]`"


_placeholder = st.one_of(
    st.sampled_from(["path/to/file", "[-v|--verbose]", "a|b", "x1 x2 ...", "username", "42", "{HOME}"]),
    st.text(alphabet=st.characters(blacklist_characters="{}\x00", blacklist_categories=("Cs",)), max_size=20),
)


@settings(max_examples=200)
@given(st.lists(st.tuples(_texts.filter(lambda t: "{" not in t and "}" not in t), _placeholder), max_size=5))
def test_instantiate_never_leaves_braces_and_is_idempotent(parts: list[tuple[str, str]]) -> None:
    command = "".join(f"{text}{{{{{inner}}}}}" for text, inner in parts)
    try:
        result = instantiate(command, "Do something")
    except DataError:
        return
    assert "{{" not in result.command
    again = instantiate(result.command, result.instruction)
    assert again.command == result.command
    assert again.instruction == result.instruction
