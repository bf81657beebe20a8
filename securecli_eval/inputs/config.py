"""The eval config: one pydantic model, one place for every default.

``config/eval_config.yaml`` holds thresholds, datasets and generation settings. Unknown keys
and wrong types are errors that name the key and the file, so a typo can never silently
turn a gate off. Thresholds follow the seed project's convention: ``<metric>_min`` and
``<metric>_max`` keys under ``thresholds:``; their keys are checked against the metric
catalogue here and parsed into ``Gate`` objects by ``gates.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from securecli_eval.catalog import METRICS, parse_threshold_key
from securecli_eval.errors import ConfigError
from securecli_eval.inputs.prompts import SYSTEM_PROMPT

GateOn = Literal["point", "lower", "upper"]
PACKAGE_PREFIX = "package:"
PACKAGE_DATA = Path(__file__).parent.parent / "resources" / "data"
# the project's config, looked up in the directory a run starts in; else the packaged default
PROJECT_CONFIG = Path("config/eval_config.yaml")
PACKAGED_CONFIG = Path(__file__).parent.parent / "resources" / "eval_config.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GenerationSettings(_Strict):
    """How outputs are generated; the fields that change an output are part of the cache key."""

    backend: Literal["hf", "openai"] = "hf"  # in-process transformers, or an OpenAI-compatible server
    max_new_tokens: int = Field(128, ge=1, le=4096)
    batch_size: int = Field(16, ge=1, le=1024)  # in-process, on CPU and MPS
    cuda_batch_size: Annotated[int, Field(ge=1, le=4096)] | Literal["auto"] = (
        "auto"  # on CUDA; auto: as many as free GPU memory holds
    )
    cuda_static_cache: bool = False  # on CUDA: static KV cache + torch.compile (pays on long suites)
    system_prompt: str = SYSTEM_PROMPT
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    merge_adapter: bool = False
    max_prompt_tokens: int = Field(1024, ge=16)


class ServerSettings(_Strict):
    """The OpenAI-compatible server of ``generation.backend: openai`` (CLI options override these)."""

    endpoint: str | None = None  # e.g. http://localhost:8000/v1
    served_model: str | None = None  # the LoRA module's name on the server
    served_base: str | None = None  # the base model's name there (baseline); default: what the server reports
    api_key_env: str = Field("OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    concurrency: int = Field(128, ge=1, le=4096)  # requests in flight
    timeout_s: float = Field(300.0, gt=0)  # per request, queueing on the server included
    max_retries: int = Field(5, ge=0, le=20)  # on 429, 5xx, timeouts and dropped connections

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is not None and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname
        ):
            raise ValueError(
                "must be the http(s) URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1"
            )
        return value


class DatasetSpec(_Strict):
    """One JSONL dataset: where it is, what kind of gates read it, and which fields hold what."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: str
    kind: Literal["domain", "adversarial"] = "domain"
    instruction_field: str = "instruction"
    command_field: str = "command"
    id_field: str = "id"

    def resolve(self, config_dir: Path) -> Path:
        """``package:NAME`` ships with securecli-eval; other relative paths are relative to the config."""
        if self.path.startswith(PACKAGE_PREFIX):
            return PACKAGE_DATA / self.path[len(PACKAGE_PREFIX) :]
        path = Path(self.path).expanduser()
        return path if path.is_absolute() else (config_dir / path)


class SandboxSettings(_Strict):
    """Execution-based functional equivalence (used when the sandbox is available)."""

    enabled: bool = True
    workers: int | None = Field(None, ge=1)
    timeout_seconds: float = Field(5.0, gt=0, le=600)  # wall clock per command
    memory_mib: int = Field(512, ge=64, le=65536)  # per sandbox, where a delegated cgroup v2 allows it
    address_space_mib: int = Field(256, ge=64, le=65536)  # per process, the cap without a cgroup
    max_processes: int = Field(16, ge=4, le=4096)  # per sandbox


class SafetySettings(_Strict):
    """How the gates judge risk: the static classifier, and behaviour in the honeypot where it runs."""

    # also run each answer in the honeypot; the worse verdict counts (docs/behaviour.md)
    behaviour: bool = True


class BaselineSettings(_Strict):
    """The paired comparison with the base model (the same prompts without the adapter)."""

    enabled: bool = True  # --baseline / --no-baseline override it
    listed_examples: int = Field(20, ge=0, le=1000)  # examples the adapter broke, listed per metric
    bootstrap_resamples: int = Field(2000, ge=100, le=100_000)


class DriftSettings(_Strict):
    """Gates against the previous release's metrics.json (active only with --compare-to)."""

    max_drop: dict[str, float] = Field(default_factory=dict)  # metric -> largest allowed drop
    safety_regressions_max: int | None = Field(0, ge=0)  # zero tolerance by default
    category_drop_max: float | None = Field(0.0, ge=0)  # per adversarial category
    gate_on: GateOn = "point"
    listed_examples: int = Field(50, ge=0, le=10_000)

    @field_validator("max_drop")
    @classmethod
    def _drop_metrics(cls, value: dict[str, float]) -> dict[str, float]:
        for metric, drop in value.items():
            if f"{metric}_drop" not in METRICS:
                known = sorted(m.removesuffix("_drop") for m in METRICS if m.endswith("_drop"))
                raise ValueError(f"'{metric}' is not a per-example metric; known: {', '.join(known)}")
            if drop < 0:
                raise ValueError(f"max drop of '{metric}' must be >= 0")
        return value


class GeneralSettings(_Strict):
    """General capability through lm-eval (extra ``[general]``), adapter against the base model."""

    tasks: list[str] = Field(
        default_factory=lambda: ["securecli_tldr_which_command", "securecli_general_knowledge"], min_length=1
    )
    limit: int | None = Field(None, ge=1)  # examples per task; None: every example
    include_path: str | None = None  # extra folder of lm-eval task YAMLs (relative to the config)
    batch_size: int = Field(8, ge=1)
    num_fewshot: int | None = Field(None, ge=0)
    metric: str = "acc"  # the lm-eval metric compared, e.g. acc, acc_norm, exact_match


class EvalConfig(_Strict):
    """The whole eval config file."""

    generation: GenerationSettings = GenerationSettings()
    server: ServerSettings = ServerSettings()
    datasets: list[DatasetSpec] = Field(min_length=1)
    thresholds: dict[str, float] = Field(default_factory=dict)
    gate_on: GateOn | dict[str, GateOn] = "point"
    sandbox: SandboxSettings = SandboxSettings()
    safety: SafetySettings = SafetySettings()
    baseline: BaselineSettings = BaselineSettings()
    drift: DriftSettings = DriftSettings()
    general: GeneralSettings = GeneralSettings()
    cache_dir: str = ".cache/securecli-eval"
    worst_examples: int = Field(5, ge=0, le=100)
    seed: int = 0

    @field_validator("thresholds")
    @classmethod
    def _threshold_keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            metric, _ = parse_threshold_key(key)  # raises ValueError naming the key
            if METRICS[metric].source == "drift":
                raise ValueError(
                    f"'{key}' compares with a previous release: set it under drift: (max_drop, "
                    "safety_regressions_max, category_drop_max) instead of thresholds:"
                )
        return value

    @model_validator(mode="after")
    def _unique_dataset_names(self) -> EvalConfig:
        names = [d.name for d in self.datasets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"dataset names must be unique, repeated: {', '.join(duplicates)}")
        return self

    def gate_mode(self, metric: str) -> GateOn:
        if isinstance(self.gate_on, str):
            return self.gate_on
        return self.gate_on.get(metric, "point")


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def _describe(error: dict[str, Any]) -> str:
    key = _location(tuple(x for x in error["loc"] if x not in ("function-after",)))
    if error["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if error["type"] == "missing":
        return f"missing required key '{key}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"key '{key}': {message} (got {error.get('input')!r})"


def read_yaml_mapping(path: Path, what: str, hint: str) -> tuple[dict[str, Any], str]:
    """A YAML file's top-level mapping and the sha256 of its bytes; ConfigError (file:line) otherwise.

    ``what`` names the file in messages ("eval config"); ``hint`` says what to do when it is missing.
    """
    if not path.is_file():
        raise ConfigError(f"{path}: {what} not found; {hint}")
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: {problem}; fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of {what} keys at the top level")
    return data, hashlib.sha256(raw).hexdigest()


def choose_config(given: str | Path | None) -> tuple[Path, Literal["given", "project", "packaged"]]:
    """The eval config of a run: ``--eval-config``, else config/eval_config.yaml, else the packaged one."""
    if given is not None:
        return Path(given), "given"
    if PROJECT_CONFIG.is_file():
        return PROJECT_CONFIG, "project"
    return PACKAGED_CONFIG, "packaged"


def load_config(path: str | Path) -> tuple[EvalConfig, str]:
    """Read and validate the YAML config; return it with the sha256 of the file's bytes."""
    path = Path(path)
    data, sha256 = read_yaml_mapping(
        path, "eval config", "pass --eval-config FILE or create config/eval_config.yaml"
    )
    try:
        config = EvalConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(_describe(e) for e in error.errors())
        raise ConfigError(f"{path}: {problems}") from None
    return config, sha256
