"""The generation cache keeps every finished batch: a failure (or a kill) loses only the batch in flight."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

import pytest

from securecli_eval.generate.cache import CHUNK, GenerationCache, generate_cached


class Echo:
    """Answers each prompt with its upper case, in batches; fails after ``fail_after`` batches."""

    def __init__(self, batch: int, fail_after: int | None = None):
        self.batch, self.fail_after, self.seen = batch, fail_after, []

    def batches(self, prompts: Sequence[str]) -> Iterator[tuple[list[int], list[str]]]:
        for number, start in enumerate(range(0, len(prompts), self.batch)):
            if number == self.fail_after:
                raise RuntimeError("killed")
            positions = list(range(start, min(start + self.batch, len(prompts))))
            self.seen.extend(prompts[i] for i in positions)
            yield positions, [prompts[i].upper() for i in positions]


class ListOnly:
    """A backend with only ``generate`` (as a remote client may be): chunked by the cache."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def generate(self, prompts: Sequence[str]) -> list[str]:
        self.calls.append(len(prompts))
        return [p.upper() for p in prompts]


def rows(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM generations").fetchone()[0]


def test_a_failure_keeps_the_finished_batches_and_the_rerun_generates_only_the_rest(tmp_path):
    prompts = [f"prompt {i}" for i in range(10)]
    keys = [f"key {i}" for i in range(10)]
    path = tmp_path / "cache.sqlite"
    cache = GenerationCache(path)
    with pytest.raises(RuntimeError, match="killed"):
        generate_cached(prompts, keys, cache, lambda: Echo(batch=4, fail_after=2))
    assert rows(path) == 8  # two batches of four were committed before the third failed

    backend = Echo(batch=4)
    outputs, generated = generate_cached(prompts, keys, cache, lambda: backend)
    assert generated == 2 and backend.seen == ["prompt 8", "prompt 9"]
    assert outputs == [p.upper() for p in prompts]
    assert generate_cached(prompts, keys, cache, lambda: pytest.fail("no backend needed"))[1] == 0
    cache.close()


def test_a_backend_without_batches_is_fed_in_chunks(tmp_path):
    prompts = [f"p{i}" for i in range(CHUNK * 2 + 5)]
    backend = ListOnly()
    cache = GenerationCache(tmp_path / "cache.sqlite")
    outputs, generated = generate_cached(prompts, prompts, cache, lambda: backend)
    cache.close()
    assert backend.calls == [CHUNK, CHUNK, 5] and generated == len(prompts)
    assert outputs == [p.upper() for p in prompts]
