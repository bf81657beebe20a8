"""The `securecli-eval` command: one subcommand per module, imported only when used.

Each subcommand module exposes ``register(subparsers)`` that adds its parser and sets
``func`` (a callable taking the parsed ``argparse.Namespace`` and returning an exit code).
Errors of the package (``SecureCliError``) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from securecli_eval.errors import SecureCliError

# subcommand name -> module that registers it (imported lazily so `--help` stays fast)
SUBCOMMANDS: dict[str, str] = {
    "init": "securecli_eval.scaffold",
    "demo": "securecli_eval.demo",
    "report": "securecli_eval.report.cli",
    "risk": "securecli_eval.judge.risk_cli",
    "equiv": "securecli_eval.sandbox.cli",
    "trace": "securecli_eval.sandbox.behaviour_cli",
    "data": "securecli_eval.corpus.cli",
    "publish": "securecli_eval.release.cli",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="securecli-eval",
        description="Release gates for natural-language-to-bash LoRA adapters; the gates themselves run as "
        "`pytest regression/ --adapter PATH` (`securecli-eval init` writes regression/ into a project), or "
        "`pytest --pyargs securecli_eval.regression --adapter PATH` from any directory.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in SUBCOMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=f"(run `securecli-eval {name} --help`)")
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name):
                continue  # subcommand not part of this build
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=first if first in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SecureCliError as error:
        print(f"securecli-eval {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"securecli-eval {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
