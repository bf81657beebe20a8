"""Validating a training config with Axolotl's own schema, plus the unknown-key check it lacks.

Axolotl's pydantic model ignores unknown keys, so a typo such as ``micro_batchsize`` silently
trains with the default. The wrapper compares every top-level key with the schema's field
names and suggests the closest one. Axolotl is an optional extra; without it the answer is
one line naming the install command.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import io
import logging
import os
import warnings
from collections.abc import Iterator
from typing import Any

INSTALL_HINT = "pip install -e .[train]"


class AxolotlMissing(Exception):
    """Axolotl cannot be imported in this environment."""


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Axolotl's import chain prints warnings about optional CUDA kernels; they are noise before training."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def axolotl_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("axolotl")
    except PackageNotFoundError:
        return None


def _schema_module() -> Any:
    if axolotl_version() is None:
        raise AxolotlMissing(f"axolotl is not installed; install the training extra: {INSTALL_HINT}")
    try:
        with _quiet():
            from axolotl.utils import config as axolotl_config
    except Exception as error:  # a broken install raises anything from ImportError to CUDA errors
        raise AxolotlMissing(
            f"axolotl is installed but cannot be imported ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}); reinstall it: {INSTALL_HINT}"
        ) from None
    return axolotl_config


def known_keys() -> set[str]:
    """Every top-level key (field names and aliases) of Axolotl's config schema."""
    _schema_module()
    from axolotl.utils.schemas.config import AxolotlConfigWCapabilities

    names: set[str] = set()
    for name, info in AxolotlConfigWCapabilities.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
        if isinstance(info.validation_alias, str):
            names.add(info.validation_alias)
    return names


def unknown_keys(config: dict[str, Any], known: set[str]) -> list[tuple[str, str | None]]:
    """(key, closest known key or None) for every top-level key the schema does not define."""
    return [
        (key, next(iter(difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)), None))
        for key in config
        if key not in known
    ]


def validate(config: dict[str, Any], capabilities: tuple[dict, dict] | None = None) -> list[str]:
    """One line per problem Axolotl's schema finds (empty when valid). Never touches the network."""
    axolotl_config = _schema_module()
    from axolotl.utils.dict import DictDefault
    from pydantic import ValidationError

    saved = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"  # a validator peeks at the base model's config; never download here
    try:
        with _quiet():
            kwargs = (
                {"capabilities": capabilities[0], "env_capabilities": capabilities[1]} if capabilities else {}
            )
            axolotl_config.validate_config(DictDefault(copy.deepcopy(config)), **kwargs)
    except ValidationError as error:
        return [_describe(e) for e in error.errors()]
    except (ValueError, TypeError, KeyError) as error:
        return [str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__]
    finally:
        if saved is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved
    return []


def _describe(error: dict[str, Any]) -> str:
    key = ".".join(str(part) for part in error.get("loc", ()) if part != "function-after") or "(config)"
    message = str(error.get("msg", "")).removeprefix("Value error, ").splitlines()[0]
    if error.get("type") == "missing":
        return f"missing required key '{key}'"
    if "input" in error and not isinstance(error["input"], dict):
        return f"'{key}': {message} (got {error['input']!r})"
    return f"'{key}': {message}" if key != "(config)" else message


def gpu_capabilities() -> tuple[dict, dict] | None:
    """Axolotl's capability probe when a GPU is visible (it checks bf16/fp8 support against it), else None."""
    import torch

    if not torch.cuda.is_available():
        return None
    _schema_module()
    from axolotl.cli.config import gpu_capabilities as probe

    return probe()
