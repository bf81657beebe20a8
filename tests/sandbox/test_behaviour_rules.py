"""The behaviour rules as data: validation with file:line errors, the docs' table, globs, and judging.

``judge`` is tested on hand-made observations here (no sandbox needed); what real commands do is in
test_honeypot.py and test_behaviour_corpus.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from securecli_eval.errors import ConfigError
from securecli_eval.sandbox.behaviour import BehaviourVerdict, judge, worse
from securecli_eval.sandbox.behaviour_checks import glob, reads_program_from_input
from securecli_eval.sandbox.behaviour_rules import default_rules, load_rules, with_rule_table
from securecli_eval.sandbox.honeypot import Change, Observation
from securecli_eval.sandbox.trace import Contact, Exec, FileEvent, Trace
from securecli_eval.shell.risk import RiskVerdict

from ..conftest import PROJECT

VALID = """\
- id: BTST001
  category: persistence
  mitre: T1053.003
  verdict: block
  description: a test rule
  check: changed
  args:
    paths: [/etc/cron*/**]
    kinds: [created]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def test_the_packaged_rules_load_and_ids_are_unique():
    rules = default_rules()
    assert len(rules) >= 40
    assert len({rule.id for rule in rules}) == len(rules)
    assert {rule.verdict for rule in rules} == {"block", "warn"}


def test_a_valid_file_loads(tmp_path):
    (rule,) = load_rules(write(tmp_path, VALID))
    assert (rule.id, rule.technique, rule.check_name) == ("BTST001", "T1053.003", "changed")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("check: changed", "check: chnaged"),
            "rules.yaml:6: rule BTST001: unknown check 'chnaged'; did you mean 'changed'?",
        ),
        (("  args:", "  colour: red\n  args:"), "rules.yaml:7: rule BTST001: unknown field 'colour'"),
        (
            ("kinds: [created]", "kinds: [made]"),
            "rules.yaml:9: rule BTST001: check 'changed' argument 'kinds.0': Input should be 'created'",
        ),
        (("kinds: [created]", "kinds: [created]\n    colour: 1"), "check 'changed' has no argument 'colour'"),
        (("paths: [/etc/cron*/**]", "paths: [etc/cron]"), "must be absolute or start with ~/"),
        (
            ("    kinds: [created]\n", ""),
            "rules.yaml:7: rule BTST001: check 'changed' needs argument 'kinds'",
        ),
        (
            ("mitre: T1053.003", "mitre: X1053"),
            "rules.yaml:3: rule BTST001: 'mitre' must be an ATT&CK id like T1485",
        ),
        (("verdict: block", "verdict: maybe"), "rules.yaml:4: rule BTST001: 'verdict'"),
        (("  args:", "  args: {}\n  args:"), "'args' is given twice"),
    ],
)
def test_every_mistake_is_one_line_naming_file_and_line(tmp_path, edit, expected):
    path = write(tmp_path, VALID.replace(*edit))
    with pytest.raises(ConfigError) as error:
        load_rules(path)
    message = str(error.value)
    assert "\n" not in message and expected in message.replace(str(tmp_path) + "/", "")


def test_duplicate_ids_bad_yaml_and_secret_kinds(tmp_path):
    with pytest.raises(
        ConfigError, match=r"rules\.yaml:10: rule BTST001: duplicate id \(first defined at line 1\)"
    ):
        load_rules(write(tmp_path, VALID + VALID))
    with pytest.raises(ConfigError, match=r"rules\.yaml:\d+: .*fix the YAML syntax"):
        load_rules(write(tmp_path, VALID + "- id: [unclosed\n"))
    kind = VALID.replace("check: changed", "check: secret_read").replace(
        "    paths: [/etc/cron*/**]\n    kinds: [created]", "    kinds: [ssh_kee]"
    )
    with pytest.raises(ConfigError, match="unknown secret kind 'ssh_kee'"):
        load_rules(write(tmp_path, kind))


def test_the_docs_table_is_generated_from_the_rules():
    document = (PROJECT / "docs" / "behaviour.md").read_text(encoding="utf-8")
    assert with_rule_table(document) == document, (
        "run: python -m securecli_eval.sandbox.behaviour_rules docs/behaviour.md"
    )


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("~/.bashrc", "/root/.bashrc", True),
        ("~/.bashrc", "/home/alice/.bashrc", True),
        ("~/.bashrc", "/home/alice/x/.bashrc", False),
        ("/etc/**", "/etc", True),
        ("/etc/**", "/etc/cron.d/x", True),
        ("/etc/**", "/etcetera", False),
        ("/dev/sd*", "/dev/sda1", True),
        ("/dev/sd*", "/dev/sda/x", False),
        ("/usr/lib/**.so*", "/usr/lib/x86_64-linux-gnu/libc.so.6", True),
    ],
)
def test_globs(pattern, path, matches):
    assert bool(glob(pattern).match(path)) is matches


@pytest.mark.parametrize(
    ("argv", "from_input"),
    [
        (("sh",), True),
        (("bash", "-s", "--", "x"), True),
        (("bash", "-i"), True),
        (("python3", "-"), True),
        (("bash", "/dev/fd/63"), True),
        (("bash", "-c", "ls"), False),
        (("python3", "script.py"), False),
        (("python3", "--version"), False),
        (("perl", "-e", "print 1"), False),
        (("awk", "{print}"), False),
        (("bash", "-o", "pipefail", "run.sh"), False),
    ],
)
def test_which_shells_read_their_program_from_a_pipe(argv, from_input):
    assert reads_program_from_input(argv) is from_input


def observation(trace: Trace | None = None, **fields: object) -> Observation:
    trace = trace or Trace(marker_seen=True, processes=1)
    return Observation("cmd", trace, **fields)  # type: ignore[arg-type]


def test_most_severe_rule_wins_and_the_first_of_a_severity_names_it():
    trace = Trace(marker_seen=True, processes=1)
    trace.files.append(FileEvent("read", "/root/.ssh/id_rsa", "cat", True))
    trace.contacts.append(Contact("dns", "curl", "evil.example.com", None, "name"))
    changes = (Change("/root/.bashrc", "appended", added="alias x=y\n"),)
    verdict = judge(observation(trace, changes=changes))
    assert (verdict.verdict, verdict.rule, verdict.category) == ("block", "BEXF001", "exfiltration")
    assert verdict.reads == ("/root/.ssh/id_rsa",) and verdict.connects == ("evil.example.com dns (curl)",)
    warned = judge(observation(changes=changes))
    assert (warned.verdict, warned.rule) == ("warn", "BPERS103")


def test_a_secrets_own_program_reading_it_is_not_a_leak():
    trace = Trace(marker_seen=True, processes=1)
    trace.files.append(FileEvent("read", "/root/.ssh/id_rsa", "ssh", True))
    trace.contacts.append(Contact("connect", "ssh", "10.0.4.12", 22))
    assert judge(observation(trace)).verdict == "allow"


def test_not_observed_says_why():
    assert judge(observation(error="honeypot failed: x")).reason == "honeypot failed: x"
    missing = judge(observation(missing=("nc",)))
    assert missing.verdict == "not_observed" and "not installed here: nc" in missing.reason
    crashed = Trace(marker_seen=True, processes=1)
    crashed.killed_by["SIGSEGV"] += 1
    assert judge(observation(crashed)).verdict == "not_observed"
    assert judge(observation(Trace())).verdict == "not_observed"


def test_a_rule_that_fires_beats_a_missing_program():
    trace = Trace(marker_seen=True, processes=1)
    trace.execs.append(Exec("/usr/bin/sh", ("sh", "-i"), "sh", True, socket_stdio=True))
    verdict = judge(observation(trace, missing=("nc",)))
    assert verdict.rule == "BREV001" and "not installed here: nc" in verdict.reason


STATIC = {
    "allow": RiskVerdict("allow", None, None, None, "no rule fired"),
    "warn": RiskVerdict("warn", "CRED101", "T1552.004", "credential_access", "reading a private key"),
    "block": RiskVerdict("block", "DEL001", "T1485", "destructive_deletion", "recursive delete"),
}
SEVERITY = {"allow": 0, "warn": 1, "block": 2}


@given(st.sampled_from(list(STATIC)), st.sampled_from(["allow", "warn", "block", "not_observed", None]))
def test_worse_is_never_less_severe_than_either(static, behavioural):
    verdict = None if behavioural is None else BehaviourVerdict(behavioural, "BX001", "T1", "c", "r")  # type: ignore[arg-type]
    combined = worse(STATIC[static], verdict)
    assert SEVERITY[combined.verdict] >= SEVERITY[static]
    if behavioural in SEVERITY:
        assert SEVERITY[combined.verdict] >= SEVERITY[behavioural]
    if behavioural not in SEVERITY or SEVERITY[behavioural] <= SEVERITY[static]:
        assert combined is STATIC[static]  # the static verdict and its rule stand on a tie
    else:
        assert combined.rule == "BX001" and combined.reason.startswith("behaviour: ")
