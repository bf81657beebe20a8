"""W&B settings: whether they make sense together, and which run a training run became.

Axolotl turns every ``wandb_*`` config key into a ``WANDB_*`` environment variable and enables
W&B when ``wandb_project`` is set. The wrapper fixes the run id before launching (unless the
config sets ``wandb_run_id``) so provenance knows the run without asking the W&B server, and
reads the run's URL from W&B's own "View run at" line when the run is online.
"""

from __future__ import annotations

import netrc
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

MODES = ("online", "offline", "disabled", "shared")
RUN_URL = re.compile(r"https://[\w.-]*wandb\.\w+/[^\s'\"]+/runs/(?P<id>[\w-]+)")


@dataclass(frozen=True)
class WandbPlan:
    """How a run will be tracked: ``enabled`` is false when no project is set or the mode is disabled."""

    project: str | None
    entity: str | None
    mode: str
    run_id: str | None

    @property
    def enabled(self) -> bool:
        return bool(self.project) and self.mode != "disabled"


def plan(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> WandbPlan:
    """The effective W&B settings; config keys win over the environment, as in Axolotl."""
    env = os.environ if environ is None else environ
    project = config.get("wandb_project") or None
    mode = str(config.get("wandb_mode") or env.get("WANDB_MODE") or "online").lower()
    if env.get("WANDB_DISABLED", "").lower() in {"1", "true", "yes"}:
        mode = "disabled"
    run_id = config.get("wandb_run_id") or env.get("WANDB_RUN_ID") or None
    entity = config.get("wandb_entity") or env.get("WANDB_ENTITY") or None
    return WandbPlan(project, entity, mode, str(run_id) if run_id else None)


def with_run_id(settings: WandbPlan) -> WandbPlan:
    """Fix a fresh run id when the run will be tracked and none is set, so provenance can name the run."""
    if settings.enabled and not settings.run_id:
        return replace(settings, run_id=secrets.token_hex(6))
    return settings


def has_api_key(environ: Mapping[str, str] | None = None) -> bool:
    """An API key in the environment or in ~/.netrc (where `wandb login` stores it)."""
    env = os.environ if environ is None else environ
    if env.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators(env.get("WANDB_BASE_URL_HOST", "api.wandb.ai")) is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


def coherence(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """("ok" | "warn" | "fail", one-line explanation) for the config's W&B settings."""
    env = os.environ if environ is None else environ
    stray = sorted(k for k in config if k.startswith("wandb_") and k != "wandb_project" and config[k])
    mode_value = str(config.get("wandb_mode") or env.get("WANDB_MODE") or "online").lower()
    if mode_value not in MODES:
        return "fail", f"wandb_mode '{mode_value}' is not one of {', '.join(MODES)}"
    settings = plan(config, env)
    if not settings.project:
        if stray:
            return (
                "warn",
                f"{', '.join(stray)} set but no wandb_project, so W&B is off; set wandb_project to track",
            )
        return "ok", "W&B off (no wandb_project)"
    if settings.mode == "disabled":
        source = "wandb_mode" if config.get("wandb_mode") else "WANDB_MODE/WANDB_DISABLED"
        return (
            "warn",
            f"wandb_project '{settings.project}' is set but {source} disables W&B; the run is not tracked",
        )
    from importlib.util import find_spec

    if find_spec("wandb") is None:
        return "fail", "wandb_project is set but wandb is not installed; pip install -e .[track]"
    if settings.mode == "online" and not has_api_key(env):
        return "fail", (
            f"W&B is online (project '{settings.project}') but no API key is set; run `wandb login` or set "
            f"WANDB_API_KEY, or set WANDB_MODE=offline and `wandb sync` later"
        )
    note = (
        "; wandb_log_model uploads the adapter to W&B, outside the release gate"
        if config.get("wandb_log_model") not in (None, False, "false")
        else ""
    )
    return ("warn" if note else "ok"), f"W&B {settings.mode}, project '{settings.project}'{note}"


def run_url(output: Iterable[str]) -> str | None:
    """The last W&B run URL printed by the run (W&B prints "View run ... at: URL")."""
    found = None
    for line in output:
        for match in RUN_URL.finditer(line):
            found = match.group(0)
    return found


def offline_run_dir(run_id: str, roots: Iterable[Path]) -> Path | None:
    """The folder W&B wrote an offline run to (``wandb/offline-run-<time>-<id>``), for `wandb sync`."""
    for root in roots:
        for candidate in sorted(root.glob(f"wandb/offline-run-*-{run_id}")):
            return candidate.resolve()
    return None
