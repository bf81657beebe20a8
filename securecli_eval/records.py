"""The frozen shapes that cross stage boundaries, up to metrics.json itself.

A run flows one way: ``Example`` -> output -> ``ExampleResult`` -> ``MetricValue`` ->
``GateResult`` -> ``MetricsReport`` (metrics.json). Every stage takes and returns these
records and nothing else, so each stage can be tested alone on hand-made records, and every
reader of the evidence (report, drift, release, tracking) agrees on one definition of it.
metrics.json is a public interface: bump ``SCHEMA_VERSION`` on any change of meaning and add
fields only with defaults (docs/metrics.md, docs/metrics.schema.json).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"

MetricKind = Literal["rate", "count", "score", "delta"]
Op = Literal[">=", "<="]
GateOutcome = Literal["passed", "failed", "skipped", "error", "not run"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Record(BaseModel):
    """A section of metrics.json: unknown keys are errors, so a typo never reads as a missing value."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- examples


class Example(_Frozen):
    """One prompt to evaluate. Adversarial examples have no reference command.

    ``references`` lists every accepted command when there are several (``reference`` first);
    the functional judge accepts a prediction equivalent to any of them.
    """

    id: str
    dataset: str
    kind: str
    instruction: str
    reference: str | None = None
    category: str | None = None
    mitre: str | None = None
    files: dict[str, str] | None = None
    setup: str | None = None
    executable: bool | None = None
    source: str | None = None  # the corpus it came from (nl2bash, tldr), for the report's breakdowns
    utility: str | None = None  # the reference's main utility (find, tar, ...)
    references: tuple[str, ...] = ()


class ExampleResult(_Frozen):
    """One judged example: a line of examples.jsonl.

    ``outcomes`` maps a metric's outcome key to True/False, or None when it could not be decided.
    """

    id: str
    dataset: str
    kind: str
    category: str | None = None
    mitre: str | None = None
    instruction: str
    reference: str | None
    output: str
    command: str
    outcomes: dict[str, bool | None]
    details: dict[str, Any] = {}
    source: str | None = None
    utility: str | None = None

    @classmethod
    def of(
        cls,
        example: Example,
        output: str,
        command: str,
        outcomes: dict[str, bool | None],
        details: dict[str, Any],
    ) -> ExampleResult:
        """The judged record of ``example``: its identity and texts, with the judge's outcomes."""
        return cls(
            id=example.id,
            dataset=example.dataset,
            kind=example.kind,
            category=example.category,
            mitre=example.mitre,
            instruction=example.instruction,
            reference=example.reference,
            output=output,
            command=command,
            outcomes=outcomes,
            details=details,
            source=example.source,
            utility=example.utility,
        )


# ---------------------------------------------------------------- metrics and gates


class MetricValue(_Frozen):
    """One metric in metrics.json; rates carry their counts and a 95% interval.

    ``description``, ``outcome`` and ``good_when`` come from the metric catalogue: what the
    metric means and how it reads examples.jsonl (which outcome key, and which value of it is
    good), so a report is rendered from the evidence alone, without today's catalogue.
    """

    name: str
    kind: MetricKind
    value: float | None
    n: int | None = None
    successes: int | None = None
    undecided: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    interval: str | None = None
    higher_is_better: bool = True
    note: str | None = None
    description: str | None = Field(None, description="what the metric measures")
    outcome: str | None = Field(None, description="the examples.jsonl outcome key this metric counts")
    good_when: bool | None = Field(None, description="the value of that outcome that is good for a release")
    breakdown: dict[str, int] | None = Field(
        None,
        description="the examples this rate counts, by reason (functional_undecided: why undecided)",
    )
    by_category: dict[str, MetricValue] | None = Field(
        None, description="the same metric per example category (adversarial refusal rate)"
    )

    def fails(self, outcome: bool | None) -> bool:
        """True when one example's outcome counts against this metric (undecided never does)."""
        return self.outcome is not None and outcome is not None and outcome is not self.good_when


class GateResult(_Frozen):
    """One gate in metrics.json. ``passed`` is true only when the gate's test ran and passed."""

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
    outcome: GateOutcome
    message: str


# ---------------------------------------------------------------- comparisons


class PairedMetric(_Record):
    """One metric for base and adapter on the same examples."""

    metric: str
    higher_is_better: bool
    base: float | None = Field(description="the base model's value")
    adapter: float | None = Field(description="the adapter's value")
    delta: float | None = Field(description="adapter minus base")
    improvement: float | None = Field(description="delta signed so that positive is better")
    ci_low: float | None = Field(None, description="95% paired-bootstrap interval of the improvement")
    ci_high: float | None = None
    pairs: int = Field(description="examples decided for both base and adapter")
    adapter_only: int | None = Field(None, description="pairs where only the adapter's outcome is true")
    base_only: int | None = Field(None, description="pairs where only the base's outcome is true")
    mcnemar_p: float | None = Field(None, description="two-sided exact McNemar p-value")
    broken: int = Field(0, description="examples good for the base and bad for the adapter")
    fixed: int = Field(0, description="examples bad for the base and good for the adapter")
    broken_ids: list[str] = Field(default_factory=list, description="the first broken examples' ids")


class BaselineReport(_Record):
    """The ``baseline`` section of metrics.json."""

    enabled: bool
    reason: str | None = Field(None, description="why there is no comparison (disabled, failed)")
    metrics: dict[str, PairedMetric] = {}
    base_metrics: dict[str, MetricValue] = Field(default_factory=dict, description="the base model's metrics")


class DriftMetric(_Record):
    """One metric of the previous release against this run."""

    metric: str
    previous: float | None
    current: float | None
    drop: float | None = Field(description="how much worse this run is (negative: better)")
    ci_low: float | None = Field(
        None, description="95% interval of the drop (Newcombe, from Wilson intervals)"
    )
    ci_high: float | None = None


class DriftReport(_Record):
    """The ``drift`` section of metrics.json."""

    previous_path: str
    previous_adapter_sha256: str | None
    previous_verdict: str | None
    metrics: dict[str, DriftMetric] = {}
    categories: dict[str, DriftMetric] = {}
    safety_regressions: list[str] | None = Field(
        None, description="ids failing safety now that passed before (null: no previous examples.jsonl)"
    )
    newly_failing: dict[str, list[str]] = Field(
        default_factory=dict, description="per metric: ids good in the previous release and bad now (first N)"
    )
    newly_failing_counts: dict[str, int] = {}
    notes: list[str] = Field(default_factory=list, description="why the two runs may not be comparable")


class TaskScore(_Record):
    """One lm-eval task for base and adapter."""

    task: str
    metric: str
    samples: int | None = Field(None, description="documents evaluated (after the limit)")
    base: float
    base_stderr: float | None
    adapter: float
    adapter_stderr: float | None
    drop: float = Field(description="base minus adapter (positive: the adapter lost capability)")
    ci_low: float | None = Field(None, description="drop -/+ 1.96 x the combined standard error")
    ci_high: float | None = None


class GeneralReport(_Record):
    """The ``general`` section of metrics.json."""

    available: bool
    reason: str | None = Field(None, description="why there is no score (lm-eval missing, disabled)")
    lm_eval_version: str | None = None
    tasks: dict[str, TaskScore] = {}
    limit: int | None = None


# ---------------------------------------------------------------- metrics.json


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdapterRecord(_Document):
    path: str = Field(description="the --adapter folder as resolved")
    sha256: str = Field(description="sha256 over the adapter's files (sorted names and contents)")
    base_model_name_or_path: str | None = Field(None, description="as recorded in adapter_config.json")
    peft_type: str | None = None
    rank: int | None = None
    target_modules: list[str] | str | None = None


class BaseModelRecord(_Document):
    name: str = Field(description="--base-model, or the adapter's base_model_name_or_path")
    fingerprint: str = Field(description="sha256 over config, tokenizer and weight files' size and ends")


class ServedModelRecord(_Document):
    name: str = Field(description="the model's name on the server (the request's model field)")
    reported: dict[str, Any] | None = Field(
        None, description="its GET /v1/models entry (id, root, parent, ...); null: not listed"
    )


class BackendRecord(_Document):
    """Who generated the outputs: transformers in-process, or a model on an OpenAI-compatible server."""

    name: Literal["hf", "openai"] = "hf"
    endpoint: str | None = Field(None, description="the server's API root, without credentials")
    served_model: ServedModelRecord | None = Field(None, description="the adapter's model on the server")
    served_base: ServedModelRecord | None = Field(None, description="the base model there (baseline)")
    identity_check: Literal["passed", "unverified", "not applicable"] = Field(
        "not applicable",
        description="passed: the server reported this adapter's path on this base; unverified: it "
        "reported too little to tell (publish refuses); not applicable: in-process generation",
    )
    identity_detail: str | None = Field(None, description="what the check found, in one line")


ConfigSource = Literal["given", "project", "packaged"]


class ConfigRecord(_Document):
    path: str
    sha256: str = Field(description="sha256 of the eval config file's bytes")
    source: ConfigSource = Field(
        "given",
        description="how it was chosen: given (--eval-config), project (config/eval_config.yaml found), "
        "packaged (securecli-eval's default, no project config)",
    )


class DatasetRecord(_Document):
    name: str
    kind: str
    path: str
    examples: int


class RunRecord(_Document):
    """The volatile part: differs between two otherwise identical runs."""

    started_at: str
    finished_at: str
    duration_s: float
    timings: dict[str, float] = {}
    generated_now: int = Field(
        0, description="outputs generated in this run (0 when all came from the cache)"
    )
    generated_base_now: int = Field(0, description="base-model outputs generated in this run (baseline)")
    results_dir: str
    command: str | None = Field(None, description="the command line of the run (tokens redacted)")


class InputFile(_Document):
    """One file the run read to reach its verdict, with the sha256 of the bytes it read."""

    role: Literal["eval_config", "dataset", "previous_metrics", "previous_examples"]
    name: str = Field(description="the dataset's name, or the role for other inputs")
    path: str = Field(description="as resolved by the run (relative paths: to the directory it ran in)")
    sha256: str
    packaged: bool = Field(False, description="a file shipped inside securecli-eval (package:NAME)")


class EvidenceRecord(_Document):
    """The evidence manifest: what a publish verifies before it believes the verdict."""

    run_id: str = Field(description="this run's id; every artifact of the run carries it")
    artifacts: dict[str, str] = Field(
        default_factory=dict,
        description="file name in the results folder -> sha256: examples.jsonl, base_examples.jsonl, "
        "report.md, report.html (those the run wrote)",
    )
    inputs: list[InputFile] = Field(
        default_factory=list, description="every file read: eval config, datasets, the previous release"
    )


class MetricsReport(_Document):
    """The whole of results/metrics.json."""

    schema_version: str = SCHEMA_VERSION
    tool: dict[str, str]
    verdict: Literal["SHIP", "NO-SHIP"]
    verdict_reasons: list[str] = Field(description="why the verdict is NO-SHIP (empty for SHIP)")
    limited: bool = Field(description="true when --limit restricted the examples; such a run never ships")
    limit: int | None = None
    adapter: AdapterRecord
    base_model: BaseModelRecord
    eval_config: ConfigRecord
    generation: dict[str, object]
    backend: BackendRecord = Field(default_factory=BackendRecord)
    device: str
    datasets: list[DatasetRecord]
    packages: dict[str, str]
    git: dict[str, object] = {}
    sandbox: dict[str, object] = {}
    behaviour: dict[str, object] = Field(
        default_factory=dict,
        description="behavioural risk: enabled, available, reason (static only when not), verdicts by kind",
    )
    gates: list[GateResult]
    metrics: dict[str, MetricValue]
    adversarial_categories: dict[str, MetricValue] = {}
    baseline: BaselineReport | None = Field(None, description="the paired comparison with the base model")
    drift: DriftReport | None = Field(None, description="the comparison with --compare-to (null without it)")
    general: GeneralReport | None = Field(
        None, description="lm-eval general capability (null when no general gate is configured)"
    )
    worst_examples: int = Field(5, description="failing examples listed per gate in report.md")
    run: RunRecord
    evidence: EvidenceRecord | None = Field(
        None, description="the run id and the sha256 of every artifact and input (null before schema 1.1)"
    )
