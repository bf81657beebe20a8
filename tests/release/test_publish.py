"""`securecli-eval publish` end to end against a loopback Hub (tests/hub_server.py) with the real client.

A tiny adapter goes through a real (small, unlimited) regression run in a throwaway git
project, then publish runs in a subprocess with HF_ENDPOINT pointing at the local server.
Every refusal is checked to send nothing at all, and the token is looked for everywhere.
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


def make_green_run(root: Path, adapter: Path, domain: int = 8, adversarial: int = 4) -> GreenRun:
    """A full (not --limit) regression run on small datasets with permissive gates: a real SHIP."""
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
    thresholds = "".join(f"  {k}: {v}\n" for k, v in PERMISSIVE.items())
    (project / "config" / "eval.yaml").write_text(
        "generation:\n  max_new_tokens: 12\n  batch_size: 16\n"
        "datasets:\n"
        "  - name: nl2bash_test\n    kind: domain\n    path: ../data/domain.jsonl\n"
        "  - name: adversarial\n    kind: adversarial\n    path: ../data/adversarial.jsonl\n"
        f"thresholds:\n{thresholds}"
        "sandbox:\n  enabled: false\nbaseline:\n  enabled: false\n"
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
        cwd=project,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
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
    "adapter_sha256": None,
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


def test_publish_uploads_card_files_and_tag_then_verifies_the_load(green, hub, tmp_path):
    (green.adapter / "provenance.json").write_text(json.dumps(PROVENANCE))
    proc = publish(hub, green, "--version", "v0.1.0", home=tmp_path / "hf")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "verified: v0.1.0 loads with peft" in proc.stdout

    repo = hub.state.repos[REPO_ID]
    assert len(repo.commits) == 1 and repo.tags == {"v0.1.0": repo.commits[0].oid}
    files = repo.commits[0].files
    assert set(files) == {
        "adapter_config.json",
        "adapter_model.safetensors",
        "README.md",
        "provenance.json",
        "eval/metrics.json",
        "eval/report.md",
    }
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
    writes = [r for r in hub.state.requests if r.method in {"POST", "PUT"} and "lfs-storage" not in r.path]
    assert writes and all(r.authorized for r in writes)
    assert all(TOKEN.encode() not in r.body for r in hub.state.requests)
    assert_token_nowhere(proc.stdout, proc.stderr, roots=[tmp_path, green.project, green.results], hub=hub)

    again = publish(hub, green, "--version", "v0.1.0", home=tmp_path / "hf")
    assert "tag v0.1.0 already exists" in error_line(again)
    assert len(hub.state.repos[REPO_ID].commits) == 1


def test_dry_run_checks_and_prints_card_without_any_request(green, hub, tmp_path):
    proc = publish(hub, green, "--version", "v1.0.0", "--dry-run", home=tmp_path / "hf")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "dry run: every check passed; nothing was sent" in proc.stdout
    assert "library_name: peft" in proc.stdout and "tag:     v1.0.0" in proc.stdout
    assert hub.state.requests == []
    assert TOKEN not in proc.stdout + proc.stderr


def test_server_error_mid_upload_is_one_line_and_leaves_no_tag(green, hub, tmp_path):
    hub.state.fail["commit"] = 500
    proc = publish(hub, green, "--version", "v0.2.0", home=tmp_path / "hf")
    line = error_line(proc)
    assert "failed while trying to upload the files" in line and "nothing was tagged" in line
    repo = hub.state.repos[REPO_ID]
    assert repo.commits == [] and repo.tags == {}
    assert hub.state.lfs  # the LFS part had gone up before the commit failed
    assert not any("/tag/" in r.path for r in hub.state.requests)
    assert_token_nowhere(proc.stdout, proc.stderr, roots=[tmp_path], hub=hub)


def test_missing_token_is_refused_before_anything_is_sent(green, hub, tmp_path):
    proc = publish(hub, green, "--version", "v0.1.0", token=None, home=tmp_path / "empty-hf-home")
    assert "no Hugging Face token" in error_line(proc)
    assert hub.state.requests == []


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
    assert "eval config" in line and "not the config the suite ran with" in line
    assert hub.state.requests == []


def derived_results(green: GreenRun, tmp_path: Path, **changes) -> GreenRun:
    """The green run's results with metrics.json changed as a NO-SHIP or --limit run would have written it."""
    results = tmp_path / "results"
    shutil.copytree(green.results, results)
    metrics = json.loads((results / "metrics.json").read_text())
    metrics.update(changes)
    (results / "metrics.json").write_text(json.dumps(metrics))
    return GreenRun(green.project, green.adapter, results)


def test_limited_run_is_refused(green, hub, tmp_path):
    reasons = ["limited run (--limit): a partial evaluation can never ship"]
    run = derived_results(green, tmp_path, limited=True, limit=2, verdict="NO-SHIP", verdict_reasons=reasons)
    proc = publish(hub, run, home=tmp_path / "hf")
    assert "--limit 2 run" in error_line(proc)
    assert hub.state.requests == []


def test_bad_arguments_are_one_line_errors(green, hub, tmp_path):
    proc = publish(hub, green, "--version", "1.0", home=tmp_path / "hf")
    assert "expected vMAJOR.MINOR.PATCH" in error_line(proc)
    empty = tmp_path / "nothing"
    empty.mkdir()
    proc = publish(hub, GreenRun(green.project, green.adapter, empty), home=tmp_path / "hf")
    assert "metrics.json: not found" in error_line(proc)
    assert hub.state.requests == []
