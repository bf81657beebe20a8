"""`securecli-eval init [DIR]`: set up a project to gate its adapters with the installed securecli-eval.

It writes three things a project owns from then on: ``regression/`` (thin loaders of the
gates shipped in ``securecli_eval.regression``, beside which the project adds its own gate
tests), ``config/eval_config.yaml`` (the packaged default thresholds and datasets, to
review and commit: publish accepts only a committed config) and a GitHub Actions workflow.
The loaders import the gates instead of copying them, so a newer securecli-eval brings
newer gates; this repository's own ``regression/`` is made of the same loaders.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from securecli_eval import __version__
from securecli_eval.errors import SecureCliError
from securecli_eval.inputs.config import PACKAGED_CONFIG, PROJECT_CONFIG

WORKFLOW = Path(".github/workflows/securecli-eval.yml")
WORKFLOW_TEMPLATE = Path(__file__).parent / "templates" / "github-workflow.yml"
GATES = Path(__file__).parent.parent / "regression"  # the shipped gate modules (read, not imported)


def gate_modules() -> list[str]:
    """Names of the shipped gate test modules (``test_domain``, ...)."""
    return sorted(path.stem for path in GATES.glob("test_*.py"))


def loader_text(module: str) -> str:
    """A project's ``regression/<module>.py``: the shipped gates of ``module``, imported for pytest."""
    return (
        f'"""The release gates of securecli-eval in securecli_eval/regression/{module}.py, loaded here.\n'
        "\n"
        "`pytest regression/ --adapter PATH` runs them with config/eval_config.yaml; a gate is a test\n"
        'that calls gate("<metric>"), so this project\'s own gates can live beside this file.\n'
        '"""\n'
        "\n"
        f"from securecli_eval.regression.{module} import *  # noqa: F403\n"
    )


def scaffold_files() -> dict[Path, str]:
    """Every file ``init`` writes, relative to the project folder."""
    files = {Path("regression") / f"{module}.py": loader_text(module) for module in gate_modules()}
    files[PROJECT_CONFIG] = PACKAGED_CONFIG.read_text(encoding="utf-8")
    workflow = WORKFLOW_TEMPLATE.read_text(encoding="utf-8")
    files[WORKFLOW] = workflow.replace("__SECURECLI_EVAL_VERSION__", __version__)
    return files


def init(folder: Path, force: bool = False) -> list[Path]:
    """Write the scaffold into ``folder``; refuses to overwrite a file unless ``force``."""
    files = {folder / relative: text for relative, text in scaffold_files().items()}
    existing = [str(path) for path in files if path.exists()]
    if existing and not force:
        raise SecureCliError(
            f"already there: {', '.join(existing)}; keep them, or pass --force to overwrite them"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "init",
        help="set up a project: regression/ gates, config/eval_config.yaml and a CI workflow",
        description="Write regression/ (loaders of the shipped gates), config/eval_config.yaml (the default "
        "thresholds, to review and commit) and a GitHub Actions workflow into DIR.",
    )
    parser.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR", help="default: .")
    parser.add_argument("--force", action="store_true", help="overwrite files that already exist")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in init(args.folder, args.force):
        print(f"wrote {path}")
    print(
        "next: review and commit config/eval_config.yaml, then run "
        "`pytest regression/ --adapter PATH` (exit 0 = SHIP, 1 = NO-SHIP)"
    )
    return 0
