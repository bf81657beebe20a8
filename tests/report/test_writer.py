"""Writing a run's files: one complete set or nothing, metrics.json last, one run at a time."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from securecli_eval.errors import DataError, SecureCliError
from securecli_eval.records import EvidenceRecord, MetricsReport
from securecli_eval.report.html import render_html
from securecli_eval.report.render import render_markdown
from securecli_eval.report.writer import ResultsLock, install_run, rerender

from .test_render import report_with


def report(run_id: str = "20250101T000000Z-0123abcd") -> MetricsReport:
    return report_with([], {}).model_copy(update={"evidence": EvidenceRecord(run_id=run_id)})


def with_umask(mask: int, action):
    previous = os.umask(mask)
    try:
        return action()
    finally:
        os.umask(previous)


def test_the_run_is_installed_as_one_set_with_its_manifest_and_the_umask_permissions(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    files = {"examples.jsonl": '{"id": "a"}\n', "report.md": "# report\n"}
    final, written = with_umask(0o022, lambda: install_run(report(), files, results))
    assert [p.name for p in written] == ["metrics.json", "examples.jsonl", "report.md"]
    recorded = json.loads((results / "metrics.json").read_text())["evidence"]["artifacts"]
    assert recorded == {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()}
    assert final.evidence.artifacts == recorded
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o644"}  # readable by the group
    assert sorted(p.name for p in results.iterdir()) == ["examples.jsonl", "metrics.json", "report.md"]

    private = tmp_path / "private"
    private.mkdir()
    _, written = with_umask(0o077, lambda: install_run(report(), files, private))
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o600"}


def test_a_new_run_removes_what_it_does_not_write_again_and_leaves_other_files(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    install_run(
        report("20250101T000000Z-aaaaaaaa"), {"examples.jsonl": "1\n", "base_examples.jsonl": "2\n"}, results
    )
    (results / "junit.xml").write_text("<testsuites/>")
    install_run(report("20250101T000001Z-bbbbbbbb"), {"examples.jsonl": "3\n"}, results)
    assert sorted(p.name for p in results.iterdir()) == ["examples.jsonl", "junit.xml", "metrics.json"]


def test_a_failed_write_leaves_the_previous_complete_results_untouched(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    install_run(
        report("20250101T000000Z-aaaaaaaa"), {"examples.jsonl": "old\n", "report.md": "old\n"}, results
    )
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    with pytest.raises(OSError):  # a name that cannot be created fails the write midway
        install_run(
            report("20250101T000001Z-bbbbbbbb"), {"examples.jsonl": "new\n", "no/such.md": "x"}, results
        )
    assert {p.name: p.read_bytes() for p in results.iterdir()} == before  # no run folder left either


def test_one_run_at_a_time_holds_a_results_folder(tmp_path):
    results = tmp_path / "results"
    (results / ".run-20240101T000000Z-deadbeef").mkdir(parents=True)  # left by a killed run
    first = ResultsLock(results)
    first.acquire("20250101T000000Z-aaaaaaaa")
    assert not (results / ".run-20240101T000000Z-deadbeef").exists()
    second = ResultsLock(results)
    with pytest.raises(SecureCliError) as refused:
        second.acquire("20250101T000001Z-bbbbbbbb")
    message = str(refused.value)
    assert (
        f"pid {os.getpid()}, run 20250101T000000Z-aaaaaaaa" in message and "another --results-dir" in message
    )
    first.release()
    second.acquire("20250101T000001Z-bbbbbbbb")
    second.release()


def test_rerender_replaces_the_recorded_report_only_with_the_same_text(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    run = report()
    reports = {"report.md": render_markdown(run, [], 5), "report.html": render_html(run, [], [])}
    install_run(run, {"examples.jsonl": "", **reports}, results)
    assert rerender(results) == [results / "report.md", results / "report.html"]  # the same text
    metrics = json.loads((results / "metrics.json").read_text())
    metrics["verdict_reasons"] = ["a reason the recorded report does not show"]
    (results / "metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(DataError, match="pass --out FOLDER"):
        rerender(results)
    markdown, _ = rerender(results, out=tmp_path / "elsewhere")
    assert "a reason the recorded report" in markdown.read_text()
