"""The package's imports point one way: cli → inbox → store → bundle → (config, errors).

Read from the source with ``ast`` (nothing is imported), every import counts: at module level,
inside functions (a lazy import is still a dependency) and under ``TYPE_CHECKING``. The root
``cvbridge/__init__.py`` and ``__main__.py`` are the package's face, above every layer; no
module inside may import them back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import cvbridge

PACKAGE_ROOT = Path(cvbridge.__file__).parent

# Higher imports lower, never the reverse. ``_config``, ``_errors``, ``_i18n``: one shared base.
LAYERS = {"cli": 4, "inbox": 3, "store": 2, "bundle": 1, "base": 0}
BASE = {"_config", "_errors", "_i18n"}
FACE = {"cvbridge", "cvbridge.__main__"}


def read_sources(root: Path) -> dict[str, str]:
    """Module name → source, for every .py file under ``root`` (a package named cvbridge)."""
    sources = {}
    for path in sorted(root.rglob("*.py")):
        parts = ("cvbridge", *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return sources


def _imports(module: str, tree: ast.AST, is_package: bool) -> Iterator[tuple[str, list[str]]]:
    """(module named, names taken from it) for every import statement."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            yield base, [alias.name for alias in node.names]


def import_graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """Module → the modules of the package it imports. ``from cvbridge.cli import _bundles``
    depends on the module ``_bundles``; ``from cvbridge.store import Store`` on the package."""
    graph: dict[str, set[str]] = {}
    for module, source in sources.items():
        is_package = any(other.startswith(module + ".") for other in sources)
        targets = set()
        for base, names in _imports(module, ast.parse(source), is_package):
            submodules = {f"{base}.{name}" for name in names} & sources.keys()
            if len(submodules) < len(names) or not names:
                targets.add(base)
            targets |= submodules
        graph[module] = {target for target in targets if target in sources and target != module}
    return graph


def layer_of(module: str) -> tuple[str, int] | None:
    """The layer's name and rank, or None for the package's face."""
    if module in FACE:
        return None
    top = module.split(".")[1]
    name = "base" if top in BASE else top
    return name, LAYERS[name]


def direction_violations(graph: Mapping[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        source = layer_of(module)
        if source is None:
            continue
        for target in sorted(targets):
            destination = layer_of(target)
            if destination is None:
                problems.append(f"{module} imports the package's face {target}")
            elif destination[1] > source[1]:
                problems.append(f"{module} ({source[0]}) imports {target} ({destination[0]}), "
                                "against cli → inbox → store → bundle → (config, errors)")
    return problems


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_layer_imports_only_below_it() -> None:
    assert direction_violations(import_graph(read_sources(PACKAGE_ROOT))) == []


def test_no_import_cycle_anywhere_cli_included() -> None:
    assert cycles(import_graph(read_sources(PACKAGE_ROOT))) == []


def test_every_module_belongs_to_a_layer() -> None:
    for module in read_sources(PACKAGE_ROOT):
        assert module in FACE or module.split(".")[1] in LAYERS.keys() | BASE, module


def test_a_bundle_module_importing_the_store_is_caught() -> None:
    sources = read_sources(PACKAGE_ROOT)
    sources["cvbridge.bundle._reader"] += "\nfrom cvbridge.store import Store\n"
    assert direction_violations(import_graph(sources)) == [
        "cvbridge.bundle._reader (bundle) imports cvbridge.store (store), "
        "against cli → inbox → store → bundle → (config, errors)",
    ]


def test_a_lazy_import_upwards_counts_too() -> None:
    sources = read_sources(PACKAGE_ROOT)
    sources["cvbridge.store._search"] += (
        "\ndef later():\n    from cvbridge.inbox._poller import Poller\n    return Poller\n")
    assert direction_violations(import_graph(sources)) == [
        "cvbridge.store._search (store) imports cvbridge.inbox._poller (inbox), "
        "against cli → inbox → store → bundle → (config, errors)",
    ]


def test_a_cycle_inside_cli_is_caught() -> None:
    sources = read_sources(PACKAGE_ROOT)
    sources["cvbridge.cli._output"] += "\nfrom cvbridge.cli import _rules\n"  # _rules uses it
    assert cycles(import_graph(sources)) == [["cvbridge.cli._output", "cvbridge.cli._rules"]]


def test_importing_the_face_from_inside_is_caught() -> None:
    sources = read_sources(PACKAGE_ROOT)
    sources["cvbridge.inbox._settle"] += "\nfrom cvbridge import Report\n"
    assert direction_violations(import_graph(sources)) == [
        "cvbridge.inbox._settle imports the package's face cvbridge"]
