"""The records of what runs: simple commands, their redirections, and a parsed script.

Shared by the walker that produces them (``parse.py``) and everything that reads them (the flow tags
in ``flows.py``, the checks), so none of those has to import the walker.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Redirect:
    """One redirection: ``op`` as written, without the descriptor (``>``, ``>>``, ``<``, ``>&``, ``&>``)."""

    op: str
    target: str
    fd: str | None = None

    @property
    def writes(self) -> bool:
        return ">" in self.op and not (
            self.op in (">&", "<&") and (self.target.isdigit() or self.target == "-")
        )

    @property
    def reads(self) -> bool:
        return "<" in self.op and not (
            self.op in ("<&", ">&") and (self.target.isdigit() or self.target == "-")
        )


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    """One command bash would run, after expansion and wrapper unwrapping.

    ``program`` is the basename of the resolved name (``/bin/rm`` -> ``rm``); it is empty when the
    name is only known at run time. ``stdin_from`` and ``args_from``/``name_from`` are indices into
    the same command list: the previous pipeline stage, and the commands of substitutions in the
    arguments or in the name. ``inputs`` tags what the command consumes (``download:curl``,
    ``secret:~/.ssh/id_rsa`` ...: see ``textflow.Flow``) from stdin and from substitutions;
    ``stdin_text`` is its stdin when known; ``cwd`` the working directory when known; ``endless`` that
    it runs over and over, in a loop whose condition never fails.
    """

    program: str
    args: tuple[str, ...] = ()
    path: str = ""
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[str, ...] = ()
    stdin_from: tuple[int, ...] = ()
    args_from: tuple[int, ...] = ()
    name_from: tuple[int, ...] = ()
    stdin_text: str | None = None
    function: str | None = None
    background: bool = False
    in_pipeline: bool = False
    inputs: frozenset[str] = frozenset()
    cwd: str | None = None
    endless: bool = False  # inside a loop that never ends (`while true`, `for ((;;))`)

    @property
    def argv(self) -> tuple[str, ...]:
        return (self.program, *self.args)


@dataclass(frozen=True, slots=True)
class ParsedScript:
    """All simple commands of a script in execution order, syntax errors, and a limit if one was hit."""

    commands: tuple[SimpleCommand, ...]
    has_error: bool
    functions: frozenset[str] = frozenset()
    assignments: tuple[tuple[str, str], ...] = ()  # NAME=value statements (HISTFILE=/dev/null)
    limit: str | None = None  # why the analysis stopped (nesting, depth, work, time, size)
    errors: tuple[str, ...] = ()
