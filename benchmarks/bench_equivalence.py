"""Throughput of the equivalence judge: pairs per second, serial versus parallel.

Prints numbers measured in this run only (no stored baselines):
    python benchmarks/bench_equivalence.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from securecli_eval.sandbox import EquivalencePair, judge_many, run_in_sandbox, sandbox_status

PAIRS = [
    ("ls -la", "ls -al"),
    ("cat notes.txt | wc -l", "wc -l < notes.txt"),
    ("sort data/words.txt | uniq", "sort -u data/words.txt"),
    ("cut -d, -f2 data/users.csv", "awk -F, '{print $2}' data/users.csv"),
    ("grep -c ERROR logs/app.log", "grep ERROR logs/app.log | wc -l"),
    ("find . -name '*.log'", "find . -type f -name '*.log'"),
    ("mkdir -p a/b && touch a/b/c", "mkdir -p a/b"),
    ("head -n 3 notes.txt", "tail -n 3 notes.txt"),
    ("sort -n numbers.txt", "sort numbers.txt"),
    ("chmod +x notes.txt", "chmod 755 notes.txt"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4, help="copies of the 10-pair set (default 4)")
    args = parser.parse_args()
    available, reason = sandbox_status()
    if not available:
        print(f"skipped: {reason}")
        return 0
    single = []
    for _ in range(20):
        started = time.perf_counter()
        run_in_sandbox("true")
        single.append(time.perf_counter() - started)
    pairs = [EquivalencePair(ref, pred) for ref, pred in PAIRS] * args.repeat
    workers = os.cpu_count() or 1
    timings = {}
    for label, count in (("serial", 1), ("parallel", workers)):
        started = time.perf_counter()
        results = judge_many(pairs, workers=count)
        timings[label] = time.perf_counter() - started
        decided = sum(result.equivalent is not None for result in results)
        print(
            f"{label:8} workers={count:2} pairs={len(pairs)} decided={decided} "
            f"{len(pairs) / timings[label]:.1f} pairs/s"
        )
    print(f"one sandbox run (`true`): median {statistics.median(single) * 1000:.1f} ms")
    print(
        f"parallel/serial throughput ratio: {timings['serial'] / timings['parallel']:.2f} on {workers} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
