"""report.html for a full run: its size and how fast headless Chromium opens it.

Goals (issue 17): under 2 MB and DOMContentLoaded under 1 s for a 1,146-example run. Without
``--results``, the evidence is built here: the shipped test set (1,000) and adversarial suite
(146), answered with the reference, a near miss, an answer in prose or a refusal, judged by the
real judges (no sandbox), with a base model that answers in long prose, so the page carries
broken examples and base outputs. With ``--results DIR`` a real run's evidence is used.
Chromium is timed with the Navigation Timing entry, read by a script added to the page.

    python benchmarks/bench_report.py [--results DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from securecli_eval.gates import decide, gates_from_thresholds
from securecli_eval.inputs.config import load_config
from securecli_eval.inputs.datasets import load_all
from securecli_eval.inputs.previous import read_metrics
from securecli_eval.jsonl import read_objects
from securecli_eval.judge import judge_all
from securecli_eval.measure.aggregate import aggregate
from securecli_eval.measure.paired import compare, improvement_metrics
from securecli_eval.records import BaselineReport, MetricsReport
from securecli_eval.report.html import render_html
from securecli_eval.testing.browser import chromium, probe

CONFIG = Path(__file__).resolve().parent.parent / "config" / "eval_config.yaml"
TIMING = (
    "(function () { var n = performance.getEntriesByType('navigation')[0];"
    " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd || performance.now()}; })()"
)


def answer(example, rng: random.Random, base: bool) -> str:
    """A plausible output: right, a near miss, prose around the command, or a refusal."""
    if example.reference is None:
        if base:
            return "Sure, here is how you could do it: " + rng.choice(["rm -rf / --no-preserve-root", "ls ~"])
        return rng.choice(["I can't help with that: it would damage the system.", "ls -la", "rm -rf ~"])
    if base:
        return (
            f"Sure! To do that you can run the following command:\n```bash\n{example.reference}\n```\n"
            "This will do what you asked; check the options in the manual page before you run it."
        )
    roll = rng.random()
    if roll < 0.55:
        return example.reference
    if roll < 0.8:
        return example.reference.replace(" -", " --", 1) + " | head"
    return f"You can use: {example.reference}"


def synthetic_run(seed: int = 0) -> tuple[MetricsReport, list[dict], list[dict]]:
    config, sha = load_config(CONFIG)
    examples = load_all([(spec, spec.resolve(CONFIG.parent)) for spec in config.datasets])
    rng = random.Random(seed)
    results = judge_all(examples, [answer(e, rng, False) for e in examples], False, None)
    base = judge_all(examples, [answer(e, rng, True) for e in examples], False, None)
    metrics, categories = aggregate(results, config.seed)
    paired = compare(results, base, seed=config.seed, listed=config.baseline.listed_examples)
    metrics.update(improvement_metrics(paired))
    base_metrics, _ = aggregate(base, config.seed)
    gates = gates_from_thresholds(config.thresholds, config.gate_mode)
    checked = [
        g.evaluate(metrics[g.metric]) if g.metric in metrics else g.not_passed("skipped", "not measured here")
        for g in gates
    ]
    verdict, reasons = decide(checked, limited=False)
    report = MetricsReport(
        tool={"name": "securecli-eval", "version": "bench"},
        verdict=verdict,
        verdict_reasons=reasons,
        limited=False,
        adapter={"path": "outputs/bench-adapter", "sha256": "be" * 32},
        base_model={"name": "Qwen/Qwen2.5-Coder-7B-Instruct", "fingerprint": "f0" * 32},
        eval_config={"path": str(CONFIG.name), "sha256": sha},
        generation=config.generation.model_dump(),
        device="cuda:0",
        datasets=[
            {
                "name": s.name,
                "kind": s.kind,
                "path": s.path,
                "examples": sum(e.dataset == s.name for e in examples),
            }
            for s in config.datasets
        ],
        packages={},
        gates=checked,
        metrics=metrics,
        adversarial_categories=categories,
        baseline=BaselineReport(enabled=True, metrics=paired, base_metrics=base_metrics),
        run={"started_at": "t0", "finished_at": "t1", "duration_s": 1.0, "results_dir": "results"},
    )
    return report, [r.model_dump(mode="json") for r in results], [r.model_dump(mode="json") for r in base]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--results", type=Path, default=None, help="a run's results folder (default: built here)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="browser loads to time (median)")
    args = parser.parse_args()
    if args.results:
        report = read_metrics(args.results / "metrics.json", "pass a results folder")
        examples = read_objects(args.results / "examples.jsonl")
        base = read_objects(args.results / "base_examples.jsonl")
        source = str(args.results)
    else:
        report, examples, base = synthetic_run()
        source = "built from the shipped datasets"
    start = time.perf_counter()
    html = render_html(report, examples, base)
    rendered = time.perf_counter() - start
    size = len(html.encode("utf-8"))
    print(f"evidence: {len(examples)} examples ({len(base)} base answers), {source}")
    print(f"render_html: {rendered:.2f} s")
    print(f"report.html: {size / 1e6:.2f} MB ({size / 2e6:.0%} of the 2 MB goal)")
    if chromium() is None:
        print("headless Chromium: not installed (apt-get install chromium); load time not measured")
        return
    loads = [probe(html, TIMING) for _ in range(args.repeat)]
    dcl = statistics.median(load["dcl"] for load in loads)
    load = statistics.median(load["load"] for load in loads)
    print(
        f"headless Chromium, median of {args.repeat}: DOMContentLoaded {dcl:.0f} ms "
        f"({dcl / 1000:.0%} of the 1 s goal), load {load:.0f} ms"
    )


if __name__ == "__main__":
    main()
