"""What a reference names is made before it runs; variables it reads get fitting values."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.sandbox.bwrap import SANDBOX_HOME, WORK_DIR
from securecli_eval.sandbox.dependencies import unset_variables
from securecli_eval.sandbox.fixtures import default_fixture, fixture_for
from securecli_eval.sandbox.samples import regex_instance
from securecli_eval.sandbox.synthesis import inputs_for
from securecli_eval.sandbox.words import calls


def new_paths(*references: str) -> set[str]:
    base = default_fixture()
    inputs = inputs_for(references, base)
    return {path for path in inputs.fixture.entries if path not in base.entries}


def test_find_patterns_get_matches_at_two_depths_with_case_twins_and_a_near_miss():
    made = new_paths("find . -name 'photo*.jar'")
    assert {f"{WORK_DIR}/photosample.jar", f"{WORK_DIR}/nested/photosample.jar"} <= made
    assert f"{WORK_DIR}/PHOTOSAMPLE.JAR" in made  # tells -name from -iname
    assert f"{WORK_DIR}/old-photosample.jar" in made  # does not match a pattern anchored at the start
    assert f"{WORK_DIR}/.private/photosample.jar" in made  # inside a hidden directory


def test_find_start_points_type_perm_and_size_are_honoured():
    inputs = inputs_for(("find /srv/www -type d -name 'cache*' -perm 755",), default_fixture())
    entries = inputs.fixture.entries
    assert entries["/srv/www"].kind == "dir" and entries["/srv/www/cachesample"].kind == "dir"
    assert entries["/srv/www/cachesample"].mode == 0o755
    assert "/srv" in inputs.fixture.roots  # an absolute directory gets its own tmpfs
    sized = inputs_for(("find . -size +100k -name '*.bin'",), default_fixture()).fixture.entries
    assert len(sized[f"{WORK_DIR}/sample.bin"].content) > 100 * 1024


def test_system_paths_users_and_huge_sizes_are_left_alone():
    assert new_paths("find /usr/share/nothing -name x", "cat /etc/not-there", "find . -size +2G") == set()
    assert not any(path.startswith("/etc") for path in new_paths("find /etc/x -name '*.conf'"))


def test_operands_of_text_tools_and_input_redirections_become_files_with_matching_lines():
    inputs = inputs_for(("grep -i 'needle [0-9]' haystack.txt < input.log",), default_fixture())
    entries = inputs.fixture.entries
    text = entries[f"{WORK_DIR}/haystack.txt"].content.decode()
    assert re.search(r"needle [0-9]", text) and f"{WORK_DIR}/input.log" in entries
    assert re.search(r"needle [0-9]", inputs.fixture.stdin.decode())


def test_recursive_grep_gets_a_file_that_matches():
    made = new_paths("grep -r 'texthere' .")
    assert f"{WORK_DIR}/match.txt" in made


def test_two_made_up_files_differ():
    entries = inputs_for(("sort set1 set2 | uniq",), default_fixture()).fixture.entries
    assert entries[f"{WORK_DIR}/set1"].content != entries[f"{WORK_DIR}/set2"].content


def test_archives_are_made_in_their_format():
    entries = inputs_for(
        ("tar -xzf backup.tar.gz", "unzip pack.zip", "gunzip old.gz"), default_fixture()
    ).fixture.entries
    assert entries[f"{WORK_DIR}/backup.tar.gz"].content[:2] == b"\x1f\x8b"
    assert entries[f"{WORK_DIR}/pack.zip"].content[:2] == b"PK"
    assert entries[f"{WORK_DIR}/old.gz"].content[:2] == b"\x1f\x8b"


def test_outputs_are_not_made_but_their_directories_are():
    made = new_paths(
        "tar -czf out/archive.tar.gz src", "cp notes.txt backup2/", "mkdir -p a/b/c", "touch dir9/new"
    )
    assert f"{WORK_DIR}/out" in made and f"{WORK_DIR}/out/archive.tar.gz" not in made
    assert f"{WORK_DIR}/backup2" in made and f"{WORK_DIR}/dir9" in made
    assert not any(path.startswith(f"{WORK_DIR}/a/") for path in made)  # mkdir -p makes its own parents


def test_variables_get_values_that_fit_where_they_appear():
    inputs = inputs_for(
        ('find "$1" -name "$pattern" -mtime -"$days" | xargs grep -l "$word"',), default_fixture()
    )
    environment = dict(inputs.environment)
    assert inputs.arguments == ("arg1_dir",)
    assert environment["pattern"] == "*.txt" and environment["days"] == "1" and environment["word"] == "alpha"
    assert f"{WORK_DIR}/arg1_dir/sample.txt" in inputs.fixture.entries
    assert inputs.bound >= {"1", "pattern", "days", "word"}


def test_home_and_tmp_paths_are_made_where_they_say():
    made = new_paths("cat ~/notes/todo.txt /tmp/scratch/a.csv")
    assert {f"{SANDBOX_HOME}/notes/todo.txt", "/tmp/scratch/a.csv"} <= made


def test_the_same_references_give_the_same_inputs():
    assert inputs_for(("find . -name '*.c'",), default_fixture()) is inputs_for(
        ("find . -name '*.c'",), default_fixture()
    )
    example = fixture_for({"x.txt": "1\n"})
    assert (
        inputs_for(("cat y.txt",), example).fixture.key
        != inputs_for(("cat y.txt",), default_fixture()).fixture.key
    )


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ('find "$dir" -name "${pat:-*.c}" $1 "$@"', ("dir", "1", "@")),
        ('for f in *.txt; do wc -l "$f"; done', ()),
        ('read -r line; echo "$line" $REPLY', ()),
        ("x=1; echo $x $HOME $PWD $?", ()),
        ("awk '{print $1}' notes.txt", ()),
        ("echo ${#missing} ${arr[0]}", ("missing", "arr")),
    ],
)
def test_unset_variables_are_found_statically(command, names):
    assert unset_variables(command) == names


def test_words_follow_find_exec_and_xargs_into_the_commands_they_run():
    programs = [
        call.program for call in calls("find . -name '*.c' -exec grep -l main {} \\; | xargs -0 wc -l")
    ]
    assert programs == ["find", "grep", "xargs", "wc"]


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(
        re.compile(r"[a-z]{1,4}(\[0-9\]|\.\*|\+|\?|\|[a-z]{1,3}|\\d){0,3}[a-z]{0,3}"), fullmatch=True
    )
)
def test_a_generated_regex_instance_always_matches(pattern):
    """Property: when an instance is returned, the regex (as grep -E reads it) matches it."""
    instance = regex_instance(pattern, "extended", False)
    assert instance is None or re.search(pattern, instance)


@pytest.mark.parametrize(
    ("pattern", "syntax", "expected"),
    [
        ("FAIL\\|ABORT", "basic", "FAIL"),
        ("^abstract class ", "basic", "abstract class "),
        ("[[:digit:]]+ items", "extended", "0 items"),
        (".*/my.*p.$", "emacs", "x/myxpx"),
    ],
)
def test_regex_instances_for_grep_and_find_syntaxes(pattern, syntax, expected):
    assert regex_instance(pattern, syntax, False) == expected


def test_regex_tests_get_near_misses_and_an_exclusion_gets_an_entry_it_excludes():
    made = new_paths("find . -regex '.*/my.*p.$' -not -regex '.*test.*'")
    positive = re.compile(r".*/my.*p.$")
    shown = {"." + path[len(WORK_DIR) :] for path in made}
    assert any(positive.fullmatch(path) and "test" in path for path in shown)  # the exclusion bites
    assert any(not positive.fullmatch(path) and path.endswith("x") and "/my" in path for path in shown)


def test_made_up_contents_never_carry_the_file_name():
    entries = inputs_for(("find . -iname '*linkin park*'",), default_fixture()).fixture.entries
    files = [entry for path, entry in entries.items() if "linkin" in path.lower() and entry.kind == "file"]
    assert files and not any(b"linkin" in entry.content.lower() for entry in files)


def test_files_comm_and_join_read_are_sorted():
    entries = inputs_for(("comm -12 left.txt right.txt",), default_fixture()).fixture.entries
    for name in ("left.txt", "right.txt"):
        lines = entries[f"{WORK_DIR}/{name}"].content.splitlines()
        assert lines == sorted(lines)
    assert (
        f"{WORK_DIR}/<(sort a.txt)"
        not in inputs_for(("comm <(sort a.txt) b.txt",), default_fixture()).fixture.entries
    )


def test_corner_cases_go_to_a_second_fixture_only():
    inputs = inputs_for(("find /srv/www -name '*.tmp' -delete",), default_fixture())
    assert inputs.corners is not None
    corners = set(inputs.corners.fixture.entries) - set(inputs.fixture.entries)
    assert "/srv/www/corner/with space.tmp" in corners  # a name with a space
    assert inputs.corners.fixture.entries["/srv/www/corner/sample.tmp"].kind == "dir"  # deleting: a directory
    assert inputs_for(("ls -la",), default_fixture()).corners is None
