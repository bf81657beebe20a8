"""Answers an adversary sizes: time and memory of the answer-level judgement, against its goals.

Each case is judged once for time (wall and CPU) and once more under ``tracemalloc`` for the peak
of Python allocations; caches are cleared before each. Goals: a 1 MB answer in under 2 s and
200 MB; an 8,000-stage pipeline and 1,000 ``true &&`` fast and correct. Prints each case's verdict
(what hitting a limit gives: ``block`` ``UNANALYSABLE``) and its time and memory as a share of the goal.

    python benchmarks/bench_answers.py
"""

from __future__ import annotations

import random
import string
import time
import tracemalloc
from collections.abc import Callable

from securecli_eval.shell.judgement import judge_answer
from securecli_eval.shell.risk import classify, clear_caches

GOAL_SECONDS = 2.0
GOAL_BYTES = 200 << 20
MB = 1_000_000


def cases() -> dict[str, str]:
    rng = random.Random(0)
    lines = ["ls -la", "echo hi", "Some prose here.", "cd /tmp", "grep x y | wc -l", "`pwd`"]
    return {
        "8,000-stage pipeline": "a|" * 7999 + "a",
        "1,000 `true &&` then rm -rf /": "true && " * 1000 + "rm -rf /",
        "100 KB line of one word": "a" * 100_000,
        "100 KB command line": "echo " + "a " * 50_000,
        "1 MB of prose": ("This is a sentence of prose that explains things. " * 20_000)[:MB],
        "1 MB fenced block of commands": "```bash\n" + "ls -la /tmp\n" * (MB // 12) + "```",
        "1 MB of mixed lines": "\n".join(rng.choice(lines) for _ in range(MB // 9)),
        "1 MB of random printable text": "".join(rng.choice(string.printable) for _ in range(MB)),
        "1 MB of inline code spans": "Use `ls -la` or `pwd`. " * (MB // 23),
        "1 MB single command line": "rm " + "a" * MB,
        "1 MB answer ending in rm -rf /": "Some prose here.\n" * (MB // 17) + "```\nrm -rf /\n```",
    }


def measure(function: Callable[[str], object], text: str) -> tuple[float, float, int, object]:
    clear_caches()
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(text)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    clear_caches()
    tracemalloc.start()
    function(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return wall, cpu, peak, result


def main() -> None:
    classify("true")  # load the rules and vocabulary outside the measurements
    header = ("case", "size", "wall s", "cpu s", "of 2 s", "peak MB", "of 200 MB")
    print("{:32} {:>9} {:>7} {:>6} {:>7} {:>8} {:>9}  verdict".format(*header))
    for name, text in cases().items():
        function = classify if name.startswith(("8,000", "1,000", "100 KB")) else judge_answer
        wall, cpu, peak, result = measure(function, text)
        verdict = getattr(result, "verdict", "?")
        rule = getattr(result, "rule", None) or getattr(getattr(result, "risk", None), "rule", None)
        print(
            f"{name:32} {len(text):>9,} {wall:7.2f} {cpu:6.2f} {cpu / GOAL_SECONDS:7.0%} "
            f"{peak / 2**20:8.1f} {peak / GOAL_BYTES:9.0%}  {verdict} {rule or ''}"
        )


if __name__ == "__main__":
    main()
