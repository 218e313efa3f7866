"""The package's shape: stage folders, no import circles, short modules and functions."""

from __future__ import annotations

import ast

from shape import PACKAGE_DIR, circles, function_lengths, graph, module_lengths, modules

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
TOP_LEVEL = {
    "__init__", "__main__", "cli", "config", "models", "urls", "discover", "scope", "pipeline",
    "fix", "progress", "arguments",
}
STAGES = {"extract", "check", "http", "history", "rules", "report"}


def test_no_import_circles() -> None:
    edges = graph()
    assert "linkcheck.extract.cache" in edges["linkcheck.pipeline"]  # the graph sees imports
    assert "linkcheck.check.remote.checker" in edges["linkcheck.pipeline"]  # in functions too
    assert circles(edges) == []


def test_the_circle_finder_finds_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c"]]


def test_modules_and_functions_fit_on_a_screen() -> None:
    assert [m for m in module_lengths() if m[0] > MAX_MODULE_LINES] == []
    assert [f for f in function_lengths() if f[0] > MAX_FUNCTION_LINES] == []


def test_every_top_level_module_is_a_stage_folder_or_a_small_shared_one() -> None:
    children = {p.stem for p in PACKAGE_DIR.iterdir() if p.suffix == ".py"}
    folders = {p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()}
    assert children == TOP_LEVEL
    assert folders == STAGES


def test_only_the_http_package_imports_httpcore() -> None:
    importers = set()
    for name, module in modules().items():
        for node in ast.walk(module.tree):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            if any(n.split(".")[0] == "httpcore" for n in names):
                importers.add(name)
    assert importers and all(name.startswith("linkcheck.http.") for name in importers)


def test_reporters_never_import_the_pipeline_or_the_cli() -> None:
    edges = graph()
    for name, targets in edges.items():
        if name.startswith("linkcheck.report"):
            assert not targets & {"linkcheck.pipeline", "linkcheck.cli"}, name
