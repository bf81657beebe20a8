"""metrics.json: a public, versioned interface (see docs/metrics.md and docs/metrics.schema.json).

Bump ``SCHEMA_VERSION`` on any change of meaning; add fields only with defaults. Everything
outside ``run`` is deterministic for the same adapter, config and data: ``run`` holds the
timestamps, durations and cache counts that legitimately differ between two runs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from securecli_eval.baseline import BaselineReport
from securecli_eval.drift import DriftReport
from securecli_eval.gates import GateResult
from securecli_eval.general import GeneralReport
from securecli_eval.metrics import MetricValue

SCHEMA_VERSION = "1.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdapterRecord(_Model):
    path: str = Field(description="the --adapter folder as resolved")
    sha256: str = Field(description="sha256 over the adapter's files (sorted names and contents)")
    base_model_name_or_path: str | None = Field(None, description="as recorded in adapter_config.json")
    peft_type: str | None = None
    rank: int | None = None
    target_modules: list[str] | str | None = None


class BaseModelRecord(_Model):
    name: str = Field(description="--base-model, or the adapter's base_model_name_or_path")
    fingerprint: str = Field(description="sha256 over config, tokenizer and weight files' size and ends")


class ConfigRecord(_Model):
    path: str
    sha256: str = Field(description="sha256 of the eval config file's bytes")


class DatasetRecord(_Model):
    name: str
    kind: str
    path: str
    examples: int


class RunRecord(_Model):
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


class MetricsReport(_Model):
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
    device: str
    datasets: list[DatasetRecord]
    packages: dict[str, str]
    git: dict[str, object] = {}
    sandbox: dict[str, object] = {}
    gates: list[GateResult]
    metrics: dict[str, MetricValue]
    adversarial_categories: dict[str, MetricValue] = {}
    baseline: BaselineReport | None = Field(None, description="the paired comparison with the base model")
    drift: DriftReport | None = Field(None, description="the comparison with --compare-to (null without it)")
    general: GeneralReport | None = Field(
        None, description="lm-eval general capability (null when no general gate is configured)"
    )
    run: RunRecord
