"""The package's shape: its import graph (and the circles in it), module and function lengths.

Run as a script to print the figures: `python tests/shape.py [SRC_DIR]` (default: src/linkcheck).
test_architecture.py holds the package to its limits with the same functions.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "src" / "linkcheck"


@dataclass(frozen=True, slots=True)
class Module:
    name: str  # dotted, e.g. linkcheck.check.local
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def lines(self) -> int:
        return len(self.path.read_text(encoding="utf-8").splitlines())


def modules(root: Path = PACKAGE_DIR) -> dict[str, Module]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8")))
    return found


def imports(module: Module, known: dict[str, Module]) -> set[str]:
    """The package's modules that `module` imports anywhere (functions, TYPE_CHECKING too)."""
    wanted: set[str] = set()
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            wanted.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            wanted.add(base)
            wanted.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in wanted if name in known and name != module.name}


def graph(root: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports(module, known) for name, module in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
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
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def function_lengths(root: Path = PACKAGE_DIR) -> list[tuple[int, str]]:
    """(lines, "module:function") for every function and method, longest first."""
    found = []
    for module in modules(root).values():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                found.append((length, f"{module.path.relative_to(root.parent)}:{node.name}"))
    return sorted(found, reverse=True)


def module_lengths(root: Path = PACKAGE_DIR) -> list[tuple[int, str]]:
    found = [(m.lines, str(m.path.relative_to(root.parent))) for m in modules(root).values()]
    return sorted(found, reverse=True)


def main(argv: list[str]) -> None:
    root = Path(argv[0]).resolve() if argv else PACKAGE_DIR
    groups = circles(graph(root))
    lengths, functions = module_lengths(root), function_lengths(root)
    print(f"modules: {len(lengths)}")
    print(f"import circles: {len(groups)}")
    for group in groups:
        print("  " + " <-> ".join(group))
    print("longest modules: " + ", ".join(f"{path} {n}" for n, path in lengths[:3]))
    print("longest functions: " + ", ".join(f"{name} {n}" for n, name in functions[:3]))


if __name__ == "__main__":
    main(sys.argv[1:])
