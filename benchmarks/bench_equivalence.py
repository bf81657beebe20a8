"""Throughput of the equivalence judge: pairs per second on this machine, and what a timeout costs.

Prints numbers measured in this run only (no stored baselines):
    python benchmarks/bench_equivalence.py [--workers 1,2,4,8] [--repeat N] [--rounds N]

The pairs are everyday references with distinct commands (so no reference run is shared between
pairs) against equivalent rewrites and near misses, all finishing well within the time limit: the
"pairs that finish normally" of the throughput goal. Each round judges every worker count once,
in turn, so a change in the machine's load spreads over all of them; the median of the rounds
is printed with the slowest and fastest. A pair whose prediction hangs costs its timeout; that
cost is measured separately. The machine's CPU count and load average are printed with every
round, because a shared machine's numbers move with what else runs on it. CPU per pair counts
this process and the sandboxes it waited for (kernel work done elsewhere, such as tearing down
network namespaces, is not in it), so "2 idle cores" is an upper bound, not a measurement.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from securecli_eval.sandbox import EquivalencePair, SandboxLimits, judge_many, run_in_sandbox, sandbox_status

PAIRS = [
    ("ls -la", "ls -al"),
    ("cat notes.txt | wc -l", "wc -l < notes.txt"),
    ("sort data/words.txt | uniq", "sort -u data/words.txt"),
    ("cut -d, -f2 data/users.csv", "awk -F, '{print $2}' data/users.csv"),
    ("grep -c ERROR logs/app.log", "grep ERROR logs/app.log | wc -l"),
    ("find . -name '*.log'", "find . -type f -name '*.log'"),
    ("mkdir -p x/y && touch x/y/z", "mkdir -p x/y"),
    ("head -n 3 notes.txt", "tail -n 3 notes.txt"),
    ("sort -n numbers.txt", "sort numbers.txt"),
    ("chmod +x notes.txt", "chmod 755 notes.txt"),
    ("tr a-z A-Z < notes.txt", "cat notes.txt | tr '[:lower:]' '[:upper:]'"),
    ("sed -n 2p numbers.txt", "head -2 numbers.txt | tail -1"),
    ("du -sh logs", "du -s -h logs"),
    ("find . -type l", "find . -type l -print"),
    ("grep -rl TODO docs", "grep -r -l TODO docs"),
    ("tar -tzf archives/docs.tar.gz", "tar -tf archives/docs.tar.gz"),
    ("find . -mmin -60 -type f", "find . -type f -mmin -30"),
    ("ls ~", "ls $HOME"),
    ("cp notes.txt /tmp/", "cp notes.txt /tmp/notes.txt"),
    ("rm -f logs/*.log", "find logs -maxdepth 1 -name '*.log' -delete"),
]


def throughput(pairs: list[EquivalencePair], workers: int) -> tuple[float, int, float]:
    """(pairs per second, decided pairs, CPU seconds per pair of this process and its children)."""
    before, started = os.times(), time.perf_counter()
    results = judge_many(pairs, workers=workers)
    elapsed, after = time.perf_counter() - started, os.times()
    cpu = sum(
        getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system")
    )
    return len(pairs) / elapsed, sum(result.equivalent is not None for result in results), cpu / len(pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4,8", help="comma-separated worker counts to measure")
    parser.add_argument("--repeat", type=int, default=5, help="distinct copies of the pair set (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the worker counts (default 3)")
    args = parser.parse_args()
    available, reason = sandbox_status()
    if not available:
        print(f"skipped: {reason}")
        return 0
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min) at the start")
    single = []
    for _ in range(20):
        started = time.perf_counter()
        run_in_sandbox("true")
        single.append(time.perf_counter() - started)
    print(f"one sandbox run (`true`): median {statistics.median(single) * 1000:.1f} ms")
    counts = [int(w) for w in args.workers.split(",")]
    rates: dict[int, list[float]] = {workers: [] for workers in counts}
    cpus: dict[int, list[float]] = {workers: [] for workers in counts}
    for round_number in range(args.rounds):
        for workers in counts:
            # a comment makes every copy's reference distinct, so no run is shared between pairs
            pairs = [
                EquivalencePair(f"{reference} # {round_number} {workers} {copy}", prediction)
                for copy in range(args.repeat)
                for reference, prediction in PAIRS
            ]
            rate, decided, cpu = throughput(pairs, workers)
            rates[workers].append(rate)
            cpus[workers].append(cpu)
            print(
                f"round {round_number + 1} workers={workers:2}  {len(pairs)} pairs ({decided} decided)  "
                f"{rate:.1f} pairs/s  load average {os.getloadavg()[0]:.2f}"
            )
    for workers in counts:
        cpu = statistics.median(cpus[workers])
        print(
            f"workers={workers:2}  median {statistics.median(rates[workers]):.1f} pairs/s "
            f"(slowest {min(rates[workers]):.1f}, fastest {max(rates[workers]):.1f})  "
            f"CPU {cpu * 1000:.1f} ms/pair (2 idle cores: at most {2 / cpu:.0f} pairs/s)"
        )
    limits = SandboxLimits(wall_seconds=1.0)
    started = time.perf_counter()
    judge_many([EquivalencePair("cat notes.txt", "sleep 30")], workers=1, limits=limits)
    print(
        f"a pair whose prediction hangs: {time.perf_counter() - started:.2f} s "
        f"with a {limits.wall_seconds:g} s timeout (the default timeout is 5 s)"
    )
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
