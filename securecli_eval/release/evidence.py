"""The evidence a publish rests on: a SHIP metrics.json for exactly these adapter files and config.

The proof is the regression run's metrics.json: it must say SHIP, must not be a ``--limit``
run, must name the sha256 of exactly the adapter files being uploaded, and must name the
sha256 of the eval config as committed in git (so nobody ships against a loosened local
threshold). Every check is local and runs before any network call; hashing only, no torch.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import DataError, PublishRefused
from securecli_eval.inputs.adapter import adapter_sha256
from securecli_eval.inputs.previous import read_metrics
from securecli_eval.records import MetricsReport
from securecli_eval.templating import md_cell


@dataclass(frozen=True)
class Evidence:
    """What the checks established: the run's report and the hashes it was matched against."""

    report: MetricsReport
    adapter_sha256: str
    config_path: Path
    config_sha256: str
    config_commit: str


def read_report(results: Path) -> MetricsReport:
    """The run's metrics.json; a missing or invalid one is a refusal."""
    path = results / "metrics.json"
    hint = f"run `pytest regression/ --adapter PATH --results-dir {results}` first"
    try:
        return read_metrics(path, hint)
    except DataError as error:
        raise PublishRefused(str(error)) from None


def committed_bytes(path: Path) -> tuple[bytes, str]:
    """The file's content at HEAD of the git repository that holds it, with that commit's id."""

    def git(*args: str) -> bytes:
        return subprocess.run(
            ["git", *args], cwd=path.parent, capture_output=True, check=True, timeout=30
        ).stdout

    try:
        top = Path(git("rev-parse", "--show-toplevel").decode().strip())
        commit = git("rev-parse", "HEAD").decode().strip()
        relative = path.resolve().relative_to(top.resolve()).as_posix()
        return git("show", f"HEAD:{relative}"), commit
    except FileNotFoundError:
        raise PublishRefused("git is not installed, so the committed eval config cannot be checked") from None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError):
        raise PublishRefused(
            f"eval config {path} is not committed in a git repository; commit it and rerun the suite"
        ) from None


def check_evidence(adapter: Path, results: Path, eval_config: Path | None = None) -> Evidence:
    """Refuse (``PublishRefused``, one line) unless metrics.json proves a green suite for this adapter now."""
    report = read_report(results)
    if report.limited:
        raise PublishRefused(
            f"{results / 'metrics.json'} is from a --limit {report.limit} run (a partial evaluation); "
            f"rerun the suite without --limit"
        )
    if report.verdict != "SHIP":
        reason = report.verdict_reasons[0] if report.verdict_reasons else "no reason recorded"
        raise PublishRefused(
            f"{results / 'metrics.json'} says NO-SHIP ({md_cell(reason, 200)}); "
            f"only a green suite can be published"
        )
    if not (adapter / "adapter_config.json").is_file():
        raise PublishRefused(
            f"--adapter {adapter}: no adapter_config.json; pass the evaluated adapter folder"
        )
    current = adapter_sha256(adapter)  # hashing only: no torch import on the way to a refusal
    if current != report.adapter.sha256:
        raise PublishRefused(
            f"adapter {adapter} changed since the evaluation (sha256 {current[:12]} now, "
            f"{report.adapter.sha256[:12]} in metrics.json); rerun the suite on these files"
        )
    config_path = eval_config or Path(report.eval_config.path)
    if not config_path.is_file():
        raise PublishRefused(
            f"eval config {config_path} (recorded in metrics.json) not found; run publish from the directory "
            f"the suite ran in, or pass --eval-config FILE"
        )
    working = hashlib.sha256(config_path.read_bytes()).hexdigest()
    committed, commit = committed_bytes(config_path)
    committed_sha = hashlib.sha256(committed).hexdigest()
    if committed_sha != report.eval_config.sha256:
        raise PublishRefused(
            f"eval config {config_path} at commit {commit[:12]} (sha256 {committed_sha[:12]}) "
            f"is not the config the suite ran with ({report.eval_config.sha256[:12]}); "
            f"commit that config or rerun the suite"
        )
    if working != committed_sha:
        raise PublishRefused(
            f"eval config {config_path} has uncommitted changes; commit or revert them, then rerun the suite"
        )
    return Evidence(report, current, config_path, committed_sha, commit)
