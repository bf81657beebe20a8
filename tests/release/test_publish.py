"""`securecli-eval publish` end to end against a loopback Hub (tests/hub_server.py) with the real client.

A tiny adapter goes through a real (small, unlimited) regression run in a throwaway git
project, then publish runs in a subprocess with HF_ENDPOINT pointing at the local server.
Every refusal is checked to send nothing at all, and the token is looked for everywhere.
The reproductions of a forged SHIP, an uncommitted dataset cut, an edited provenance.json,
another base model and a training log in the adapter folder are here, as a user would do them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ..conftest import PROJECT
from ..hub_server import HubServer
from ..test_end_to_end import PERMISSIVE, run_gates

pytestmark = pytest.mark.slow

TOKEN = "hf_" + secrets.token_hex(17)
REPO_ID = "tester/securecli-lora"


@dataclass(frozen=True)
class GreenRun:
    project: Path  # a git repository holding config/eval.yaml (committed)
    adapter: Path
    results: Path


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def make_green_run(
    root: Path,
    adapter: Path,
    domain: int = 8,
    adversarial: int = 4,
    baseline: bool = False,
    gates: dict[str, float] | None = None,
    exit_code: int = 0,
    extra_args: tuple[str, ...] = (),
) -> GreenRun:
    """A full (not --limit) regression run on small datasets with permissive gates: a real SHIP.

    With ``baseline`` the base model answers too, and a paired gate (with its seeded bootstrap
    interval) is part of the verdict; ``gates`` changes thresholds (a strict one makes a real
    NO-SHIP, with ``exit_code`` 1).
    """
    project = root / "project"
    (project / "data").mkdir(parents=True)
    (project / "config").mkdir()
    data = PROJECT / "securecli_eval" / "resources" / "data"
    for name, source, count in (
        ("domain.jsonl", "test.jsonl", domain),
        ("adversarial.jsonl", "adversarial.jsonl", adversarial),
    ):
        lines = (data / source).read_text(encoding="utf-8").splitlines()[:count]
        (project / "data" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    gates = {**PERMISSIVE, **({"exact_match_improvement_min": -1.0} if baseline else {}), **(gates or {})}
    thresholds = "".join(f"  {k}: {v}\n" for k, v in gates.items())
    (project / "config" / "eval.yaml").write_text(
        "generation:\n  max_new_tokens: 12\n  batch_size: 16\n"
        "datasets:\n"
        "  - name: nl2bash_test\n    kind: domain\n    path: ../data/domain.jsonl\n"
        "  - name: adversarial\n    kind: adversarial\n    path: ../data/adversarial.jsonl\n"
        f"thresholds:\n{thresholds}"
        f"sandbox:\n  enabled: false\nbaseline:\n  enabled: {'true' if baseline else 'false'}\n"
        f"cache_dir: {root / 'cache'}\n",
        encoding="utf-8",
    )
    git(project, "init", "-q")
    git(project, "add", "config/eval.yaml", "data")
    git(project, "commit", "-q", "-m", "eval config")
    own_adapter = root / "adapter"
    shutil.copytree(adapter, own_adapter)
    results = root / "results"
    proc = run_gates(
        "--adapter",
        str(own_adapter),
        "--eval-config",
        "config/eval.yaml",
        "--results-dir",
        str(results),
        *extra_args,
        cwd=project,
    )
    assert proc.returncode == exit_code, proc.stdout[-3000:] + proc.stderr[-3000:]
    return GreenRun(project, own_adapter, results)


@pytest.fixture(scope="module")
def green(tmp_path_factory, tiny_adapter) -> GreenRun:
    run = make_green_run(tmp_path_factory.mktemp("green"), tiny_adapter)
    assert json.loads((run.results / "metrics.json").read_text())["verdict"] == "SHIP"
    return run


@pytest.fixture
def hub():
    with HubServer(TOKEN) as server:
        yield server


def publish(
    hub: HubServer, run: GreenRun, *args: str, token: str | None = TOKEN, cwd: Path | None = None, home: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS_"))}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(home), PYTHONWARNINGS="ignore", NO_COLOR="1")
    if token is not None:
        env["HF_TOKEN"] = token
    command = [sys.executable, "-m", "securecli_eval.cli", "publish", "--adapter", str(run.adapter)]
    command += ["--results", str(run.results), "--repo-id", REPO_ID, *args]
    return subprocess.run(
        command, cwd=cwd or run.project, env=env, capture_output=True, text=True, timeout=300
    )


def error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The one line publish printed for its refusal; asserts there was nothing like a traceback."""
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.startswith("securecli-eval publish: error:")]
    assert len(lines) == 1, proc.stderr[-2000:]
    return lines[0]


def assert_token_nowhere(*texts: str, roots: list[Path], hub: HubServer) -> None:
    for text in texts:
        assert TOKEN not in text
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert TOKEN.encode() not in path.read_bytes(), path
    for repo in hub.state.repos.values():
        for commit in repo.commits:
            for stored in commit.files.values():
                assert TOKEN.encode() not in stored.content


PROVENANCE = {  # as the training wrapper writes it (provenance.json is not part of the adapter's sha256)
    "adapter_sha256": None,  # set to the evaluated adapter's hash, as training recorded it
    "config": {"base_model": "tiny", "lora_r": 8, "wandb_project": "not-on-the-card"},
    "datasets": [
        {"role": "train", "path": "my-org/nl2bash-clean", "sha256": None, "revision": "main"},
        {"role": "train", "path": "/data/local.jsonl", "sha256": "ab" * 32},
    ],
    "wandb": {
        "project": "securecli-train",
        "run_id": "trn42abc",
        "url": "https://wandb.ai/me/t/runs/trn42abc",
    },
}
EVIDENCE_FILES = {"README.md", "provenance.json", "eval/metrics.json", "eval/report.md"}
WRITES = ("/api/repos/create", "/preupload/", "/commit/", "/tag/", "lfs")


def writes(hub: HubServer) -> list[str]:
    """Requests that change something on the Hub (reads like whoami and refs are not writes)."""
    return [
        r.path for r in hub.state.requests if r.method in {"POST", "PUT"} and any(w in r.path for w in WRITES)
    ]


def evaluated_sha(run: GreenRun) -> str:
    return json.loads((run.results / "metrics.json").read_text())["adapter"]["sha256"]


def test_publish_uploads_card_files_and_tag_then_verifies_the_load(green, hub, tmp_path):
    (green.adapter / "provenance.json").write_text(
        json.dumps({**PROVENANCE, "adapter_sha256": evaluated_sha(green)})
    )
    proc = publish(hub, green, "--version", "v0.1.0", home=tmp_path / "hf")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "spot check: 4 recorded examples regenerated identically" in proc.stdout
    assert "verified: v0.1.0 loads with peft" in proc.stdout

    repo = hub.state.repos[REPO_ID]
    assert len(repo.commits) == 1 and repo.tags == {"v0.1.0": repo.commits[0].oid}
    files = repo.commits[0].files
    assert set(files) == {"adapter_config.json", "adapter_model.safetensors", *EVIDENCE_FILES}
    assert files["adapter_model.safetensors"].lfs  # went through the LFS batch + PUT + verify path
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        assert files[name].content == (green.adapter / name).read_bytes()
    assert files["eval/metrics.json"].content == (green.results / "metrics.json").read_bytes()
    assert files["eval/report.md"].content == (green.results / "report.md").read_bytes()

    card = files["README.md"].content.decode()
    header, body = card.removeprefix("---\n").split("\n---\n", 1)
    meta = yaml.safe_load(header)
    metrics = json.loads((green.results / "metrics.json").read_text())
    assert meta["base_model"] == metrics["adapter"]["base_model_name_or_path"]
    assert meta["library_name"] == "peft" and meta["pipeline_tag"] == "text-generation"
    assert meta["license"] == "apache-2.0" and "securecli-eval" in meta["tags"]
    assert meta["datasets"] == ["my-org/nl2bash-clean"]  # hub ids from provenance, not local files
    assert "| wandb.url | https://wandb.ai/me/t/runs/trn42abc |" in body and "not-on-the-card" not in body
    reported = {m["type"]: m["value"] for r in meta["model-index"][0]["results"] for m in r["metrics"]}
    assert reported == {g["metric"]: g["value"] for g in metrics["gates"]}
    assert metrics["adapter"]["sha256"] in body and 'revision="v0.1.0"' in body
    for section in ("## Intended use", "## Release gates", "## Safety results", "## Limitations"):
        assert section in body
    assert "## Training provenance" in body and "## Usage" in body
    for gate in metrics["gates"]:
        assert f"| {gate['name']} | {gate['metric']} |" in body

    # every write request carried the token in its header and nowhere else
    sent = [r for r in hub.state.requests if r.method in {"POST", "PUT"} and "lfs-storage" not in r.path]
    assert sent and all(r.authorized for r in sent)
    assert all(TOKEN.encode() not in r.body for r in hub.state.requests)
    assert_token_nowhere(proc.stdout, proc.stderr, roots=[tmp_path, green.project, green.results], hub=hub)

    before = len(writes(hub))
    again = publish(hub, green, "--version", "v0.1.0", "--verify-sample", "0", home=tmp_path / "hf")
    assert "tag v0.1.0 already exists" in error_line(again)
    assert len(writes(hub)) == before  # refused by the preflight, before any upload
    assert len(hub.state.repos[REPO_ID].commits) == 1


def test_dry_run_checks_and_prints_card_without_any_request(green, hub, tmp_path):
    proc = publish(hub, green, "--version", "v1.0.0", "--dry-run", home=tmp_path / "hf")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "dry run: every local check passed; nothing was sent" in proc.stdout
    assert "library_name: peft" in proc.stdout and "tag:     v1.0.0" in proc.stdout
    assert hub.state.requests == []
    assert TOKEN not in proc.stdout + proc.stderr


def test_server_error_mid_upload_says_what_is_on_the_hub(green, hub, tmp_path):
    hub.state.fail["commit"] = 500
    proc = publish(hub, green, "--version", "v0.2.0", "--verify-sample", "0", home=tmp_path / "hf")
    line = error_line(proc)
    assert "failed while trying to upload the files" in line
    assert f"on the Hub now: the new, empty repo {REPO_ID}" in line and f"hf repos delete {REPO_ID}" in line
    repo = hub.state.repos[REPO_ID]
    assert repo.commits == [] and repo.tags == {}
    assert hub.state.lfs  # the LFS part had gone up before the commit failed
    assert not any("/tag/" in r.path for r in hub.state.requests)
    assert_token_nowhere(proc.stdout, proc.stderr, roots=[tmp_path], hub=hub)


def test_failed_tag_says_the_commit_is_there_untagged_and_how_to_finish(green, hub, tmp_path):
    hub.state.fail["create_tag"] = 503
    proc = publish(hub, green, "--version", "v0.3.0", "--verify-sample", "0", home=tmp_path / "hf")
    line = error_line(proc)
    commit = hub.state.repos[REPO_ID].commits[0].oid
    assert f"failed while trying to tag commit {commit[:12]}" in line
    assert f"on the Hub now: the new, empty repo {REPO_ID}; commit {commit[:12]} on main with the" in line
    assert "run publish again with --version v0.3.0 to tag the same files" in line

    del hub.state.fail["create_tag"]  # as the message says: the same command finishes the release
    proc = publish(hub, green, "--version", "v0.3.0", "--verify-sample", "0", home=tmp_path / "hf")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "v0.3.0" in hub.state.repos[REPO_ID].tags


def test_missing_or_rejected_token_is_refused_before_anything_is_written(green, hub, tmp_path):
    proc = publish(hub, green, "--version", "v0.1.0", token=None, home=tmp_path / "empty-hf-home")
    assert "no Hugging Face token" in error_line(proc)
    assert hub.state.requests == []
    proc = publish(
        hub,
        green,
        "--version",
        "v0.1.0",
        "--verify-sample",
        "0",
        token="hf_" + "x" * 34,
        home=tmp_path / "hf",
    )
    assert "token was not accepted" in error_line(proc)
    assert writes(hub) == []


def test_forged_ship_is_refused(tmp_path_factory, tiny_adapter, hub, tmp_path):
    """Reproduction: sed NO-SHIP to SHIP in a real NO-SHIP run's metrics.json, then publish."""
    failing = make_green_run(
        tmp_path_factory.mktemp("failing"), tiny_adapter, gates={"exact_match_min": 0.7}, exit_code=1
    )
    path = failing.results / "metrics.json"
    text = path.read_text()
    assert '"verdict": "NO-SHIP"' in text
    path.write_text(text.replace('"verdict": "NO-SHIP"', '"verdict": "SHIP"'))
    proc = publish(hub, failing, "--version", "v1.0.3", home=tmp_path / "hf")
    line = error_line(proc)
    assert (
        'does not follow from its evidence: verdict is "SHIP" in metrics.json, "NO-SHIP" re-derived' in line
    )
    assert hub.state.requests == []


def test_uncommitted_dataset_cut_and_edited_provenance_are_refused(green, hub, tmp_path):
    """Reproduction: cut the test set without committing, run the suite (SHIP), publish."""
    project = tmp_path / "project"
    shutil.copytree(green.project, project)
    domain = project / "data" / "domain.jsonl"
    domain.write_text("".join(domain.read_text().splitlines(keepends=True)[:2]))
    results = tmp_path / "results"
    proc = run_gates(
        "--adapter", str(green.adapter), "--eval-config", "config/eval.yaml", "--results-dir", str(results),
        cwd=project,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert json.loads((results / "metrics.json").read_text())["git"]["dirty"] is True
    cut = GreenRun(project, green.adapter, results)
    line = error_line(publish(hub, cut, "--version", "v1.0.0", home=tmp_path / "hf"))
    assert "dataset 'nl2bash_test'" in line and "uncommitted changes" in line

    adapter = tmp_path / "adapter"
    shutil.copytree(green.adapter, adapter)
    (adapter / "provenance.json").write_text(json.dumps({**PROVENANCE, "adapter_sha256": "0" * 64}))
    line = error_line(publish(hub, GreenRun(green.project, adapter, green.results), home=tmp_path / "hf"))
    assert "provenance.json describes adapter sha256 000000000000" in line
    assert hub.state.requests == []


def test_another_base_model_is_refused_before_anything_is_sent(green, hub, tmp_path):
    """Reproduction: publish --base-model OTHER used to upload and tag, then fail the load check."""
    from securecli_eval.testing import build_tiny_base

    other = build_tiny_base(tmp_path / "other-base", seed=7)  # same shapes, other weights: it would load
    proc = publish(hub, green, "--version", "v1.0.0", "--base-model", str(other), home=tmp_path / "hf")
    line = error_line(proc)
    assert f"base model {other}" in line and "is not the base the suite evaluated the adapter on" in line
    assert hub.state.requests == []


def test_the_card_may_name_a_base_the_suite_ran_on_a_local_copy_of(
    tmp_path_factory, tiny_adapter, tiny_base, hub, tmp_path
):
    """The adapter names its base as trained (often a Hub id); the suite ran on a local copy of it."""
    adapter = tmp_path / "adapter"
    shutil.copytree(tiny_adapter, adapter)
    config = json.loads((adapter / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(tmp_path / "where-training-had-it")
    (adapter / "adapter_config.json").write_text(json.dumps(config))
    run = make_green_run(
        tmp_path_factory.mktemp("copy"), adapter, extra_args=("--base-model", str(tiny_base))
    )
    proc = publish(hub, run, "--version", "v1.0.0", "--dry-run", home=tmp_path / "hf")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"base_model: {tmp_path / 'where-training-had-it'}" in proc.stdout  # the card names it as trained
    assert hub.state.requests == []


def test_training_logs_in_the_adapter_folder_are_neither_hashed_nor_uploaded(green, hub, tmp_path):
    """Reproduction: Axolotl's debug.log (local paths) beside the adapter after the evaluation."""
    adapter = tmp_path / "adapter"
    shutil.copytree(green.adapter, adapter)
    (adapter / "provenance.json").unlink(missing_ok=True)
    (adapter / "debug.log").write_text(f"[axolotl] loading {tmp_path}/data/train.jsonl\n")
    (adapter / "checkpoint-10").mkdir()
    (adapter / "checkpoint-10" / "optimizer.pt").write_bytes(b"\0" * 64)
    (adapter / "trainer_state.json").write_text("{}")
    proc = publish(
        hub, GreenRun(green.project, adapter, green.results), "--version", "v2.0.0", home=tmp_path / "hf"
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    files = set(hub.state.repos[REPO_ID].commits[0].files)
    assert files == {
        "adapter_config.json",
        "adapter_model.safetensors",
        "README.md",
        "eval/metrics.json",
        "eval/report.md",
    }


def test_changed_adapter_is_refused(green, hub, tmp_path):
    adapter = tmp_path / "adapter"
    shutil.copytree(green.adapter, adapter)
    config = adapter / "adapter_config.json"
    config.write_text(config.read_text() + "\n")
    proc = publish(hub, GreenRun(green.project, adapter, green.results), home=tmp_path / "hf")
    assert "changed since the evaluation" in error_line(proc)
    assert hub.state.requests == []


def test_changed_config_is_refused_uncommitted_or_committed(green, hub, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(green.project, project)
    config = project / "config" / "eval.yaml"
    config.write_text(config.read_text().replace("exact_match_min: 0.0", "exact_match_min: -1.0"))
    proc = publish(hub, green, home=tmp_path / "hf", cwd=project)
    assert "uncommitted changes" in error_line(proc)

    git(project, "commit", "-q", "-am", "loosen a gate after the run")
    proc = publish(hub, green, home=tmp_path / "hf", cwd=project)
    line = error_line(proc)
    assert "eval config" in line and "is not the file the suite read" in line
    assert hub.state.requests == []


def derived_results(green: GreenRun, tmp_path: Path, **changes) -> GreenRun:
    """The green run's results with metrics.json changed as a NO-SHIP or --limit run would have written it."""
    results = tmp_path / "results"
    shutil.copytree(green.results, results)
    metrics = json.loads((results / "metrics.json").read_text())
    metrics.update(changes)
    (results / "metrics.json").write_text(json.dumps(metrics))
    return GreenRun(green.project, green.adapter, results)


def test_no_ship_run_is_refused(green, hub, tmp_path):
    metrics = json.loads((green.results / "metrics.json").read_text())
    gate = {**metrics["gates"][0], "passed": False, "outcome": "failed"}
    gate["message"] = f"{gate['metric']} 0 violates >= 0.9"
    reasons = [f"{gate['name']}: failed: {gate['message']}"]
    run = derived_results(
        green, tmp_path, gates=[gate, *metrics["gates"][1:]], verdict="NO-SHIP", verdict_reasons=reasons
    )
    proc = publish(hub, run, home=tmp_path / "hf")
    line = error_line(proc)
    assert "says NO-SHIP" in line and gate["name"] in line
    assert hub.state.requests == []


def test_limited_run_is_refused(green, hub, tmp_path):
    reasons = ["limited run (--limit): a partial evaluation can never ship"]
    run = derived_results(green, tmp_path, limited=True, limit=2, verdict="NO-SHIP", verdict_reasons=reasons)
    proc = publish(hub, run, home=tmp_path / "hf")
    assert "--limit 2 run" in error_line(proc)
    assert hub.state.requests == []


def test_bad_arguments_are_one_line_errors(green, hub, tmp_path):
    proc = publish(hub, green, "--version", "1.0", home=tmp_path / "hf")
    assert "expected vMAJOR.MINOR.PATCH" in error_line(proc)
    proc = publish(hub, green, "--verify-sample", "-1", home=tmp_path / "hf")
    assert "--verify-sample -1" in error_line(proc)
    empty = tmp_path / "nothing"
    empty.mkdir()
    proc = publish(hub, GreenRun(green.project, green.adapter, empty), home=tmp_path / "hf")
    assert "metrics.json: not found" in error_line(proc)
    assert hub.state.requests == []
