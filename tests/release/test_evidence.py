"""The evidence checks on real runs: a genuine run re-derives exactly, every kind of hand edit is refused.

Each run below is a real (small, unlimited) regression run of the tiny adapter in a throwaway
git project; the tests then change one thing in a copy of its results, as a careless or
dishonest user would, and call the same checks publish runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from securecli_eval.errors import PublishRefused
from securecli_eval.release.evidence import check_evidence, first_difference, spot_check

from .test_publish import GreenRun, make_green_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def paired(tmp_path_factory, tiny_adapter) -> GreenRun:
    """A SHIP run with the baseline on: its verdict includes a paired gate with a bootstrap interval."""
    return make_green_run(tmp_path_factory.mktemp("paired"), tiny_adapter, baseline=True)


def check(run: GreenRun, results: Path | None = None):
    return check_evidence(run.adapter, results or run.results, run.project / "config" / "eval.yaml")


def copy_results(run: GreenRun, tmp_path: Path) -> Path:
    results = tmp_path / "results"
    shutil.copytree(run.results, results)
    return results


def edit_metrics(results: Path, change) -> None:
    path = results / "metrics.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def rows(results: Path, name: str = "examples.jsonl") -> list[dict]:
    return [json.loads(line) for line in (results / name).read_text().splitlines()]


def write_rows(results: Path, items: list[dict], rehash: bool, name: str = "examples.jsonl") -> None:
    """Write examples.jsonl back; with ``rehash`` also the manifest, as a careful forger would."""
    text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in items)
    (results / name).write_text(text)
    if rehash:
        digest = hashlib.sha256(text.encode()).hexdigest()
        edit_metrics(results, lambda data: data["evidence"]["artifacts"].__setitem__(name, digest))


def refusal(run: GreenRun, results: Path) -> str:
    with pytest.raises(PublishRefused) as caught:
        check(run, results)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_genuine_run_is_re_derived_exactly_bootstrap_intervals_included(paired):
    evidence = check(paired)
    report = evidence.report
    assert report.verdict == "SHIP" and report.evidence is not None
    assert set(report.evidence.artifacts) == {
        "examples.jsonl",
        "base_examples.jsonl",
        "report.md",
        "report.html",
    }
    assert report.baseline.metrics["exact_match"].ci_low is not None  # a seeded bootstrap, re-derived
    roles = [(i.role, i.name) for i in report.evidence.inputs]
    assert roles == [("eval_config", "eval_config"), ("dataset", "nl2bash_test"), ("dataset", "adversarial")]
    run_id = report.evidence.run_id
    assert all(
        row["run_id"] == run_id for row in rows(paired.results) + rows(paired.results, "base_examples.jsonl")
    )
    assert f"| run id | `{run_id}` |" in (paired.results / "report.md").read_text()


def test_drift_against_a_previous_release_is_re_derived_from_the_files_it_read(
    paired, tmp_path, tiny_adapter
):
    run = make_green_run(tmp_path, tiny_adapter, extra_args=("--compare-to", str(paired.results)))
    evidence = check(run)
    assert evidence.report.drift is not None and "safety_regressions_max" in {
        g.name for g in evidence.report.gates
    }
    roles = {i.role for i in evidence.report.evidence.inputs}
    assert {"previous_metrics", "previous_examples"} <= roles

    previous = tmp_path / "previous"
    shutil.copytree(paired.results, previous)
    (paired.results / "examples.jsonl").write_text("")  # the previous release's file changed since
    try:
        with pytest.raises(PublishRefused, match="the previous release the drift gates compared with"):
            check(run)
    finally:
        shutil.copy(previous / "examples.jsonl", paired.results / "examples.jsonl")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["metrics"]["exact_match"].update(value=0.99), "metrics.exact_match.value"),
        (lambda d: d["gates"][0].update(threshold=-5.0), "gates[0].threshold"),
        (lambda d: d["gates"].pop(), "gates"),
        (lambda d: d["adversarial_categories"].popitem(), "adversarial_categories"),
        (lambda d: d["baseline"]["metrics"]["exact_match"].update(ci_low=-1.0), "baseline.metrics"),
        (lambda d: d["evidence"]["artifacts"].pop("report.md"), "lists no report.md"),
        (lambda d: d.pop("evidence"), "no evidence manifest"),
    ],
    ids=[
        "metric",
        "gate-threshold",
        "gate-removed",
        "category",
        "bootstrap-interval",
        "manifest",
        "no-manifest",
    ],
)
def test_a_hand_edited_metrics_json_is_refused(paired, tmp_path, change, expected):
    results = copy_results(paired, tmp_path)
    edit_metrics(results, change)
    assert expected in refusal(paired, results)


def test_an_edited_outcome_is_refused_by_its_hash_and_then_by_the_re_derivation(paired, tmp_path):
    results = copy_results(paired, tmp_path)
    examples = rows(results)
    domain = next(row for row in examples if row["kind"] == "domain")
    domain["outcomes"]["exact_match"] = not domain["outcomes"]["exact_match"]
    write_rows(results, examples, rehash=False)
    assert "is not the file run" in refusal(paired, results)
    write_rows(results, examples, rehash=True)  # the manifest agrees now; the metrics no longer do
    assert "does not follow from its evidence: metrics.exact_match" in refusal(paired, results)


def test_examples_that_are_not_the_committed_datasets_are_refused(paired, tmp_path):
    results = copy_results(paired, tmp_path)
    examples = rows(results)
    write_rows(results, examples[1:], rehash=True)
    assert "the committed datasets" in refusal(paired, results)
    examples[0]["instruction"] = "an instruction nobody committed"
    write_rows(results, examples, rehash=True)
    assert "instruction" in refusal(paired, results)


def test_a_stale_mix_of_two_runs_files_is_refused(paired, tmp_path):
    results = copy_results(paired, tmp_path)
    report = (results / "report.md").read_text()
    run_id = json.loads((results / "metrics.json").read_text())["evidence"]["run_id"]
    (results / "report.md").write_text(report.replace(run_id, "20200101T000000Z-0ld0ld00"))
    assert "names run 20200101T000000Z-0ld0ld00" in refusal(paired, results)

    results = copy_results(paired, tmp_path / "second")
    (results / "base_examples.jsonl").unlink()
    assert "base_examples.jsonl: missing" in refusal(paired, results)


def test_provenance_of_another_adapter_is_refused(paired, tmp_path):
    adapter = tmp_path / "adapter"
    shutil.copytree(paired.adapter, adapter)
    evaluated = json.loads((paired.results / "metrics.json").read_text())["adapter"]["sha256"]
    (adapter / "provenance.json").write_text(json.dumps({"adapter_sha256": evaluated}))
    check_evidence(adapter, paired.results, paired.project / "config" / "eval.yaml")
    (adapter / "provenance.json").write_text(json.dumps({"adapter_sha256": "ab" * 32}))
    with pytest.raises(PublishRefused, match="provenance.json describes adapter sha256 abababababab"):
        check_evidence(adapter, paired.results, paired.project / "config" / "eval.yaml")


def test_spot_check_regenerates_recorded_outputs_and_catches_a_typed_in_one(paired, tmp_path, tiny_base):
    evidence = check(paired)
    checked = spot_check(evidence, paired.adapter, tiny_base, count=3, seed=1)
    assert len(checked) == 3

    results = copy_results(paired, tmp_path)
    examples = rows(results)
    examples[0]["output"] = examples[0]["output"] + " # typed in by hand"
    write_rows(results, examples, rehash=True)  # outcomes untouched: the metrics still follow
    forged = check(paired, results)
    with pytest.raises(PublishRefused, match=f"spot check: {examples[0]['dataset']}/{examples[0]['id']}"):
        spot_check(forged, paired.adapter, tiny_base, count=len(examples), seed=1)


def test_first_difference_names_the_path_and_both_values():
    assert (
        first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}, "m")
        == "m.a[1].b is 2 in metrics.json, 3 re-derived"
    )
    assert first_difference({"a": 1}, {"a": 1}, "m") is None
