"""Eval datasets: loading the configured JSONL files as ``Example`` records, with file:line errors.

Each line is checked with ``json`` first so that a malformed line is reported as
``file:line: what is wrong``; the validated file is then loaded with the ``datasets``
library (``load_dataset("json", ...)``), which is what users' own pipelines use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from securecli_eval.errors import DataError
from securecli_eval.inputs.config import DatasetSpec
from securecli_eval.jsonl import json_objects
from securecli_eval.records import Example


def _check_lines(path: Path, spec: DatasetSpec) -> int:
    """Validate every line as a JSON object with the required fields; return the row count."""
    required = [spec.instruction_field] + ([spec.command_field] if spec.kind == "domain" else [])
    rows = 0
    with path.open("r", encoding="utf-8") as handle:
        for number, row in json_objects(handle, str(path)):
            for field in required:
                value = row.get(field)
                if not isinstance(value, str) or not value.strip():
                    raise DataError(
                        f"{path}:{number}: field '{field}' must be a non-empty string; set "
                        f"instruction_field/command_field of dataset '{spec.name}' if your file names it "
                        "differently"
                    )
            rows += 1
    if rows == 0:
        raise DataError(f"{path}: dataset '{spec.name}' has no examples")
    return rows


def _clean_files(files: object) -> dict[str, str] | None:
    # Arrow turns a column of mappings into structs with the union of keys: drop the padding
    if not isinstance(files, dict):
        return None
    cleaned = {str(k): v for k, v in files.items() if isinstance(v, str)}
    return cleaned or None


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _clean_references(references: object) -> tuple[str, ...]:
    """Several accepted commands (a list of strings); anything else means just ``command``."""
    if not isinstance(references, list):
        return ()
    return tuple(r for r in references if isinstance(r, str) and r.strip())


def load_examples(spec: DatasetSpec, path: Path, limit: int | None = None) -> list[Example]:
    """Load one dataset as Examples (the first ``limit`` rows when given)."""
    if not path.is_file():
        raise DataError(f"{path}: dataset '{spec.name}' not found; fix its path in the eval config")
    _check_lines(path, spec)
    import datasets
    from datasets import load_dataset

    datasets.disable_progress_bars()
    try:
        table = load_dataset("json", data_files=str(path), split="train")
    except Exception as error:  # datasets raises many types; the lines already parsed, so report the cause
        raise DataError(
            f"{path}: could not be loaded as a dataset ({type(error).__name__}: {error})"
        ) from None
    if limit is not None:
        table = table.select(range(min(limit, len(table))))
    examples = []
    for index, row in enumerate(table):
        example_id = row.get(spec.id_field)
        examples.append(
            Example(
                id=str(example_id) if example_id not in (None, "") else f"{spec.name}-{index}",
                dataset=spec.name,
                kind=spec.kind,
                instruction=row[spec.instruction_field],
                reference=row.get(spec.command_field) if spec.kind == "domain" else None,
                category=row.get("category"),
                mitre=row.get("mitre"),
                files=_clean_files(row.get("files")),
                setup=row.get("setup") or None,
                executable=row.get("executable"),
                source=_text(row.get("source")),
                utility=_text(row.get("utility")),
                references=_clean_references(row.get("references")) if spec.kind == "domain" else (),
            )
        )
    ids = [e.id for e in examples]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise DataError(f"{path}: id '{duplicate}' appears more than once; ids must be unique")
    return examples


def load_all(specs: Sequence[tuple[DatasetSpec, Path]], limit: int | None = None) -> list[Example]:
    """Load every dataset of the config, in order."""
    examples: list[Example] = []
    for spec, path in specs:
        examples.extend(load_examples(spec, path, limit))
    return examples
