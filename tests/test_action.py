"""The composite action end to end, its steps run as a runner runs them.

Each `run:` step of action.yml runs with bash in order, with the env the runner would give it
(inputs' defaults, the outputs of earlier steps), a fresh `GITHUB_OUTPUT` file per step and a fresh
`RUNNER_TEMP`. setup-python is the runner's own and is stood in for by this test's Python. The
install step runs pip for real, into a new virtual environment, with pip's index switched off: the
dependencies come from this test environment (PYTHONPATH), so nothing is downloaded. The repository
is a fresh one with a page linking to the loopback web (and the one config line that lets a run
check loopback addresses).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from report_schema import schema_errors

ROOT = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def resolve(value: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context.get(m[1], ""), value)


def action_checkout(tmp_path: Path) -> Path:
    """The action's files as `uses:` checks them out: this repository's, minus ignored ones."""
    target = tmp_path / "action"
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(command, cwd=ROOT, capture_output=True, check=True,
                            timeout=30).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def offline_pip_env() -> dict[str, str]:
    """pip with no index: what it needs (setuptools, the dependencies) is already importable."""
    site = sysconfig.get_paths()["purelib"]
    # (PIP_NO_BUILD_ISOLATION=0 means --no-build-isolation: pip reads the variable inverted)
    return {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_NO_DEPS": "1",
            "PIP_NO_BUILD_ISOLATION": "0", "PYTHONPATH": site}


def stand_in_python(tmp_path: Path) -> Path:
    """setup-python's interpreter. Its virtual environments come without pip of their own
    (ensurepip costs seconds): pip, like the dependencies, comes from PYTHONPATH."""
    real = getattr(sys, "_base_executable", sys.executable)
    wrapper = tmp_path / "python"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1 $2" = "-m venv" ]; then shift 2; exec "{real}" -m venv --without-pip "$@"; fi\n'
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return wrapper


def run_action(repo: Path, tmp_path: Path, **inputs: str):
    """Every step of the action in order; returns the last step's process and all outputs."""
    doc = action()
    context = {f"inputs.{name}": spec.get("default", "") for name, spec in doc["inputs"].items()}
    context.update({f"inputs.{name}": value for name, value in inputs.items()})
    context["steps.python.outputs.python-path"] = str(stand_in_python(tmp_path))
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    base_env = {key: value for key, value in os.environ.items()
                if not key.startswith(("GITHUB_", "RUNNER_", "PIP_", "VIRTUAL_ENV"))}
    base_env |= {"RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(repo),
                 "GITHUB_ACTION_PATH": str(action_checkout(tmp_path)), **offline_pip_env()}
    result = None
    for number, step in enumerate(doc["runs"]["steps"]):
        if "run" not in step:
            continue
        output = tmp_path / f"github-output-{number}"
        output.write_text("", encoding="utf-8")
        env = {key: resolve(str(value), context) for key, value in step.get("env", {}).items()}
        script = tmp_path / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=repo, env={**base_env, **env, "GITHUB_OUTPUT": str(output)},
                                capture_output=True, text=True, timeout=120)
        for line in output.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            context[f"steps.{step['id']}.outputs.{key}"] = value
        if result.returncode != 0:
            break
    outputs = {name: resolve(spec["value"], context) for name, spec in doc["outputs"].items()}
    return result, outputs


class _Pages(BaseHTTPRequestHandler):
    """/ok answers 200, anything else 404; a TLS hello gets a 400 at once, as from a real
    server, so the https:// twins of the http:// links fail fast."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        found = self.path == "/ok"
        body = b"<title>Found</title>" if found else b"<title>Not Found</title>"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def fresh_repo(tmp_path: Path, web: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "index.md").write_text(
        f"# Resources\n\n- [A working page]({web}/ok)\n- [A page that is gone]({web}/gone)\n",
        encoding="utf-8",
    )
    # the one setting a test needs: its web is on loopback, which a real run skips
    (repo / "linkcheck.yml").write_text("paths: [docs/]\ncheck:\n  allow_private: true\n",
                                        encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, timeout=30)
    return repo


def test_a_fresh_repository_fails_on_a_404_with_the_defaults(fresh_repo, tmp_path):
    result, outputs = run_action(fresh_repo, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert outputs["exit-code"] == "1" and outputs["broken"] == "1" and outputs["ok"] == "1"
    assert re.fullmatch(r"\d+\.\d+\.\d+", outputs["version"])
    # the default format annotates the line of the dead link
    assert "::error file=docs/index.md,line=4" in result.stdout
    # the terminal listing names it too: file, line, column, status, URL
    assert re.search(r"^docs/index.md:4:3: broken http://127\.0\.0\.1:\d+/gone \(HTTP 404",
                     result.stdout, re.M)
    report = json.loads((fresh_repo / outputs["report-dir"] / "linkcheck.json").read_text("utf-8"))
    assert report["summary"]["statuses"]["broken"] == 1
    assert schema_errors(report) == []


def test_a_repository_without_config_is_checked_whole(tmp_path):
    repo = tmp_path / "repo"
    (repo / "guide").mkdir(parents=True)
    (repo / "README.md").write_text("# Project\n\nSee [the guide](guide/start.md).\n",
                                    encoding="utf-8")
    (repo / "guide" / "start.md").write_text("# Start\n\n[Next](next.md)\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, timeout=30)
    result, outputs = run_action(repo, tmp_path, offline="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert outputs["broken"] == "1" and outputs["ok"] == "1"
    assert "guide/start.md:3:1: broken next.md (file not found)" in result.stdout
