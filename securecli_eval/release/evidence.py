"""The evidence a publish rests on: a SHIP metrics.json that follows from files nobody changed.

Reading the ``verdict`` field is not enough: anyone can type SHIP into a file. So, all locally
and before any network call:

1. metrics.json is valid, from a full (not ``--limit``) run, says SHIP and has its evidence
   manifest (``evidence``: the run id and the sha256 of every artifact and input);
2. every artifact the manifest lists is there, unchanged, and of that run (no stale mix);
3. the adapter's files hash to the evaluated sha256, and provenance.json, when present, was
   written for that same adapter;
4. the eval config and every dataset the run read are committed and clean in git, or are files
   shipped inside the installed securecli-eval and unchanged, and hash to what the run read;
5. the verdict is re-derived: the examples.jsonl rows are exactly the committed datasets'
   examples, every metric is computed again from their recorded outcomes and every gate
   from the committed thresholds, with the run's own code (``run.derive_metrics``,
   ``gates``); any difference from metrics.json is a refusal.

``spot_check`` then ties the recorded outputs to the weights: it regenerates a few randomly
chosen examples with the adapter and judges them again (``publish --verify-sample K``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from securecli_eval.catalog import PER_EXAMPLE
from securecli_eval.errors import DataError, PublishRefused, SecureCliError
from securecli_eval.gates import configured_gates, decide
from securecli_eval.inputs.adapter import adapter_sha256
from securecli_eval.inputs.config import EvalConfig, load_config
from securecli_eval.inputs.datasets import load_all
from securecli_eval.inputs.previous import Previous, load_previous, read_metrics
from securecli_eval.jsonl import read_objects
from securecli_eval.records import Example, ExampleResult, InputFile, MetricsReport
from securecli_eval.report.writer import BASE_EXAMPLES, EXAMPLES, REPORT, RUN_FILES
from securecli_eval.run import derive_metrics
from securecli_eval.templating import md_cell

DISTRIBUTION = "securecli-eval"


@dataclass(frozen=True)
class Evidence:
    """What the checks established: the run's report, the matched hashes and the re-read examples."""

    report: MetricsReport
    adapter_sha256: str
    config_path: Path
    config_sha256: str
    config_commit: str  # the git commit holding the config, or "packaged" for the shipped default
    config: EvalConfig
    examples: list[Example]
    results: list[ExampleResult]


def read_report(results: Path) -> MetricsReport:
    """The run's metrics.json; a missing or invalid one is a refusal."""
    path = results / "metrics.json"
    hint = f"run `pytest regression/ --adapter PATH --results-dir {results}` first"
    try:
        return read_metrics(path, hint)
    except DataError as error:
        raise PublishRefused(str(error)) from None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- committed or packaged


def _git(folder: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, check=True, timeout=30).stdout


def committed_bytes(path: Path) -> tuple[bytes, str] | None:
    """The file's content at HEAD of the git repository that holds it, with that commit's id.

    None when the file is in no git repository; a refusal when it is in one but not committed.
    """
    try:
        top = Path(_git(path.parent, "rev-parse", "--show-toplevel").decode().strip())
    except FileNotFoundError:
        raise PublishRefused("git is not installed, so committed inputs cannot be checked") from None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    try:
        commit = _git(path.parent, "rev-parse", "HEAD").decode().strip()
        relative = path.resolve().relative_to(top.resolve()).as_posix()
        return _git(top, "show", f"HEAD:{relative}"), commit
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError):
        raise PublishRefused(
            f"{path} is not committed in git at {top}; commit it and rerun the suite"
        ) from None


def packaged_sha256(path: Path) -> str | None:
    """The sha256 the installed securecli-eval's RECORD lists for ``path``; None when it lists none."""
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    target = path.resolve()
    for entry in distribution.files or ():
        if entry.hash is None or entry.hash.mode != "sha256":
            continue
        if Path(str(distribution.locate_file(entry))).resolve() == target:
            value = entry.hash.value
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
    return None


def check_input(path: Path, recorded: str, what: str) -> str:
    """Refuse unless ``path`` is what the run read and is committed and clean (or shipped, unchanged).

    Returns the commit that holds it, or ``packaged``.
    """
    if not path.is_file():
        raise PublishRefused(
            f"{what} {path} (read by the suite) not found; run publish from the directory the suite ran in"
        )
    working = sha256_bytes(path.read_bytes())
    committed = committed_bytes(path)
    if committed is not None:
        content, commit = committed
        at_head = sha256_bytes(content)
        if working != at_head:
            read = " (the suite read them)" if working == recorded else ""
            raise PublishRefused(
                f"{what} {path} has uncommitted changes{read}; commit or revert them, then rerun the suite"
            )
        if at_head != recorded:
            raise PublishRefused(
                f"{what} {path} at commit {commit[:12]} (sha256 {at_head[:12]}) is not the file the suite "
                f"read ({recorded[:12]}); commit that file or rerun the suite"
            )
        return commit
    shipped = packaged_sha256(path)
    if shipped is None:
        raise PublishRefused(
            f"{what} {path} is neither committed in a git repository nor a file shipped with securecli-eval; "
            f"commit it and rerun the suite"
        )
    if not working == shipped == recorded:
        raise PublishRefused(
            f"{what} {path} is a packaged file that differs from the one the suite read or from the "
            f"installed securecli-eval's record of it; reinstall securecli-eval and rerun the suite"
        )
    return "packaged"


# ---------------------------------------------------------------- artifacts of one run


def _run_id_in(name: str, data: bytes) -> str | None:
    """The run id an artifact names (examples: the first row's ``run_id``; reports: the run table)."""
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".jsonl"):
        for line in text.splitlines():
            try:
                return str(json.loads(line).get("run_id"))
            except (ValueError, AttributeError):
                return None
        return None
    marker = "| run id | `"
    start = text.find(marker)
    return text[start + len(marker) :].split("`", 1)[0] if start >= 0 else None


def check_artifacts(results: Path, report: MetricsReport) -> None:
    """Every artifact of the manifest present and unchanged; no artifact of another run beside them."""
    evidence = report.evidence
    assert evidence is not None
    run_id = evidence.run_id
    required = [EXAMPLES, REPORT] + ([BASE_EXAMPLES] if report.baseline and report.baseline.enabled else [])
    for name in required:
        if name not in evidence.artifacts:
            raise PublishRefused(
                f"{results / 'metrics.json'}: its evidence manifest lists no {name}; rerun the suite"
            )
    for name, recorded in sorted(evidence.artifacts.items()):
        path = results / name
        if not path.is_file():
            raise PublishRefused(f"{path}: missing (run {run_id} wrote it); rerun the suite")
        data = path.read_bytes()
        if sha256_bytes(data) != recorded:
            other = _run_id_in(name, data)
            whose = f"it names run {other}" if other and other != run_id else "it was changed after the run"
            raise PublishRefused(
                f"{path} is not the file run {run_id} wrote ({whose}); "
                f"results must be one run's complete set: rerun the suite"
            )
        if name.endswith(".jsonl") and any(row.get("run_id") != run_id for row in read_objects(path)):
            raise PublishRefused(f"{path}: rows of another run than {run_id}; rerun the suite")
    for name in RUN_FILES:
        if name not in evidence.artifacts and (results / name).exists():
            raise PublishRefused(
                f"{results / name} is not part of run {run_id} (a leftover of another run); "
                f"remove it or rerun the suite"
            )


def check_provenance(adapter: Path, current: str) -> None:
    """provenance.json, when present, must describe this adapter: its recorded sha256 is the current one."""
    path = adapter / "provenance.json"
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PublishRefused(f"{path}: not valid JSON ({error}); restore it or remove it") from None
    claimed = data.get("adapter_sha256") if isinstance(data, dict) else None
    if claimed != current:
        shown = claimed[:12] if isinstance(claimed, str) else "none"
        raise PublishRefused(
            f"{path} describes adapter sha256 {shown}, not these files ({current[:12]}): it belongs to "
            f"another training run or was edited; restore the training run's provenance.json or remove it"
        )


# ---------------------------------------------------------------- re-derivation


def first_difference(recorded: Any, derived: Any, where: str) -> str | None:
    """The first place (``metrics.exact_match.value``) where two JSON values differ, with both values."""
    if isinstance(recorded, dict) and isinstance(derived, dict):
        for key in sorted(set(recorded) | set(derived)):
            found = first_difference(recorded.get(key), derived.get(key), f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(derived, list) and len(recorded) == len(derived):
        for index, (a, b) in enumerate(zip(recorded, derived, strict=True)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    if recorded != derived:
        return (
            f"{where} is {json.dumps(recorded)[:80]} in metrics.json, {json.dumps(derived)[:80]} re-derived"
        )
    return None


def _dump(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


IDENTITY = ("dataset", "id", "kind", "instruction", "reference", "category", "mitre")


def results_of(path: Path, examples: Sequence[Example]) -> list[ExampleResult]:
    """examples.jsonl as judged records; its rows must be exactly the datasets' examples, in order."""
    rows = read_objects(path)
    if len(rows) != len(examples):
        raise PublishRefused(
            f"{path} has {len(rows)} examples, the committed datasets {len(examples)}; "
            f"the run did not evaluate these datasets: rerun the suite"
        )
    results = []
    for number, (row, example) in enumerate(zip(rows, examples, strict=True), start=1):
        expected = example.model_dump()
        differing = next((k for k in IDENTITY if row.get(k) != expected.get(k)), None)
        if differing:
            raise PublishRefused(
                f"{path}:{number}: {differing} {str(row.get(differing))[:60]!r} is not the committed "
                f"dataset's {str(expected.get(differing))[:60]!r}; rerun the suite"
            )
        try:
            results.append(ExampleResult.model_validate(row))
        except ValueError:
            raise PublishRefused(f"{path}:{number}: not an examples.jsonl row of securecli-eval") from None
    return results


def _previous(report: MetricsReport) -> Previous | None:
    """The previous release the drift gates compared with, checked against the hashes the run read."""
    if report.drift is None:
        return None
    assert report.evidence is not None
    recorded = {i.role: i for i in report.evidence.inputs if i.role.startswith("previous_")}
    metrics_file = recorded.get("previous_metrics")
    if metrics_file is None:
        raise PublishRefused("metrics.json has drift gates but no record of the previous release it read")
    for item in recorded.values():
        path = Path(item.path)
        if not path.is_file() or sha256_bytes(path.read_bytes()) != item.sha256:
            raise PublishRefused(
                f"{path} (the previous release the drift gates compared with) is missing or changed; "
                f"publish where the suite ran, or rerun it"
            )
    try:
        return load_previous(Path(metrics_file.path))
    except DataError as error:
        raise PublishRefused(str(error)) from None


def rederive(
    report: MetricsReport,
    config: EvalConfig,
    results: Sequence[ExampleResult],
    base_results: Sequence[ExampleResult] | None,
) -> None:
    """Refuse unless every metric, comparison, gate and the verdict follow from the evidence."""
    derived = derive_metrics(config, results, base_results, _previous(report), report.general, report.limited)
    gates = [
        gate.evaluate(derived.metrics[gate.metric])
        if gate.metric in derived.metrics
        else gate.not_passed("skipped", f"{gate.metric} has no value in the evidence")
        for gate in configured_gates(config, report.drift is not None)
    ]
    verdict, reasons = decide(gates, report.limited)
    sections = [  # causes before consequences: a changed metric is named, not the gate it moved
        ("metrics", _dump(report.metrics), _dump(derived.metrics)),
        ("adversarial_categories", _dump(report.adversarial_categories), _dump(derived.categories)),
        ("baseline", _dump(report.baseline), _dump(derived.baseline)),
        ("drift", _dump(report.drift), _dump(derived.drift)),
        ("gates", _dump(report.gates), _dump(gates)),
        ("verdict_reasons", report.verdict_reasons, reasons),
        ("verdict", report.verdict, verdict),
    ]
    for name, recorded, again in sections:
        difference = first_difference(recorded, again, name)
        if difference:
            raise PublishRefused(
                f"metrics.json does not follow from its evidence: {difference} from examples.jsonl and "
                f"the committed thresholds; publish only what the suite wrote: rerun it"
            )


# ---------------------------------------------------------------- the checks, in order


def check_evidence(adapter: Path, results: Path, eval_config: Path | None = None) -> Evidence:
    """Refuse (``PublishRefused``, one line) unless metrics.json proves a green suite for this adapter now."""
    report = read_report(results)
    where = results / "metrics.json"
    if report.limited:
        raise PublishRefused(
            f"{where} is from a --limit {report.limit} run (a partial evaluation); "
            f"rerun the suite without --limit"
        )
    if report.verdict != "SHIP":
        reason = report.verdict_reasons[0] if report.verdict_reasons else "no reason recorded"
        raise PublishRefused(
            f"{where} says NO-SHIP ({md_cell(reason, 200)}); only a green suite can be published"
        )
    if report.evidence is None:
        raise PublishRefused(
            f"{where} has no evidence manifest (written by securecli-eval before schema 1.1); rerun the suite"
        )
    check_artifacts(results, report)
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
    check_provenance(adapter, current)

    config_path = eval_config or Path(report.eval_config.path)
    if not config_path.is_file():
        raise PublishRefused(
            f"eval config {config_path} (recorded in metrics.json) not found; run publish from the directory "
            f"the suite ran in, or pass --eval-config FILE"
        )
    commit = check_input(config_path, report.eval_config.sha256, "eval config")
    try:
        config, _ = load_config(config_path)
    except SecureCliError as error:
        raise PublishRefused(str(error)) from None
    read = {i.name: i for i in report.evidence.inputs if i.role == "dataset"}
    specs = [(spec, spec.resolve(config_path.parent)) for spec in config.datasets]
    for spec, path in specs:
        recorded: InputFile | None = read.get(spec.name)
        if recorded is None:
            raise PublishRefused(
                f"dataset '{spec.name}' of {config_path} is not in the run's evidence manifest"
            )
        check_input(path, recorded.sha256, f"dataset '{spec.name}'")
    try:
        examples = load_all(specs)
    except SecureCliError as error:
        raise PublishRefused(str(error)) from None
    results_read = results_of(results / EXAMPLES, examples)
    base_read = (
        results_of(results / BASE_EXAMPLES, examples) if BASE_EXAMPLES in report.evidence.artifacts else None
    )
    rederive(report, config, results_read, base_read)
    return Evidence(
        report, current, config_path, report.eval_config.sha256, commit, config, examples, results_read
    )


# ---------------------------------------------------------------- the spot check


@contextmanager
def local_only() -> Iterator[None]:
    """Hugging Face offline mode while local weights load: nothing is sent before the upload.

    Importing the model stack can make libraries look things up on the Hub (bitsandbytes asks
    for kernels); the spot check needs only local files, so publish stays silent until its
    preflight. huggingface_hub reads the mode from the environment at import and from its
    constants later, so both are set, and both restored.
    """
    import huggingface_hub.constants as constants

    saved_env, saved_constant = os.environ.get("HF_HUB_OFFLINE"), constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"], constants.HF_HUB_OFFLINE = "1", True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_constant
        if saved_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved_env


def outcome_keys_without_sandbox() -> set[str]:
    """Outcome keys a judge decides from the output alone (functional equivalence needs the sandbox)."""
    return {m.outcome for m in PER_EXAMPLE.values() if m.outcome and m.requires != "sandbox"}


def spot_check(
    evidence: Evidence, adapter: Path, base_dir: Path, count: int, seed: int | None = None
) -> list[str]:
    """Regenerate ``count`` randomly chosen recorded examples with the adapter; refuse on any difference.

    Greedy decoding with the run's generation settings, on the kind of device the run used,
    then the judges again: a recorded output that the weights do not produce, or an outcome the
    judge does not give, was not written by the suite. Returns the ids checked.
    """
    from securecli_eval.generate.hf import HFBackend, load_model, load_tokenizer, pick_device, render_prompts
    from securecli_eval.judge import judge_example

    pairs = list(zip(evidence.examples, evidence.results, strict=True))
    rng = random.Random(seed) if seed is not None else random.SystemRandom()  # unpredictable by default
    chosen = rng.sample(pairs, min(count, len(pairs)))
    if not chosen:
        return []
    recorded_device = evidence.report.device
    try:
        device = pick_device(recorded_device)
    except SecureCliError:
        raise PublishRefused(
            f"the suite generated on {recorded_device}, which is not available here, so outputs cannot be "
            f"compared; publish from such a machine, or pass --verify-sample 0 to skip the spot check"
        ) from None
    settings = evidence.config.generation
    with local_only():
        tokenizer = load_tokenizer(adapter, base_dir)
        instructions = [example.instruction for example, _ in chosen]
        prompts = render_prompts(tokenizer, instructions, settings.system_prompt)
        model = load_model(base_dir, adapter, device, settings.dtype, settings.merge_adapter)
        outputs = HFBackend(model, tokenizer, settings, device).generate(prompts)
    keys = outcome_keys_without_sandbox()
    for (example, result), output in zip(chosen, outputs, strict=True):
        name = f"{example.dataset}/{example.id}"
        if output != result.output:
            raise PublishRefused(
                f"spot check: {name} regenerated with the adapter gives {output[:60]!r}, examples.jsonl "
                f"records {result.output[:60]!r}; the outputs were not generated by these weights on this "
                f"base model: rerun the suite"
            )
        judged = judge_example(example, output).outcomes
        for key in sorted(keys & set(judged) | keys & set(result.outcomes)):
            if judged.get(key) != result.outcomes.get(key):
                raise PublishRefused(
                    f"spot check: {name} is judged {key}={judged.get(key)} now, examples.jsonl records "
                    f"{result.outcomes.get(key)}; rerun the suite"
                )
    return [f"{example.dataset}/{example.id}" for example, _ in chosen]
