"""`securecli-eval publish`: ship an adapter to the Hugging Face Hub only with proof of a green suite.

The evidence is checked first (``evidence.py``), locally; ``--dry-run`` stops there and
prints the plan and the model card. Then one commit uploads adapter, card and evidence, a tag
marks it, and the published revision is downloaded again and loaded with peft, which is the
"5-line load" users will run. The token comes from HF_TOKEN or the login cache and is never
printed or written.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.errors import PublishRefused, SecureCliError
from securecli_eval.inputs.adapter import adapter_files, adapter_sha256, contents_sha256
from securecli_eval.release.card import EXAMPLE_REQUEST, CardRequest, read_provenance, render_card
from securecli_eval.release.evidence import Evidence, check_evidence
from securecli_eval.templating import redact

INSTALL_HINT = "pip install -e .[publish]"
VERSION_PATTERN = re.compile(r"^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
REPO_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
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


def build_plan(request: PublishRequest, evidence: Evidence) -> PublishPlan:
    """Everything that will be uploaded, read into memory now, so what is sent is what was checked."""
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
    wanted = CardRequest(request.repo_id, request.license, request.datasets)
    card = render_card(report, wanted, base_model, request.version, provenance)
    files.append(UploadFile("README.md", card.encode("utf-8")))
    for name in ("metrics.json", "report.md"):
        path = request.results / name
        if not path.is_file():
            raise PublishRefused(f"{path}: missing; rerun the regression suite to write it")
        files.append(UploadFile(f"{EVIDENCE_DIR}/{name}", path.read_bytes()))
    message = f"securecli-eval publish {tag}: SHIP, adapter {evidence.adapter_sha256[:12]}"
    return PublishPlan(request.repo_id, tag, request.private, base_model, tuple(files), message)


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

    from securecli_eval.generate.hf import load_model, load_tokenizer
    from securecli_eval.inputs.base_model import resolve_base
    from securecli_eval.inputs.prompts import SYSTEM_PROMPT, chat_messages

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
        messages = chat_messages(EXAMPLE_REQUEST, SYSTEM_PROMPT)
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
