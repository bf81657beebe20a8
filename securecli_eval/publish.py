"""`securecli-eval publish`: ship an adapter to the Hugging Face Hub only with proof of a green suite.

The proof is the regression run's metrics.json: it must say SHIP, must not be a ``--limit``
run, must name the sha256 of exactly the adapter files being uploaded, and must name the
sha256 of the eval config as committed in git (so nobody ships against a loosened local
threshold). Every check is local and runs before any network call; ``--dry-run`` stops
there and prints the plan and the model card. Then one commit uploads adapter, card and
evidence, a tag marks it, and the published revision is downloaded again and loaded with
peft, which is the "5-line load" users will run. The token comes from HF_TOKEN or the login
cache and is never printed or written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securecli_eval.errors import PublishRefused, SecureCliError
from securecli_eval.report.render import fmt, md_cell, md_code, redact
from securecli_eval.report.schema import MetricsReport

INSTALL_HINT = "pip install -e .[publish]"
VERSION_PATTERN = re.compile(r"^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
HUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
REPO_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
EXAMPLE_REQUEST = "list all files in the current directory, including hidden ones"
SAFETY_METRICS = ("dangerous_commands", "dangerous_command_rate", "adversarial_pass_rate")
EVIDENCE_DIR = "eval"


@dataclass(frozen=True)
class PublishRequest:
    """The command line, validated."""

    adapter: Path
    results: Path
    repo_id: str
    version: str | None = None
    private: bool = False
    dry_run: bool = False
    eval_config: Path | None = None
    base_model: str | None = None
    license: str = "apache-2.0"
    datasets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the checks established: the run's report and the hashes it was matched against."""

    report: MetricsReport
    adapter_sha256: str
    config_path: Path
    config_sha256: str
    config_commit: str


@dataclass(frozen=True)
class UploadFile:
    path_in_repo: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class PublishPlan:
    repo_id: str
    tag: str
    private: bool
    base_model: str
    files: tuple[UploadFile, ...]
    commit_message: str

    @property
    def card(self) -> str:
        return next(f.content.decode("utf-8") for f in self.files if f.path_in_repo == "README.md")

    def describe(self) -> str:
        lines = [
            f"repo:    {self.repo_id} ({'private' if self.private else 'public'}; created if missing)",
            f"commit:  {self.commit_message!r}, {len(self.files)} files in one commit",
            f"tag:     {self.tag}",
            f"verify:  download {self.tag} and load it with peft on {self.base_model}",
            "files:",
        ]
        lines += [
            f"  {f.path_in_repo:40} {len(f.content):>10} bytes  sha256 {f.sha256[:16]}" for f in self.files
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class PublishOutcome:
    repo_url: str
    commit: str
    tag: str
    verified_output: str


# ---------------------------------------------------------------- evidence


def read_report(results: Path) -> MetricsReport:
    path = results / "metrics.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise PublishRefused(
            f"{path}: not found; run `pytest regression/ --adapter PATH --results-dir {results}` first"
        ) from None
    try:
        return MetricsReport.model_validate_json(text)
    except ValueError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PublishRefused(
            f"{path}: not a valid metrics.json ({first}); rerun the regression suite"
        ) from None


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
    from securecli_eval.model import adapter_sha256

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


# ---------------------------------------------------------------- card


def read_provenance(adapter: Path) -> dict[str, Any]:
    """provenance.json beside the adapter (written by the training wrapper); {} when absent or unreadable."""
    try:
        data = json.loads((adapter / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# provenance keys shown on the card: the training config is long, so only its defining settings
CARD_CONFIG_KEYS = (
    "base_model",
    "adapter",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "learning_rate",
    "num_epochs",
    "max_steps",
    "micro_batch_size",
    "gradient_accumulation_steps",
    "sequence_len",
    "seed",
)
CARD_SKIPPED = ("command", "failure", "wandb.offline_dir", "hardware")


def provenance_rows(provenance: dict[str, Any]) -> list[tuple[str, str]]:
    """Flattened ``a.b: value`` rows of provenance.json for the card (scalars and lists of scalars)."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if prefix.startswith(CARD_SKIPPED):
            return
        if prefix.startswith("config.") and prefix.split(".")[1] not in CARD_CONFIG_KEYS:
            return
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                rows.append((prefix, ", ".join(str(v) for v in value)))
            else:
                for index, item in enumerate(value):
                    walk(f"{prefix}[{index}]", item)
        elif value is not None:
            rows.append((prefix, str(value)))

    walk("", provenance)
    return rows[:80]


def provenance_datasets(provenance: dict[str, Any]) -> list[str]:
    """Hub dataset ids named in provenance.json (plain strings, or records whose path is a hub id)."""
    named = provenance.get("datasets")
    found: list[str] = []
    for item in named if isinstance(named, list) else []:
        # local files are recorded with their sha256; hub datasets by id (and revision) only
        value = item.get("path") if isinstance(item, dict) and not item.get("sha256") else item
        if isinstance(value, str) and HUB_ID_PATTERN.match(value) and value not in found:
            found.append(value)
    return found


def card_metadata(
    report: MetricsReport, request: PublishRequest, base_model: str, provenance: dict[str, Any]
) -> dict[str, Any]:
    """The Hugging Face metadata header; ``model-index`` lists each gate's metric as an eval result."""
    from securecli_eval.metrics import METRICS

    datasets = list(request.datasets) or provenance_datasets(provenance)
    if not datasets:
        datasets = [d.name for d in report.datasets]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for gate in report.gates:
        if gate.value is None:
            continue
        kind = METRICS[gate.metric].dataset_kind if gate.metric in METRICS else "domain"
        by_kind.setdefault(kind, []).append(
            {
                "type": gate.metric,
                "value": gate.value,
                "name": f"{gate.metric} ({gate.op} {fmt(gate.threshold)})",
                "verified": False,
            }
        )
    results = []
    for kind, metrics in by_kind.items():
        names = [d.name for d in report.datasets if d.kind == kind] or [kind]
        results.append(
            {
                "task": {"type": "text-generation", "name": "natural language to bash"},
                "dataset": {"name": ", ".join(names), "type": names[0]},
                "metrics": metrics,
            }
        )
    return {
        "base_model": base_model,
        "library_name": "peft",
        "license": request.license,
        "pipeline_tag": "text-generation",
        "tags": [
            "lora",
            "peft",
            "bash",
            "nl2bash",
            "securecli-eval",
            f"securecli-eval-{report.verdict.lower()}",
        ],
        "datasets": datasets,
        "model-index": [{"name": request.repo_id.split("/")[-1], "results": results}],
    }


def render_card(
    report: MetricsReport, request: PublishRequest, base_model: str, version: str | None, provenance: dict
) -> str:
    import jinja2
    import yaml

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("securecli_eval.report", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=md_cell, code=md_code, fmt=fmt)
    metadata = card_metadata(report, request, base_model, provenance)
    system_prompt = str(report.generation.get("system_prompt") or "")
    text = env.get_template("model_card.md.j2").render(
        metadata_yaml=yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000),
        r=report,
        repo_id=request.repo_id,
        version=version,
        base_model=base_model,
        provenance=provenance_rows(provenance),
        safety_metrics=SAFETY_METRICS,
        example_request=EXAMPLE_REQUEST,
        system_prompt=system_prompt,
    )
    return redact(text)


def build_plan(request: PublishRequest, evidence: Evidence) -> PublishPlan:
    """Everything that will be uploaded, read into memory now, so what is sent is what was checked."""
    from securecli_eval.model import adapter_files, contents_sha256

    report = evidence.report
    base_model = request.base_model or report.adapter.base_model_name_or_path or report.base_model.name
    tag = request.version or f"adapter-{evidence.adapter_sha256[:12]}"
    provenance = read_provenance(request.adapter)
    files = [UploadFile(p.name, p.read_bytes()) for p in adapter_files(request.adapter)]
    if contents_sha256((f.path_in_repo, f.content) for f in files) != evidence.adapter_sha256:
        raise PublishRefused(f"adapter {request.adapter} changed while publishing; rerun the suite")
    provenance_file = request.adapter / "provenance.json"
    if provenance_file.is_file():
        text = provenance_file.read_text(encoding="utf-8", errors="replace")
        if redact(text) != text:
            raise PublishRefused(f"{provenance_file} contains an API token; remove it before publishing")
        files.append(UploadFile("provenance.json", provenance_file.read_bytes()))
    card = render_card(report, request, base_model, request.version, provenance)
    files.append(UploadFile("README.md", card.encode("utf-8")))
    for name in ("metrics.json", "report.md"):
        path = request.results / name
        if not path.is_file():
            raise PublishRefused(f"{path}: missing; rerun the regression suite to write it")
        files.append(UploadFile(f"{EVIDENCE_DIR}/{name}", path.read_bytes()))
    message = f"securecli-eval publish {tag}: SHIP, adapter {evidence.adapter_sha256[:12]}"
    return PublishPlan(request.repo_id, tag, request.private, base_model, tuple(files), message)


# ---------------------------------------------------------------- hub


def _hub():
    try:
        import huggingface_hub
    except ImportError:
        raise SecureCliError(f"publishing needs huggingface_hub: {INSTALL_HINT}") from None
    return huggingface_hub


def find_token() -> str:
    """HF_TOKEN or the login cache, as huggingface_hub reads them; never shown."""
    token = _hub().get_token()
    if not token:
        raise PublishRefused("no Hugging Face token: set HF_TOKEN or run `hf auth login`, then publish again")
    return token


def _describe(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return redact(f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__)[:300]


def upload(plan: PublishPlan, token: str) -> tuple[str, str]:
    """Create the repo if needed, push all files in one commit, tag it; returns (repo url, commit id)."""
    hub = _hub()
    api = hub.HfApi(token=token)
    step = "create the repo"
    try:
        repo_url = api.create_repo(plan.repo_id, private=plan.private, exist_ok=True, repo_type="model")
        step = "list its tags"
        refs = api.list_repo_refs(plan.repo_id, repo_type="model")
        if any(t.name == plan.tag for t in refs.tags):
            raise PublishRefused(
                f"tag {plan.tag} already exists in {plan.repo_id}; publish with a new --version"
            )
        step = "upload the files"
        operations = [hub.CommitOperationAdd(f.path_in_repo, f.content) for f in plan.files]
        commit = api.create_commit(
            plan.repo_id, operations=operations, commit_message=plan.commit_message, repo_type="model"
        )
        step = f"tag commit {commit.oid[:12]}"
        api.create_tag(plan.repo_id, tag=plan.tag, revision=commit.oid, tag_message=plan.commit_message)
    except SecureCliError:
        raise
    except Exception as error:  # HTTP, connection and validation errors of huggingface_hub
        untagged = "" if step.startswith("tag") else "; nothing was tagged"
        raise SecureCliError(
            f"publish to {plan.repo_id} failed while trying to {step} ({_describe(error)}){untagged}; "
            f"fix the cause and run publish again"
        ) from None
    return str(repo_url), commit.oid


def verify_load(plan: PublishPlan, token: str, expected_sha256: str) -> str:
    """Download the tagged revision, check it is byte-for-byte the evaluated adapter, load it and generate."""
    import torch

    from securecli_eval.model import adapter_sha256, load_model, load_tokenizer, resolve_base
    from securecli_eval.prompts import SYSTEM_PROMPT

    hub = _hub()
    hub.utils.disable_progress_bars()
    with tempfile.TemporaryDirectory(prefix="securecli-publish-") as scratch:
        try:
            local = Path(
                hub.snapshot_download(plan.repo_id, revision=plan.tag, local_dir=scratch, token=token)
            )
        except Exception as error:
            raise SecureCliError(
                f"published {plan.repo_id}@{plan.tag}, but downloading it back failed ({_describe(error)})"
            ) from None
        downloaded = adapter_sha256(local)
        if downloaded != expected_sha256:
            raise SecureCliError(
                f"published {plan.repo_id}@{plan.tag}, but the downloaded adapter has sha256 "
                f"{downloaded[:12]}, not the evaluated {expected_sha256[:12]}; do not use this revision"
            )
        base_dir = resolve_base(plan.base_model)
        model = load_model(base_dir, local, "cpu", "auto", merge=False)
        tokenizer = load_tokenizer(local, base_dir)  # as the evaluation did: a saved tokenizer wins
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": EXAMPLE_REQUEST},
        ]
        inputs = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with torch.no_grad():
            output = model.generate(
                **inputs, max_new_tokens=32, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        return tokenizer.decode(output[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def publish(request: PublishRequest, out=sys.stdout) -> PublishOutcome | None:
    """Check, plan, and (unless dry-run) upload, tag and verify; returns None for a dry run."""
    if request.version is not None and not VERSION_PATTERN.match(request.version):
        raise PublishRefused(f"--version {request.version}: expected vMAJOR.MINOR.PATCH, e.g. v1.2.0")
    if not REPO_ID_PATTERN.match(request.repo_id):
        raise PublishRefused(
            f"--repo-id {request.repo_id}: expected NAMESPACE/NAME, e.g. my-org/securecli-lora"
        )
    evidence = check_evidence(request.adapter, request.results, request.eval_config)
    plan = build_plan(request, evidence)
    token = find_token()
    if request.dry_run:
        print(f"dry run: every check passed; nothing was sent\n{plan.describe()}\n", file=out)
        print(plan.card, file=out)
        return None
    if _hub().constants.is_offline_mode():
        raise PublishRefused(
            "Hugging Face offline mode is on (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE); unset it to publish"
        )
    print(
        f"publishing {plan.repo_id}@{plan.tag}: adapter {evidence.adapter_sha256[:12]}, verdict SHIP",
        file=out,
    )
    repo_url, commit = upload(plan, token)
    print(
        f"uploaded {len(plan.files)} files in commit {commit[:12]}, tagged {plan.tag}: {repo_url}", file=out
    )
    try:
        generated = verify_load(plan, token, evidence.adapter_sha256)
    except SecureCliError:
        raise
    except Exception as error:  # loading or generating with torch/peft failed in an unexpected way
        raise SecureCliError(
            f"published {plan.repo_id}@{plan.tag}, but loading it back with peft failed ({_describe(error)})"
        ) from None
    shown = " ".join(redact(generated).split())[:120]
    print(f"verified: {plan.tag} loads with peft on {plan.base_model}; it generated: {shown!r}", file=out)
    return PublishOutcome(repo_url, commit, plan.tag, generated)


# ---------------------------------------------------------------- command line


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="upload an adapter to the Hugging Face Hub, only with a SHIP metrics.json for these files",
        description="Upload an adapter to the Hugging Face Hub, only with proof of a green suite for it.",
    )
    parser.add_argument(
        "--adapter", required=True, type=Path, metavar="PATH", help="the evaluated adapter folder"
    )
    parser.add_argument(
        "--results", required=True, type=Path, metavar="DIR", help="the suite's results dir (metrics.json)"
    )
    parser.add_argument("--repo-id", required=True, metavar="NAMESPACE/NAME", help="the Hub model repo")
    parser.add_argument(
        "--version", metavar="vX.Y.Z", help="tag for the commit (default: adapter-<sha256[:12]>)"
    )
    parser.add_argument(
        "--private", action="store_true", help="create the repo private (if it does not exist)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="run every check, print plan and card, send nothing"
    )
    parser.add_argument(
        "--eval-config", type=Path, metavar="FILE", help="the eval config (default: the path in metrics.json)"
    )
    parser.add_argument(
        "--base-model",
        metavar="ID_OR_PATH",
        help="base model for the card and the load check (default: the adapter's base_model_name_or_path)",
    )
    parser.add_argument("--license", default="apache-2.0", help="license for the card (default: apache-2.0)")
    parser.add_argument(
        "--dataset",
        dest="datasets",
        action="append",
        default=[],
        metavar="HUB_ID",
        help="training dataset for the card metadata (repeatable; default: provenance.json's datasets)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    request = PublishRequest(
        adapter=args.adapter,
        results=args.results,
        repo_id=args.repo_id,
        version=args.version,
        private=args.private,
        dry_run=args.dry_run,
        eval_config=args.eval_config,
        base_model=args.base_model,
        license=args.license,
        datasets=tuple(args.datasets),
    )
    publish(request)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from securecli_eval.cli import main as cli_main

    return cli_main(["publish", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
