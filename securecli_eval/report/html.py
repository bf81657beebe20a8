"""report.html, and the page comparing two runs: one self-contained file each, from the evidence alone.

``render_html(report, examples, base_examples)`` is a pure function of what a run wrote
(metrics.json, examples.jsonl, base_examples.jsonl), so ``securecli-eval report`` renders the
same bytes later. The page puts the verdict, each gate's interval against its threshold and the
worst examples on the first screen; charts are inline SVG; filters work without JavaScript
(CSS ``:has``) and a few lines of inline script add text search. Nothing is fetched. Model and
dataset text is redacted of token-shaped strings here and escaped by the template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from securecli_eval.gates import Inconclusive, inconclusive
from securecli_eval.measure.stats import mcnemar_exact
from securecli_eval.records import GateResult, MetricsReport, MetricValue
from securecli_eval.report import breakdown, charts
from securecli_eval.report.breakdown import Change, Key, Outcome, Row, key_of
from securecli_eval.templating import environment, redact

TEXT_LIMIT = 1200  # characters of one model output or instruction kept in the page
# metrics.json fields the page lays out; any other (added by a newer release) is shown as it is
LAID_OUT = {
    "schema_version", "tool", "verdict", "verdict_reasons", "limited", "limit", "adapter", "base_model",
    "eval_config", "generation", "device", "datasets", "packages", "git", "sandbox", "gates", "metrics",
    "adversarial_categories", "baseline", "drift", "general", "worst_examples", "run",
}  # fmt: skip
LAID_OUT_RUN = {
    "started_at", "finished_at", "duration_s", "timings", "generated_now", "generated_base_now",
    "results_dir", "command",
}  # fmt: skip
WORST_SHOWN = 5  # examples on the first screen
TOP_UTILITIES = 20


def _text(value: Any, limit: int = TEXT_LIMIT) -> str:
    text = redact("" if value is None else str(value))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


@dataclass(frozen=True)
class GateView:
    gate: GateResult
    metric: MetricValue | None
    forest: charts.Forest | None
    unsure: Inconclusive | None

    @property
    def state(self) -> str:
        return "pass" if self.gate.passed else self.gate.outcome.replace(" ", "-")


def gate_views(report: MetricsReport, span: Mapping[str, list[float | None]] | None = None) -> list[GateView]:
    """Each gate with its forest-plot row; ``span`` adds values per gate that its axis must show."""
    views = []
    for gate in report.gates:
        metric = report.metrics.get(gate.metric)
        unsure = inconclusive(gate, metric)
        shape = None
        if gate.outcome in {"passed", "failed"}:
            shape = charts.forest(
                gate.value,
                gate.ci_low,
                gate.ci_high,
                gate.threshold,
                gate.op,
                unit=metric is not None and metric.kind == "rate",
                passed=gate.passed,
                unsure=unsure is not None,
                span=(span or {}).get(gate.name, ()),
            )
        views.append(GateView(gate, metric, shape, unsure))
    return views


def _span(*reports: MetricsReport) -> dict[str, list[float | None]]:
    """Per gate name, every number the runs show for it: two runs' rows share one axis."""
    found: dict[str, list[float | None]] = {}
    for report in reports:
        for g in report.gates:
            found.setdefault(g.name, []).extend([g.value, g.ci_low, g.ci_high, g.threshold])
    return found


@dataclass
class ExampleView:
    """One row of the example table, texts already redacted (the template escapes them)."""

    index: int
    id: str
    dataset: str
    category: str
    mitre: str
    instruction: str
    reference: str | None
    output: str
    command: str | None  # the extracted command, when it differs from the output
    other_output: str | None  # the base model's (or the other run's) answer, for changed examples
    tags: list[tuple[str, str]]  # (label, kind: broken, fixed, fail, flag)
    reasons: list[str]
    facets: list[str] = field(default_factory=list)  # CSS classes the filters select on
    rank: tuple[int, ...] = ()

    @property
    def classes(self) -> str:
        return " ".join(self.facets)


def example_view(
    example: Row,
    index: int,
    outcomes: Sequence[Outcome],
    change: Change | None,
    other: Row | None,
    gated: set[str],
    words: tuple[str, str] = ("broken", "fixed"),
) -> ExampleView:
    failed = breakdown.failed_outcomes(example, outcomes)
    tags = [(f"{words[0]}: {key}", "broken") for key in (change.broken if change else ())]
    tags += [(o.failed_label, "fail") for o in failed]
    tags += [(flag, "flag") for flag in breakdown.flags(example)]
    tags += [(f"{words[1]}: {key}", "fixed") for key in (change.fixed if change else ())]
    output, command = str(example.get("output") or ""), str(example.get("command") or "")
    broken = len(change.broken) if change else 0
    return ExampleView(
        index=index,
        id=_text(example.get("id"), 200),
        dataset=_text(example.get("dataset"), 200),
        category=_text(example.get("category") or "", 200),
        mitre=_text(example.get("mitre") or "", 200),
        instruction=_text(example.get("instruction")),
        reference=None if example.get("reference") is None else _text(example.get("reference")),
        output=_text(output),
        command=_text(command) if command.strip() != output.strip() else None,
        other_output=None if other is None or change is None else _text(other.get("output")),
        tags=tags,
        reasons=[_text(line, 300) for line in breakdown.reasons(example.get("details") or {})],
        rank=(-broken, -sum(1 for o in failed if o.key in gated), -len(failed), index),
    )


@dataclass(frozen=True)
class Facet:
    group: str  # dataset, category, outcome
    css: str  # the class rows carry and the radio button selects
    label: str
    count: int


def with_facets(views: list[ExampleView], words: tuple[str, str] = ("broken", "fixed")) -> list[Facet]:
    """Give each row the CSS classes of its dataset, category and tags; return the filter facets."""
    facets: list[Facet] = []

    def add(group: str, prefix: str, values: list[list[str]]) -> None:
        counted = breakdown.counts(v for row in values for v in row)
        names = {name: f"{prefix}{i}" for i, (name, _) in enumerate(counted)}
        facets.extend(Facet(group, names[name], name, n) for name, n in counted)
        for view, row in zip(views, values, strict=True):
            view.facets.extend(names[v] for v in row)

    add("dataset", "d", [[v.dataset] for v in views])
    add("category", "c", [[v.category] if v.category else [] for v in views])
    outcome_tags = []
    for view in views:
        kinds = {kind for _, kind in view.tags}
        tags = [f"{words[0]} (any)"] if "broken" in kinds else []
        tags += [f"{words[1]} (any)"] if "fixed" in kinds else []
        outcome_tags.append(tags + [label for label, _ in view.tags])
    add("outcome", "o", outcome_tags)
    return facets


def _worst(views: Sequence[ExampleView]) -> list[ExampleView]:
    """The first rows of the sorted table that have something wrong with them."""
    return [v for v in views if v.rank[:3] != (0, 0, 0)][:WORST_SHOWN]


@dataclass(frozen=True)
class PairedView:
    name: str
    paired: Any
    forest: charts.Forest | None


def _around_zero(value: float | None, low: float | None, high: float | None, higher_is_better: bool):
    if value is None:
        return None
    passed = value >= 0 if higher_is_better else value <= 0
    unsure = low is not None and high is not None and low < 0 < high
    return charts.forest(value, low, high, 0.0, ">=" if higher_is_better else "<=", False, passed, unsure)


def _category_charts(
    examples: Sequence[Row], base_examples: Sequence[Row], outcomes: Sequence[Outcome], names: tuple[str, str]
) -> list[tuple[Outcome, charts.PairedBars]]:
    found = breakdown.category_groups(examples, base_examples, outcomes)
    result = []
    for outcome in outcomes:
        present = [g for g in found if outcome.key in g.shares]
        if present:
            result.append((outcome, charts.paired_bars(present, outcome, names)))
    return result


def more_evidence(report: MetricsReport) -> list[tuple[str, str]]:
    """Fields of metrics.json the page has no place for, as (name, JSON text), so none goes unseen."""
    data = report.model_dump(mode="json")
    if data.get("evidence"):
        # the artifacts' hashes are written after the reports (a report cannot hold its own hash)
        data["evidence"] = {k: v for k, v in data["evidence"].items() if k != "artifacts"}
    found = {name: value for name, value in data.items() if name not in LAID_OUT}
    found.update({f"run.{k}": v for k, v in data["run"].items() if k not in LAID_OUT_RUN})
    return [
        (name, _text(json.dumps(value, indent=1, sort_keys=True), 20000))
        for name, value in sorted(found.items())
        if value not in (None, {}, [])
    ]


def _gated_outcomes(report: MetricsReport) -> set[str]:
    """Outcome keys of the metrics whose gates did not pass: their failures rank first."""
    keys = set()
    for gate in report.gates:
        metric = report.metrics.get(gate.metric)
        if not gate.passed and metric is not None and metric.outcome:
            keys.add(metric.outcome)
    return keys


def render_html(report: MetricsReport, examples: Sequence[Row], base_examples: Sequence[Row] = ()) -> str:
    """The whole report.html of one run, from its metrics.json and examples (and the base model's)."""
    outcomes = breakdown.outcomes_of(report.metrics)
    changed = breakdown.changes(base_examples, examples, outcomes) if base_examples else {}
    base_by_key = {key_of(e): e for e in base_examples}
    gated = _gated_outcomes(report)
    views = [
        example_view(e, i, outcomes, changed.get(key_of(e)), base_by_key.get(key_of(e)), gated)
        for i, e in enumerate(examples)
    ]
    views.sort(key=lambda v: v.rank)
    facets = with_facets(views)
    paired = []
    if report.baseline is not None and report.baseline.enabled:
        for name, p in sorted(report.baseline.metrics.items()):
            paired.append(PairedView(name, p, _around_zero(p.improvement, p.ci_low, p.ci_high, True)))
    drift = []
    if report.drift is not None:
        for name, d in sorted(report.drift.metrics.items()):
            drift.append(PairedView(name, d, _around_zero(d.drop, d.ci_low, d.ci_high, False)))
    general = []
    if report.general is not None:
        for name, t in sorted(report.general.tasks.items()):
            general.append(PairedView(name, t, _around_zero(t.drop, t.ci_low, t.ci_high, False)))
    gates = gate_views(report)
    domain = [e for e in examples if e.get("reference")]
    domain_outcomes = [o for o in outcomes if any(o.key in e.get("outcomes", {}) for e in domain)]
    return (
        environment("securecli_eval.report", html=True)
        .get_template("report.html.j2")
        .render(
            r=report,
            gates=gates,
            counts=breakdown.counts(g.state for g in gates),
            unsure=[g for g in gates if g.unsure],
            worst=_worst(views),
            rows=views,
            facets=facets,
            paired=paired,
            drift=drift,
            general=general,
            categories=_category_charts(examples, base_examples, outcomes, ("adapter", "base")),
            utilities=charts.bar_matrix(
                breakdown.domain_groups(examples, base_examples, domain_outcomes, "utility", TOP_UTILITIES),
                domain_outcomes,
            ),
            sources=charts.bar_matrix(
                breakdown.domain_groups(examples, base_examples, domain_outcomes, "source"), domain_outcomes
            ),
            timings=charts.timings(report.run.timings),
            total=len(examples),
            base_total=len(base_examples),
            command=_text(report.run.command, 2000) if report.run.command else None,
            more=more_evidence(report),
        )
    )


# ---------------------------------------------------------------- two runs


@dataclass(frozen=True)
class Run:
    """One run's evidence, and what to call it on the page."""

    label: str
    report: MetricsReport
    examples: Sequence[Row]


@dataclass(frozen=True)
class GatePair:
    name: str
    first: GateView | None
    second: GateView | None

    @property
    def change(self) -> str:
        if self.first is None or self.second is None:
            return "only in " + ("B" if self.first is None else "A")
        was, now = self.first.gate.passed, self.second.gate.passed
        if was == now:
            return "same"
        return "now passes" if now else "now fails"


@dataclass(frozen=True)
class OutcomeChange:
    outcome: Outcome
    first: breakdown.Share
    second: breakdown.Share
    broken: int
    fixed: int
    p_value: float | None


def _outcome_changes(
    first: Sequence[Row], second: Sequence[Row], outcomes: Sequence[Outcome], changed: Mapping[Key, Change]
) -> list[OutcomeChange]:
    shared = {key_of(e) for e in first} & {key_of(e) for e in second}
    rows = []
    for outcome in outcomes:
        a = breakdown.share([e for e in first if key_of(e) in shared], outcome)
        b = breakdown.share([e for e in second if key_of(e) in shared], outcome)
        if not a.decided and not b.decided:
            continue
        broken = sum(1 for c in changed.values() if outcome.key in c.broken)
        fixed = sum(1 for c in changed.values() if outcome.key in c.fixed)
        test = mcnemar_exact(fixed, broken)
        rows.append(OutcomeChange(outcome, a, b, broken, fixed, test.p_value))
    return rows


def render_compare(first: Run, second: Run) -> str:
    """One page comparing run A (``first``, e.g. the release) with run B (the candidate)."""
    metrics = {**first.report.metrics, **second.report.metrics}
    outcomes = breakdown.outcomes_of(metrics)
    changed = breakdown.changes(first.examples, second.examples, outcomes)
    a_by_key = {key_of(e): e for e in first.examples}
    words = ("broken in B", "fixed in B")
    views = [
        example_view(e, i, outcomes, changed[key_of(e)], a_by_key.get(key_of(e)), set(), words)
        for i, e in enumerate(second.examples)
        if key_of(e) in changed
    ]
    views.sort(key=lambda v: v.rank)
    facets = with_facets(views, words)
    span = _span(first.report, second.report)
    a_gates = {g.gate.name: g for g in gate_views(first.report, span)}
    b_gates = {g.gate.name: g for g in gate_views(second.report, span)}
    names = list(dict.fromkeys([*b_gates, *a_gates]))
    a_keys, b_keys = {key_of(e) for e in first.examples}, {key_of(e) for e in second.examples}
    notes = []
    if first.report.eval_config.sha256 != second.report.eval_config.sha256:
        notes.append("the eval configs differ (sha256): thresholds or datasets may not be the same")
    if a_keys != b_keys:
        notes.append(
            f"the runs evaluated different examples: {len(a_keys - b_keys)} only in A, "
            f"{len(b_keys - a_keys)} only in B; example comparisons use the {len(a_keys & b_keys)} in both"
        )
    notes += [f"{run.label} is a limited run (--limit)" for run in (first, second) if run.report.limited]
    for run in (first, second):
        if not run.examples:
            notes.append(f"{run.label} has no examples.jsonl: no example comparison")
    return (
        environment("securecli_eval.report", html=True)
        .get_template("compare.html.j2")
        .render(
            a=first,
            b=second,
            notes=notes,
            gates=[GatePair(name, a_gates.get(name), b_gates.get(name)) for name in names],
            metric_names=sorted(metrics),
            changes=_outcome_changes(first.examples, second.examples, outcomes, changed),
            categories=_category_charts(second.examples, first.examples, outcomes, ("B", "A")),
            rows=views,
            facets=facets,
            total=len(views),
            command_a=_text(first.report.run.command, 2000) if first.report.run.command else None,
            command_b=_text(second.report.run.command, 2000) if second.report.run.command else None,
        )
    )
