"""Command extraction from raw model output, and the command-only check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.shell.extract import extract_command, is_command_only


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ls -la", "ls -la"),
        ("```bash\nfind . -name '*.py'\n```", "find . -name '*.py'"),
        ("Here is the command:\n```\ndu -sh *\n```\nThis prints sizes.", "du -sh *"),
        ("$ grep -rn TODO src/", "grep -rn TODO src/"),
        ("tar -czf a.tgz dir\nThis creates an archive.", "tar -czf a.tgz dir"),
        ("You can use `wc -l file.txt` to count lines.", "wc -l file.txt"),
        ("<|im_start|>ls<|im_end|>", "ls"),
        ("find . \\\n  -name x", "find . \\\n  -name x"),
        ("", ""),
    ],
)
def test_extracts_the_command(raw: str, expected: str) -> None:
    assert extract_command(raw) == expected


@pytest.mark.parametrize(
    ("raw", "only"),
    [
        ("ls -la", True),
        ("find . \\\n  -name x", True),
        ("```bash\nls\n```", False),
        ("$ ls", False),
        ("ls\nThis lists files.", False),
        ("Use ls to list the files in this folder.", False),
        ("", False),
    ],
)
def test_command_only(raw: str, only: bool) -> None:
    assert is_command_only(raw) is only


MODEL_LIKE = st.lists(
    st.one_of(
        st.sampled_from(
            ["```bash", "```", "$ ls -la", "Here is the command:", "This lists files.", "", "  "]
        ),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    ),
    max_size=6,
).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(MODEL_LIKE, st.text(max_size=200)))
def test_extraction_is_idempotent(raw: str) -> None:
    once = extract_command(raw)
    assert extract_command(once) == once
