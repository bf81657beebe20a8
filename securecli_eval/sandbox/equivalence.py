"""Functional equivalence: do two commands do the same thing to the same files?

Exact match punishes ``ls -al`` against ``ls -la``. Instead, the reference and the
prediction run on identical fresh copies of a fixture in the sandbox and we compare what
they did: standard output (exactly, then up to trailing whitespace, then as a multiset of
lines when the reference's output is a listing whose order means nothing), whether each
failed, and the resulting files in HOME, the work dir and /tmp (paths, types, contents,
modes). An example may have several references; the prediction is equivalent when it is
equivalent to any one of them.

The verdict is True, False, or None ("undecided") when execution cannot tell. Undecided is
not a failure of the prediction: it says the reference cannot serve as ground truth here, and
``code`` says why (``UNDECIDED_CODES``): the reference does nothing observable on the fixture
(prints nothing, changes no file: any prediction that also does nothing would "match"), it
hides an error inside a pipeline (it fails under ``pipefail``), either side reads a variable
nothing sets, the reference needs input files, a program, the network or root the sandbox
does not have, it fails, times out, floods its output or is not deterministic. Reasons never
quote what a command printed. The NLC2CMD structural score is kept beside the verdict, never
mixed into it.
"""

from __future__ import annotations

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
from securecli_eval.sandbox.bwrap import WORK_DIR
from securecli_eval.sandbox.dependencies import unset_variables
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


@dataclass(frozen=True)
class EquivalenceResult:
    """The verdict for one pair, why, and a stable code for the why."""

    equivalent: bool | None
    reason: str
    structural: float | None  # NLC2CMD score in [-1, 1]; None only if it could not be computed
    code: str = ""

    def to_dict(self) -> dict:
        return {
            "equivalent": self.equivalent,
            "reason": self.reason,
            "structural": self.structural,
            "code": self.code,
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
    return EquivalenceResult(verdict.equivalent, verdict.reason, structural, verdict.code)


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
    usable: list[tuple[str, SandboxRun]] = []
    idle = False  # a reference ran fine and did nothing observable
    for reference in candidates:
        problem, run = _assess_reference(reference, inputs, pair.setup, runs)
        if problem is None and run is not None:
            usable.append((reference, run))
        else:
            problems.append(problem or _undecided("sandbox_error"))
            idle |= problem is not None and problem.code == "reference_does_nothing"
    if not usable and not idle:
        return _most_telling(problems)
    prediction_run = runs.get(pair.prediction, inputs, pair.setup, pipefail=False, cache=False)
    trouble = _prediction_trouble(pair.prediction, prediction_run, limits)
    if trouble is not None:
        return trouble
    if not usable:
        # doing nothing cannot show two commands equal, but doing something where the
        # reference does nothing shows them different on this very tree
        if prediction_run.stdout.strip() or prediction_run.files_changed:
            reason = "the reference does nothing here; the prediction prints or changes files"
            return _Verdict(False, reason, "different_behaviour")
        return _most_telling(problems)
    return _against(pair, usable, prediction_run, inputs, runs, problems)


def _screen(pair: EquivalencePair) -> _Verdict | tuple[list[str], list[_Verdict]]:
    """Decide what needs no run (blocked, unparseable, identical); else the references worth running."""
    from securecli_eval.shell.syntax import check_syntax

    blocked = _blocked(pair.prediction)
    if blocked:
        return _Verdict(False, f"prediction blocked by risk rule {blocked}", "prediction_blocked")
    syntax = check_syntax(pair.prediction)
    if not syntax.valid:
        return _Verdict(False, f"prediction does not parse: {syntax.error}", "prediction_unparseable")
    problems: list[_Verdict] = []
    candidates: list[str] = []
    for reference in pair.references:
        rule = _blocked(reference)
        if rule:
            problems.append(
                _undecided("reference_blocked", f"reference blocked by risk rule {rule}; not run")
            )
        elif not check_syntax(reference).valid:
            problems.append(_undecided("reference_unparseable"))
        elif _same_words(reference, pair.prediction):
            return _Verdict(True, "identical command", "identical")
        else:
            candidates.append(reference)
    return (candidates, problems) if candidates else problems[0]


def _against(
    pair: EquivalencePair,
    usable: Sequence[tuple[str, SandboxRun]],
    prediction_run: SandboxRun,
    inputs: Inputs,
    runs: _Runs,
    problems: list[_Verdict],
) -> _Verdict:
    """The prediction against every reference that can decide: the same as any is equivalent."""
    differences: list[_Verdict] = []
    for reference, reference_run in usable:
        same, reason = compare_runs(reference_run, prediction_run, order_matters=_order_matters(reference))
        if same and _ERROR_HINTS.search(prediction_run.stderr_text) and not reference_run.stderr.strip():
            differences.append(
                _Verdict(False, "prediction reports errors the reference does not", "prediction_fails")
            )
            continue
        if same:
            hidden = _hidden_pipeline_error(pair.prediction, prediction_run, inputs, pair.setup, runs)
            if hidden is not None:
                differences.append(hidden)
                continue
            return _Verdict(True, reason, "same_behaviour")
        rerun = runs.get(reference, inputs, pair.setup, pipefail=False, attempt=1)
        if rerun.exit_code is None or not compare_runs(reference_run, rerun, order_matters=True)[0]:
            problems.append(_undecided("not_deterministic"))
            continue
        differences.append(_Verdict(False, reason, "different_behaviour"))
    return differences[0] if differences else _most_telling(problems)


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
    """Same words and no operators: equal by definition (operators are judged by running)."""
    try:
        return shlex.split(reference) == shlex.split(prediction) and not re.search(r"[|;&<>()$`]", reference)
    except ValueError:
        return False


def _assess_reference(
    reference: str, inputs: Inputs, setup: str | None, runs: _Runs
) -> tuple[_Verdict | None, SandboxRun | None]:
    """(why the reference cannot serve as ground truth, or None; its run)."""
    unset = [name for name in unset_variables(reference) if name not in inputs.bound]
    if unset:
        return _undecided("unset_variable", f"reference depends on unset variable ${unset[0]}"), None
    run = runs.get(reference, inputs, setup, pipefail=False)
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
    failure = _failure(reference, run)
    if failure is not None:
        return failure, None
    if run.files is None:
        return _undecided("sandbox_error", "reference left files that cannot be read back"), None
    if not run.stdout.strip() and not run.files_changed:
        return _undecided("reference_does_nothing"), run
    if run.stderr.strip():
        if _NOT_FOUND_HINT.search(run.stderr_text):
            return _undecided("program_missing", "reference calls a program not installed here"), None
        if _has_pipeline(reference):
            strict = runs.get(reference, inputs, setup, pipefail=True)
            if strict.exit_code is not None and _failure(reference, strict) is not None:
                return _undecided("masked_pipeline_error"), None
    return None, run


def _failure(command: str, run: SandboxRun) -> _Verdict | None:
    """Why a finished run counts as failed, or None. A silent non-zero exit is a valid "false"."""
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
        return None
    if _ROOT_HINTS.search(stderr) or set(utilities) & _ROOT_UTILITIES:
        return _undecided("needs_root")
    if _MISSING_INPUT_HINTS.search(stderr):
        return _undecided("missing_input")
    return _undecided("reference_fails", f"fails with exit {code} and an error message")


def _prediction_trouble(prediction: str, run: SandboxRun, limits: SandboxLimits) -> _Verdict | None:
    """A prediction run that settles the verdict before any comparison (or cannot be judged)."""
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
    failure = _failure(prediction, run)
    if failure is None:
        return None
    if failure.code == "program_missing":
        return _undecided("program_missing", f"prediction {failure.reason}")
    code = run.exit_code
    how = f"killed by signal {code - 128}" if code and code > 128 else f"exit {code} with an error message"
    return _Verdict(False, f"prediction fails ({how})", "prediction_fails")


def _hidden_pipeline_error(
    prediction: str, run: SandboxRun, inputs: Inputs, setup: str | None, runs: _Runs
) -> _Verdict | None:
    """A prediction that matches only because a pipeline swallowed its error does not match."""
    if not (_has_pipeline(prediction) and run.stderr.strip()):
        return None
    strict = runs.get(prediction, inputs, setup, pipefail=True, cache=False)
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


def compare_runs(reference: SandboxRun, prediction: SandboxRun, order_matters: bool) -> tuple[bool, str]:
    """(same, why): standard output and the resulting files; reasons never quote output."""
    if prediction.exit_code is None:
        return False, "prediction did not finish"
    output_same, output_reason = _compare_output(reference.stdout_text, prediction.stdout_text, order_matters)
    if not output_same:
        return False, output_reason
    files_reason = _compare_files(reference.files or (), prediction.files or ())
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
    if reference_entries == prediction_entries:
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
