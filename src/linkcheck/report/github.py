"""GitHub Actions output: workflow-command annotations on the problem lines, and the step summary.

Annotations (`::error file=…,line=…,col=…,title=…::message`) make each problem appear on its
line in a pull request's diff. Values are escaped by GitHub's rules for workflow commands, so
contributor text can never end the command or start another one.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass

from ..models import RunResult, Severity, Status
from . import said_once
from .json_report import sorted_links

STEP_SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects a larger summary for one step
MESSAGE_LIMIT = 1000
_LEVELS = ("error", "warning", "notice")
_LINK_ANNOTATIONS = {  # status -> (level, title)
    Status.BROKEN: ("error", "Broken link"),
    Status.NEW_FAILURE: ("warning", "New link failure"),
    Status.REDIRECTED: ("warning", "Link moved permanently"),
    Status.UNVERIFIABLE: ("notice", "Link could not be verified"),
}
_FINDING_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


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
    value = _CONTROLS.sub(lambda m: f"U+{ord(m.group()):04X}", value)
    return value if len(value) <= MESSAGE_LIMIT else value[: MESSAGE_LIMIT - 1] + "…"


def annotations(run: RunResult) -> list[Annotation]:
    """Every problem as an annotation: errors first (GitHub shows only the first few per kind)."""
    found: list[Annotation] = []
    for doc in run.documents:
        for d in doc.diagnostics:
            found.append(Annotation("error", d.file, d.line, None, "Input problem", d.message))
    for link in sorted_links(run):
        result = run.result_for(link)
        if result.status not in _LINK_ANNOTATIONS or said_once(result):
            continue
        level, title = _LINK_ANNOTATIONS[result.status]
        message = f"{link.url}: {result.reason}"
        if result.status == Status.REDIRECTED and result.final_url:
            message += f"; use {result.final_url}"
        found.append(Annotation(level, link.file, link.line, link.column, title, message))
    for f in run.findings:
        if f.severity in _FINDING_LEVELS:
            title = f"{f.rule_id} {f.rule}"
            found.append(Annotation(_FINDING_LEVELS[f.severity], f.file, f.line, f.column, title,
                                    f.message))
    return sorted(found, key=lambda a: (_LEVELS.index(a.level), a.file, a.line or 0,
                                        a.column or 0, a.title, a.message))


def format_annotation(annotation: Annotation) -> str:
    props = [f"file={escape_property(annotation.file)}"]
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
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown
    notice = "\n\n*The report was cut to fit the step summary; the full report is an artifact.*\n"
    room = limit - len(notice.encode("utf-8"))
    cut = data[:room].decode("utf-8", "ignore")
    return cut[: cut.rfind("\n") + 1] + notice
