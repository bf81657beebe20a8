"""Gates: a threshold from the config, compared with a metric; the only place that decides.

``exact_match_min: 0.7`` becomes ``Gate(name="exact_match_min", metric="exact_match", op=">=",
threshold=0.7)``. A gate compares the metric's point estimate by default, or the lower or
upper end of its 95% interval (``gate_on``). Comparisons are gates of the same shape:
``exact_match_improvement_min: 0`` (not worse than the base model) under ``thresholds:``,
and the ``drift:`` section's limits, which become ``<metric>_drop_max`` gates only when a
previous release is given (``--compare-to``).

The ``GateLedger`` keeps the books of one session: what each gate's check found, and how
its test ended. The verdict is SHIP only when every configured gate ran as a test and passed:
a gate that errored, was skipped or never ran is a NO-SHIP. The pytest plugin only feeds it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from securecli_eval.catalog import METRICS, parse_threshold_key
from securecli_eval.measure.stats import wilson_interval
from securecli_eval.records import GateOutcome, GateResult, MetricValue, Op

if TYPE_CHECKING:
    from securecli_eval.inputs.config import DriftSettings, EvalConfig
    from securecli_eval.run import Evaluation

GateOn = Literal["point", "lower", "upper"]
Verdict = Literal["SHIP", "NO-SHIP"]


@dataclass(frozen=True)
class Gate:
    name: str
    metric: str
    op: Op
    threshold: float
    gate_on: GateOn = "point"

    def observed(self, value: MetricValue) -> float | None:
        """The number compared with the threshold: the point estimate or an interval bound."""
        if self.gate_on == "lower" and value.ci_low is not None:
            return value.ci_low
        if self.gate_on == "upper" and value.ci_high is not None:
            return value.ci_high
        return value.value

    def evaluate(self, value: MetricValue | None) -> GateResult:
        observed = self.observed(value) if value is not None else None
        if observed is None:
            return self._result(value, observed, False, f"{self.metric} has no value (nothing decided)")
        passed = observed >= self.threshold if self.op == ">=" else observed <= self.threshold
        shown = f"{self.gate_on} " if self.gate_on != "point" else ""
        verb = "meets" if passed else "violates"
        message = f"{self.metric} {shown}{observed:.4g} {verb} {self.op} {self.threshold:g}"
        return self._result(value, observed, passed, message)

    def not_passed(self, outcome: GateOutcome, message: str) -> GateResult:
        """The record of a gate whose test did not get to compare (skipped, errored, never ran)."""
        return self._result(None, None, False, message).model_copy(update={"outcome": outcome})

    def _result(
        self, value: MetricValue | None, observed: float | None, passed: bool, message: str
    ) -> GateResult:
        return GateResult(
            name=self.name,
            metric=self.metric,
            op=self.op,
            threshold=self.threshold,
            gate_on=self.gate_on,
            value=value.value if value else None,
            compared=observed,
            ci_low=value.ci_low if value else None,
            ci_high=value.ci_high if value else None,
            passed=passed,
            outcome="passed" if passed else "failed",
            message=message,
        )


def gates_from_thresholds(thresholds: Mapping[str, float], gate_mode: Callable[[str], GateOn]) -> list[Gate]:
    """Every ``<metric>_min|_max`` threshold as a Gate, in the config's order."""
    gates = []
    for key, threshold in thresholds.items():
        metric, op = parse_threshold_key(key)
        gates.append(Gate(key, metric, op, float(threshold), gate_mode(metric)))
    return gates


def drift_gates(drift: DriftSettings) -> list[Gate]:
    """The ``drift:`` section as ``<metric>_drop_max``, ``safety_regressions_max`` and category gates."""
    gates = [
        Gate(f"{metric}_drop_max", f"{metric}_drop", "<=", float(limit), drift.gate_on)
        for metric, limit in drift.max_drop.items()
    ]
    if drift.safety_regressions_max is not None:
        gates.append(
            Gate("safety_regressions_max", "safety_regressions", "<=", float(drift.safety_regressions_max))
        )
    if drift.category_drop_max is not None:
        gates.append(
            Gate(
                "adversarial_category_drop_max",
                "adversarial_category_drop",
                "<=",
                float(drift.category_drop_max),
                drift.gate_on,
            )
        )
    return gates


def configured_gates(config: EvalConfig, compare_to: bool) -> list[Gate]:
    """Every gate of this run: the thresholds, plus the drift gates when a previous release is given."""
    gates = gates_from_thresholds(config.thresholds, config.gate_mode)
    return gates + drift_gates(config.drift) if compare_to else gates


def decide(results: Iterable[GateResult], limited: bool) -> tuple[Verdict, list[str]]:
    """SHIP only when there is at least one gate, every gate passed, and the run was not limited."""
    results = list(results)
    reasons = [
        f"{r.name}: {r.outcome}: {r.message}" for r in results if not (r.passed and r.outcome == "passed")
    ]
    if not results:
        reasons.append("no gate ran: configure thresholds and run the regression suite")
    if limited:
        reasons.append("limited run (--limit): a partial evaluation can never ship")
    return ("SHIP" if not reasons else "NO-SHIP"), reasons


MAX_EXAMPLES = 10**9  # beyond this, "how many examples would resolve it" has no useful answer


@dataclass(frozen=True)
class Inconclusive:
    """A gate whose 95% interval straddles its threshold: this run cannot tell a pass from a fail."""

    gate: str
    low: float
    high: float
    threshold: float
    n: int | None  # the examples behind the interval
    needed: int | None  # examples that would resolve it if the estimate held; None: no such number
    why_no_estimate: str | None = None

    @property
    def resolution(self) -> str:
        """How many examples would resolve it, or why no number of them would."""
        if self.needed is not None:
            return f"about {self.needed:,} examples (now {self.n:,}) would resolve it"
        return str(self.why_no_estimate)

    @property
    def message(self) -> str:
        interval = f"the 95% interval [{self.low:.4g}, {self.high:.4g}] straddles the threshold"
        return f"inconclusive: {interval} {self.threshold:g}; {self.resolution}"


def inconclusive(result: GateResult, metric: MetricValue | None) -> Inconclusive | None:
    """Whether a compared gate is inconclusive, and how many examples would resolve it.

    At the same estimate, a Wilson interval (rates) is solved for the fewest examples that leave
    the threshold out; any other interval's half-width towards the threshold is taken to shrink
    as 1/sqrt(n), so ``n * (half-width / distance)**2`` examples would do. A count grows with the
    examples instead, and an estimate on the threshold is never resolved.
    """
    low, high, value = result.ci_low, result.ci_high, result.value
    if result.outcome not in {"passed", "failed"} or low is None or high is None or value is None:
        return None
    if not low < result.threshold < high:
        return None
    found = Inconclusive(result.name, low, high, result.threshold, metric.n if metric else None, None)
    distance = abs(value - result.threshold)
    if metric is None or not metric.n:
        why = "the number of examples behind the interval is not recorded"
    elif metric.kind == "count":
        why = "a count grows with the examples, so more of them cannot resolve it; gate its rate instead"
    elif distance == 0:
        why = "the estimate sits on the threshold, so no number of examples resolves it"
    else:
        half = high - value if result.threshold > value else value - low
        needed = (
            _wilson_needed(value, result.threshold)
            if metric.interval == "wilson95"
            else math.ceil(metric.n * (half / distance) ** 2)
        )
        if needed is not None and needed <= MAX_EXAMPLES:
            return replace(found, needed=max(metric.n + 1, needed))
        why = f"the estimate is so close to the threshold that more than {MAX_EXAMPLES:,} examples would do"
    return replace(found, why_no_estimate=why)


def _wilson_needed(share: float, threshold: float) -> int | None:
    """The fewest examples whose Wilson interval at ``share`` leaves ``threshold`` out (by bisection);
    None when even ``MAX_EXAMPLES`` would not."""

    def resolved(n: int) -> bool:
        low, high = wilson_interval(share * n, n)
        return not low < threshold < high

    unresolved, enough = 1, 2
    while not resolved(enough):
        if enough > MAX_EXAMPLES:
            return None
        unresolved, enough = enough, enough * 2
    while enough - unresolved > 1:
        middle = (unresolved + enough) // 2
        unresolved, enough = (unresolved, middle) if resolved(middle) else (middle, enough)
    return enough


@dataclass
class GateLedger:
    """The books of one session: each gate's check, and the outcome of the test that ran it."""

    gates: tuple[Gate, ...]
    checked: dict[str, GateResult] = field(default_factory=dict)  # gate name -> what its check found
    gates_of_test: dict[str, list[str]] = field(default_factory=dict)  # test id -> gates it checked
    test_outcome: dict[str, GateOutcome] = field(default_factory=dict)  # gate name -> its test's outcome

    def gates_for(self, metric: str) -> list[Gate]:
        return [gate for gate in self.gates if gate.metric == metric]

    def metrics_from(self, source: str) -> list[str]:
        """Gated metrics computed from ``source`` (``baseline``, ``drift``), once each, in gate order."""
        return list(dict.fromkeys(g.metric for g in self.gates if METRICS[g.metric].source == source))

    def check(self, test: str, metric: str, value: MetricValue | None, missing: str) -> list[GateResult]:
        """Compare ``metric``'s gates with ``value`` for ``test``; without a value they are skipped."""
        gates = self.gates_for(metric)
        self.gates_of_test.setdefault(test, []).extend(g.name for g in gates)
        results = [
            g.evaluate(value) if value is not None else g.not_passed("skipped", missing) for g in gates
        ]
        for result in results:
            self.checked[result.name] = result
        return results

    def record_test(self, test: str, outcome: GateOutcome) -> None:
        """How a test phase that checked gates ended: the first outcome that is not a pass is kept.

        A gate whose call passed but whose teardown errored did not pass.
        """
        for name in self.gates_of_test.get(test, ()):
            if self.test_outcome.get(name, "passed") == "passed":
                self.test_outcome[name] = outcome

    def checks(self, test: str) -> bool:
        return test in self.gates_of_test

    def final(self) -> list[GateResult]:
        """Each configured gate with the outcome of its test; a gate that never ran is 'not run'."""
        results = []
        for gate in self.gates:
            checked = self.checked.get(gate.name)
            outcome = self.test_outcome.get(gate.name)
            if checked is None:
                results.append(gate.not_passed("not run", "no gate test checked this metric"))
            elif outcome != "passed" or not checked.passed:
                final = outcome if outcome in {"failed", "skipped", "error"} else checked.outcome
                results.append(checked.model_copy(update={"passed": False, "outcome": final}))
            else:
                results.append(checked)
        return results

    def verdict(self, limited: bool) -> tuple[Verdict, list[str]]:
        return decide(self.final(), limited)


def explain(failed: Iterable[GateResult], value: MetricValue, examples: list[str]) -> str:
    """A failing gate test's message: each failed gate with the interval, then the examples against it."""
    lines = [
        f"{r.name}: {r.message} (n={value.n}, 95% CI [{value.ci_low}, {value.ci_high}])"
        if value.ci_low is not None
        else f"{r.name}: {r.message}"
        for r in failed
    ]
    return "\n".join(lines + examples)


def failing_examples(evaluation: Evaluation, metric: str, limit: int) -> list[str]:
    """Up to ``limit`` one-line descriptions of examples that count against ``metric``."""
    definition = METRICS.get(metric)
    if definition is None or limit == 0:
        return []
    if definition.failing_ids is not None:
        ids = _failing_ids(evaluation, definition.failing_ids, definition.derived_from)[:limit]
        return [f"{_FAILING_IDS_TITLE[definition.failing_ids]}: {', '.join(ids)}"] if ids else []
    if definition.outcome is None:
        return []
    lines = []
    for result in evaluation.results:
        outcome = result.outcomes.get(definition.outcome)
        if definition.is_good(outcome) is False:
            reference = f" | reference: {result.reference!r}" if result.reference is not None else ""
            lines.append(
                f"  - {result.id}: {result.instruction[:80]!r}{reference} | output: {result.output[:100]!r}"
            )
            if len(lines) == limit:
                break
    return ([f"worst examples ({len(lines)} shown):"] + lines) if lines else []


_FAILING_IDS_TITLE = {
    "broken": "examples the adapter broke (base good, adapter bad)",
    "newly_failing": "newly failing since the previous release",
    "safety_regressions": "safety regressions since the previous release",
}


def _failing_ids(evaluation: Evaluation, where: str, source: str | None) -> list[str]:
    if where == "broken" and evaluation.baseline and source in evaluation.baseline.metrics:
        return evaluation.baseline.metrics[source].broken_ids
    if where == "newly_failing" and evaluation.drift and source:
        return evaluation.drift.newly_failing.get(source, [])
    if where == "safety_regressions" and evaluation.drift:
        return evaluation.drift.safety_regressions or []
    return []
