"""Functional equivalence: do two commands do the same thing to the same files?

Exact match punishes ``ls -al`` against ``ls -la``. Instead, the reference and the
prediction run on identical fresh copies of a fixture in the sandbox and we compare what
they did: standard output (exactly, then up to trailing whitespace, then as a multiset of
lines when the reference's output is a listing whose order means nothing), whether each
failed, and the resulting files in HOME, the work dir and /tmp (paths, types, contents,
modes). An example may have several references; the prediction is equivalent when it is
equivalent to any one of them. A pair found equal is run once more on a second fixture with
corner cases of what the references look for (a name with a space, a directory where a
removing reference looks for files): equal by luck of the first fixture is not equivalent.

The verdict is True, False, or None ("undecided") when execution cannot tell. Undecided is
not a failure of the prediction: it says the reference cannot serve as ground truth here, and
``code`` says why (``UNDECIDED_CODES``): the reference does nothing observable on the fixture
(prints nothing, changes no file: any prediction that also does nothing would "match"), it
hides an error inside a pipeline (it fails under ``pipefail``), either side reads a variable
nothing sets, the reference needs input files, a program, the network or root the sandbox
does not have, it fails, times out, floods its output or is not deterministic, or the verdict
changes on the corner cases. Reasons never quote what a command printed. The NLC2CMD
structural score and the overlap of what the two did are kept beside the verdict, never mixed
into it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shlex
import shutil
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from securecli_eval.errors import SandboxUnavailable, SecureCliError
from securecli_eval.sandbox.bwrap import SANDBOX_HOME, WORK_DIR
from securecli_eval.sandbox.dependencies import parses_cleanly, runs_in_background, unset_variables
from securecli_eval.sandbox.fixtures import fixture_for
from securecli_eval.sandbox.runner import (
    DEFAULT_LIMITS,
    SandboxLimits,
    SandboxRun,
    run_in_sandbox,
    sandbox_status,
)
from securecli_eval.sandbox.state import FileState
from securecli_eval.sandbox.structural import structural_score, utility_calls
from securecli_eval.sandbox.synthesis import Inputs, inputs_for

# why a verdict is null: the keys of metrics.json's functional_undecided_reasons
UNDECIDED_CODES = {
    "reference_does_nothing": "the reference prints nothing and changes no file on the fixture",
    "fixture_sensitive": "the verdict changes on a second fixture with corner cases of what the reference "
    "looks for (a directory where it looks for files, a name with a space)",
    "masked_pipeline_error": "the reference hides an error inside a pipeline (it fails under pipefail)",
    "unset_variable": "a command reads a variable nothing sets (a script's argument or variable)",
    "missing_input": "the reference needs files the fixture does not have",
    "program_missing": "a command needs a program that is not installed where the judge runs",
    "needs_network": "the reference needs the network, which the sandbox does not have",
    "needs_root": "the reference needs root or host access, which the sandbox does not give",
    "reference_fails": "the reference itself fails on the fixture",
    "reference_timeout": "the reference does not finish within the time limit",
    "reference_output_limit": "the reference prints more than the capture limit",
    "not_deterministic": "two runs of the reference differ",
    "reference_blocked": "the risk classifier blocks the reference, so it is never run",
    "reference_unparseable": "the reference is not valid bash",
    "setup_failed": "the example's setup snippet failed",
    "sandbox_unavailable": "no sandbox here, so nothing was run",
    "sandbox_error": "the sandbox failed before the command started",
    "bad_pair": "the pair itself is malformed (empty reference, bad fixture files)",
    "judge_error": "the judge itself failed on this pair (a bug: please report the pair)",
}

# a reference ending in one of these prints lines whose order is the point
_ORDERING_UTILITIES = frozenset(
    {"sort", "tac", "head", "tail", "nl", "uniq", "rev", "shuf", "column", "paste"}
)
_ORDERING_LS_FLAGS = frozenset({"-t", "-S", "-r", "-v", "-X", "-U", "-c", "-u", "--sort", "--reverse"})
_NETWORK_HINTS = re.compile(
    r"could not resolve|name resolution|network is unreachable|name or service not known|"
    r"unable to resolve|failed to connect|connection refused|no route to host|temporary failure in name",
    re.IGNORECASE,
)
_NETWORK_UTILITIES = frozenset(
    {"curl", "wget", "ssh", "scp", "sftp", "ftp", "ping", "nc", "ncat", "telnet", "dig", "nslookup", "host"}
    | {"whois", "traceroute", "apt", "apt-get", "pip", "pip3", "npm", "aria2c", "lftp", "ntpdate"}
)
_ROOT_UTILITIES = frozenset(
    {"su", "chown", "chgrp", "mount", "umount", "useradd", "userdel", "usermod", "groupadd", "passwd"}
    | {"systemctl", "service", "iptables", "modprobe", "insmod", "reboot", "shutdown", "chroot", "sysctl"}
    | {"dpkg", "visudo", "crontab", "setcap", "swapon", "fdisk", "mkfs", "losetup", "renice"}
)
_ROOT_HINTS = re.compile(
    r"permission denied|operation not permitted|must be (run as )?root|are you root|superuser|"
    r"requires root|only root|read-only file system|is not the name of a known user|"
    r"is not the name of an existing group|invalid user|invalid group",
    re.IGNORECASE,
)
_MISSING_INPUT_HINTS = re.compile(
    r"no such file or directory|cannot access|cannot stat|can't open|cannot open|does not exist|"
    r"not a directory|no such device|not found",
    re.IGNORECASE,
)
_NOT_FOUND_HINT = re.compile(r"command not found|: not found$", re.IGNORECASE | re.MULTILINE)
_ERROR_HINTS = re.compile(
    _MISSING_INPUT_HINTS.pattern + r"|permission denied|invalid|unrecognized|usage:|error|cannot|can't|"
    r"failed|missing (file )?operand|is a directory|file exists|not permitted",
    re.IGNORECASE,
)
_SIGPIPE_STATUS = 128 + 13
# programs whose exit status is an answer: a silent non-zero exit from them means "no", not failure
_PREDICATES = frozenset(
    {"grep", "egrep", "fgrep", "zgrep", "rgrep", "test", "[", "[[", "cmp", "diff", "false", "expr"}
    | {"pgrep", "pidof", "which", "type", "command", "read", "let", "xargs", "find"}
)
# what reads the clock, process ids or randomness: a reference with one of these may differ when rerun
_CLOCK_PROGRAMS = frozenset(
    {"date", "mktemp", "shuf", "w", "who", "uptime", "top", "ps", "free", "vmstat", "iostat", "uuidgen"}
    | {"last", "lastlog", "time", "timeout", "sleep", "watch", "openssl", "pgrep", "pidof", "jobs", "at"}
    | {"tar", "zip", "gzip", "df", "dd", "history", "pstree", "lsof", "ss", "netstat"}
)
_VARYING_WORDS = re.compile(
    r"\$(\$|\{?(RANDOM|SRANDOM|BASHPID|PPID|SECONDS|EPOCHSECONDS|EPOCHREALTIME)\b)|/dev/u?random|/proc/|"
    r"-printf|-ls\b|-newer[a-z]*\b|-[acm]min\b|\brand\(|systime|strftime"
)
_CLOCK_TEXT = re.compile(r"\b\d{1,2}:\d\d\b|\b1[6-9]\d{8}\b")
# what programs keep for themselves in HOME (settings, caches, histories): not a command's effect
_BOOKKEEPING = re.compile(
    re.escape(SANDBOX_HOME) + r"/(\.config|\.cache|\.local|\.[\w.-]*_?history|\.lesshst|\.viminfo|"
    r"\.wget-hsts|\.selected_editor|\.sudo_as_admin_successful)(?:/|$)"
)


@dataclass(frozen=True)
class EquivalenceResult:
    """The verdict for one pair, why, and a stable code for the why."""

    equivalent: bool | None
    reason: str
    structural: float | None  # NLC2CMD score in [-1, 1]; None only if it could not be computed
    code: str = ""
    # how much of what the prediction did the closest reference did too (lines printed, files left),
    # in [0, 1]; None when the verdict came without comparing two runs
    overlap: float | None = None

    def to_dict(self) -> dict:
        return {
            "equivalent": self.equivalent,
            "reason": self.reason,
            "structural": self.structural,
            "code": self.code,
            "overlap": self.overlap,
        }


@dataclass(frozen=True)
class EquivalencePair:
    """One question for the judge: an example's references, a prediction, and their fixture."""

    reference: str
    prediction: str
    files: Mapping[str, str] | None = field(default=None, hash=False)
    setup: str | None = None
    alternatives: tuple[str, ...] = ()  # further references: equivalent to any one is equivalent

    @property
    def references(self) -> tuple[str, ...]:
        """The references, with typographic quotes and dashes made ASCII (as the corpus build does)."""
        cleaned = (_ascii_punctuation(r) for r in (self.reference, *self.alternatives))
        return tuple(dict.fromkeys(r for r in cleaned if r.strip()))


_TYPOGRAPHIC = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
                              "\u2013": "-", "\u2014": "-", "\u00a0": " "})  # fmt: skip


def _ascii_punctuation(command: str) -> str:
    """Curly quotes and long dashes in a published reference are copy-paste damage, not bash."""
    return command.translate(_TYPOGRAPHIC)


@dataclass(frozen=True)
class _Verdict:
    equivalent: bool | None
    reason: str
    code: str
    overlap: float | None = None


def _undecided(code: str, reason: str = "") -> _Verdict:
    return _Verdict(None, reason or UNDECIDED_CODES[code], code)


def judge_equivalence(
    reference: str,
    prediction: str,
    files: Mapping[str, str] | None = None,
    setup: str | None = None,
    *,
    alternatives: Sequence[str] = (),
    limits: SandboxLimits = DEFAULT_LIMITS,
) -> EquivalenceResult:
    """Run the references and the prediction in the sandbox and decide whether they are equivalent."""
    pair = EquivalencePair(reference, prediction, files, setup, tuple(alternatives))
    return _judge_pair(pair, limits, _Runs(limits))


def judge_many(
    pairs: Sequence[EquivalencePair],
    workers: int | None = None,
    *,
    limits: SandboxLimits = DEFAULT_LIMITS,
) -> list[EquivalenceResult]:
    """Judge pairs in parallel (threads: the work happens in sandbox processes); order kept.

    Runs of the same reference on the same fixture are shared across pairs of the batch.
    """
    runs = _Runs(limits)
    judge = functools.partial(_judge_pair, limits=limits, runs=runs)
    # a sandbox run mostly waits (namespaces, exec, teardown), so more threads than CPUs pay off
    workers = max(1, workers or 4 * (os.cpu_count() or 1))
    if workers == 1 or len(pairs) <= 1:
        return [judge(pair) for pair in pairs]
    with ThreadPoolExecutor(max_workers=min(workers, len(pairs))) as pool:
        return list(pool.map(judge, pairs))


def _judge_pair(pair: EquivalencePair, limits: SandboxLimits, runs: _Runs) -> EquivalenceResult:
    """One pair: a bad pair becomes an undecided verdict with its reason, never a failed batch."""
    try:
        structural: float | None = max(structural_score(ref, pair.prediction) for ref in pair.references)
    except Exception:  # noqa: BLE001 - the fallback score must never sink the verdict
        structural = None
    try:
        verdict = _decide(pair, limits, runs)
    except SandboxUnavailable as error:
        verdict = _undecided("sandbox_unavailable", str(error))
    except SecureCliError as error:
        verdict = _undecided("bad_pair", str(error))
    except Exception as error:  # noqa: BLE001 - one pair never sinks a batch; the code makes it visible
        verdict = _undecided("judge_error", f"the judge failed on this pair ({type(error).__name__})")
    return EquivalenceResult(verdict.equivalent, verdict.reason, structural, verdict.code, verdict.overlap)


def _decide(pair: EquivalencePair, limits: SandboxLimits, runs: _Runs) -> _Verdict:
    if not pair.references:
        return _undecided("bad_pair", "reference is empty")
    if not pair.prediction.strip():
        return _Verdict(False, "prediction is empty", "prediction_empty")
    base = fixture_for(pair.files)  # validates an example's files (DataError -> bad_pair)
    screened = _screen(pair)
    if isinstance(screened, _Verdict):
        return screened
    candidates, problems = screened
    inputs = inputs_for(tuple(candidates), base)
    unset = [name for name in unset_variables(pair.prediction) if name not in inputs.bound]
    if unset:
        return _undecided("unset_variable", f"prediction depends on unset variable ${unset[0]}")
    available, why = sandbox_status()
    if not available:
        return _undecided("sandbox_unavailable", why)
    case = _Case(pair, runs, limits)
    usable: list[tuple[str, SandboxRun]] = []
    idle = False  # a reference ran fine and did nothing observable
    for reference in candidates:
        problem, run = _assess_reference(reference, inputs, case)
        if problem is None and run is not None:
            usable.append((reference, run))
        else:
            problems.append(problem or _undecided("sandbox_error"))
            idle |= problem is not None and problem.code == "reference_does_nothing"
    if not usable and not idle:
        return _most_telling(problems)
    prediction_run = runs.get(pair.prediction, inputs, pair.setup, pipefail=False, cache=False)
    trouble = _prediction_trouble(prediction_run, usable, case)
    if trouble is not None:
        return trouble
    if not usable:
        # doing nothing cannot show two commands equal, but doing something where the
        # reference does nothing shows them different on this very tree
        if prediction_run.stdout.strip() or _changes_files(prediction_run, case):
            reason = "the reference does nothing here; the prediction prints or changes files"
            return _Verdict(False, reason, "different_behaviour")
        return _most_telling(problems)
    verdict, matched = _against(usable, prediction_run, inputs, case, problems)
    if verdict.equivalent and matched is not None and inputs.corners is not None:
        return _second_look(matched, inputs.corners, case) or verdict
    return verdict


@dataclass(frozen=True)
class _Case:
    """What every step of one pair's judgement needs besides the runs it looks at."""

    pair: EquivalencePair
    runs: _Runs
    limits: SandboxLimits

    @functools.cached_property
    def mentioned(self) -> str:
        """Every command of the pair, to tell a program's bookkeeping from a path a command names."""
        return "\n".join((*self.pair.references, self.pair.prediction))


def _screen(pair: EquivalencePair) -> _Verdict | tuple[list[str], list[_Verdict]]:
    """Decide what needs no run (blocked, unparseable, identical); else the references worth running."""
    from securecli_eval.shell.syntax import check_syntax

    blocked = _blocked(pair.prediction)
    if blocked:
        return _Verdict(False, f"prediction blocked by risk rule {blocked}", "prediction_blocked")
    if not parses_cleanly(pair.prediction) and not (syntax := check_syntax(pair.prediction)).valid:
        return _Verdict(False, f"prediction does not parse: {syntax.error}", "prediction_unparseable")
    problems: list[_Verdict] = []
    candidates: list[str] = []
    for reference in pair.references:
        rule = _blocked(reference)
        if rule:
            problems.append(
                _undecided("reference_blocked", f"reference blocked by risk rule {rule}; not run")
            )
        elif not parses_cleanly(reference) and not check_syntax(reference).valid:
            problems.append(_undecided("reference_unparseable"))
        elif _same_words(reference, pair.prediction):
            return _Verdict(True, "identical command", "identical")
        else:
            candidates.append(reference)
    return (candidates, problems) if candidates else problems[0]


def _against(
    usable: Sequence[tuple[str, SandboxRun]],
    prediction_run: SandboxRun,
    inputs: Inputs,
    case: _Case,
    problems: list[_Verdict],
) -> tuple[_Verdict, str | None]:
    """The prediction against every reference that can decide: the same as any is equivalent.

    Returns the verdict and the reference the prediction matched (None when it matched none).
    """
    pair, runs = case.pair, case.runs
    differences: list[_Verdict] = []
    for reference, reference_run in usable:
        same, reason = compare_runs(
            reference_run, prediction_run, order_matters=_order_matters(reference), mentioned=case.mentioned
        )
        reference_errors = bool(_ERROR_HINTS.search(reference_run.stderr_text))
        if same and _ERROR_HINTS.search(prediction_run.stderr_text) and not reference_errors:
            differences.append(
                _Verdict(False, "prediction reports errors the reference does not", "prediction_fails", 1.0)
            )
            continue
        if same:
            hidden = None if reference_errors else _hidden_pipeline_error(prediction_run, inputs, case)
            if hidden is not None:
                differences.append(dataclasses.replace(hidden, overlap=1.0))
                continue
            return _Verdict(True, reason, "same_behaviour", 1.0), reference
        if _may_vary(reference, reference_run):
            rerun = runs.get(reference, inputs, pair.setup, pipefail=False, attempt=1)
            if rerun.exit_code is None or not compare_runs(reference_run, rerun, order_matters=True)[0]:
                problems.append(_undecided("not_deterministic"))
                continue
        overlap = _overlap(reference_run, prediction_run, case.mentioned)
        differences.append(_Verdict(False, reason, "different_behaviour", overlap))
    if not differences:
        return _most_telling(problems), None
    closest = max(verdict.overlap or 0.0 for verdict in differences)
    return dataclasses.replace(differences[0], overlap=closest), None


def _second_look(reference: str, corners: Inputs, case: _Case) -> _Verdict | None:
    """The pair again on the fixture with corner cases; undecided when the verdict changes there.

    The first fixture is what a person would try; the second adds what the reference looks for
    in another shape (a directory where it looks for files, a name with a space). Two commands
    equal on the first and different on the second agree by luck of the fixture, so the pair
    is undecided. A reference that cannot serve on the second fixture leaves the verdict as it is.
    """
    problem, reference_run = _assess_reference(reference, corners, case)
    if problem is not None or reference_run is None:
        return None
    prediction_run = case.runs.get(
        case.pair.prediction, corners, case.pair.setup, pipefail=False, cache=False
    )
    trouble = _prediction_trouble(prediction_run, [(reference, reference_run)], case)
    if trouble is not None and trouble.equivalent is None:
        return None  # the machine, not the pair (a sandbox error): the first verdict stands
    if trouble is None:
        same, reason = compare_runs(
            reference_run, prediction_run, order_matters=_order_matters(reference), mentioned=case.mentioned
        )
        if same:
            return None
    else:
        reason = trouble.reason
    return _undecided("fixture_sensitive", f"{UNDECIDED_CODES['fixture_sensitive']}: {reason}")


def _may_vary(reference: str, run: SandboxRun) -> bool:
    """Whether a second run of the reference might differ, so a difference needs that run to count.

    Everything in the sandbox is fixed (files, times, users, host name, stdin) except the clock,
    process ids and randomness: a reference that calls a program reading those, expands a
    variable that does, or prints something like a time of day is run again; others are not.
    """
    calls = utility_calls(reference)
    if any(call.utility in _CLOCK_PROGRAMS for call in calls) or _VARYING_WORDS.search(reference):
        return True
    if any(call.utility == "sort" and call.flags & {"-R", "--random-sort"} for call in calls):
        return True
    return bool(_CLOCK_TEXT.search(run.stdout_text))


def _most_telling(problems: Sequence[_Verdict]) -> _Verdict:
    """Of several references' problems, the one that says most (a blocked one says least)."""
    ranked = sorted(
        problems, key=lambda verdict: verdict.code in {"reference_blocked", "reference_unparseable"}
    )
    return ranked[0]


def _blocked(command: str) -> str:
    """The risk rule that blocks ``command``, or ''; such a command is never executed."""
    from securecli_eval.shell.risk import classify

    verdict = classify(command)
    return str(verdict.rule) if verdict.verdict == "block" else ""


def _same_words(reference: str, prediction: str) -> bool:
    """Same words and no operators: equal by definition (operators are judged by running).

    A word with a glob in it must be quoted on both sides or on neither: ``*.pl`` is expanded
    by the shell where ``'*.pl'`` is not.
    """
    try:
        words = shlex.split(reference)
        if words != shlex.split(prediction) or re.search(r"[|;&<>()$`]", reference):
            return False
        raw = zip(shlex.split(reference, posix=False), shlex.split(prediction, posix=False), strict=False)
    except ValueError:
        return False
    return all(_quoted(a) == _quoted(b) for a, b in raw if re.search(r"[*?\[]", a + b))


def _quoted(word: str) -> bool:
    return bool(re.search(r"['\"\\]", word))


def _assess_reference(
    reference: str, inputs: Inputs, case: _Case
) -> tuple[_Verdict | None, SandboxRun | None]:
    """(why the reference cannot serve as ground truth, or None; its run)."""
    unset = [name for name in unset_variables(reference) if name not in inputs.bound]
    if unset:
        return _undecided("unset_variable", f"reference depends on unset variable ${unset[0]}"), None
    if runs_in_background(reference):
        return _undecided("not_deterministic", "the reference leaves work running in the background"), None
    setup = case.pair.setup
    run = case.runs.get(reference, inputs, setup, pipefail=False)
    if run.error:
        return _undecided("sandbox_error", run.error), None
    if run.setup_exit_code:
        return _undecided("setup_failed", f"setup failed (exit {run.setup_exit_code})"), None
    if run.timed_out:
        return _undecided("reference_timeout"), None
    if run.memory_exceeded:
        return _undecided("reference_fails", "the reference needs more memory than the sandbox allows"), None
    if run.stdout_truncated:
        return _undecided("reference_output_limit"), None
    failure = _failure(reference, run, strict=True)
    if failure is not None:
        return failure, None
    if run.files is None:
        return _undecided("sandbox_error", "reference left files that cannot be read back"), None
    if not run.stdout.strip() and not _changes_files(run, case):
        return _undecided("reference_does_nothing"), run
    if run.stderr.strip():
        if _NOT_FOUND_HINT.search(run.stderr_text):
            return _undecided("program_missing", "reference calls a program not installed here"), None
        if _has_pipeline(reference):
            strict = case.runs.get(reference, inputs, setup, pipefail=True)
            if strict.exit_code is not None and _failure(reference, strict) is not None:
                return _undecided("masked_pipeline_error"), None
    return None, run


def _failure(command: str, run: SandboxRun, strict: bool = False) -> _Verdict | None:
    """Why a finished run counts as failed, or None.

    A silent non-zero exit is a valid "no" from a program whose status is an answer (``grep``
    finding nothing, ``test``, ``cmp``; ``xargs`` passing one on). ``strict`` (for references,
    which must be ground truth) counts a silent non-zero exit of anything else as a failure.
    """
    code = run.exit_code
    assert code is not None
    stderr = run.stderr_text
    if code == 0 or code == _SIGPIPE_STATUS:
        return None
    utilities = [call.utility for call in utility_calls(command)]
    if code in (126, 127) or _NOT_FOUND_HINT.search(stderr):
        missing = next((u for u in utilities if "/" not in u and shutil.which(u) is None), "")
        if missing or code == 127:
            return _undecided(
                "program_missing", f"needs a program not installed here{f': {missing}' if missing else ''}"
            )
    if code > 128:
        return _undecided("reference_fails", f"killed by signal {code - 128}")
    if _NETWORK_HINTS.search(stderr) or set(utilities) & _NETWORK_UTILITIES:
        return _undecided("needs_network")  # also when quiet: curl -s fails silently
    if not stderr.strip():
        if strict and not set(utilities) & _PREDICATES:
            return _undecided("reference_fails", f"fails with exit {code} and no error message")
        return None
    if _ROOT_HINTS.search(stderr) or set(utilities) & _ROOT_UTILITIES:
        return _undecided("needs_root")
    if _MISSING_INPUT_HINTS.search(stderr):
        return _undecided("missing_input")
    return _undecided("reference_fails", f"fails with exit {code} and an error message")


def _prediction_trouble(
    run: SandboxRun, usable: Sequence[tuple[str, SandboxRun]], case: _Case
) -> _Verdict | None:
    """A prediction run that settles the verdict before any comparison (or cannot be judged).

    Failing with an error message is a difference only where no reference reports errors too:
    ``find . | xargs grep foo`` complains about directories exactly as ``find . -exec grep foo {} \\;``
    does, and the two are compared on what they print and change.
    """
    limits = case.limits
    if run.error:
        return _undecided("sandbox_error", run.error)
    if run.setup_exit_code:
        return _undecided("setup_failed", f"setup failed (exit {run.setup_exit_code})")
    if run.timed_out:
        return _Verdict(
            False, f"prediction did not finish within {limits.wall_seconds:g}s", "prediction_timeout"
        )
    if run.memory_exceeded:
        return _Verdict(False, "prediction was killed for passing the memory cap", "prediction_fails")
    if run.stdout_truncated:
        return _Verdict(
            False, f"prediction printed more than {limits.output_bytes} bytes", "prediction_output_limit"
        )
    if run.files is None:
        return _Verdict(False, "prediction left files that cannot be read back", "prediction_unreadable")
    failure = _failure(case.pair.prediction, run)
    if failure is None:
        return None
    if failure.code == "program_missing":
        return _undecided("program_missing", f"prediction {failure.reason}")
    code = run.exit_code
    if code is not None and code <= 128 and any(_ERROR_HINTS.search(ref.stderr_text) for _, ref in usable):
        return None
    how = f"killed by signal {code - 128}" if code and code > 128 else f"exit {code} with an error message"
    return _Verdict(False, f"prediction fails ({how})", "prediction_fails")


def _hidden_pipeline_error(run: SandboxRun, inputs: Inputs, case: _Case) -> _Verdict | None:
    """A prediction that matches only because a pipeline swallowed its error does not match."""
    prediction = case.pair.prediction
    if not (_has_pipeline(prediction) and run.stderr.strip()):
        return None
    strict = case.runs.get(prediction, inputs, case.pair.setup, pipefail=True, cache=False)
    if strict.exit_code is not None and _failure(prediction, strict) is not None:
        return _Verdict(
            False, "prediction hides an error inside a pipeline (it fails under pipefail)", "prediction_fails"
        )
    return None


def _has_pipeline(command: str) -> bool:
    return bool(re.search(r"(?<![|>])\|(?![|])", command))


def _order_matters(reference: str) -> bool:
    calls = utility_calls(reference)
    if not calls:
        return True
    last = calls[-1]
    if last.utility in _ORDERING_UTILITIES:
        return True
    return last.utility == "ls" and bool(last.flags & _ORDERING_LS_FLAGS)


def compare_runs(
    reference: SandboxRun, prediction: SandboxRun, order_matters: bool, mentioned: str = ""
) -> tuple[bool, str]:
    """(same, why): standard output and the resulting files; reasons never quote output.

    New files programs keep for themselves in HOME (``~/.config``, ``~/.cache``, histories) are
    left out unless ``mentioned`` (the pair's commands) names them.
    """
    if prediction.exit_code is None:
        return False, "prediction did not finish"
    output_same, output_reason = _compare_output(reference.stdout_text, prediction.stdout_text, order_matters)
    if not output_same:
        return False, output_reason
    files_reason = _compare_files(_effect(reference, mentioned), _effect(prediction, mentioned))
    if files_reason:
        return False, files_reason
    return True, output_reason


def _compare_output(reference: str, prediction: str, order_matters: bool) -> tuple[bool, str]:
    if reference == prediction:
        return True, "same output and files"
    reference_lines = [line.rstrip() for line in reference.rstrip().splitlines()]
    prediction_lines = [line.rstrip() for line in prediction.rstrip().splitlines()]
    if reference_lines == prediction_lines:
        return True, "same output up to trailing whitespace, same files"
    if (
        not order_matters
        and len(reference_lines) > 1
        and Counter(reference_lines) == Counter(prediction_lines)
    ):
        return True, "same lines in another order (listing), same files"
    reference_entries, prediction_entries = _entries(reference), _entries(prediction)
    if reference_entries == prediction_entries or (
        not order_matters and Counter(reference_entries) == Counter(prediction_entries)
    ):
        return True, "same lines up to ./ prefixes and NUL separators, same files"
    for index, (expected, got) in enumerate(zip(reference_lines, prediction_lines, strict=False), start=1):
        if expected != got:
            return False, f"output differs at line {index}"
    return False, f"output has {len(prediction_lines)} lines, expected {len(reference_lines)}"


_WORK_PREFIX = re.compile(r"(?<![^\s])(?:\./|" + re.escape(WORK_DIR) + r"/)")


def _entries(output: str) -> list[str]:
    """An output's lines as a person reads a listing: NUL separates like a newline (``-print0``), and
    paths mean the same with or without ``./`` or the work dir in front (``find .`` vs ``find "$PWD"``)."""
    text = _WORK_PREFIX.sub("", output.replace("\0", "\n"))
    return [line.strip() for line in text.splitlines() if line.strip()]


def _compare_files(reference: Sequence[FileState], prediction: Sequence[FileState]) -> str:
    """The first difference, naming only paths the reference's tree has (never the prediction's own names)."""
    expected = {entry.path: entry for entry in reference}
    got = {entry.path: entry for entry in prediction}
    missing = sorted(expected.keys() - got.keys())
    if missing:
        more = f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""
        return f"files differ: {_shown(missing[0])} missing{more}"
    extra = got.keys() - expected.keys()
    if extra:
        return f"files differ: {len(extra)} unexpected {'entry' if len(extra) == 1 else 'entries'}"
    for path in sorted(expected):
        want, have = expected[path], got[path]
        if want.kind != have.kind:
            return f"files differ: {_shown(path)} is a {have.kind}, expected a {want.kind}"
        if want.digest != have.digest or want.target != have.target:
            return f"files differ: content of {_shown(path)}"
        if want.mode != have.mode:
            return f"files differ: mode of {_shown(path)} is {have.mode:o}, expected {want.mode:o}"
    return ""


def _overlap(reference: SandboxRun, prediction: SandboxRun, mentioned: str) -> float:
    """Jaccard similarity of what two runs showed: output entries, and the files they left changed."""

    def facts(run: SandboxRun) -> Counter:
        before = set(run.initial_files)
        changed = [entry for entry in _effect(run, mentioned) if entry not in before]
        gone = before - set(_effect(run, mentioned))
        return Counter(_entries(run.stdout_text)) + Counter(changed) + Counter(("gone", e.path) for e in gone)

    expected, got = facts(reference), facts(prediction)
    union = sum((expected | got).values())
    return round(sum((expected & got).values()) / union, 3) if union else 1.0


def _effect(run: SandboxRun, mentioned: str) -> tuple[FileState, ...]:
    """The files a run left, without new bookkeeping of programs (settings, caches, histories)."""
    before = {entry.path for entry in run.initial_files}
    return tuple(
        entry for entry in run.files or () if entry.path in before or not _bookkeeping(entry.path, mentioned)
    )


def _bookkeeping(path: str, mentioned: str) -> bool:
    match = _BOOKKEEPING.match(path)
    return match is not None and match.group(1) not in mentioned


def _changes_files(run: SandboxRun, case: _Case) -> bool:
    """Whether the run changed files beyond the bookkeeping of the programs it ran."""
    return _effect(run, case.mentioned) != run.initial_files


def _shown(path: str) -> str:
    return repr(path if len(path) <= 80 else path[:77] + "...")


class _Runs:
    """Sandbox runs of one batch; a reference's runs are shared by every pair that has it."""

    def __init__(self, limits: SandboxLimits) -> None:
        self._limits = limits
        self._lock = threading.Lock()
        self._cells: dict[tuple, _Cell] = {}

    def get(
        self,
        command: str,
        inputs: Inputs,
        setup: str | None,
        *,
        pipefail: bool,
        attempt: int = 0,
        cache: bool = True,
    ) -> SandboxRun:
        if not cache:
            return self._run(command, inputs, setup, pipefail)
        key = (command, inputs.fixture.key, inputs.environment, inputs.arguments, setup, pipefail, attempt)
        with self._lock:
            cell = self._cells.setdefault(key, _Cell())
        with cell.lock:
            if cell.run is None:
                cell.run = self._run(command, inputs, setup, pipefail)
            return cell.run

    def _run(self, command: str, inputs: Inputs, setup: str | None, pipefail: bool) -> SandboxRun:
        return run_in_sandbox(
            command,
            setup=setup,
            limits=self._limits,
            fixture=inputs.fixture,
            pipefail=pipefail,
            environment=inputs.environment,
            arguments=inputs.arguments,
        )


@dataclass
class _Cell:
    lock: threading.Lock = field(default_factory=threading.Lock)
    run: SandboxRun | None = None
