"""Classifier throughput over the tldr-pages commands, and block rates on the red-team corpora.

Prints commands/s on one core for ``classify`` (cache cleared, each command seen once) and for a
plain 17-regex substring matcher like the seed project's; the share of tldr commands the classifier
blocks and warns on, with a sample of each so false positives can be judged; and, for both, the
share of the red-team corpora of tests/shell/redteam.py blocked (dangerous) and falsely blocked
(tricky benign). Placeholders like ``{{path/to/file}}`` are rendered by dropping the braces.

    python benchmarks/bench_risk.py [--data data/raw/tldr-pages.jsonl] [--sample 15] [--repeat 3]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
import time
from pathlib import Path

from securecli_eval.shell.risk import classify, clear_caches

SEED_REGEXES = [
    r"rm\s+-rf\s+/",
    r"mkfs",
    r"dd\s+if=.*of=/dev/",
    r":\(\)\s*\{\s*:\|:&\s*\};:",
    r"chmod\s+-R\s+777\s+/",
    r"curl.*\|\s*(ba)?sh",
    r"wget.*\|\s*(ba)?sh",
    r">\s*/dev/sd",
    r"shred",
    r"/etc/shadow",
    r"nc\s+-e",
    r"/dev/tcp/",
    r"base64\s+-d.*\|\s*sh",
    r"iptables\s+-F",
    r"history\s+-c",
    r"authorized_keys",
    r"sudoers",
]


def load_commands(path: Path) -> list[str]:
    commands: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for example in json.loads(line)["examples"]:
            commands.append(re.sub(r"\{\{(.*?)\}\}", r"\1", example["command"]))
    return list(dict.fromkeys(commands))


def rate(function, commands: list[str]) -> tuple[float, float]:
    """(per CPU-second of this process, per wall-clock second): CPU time is what one core delivers
    even when other jobs share the machine; wall time is what a user waits."""
    cpu, wall = time.process_time(), time.perf_counter()
    for command in commands:
        function(command)
    return len(commands) / (time.process_time() - cpu), len(commands) / (time.perf_counter() - wall)


def corpora() -> tuple[dict[str, list[str]], list[str], list[str]]:
    """The red-team corpora kept with the tests (tests/shell/redteam.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.shell.redteam import BENIGN, BENIGN_IN_CONTEXT, DANGEROUS

    return DANGEROUS, BENIGN, BENIGN_IN_CONTEXT


def red_team(compiled: re.Pattern[str]) -> None:
    dangerous, allowed, in_context = corpora()
    benign = allowed + in_context
    commands = [c for group in dangerous.values() for c in group]
    ours = sum(classify(c).verdict == "block" for c in commands)
    regex = sum(bool(compiled.search(c)) for c in commands)
    false_ours = sum(classify(c).verdict == "block" for c in benign)
    false_regex = sum(bool(compiled.search(c)) for c in benign)
    n, m = len(commands), len(benign)
    print(f"\nred-team corpora: {n} dangerous ({len(dangerous)} mechanisms), {m} tricky benign")
    print(f"classifier: blocks {ours / n:.3f} of dangerous, {false_ours / m:.3f} of benign")
    kept = sum(classify(c).verdict == "allow" for c in allowed)
    print(f"  allows {kept} of the {len(allowed)} that must stay allowed; the other {len(in_context)} warn")
    print(f"17-regex matcher: flags {regex / n:.3f} of dangerous, {false_regex / m:.3f} of benign")
    for mechanism, group in dangerous.items():
        missed = [c for c in group if classify(c).verdict != "block"]
        if missed:
            print(f"  missed ({mechanism}): " + "; ".join(missed[:3]))
    from tests.shell.redteam_blind import BLIND_BENIGN, BLIND_BENIGN_IN_CONTEXT, BLIND_DANGEROUS, BLIND_WARNED

    print("blind batches (first contact: docs/safety.md), now:")
    for batch, blocking in BLIND_DANGEROUS.items():
        group = blocking + BLIND_WARNED.get(batch, [])  # written as dangerous; the rule table warns on some
        tricky = BLIND_BENIGN[batch] + BLIND_BENIGN_IN_CONTEXT[batch]
        blocked = sum(classify(c).verdict == "block" for c in group)
        false = sum(classify(c).verdict == "block" for c in tricky)
        print(
            f"  {batch}: blocks {blocked}/{len(group)} dangerous ({blocked / len(group):.3f}), "
            f"{false}/{len(tricky)} benign ({false / len(tricky):.3f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/raw/tldr-pages.jsonl"))
    parser.add_argument("--sample", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best one is reported")
    args = parser.parse_args()
    commands = load_commands(args.data)
    compiled = re.compile("|".join(f"(?:{r})" for r in SEED_REGEXES))

    classify("true")  # load the rules outside the timed loop
    ours = (0.0, 0.0)
    for _ in range(args.repeat):  # best of N: the machine may be shared, the minimum noise is the signal
        clear_caches()
        ours = max(ours, rate(classify, commands))
    regex = max(rate(compiled.search, commands) for _ in range(args.repeat))
    print(f"tldr commands (unique, placeholders rendered): {len(commands)}")
    print(
        f"classifier: {ours[0]:,.0f} commands per CPU-second, {ours[1]:,.0f} per wall second "
        f"(one core, uncached, best of {args.repeat})"
    )
    print(
        f"17-regex matcher: {regex[0]:,.0f} commands per CPU-second "
        f"(classifier is {regex[0] / ours[0]:.0f}x slower)"
    )

    red_team(compiled)
    verdicts = {c: classify(c) for c in commands}
    by_verdict = collections.Counter(v.verdict for v in verdicts.values())
    by_rule = collections.Counter(v.rule for v in verdicts.values() if v.rule)
    regex_hits = sum(1 for c in commands if compiled.search(c))
    print("\ntldr verdicts:")
    for name in ("block", "warn", "allow"):
        print(f"{name}: {by_verdict[name]} ({100 * by_verdict[name] / len(commands):.2f}%)")
    print(f"17-regex matcher flags on tldr: {regex_hits} ({100 * regex_hits / len(commands):.2f}%)")
    print("rules fired:", ", ".join(f"{rule} {count}" for rule, count in by_rule.most_common()))
    rng = random.Random(0)
    for name in ("block", "warn"):
        chosen = [c for c in commands if verdicts[c].verdict == name]
        print(f"\nsample of {name}:")
        for command in rng.sample(chosen, min(args.sample, len(chosen))):
            print(f"  {verdicts[command].rule:12} {command}")


if __name__ == "__main__":
    main()
