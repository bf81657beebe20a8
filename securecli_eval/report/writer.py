"""Building metrics.json from a run and writing the run's files as one complete set.

A run's files are the evidence for a release, so a failed write fails the run (never a
warning), and no reader may ever see files of two runs side by side. Every file of a run is
written into a fresh run folder (``results/.run-<run id>/``) and moved into place only when
all of them are complete, metrics.json last: a run that fails (a full disk) or is
interrupted leaves the previous complete results untouched and writes nothing that claims a
verdict. metrics.json carries the evidence manifest: the run id, which every artifact
carries too, and the sha256 of every artifact and every input file the run read. One run at
a time holds a results folder (``ResultsLock``). Files get the permissions of the umask.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import secrets
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from securecli_eval import __version__, lineage
from securecli_eval.errors import DataError, SecureCliError
from securecli_eval.gates import decide
from securecli_eval.generate.openai import ServedModel
from securecli_eval.inputs.previous import read_metrics
from securecli_eval.jsonl import dumps_lines, read_objects
from securecli_eval.records import (
    AdapterRecord,
    BackendRecord,
    BaseModelRecord,
    ConfigRecord,
    DatasetRecord,
    EvidenceRecord,
    GateResult,
    MetricsReport,
    RunRecord,
    ServedModelRecord,
)
from securecli_eval.report.html import render_html
from securecli_eval.report.render import render_markdown
from securecli_eval.run import Evaluation, Prepared
from securecli_eval.templating import redact

METRICS = "metrics.json"
EXAMPLES = "examples.jsonl"
BASE_EXAMPLES = "base_examples.jsonl"
REPORT = "report.md"
REPORT_HTML = "report.html"
# artifacts a run of this version may have left; a new run removes those it does not write again
RUN_FILES = (EXAMPLES, BASE_EXAMPLES, REPORT, REPORT_HTML)
LOCK = ".securecli-eval.lock"
STAGING_PREFIX = ".run-"
PACKAGES = ("torch", "transformers", "peft", "datasets", "tokenizers", "pytest", "pydantic", "lm-eval")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    versions.update({k: v for k, v in lineage.package_versions(PACKAGES).items() if v is not None})
    return versions


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    """``20250131T120000Z-1a2b3c4d``: sortable by start time, unique without coordination."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def build_report(
    evaluation: Evaluation,
    gates: Sequence[GateResult],
    started_at: str,
    started: float,
    finished: float,
    run_id: str | None = None,
) -> MetricsReport:
    """metrics.json of a run; the manifest's artifact hashes are filled in by ``write_results``."""
    prepared = evaluation.prepared
    options, config, adapter = prepared.options, prepared.config, prepared.adapter
    limited = prepared.limited
    verdict, reasons = decide(gates, limited)
    counts = prepared.dataset_sizes
    generation = config.generation.model_dump()
    return MetricsReport(
        tool={"name": "securecli-eval", "version": __version__},
        verdict=verdict,
        verdict_reasons=reasons,
        limited=limited,
        limit=options.limit,
        adapter=AdapterRecord(
            path=str(adapter.path.resolve()),
            sha256=adapter.sha256,
            base_model_name_or_path=adapter.base_model,
            peft_type=adapter.config.get("peft_type"),
            rank=adapter.config.get("r"),
            target_modules=adapter.config.get("target_modules"),
        ),
        base_model=BaseModelRecord(name=prepared.base_name, fingerprint=evaluation.base_fingerprint),
        eval_config=ConfigRecord(
            path=str(options.eval_config), sha256=prepared.config_sha256, source=options.eval_config_source
        ),
        generation=generation,
        backend=backend_record(prepared),
        device=evaluation.device,
        datasets=[
            DatasetRecord(
                name=s.name,
                kind=s.kind,
                path=str(s.resolve(options.eval_config.parent)),
                examples=counts.get(s.name, 0),
            )
            for s in config.datasets
        ],
        packages=package_versions(),
        git=lineage.git_state(Path.cwd()),
        sandbox=evaluation.sandbox,
        behaviour=evaluation.behaviour,
        gates=list(gates),
        metrics=evaluation.metrics,
        adversarial_categories=evaluation.categories,
        baseline=evaluation.baseline,
        drift=evaluation.drift,
        general=evaluation.general,
        worst_examples=config.worst_examples,
        run=RunRecord(
            started_at=started_at,
            finished_at=utc_now(),
            duration_s=round(finished - started, 3),
            timings=evaluation.timings,
            generated_now=evaluation.generated,
            generated_base_now=evaluation.generated_base,
            results_dir=str(options.results_dir),
            command=redact(options.command) if options.command else None,
        ),
        evidence=EvidenceRecord(run_id=run_id or new_run_id(), inputs=list(prepared.inputs)),
    )


def backend_record(prepared: Prepared) -> BackendRecord:
    """The backend section: for a served run, the endpoint, what the server reported, the check."""
    served = prepared.served
    if served is None:
        return BackendRecord()

    def record(model: ServedModel | None) -> ServedModelRecord | None:
        return None if model is None else ServedModelRecord(name=model.name, reported=model.reported)

    return BackendRecord(
        name="openai",
        endpoint=served.adapter.endpoint.shown,
        served_model=record(served.adapter),
        served_base=record(served.base),
        identity_check="passed" if served.passed else "unverified",
        identity_detail=served.detail,
    )


def metrics_text(report: MetricsReport) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rendered_artifacts(
    report: MetricsReport,
    examples: Sequence[dict[str, Any]],
    base_examples: Sequence[dict[str, Any]],
    worst: int,
) -> dict[str, str]:
    """The human-readable reports of a run, rendered from the evidence: file name -> text.

    Each is written beside metrics.json and listed in its manifest; a new report is one line here.
    """
    return {
        REPORT: render_markdown(report, examples, worst, base_examples),
        REPORT_HTML: render_html(report, examples, base_examples),
    }


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never an existing file) with the umask's permissions, and flush it to disk."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _sync_folder(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _previous_artifacts(results_dir: Path) -> set[str]:
    """Artifact names the results folder's current metrics.json lists (none when unreadable)."""
    try:
        evidence = json.loads((results_dir / METRICS).read_text(encoding="utf-8")).get("evidence") or {}
        return {
            name for name in evidence.get("artifacts", {}) if "/" not in name and not name.startswith(".")
        }
    except (OSError, ValueError, AttributeError):
        return set()


def install_run(
    report: MetricsReport, files: Mapping[str, str], results_dir: Path
) -> tuple[MetricsReport, list[Path]]:
    """Write ``files`` and metrics.json (with their hashes) into a fresh run folder, then into place.

    Nothing in ``results_dir`` changes until every file is complete on disk. Then the old
    metrics.json goes first (no verdict beside a mix of files), the artifacts replace the
    old ones (an old artifact this run does not write is removed), and the new metrics.json
    comes last. Returns the final report (with the manifest) and the paths written.
    """
    assert report.evidence is not None
    run_dir = results_dir / f"{STAGING_PREFIX}{report.evidence.run_id}"
    run_dir.mkdir(parents=True)
    try:
        hashes = {}
        for name, text in files.items():
            data = text.encode("utf-8")
            _write_new(run_dir / name, data)
            hashes[name] = sha256_hex(data)
        evidence = report.evidence.model_copy(update={"artifacts": hashes})
        final = report.model_copy(update={"evidence": evidence})
        _write_new(run_dir / METRICS, metrics_text(final).encode("utf-8"))
        _sync_folder(run_dir)
        stale = (_previous_artifacts(results_dir) | set(RUN_FILES)) - set(files)
        (results_dir / METRICS).unlink(missing_ok=True)
        for name in sorted(stale):
            (results_dir / name).unlink(missing_ok=True)
        for name in files:
            os.replace(run_dir / name, results_dir / name)
        os.replace(run_dir / METRICS, results_dir / METRICS)
        _sync_folder(results_dir)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return final, [results_dir / METRICS, *(results_dir / name for name in files)]


def write_results(
    report: MetricsReport, evaluation: Evaluation, results_dir: Path, worst: int
) -> tuple[MetricsReport, list[Path]]:
    """Write metrics.json, examples.jsonl (base_examples.jsonl with a baseline) and the reports as one set."""
    assert report.evidence is not None
    run_id = report.evidence.run_id
    examples = [{**r.model_dump(mode="json"), "run_id": run_id} for r in evaluation.results]
    base_examples = [{**r.model_dump(mode="json"), "run_id": run_id} for r in evaluation.base_results or []]
    files = {EXAMPLES: dumps_lines(examples)}
    if base_examples:
        files[BASE_EXAMPLES] = dumps_lines(base_examples)
    # the reports are rendered from the evidence as it will be read back from disk (keys sorted,
    # JSON types), so `securecli-eval report` re-renders them byte for byte
    written = {name: [json.loads(line) for line in files[name].splitlines()] for name in files}
    as_read = MetricsReport.model_validate_json(metrics_text(report))
    files.update(rendered_artifacts(as_read, written[EXAMPLES], written.get(BASE_EXAMPLES, []), worst))
    return install_run(report, files, results_dir)


def rerender(results_dir: Path, worst: int | None = None, out: Path | None = None) -> list[Path]:
    """Render report.md and report.html again from metrics.json and examples.jsonl in ``results_dir``.

    Both reports are part of the run's evidence (their sha256 is in metrics.json), so in place
    they are replaced only with identical text; reports that read differently (another
    template, another ``worst``) go to the folder ``out``.
    """
    report = read_metrics(results_dir / METRICS, "pass the --results-dir of a regression run")
    examples = read_objects(results_dir / EXAMPLES)
    base_examples = read_objects(results_dir / BASE_EXAMPLES)
    worst = report.worst_examples if worst is None else worst
    texts = rendered_artifacts(report, examples, base_examples, worst)
    folder = out or results_dir
    recorded = report.evidence.artifacts if report.evidence else {}
    if folder.resolve() == results_dir.resolve():
        for name, text in texts.items():
            if name in recorded and sha256_hex(text.encode("utf-8")) != recorded[name]:
                raise DataError(
                    f"{results_dir / name}: the re-rendered report differs from the one this run recorded in "
                    f"metrics.json (the evidence publish verifies); pass --out FOLDER to write it elsewhere"
                )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        path = folder / name
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        _write_new(temporary, text.encode("utf-8"))
        os.replace(temporary, path)
        written.append(path)
    return written


class ResultsLock:
    """One run at a time per results folder: an exclusive ``flock`` on ``results/.securecli-eval.lock``.

    The kernel releases it when the process ends, also on SIGKILL, so a lock is never stale.
    """

    def __init__(self, results_dir: Path):
        self.results_dir = results_dir
        self.path = results_dir / LOCK
        self._handle = None

    def acquire(self, run_id: str) -> None:
        """Take the lock or raise a one-line error naming the run that holds it."""
        self.results_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held open until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown run"
            handle.close()
            raise SecureCliError(
                f"--results-dir {self.results_dir} is in use by another securecli-eval run ({holder}); "
                f"wait for it to finish or pass another --results-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, run {run_id}\n")
        handle.flush()
        self._handle = handle
        for leftover in self.results_dir.glob(f"{STAGING_PREFIX}*"):  # run folders of killed runs
            shutil.rmtree(leftover, ignore_errors=True)

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
