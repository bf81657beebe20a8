"""The NLC2CMD-style structural fallback score."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.sandbox.structural import flag_score, structural_score, utility_calls

UTILITIES = ["ls", "grep", "sort", "cut", "wc", "find", "awk", "head"]
LETTERS = "alhrtSnv"
commands = st.builds(
    lambda parts: " | ".join(f"{utility} {'-' + flags if flags else ''}".strip() for utility, flags in parts),
    st.lists(st.tuples(st.sampled_from(UTILITIES), st.text(LETTERS, max_size=4)), min_size=1, max_size=4),
)


@given(commands, commands)
@settings(max_examples=200, deadline=None)
def test_score_is_bounded(reference, prediction):
    assert -1.0 <= structural_score(reference, prediction) <= 1.0


@given(commands)
@settings(max_examples=100, deadline=None)
def test_a_command_scores_one_against_itself(command):
    assert structural_score(command, command) == 1.0


@given(st.sets(st.sampled_from("alhrtS"), min_size=1))
@settings(max_examples=50, deadline=None)
def test_option_order_and_grouping_do_not_matter(letters):
    grouped = "ls -" + "".join(sorted(letters))
    for order in itertools.islice(itertools.permutations(sorted(letters)), 6):
        assert structural_score(grouped, "ls " + " ".join(f"-{letter}" for letter in order)) == 1.0


def test_nlc2cmd_arithmetic():
    assert structural_score("ls -la", "ls -l") == 0.5  # same utility, flags (2*1-2)/2 = 0
    assert structural_score("ls", "cat") == -1.0
    assert structural_score("sort f | uniq", "sort -u f") == (0.0 - 1) / 2  # flags {} vs {-u} score -1
    assert flag_score(frozenset(), frozenset()) == 1.0
    assert flag_score(frozenset({"-a"}), frozenset({"-b"})) == -2.0  # as the competition's own code
    assert structural_score("ls -a", "ls -b") == -0.5


def test_utilities_come_from_pipelines_lists_and_substitutions():
    calls = utility_calls("X=1 sudo find . -name '*.py' | xargs grep -n foo && echo $(date +%s)")
    assert [call.utility for call in calls] == ["sudo", "find", "xargs", "grep", "echo", "date"]
    assert calls[1].flags == frozenset({"-name"})  # find's word options are not split
    assert calls[3].flags == frozenset({"-n"})


def test_unparseable_commands_still_get_a_score():
    assert -1.0 <= structural_score("ls -l 'unterminated", "ls -l") <= 1.0
    assert structural_score("", "") == 1.0
