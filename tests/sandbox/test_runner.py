"""The sandbox runner: fixture seeding, isolation basics, limits, capture and state read-back."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from securecli_eval.sandbox import SandboxLimits, run_in_sandbox, runner, sandbox_status
from securecli_eval.sandbox.bwrap import SANDBOX_HOME, SANDBOX_HOSTNAME, WORK_DIR
from securecli_eval.sandbox.fixtures import (
    DEFAULT_AGES,
    DEFAULT_SYMLINKS,
    FIXED_MTIME,
    default_fixture,
    fixture_for,
)
from securecli_eval.sandbox.synthesis import inputs_for

AVAILABLE, REASON = sandbox_status()
needs_sandbox = pytest.mark.skipif(not AVAILABLE, reason=REASON)


def test_status_is_a_cached_pair_with_a_one_line_reason():
    first = sandbox_status()
    assert sandbox_status() is first
    available, reason = first
    assert isinstance(available, bool) and reason and "\n" not in reason


@needs_sandbox
def test_command_sees_the_default_fixture_as_an_unprivileged_user_in_a_work_dir_below_home():
    run = run_in_sandbox('pwd; id -un; id -u; hostname; echo "$HOME"; cat "file with spaces.txt"; ls -A')
    lines = run.stdout_text.splitlines()
    assert run.exit_code == 0, run.stderr_text
    assert lines[:5] == [WORK_DIR, "sandbox", "1000", SANDBOX_HOSTNAME, SANDBOX_HOME]
    assert "a name with spaces" in lines
    assert {".hidden", ".config", "empty.txt", "data", "logs", "latest.log", "archives"} <= set(lines)


@needs_sandbox
def test_fixture_times_are_spread_out_and_fixed_for_the_rest():
    run = run_in_sandbox("stat -c %Y data/users.csv numbers.txt . logs/app.log README.md logs/old/app.log.1")
    times = [int(word) for word in run.stdout_text.split()]
    assert times[:3] == [FIXED_MTIME] * 3
    ages = [time.time() - t for t in times[3:]]
    expected = [DEFAULT_AGES[p] for p in ("logs/app.log", "README.md", "logs/old/app.log.1")]
    assert all(age >= want - 120 for age, want in zip(ages, expected, strict=True)), ages
    assert ages[0] < 3600 < 86400 * 30 < ages[1] < ages[2]  # minutes, weeks and years before the run
    newest = run_in_sandbox("find . -maxdepth 2 -type f -mmin -60 | sort").stdout_text.split()
    assert newest == ["./logs/access.log", "./logs/app.log"]


@needs_sandbox
def test_default_fixture_has_links_archives_and_executables_that_work():
    run = run_in_sandbox(
        "readlink latest.log docs-link broken.link; tar -tzf archives/docs.tar.gz; "
        "unzip -l archives/data.zip | grep -c csv; zcat logs/old/app.log.2.gz; ./bin/hello"
    )
    lines = run.stdout_text.splitlines()
    assert lines[:3] == [DEFAULT_SYMLINKS["latest.log"], "docs", "missing.txt"]
    assert {"docs/guide.md", "docs/api.md", "2", "hello from bin"} <= set(lines)
    assert "INFO older" in run.stdout_text
    links = run_in_sandbox("find . -maxdepth 1 -type l | sort").stdout_text.split()
    assert links == ["./broken.link", "./docs-link", "./latest.log"]
    empty = run_in_sandbox("find . -type d -empty | sort").stdout_text.split()
    assert {"./empty-dir", "./tmp"} <= set(empty)


@needs_sandbox
def test_example_files_and_setup_replace_the_default_tree():
    run = run_in_sandbox(
        "ls -A; cat made-by-setup", files={"a/b.txt": "x\n"}, setup="echo made > made-by-setup"
    )
    assert run.setup_exit_code == 0
    assert run.stdout_text.split() == ["a", "made-by-setup", "made"]


@needs_sandbox
def test_resulting_files_come_back_with_types_modes_and_contents_from_home_and_tmp():
    run = run_in_sandbox(
        "echo hi > new.txt; chmod 600 new.txt; ln -s new.txt link; ln new.txt hard; mkdir d; "
        "rm notes.txt; mkfifo pipe; mkdir ~/in-home; echo x > /tmp/in-tmp"
    )
    state = {entry.path.removeprefix(WORK_DIR + "/"): entry for entry in run.files}
    assert state["hard"].kind == "file" and state["hard"].mode == 0o600  # the first name, in order
    assert state["new.txt"].kind == "hardlink" and state["new.txt"].target == f"{WORK_DIR}/hard"
    assert state["link"].kind == "symlink" and state["link"].target == "new.txt"
    assert state["d"].kind == "dir" and state["pipe"].kind == "fifo"
    assert "notes.txt" not in state
    assert state[f"{SANDBOX_HOME}/in-home"].kind == "dir" and state["/tmp/in-tmp"].kind == "file"
    fresh = run_in_sandbox("true")
    assert not fresh.files_changed and run.files_changed
    fresh_state = {entry.path.removeprefix(WORK_DIR + "/"): entry for entry in fresh.files}
    assert state["README.md"] == fresh_state["README.md"] and "new.txt" not in fresh_state


@needs_sandbox
def test_files_a_command_locks_itself_out_of_are_still_read_back():
    run = run_in_sandbox(
        "mkdir locked && echo s > locked/f && chmod 000 locked/f locked; echo k > k; chmod 000 k"
    )
    state = {entry.path.removeprefix(WORK_DIR + "/"): entry for entry in run.files}
    assert state["locked"].mode == 0 and state["locked/f"].kind == "file" and state["k"].mode == 0


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


def test_fixture_key_depends_on_content_only():
    assert fixture_for({"a": "1", "b": "2"}).key == fixture_for({"b": "2", "a": "1"}).key
    assert fixture_for({"a": "1"}).key != fixture_for({"a": "2"}).key
    assert fixture_for({"a": "1"}).key != fixture_for(None).key


@needs_sandbox
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed, so there is no repository")
def test_a_reference_that_calls_git_gets_a_work_dir_with_a_fixed_history():
    assert not any("/.git" in path for path in default_fixture().entries)  # not carried by every run
    fixture = inputs_for(("git log --oneline",), default_fixture()).fixture
    log = "git log --format='%H %ad %s' --date=iso-strict"
    first, second = run_in_sandbox(log, fixture=fixture), run_in_sandbox(log, fixture=fixture)
    assert first.exit_code == 0, first.stderr_text
    assert first.stdout == second.stdout and len(first.stdout_text.splitlines()) == 2
    assert "2024-01-01T00:00:00+00:00 second commit" in first.stdout_text


def test_missing_bubblewrap_is_reported_in_one_line(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    available, reason = sandbox_status.__wrapped__()
    assert available is False
    assert "bubblewrap is not installed" in reason and "\n" not in reason


@needs_sandbox
def test_seeds_are_few_and_removed_when_no_run_needs_them(monkeypatch):
    """Red team: every fixture's copy stayed on the host until the process ended."""
    monkeypatch.setattr(runner, "MAX_SEEDS", 2)
    for index in range(5):
        assert run_in_sandbox("cat f", files={"f": f"{index}\n"}).stdout_text == f"{index}\n"
    on_disk = [path for path in runner.SEEDS.root().iterdir() if path.name.startswith("seed-")]
    assert runner.SEEDS.count() <= 2 and len(on_disk) <= 2


def test_workspaces_left_by_a_dead_process_are_removed(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = Path(runner._scratch()) / f"securecli-sandbox-{dead.pid}-leftover"
    (stale / "seed-x").mkdir(parents=True)
    fresh = runner.Seeds()
    try:
        fresh.root()
        assert not stale.exists()
    finally:
        shutil.rmtree(fresh.root(), ignore_errors=True)
