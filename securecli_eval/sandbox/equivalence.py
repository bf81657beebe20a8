"""Functional equivalence: do two commands do the same thing to the same files?

Exact match punishes ``ls -al`` against ``ls -la``. Instead, both commands run on
identical fresh copies of a fixture in the sandbox and we compare what they did:
standard output (exactly, then up to trailing whitespace, then as a multiset of lines
when the reference's output is a listing whose order means nothing), the class of the
exit status, and the resulting working directory (paths, types, contents, modes).

The verdict is True, False, or None when execution cannot decide (a timeout, the
reference needs network or root, the reference itself fails or is not deterministic,
no sandbox here). The NLC2CMD-style structural score is always computed and kept
beside the verdict, never mixed into it.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from securecli_eval.errors import SandboxUnavailable, SecureCliError
from securecli_eval.sandbox.runner import (
    DEFAULT_LIMITS,
    SandboxLimits,
    SandboxRun,
    run_in_sandbox,
    sandbox_status,
)
from securecli_eval.sandbox.structural import structural_score, utility_calls

# a reference ending in one of these prints lines whose order is the point
_ORDERING_UTILITIES = frozenset(
    {"sort", "tac", "head", "tail", "nl", "uniq", "rev", "shuf", "column", "paste"}
)
_ORDERING_LS_FLAGS = frozenset({"-t", "-S", "-r", "-v", "-X", "-U", "-c", "-u", "--sort", "--reverse"})
_NETWORK_HINTS = re.compile(
    r"could not resolve|name resolution|network is unreachable|name or service not known|"
    r"unable to resolve|failed to connect|connection refused|no route to host",
    re.IGNORECASE,
)
_NETWORK_UTILITIES = frozenset(
    {"curl", "wget", "ssh", "scp", "sftp", "ftp", "ping", "nc", "ncat", "telnet", "dig", "nslookup", "host"}
    | {"rsync", "whois", "traceroute", "apt", "apt-get", "pip", "pip3", "npm", "aria2c", "lftp", "ntpdate"}
)
_ROOT_UTILITIES = frozenset(
    {"sudo", "su", "chown", "chgrp", "mount", "umount", "useradd", "userdel", "usermod", "groupadd", "passwd"}
    | {"systemctl", "service", "iptables", "modprobe", "insmod", "reboot", "shutdown", "chroot", "sysctl"}
    | {"dpkg", "visudo", "crontab", "setcap", "swapon", "fdisk", "mkfs", "losetup", "nice", "renice"}
)
_ROOT_HINTS = re.compile(
    r"permission denied|operation not permitted|must be (run as )?root|are you root|superuser|"
    r"requires root|only root",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class EquivalenceResult:
    """The verdict for one (reference, prediction) pair and why."""

    equivalent: bool | None
    reason: str
    structural: float | None  # NLC2CMD score in [-1, 1]; None only if it could not be computed

    def to_dict(self) -> dict:
        return {"equivalent": self.equivalent, "reason": self.reason, "structural": self.structural}


@dataclass(frozen=True)
class EquivalencePair:
    """One question for the judge: an example's reference, a prediction, and their fixture."""

    reference: str
    prediction: str
    files: Mapping[str, str] | None = field(default=None, hash=False)
    setup: str | None = None


def judge_equivalence(
    reference: str,
    prediction: str,
    files: dict[str, str] | None = None,
    setup: str | None = None,
    *,
    limits: SandboxLimits = DEFAULT_LIMITS,
) -> EquivalenceResult:
    """Run both commands in the sandbox and decide whether they are equivalent."""
    try:
        structural: float | None = structural_score(reference, prediction)
    except Exception:  # noqa: BLE001 - the fallback score must never sink the verdict
        structural = None
    equivalent, reason = _decide(reference, prediction, files, setup, limits)
    return EquivalenceResult(equivalent, reason, structural)


def judge_many(
    pairs: Sequence[EquivalencePair],
    workers: int | None = None,
    *,
    limits: SandboxLimits = DEFAULT_LIMITS,
) -> list[EquivalenceResult]:
    """Judge pairs in parallel (threads: the work happens in sandbox processes); order kept."""
    workers = max(1, workers or os.cpu_count() or 1)
    judge = functools.partial(_judge_pair, limits=limits)
    if workers == 1 or len(pairs) <= 1:
        return [judge(pair) for pair in pairs]
    with ThreadPoolExecutor(max_workers=min(workers, len(pairs))) as pool:
        return list(pool.map(judge, pairs))


def _judge_pair(pair: EquivalencePair, limits: SandboxLimits) -> EquivalenceResult:
    """One pair of a batch: a bad pair becomes an undecided verdict, not a failed batch."""
    try:
        files = dict(pair.files) if pair.files is not None else None
        return judge_equivalence(pair.reference, pair.prediction, files, pair.setup, limits=limits)
    except SecureCliError as error:
        return EquivalenceResult(None, str(error), None)


def _decide(
    reference: str, prediction: str, files: dict[str, str] | None, setup: str | None, limits: SandboxLimits
) -> tuple[bool | None, str]:
    if not reference.strip():
        return None, "reference is empty"
    if not prediction.strip():
        return False, "prediction is empty"
    blocked = _blocked_reason(reference, prediction)
    if blocked is not None:
        return blocked
    from securecli_eval.shell.syntax import check_syntax

    reference_syntax, prediction_syntax = check_syntax(reference), check_syntax(prediction)
    if not reference_syntax.valid:
        return None, f"reference does not parse: {reference_syntax.error}"
    if not prediction_syntax.valid:
        return False, f"prediction does not parse: {prediction_syntax.error}"
    if _same_words(reference, prediction):
        return True, "identical command"
    available, why = sandbox_status()
    if not available:
        return None, why
    try:
        reference_run = run_in_sandbox(reference, files, setup, limits)
        undecided = _reference_problem(reference, reference_run, limits)
        if undecided:
            return None, undecided
        prediction_run = run_in_sandbox(prediction, files, setup, limits)
        if prediction_run.error:
            return None, prediction_run.error
        if prediction_run.timed_out:
            return None, f"prediction timed out after {limits.wall_seconds:g}s"
        difference = compare_runs(reference_run, prediction_run, order_matters=_order_matters(reference))
        if difference.same:
            return True, difference.reason
        rerun = run_in_sandbox(reference, files, setup, limits)
        if rerun.timed_out or rerun.error or not compare_runs(reference_run, rerun, order_matters=True).same:
            return None, "reference is not deterministic (two runs differ)"
        return False, difference.reason
    except SandboxUnavailable as error:
        return None, str(error)


def _blocked_reason(reference: str, prediction: str) -> tuple[bool | None, str] | None:
    """Never execute what the risk classifier blocks; decide from the verdicts alone."""
    try:
        from securecli_eval.shell.risk import classify
    except ImportError as error:
        return None, f"risk classifier unavailable ({error}); refusing to execute"
    prediction_verdict = classify(prediction)
    if prediction_verdict.verdict == "block":
        return (
            False,
            f"prediction blocked by risk rule {prediction_verdict.rule}: {prediction_verdict.reason}",
        )
    reference_verdict = classify(reference)
    if reference_verdict.verdict == "block":
        return None, f"reference blocked by risk rule {reference_verdict.rule}; not executed"
    return None


def _same_words(reference: str, prediction: str) -> bool:
    """Same words and no operators: equal by definition (operators are judged by running)."""
    try:
        return shlex.split(reference) == shlex.split(prediction) and not re.search(r"[|;&<>()$`]", reference)
    except ValueError:
        return False


def _reference_problem(command: str, run: SandboxRun, limits: SandboxLimits) -> str:
    """Why the reference run cannot serve as ground truth, or '' when it can."""
    if run.error:
        return run.error
    if run.timed_out:
        return f"reference timed out after {limits.wall_seconds:g}s"
    if run.stdout_truncated:
        return f"reference prints more than {limits.output_bytes} bytes, the capture limit"
    if run.setup_exit_code:
        return f"setup failed (exit {run.setup_exit_code})"
    assert run.exit_code is not None
    stderr = run.stderr_text
    failed = exit_class(run.exit_code) in {"error", "not found", "signal"}
    if failed or (run.exit_code != 0 and stderr.strip()):  # exit 1 is failure only when it complains
        utilities = {call.utility for call in utility_calls(command)}
        if _NETWORK_HINTS.search(stderr) or utilities & _NETWORK_UTILITIES:
            return "reference needs network, which the sandbox does not have"
        if _ROOT_HINTS.search(stderr) or utilities & _ROOT_UTILITIES:
            return "reference needs root or host access, which the sandbox does not give"
        first = next((line for line in stderr.splitlines() if line.strip()), "no error output")
        return f"reference itself fails (exit {run.exit_code}: {first[:160]})"
    if run.files is None:
        return "reference left a working directory that could not be read back"
    return ""


def exit_class(code: int) -> str:
    """Coarse exit status: grep's 1 (no match) differs from 0, but 2 and 3 are both errors."""
    if code == 0:
        return "success"
    if code == 1:
        return "false"
    if code in (126, 127):
        return "not found"
    if code > 128:
        return "signal"
    return "error"


def _order_matters(reference: str) -> bool:
    calls = utility_calls(reference)
    if not calls:
        return True
    last = calls[-1]
    if last.utility in _ORDERING_UTILITIES:
        return True
    return last.utility == "ls" and bool(last.flags & _ORDERING_LS_FLAGS)


@dataclass(frozen=True)
class RunComparison:
    """Whether two runs behaved the same, and the first difference found if not."""

    same: bool
    reason: str


def compare_runs(reference: SandboxRun, prediction: SandboxRun, order_matters: bool) -> RunComparison:
    """Compare exit class, standard output and the resulting working directory."""
    assert reference.exit_code is not None
    if prediction.stdout_truncated:
        return RunComparison(
            False, f"prediction printed more than the {len(prediction.stdout)} bytes captured"
        )
    if prediction.exit_code is None:
        return RunComparison(False, "prediction did not finish")
    if exit_class(reference.exit_code) != exit_class(prediction.exit_code):
        return RunComparison(
            False, f"exit status differs: reference {reference.exit_code}, prediction {prediction.exit_code}"
        )
    output_same, output_reason = _compare_output(reference.stdout_text, prediction.stdout_text, order_matters)
    if not output_same:
        return RunComparison(False, output_reason)
    files_reason = _compare_files(reference, prediction)
    if files_reason:
        return RunComparison(False, files_reason)
    return RunComparison(True, output_reason)


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
    for index, (expected, got) in enumerate(zip(reference_lines, prediction_lines, strict=False), start=1):
        if expected != got:
            return False, f"output differs at line {index}: expected {expected[:60]!r}, got {got[:60]!r}"
    return False, f"output has {len(prediction_lines)} lines, expected {len(reference_lines)}"


def _compare_files(reference: SandboxRun, prediction: SandboxRun) -> str:
    if prediction.files is None:
        return "prediction left a working directory that could not be read back"
    expected = {entry.path: entry for entry in reference.files or ()}
    got = {entry.path: entry for entry in prediction.files}
    missing = sorted(expected.keys() - got.keys())
    if missing:
        return f"files differ: {missing[0]!r} missing" + (
            f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""
        )
    extra = sorted(got.keys() - expected.keys())
    if extra:
        return f"files differ: unexpected {extra[0]!r}" + (
            f" (+{len(extra) - 1} more)" if len(extra) > 1 else ""
        )
    for path in sorted(expected):
        want, have = expected[path], got[path]
        if want.kind != have.kind:
            return f"files differ: {path!r} is a {have.kind}, expected a {want.kind}"
        if want.digest != have.digest or want.target != have.target:
            return f"files differ: content of {path!r}"
        if want.mode != have.mode:
            return f"files differ: mode of {path!r} is {have.mode:o}, expected {want.mode:o}"
    return ""
