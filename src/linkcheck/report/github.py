"""GitHub Actions output: workflow-command annotations on the problem lines, and the step summary.

Annotations (`::error file=…,line=…,col=…,title=…::message`) make each problem appear on its
line in a pull request's diff. Values are escaped by GitHub's rules for workflow commands, so
contributor text can never end the command or start another one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..models import RunResult, Severity, Status
from .problems import Problem, ProblemKind, problems
from .text import cap, fit, visible

STEP_SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects a larger summary for one step
# a comment or issue body holds 65,536 characters: room is left for the workflow's marker line
COMMENT_LIMIT = 65_000
MESSAGE_LIMIT = 1000
_LEVELS = ("error", "warning", "notice")
_LINK_TITLES = {
    Status.BROKEN: "Broken link",
    Status.NEW_FAILURE: "New link failure",
    Status.REDIRECTED: "Link moved permanently",
    Status.UNVERIFIABLE: "Link could not be verified",
}
_LEVEL_OF = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


@dataclass(frozen=True, slots=True)
class Annotation:
    level: str  # error, warning or notice
    file: str
    line: int | None
    column: int | None
    title: str
    message: str


def escape_data(value: str) -> str:
    """Escape a command's message: `%`, CR and LF."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a command property: as a message, plus `:` and `,` which separate properties."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _clean(value: str) -> str:
    return cap(visible(value), MESSAGE_LIMIT)


def annotations(run: RunResult) -> list[Annotation]:
    """Every problem as an annotation: errors first (GitHub shows only the first few per kind)."""
    found = [
        Annotation(_LEVEL_OF[p.severity], p.file, p.line, p.column, _title(p), p.message)
        for p in problems(run)
    ]
    return sorted(found, key=lambda a: (_LEVELS.index(a.level), a.file, a.line or 0,
                                        a.column or 0, a.title, a.message))


def _title(problem: Problem) -> str:
    if problem.kind is ProblemKind.LINK:
        return _LINK_TITLES[problem.result.status]
    if problem.kind is ProblemKind.FINDING:
        return f"{problem.finding.rule_id} {problem.finding.rule}"
    return "Input problem"


def format_annotation(annotation: Annotation) -> str:
    props = [f"file={escape_property(visible(annotation.file))}"]
    if annotation.line is not None:
        props.append(f"line={annotation.line}")
    if annotation.column is not None:
        props.append(f"col={annotation.column}")
    props.append(f"title={escape_property(_clean(annotation.title))}")
    return f"::{annotation.level} {','.join(props)}::{escape_data(_clean(annotation.message))}"


def render(run: RunResult, workspace: str | None = None) -> str:
    """The annotations as workflow commands, one per line, for standard output.

    GitHub places an annotation by its path from the repository root: give the checkout
    (`GITHUB_WORKSPACE`) as `workspace` when linkcheck may run from elsewhere.
    """
    found = annotations(run)
    if workspace:
        found = [dataclasses.replace(a, file=_from_root(a.file, workspace)) for a in found]
    return "".join(format_annotation(a) + "\n" for a in found)


def _from_root(file: str, workspace: str) -> str:
    relative = os.path.relpath(os.path.abspath(file), os.path.abspath(workspace))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):  # outside the checkout
        return file  # left as it was
    return relative.replace(os.sep, "/")


def step_summary(markdown: str, limit: int = STEP_SUMMARY_LIMIT) -> str:
    """The markdown report cut to fit GitHub's step summary limit, saying so when cut."""
    notice = "\n\n*The report was cut to fit the step summary; the full report is an artifact.*\n"
    return fit(markdown, limit, notice, size=lambda text: len(text.encode("utf-8")))


def comment(markdown: str, run_url: str | None, limit: int = COMMENT_LIMIT) -> str:
    """The markdown report as a pull-request comment or issue body: within GitHub's limit, cut
    between two rows (the totals and what needs action come first, so they stay), and then
    saying where the whole report is."""
    where = f"the `linkcheck` artifacts of [this run]({run_url})" if run_url else \
        "this run's artifacts"
    notice = f"\n\n*The report is longer than a comment can hold: the full report is in {where}.*\n"
    return fit(markdown, limit, notice)


def run_url(environ: Mapping[str, str]) -> str | None:
    """The URL of the workflow run, from the variables every GitHub Actions job has."""
    parts = [environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else None
