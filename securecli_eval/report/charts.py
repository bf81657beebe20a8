"""Chart geometry for the HTML reports: numbers in, SVG coordinates out, no markup.

The templates draw inline SVG from these shapes (no chart library, no script, nothing fetched),
so a report opens offline, prints, and reads without JavaScript. Coordinates are rounded to
one decimal, which keeps the file small and the output byte-stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from securecli_eval.report.breakdown import Group, Outcome, Share


def _r(value: float) -> float:
    return round(value, 1) + 0.0  # no -0.0


@dataclass(frozen=True)
class Scale:
    """A linear map from a value domain onto [left, right] pixels."""

    low: float
    high: float
    left: float
    right: float

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        clamped = min(max(value, self.low), self.high)
        return _r(self.left + (clamped - self.low) / span * (self.right - self.left))


def domain(values: Iterable[float | None], unit: bool) -> tuple[float, float]:
    """The axis range: [0, 1] for shares when everything fits, else the values padded by 8%."""
    present = [v for v in values if v is not None]
    if unit and all(0.0 <= v <= 1.0 for v in present):
        return 0.0, 1.0
    if not present:
        return 0.0, 1.0
    low, high = min(present), max(present)
    pad = (high - low) * 0.08 or max(abs(high), 1.0) * 0.1
    return low - pad, high + pad


@dataclass(frozen=True)
class Forest:
    """One interval against its threshold: the row of a forest plot.

    ``state`` is pass, fail or unsure (the interval straddles the threshold); ``bad_x``/``bad_w``
    shade the side of the threshold that fails.
    """

    width: int
    height: int
    low_x: float | None
    high_x: float | None
    value_x: float | None
    threshold_x: float
    bad_x: float
    bad_w: float
    state: str
    axis_low: str
    axis_high: str


FOREST_WIDTH, FOREST_HEIGHT, PAD = 200, 30, 8


def forest(
    value: float | None,
    low: float | None,
    high: float | None,
    threshold: float,
    op: str,
    unit: bool,
    passed: bool,
    unsure: bool = False,
    width: int = FOREST_WIDTH,
    span: Iterable[float | None] = (),
) -> Forest:
    """The geometry of one gate (or any interval with a reference line); ``span``: more values to fit."""
    lo, hi = domain([value, low, high, threshold, *span], unit)
    scale = Scale(lo, hi, PAD, width - PAD)
    t = scale(threshold)
    bad_x, bad_w = (PAD, t - PAD) if op == ">=" else (t, width - PAD - t)
    return Forest(
        width=width,
        height=FOREST_HEIGHT,
        low_x=scale(low) if low is not None else None,
        high_x=scale(high) if high is not None else None,
        value_x=scale(value) if value is not None else None,
        threshold_x=t,
        bad_x=_r(bad_x),
        bad_w=_r(max(bad_w, 0.0)),
        state="unsure" if unsure else ("pass" if passed else "fail"),
        axis_low=f"{lo:.3g}",
        axis_high=f"{hi:.3g}",
    )


@dataclass(frozen=True)
class Bar:
    """A horizontal bar for one share, with its interval whiskers and a label."""

    x: float
    y: float
    w: float
    h: float
    low_x: float
    high_x: float
    label: str
    title: str


@dataclass(frozen=True)
class BarRow:
    label: str
    tags: str  # the first few, as drawn
    all_tags: str
    y: float
    bars: list[Bar]


@dataclass(frozen=True)
class PairedBars:
    """Rows of bars (one per series: adapter, base) for one outcome, e.g. adversarial categories."""

    width: int
    height: int
    left: float
    right: float
    rows: list[BarRow]
    series: list[str]
    ticks: list[tuple[float, str]]


def _bar(share: Share, scale: Scale, y: float, h: float, series: str, group: str) -> Bar:
    value = share.value or 0.0
    low, high = share.interval if share.decided else (0.0, 0.0)
    shown = "n/a" if share.value is None else f"{share.value:.0%}"
    return Bar(
        x=scale.left,
        y=_r(y),
        w=_r(scale(value) - scale.left),
        h=h,
        low_x=scale(low),
        high_x=scale(high),
        label=f"{shown} ({share.good}/{share.decided})",
        title=f"{group}, {series}: {shown} of {share.decided} decided, 95% interval [{low:.2f}, {high:.2f}]",
    )


def paired_bars(
    groups: Sequence[Group], outcome: Outcome, names: tuple[str, str] = ("adapter", "base"), width: int = 900
) -> PairedBars:
    """Per group: the share of good outcomes (``shares``), and the other's (``base``) beside it when known."""
    with_base = any(outcome.key in g.base for g in groups)
    series = list(names) if with_base else [names[0]]
    bar_h, gap = 12.0, 10.0
    row_h = bar_h * len(series) + gap
    left, right = 180.0, width - 330.0  # labels on the left; values and tags (ATT&CK ids) on the right
    scale = Scale(0.0, 1.0, left, right)
    rows = []
    for index, group in enumerate(groups):
        y = 24 + index * row_h
        bars = []
        for offset, name in enumerate(series):
            source = group.shares if name == names[0] else group.base
            if outcome.key in source:
                bars.append(_bar(source[outcome.key], scale, y + offset * bar_h, bar_h - 2, name, group.name))
        tags = ", ".join(group.tags[:4]) + (f" +{len(group.tags) - 4}" if len(group.tags) > 4 else "")
        rows.append(BarRow(group.name, tags, ", ".join(group.tags), _r(y), bars))
    ticks = [(scale(t), f"{t:.0%}") for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
    height = int(24 + len(groups) * row_h + 4)
    return PairedBars(width, height, left, right, rows, series, ticks)


@dataclass(frozen=True)
class Cell:
    x: float
    w: float
    base_x: float | None
    label: str
    title: str
    state: str  # good, middling, poor, none


@dataclass(frozen=True)
class MatrixRow:
    label: str
    n: int
    y: float
    cells: list[Cell]


@dataclass(frozen=True)
class BarMatrix:
    """Groups (rows) by outcomes (columns): one small bar per cell, the base model as a tick."""

    width: int
    height: int
    label_w: float
    columns: list[tuple[float, str]]
    column_w: float
    track_w: float
    rows: list[MatrixRow]


def _state(value: float | None) -> str:
    if value is None:
        return "none"
    return "good" if value >= 0.9 else ("middling" if value >= 0.5 else "poor")


def bar_matrix(groups: Sequence[Group], outcomes: Sequence[Outcome], label_w: float = 170) -> BarMatrix:
    """One row per group, one column per outcome present in any group."""
    columns = [o for o in outcomes if any(o.key in g.shares for g in groups)]
    column_w, track_w, row_h = 150.0, 96.0, 20.0
    width = int(label_w + 50 + column_w * len(columns))
    rows = []
    for index, group in enumerate(groups):
        y = 22 + index * row_h
        cells = []
        for number, outcome in enumerate(columns):
            x0 = label_w + 50 + number * column_w
            scale = Scale(0.0, 1.0, x0, x0 + track_w)
            share = group.shares.get(outcome.key)
            if share is None:
                cells.append(Cell(_r(x0), 0.0, None, "", f"{group.name}: no {outcome.key} outcome", "none"))
                continue
            base = group.base.get(outcome.key)
            value = share.value
            base_text = f"; base {base.value:.0%}" if base and base.value is not None else ""
            cells.append(
                Cell(
                    x=_r(x0),
                    w=_r(scale(value or 0.0) - x0),
                    base_x=scale(base.value) if base and base.value is not None else None,
                    label="n/a" if value is None else f"{value:.0%}",
                    title=f"{group.name}, {outcome.label}: {share.good}/{share.decided}{base_text}",
                    state=_state(value),
                )
            )
        rows.append(MatrixRow(group.name, group.n, _r(y), cells))
    headers = [(_r(label_w + 50 + i * column_w), o.label) for i, o in enumerate(columns)]
    return BarMatrix(width, int(22 + len(groups) * row_h + 4), label_w, headers, column_w, track_w, rows)


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: float
    w: float


def timings(phases: dict[str, float], width: float = 220) -> list[Timing]:
    """Each phase's seconds with a bar width proportional to the longest phase."""
    longest = max(phases.values(), default=0.0) or 1.0
    return [Timing(name, seconds, _r(seconds / longest * width)) for name, seconds in phases.items()]
