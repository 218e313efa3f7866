"""pyproject.toml declares what the code imports, with floors that CI really installs."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "linkcheck"
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[([a-z0-9,]+)\])?\s*(?:(==|>=)\s*([0-9.]+))?")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def name_of(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", REQUIREMENT.match(requirement)[1]).lower()


def floors(requirements: list[str]) -> dict[str, str]:
    """name -> the `>=` floor (or the `==` pin) of each requirement."""
    found = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        assert match and match[4], f"{requirement}: every dependency states its floor"
        found[name_of(requirement)] = match[4]
    return found


def same_version(a: str, b: str) -> bool:
    def parts(v: str) -> list[int]:
        numbers = [int(p) for p in v.split(".")]
        while numbers and numbers[-1] == 0:
            numbers.pop()
        return numbers

    return parts(a) == parts(b)


def imported_modules() -> set[str]:
    """Top-level names of the third-party modules src/linkcheck imports."""
    found = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"linkcheck", "__future__"}


def distributions_of(modules: set[str]) -> set[str]:
    mapping = importlib.metadata.packages_distributions()
    return {re.sub(r"[-_.]+", "-", mapping[m][0]).lower() for m in modules}


def test_every_floor_is_pinned_in_the_floors_constraints():
    meta = project()
    declared = floors(meta["dependencies"])
    declared |= floors([r for extra in meta["optional-dependencies"].values() for r in extra])
    lines = (ROOT / ".ci" / "floors.txt").read_text(encoding="utf-8").splitlines()
    pins = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    for name, floor in declared.items():
        assert name in pins and same_version(pins[name], floor), (name, floor, pins.get(name))
    assert set(pins) - set(declared) == {"anyio"}, "only the floor httpcore[asyncio] implies"


def test_ci_runs_the_tests_on_the_floors():
    local = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -c .ci/floors.txt -e '.[test]'" in local
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "pip install -c .ci/floors.txt -e '.[test]'" in ci
    assert 'python-version: "3.11"' in ci.split("  floors:", 1)[1].split("\n  lint:", 1)[0]


def test_runtime_dependencies_are_the_imported_ones():
    meta = project()
    runtime = {name_of(r) for r in meta["dependencies"]}
    assert distributions_of(imported_modules()) == runtime
    # httpx is a test dependency: the tests' fake transports (respx, httpx.MockTransport) are
    # plugged in by tests/httpx_pool.py; linkcheck itself drives httpcore
    assert "httpx" in {name_of(r) for r in meta["optional-dependencies"]["test"]}


def test_httpcore_declares_its_asyncio_extra():
    (httpcore,) = [r for r in project()["dependencies"] if name_of(r) == "httpcore"]
    assert REQUIREMENT.match(httpcore)[2] == "asyncio", "anyio runs httpcore's locks on asyncio"


def test_the_command_and_import_stay_linkcheck_under_a_free_name():
    meta = project()
    assert meta["name"] == "curriculum-linkcheck", "`linkcheck` on PyPI is another project"
    assert meta["scripts"] == {"linkcheck": "linkcheck.__main__:console"}
