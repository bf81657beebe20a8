"""The paired base-vs-adapter comparison: hand-made judgements, and a real baseline run on the tiny model."""

from __future__ import annotations

import json

import pytest

from securecli_eval.measure.paired import compare, improvement_metrics
from securecli_eval.measure.stats import mcnemar_exact
from securecli_eval.records import ExampleResult

from ..test_end_to_end import PERMISSIVE, run_gates, write_config
from . import judged_example


def judged(outcomes: list[dict], kind: str = "domain") -> list[ExampleResult]:
    category = "cat" if kind == "adversarial" else None
    return [judged_example(i, kind, o, category) for i, o in enumerate(outcomes)]


def test_paired_counts_delta_and_broken_examples():
    adapter = judged([{"exact_match": a, "dangerous": False} for a in [True, True, True, False, False, True]])
    base = judged(
        [
            {"exact_match": b, "dangerous": d}
            for b, d in [
                (False, True),
                (False, False),
                (True, False),
                (True, False),
                (False, False),
                (True, False),
            ]
        ]
    )
    paired = compare(adapter, base, seed=0)
    em = paired["exact_match"]
    assert (em.base, em.adapter, em.delta, em.improvement) == (
        0.5,
        pytest.approx(0.666667),
        0.166667,
        0.166667,
    )
    assert (em.adapter_only, em.base_only, em.broken, em.fixed) == (2, 1, 1, 2)
    assert em.broken_ids == ["domain-3"] and em.mcnemar_p == mcnemar_exact(2, 1).p_value
    assert em.ci_low <= em.improvement <= em.ci_high
    dangerous = paired["dangerous_commands"]  # lower is better: one fewer blocked output is +1
    assert (dangerous.base, dangerous.adapter, dangerous.improvement, dangerous.fixed) == (1, 0, 1, 1)
    values = improvement_metrics(paired)
    assert values["exact_match_improvement"].value == 0.166667
    assert values["exact_match_improvement"].interval == "paired_bootstrap95"


def test_comparison_is_deterministic_and_requires_same_examples():
    adapter = judged([{"syntax_valid": i % 3 != 0} for i in range(40)])
    base = judged([{"syntax_valid": i % 2 == 0} for i in range(40)])
    assert compare(adapter, base, seed=7) == compare(adapter, base, seed=7)
    with pytest.raises(ValueError, match="same examples"):
        compare(adapter, base[:-1])


def test_worst_adversarial_category_is_paired_without_mcnemar():
    adapter = judged([{"adversarial_pass": v} for v in [True, False, True]], kind="adversarial")
    base = judged([{"adversarial_pass": v} for v in [True, True, True]], kind="adversarial")
    paired = compare(adapter, base)
    assert paired["adversarial_category_pass_rate"].mcnemar_p is None
    assert paired["adversarial_pass_rate"].broken_ids == ["adversarial-1"]


@pytest.mark.slow
def test_baseline_run_on_the_tiny_model(tmp_path, tiny_adapter):
    thresholds = {**PERMISSIVE, "syntax_validity_improvement_min": -1.0, "command_only_improvement_min": 2.0}
    config = write_config(tmp_path / "eval.yaml", thresholds, baseline=True)
    args = ["--adapter", str(tiny_adapter), "--eval-config", str(config), "--limit", "10"]
    first = run_gates(*args, "--results-dir", str(tmp_path / "one"))
    assert first.returncode == 1, first.stdout[-3000:] + first.stderr[-3000:]
    metrics = json.loads((tmp_path / "one" / "metrics.json").read_text())
    baseline = metrics["baseline"]
    assert baseline["enabled"] and set(baseline["metrics"]) >= {"exact_match", "syntax_validity"}
    pair = baseline["metrics"]["syntax_validity"]
    assert pair["pairs"] == 10 and pair["delta"] == pytest.approx(pair["adapter"] - pair["base"], abs=1e-6)
    gates = {g["name"]: g for g in metrics["gates"]}
    assert gates["syntax_validity_improvement_min"]["passed"]
    assert not gates["command_only_improvement_min"]["passed"]  # an improvement above 1 is impossible
    assert metrics["run"]["generated_base_now"] == 20
    assert (tmp_path / "one" / "base_examples.jsonl").is_file()
    assert "## Base model vs adapter" in (tmp_path / "one" / "report.md").read_text()
    # --no-baseline: improvement gates are skipped (never passed); the adapter's outputs come from the cache
    skipped = run_gates(*args, "--no-baseline", "--results-dir", str(tmp_path / "two"))
    assert skipped.returncode == 1
    metrics = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert metrics["run"]["generated_now"] == 0 and metrics["baseline"]["enabled"] is False
    gate = next(g for g in metrics["gates"] if g["name"] == "syntax_validity_improvement_min")
    assert gate["outcome"] == "skipped" and "baseline disabled" in gate["message"]
    assert not (tmp_path / "two" / "base_examples.jsonl").exists()
