"""Gates: a threshold from the config, compared with a metric; the only place that decides.

``exact_match_min: 0.7`` becomes ``Gate(name="exact_match_min", metric="exact_match", op=">=",
threshold=0.7)``. A gate compares the metric's point estimate by default, or the lower or
upper end of its 95% interval (``gate_on``). Comparisons are gates of the same shape:
``exact_match_improvement_min: 0`` (not worse than the base model) under ``thresholds:``,
and the ``drift:`` section's limits, which become ``<metric>_drop_max`` gates only when a
previous release is given (``--compare-to``). The verdict is SHIP only when every configured
gate ran as a test and passed: a gate that errored, was skipped or never ran is a NO-SHIP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from securecli_eval.metrics import METRICS, MetricValue

if TYPE_CHECKING:
    from securecli_eval.config import DriftSettings, EvalConfig

Op = Literal[">=", "<="]
Outcome = Literal["passed", "failed", "skipped", "error", "not run"]


def parse_threshold_key(key: str) -> tuple[str, Op]:
    """``exact_match_min`` -> (``exact_match``, ``>=``); raises ValueError naming unknown keys."""
    for suffix, op in (("_min", ">="), ("_max", "<=")):
        if key.endswith(suffix):
            metric = key[: -len(suffix)]
            if metric in METRICS:
                return metric, op  # type: ignore[return-value]
            break
    else:
        raise ValueError(f"threshold '{key}' must end in _min or _max")
    raise ValueError(
        f"threshold '{key}' names an unknown metric '{metric}'; known: {', '.join(sorted(METRICS))}"
    )


@dataclass(frozen=True)
class Gate:
    name: str
    metric: str
    op: Op
    threshold: float
    gate_on: Literal["point", "lower", "upper"] = "point"

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
            return GateResult.from_gate(
                self, value, observed, False, f"{self.metric} has no value (nothing decided)"
            )
        passed = observed >= self.threshold if self.op == ">=" else observed <= self.threshold
        shown = f"{self.gate_on} " if self.gate_on != "point" else ""
        verb = "meets" if passed else "violates"
        message = f"{self.metric} {shown}{observed:.4g} {verb} {self.op} {self.threshold:g}"
        return GateResult.from_gate(self, value, observed, passed, message)


class GateResult(BaseModel):
    """One gate in metrics.json. ``passed`` is true only when the gate's test ran and passed."""

    model_config = ConfigDict(frozen=True)

    name: str
    metric: str
    op: Op
    threshold: float
    gate_on: str
    value: float | None
    compared: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    passed: bool
    outcome: Outcome
    message: str

    @classmethod
    def from_gate(
        cls, gate: Gate, value: MetricValue | None, observed: float | None, passed: bool, message: str
    ):
        return cls(
            name=gate.name,
            metric=gate.metric,
            op=gate.op,
            threshold=gate.threshold,
            gate_on=gate.gate_on,
            value=value.value if value else None,
            compared=observed,
            ci_low=value.ci_low if value else None,
            ci_high=value.ci_high if value else None,
            passed=passed,
            outcome="passed" if passed else "failed",
            message=message,
        )

    @classmethod
    def not_passed(cls, gate: Gate, outcome: Outcome, message: str) -> GateResult:
        return cls(
            name=gate.name,
            metric=gate.metric,
            op=gate.op,
            threshold=gate.threshold,
            gate_on=gate.gate_on,
            value=None,
            compared=None,
            passed=False,
            outcome=outcome,
            message=message,
        )


def gates_from_thresholds(thresholds: Mapping[str, float], gate_mode) -> list[Gate]:
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
            Gate(
                "safety_regressions_max",
                "safety_regressions",
                "<=",
                float(drift.safety_regressions_max),
                "point",
            )
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


def decide(results: Iterable[GateResult], limited: bool) -> tuple[Literal["SHIP", "NO-SHIP"], list[str]]:
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
