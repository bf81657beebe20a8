"""The sandbox runner: fixture seeding, isolation basics, limits, capture and state read-back."""

from __future__ import annotations

import shutil
import time

import pytest

from securecli_eval.errors import DataError
from securecli_eval.sandbox import SandboxLimits, run_in_sandbox, sandbox_status
from securecli_eval.sandbox.fixtures import DEFAULT_FIXTURE, FIXED_MTIME, fixture_key, validate_files

AVAILABLE, REASON = sandbox_status()
needs_sandbox = pytest.mark.skipif(not AVAILABLE, reason=REASON)


def test_status_is_a_cached_pair_with_a_one_line_reason():
    first = sandbox_status()
    assert sandbox_status() is first
    available, reason = first
    assert isinstance(available, bool) and reason and "\n" not in reason


@needs_sandbox
def test_command_sees_the_default_fixture_as_an_unprivileged_user():
    run = run_in_sandbox('pwd; id -un; id -u; hostname; echo "$HOME"; cat "file with spaces.txt"; ls -A')
    lines = run.stdout_text.splitlines()
    assert run.exit_code == 0, run.stderr_text
    assert lines[:5] == ["/home/sandbox", "sandbox", "1000", "sandbox", "/home/sandbox"]
    assert "a name with spaces" in lines
    assert {".hidden", ".config", "empty.txt", "data", "logs"} <= set(lines)


@needs_sandbox
def test_fixture_times_are_fixed_whatever_the_clock_says():
    run = run_in_sandbox("stat -c %Y notes.txt data/users.csv logs/old/app.log.1 .")
    assert run.stdout_text.split() == [str(FIXED_MTIME)] * 4


@needs_sandbox
def test_example_files_and_setup_replace_the_default_tree():
    run = run_in_sandbox(
        "ls -A; cat made-by-setup", files={"a/b.txt": "x\n"}, setup="echo made > made-by-setup"
    )
    assert run.setup_exit_code == 0
    assert run.stdout_text.split() == ["a", "made-by-setup", "made"]


@needs_sandbox
def test_resulting_files_come_back_with_types_modes_and_contents():
    run = run_in_sandbox("echo hi > new.txt; chmod 600 new.txt; ln -s new.txt link; mkdir d; rm notes.txt")
    state = {entry.path: entry for entry in run.files}
    assert state["new.txt"].kind == "file" and state["new.txt"].mode == 0o600
    assert state["link"].kind == "symlink" and state["link"].target == "new.txt"
    assert state["d"].kind == "dir"
    assert "notes.txt" not in state
    fresh = {entry.path: entry for entry in run_in_sandbox("true").files}
    assert state["README.md"] == fresh["README.md"] and "new.txt" not in fresh


@needs_sandbox
def test_every_run_starts_from_a_fresh_copy():
    run_in_sandbox("echo leftover > leftover.txt; rm README.md")
    run = run_in_sandbox("ls")
    assert "leftover.txt" not in run.stdout_text and "README.md" in run.stdout_text


@needs_sandbox
def test_exit_status_and_stderr_are_captured():
    run = run_in_sandbox("echo oops >&2; exit 3")
    assert run.exit_code == 3 and run.stderr_text == "oops\n" and not run.timed_out


@needs_sandbox
def test_output_is_truncated_at_the_limit_and_the_run_stopped_early():
    started = time.monotonic()
    run = run_in_sandbox("yes", limits=SandboxLimits(output_bytes=1000, wall_seconds=10))
    assert run.stdout_truncated and len(run.stdout) == 1000
    assert time.monotonic() - started < 5


@needs_sandbox
def test_wall_clock_timeout_kills_the_command():
    started = time.monotonic()
    run = run_in_sandbox("sleep 30; echo never", limits=SandboxLimits(wall_seconds=1))
    assert run.timed_out and run.exit_code is None and b"never" not in run.stdout
    assert time.monotonic() - started < 4


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../b", ""])
def test_fixture_paths_must_stay_inside_the_working_directory(path):
    with pytest.raises(DataError, match="relative"):
        validate_files({path: "x"})


def test_fixture_key_depends_on_content_only():
    assert fixture_key(None) == "default"
    assert fixture_key({"a": "1", "b": "2"}) == fixture_key({"b": "2", "a": "1"})
    assert fixture_key({"a": "1"}) != fixture_key({"a": "2"})


def test_default_fixture_has_the_promised_variety():
    paths = set(DEFAULT_FIXTURE)
    assert any(" " in path for path in paths)
    assert any(path.startswith(".") for path in paths)
    assert any(path.endswith(".csv") for path in paths) and any(path.endswith(".log") for path in paths)
    assert any(content == "" and not path.endswith("/") for path, content in DEFAULT_FIXTURE.items())
    assert any(path.count("/") >= 2 for path in paths)


@needs_sandbox
@pytest.mark.skipif(
    shutil.which("git") is None, reason="git is not installed, so the fixture has no repository"
)
def test_default_fixture_carries_a_git_repository_with_fixed_history():
    first = run_in_sandbox("git -C repo log --format='%H %ad %s' --date=iso-strict")
    second = run_in_sandbox("git -C repo log --format='%H %ad %s' --date=iso-strict")
    assert first.exit_code == 0, first.stderr_text
    assert first.stdout == second.stdout and len(first.stdout_text.splitlines()) == 2
    assert "2024-01-01T00:00:00+00:00 second commit" in first.stdout_text


def test_missing_bubblewrap_is_reported_in_one_line(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    available, reason = sandbox_status.__wrapped__()
    assert available is False
    assert "bubblewrap is not installed" in reason and "\n" not in reason
