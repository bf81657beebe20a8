"""General capability through real lm-eval on the tiny model with the shipped offline tasks."""

from __future__ import annotations

import json

import pytest

from securecli_eval.errors import ConfigError
from securecli_eval.inputs.config import GeneralSettings, load_config
from securecli_eval.measure.general import degradation_metric, run_general
from securecli_eval.measure.stats import Z95
from securecli_eval.records import GeneralReport, TaskScore
from securecli_eval.resources.general_tasks import TASKS_DIR, build_general, build_tldr

from ..conftest import PROJECT

pytest.importorskip("lm_eval")


def test_shipped_task_data_is_well_formed():
    for name in ("tldr_which_command.json", "general_knowledge.json"):
        data = json.loads((TASKS_DIR / name).read_text())
        assert data["source"] and data["items"]
        for item in data["items"]:
            assert len(item["choices"]) == 4 and 0 <= item["answer"] < 4
            assert len(set(item["choices"])) == 4, item


def test_shipped_tasks_have_enough_items_to_decide_the_default_threshold():
    """At accuracy 0.5 for base and adapter (the widest case) the drop's interval clears the threshold."""
    config, _ = load_config(PROJECT / "config" / "eval_config.yaml")
    threshold = config.thresholds["general_degradation_max"]
    for task in config.general.tasks:
        name = task.removeprefix("securecli_") + ".json"
        items = len(json.loads((TASKS_DIR / name).read_text())["items"])
        evaluated = min(items, config.general.limit or items)
        half_width = Z95 * (2 * 0.25 / evaluated) ** 0.5
        assert half_width < threshold, f"{task}: {evaluated} items give +/-{half_width:.3f}"


def test_shipped_task_data_is_what_the_build_scripts_write():
    assert build_general.build() == json.loads((TASKS_DIR / "general_knowledge.json").read_text())
    raw = PROJECT / "data" / "raw" / "tldr-pages.jsonl"
    assert build_tldr.build(raw) == json.loads((TASKS_DIR / "tldr_which_command.json").read_text())


def test_degradation_is_the_largest_task_drop():
    def score(task, base, adapter):
        return TaskScore(
            task=task,
            metric="acc",
            base=base,
            base_stderr=0.05,
            adapter=adapter,
            adapter_stderr=0.05,
            drop=round(base - adapter, 6),
            ci_low=None,
            ci_high=None,
        )

    report = GeneralReport(available=True, tasks={"a": score("a", 0.5, 0.45), "b": score("b", 0.6, 0.4)})
    value = degradation_metric(report)
    assert value.value == 0.2 and "worst task: b" in value.note
    assert degradation_metric(GeneralReport(available=False, reason="lm-eval is not installed")) is None


def test_unknown_task_says_did_you_mean(tmp_path, tiny_base, tiny_adapter):
    settings = GeneralSettings(tasks=["securecli_tldr_which_comand"])
    with pytest.raises(ConfigError, match="did you mean securecli_tldr_which_command"):
        run_general(settings, tiny_base, tiny_adapter, tmp_path / "c", "cpu", "auto", tmp_path)


@pytest.mark.slow
def test_lm_eval_run_on_the_tiny_model(tmp_path, tiny_base, tiny_adapter):
    settings = GeneralSettings(limit=6, batch_size=16)
    report = run_general(settings, tiny_base, tiny_adapter, tmp_path / "cache" / "x", "cpu", "auto", tmp_path)
    assert report.available and set(report.tasks) == set(settings.tasks)
    for task in report.tasks.values():
        assert task.samples == 6 and 0 <= task.base <= 1 and 0 <= task.adapter <= 1
        assert task.base_stderr is not None and task.ci_low <= task.drop <= task.ci_high
        assert task.drop == pytest.approx(task.base - task.adapter, abs=1e-6)
    # lm-eval's request cache makes a rerun return the same scores
    again = run_general(settings, tiny_base, tiny_adapter, tmp_path / "cache" / "x", "cpu", "auto", tmp_path)
    assert again == report
