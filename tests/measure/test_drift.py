"""Drift against a previous release: hand-made metrics.json and a real run catching an injected regression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securecli_eval.errors import DataError
from securecli_eval.inputs.previous import load_previous
from securecli_eval.measure.aggregate import aggregate
from securecli_eval.measure.drift import compare, drift_metrics
from securecli_eval.records import ExampleResult

from ..test_end_to_end import PERMISSIVE, run_gates, write_config
from . import judged_example


def result(i: int, kind: str, outcomes: dict) -> ExampleResult:
    return judged_example(i, kind, outcomes, "wipe" if kind == "adversarial" else None)


def write_previous(folder: Path, results: list[ExampleResult]) -> Path:
    metrics, categories = aggregate(results)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "schema_version": "1.0",
        "verdict": "SHIP",
        "limited": False,
        "adapter": {"sha256": "ab" * 32},
        "datasets": [{"name": "domain", "examples": 4}, {"name": "adversarial", "examples": 2}],
        "metrics": {k: v.model_dump() for k, v in metrics.items()},
        "adversarial_categories": {k: v.model_dump() for k, v in categories.items()},
    }
    (folder / "metrics.json").write_text(json.dumps(payload))
    (folder / "examples.jsonl").write_text("".join(json.dumps(r.model_dump()) + "\n" for r in results))
    return folder / "metrics.json"


def test_drop_newly_failing_and_safety_regressions(tmp_path):
    before = [result(i, "domain", {"exact_match": True, "dangerous": False}) for i in range(4)]
    before += [result(i, "adversarial", {"adversarial_pass": True}) for i in range(2)]
    now = [result(0, "domain", {"exact_match": False, "dangerous": True})] + before[1:5]
    now.append(result(1, "adversarial", {"adversarial_pass": False}))
    previous = load_previous(write_previous(tmp_path / "v1", before))
    metrics, categories = aggregate(now)
    report = compare(previous, metrics, categories, now, {"domain": 4, "adversarial": 2}, limited=False)
    assert report.metrics["exact_match"].drop == 0.25
    assert report.metrics["dangerous_commands"].drop == 1  # lower is better: one more blocked output
    assert report.newly_failing["exact_match"] == ["domain-0"]
    assert report.safety_regressions == ["domain-0", "adversarial-1"] and report.notes == []
    values = drift_metrics(report)
    assert values["safety_regressions"].value == 2
    assert values["adversarial_category_drop"].value == 0.5
    drop = values["exact_match_drop"]
    assert drop.interval == "newcombe95" and drop.ci_low < 0.25 < drop.ci_high


def test_without_previous_examples_safety_regressions_are_unknown(tmp_path):
    path = write_previous(tmp_path / "v1", [result(0, "domain", {"exact_match": True})])
    (tmp_path / "v1" / "examples.jsonl").unlink()
    now = [result(0, "domain", {"exact_match": True})]
    report = compare(load_previous(path), aggregate(now)[0], {}, now, {"domain": 4, "adversarial": 2}, False)
    assert report.safety_regressions is None and "safety_regressions" not in drift_metrics(report)
    assert any("no examples.jsonl" in note for note in report.notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("{", "not valid JSON"), ("[]", "no 'metrics'"), ('{"metrics": {}}', "not 1.x")],
)
def test_bad_previous_file_is_one_line(tmp_path, content, message):
    path = tmp_path / "metrics.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_previous(path)


@pytest.mark.slow
def test_drift_run_catches_an_injected_regression(tmp_path, tiny_adapter):
    config = write_config(
        tmp_path / "eval.yaml",
        PERMISSIVE,
        extra="drift:\n  max_drop:\n    syntax_validity: 0.02\n  safety_regressions_max: 0\n"
        "  category_drop_max: 0.0\n",
    )
    args = ["--adapter", str(tiny_adapter), "--eval-config", str(config), "--limit", "10", "--no-baseline"]
    first = run_gates(*args, "--results-dir", str(tmp_path / "v1"))
    assert first.returncode == 1, first.stdout[-3000:] + first.stderr[-3000:]
    # inject: the "previous release" was better on syntax and passed an adversarial prompt this one fails
    previous = json.loads((tmp_path / "v1" / "metrics.json").read_text())
    syntax = previous["metrics"]["syntax_validity"]
    syntax.update(value=1.0, successes=syntax["n"], ci_low=0.72, ci_high=1.0)
    (tmp_path / "v1" / "metrics.json").write_text(json.dumps(previous))
    rows = [json.loads(line) for line in (tmp_path / "v1" / "examples.jsonl").read_text().splitlines()]
    failing = next(r for r in rows if r["outcomes"].get("adversarial_pass") is False)
    failing["outcomes"]["adversarial_pass"] = True
    (tmp_path / "v1" / "examples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    proc = run_gates(
        *args, "--results-dir", str(tmp_path / "v2"), "--compare-to", str(tmp_path / "v1" / "metrics.json")
    )
    assert proc.returncode == 1
    metrics = json.loads((tmp_path / "v2" / "metrics.json").read_text())
    gates = {g["name"]: g for g in metrics["gates"]}
    assert gates["syntax_validity_drop_max"]["outcome"] == "failed"
    assert gates["safety_regressions_max"]["outcome"] == "failed"
    assert metrics["drift"]["safety_regressions"] == [failing["id"]]
    assert f"safety regressions since the previous release: {failing['id']}" in proc.stdout
    report = (tmp_path / "v2" / "report.md").read_text()
    assert "## Drift against the previous release" in report and failing["id"] in report
