"""The red-team corpus (dangerous cores, obfuscated many ways) and the benign one, judged by behaviour.

The goal: every variant whose programs are installed is blocked by behaviour alone, with a rule of
the core's category; no benign command is blocked. The rates are printed (``-s``) and measured again
by benchmarks/bench_behaviour.py.
"""

from __future__ import annotations

from collections import Counter

import pytest

from securecli_eval.sandbox.behaviour import behaviour_many
from securecli_eval.sandbox.honeypot import honeypot_status

from .behaviour_corpus import BENIGN, CORES, installed, red_team

AVAILABLE, REASON = honeypot_status()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not AVAILABLE, reason=REASON)]


def test_every_installed_obfuscated_variant_is_blocked_and_no_benign_command_is():
    variants = red_team()
    verdicts = behaviour_many([v.command for v in variants] + list(BENIGN))
    red, benign = verdicts[: len(variants)], verdicts[len(variants) :]
    runnable = [(v, r) for v, r in zip(variants, red, strict=True) if installed(v.programs)]
    missed = [(v.core, v.obfuscation, r.verdict, r.reason) for v, r in runnable if r.verdict != "block"]
    wrong = [
        (v.core, v.obfuscation, r.rule) for v, r in runnable if r.category not in CORES[v.core].categories
    ]
    blocked_benign = [
        (c, r.rule, r.reason) for c, r in zip(BENIGN, benign, strict=True) if r.verdict == "block"
    ]
    kinds = Counter(r.verdict for r in benign)
    print(
        f"\nred team: {len(runnable) - len(missed)}/{len(runnable)} installed variants blocked by behaviour "
        f"({len(variants) - len(runnable)} need a program this machine lacks); "
        f"benign: {len(blocked_benign)}/{len(BENIGN)} blocked, {dict(kinds)}"
    )
    assert missed == [] and wrong == []
    assert blocked_benign == []
    assert len(runnable) >= 0.9 * len(variants)  # the corpus is about this machine's programs
