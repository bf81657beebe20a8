"""W&B tracking for real, in offline mode: log a tiny evaluation, then read back what wandb wrote.

The offline run's ``run-<id>.wandb`` file is wandb's transaction log (a LevelDB-style log of
``wandb.proto`` Record messages); ``read_records`` below decodes it with wandb's own protobufs,
so the test sees exactly what ``wandb sync`` would later upload.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.release.tracking import (
    TrackingSettings,
    lineage_group,
    log_results_dir,
    read_training_run,
    resolve_mode,
    tracking_enabled,
)

from ..conftest import PROJECT
from .test_publish import make_green_run

pytestmark = pytest.mark.slow

BLOCK = 32768
HEADER = 7  # checksum (4), length (2), record type (1)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def read_records(path: Path) -> list:
    """Every Record in a .wandb transaction log, in order."""
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    ident, magic, version = struct.unpack("<4sHB", data[:HEADER])
    assert (ident, magic, version) == (b":W&B", 0xBEE1, 0)
    records, pending, position = [], b"", HEADER
    while position + HEADER <= len(data):
        left = BLOCK - position % BLOCK
        if left < HEADER:  # block trailer padding
            position += left
            continue
        _, length, kind = struct.unpack("<IHB", data[position : position + HEADER])
        chunk = data[position + HEADER : position + HEADER + length]
        position += HEADER + length
        if kind == FULL:
            records.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            records.append(pending + chunk)
        elif kind == 0 and length == 0:
            position += BLOCK - position % BLOCK if position % BLOCK else 0
    parsed = []
    for raw in records:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        parsed.append(record)
    return parsed


def summary_of(records) -> dict:
    summary: dict = {}
    for record in records:
        if record.WhichOneof("record_type") == "summary":
            for item in record.summary.update:
                key = item.key or "/".join(item.nested_key)
                summary[key] = json.loads(item.value_json)
    return summary


@pytest.fixture(scope="module")
def tracked(tmp_path_factory, tiny_adapter):
    root = tmp_path_factory.mktemp("tracked")
    run = make_green_run(root, tiny_adapter, domain=4, adversarial=2)
    provenance = {
        "wandb": {
            "run_id": "trn42abc",
            "project": "securecli-train",
            "url": "https://wandb.ai/me/t/runs/trn42abc",
        },
        "datasets": ["nl2bash"],
    }
    (run.adapter / "provenance.json").write_text(json.dumps(provenance))
    saved = {k: os.environ.get(k) for k in ("WANDB_MODE", "WANDB_API_KEY", "NETRC", "WANDB_SILENT")}
    os.environ.pop("WANDB_MODE", None)
    os.environ.pop("WANDB_API_KEY", None)
    os.environ["NETRC"] = str(root / "no-netrc")
    try:
        result = log_results_dir(
            run.results,
            TrackingSettings(project="securecli-eval-tests", run_name="tiny-eval", directory=root / "wandb"),
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return run, result


def test_without_api_key_the_run_is_written_offline_and_says_where(tracked):
    run, result = tracked
    assert result.mode == "offline" and result.run_dir is not None and result.run_dir.is_dir()
    assert f"wandb sync {result.run_dir}" in result.message and "offline" in result.message
    assert (result.run_dir / f"run-{result.run_id}.wandb").is_file()


def test_offline_run_holds_config_lineage_metrics_gates_and_verdict(tracked):
    run, result = tracked
    metrics = json.loads((run.results / "metrics.json").read_text())
    records = read_records(result.run_dir / f"run-{result.run_id}.wandb")
    kinds = [r.WhichOneof("record_type") for r in records]
    assert "run" in kinds, kinds
    run_record = records[kinds.index("run")].run
    assert run_record.project == "securecli-eval-tests" and run_record.display_name == "tiny-eval"
    assert run_record.job_type == "evaluation" and run_record.run_group == "train-trn42abc"
    config = {item.key: json.loads(item.value_json) for item in run_record.config.update}
    assert config["training_run"] == {
        "id": "trn42abc",
        "project": "securecli-train",
        "url": "https://wandb.ai/me/t/runs/trn42abc",
    }
    assert config["adapter"]["sha256"] == metrics["adapter"]["sha256"]
    assert config["eval_config"]["sha256"] == metrics["eval_config"]["sha256"]

    summary = summary_of(records)
    assert summary["verdict"] == metrics["verdict"] == "SHIP" and summary["ship"] is True
    for name, value in metrics["metrics"].items():
        assert summary[f"metrics/{name}"] == value["value"], name
    for gate in metrics["gates"]:
        prefix = f"gates/{gate['name']}"
        assert summary[f"{prefix}/threshold"] == gate["threshold"]
        assert summary[f"{prefix}/value"] == gate["value"]
        assert (
            summary[f"{prefix}/passed"] is gate["passed"] and summary[f"{prefix}/outcome"] == gate["outcome"]
        )


def test_offline_run_holds_the_example_table_and_the_results_artifact(tracked):
    run, result = tracked
    examples = [json.loads(line) for line in (run.results / "examples.jsonl").read_text().splitlines()]
    tables = {p.name.split("_")[0]: p for p in (result.run_dir / "files" / "media" / "table").glob("*.json")}
    table = json.loads(tables["examples"].read_text())
    columns = table["columns"]
    assert {"instruction", "reference", "output", "exact_match", "adversarial_pass", "risk_verdict"} <= set(
        columns
    )
    assert len(table["data"]) == len(examples)
    rows = {row[columns.index("id")]: dict(zip(columns, row, strict=True)) for row in table["data"]}
    for example in examples:
        row = rows[example["id"]]
        assert row["output"] == example["output"] and row["instruction"] == example["instruction"]
        assert row["risk_verdict"] == example["details"]["risk"]["verdict"]
        for key, value in example["outcomes"].items():
            assert row[key] == value
    gates = json.loads(tables["gates"].read_text())
    assert len(gates["data"]) == len(json.loads((run.results / "metrics.json").read_text())["gates"])

    records = read_records(result.run_dir / f"run-{result.run_id}.wandb")
    artifacts = [r.artifact for r in records if r.WhichOneof("record_type") == "artifact"]
    evaluation = next(a for a in artifacts if a.type == "evaluation")
    assert evaluation.name == result.artifact and "ship" in evaluation.aliases
    contents = {entry.path: entry.digest for entry in evaluation.manifest.contents}
    assert set(contents) == {"metrics.json", "report.md", "report.html", "examples.jsonl"}
    for name, digest in contents.items():
        expected = base64.b64encode(hashlib.md5((run.results / name).read_bytes()).digest()).decode()
        assert digest == expected, name


def test_explicit_modes_and_lineage_fallbacks(monkeypatch, tmp_path):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert resolve_mode(TrackingSettings()) == "disabled"
    result = log_results_dir(tmp_path, TrackingSettings())  # disabled: nothing is read or written
    assert result.mode == "disabled" and not any(tmp_path.iterdir())
    monkeypatch.delenv("WANDB_MODE")
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert resolve_mode(TrackingSettings()) == "online"
    assert resolve_mode(TrackingSettings(mode="offline")) == "offline"
    assert tracking_enabled(None, no_wandb=False) and tracking_enabled("p", no_wandb=False)
    assert not tracking_enabled("p", no_wandb=True)
    assert lineage_group(None, "ab" * 32) == "adapter-abababababab"
    (tmp_path / "provenance.json").write_text(json.dumps({"wandb": {"id": "r1", "group": "sweep-7"}}))
    training = read_training_run(tmp_path)
    assert training is not None and lineage_group(training, "ab" * 32) == "sweep-7"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(document=JSON | st.fixed_dictionaries({"wandb": JSON}), raw=st.binary(max_size=40))
def test_any_provenance_file_gives_a_run_or_none(tmp_path_factory, document, raw):
    folder = tmp_path_factory.mktemp("provenance")
    (folder / "provenance.json").write_text(json.dumps(document))
    training = read_training_run(folder)
    assert training is None or (isinstance(training.id, str) and training.id.strip() == training.id != "")
    (folder / "provenance.json").write_bytes(raw)
    read_training_run(folder)  # never raises, whatever the bytes


def test_missing_wandb_is_one_line_naming_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['wandb'] = None\n"
        "from pathlib import Path\n"
        "from securecli_eval.release.tracking import TrackingSettings, log_results_dir\n"
        "from securecli_eval.errors import SecureCliError\n"
        "from securecli_eval.release.tracking import tracking_enabled\n"
        "print(tracking_enabled(None, no_wandb=False), tracking_enabled('p', no_wandb=True))\n"
        "for call in (lambda: log_results_dir(Path(sys.argv[1]), TrackingSettings(mode='offline')),\n"
        "             lambda: tracking_enabled('my-project', no_wandb=False)):\n"
        "    try:\n        call()\n"
        "    except SecureCliError as error:\n        print(error)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    env.pop("WANDB_MODE", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    missing = "W&B tracking needs the wandb package: pip install -e .[track] (or pass --no-wandb)"
    assert proc.stdout.strip().splitlines() == ["False False", missing, missing]
