"""The data pipeline: raw corpora in, train/val/test + data card out (``securecli-eval data build``).

Order matters: placeholders are instantiated before dedup, risk and syntax checks, because
``{{[-o|--output]}}`` is not bash and a template is not the command a model will be taught.
The build refuses to write splits that overlap (``DataError``).
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securecli_eval.corpus import contamination, dedup, filters, placeholders, schema
from securecli_eval.corpus.card import LICENSES, write_card
from securecli_eval.corpus.curate import balanced_sample
from securecli_eval.corpus.example import Example, to_jsonl_line
from securecli_eval.corpus.executable import mark_executable
from securecli_eval.corpus.load import load_nl2bash, load_tldr
from securecli_eval.corpus.references import with_references
from securecli_eval.corpus.similarity import NEAR_DUPLICATE_THRESHOLD
from securecli_eval.corpus.split import Splits, split
from securecli_eval.corpus.stage import StageReport
from securecli_eval.errors import DataError

RAW_FILES = {"nl2bash": "nl2bash.jsonl", "tldr-pages": "tldr-pages.jsonl"}
DEFAULT_CAPS = {"train": 8500, "val": 1000, "test": 2000}
"""Committed splits stay under ~8 MB; pass 0 to keep a split whole."""


@dataclass(frozen=True)
class BuildOptions:
    raw_dir: Path
    out_dir: Path
    seed: int = 0
    max_train: int = DEFAULT_CAPS["train"]
    max_val: int = DEFAULT_CAPS["val"]
    max_test: int = DEFAULT_CAPS["test"]
    run_sandbox: bool = True
    eval_out: Path | None = None
    eval_size: int = 1000


@dataclass(frozen=True)
class BuildResult:
    splits: Splits
    eval_set: list[Example]
    card: dict[str, Any]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_jsonl(path: Path, examples: list[Example], with_executable: bool) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(to_jsonl_line(example.to_record(with_executable=with_executable)))


def _split_summary(examples: list[Example]) -> dict[str, Any]:
    return {
        "total": len(examples),
        "by_source": dict(sorted(Counter(e.source for e in examples).items())),
        "utilities": len({e.utility for e in examples}),
    }


def run_build(options: BuildOptions, progress: Callable[[str], None] = lambda _: None) -> BuildResult:
    paths = {name: options.raw_dir / file for name, file in RAW_FILES.items()}
    for name, path in paths.items():
        if not path.is_file():
            raise DataError(
                f"{path}: raw {name} corpus not found; pass --raw DIR containing {RAW_FILES[name]}"
            )
    loaded = {"nl2bash": load_nl2bash(paths["nl2bash"]), "tldr-pages": load_tldr(paths["tldr-pages"])}
    examples = loaded["nl2bash"] + loaded["tldr-pages"]
    duplicates = [i for i, n in Counter(e.id for e in examples).items() if n > 1]
    if duplicates:
        raise DataError(
            f"{options.raw_dir}: example ids are not unique (e.g. {duplicates[0]}); fix the raw file"
        )
    reports: list[StageReport] = [
        StageReport(
            "load",
            "NL2Bash pairs and tldr-pages examples (common + linux) read; tldr instructions name the program",
            len(examples),
            len(examples),
        )
    ]
    stages: list[Callable[[list[Example]], tuple[list[Example], StageReport]]] = [
        schema.normalise,
        schema.validate,
        placeholders.instantiate_examples,
        dedup.remove_exact,
        dedup.remove_near,
        filters.risk_filter,
        filters.syntax_filter,
        filters.shellcheck_filter,
    ]
    for stage in stages:
        examples, report = stage(examples)
        reports.append(report)
        progress(f"{report.name}: {report.count_in} -> {report.count_out} {report.skipped}".rstrip())
    full, split_report = split(examples, seed=options.seed)
    reports.append(split_report)
    caps = {"train": options.max_train, "val": options.max_val, "test": options.max_test}
    capped = Splits(
        *(
            balanced_sample(getattr(full, name), caps[name], seed=options.seed)
            for name in ("train", "val", "test")
        )
    )
    kept = len(capped.train) + len(capped.val) + len(capped.test)
    reports.append(
        StageReport(
            "size-cap",
            "per-split cap (keeps each source's share, round-robin over utilities) so the committed data "
            "stays small; 0 keeps a split whole",
            len(examples),
            kept,
            Counter({"over the split's cap": len(examples) - kept}) if kept < len(examples) else Counter(),
            notes={"caps": caps},
        )
    )
    progress(f"split: train {len(capped.train)}, val {len(capped.val)}, test {len(capped.test)}")
    overlap = {
        "train-vs-test": contamination.check(capped.train, capped.test),
        "train-vs-val": contamination.check(capped.train, capped.val),
        "val-vs-test": contamination.check(capped.val, capped.test),
    }
    dirty = {name: r.contaminated_test for name, r in overlap.items() if not r.clean}
    if dirty:
        raise DataError(
            f"the build's own splits overlap ({dirty}); this is a bug in grouping, not in your data"
        )
    test, executable_report = (
        mark_executable(capped.test)
        if options.run_sandbox
        else (
            [e.with_(executable=False) for e in capped.test],
            StageReport(
                "executable",
                "sandbox run of each test reference",
                len(capped.test),
                len(capped.test),
                skipped="skipped: --no-sandbox",
            ),
        )
    )
    reports.append(executable_report)
    progress(
        f"executable: {executable_report.notes.get('executable', 0)} {executable_report.skipped}".rstrip()
    )
    splits = Splits(capped.train, capped.val, test)
    eval_set = balanced_sample(
        test, options.eval_size, seed=options.seed, prefer=lambda e: bool(e.executable)
    )
    eval_set = with_references(eval_set, loaded["nl2bash"])

    card: dict[str, Any] = {
        "name": "securecli-eval nl2bash+tldr splits",
        "seed": options.seed,
        "near_duplicate_threshold": NEAR_DUPLICATE_THRESHOLD,
        "dedup_removal_threshold": dedup.REMOVAL_THRESHOLD,
        "sources": {
            name: {**LICENSES[name], "sha256": _sha256(paths[name]), "loaded": len(loaded[name])}
            for name in RAW_FILES
        },
        "stages": [r.as_dict() for r in reports],
        "splits": {
            "train": _split_summary(splits.train),
            "val": _split_summary(splits.val),
            "test": _split_summary(splits.test),
            "shipped eval": _split_summary(eval_set),
        },
        "executable": sum(bool(e.executable) for e in test),
        "executable_in_shipped_eval": sum(bool(e.executable) for e in eval_set),
        "contamination": {name: r.as_dict(max_examples=0) for name, r in overlap.items()},
        "shipped_eval_hint": "securecli_eval/data/test.jsonl",
    }
    options.out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(options.out_dir / "train.jsonl", splits.train, with_executable=False)
    _write_jsonl(options.out_dir / "val.jsonl", splits.val, with_executable=False)
    _write_jsonl(options.out_dir / "test.jsonl", splits.test, with_executable=True)
    write_card(card, options.out_dir)
    if options.eval_out is not None:
        options.eval_out.parent.mkdir(parents=True, exist_ok=True)
        _write_jsonl(options.eval_out, eval_set, with_executable=True)
        for name in RAW_FILES:
            license_file = options.raw_dir / LICENSES[name]["license_file"]
            if license_file.is_file():
                target = options.eval_out.parent / (
                    "LICENSE.nl2bash" if name == "nl2bash" else "LICENSE.tldr-pages.md"
                )
                target.unlink(missing_ok=True)  # a read-only copy from an earlier build must not block
                shutil.copyfile(license_file, target)
    return BuildResult(splits, eval_set, card)
