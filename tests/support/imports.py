"""Reading the imports of ``bot/`` statically, to check its layers and find import cycles.

Every import in a module counts, wherever it is: at the top, inside a function (a lazy import
is still a dependency) or under ``if TYPE_CHECKING:`` (a type that needs a module above is a
piece on the wrong floor, and a cycle through type hints is still a cycle).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

Imports = dict[str, set[str]]
"""Each module of the package -> the package's modules it imports."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports(root: Path) -> Imports:
    """The imports of every module under the package directory ``root`` (``.../bot``)."""
    modules = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    package = root.name
    found: Imports = {}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in modules else base)
        found[name] = {
            target
            for target in targets
            if target.split(".")[0] == package and target in modules and target != name
        }
    return found


def readme_layers(readme: str) -> list[list[str]]:
    """The layer order written in the README, top first: one line per layer of the fenced
    block between ``<!-- layers:start -->`` and ``<!-- layers:end -->``, each a list of paths
    (``bot/runtime/``, ``bot/texts.py``) turned into module names."""
    block = re.search(
        r"<!-- layers:start -->\n```text\n(.*?)```\n<!-- layers:end -->", readme, re.S
    )
    if block is None:
        raise ValueError("the README has no layers:start/layers:end block")
    return [
        [path.rstrip("/").removesuffix(".py").replace("/", ".") for path in line.split()]
        for line in block.group(1).splitlines()
        if line.strip()
    ]


def layer_of(module: str, layers: Sequence[Sequence[str]]) -> int | None:
    """The index of the layer ``module`` belongs to (0 is the top), None if in none."""
    for index, layer in enumerate(layers):
        if any(module == unit or module.startswith(unit + ".") for unit in layer):
            return index
    return None


def upward_imports(imports: Mapping[str, set[str]], layers: Sequence[Sequence[str]]) -> list[str]:
    """Every import of a module in a higher layer, as "importer -> imported"."""
    found = []
    for importer, targets in sorted(imports.items()):
        low = layer_of(importer, layers)
        for target in sorted(targets):
            high = layer_of(target, layers)
            if low is not None and high is not None and high < low:
                found.append(f"{importer} -> {target}")
    return found


def cycles(imports: Mapping[str, set[str]]) -> list[list[str]]:
    """The import cycles among the modules: strongly connected groups of more than one
    module, or a module importing itself (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(imports.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in imports.get(module, ()):
                found.append(sorted(group))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found
