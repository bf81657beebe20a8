"""Fixture files are checked whole before anything is written, and written exactly when they pass.

The red team found paths like ``.``, a file that is also a directory, over-long names and a
150 MB fixture crashing the runner (an uncaught OSError, or 150 MB written to the host's /tmp
before failing); each case is here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.errors import DataError
from securecli_eval.sandbox import run_in_sandbox, sandbox_status
from securecli_eval.sandbox.bwrap import WORK_DIR
from securecli_eval.sandbox.fixtures import (
    MAX_FIXTURE_BYTES,
    NAME_MAX,
    default_fixture,
    example_fixture,
    materialize,
    validate_files,
)

AVAILABLE, REASON = sandbox_status()
needs_sandbox = pytest.mark.skipif(not AVAILABLE, reason=REASON)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({".": "x"}, "without '.', '..'"),
        ({"a/./b": "x"}, "without '.', '..'"),
        ({"a//b": "x"}, "without '.', '..'"),
        ({"../escape": "x"}, "stay inside"),
        ({"/etc/passwd": "x"}, "relative"),
        ({"": "x"}, "relative"),
        ({"a": "x", "a/b": "y"}, "inside 'a', which is a file"),
        ({"a/b": "y", "a": "x"}, "as a file and as a directory"),
        ({"a/": "", "a": "x"}, "as a file and as a directory"),
        ({"a": "x", "a/": ""}, "as a file and as a directory"),
        ({"d/": "content"}, "ends in '/'"),
        ({"n" * (NAME_MAX + 1): "x"}, f"longer than {NAME_MAX} bytes"),
        ({"/".join(["d"] * 40): "x"}, "deeper than"),
        ({"big": "x" * (MAX_FIXTURE_BYTES + 1)}, "MiB"),
        ({"a": 3}, "must both be strings"),
    ],
)
def test_bad_fixture_files_are_one_line_errors(files, message):
    with pytest.raises(DataError) as raised:
        validate_files(files)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_not_a_mapping_is_an_error():
    with pytest.raises(DataError, match="must be a mapping"):
        validate_files(["a"])


def test_the_size_cap_is_checked_before_anything_is_written(tmp_path):
    """Red team: a 150 MB fixture was written to the host before failing."""
    files = {f"part{i}": "x" * (6 << 20) for i in range(3)}  # 18 MiB in all, each part under the cap
    scratch = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path("/tmp")
    before = sum(entry.stat().st_size for entry in scratch.rglob("part*") if entry.is_file())
    with pytest.raises(DataError, match="MiB"):
        run_in_sandbox("ls", files=files)
    after = sum(entry.stat().st_size for entry in scratch.rglob("part*") if entry.is_file())
    assert after == before


@needs_sandbox
@pytest.mark.parametrize(
    "files", [{".": "x"}, {"a": "x", "a/b": "y"}, {"a/": "", "a": "x"}, {"n" * 300: "x"}]
)
def test_bad_files_never_reach_the_sandbox_as_an_os_error(files):
    """Red team: these raised an uncaught OSError from the runner."""
    with pytest.raises(DataError):
        run_in_sandbox("ls", files=files)


_name = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), max_size=12
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.lists(_name, min_size=1, max_size=4).map("/".join), st.text(max_size=20), max_size=6)
)
def test_any_files_are_either_rejected_in_one_line_or_written_exactly(tmp_path_factory, files):
    """Property: validation is total (a DataError or a clean mapping), and a clean mapping materialises."""
    try:
        clean = validate_files(files)
    except DataError as error:
        assert "\n" not in str(error)
        return
    target = tmp_path_factory.mktemp("fixture")
    materialize(example_fixture(clean), target)
    for relative, content in clean.items():
        written = target / WORK_DIR.lstrip("/") / relative
        if relative.endswith("/"):
            assert written.is_dir()
        else:
            assert written.read_bytes().decode("utf-8") == content


def test_default_fixture_has_the_promised_variety():
    entries = default_fixture().entries
    work = {
        path.removeprefix(WORK_DIR + "/"): entry
        for path, entry in entries.items()
        if path.startswith(WORK_DIR)
    }
    assert any(" " in path for path in work) and any(path.startswith(".") for path in work)
    assert any(path.endswith(".csv") for path in work) and any(path.endswith(".log") for path in work)
    assert any(path.endswith((".tar.gz", ".zip", ".gz")) for path in work)
    assert any(entry.kind == "symlink" for entry in work.values())
    assert any(entry.kind == "file" and entry.mode & 0o111 for entry in work.values())
    assert any(entry.kind == "file" and not entry.content for entry in work.values())
    assert any(path.count("/") >= 3 for path in work)
    assert len({entry.mtime for entry in work.values()}) >= 5  # times spread out
    assert any(path.startswith("/tmp/") for path in entries) and any(
        path.startswith("/home/sandbox/") and not path.startswith(WORK_DIR) for path in entries
    )


def test_seed_sizes_stay_small():
    assert default_fixture().size_bytes < 1 << 20
