"""The import graph of the package reads as the pipeline: no cycles, no arrow back up a stage.

Measured with the standard library's ``ast`` over every module (imports inside functions and
``TYPE_CHECKING`` blocks count too: a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from .conftest import PROJECT

PACKAGE = PROJECT / "securecli_eval"

# Rooms from the bottom of the pipeline to the top; a module may import only its own room and those
# below it. Rooms on one line are side rooms of the same height that never import each other.
LAYERS: list[set[str]] = [
    {"resources"},  # packaged data files (and lm-eval's task loaders)
    {"errors"},
    {"records", "jsonl", "lineage"},
    {"catalog", "templating"},
    {"inputs", "shell"},
    {"sandbox", "generate", "corpus", "testing"},
    {"judge", "measure"},
    {"run"},
    {"gates"},
    {"report"},
    {"release", "training"},
    {"plugin", "demo", "cli", "scaffold"},
    {"__main__"},  # `python -m securecli_eval`: the command line
    {"regression"},  # the shipped gate tests: pytest modules over the plugin's fixtures
]


def room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    relative = path.relative_to(PROJECT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every securecli_eval module ``path`` imports (absolute names; a package import names the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("securecli_eval"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("securecli_eval"))
    return found


@functools.cache
def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        # "from securecli_eval.x import y": y is a module when securecli_eval.x.y exists, else a name in x
        edges[name] = {target for target in imports_of(path) if target in modules and target != name}
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycles():
    # a package's __init__ importing its own modules is fine; a cycle between modules is not
    edges = {name: {t for t in targets if not name.startswith(t + ".")} for name, targets in graph().items()}
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_every_room_has_a_layer():
    rooms = {room_of(name) for name in graph()} - {"__init__"}
    placed = set().union(*LAYERS)
    assert rooms <= placed, (
        f"rooms without a layer in this test (add them to LAYERS): {sorted(rooms - placed)}"
    )


@pytest.mark.parametrize("source", sorted(n for n in graph() if room_of(n) != "__init__"))
def test_no_arrow_back_up_the_pipeline(source):
    height = {room: index for index, layer in enumerate(LAYERS) for room in layer}
    here = room_of(source)
    upward = [
        target
        for target in graph()[source]
        if room_of(target) != here
        and room_of(target) != "__init__"
        and height[room_of(target)] >= height[here]
    ]
    assert not upward, f"{source} imports a room at its own height or above: {upward}"


def test_resources_import_nothing_of_the_package():
    resources = [n for n in graph() if room_of(n) == "resources"]
    assert resources and all(not graph()[n] for n in resources)
