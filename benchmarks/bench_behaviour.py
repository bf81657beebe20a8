"""The behavioural judge: commands per second, the red-team and benign rates, and what it adds to a gate run.

Prints numbers measured in this run only (no stored baselines):
    python benchmarks/bench_behaviour.py [--workers 1,2,4,8] [--repeat N] [--skip-gate]

1. Throughput: everyday commands, each distinct (a trailing comment makes a run unshared), with
   several worker counts; CPU per command counts this process and the sandboxes it waited for
   (the kernel's work elsewhere, namespaces torn down, is not in it).
2. Rates: the tests' red-team corpus (every dangerous core under every obfuscation) and benign
   corpus, and the shipped NL2Bash test set's 1,000 reference commands (real benign commands this
   judge was not written against): block, warn, allow and not_observed counts.
3. The gate: ``judge_all`` over the shipped datasets (reference commands as the domain answers,
   the red-team cores as the adversarial answers) with the sandbox, static risk only and then
   with behaviour: the difference is what behaviour adds to judging one set of answers (a default
   gate run judges two: the adapter's and the base model's).

The machine's CPU count and load are printed with every number: on a shared machine they move.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' corpora

from securecli_eval.records import Example  # noqa: E402
from securecli_eval.sandbox.behaviour import behaviour, behaviour_many, behaviour_status  # noqa: E402
from tests.sandbox.behaviour_corpus import BENIGN, CORES, installed, red_team  # noqa: E402

EVERYDAY = [
    "ls -la",
    "cat notes.txt | wc -l",
    "sort data/words.txt | uniq -c",
    "cut -d, -f2 data/users.csv",
    "grep -c ERROR logs/app.log",
    "find . -name '*.log'",
    "mkdir -p x/y && touch x/y/z",
    "head -n 3 notes.txt",
    "sort -n numbers.txt",
    "chmod +x notes.txt",
    "tr a-z A-Z < notes.txt",
    "sed -n 2p numbers.txt",
    "du -sh logs",
    "find . -type l",
    "grep -rl TODO docs",
    "ls ~",
    "cp notes.txt /tmp/",
    "rm -f logs/*.log",
    "wc -w notes.txt",
    "awk -F, '{print $2}' data/users.csv",
]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def throughput(workers: int, repeat: int) -> tuple[float, float]:
    """(commands per second, CPU seconds per command) for distinct everyday commands."""
    commands = [f"{command} # {workers}-{index}" for index in range(repeat) for command in EVERYDAY]
    behaviour.cache_clear()
    before, started = os.times(), time.perf_counter()
    verdicts = behaviour_many(commands, workers=workers)
    elapsed, after = time.perf_counter() - started, os.times()
    assert all(v.verdict == "allow" for v in verdicts), Counter(v.reason for v in verdicts)
    cpu = sum(
        getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system")
    )
    return len(commands) / elapsed, cpu / len(commands)


def rates() -> None:
    variants = red_team()
    runnable = [v for v in variants if installed(v.programs)]
    red = behaviour_many([v.command for v in runnable])
    blocked = sum(v.verdict == "block" for v in red)
    by_core = Counter(v.core for v, verdict in zip(runnable, red, strict=True) if verdict.verdict == "block")
    missing = len(variants) - len(runnable)
    fewest = min(by_core.values(), default=0)
    print(
        f"red team: {blocked}/{len(runnable)} installed variants blocked by behaviour alone "
        f"({blocked / len(runnable):.1%}); {missing} variants need a program missing here; "
        f"{len(CORES)} cores, fewest blocked per core: {fewest}"
    )
    benign = behaviour_many(list(BENIGN))
    counts = Counter(v.verdict for v in benign)
    rate = counts["block"] / len(BENIGN)
    print(
        f"benign corpus: {counts['block']}/{len(BENIGN)} blocked (false-block rate {rate:.1%}); "
        f"{dict(counts)}"
    )
    shipped = ROOT / "securecli_eval" / "resources" / "data" / "test.jsonl"
    references = [json.loads(line)["command"] for line in shipped.read_text().splitlines()]
    started = time.perf_counter()
    verdicts = behaviour_many(references)
    elapsed = time.perf_counter() - started
    counts = Counter(v.verdict for v in verdicts)
    rate, speed = counts["block"] / len(references), len(references) / elapsed
    print(
        f"NL2Bash references: {counts['block']}/{len(references)} blocked (false-block rate {rate:.1%}); "
        f"{dict(counts)}; {speed:.1f} commands/s, {load()}"
    )
    for command, verdict in zip(references, verdicts, strict=True):
        if verdict.verdict == "block":
            print(f"  blocked: {command!r}: {verdict.rule} {verdict.reason}")


def gate() -> None:
    from securecli_eval.inputs.config import DatasetSpec, SandboxSettings
    from securecli_eval.inputs.datasets import load_all
    from securecli_eval.judge import judge_all
    from securecli_eval.judge.behaviour import behaviour_verdicts

    data = ROOT / "securecli_eval" / "resources" / "data"
    specs = [
        (DatasetSpec(name="nl2bash_test", path="test.jsonl"), data / "test.jsonl"),
        (
            DatasetSpec(name="adversarial", kind="adversarial", path="adversarial.jsonl"),
            data / "adversarial.jsonl",
        ),
    ]
    examples: list[Example] = load_all(specs, None)
    cores = [core.command for core in CORES.values()]
    outputs = [
        e.reference or "" if e.kind == "domain" else cores[i % len(cores)] for i, e in enumerate(examples)
    ]
    settings = SandboxSettings()
    behaviour.cache_clear()
    started = time.perf_counter()
    judge_all(examples, outputs, True, None, settings)
    static = time.perf_counter() - started
    started = time.perf_counter()
    verdicts = behaviour_verdicts(outputs, None, settings)
    results = judge_all(examples, outputs, True, None, settings, verdicts)
    combined = time.perf_counter() - started
    dangerous = sum(bool(r.outcomes.get("dangerous")) for r in results)
    added = combined - static
    print(
        f"gate judging, {len(examples)} answers: static only {static:.1f} s, with behaviour {combined:.1f} s "
        f"(+{added:.1f} s, {added / len(examples) * 1000:.0f} ms per answer); "
        f"dangerous domain answers with behaviour: {dangerous}; {load()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4,8", help="worker counts to measure (default 1,2,4,8)")
    parser.add_argument(
        "--repeat", type=int, default=4, help="copies of the 20 everyday commands (default 4)"
    )
    parser.add_argument("--skip-gate", action="store_true", help="skip the gate measurement")
    args = parser.parse_args()
    available, reason = behaviour_status()
    if not available:
        print(reason)
        return 1
    print(f"behavioural judge: {reason}; {load()}")
    for workers in (int(w) for w in args.workers.split(",")):
        rate, cpu = throughput(workers, args.repeat)
        print(f"workers {workers}: {rate:.1f} commands/s, CPU {cpu * 1000:.1f} ms per command; {load()}")
    rates()
    if not args.skip_gate:
        gate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
