"""The GitHub Actions workflows, the composite action and the pre-commit hook, as data and run.

The workflows are parsed with pyyaml and held to the repository's rules (least privilege, pinned
actions, timeouts, concurrency, no `${{ }}` in scripts). Their shell steps run here with bash, a
stand-in `gh` on PATH and a local bare repository as `origin`, so the open/update/close logic of the
pull request, the tracking issue and the sticky comment is exercised without GitHub or a network.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOW_NAMES = ("ci", "linkcheck-pr", "linkcheck-scheduled")
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$"
)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")

# Every job's permissions, exactly: a new write scope must be a deliberate change to this table.
EXPECTED_PERMISSIONS = {
    ("ci", "test"): {"contents": "read"},
    ("ci", "floors"): {"contents": "read"},
    ("ci", "lint"): {"contents": "read"},
    ("ci", "action"): {"contents": "read"},
    ("linkcheck-pr", "check"): {"contents": "read"},
    ("linkcheck-pr", "comment"): {"pull-requests": "write"},
    ("linkcheck-scheduled", "check"): {"contents": "read"},
    ("linkcheck-scheduled", "reports-pr"): {"contents": "write", "pull-requests": "write"},
    ("linkcheck-scheduled", "tracking-issue"): {"issues": "write"},
}

FAKE_GH = r"""#!/usr/bin/env bash
# Stands in for the gh CLI: records each call, answers the list queries from the environment.
echo "gh $*" >> "$GH_LOG"
prev=""
for arg in "$@"; do
  if [ "$prev" = --body-file ]; then cp "$arg" "$GH_LOG.body"; fi
  case "$arg" in body=@*) cp "${arg#body=@}" "$GH_LOG.body" ;; esac
  prev="$arg"
done
case "$1 $2" in
  "pr list") echo "${FAKE_PR:-}" ;;
  "issue list") echo "${FAKE_ISSUE:-}" ;;
esac
if [ "$1" = api ] && [ "$2" = --paginate ]; then echo "${FAKE_COMMENT_ID:-}"; fi
exit 0
"""


# --- reading the files ---------------------------------------------------------------------


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def workflow(name: str) -> dict:
    return load_yaml(WORKFLOW_DIR / f"{name}.yml")


def triggers(doc: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    on = doc.get("on", doc.get(True))
    return {on: None} if isinstance(on, str) else on


def action() -> dict:
    return load_yaml(ROOT / "action.yml")


def all_steps() -> list[tuple[str, dict]]:
    """(where, step) for every step of every workflow and of the composite action."""
    found = []
    for name in WORKFLOW_NAMES:
        for job_id, job in workflow(name)["jobs"].items():
            found += [(f"{name}/{job_id}", step) for step in job["steps"]]
    found += [("action.yml", step) for step in action()["runs"]["steps"]]
    return found


def step_named(steps: list[dict], name: str) -> dict:
    (step,) = [s for s in steps if s.get("name") == name or s.get("id") == name]
    return step


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def readme_test_command() -> str:
    """The last command of the README's test block, e.g. `python -m pytest`."""
    blocks = re.findall(r"```sh\n(.*?)\n```", readme(), re.S)
    (block,) = [b for b in blocks if "[test]" in b]
    return block.split("&&")[-1].strip()


# --- running step scripts ------------------------------------------------------------------


def runner_free_environ() -> dict[str, str]:
    """This process's environment without the runner's own variables (GITHUB_OUTPUT, ...), so the
    tests write no outputs or summaries of the CI job that runs them. The tests' own interpreter
    and scripts come first on PATH, as setup-python puts them on a runner, whether or not the
    environment running the tests is activated."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return environ


def run_script(step: dict, env: dict[str, str], cwd: Path, shell: str = "bash -e"):
    """Run a step's script as the runner would (`bash -e` unless the step names its shell)."""
    assert set(step.get("env", {})) <= set(env), "a test must supply every env var the step uses"
    script = cwd.parent / f"step-{os.getpid()}.sh"
    script.write_text(step["run"], encoding="utf-8")
    return subprocess.run(
        [*shell.split(), str(script)],
        cwd=cwd,
        env={**runner_free_environ(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def fake_gh(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH, encoding="utf-8")
    gh.chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    return {
        "PATH": f"{bin_dir}{os.pathsep}{runner_free_environ()['PATH']}",
        "GH_LOG": str(tmp_path / "gh.log"),
        "RUNNER_TEMP": str(runner_temp),
        "GH_TOKEN": "token-for-tests",
        "RUN_URL": "https://github.test/o/r/actions/runs/1",
    }


def gh_calls(env: dict[str, str]) -> list[str]:
    log = Path(env["GH_LOG"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


# --- every workflow ------------------------------------------------------------------------


def test_the_expected_workflows_exist():
    assert sorted(p.stem for p in WORKFLOW_DIR.glob("*.y*ml")) == sorted(WORKFLOW_NAMES)


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_permissions_are_empty_at_the_top_and_least_per_job(name):
    doc = workflow(name)
    assert doc["permissions"] == {}
    for job_id, job in doc["jobs"].items():
        assert job["permissions"] == EXPECTED_PERMISSIONS[(name, job_id)], job_id


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_concurrency_and_timeouts(name):
    doc = workflow(name)
    assert "${{ github.workflow }}" in doc["concurrency"]["group"]
    assert "cancel-in-progress" in doc["concurrency"]
    for job_id, job in doc["jobs"].items():
        assert isinstance(job["timeout-minutes"], int), job_id
        assert 1 <= job["timeout-minutes"] <= 30, job_id


def test_every_action_is_pinned_to_a_commit_with_its_version():
    sources = [*WORKFLOW_DIR.glob("*.yml"), ROOT / "action.yml"]
    sha_of: dict[str, set[str]] = {}
    uses_lines = 0
    for path in sources:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^\s*(-\s+)?uses:", line) and "uses: ./ " not in line:
                uses_lines += 1
                match = PINNED_USES.match(line)
                assert match, f"{path.name}:{number}: not pinned to a SHA with a version: {line}"
                repo = "/".join(match[1].split("/")[:2])
                sha_of.setdefault(repo, set()).add(match[2])
    local = sum(1 for _, step in all_steps() if step.get("uses") == "./")
    assert local == 1, "ci.yml runs this repository's own action"
    assert uses_lines == sum(1 for _, step in all_steps() if "uses" in step) - local
    # One version of each action across all the files.
    assert {repo: len(shas) for repo, shas in sha_of.items()} == dict.fromkeys(sha_of, 1)


def test_checkout_keeps_no_credentials_unless_the_job_pushes():
    for name in WORKFLOW_NAMES:
        for job_id, job in workflow(name)["jobs"].items():
            pushes = job["permissions"].get("contents") == "write"
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is pushes, f"{name}/{job_id}"


def test_no_expression_is_interpolated_into_a_script():
    """Template injection: values reach scripts through `env:`, never as `${{ }}` text."""
    scripts = [(where, step["run"]) for where, step in all_steps() if "run" in step]
    assert len(scripts) >= 10
    for where, script in scripts:
        assert not EXPRESSION.search(script), where


def test_jobs_with_write_access_run_no_repository_code():
    """The token that can write never meets pip installs or linkcheck runs."""
    for name in WORKFLOW_NAMES:
        for job_id, job in workflow(name)["jobs"].items():
            if "write" in job["permissions"].values():
                scripts = " ".join(step.get("run", "") for step in job["steps"])
                assert "pip install" not in scripts and "linkcheck run" not in scripts, job_id


def test_setup_python_caches_pip_keyed_on_pyproject():
    setups = [s for _, s in all_steps() if s.get("uses", "").startswith("actions/setup-python@")]
    workflow_setups = [s for s in setups if "update-environment" not in s["with"]]
    assert len(workflow_setups) == 5
    for step in workflow_setups:
        assert step["with"]["cache"] == "pip"
        assert step["with"]["cache-dependency-path"] == "pyproject.toml"


# --- the linkcheck invocations match the CLI -----------------------------------------------


def linkcheck_invocations() -> list[tuple[str, list[str]]]:
    found = []
    for where, step in all_steps():
        for line in step.get("run", "").splitlines():
            if line.strip().startswith("linkcheck run"):
                found.append((where, shlex.split(line)[1:]))
    hook = load_yaml(ROOT / ".pre-commit-hooks.yaml")[0]
    found.append((".pre-commit-hooks.yaml", shlex.split(hook["entry"])[1:]))
    return found


def test_every_linkcheck_invocation_parses_with_the_cli():
    from linkcheck.cli import build_parser

    invocations = linkcheck_invocations()
    assert {where for where, _ in invocations} == {
        "linkcheck-scheduled/check",
        "linkcheck-pr/check",
        ".pre-commit-hooks.yaml",
    }
    for where, argv in invocations:
        args = build_parser().parse_args(argv)  # exits 2 on an unknown flag
        assert args.command == "run", where


def test_the_action_only_passes_flags_the_cli_knows():
    from linkcheck.cli import build_parser

    script = step_named(action()["runs"]["steps"], "run")["run"]
    flags = set(re.findall(r"(--[a-z][a-z-]+)", script))
    assert flags == {"--quiet", "--strict", "--config", "--offline", "--changed-since",
                     "--output-dir", "--format"}
    sample = ["run", "--quiet", "--strict", "--config", "c.yml", "--offline", "--changed-since",
              "HEAD", "--output-dir", "out", "--format", "github", "--format", "sarif", "a.md"]
    assert build_parser().parse_args(sample).command == "run"


# --- each workflow's own promises ----------------------------------------------------------


def test_ci_runs_the_readme_test_command_on_every_supported_python():
    doc = workflow("ci")
    on = triggers(doc)
    assert set(on) == {"push", "pull_request"}
    test_job = doc["jobs"]["test"]
    versions = test_job["strategy"]["matrix"]["python-version"]
    assert versions == ["3.11", "3.12", "3.13"]
    requires = re.search(r'requires-python = ">=(3\.\d+)"', (ROOT / "pyproject.toml").read_text())
    assert versions[0] == requires[1]
    commands = [step["run"].strip() for step in test_job["steps"] if "run" in step]
    assert commands[-1] == readme_test_command()
    assert "pip install -e '.[test]'" in commands[0]
    assert "pip install -e '.[test]'" in readme()


def test_ci_and_the_local_ci_script_run_the_same_checks():
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    lint = workflow("ci")["jobs"]["lint"]
    commands = [step["run"].strip() for step in lint["steps"] if "run" in step][1:]
    tools = ("ruff ", "zizmor ", "check-jsonschema ")
    local = [c for c in ci_run if c.startswith(tools)]
    assert [c for c in commands if c.startswith(tools)] == local
    assert any("zizmor --offline" in c for c in commands)
    assert readme_test_command() in ci_run


def test_scheduled_workflow_triggers_and_store_cache():
    doc = workflow("linkcheck-scheduled")
    on = triggers(doc)
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert (day, month) == ("*", "*") and weekday.isdigit(), "weekly"
    steps = doc["jobs"]["check"]["steps"]
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save@"))
    assert restore["with"]["path"] == save["with"]["path"] == ".linkcheck"
    assert restore["with"]["key"] == save["with"]["key"]
    assert "github.run_id" in save["with"]["key"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert "!cancelled()" in save["if"], "the store is saved when linkcheck exits 1"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "reports/"


def test_scheduled_outcomes_come_only_from_the_default_branch():
    jobs = workflow("linkcheck-scheduled")["jobs"]
    on_default = "github.ref_name == github.event.repository.default_branch"
    for job_id in ("reports-pr", "tracking-issue"):
        assert on_default in jobs[job_id]["if"] and "'schedule'" in jobs[job_id]["if"], job_id
    step = step_named(jobs["reports-pr"]["steps"], "reports-pr")
    assert step["env"]["BASE"] == "${{ github.ref_name }}"


def test_pr_workflow_is_safe_for_forks():
    text = (WORKFLOW_DIR / "linkcheck-pr.yml").read_text(encoding="utf-8")
    doc = workflow("linkcheck-pr")
    on = triggers(doc)
    assert set(on) == {"pull_request"}
    assert "secrets." not in text
    assert "pull_request_target" not in on
    assert set(on["pull_request"]["paths"]) == {"curriculum/**", "linkcheck.yml"}
    check = doc["jobs"]["check"]
    checkout = next(s for s in check["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    run = step_named(check["steps"], "run")
    assert "--changed-since" in run["run"] and "--format github" in run["run"]
    assert "--no-cache" in run["run"], "no history in a pull request: failures count at once"
    assert run["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    comment_if = doc["jobs"]["comment"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment_if
    assert """fromJSON('["0", "1", "4"]')""" in comment_if, "no comment from stale reports"


def test_pr_workflow_refuses_a_config_that_allows_private_addresses(tmp_path):
    step = step_named(workflow("linkcheck-pr")["jobs"]["check"]["steps"],
                      "Keep private-address protection on")
    work = tmp_path / "repo"
    work.mkdir()
    assert run_script(step, {}, work).returncode == 0  # no linkcheck.yml
    for harmless in ("check:\n  allow_private: false\n", "[not, a, mapping]\n", "check: [\n"):
        (work / "linkcheck.yml").write_text(harmless, encoding="utf-8")
        assert run_script(step, {}, work).returncode == 0, harmless
    (work / "linkcheck.yml").write_text("check:\n  allow_private: true\n", encoding="utf-8")
    refused = run_script(step, {}, work)
    assert refused.returncode == 1
    assert "::error file=linkcheck.yml::" in refused.stdout


def test_the_repository_config_is_valid_and_keeps_the_defaults_safe():
    from linkcheck.config import load_config

    config = load_config(str(ROOT / "linkcheck.yml"))
    assert config.paths == ("curriculum/",)
    assert config.store.path == ".linkcheck/history.sqlite"
    assert "allow_private" not in (load_yaml(ROOT / "linkcheck.yml").get("check") or {})


# --- the linkcheck steps, run on a tiny repository with local links only (no network) ------


def outputs_of(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


@pytest.fixture
def git_curriculum(tmp_path: Path) -> tuple[Path, str]:
    """A git repository whose base commit already has one broken local link (in old.md)."""
    repo = tmp_path / "repo"
    (repo / "curriculum").mkdir(parents=True)
    (repo / "curriculum" / "old.md").write_text("# Old\n\n[gone](gone.md)\n", encoding="utf-8")
    (repo / "curriculum" / "new.md").write_text("# New\n\n[old](old.md)\n", encoding="utf-8")
    git("init", "--quiet", "--initial-branch=main", cwd=repo)
    git("add", ".", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@t.test", "commit", "--quiet", "-m", "base",
        cwd=repo)
    return repo, git("rev-parse", "HEAD", cwd=repo)


def run_pr_check(repo: Path, base: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    step = step_named(workflow("linkcheck-pr")["jobs"]["check"]["steps"], "run")
    output, summary = repo.parent / "output", repo.parent / "summary.md"
    output.write_text("", encoding="utf-8")
    env = {"BASE_SHA": base, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    result = run_script(step, env, repo)
    assert result.returncode == 0, result.stderr
    return result, outputs_of(output)


def test_pr_check_fails_only_on_what_the_pull_request_adds(git_curriculum):
    repo, base = git_curriculum
    page = repo / "curriculum" / "new.md"
    page.write_text(page.read_text(encoding="utf-8") + "[fine](old.md#old)\n", encoding="utf-8")
    result, outputs = run_pr_check(repo, base)
    assert outputs["exit-code"] == "0", "old.md's broken link predates the pull request"
    assert "old.md" not in result.stdout

    page.write_text(page.read_text(encoding="utf-8") + "[typo](nowhere.md)\n", encoding="utf-8")
    result, outputs = run_pr_check(repo, base)
    assert outputs["exit-code"] == "1"
    assert "::error file=curriculum/new.md,line=5" in result.stdout
    assert "file=curriculum/old.md" not in result.stdout
    assert (repo.parent / "summary.md").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize(("exit_code", "fails"), [("1", True), ("2", True), ("4", False)])
def test_pr_check_verdict_step(tmp_path, exit_code, fails):
    step = step_named(workflow("linkcheck-pr")["jobs"]["check"]["steps"],
                      "Fail on problems the pull request introduces")
    result = run_script(step, {"EXIT_CODE": exit_code}, tmp_path)
    assert (result.returncode != 0) is fails
    assert ("::error::" if fails else "::warning::") in result.stdout


def test_scheduled_run_step_reports_exit_code_and_broken_count(git_curriculum):
    repo, _ = git_curriculum
    step = step_named(workflow("linkcheck-scheduled")["jobs"]["check"]["steps"], "run")
    output = repo.parent / "output"
    output.write_text("", encoding="utf-8")
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(repo.parent / "summary.md"),
           "GITHUB_TOKEN": ""}  # no token: GitHub links would be checked as pages
    result = run_script(step, env, repo)
    assert result.returncode == 0, "exit code 1 is reported, not a failed step"
    assert outputs_of(output) == {"exit-code": "1", "broken": "1"}
    assert "::error file=curriculum/old.md,line=3" in result.stdout
    assert (repo / "reports" / "linkcheck.md").is_file()


# --- the scheduled workflow's reports pull request -----------------------------------------


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository whose main branch holds reports/linkcheck.md."""
    bare = tmp_path / "origin.git"
    seed = tmp_path / "seed"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    git("clone", "--quiet", str(bare), str(seed), cwd=tmp_path)
    (seed / "reports").mkdir()
    (seed / "reports" / "linkcheck.md").write_text("all good\n", encoding="utf-8")
    git("-c", "user.name=t", "-c", "user.email=t@t.test", "add", ".", cwd=seed)
    git("-c", "user.name=t", "-c", "user.email=t@t.test", "commit", "--quiet", "-m", "seed",
        cwd=seed)
    git("push", "--quiet", "origin", "HEAD:main", cwd=seed)
    return bare


def run_reports_pr(origin: Path, env: dict[str, str], report: str, pr: str = ""):
    """One run of the reports-pr job: a fresh checkout of main, the artifact, the script."""
    work = origin.parent / f"work-{len(list(origin.parent.glob('work-*')))}"
    git("clone", "--quiet", "--depth=1", f"file://{origin}", str(work), cwd=origin.parent)
    (work / "reports" / "linkcheck.md").write_text(report, encoding="utf-8")
    step = step_named(workflow("linkcheck-scheduled")["jobs"]["reports-pr"]["steps"], "reports-pr")
    step_env = {**env, "BRANCH": "linkcheck/reports", "BASE": "main", "FAKE_PR": pr}
    result = run_script(step, step_env, work)
    assert result.returncode == 0, result.stderr
    return result


def branch_head(origin: Path) -> str | None:
    found = subprocess.run(["git", "--git-dir", str(origin), "rev-parse", "--verify", "--quiet",
                            "refs/heads/linkcheck/reports"], capture_output=True, text=True)
    return found.stdout.strip() or None


def test_reports_pr_is_opened_once_then_updated_in_place(origin, fake_gh):
    run_reports_pr(origin, fake_gh, "1 broken\n")
    first = branch_head(origin)
    assert first is not None
    assert sum("pr create" in call for call in gh_calls(fake_gh)) == 1
    shown = git("--git-dir", str(origin), "show", f"{first}:reports/linkcheck.md", cwd=origin)
    assert shown == "1 broken"

    same = run_reports_pr(origin, fake_gh, "1 broken\n", pr="7")
    assert branch_head(origin) == first, "identical reports: no new push"
    assert "already proposes" in same.stdout

    run_reports_pr(origin, fake_gh, "2 broken\n", pr="7")
    second = branch_head(origin)
    assert second != first
    ahead = git("--git-dir", str(origin), "rev-list", "--count", f"main..{second}", cwd=origin)
    assert ahead == "1", "one fresh commit on top of main, not a growing history"
    assert sum("pr create" in call for call in gh_calls(fake_gh)) == 1, "never a second PR"


def test_reports_pr_is_closed_when_main_is_current(origin, fake_gh):
    run_reports_pr(origin, fake_gh, "all good\n", pr="7")
    assert branch_head(origin) is None
    calls = gh_calls(fake_gh)
    assert any(call.startswith("gh pr close 7") for call in calls)
    assert not any("pr create" in call for call in calls)


# --- the scheduled workflow's tracking issue -----------------------------------------------


def run_tracking_issue(tmp_path: Path, env: dict[str, str], exit_code: str, issue: str = ""):
    work = tmp_path / "artifact"
    (work / "reports").mkdir(parents=True, exist_ok=True)
    report = work / "reports" / "linkcheck-comment.md"
    if not report.exists():
        report.write_text("# Report\n\n- broken: x\n", encoding="utf-8")
    step = step_named(workflow("linkcheck-scheduled")["jobs"]["tracking-issue"]["steps"],
                      "Open, update or close the tracking issue")
    step_env = {**env, "GH_REPO": "o/r", "LABEL": "linkcheck", "EXIT_CODE": exit_code,
                "BROKEN": "1", "FAKE_ISSUE": issue}
    result = run_script(step, step_env, work)
    assert result.returncode == 0, result.stderr
    return [call for call in gh_calls(env) if not call.startswith("gh issue list")]


def test_tracking_issue_is_opened_updated_and_closed(tmp_path, fake_gh):
    opened = run_tracking_issue(tmp_path, fake_gh, "1")
    assert [c.split()[1:3] for c in opened] == [["label", "create"], ["issue", "create"]]
    body = Path(fake_gh["GH_LOG"] + ".body").read_text(encoding="utf-8")
    assert "1 broken links" in body and "# Report" in body

    Path(fake_gh["GH_LOG"]).unlink()
    assert run_tracking_issue(tmp_path, fake_gh, "1", issue="5")[0].startswith("gh issue edit 5 ")

    Path(fake_gh["GH_LOG"]).unlink()
    closed = run_tracking_issue(tmp_path, fake_gh, "0", issue="5")
    assert len(closed) == 1 and closed[0].startswith("gh issue close 5 ")

    Path(fake_gh["GH_LOG"]).unlink()
    assert run_tracking_issue(tmp_path, fake_gh, "0") == []


def test_tracking_issue_body_is_the_fitted_report(tmp_path, fake_gh):
    from linkcheck.report import github

    reports = tmp_path / "artifact" / "reports"
    reports.mkdir(parents=True)
    report = "# Report\n\n" + "| 1:1 | **broken** | `https://x.test/é` | HTTP 404 |\n" * 3000
    fitted = github.comment(report, "https://github.test/o/r/actions/runs/1")
    (reports / "linkcheck-comment.md").write_text(fitted, encoding="utf-8")
    run_tracking_issue(tmp_path, fake_gh, "1")
    body = Path(fake_gh["GH_LOG"] + ".body").read_text(encoding="utf-8")
    assert len(body) <= 65_536 and body.endswith(fitted)
    kept = fitted.split("\n\n*The report is longer")[0]
    assert kept.endswith("HTTP 404 |\n"), "cut between two rows"
    assert "[this run](https://github.test/o/r/actions/runs/1)" in fitted


# --- the pull-request workflow's sticky comment --------------------------------------------


def run_comment(tmp_path: Path, env: dict[str, str], comment_id: str = ""):
    work = tmp_path / "artifact"
    (work / "reports").mkdir(parents=True, exist_ok=True)
    (work / "reports" / "linkcheck-comment.md").write_text("# Link check\n\nall good\n",
                                                           encoding="utf-8")
    step = step_named(workflow("linkcheck-pr")["jobs"]["comment"]["steps"],
                      "Create or update the report comment")
    step_env = {**env, "REPO": "o/r", "PR_NUMBER": "12", "FAKE_COMMENT_ID": comment_id}
    result = run_script(step, step_env, work)
    assert result.returncode == 0, result.stderr
    return [call for call in gh_calls(env) if "--paginate" not in call]


def test_comment_is_created_once_then_edited_in_place(tmp_path, fake_gh):
    (created,) = run_comment(tmp_path, fake_gh)
    assert created.startswith("gh api --method POST repos/o/r/issues/12/comments ")
    body = Path(fake_gh["GH_LOG"] + ".body").read_text(encoding="utf-8")
    assert body.startswith("<!-- linkcheck-report -->\n") and "all good" in body

    Path(fake_gh["GH_LOG"]).unlink()
    (edited,) = run_comment(tmp_path, fake_gh, comment_id="99")
    assert edited.startswith("gh api --method PATCH repos/o/r/issues/comments/99 ")


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_comment_lookup_finds_only_the_bots_marked_comment():
    script = step_named(workflow("linkcheck-pr")["jobs"]["comment"]["steps"],
                        "Create or update the report comment")["run"]
    (jq_filter,) = re.findall(r"--jq '([^']+)'", script)
    page = [
        {"id": 1, "user": {"login": "someone"}, "body": "quoting <!-- linkcheck-report -->"},
        {"id": 2, "user": {"login": "github-actions[bot]"}, "body": "another bot comment"},
        {"id": 3, "user": {"login": "github-actions[bot]"}, "body": "<!-- linkcheck-report -->\nx"},
    ]
    found = subprocess.run(["jq", "-r", jq_filter], input=json.dumps(page), capture_output=True,
                           text=True, check=True, timeout=10)
    assert found.stdout.split() == ["3"]


# --- the composite action ------------------------------------------------------------------


def test_action_interface():
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert {"paths", "config", "formats", "fail-on", "python-version"} <= set(doc["inputs"])
    assert {"exit-code", "broken", "version"} <= set(doc["outputs"])
    install = step_named(doc["runs"]["steps"], "install")["run"]
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in install
    for step in doc["runs"]["steps"]:
        assert "run" not in step or step["shell"] == "bash"


def test_docs_and_readme_document_the_action_as_it_is():
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = docs.split("## The composite action", 1)[1].split("\n## ", 1)[0]
    documented_inputs = re.findall(r"^\| `([a-z-]+)` \|", section, re.M)
    doc = action()
    assert documented_inputs == list(doc["inputs"])
    for output in doc["outputs"]:
        assert f"`{output}`" in section, output
    blocks = re.findall(r"```yaml\n(.*?)```", readme(), re.S)
    examples = [yaml.safe_load(block) for block in blocks if "OWNER/linkcheck@" in block]
    assert len(examples) == 2, "a pull-request and a scheduled example"
    for example in examples:
        steps = example["jobs"]["links"]["steps"]
        (step,) = [s for s in steps if s.get("uses", "").startswith("OWNER/linkcheck@")]
        assert set(step.get("with", {})) <= set(doc["inputs"])
    pr, scheduled = examples
    checkout = pr["jobs"]["links"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0, "--changed-since needs the base commit"
    cache = [s for s in scheduled["jobs"]["links"]["steps"]
             if s.get("uses", "").startswith("actions/cache@")]
    assert cache and cache[0]["with"]["path"] == ".linkcheck", "the history is kept"


def action_env(inputs: dict[str, str], output_file: Path) -> dict[str, str]:
    """The env the runner gives the action's run step, with the inputs' defaults filled in."""
    doc = action()
    values = {name: spec.get("default", "") for name, spec in doc["inputs"].items()}
    values.update(inputs)
    # the tests' own environment's script, activated or not; PATH only when it has none
    beside = Path(sys.executable).parent / "linkcheck"
    linkcheck = str(beside) if beside.is_file() else shutil.which("linkcheck") or "linkcheck"
    context = {f"inputs.{name}": value for name, value in values.items()}
    context["steps.install.outputs.linkcheck"] = linkcheck
    step = step_named(doc["runs"]["steps"], "run")
    env = {key: EXPRESSION.sub(lambda m: context[m[1]], val) for key, val in step["env"].items()}
    output_file.write_text("", encoding="utf-8")
    return {**env, "GITHUB_OUTPUT": str(output_file)}


def run_action(repo: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    outputs = repo.parent / "github-output"
    step = step_named(action()["runs"]["steps"], "run")
    env = action_env(inputs, outputs)
    result = run_script(step, env, repo, shell="bash --noprofile --norc -eo pipefail")
    lines = outputs.read_text(encoding="utf-8").splitlines()
    return result, dict(line.split("=", 1) for line in lines)


@pytest.fixture
def curriculum(tmp_path: Path) -> Path:
    """A tiny repository: one healthy page and one with a broken local link."""
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "good page.md").write_text("# Good\n\nSee [bad](bad.md).\n", encoding="utf-8")
    (repo / "docs" / "bad.md").write_text("# Bad\n\nSee [missing](missing.md).\n", encoding="utf-8")
    return repo


def test_action_fails_on_a_broken_link_and_reports_counts(curriculum):
    result, outputs = run_action(curriculum, paths="docs/", offline="true", formats="")
    assert result.returncode == 1, result.stderr
    assert outputs["exit-code"] == "1"
    assert outputs["broken"] == "1" and outputs["ok"] == "1"
    assert outputs["report-dir"] == "reports/"
    assert (curriculum / "reports" / "linkcheck.json").is_file()


def test_action_fail_on_never_reports_without_failing(curriculum):
    result, outputs = run_action(curriculum, paths="docs/", offline="true", formats="",
                                 **{"fail-on": "never", "output-dir": "out"})
    assert result.returncode == 0, result.stderr
    assert outputs["exit-code"] == "1" and outputs["broken"] == "1"
    assert outputs["report-dir"] == "out"
    assert (curriculum / "out" / "linkcheck.md").is_file()


def test_action_reads_counts_where_the_config_puts_the_reports(curriculum):
    (curriculum / "cfg").mkdir()
    (curriculum / "cfg" / "lc.yml").write_text("paths: [docs/]\noutput_dir: built/\n",
                                                 encoding="utf-8")
    result, outputs = run_action(curriculum, config="cfg/lc.yml", offline="true", formats="sarif")
    assert result.returncode == 1
    assert outputs["report-dir"] == "built/" and outputs["broken"] == "1"
    assert (curriculum / "built" / "linkcheck.sarif").is_file()


def test_action_takes_paths_one_per_line_literally(curriculum):
    result, outputs = run_action(curriculum, paths="  docs/good page.md  \n\n", offline="true")
    assert result.returncode == 0, result.stderr
    assert outputs["exit-code"] == "0"
    report = json.loads((curriculum / "reports" / "linkcheck.json").read_text(encoding="utf-8"))
    assert report["summary"]["files"] == 1

    result, outputs = run_action(curriculum, paths="docs/bad.md\n$(touch pwned)", offline="true")
    assert not (curriculum / "pwned").exists(), "an input is data, never shell code"
    assert "$(touch pwned)" in result.stderr, "linkcheck names the path it cannot find"
    assert outputs == {"exit-code": "2"}, "no counts from an older report"
    assert result.returncode == 2 and "::error::linkcheck could not run" in result.stdout


def test_action_rejects_an_unknown_fail_on(curriculum):
    result, outputs = run_action(curriculum, **{"fail-on": "sometimes"})
    assert result.returncode == 2
    assert "::error::fail-on must be" in result.stdout
    assert outputs == {}


def test_action_annotates_with_the_github_format(curriculum):
    result, outputs = run_action(curriculum, paths="docs/bad.md", offline="true")
    assert result.returncode == 1
    assert "::error file=docs/bad.md,line=3" in result.stdout


# --- the pre-commit hook -------------------------------------------------------------------


def test_pre_commit_hook_runs_the_offline_check_without_touching_reports(curriculum, monkeypatch):
    from linkcheck.cli import main

    (hook,) = load_yaml(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "linkcheck" and hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert re.search(hook["files"], "docs/a.md") and not re.search(hook["files"], "a.py")
    argv = shlex.split(hook["entry"])
    assert argv[:3] == ["linkcheck", "run", "--offline"]
    monkeypatch.chdir(curriculum)
    assert main([*argv[1:], "docs/good page.md"]) == 0
    assert main([*argv[1:], "docs/good page.md", "docs/bad.md"]) == 1
    assert not (curriculum / "reports").exists()
    assert (curriculum / ".linkcheck" / "pre-commit" / "linkcheck.json").is_file()
