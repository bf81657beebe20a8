"""Agreement of the functional-equivalence judge with people, beside exact match and the structural score.

NL2Bash's authors judged one system's predicted commands by hand (`correct command`, y/n:
does the prediction do what the description asks). The reference commands are the NL2Bash
corpus commands with the same description; a prediction is equivalent when it is equivalent to
any of them. The rows are split by position into two halves (even and odd rows), so a figure
can be checked on a half nobody looked at while developing; both halves and the whole are printed.

For each half: coverage (share of pairs decided), accuracy and Cohen's kappa on the decided
pairs, the confusion matrix, the undecided reasons, and the same figures for exact match
(whitespace-normalised, any reference) and the NLC2CMD structural score (>= 0.5, best reference).

Then the same for our own labelled set of equivalent rewrites and near misses
(tests/sandbox/data/labelled_pairs.jsonl; batch 1 was written first and three of its pairs led
to fixes of the fixture, batch 2 was written afterwards and judged once), and the trade-off
curve: what coverage, accuracy and kappa would be if a difference whose overlap (the share of
lines and files the prediction has in common with the closest reference) is at least t were
called undecided instead of "not equivalent".

    python benchmarks/bench_agreement.py [--half all|even|odd] [--workers N] [--dump FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.sandbox import EquivalencePair, EquivalenceResult, judge_many, sandbox_status
from securecli_eval.sandbox.structural import structural_score

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "data" / "raw" / "nl2bash-human-judgements.stc.csv"
CORPUS = ROOT / "data" / "raw" / "nl2bash.jsonl"
LABELLED = ROOT / "tests" / "sandbox" / "data" / "labelled_pairs.jsonl"
THRESHOLDS = (None, 1.0, 0.9, 0.75, 0.5, 0.25)


@dataclass(frozen=True)
class Row:
    """One human judgement: a prediction, its references and the person's verdict."""

    index: int
    description: str
    prediction: str
    references: tuple[str, ...]
    human: bool
    annotators: tuple[bool | None, bool | None]  # annotators A and B on their own (the label combines them)


def load_rows(judgements: Path = JUDGEMENTS, corpus: Path = CORPUS) -> list[Row]:
    references: dict[str, list[str]] = defaultdict(list)
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["cmd"] not in references[record["nl"]]:
            references[record["nl"]].append(record["cmd"])
    rows = []
    with judgements.open(encoding="utf-8", newline="") as handle:
        for index, record in enumerate(csv.DictReader(handle)):
            refs = tuple(references.get(record["description"], ()))
            if not refs or record["correct command"] not in {"y", "n"}:
                continue
            votes = tuple(
                {"y": True, "n": False}.get(record.get(f"correct command {who}", "")) for who in "AB"
            )
            human = record["correct command"] == "y"
            rows.append(Row(index, record["description"], record["prediction"], refs, human, votes))
    return rows


def kappa(pairs: Sequence[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two binary raters; 0 when chance agreement is total."""
    n = len(pairs)
    if not n:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / n
    first = sum(a for a, _ in pairs) / n
    second = sum(b for _, b in pairs) / n
    expected = first * second + (1 - first) * (1 - second)
    return 0.0 if expected == 1 else (observed - expected) / (1 - expected)


def summarise(name: str, verdicts: Sequence[bool | None], humans: Sequence[bool]) -> str:
    decided = [(bool(v), h) for v, h in zip(verdicts, humans, strict=True) if v is not None]
    cells = Counter((v, h) for v, h in decided)
    accuracy = sum(v == h for v, h in decided) / len(decided) if decided else float("nan")
    return (
        f"  {name:24} coverage {len(decided) / len(humans):.3f}  accuracy {accuracy:.3f}  "
        f"kappa {kappa(decided):.3f}  [TP {cells[True, True]} FP {cells[True, False]} "
        f"FN {cells[False, True]} TN {cells[False, False]}]"
    )


def normalise(command: str) -> str:
    return " ".join(command.split())


def close_calls_undecided(results: Sequence[EquivalenceResult], threshold: float | None) -> list[bool | None]:
    """The verdicts, with differences whose overlap is at least ``threshold`` called undecided."""
    return [
        None
        if threshold is not None
        and result.equivalent is False
        and result.overlap is not None
        and result.overlap >= threshold
        else result.equivalent
        for result in results
    ]


def curve(results: Sequence[EquivalenceResult], truth: Sequence[bool]) -> None:
    for threshold in THRESHOLDS:
        label = "as judged" if threshold is None else f"overlap >= {threshold:.2f} undecided"
        print(summarise(label, close_calls_undecided(results, threshold), truth))


def labelled_set(path: Path, workers: int | None) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [EquivalencePair(row["reference"], row["prediction"], files=row.get("files")) for row in rows]
    results = judge_many(pairs, workers=workers)
    for batch in sorted({row["batch"] for row in rows}) + ["all"]:
        chosen = [i for i, row in enumerate(rows) if batch == "all" or row["batch"] == batch]
        truth = [rows[i]["equivalent"] for i in chosen]
        print(f"labelled set, batch {batch}: {len(chosen)} pairs, {sum(truth)} equivalent")
        print(summarise("execution judge", [results[i].equivalent for i in chosen], truth))
    print("trade-off on the labelled set (all batches):")
    curve(results, [row["equivalent"] for row in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("all", "even", "odd"), default="all", help="rows to judge")
    parser.add_argument("--workers", type=int, default=None, help="parallel sandboxes (default: the judge's)")
    parser.add_argument("--limit", type=int, default=0, help="judge only the first N rows (0: all)")
    parser.add_argument("--dump", type=Path, help="write one JSON line per row (verdicts and reasons)")
    parser.add_argument("--labelled", type=Path, default=LABELLED, help="labelled pairs (JSON lines)")
    args = parser.parse_args()
    available, reason = sandbox_status()
    if not available:
        print(f"skipped: {reason}")
        return 0
    rows = load_rows()
    if args.half != "all":
        rows = [row for row in rows if row.index % 2 == (args.half == "odd")]
    if args.limit:
        rows = rows[: args.limit]
    pairs = [
        EquivalencePair(row.references[0], row.prediction, alternatives=row.references[1:]) for row in rows
    ]
    started = time.perf_counter()
    results = judge_many(pairs, workers=args.workers)
    elapsed = time.perf_counter() - started
    rate = len(rows) / elapsed
    workers = args.workers or f"the default {4 * (os.cpu_count() or 1)}"
    print(f"{len(rows)} judged pairs ({args.half} rows), {rate:.1f} pairs/s with {workers} workers")
    halves = {"all": rows} if args.half != "all" else {"even": rows, "odd": rows, "all": rows}
    by_index = {row.index: result for row, result in zip(rows, results, strict=True)}
    for label, members in halves.items():
        if label != "all" or args.half == "all":
            members = [row for row in rows if label == "all" or row.index % 2 == (label == "odd")]
        humans = [row.human for row in members]
        judge = [by_index[row.index].equivalent for row in members]
        exact = [
            any(normalise(row.prediction) == normalise(ref) for ref in row.references) for row in members
        ]
        structural = [
            max(_structural(ref, row.prediction) for ref in row.references) >= 0.5 for row in members
        ]
        print(f"{label} rows: {len(members)} pairs, {sum(humans)} judged correct by people")
        print(summarise("execution judge", judge, humans))
        print(summarise("exact match", exact, humans))
        print(summarise("structural >= 0.5", structural, humans))
        decided = [row for row in members if by_index[row.index].equivalent is not None]
        votes = [row.annotators for row in decided if None not in row.annotators]
        print(
            f"  {'annotator A vs B':24} on the judge's decided pairs: kappa {kappa(votes):.3f} "
            f"(the human ceiling: two of NL2Bash's annotators against each other)"
        )
        reasons = Counter(
            by_index[row.index].code for row in members if by_index[row.index].equivalent is None
        )
        print("  undecided: " + ", ".join(f"{key} {count}" for key, count in reasons.most_common()))
        print("  trade-off:")
        curve([by_index[row.index] for row in members], humans)
    labelled_set(args.labelled, args.workers)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as handle:
            for row, result in zip(rows, results, strict=True):
                record = {"index": row.index, "human": row.human, "prediction": row.prediction}
                record |= {"references": row.references, **result.to_dict()}
                handle.write(json.dumps(record) + "\n")
    return 0


def _structural(reference: str, prediction: str) -> float:
    try:
        return structural_score(reference, prediction)
    except Exception:  # noqa: BLE001 - a score that cannot be computed counts as no match
        return -1.0


if __name__ == "__main__":
    raise SystemExit(main())
