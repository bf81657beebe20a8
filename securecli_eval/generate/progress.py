"""Progress of a generation pass: what to say, and when, so a long run never looks frozen.

Generation is the slow part of a regression run (minutes to hours on a 7B model). The
formatting and the pacing live here, free of any terminal: on a live terminal every batch
rewrites one line; in a log (CI, a pipe) a line is written at most every ``interval`` seconds,
plus a line at the start and at the end, so the log stays short. Where the lines go is the
caller's ``emit`` (the pytest plugin writes them through pytest's terminal reporter).
"""

from __future__ import annotations

import time
from collections.abc import Callable

# emit(line, transient): a transient line is replaced by the next one (live terminals only)
Emit = Callable[[str, bool], None]


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Counts generated outputs of one or more passes (adapter, then base) and reports them."""

    def __init__(
        self,
        emit: Emit,
        live: bool,
        interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.emit, self.live, self.interval, self.clock = emit, live, interval, clock
        self.label, self.total, self.done = "", 0, 0
        self.generated = 0  # over every pass: outputs now in the cache that were not before
        self._started = self._shown = 0.0

    def begin(self, label: str, total: int, cached: int) -> None:
        """A pass starts: ``total`` outputs to generate, ``cached`` already in the cache."""
        self.label, self.total, self.done = label, total, 0
        self._started = self._shown = self.clock()
        note = f" ({cached} from the cache)" if cached else ""
        self.emit(f"securecli-eval: generating {total} {label} outputs{note}", False)

    def advance(self, count: int) -> None:
        """``count`` more outputs were generated and committed to the cache."""
        self.done += count
        self.generated += count
        now = self.clock()
        if self.live:
            self.emit(self.line(now), True)
        elif now - self._shown >= self.interval and self.done < self.total:
            self._shown = now
            self.emit(self.line(now), False)

    def end(self) -> None:
        elapsed = self.clock() - self._started
        rate = f", {self.done / elapsed:.1f}/s" if elapsed > 0 else ""
        self.emit(
            f"securecli-eval: generated {self.done} {self.label} outputs in {_duration(elapsed)}{rate}", False
        )

    def line(self, now: float) -> str:
        """``generating adapter outputs: 120/1000 (12%), 8.1/s, about 1m49s left``."""
        elapsed = now - self._started
        share = self.done / self.total if self.total else 1.0
        text = f"securecli-eval: generating {self.label} outputs: {self.done}/{self.total} ({share:.0%})"
        if elapsed > 0 and self.done:
            rate = self.done / elapsed
            text += f", {rate:.1f}/s, about {_duration((self.total - self.done) / rate)} left"
        return text
