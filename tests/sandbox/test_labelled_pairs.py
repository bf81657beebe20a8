"""Our own labelled set of equivalent rewrites and near misses, kept as data.

``data/labelled_pairs.jsonl``: one pair a line, ``equivalent`` true for a rewrite that does the
same on any ordinary input, false for a small edit that changes what the command does. Batch 1
was written first (three of its pairs exposed flaws of the fixture, since fixed), batch 2 after
the judge stood, and judged once. ``benchmarks/bench_agreement.py`` prints accuracy and coverage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securecli_eval.sandbox import EquivalencePair, judge_many, sandbox_status
from securecli_eval.shell.syntax import check_syntax

LABELLED = Path(__file__).parent / "data" / "labelled_pairs.jsonl"
AVAILABLE, REASON = sandbox_status()


def load() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def test_the_set_is_well_formed_and_balanced():
    rows = load()
    assert len(rows) >= 150
    for row in rows:
        assert set(row) - {"files"} == {"batch", "reference", "prediction", "equivalent", "note"}, row
        assert isinstance(row["equivalent"], bool) and row["note"]
        assert check_syntax(row["reference"]).valid and check_syntax(row["prediction"]).valid, row
    pairs = [(row["reference"], row["prediction"]) for row in rows]
    assert len(set(pairs)) == len(pairs)
    equivalent = sum(row["equivalent"] for row in rows)
    assert 0.4 < equivalent / len(rows) < 0.6


@pytest.mark.slow
@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_no_decided_verdict_contradicts_the_label():
    rows = load()
    pairs = [EquivalencePair(row["reference"], row["prediction"], files=row.get("files")) for row in rows]
    results = judge_many(pairs)
    wrong = [
        f"{row['reference']!r} vs {row['prediction']!r}: labelled {row['equivalent']}, "
        f"judged {result.equivalent} ({result.code}: {result.reason})"
        for row, result in zip(rows, results, strict=True)
        if result.equivalent is not None and result.equivalent is not row["equivalent"]
    ]
    assert wrong == []
