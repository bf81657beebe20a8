"""Progress lines: every batch on a live terminal, at most one line per interval in a log."""

from __future__ import annotations

from securecli_eval.generate.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(live: bool, interval: float = 30.0) -> tuple[Progress, Clock, list[tuple[str, bool]]]:
    lines: list[tuple[str, bool]] = []
    clock = Clock()
    return (
        Progress(lambda line, transient: lines.append((line, transient)), live, interval, clock),
        clock,
        lines,
    )


def test_a_log_gets_a_line_at_the_start_every_interval_and_at_the_end():
    progress, clock, lines = record(live=False, interval=30)
    progress.begin("adapter", total=1000, cached=24)
    for _ in range(50):  # 50 batches of 16, 2 s each: 100 s in all
        clock.now += 2
        progress.advance(16)
    progress.end()
    assert lines[0] == ("securecli-eval: generating 1000 adapter outputs (24 from the cache)", False)
    periodic = [line for line, _ in lines[1:-1]]
    assert len(periodic) == 3  # at 30, 60 and 90 s
    assert (
        periodic[0] == "securecli-eval: generating adapter outputs: 240/1000 (24%), 8.0/s, about 1m35s left"
    )
    assert lines[-1] == ("securecli-eval: generated 800 adapter outputs in 1m40s, 8.0/s", False)
    assert all(not transient for _, transient in lines)


def test_a_live_terminal_gets_every_batch_as_one_rewritten_line():
    progress, clock, lines = record(live=True)
    progress.begin("base model", total=64, cached=0)
    for _ in range(4):
        clock.now += 1
        progress.advance(16)
    progress.end()
    assert [transient for _, transient in lines] == [False, True, True, True, True, False]
    assert lines[4][0].startswith("securecli-eval: generating base model outputs: 64/64 (100%)")
    assert progress.generated == 64
