"""The terminal listing, like a linter's: one line per problem, then the summary.

`file:line:col: broken URL (reason)` for links, `file:line:col: LC106 bare-url message` for
findings, `file:line: message` for input problems, sorted by file and line so an editor can
jump to each. Information-level findings are counted, not listed (the markdown report lists
them). Everything shown passes `visible`: a curriculum or a server cannot send control
sequences to the terminal.
"""

from __future__ import annotations

from collections import Counter

from ..models import RunResult, Severity, Status
from . import text
from .problems import LINK_LABELS, Problem, ProblemKind, link_reason
from .text import cap, visible

LIST_LIMIT = 100  # problem lines shown before "... and N more"
_URL_LIMIT = 200
_REASON_LIMIT = 160
_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}  # red, yellow, cyan
_SEVERITY_WORDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def one_line(value: str, limit: int) -> str:
    """Capped, on one line, with no control or invisible direction character left."""
    return text.one_line(cap(value, limit))


def listed(problems: list[Problem]) -> list[Problem]:
    """The problems worth a terminal line, by file and position: all but information findings."""
    shown = [p for p in problems
             if not (p.kind is ProblemKind.FINDING and p.severity is Severity.INFO)]
    return sorted(shown, key=lambda p: (p.file, p.line or 0, p.column or 0))


def problem_line(problem: Problem, colour: bool = False) -> str:
    where = text.leading_path(one_line(problem.file, _URL_LIMIT))
    if problem.line:
        where += f":{problem.line}:{problem.column or 1}"
    if problem.kind is ProblemKind.INPUT:
        return f"{where}: {one_line(problem.message, _REASON_LIMIT)}"
    if problem.finding is not None:
        what = f"{problem.finding.rule_id} {problem.finding.rule}"
        detail = one_line(problem.message, _REASON_LIMIT)
    else:
        assert problem.link is not None and problem.result is not None
        what = LINK_LABELS[problem.result.status]
        detail = (f"{one_line(problem.link.url, _URL_LIMIT)} "
                  f"({one_line(link_reason(problem.result), _REASON_LIMIT)})")
    if colour:
        what = f"\x1b[{_COLOURS[problem.severity]}m{what}\x1b[0m"
    return f"{where}: {what} {detail}"


def problem_lines(problems: list[Problem], colour: bool = False,
                  limit: int | None = LIST_LIMIT) -> list[str]:
    shown = listed(problems)
    lines = [problem_line(p, colour) for p in shown[:limit]]
    if limit is not None and len(shown) > limit:
        lines.append(f"... and {len(shown) - limit} more problems (all are in the report)")
    return lines


def counted(n: int, word: str) -> str:
    """`1 link`, `2 links`; `info` has no plural."""
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def summary_lines(run: RunResult, reports: list[str]) -> list[str]:
    """The counts in one line, the findings in another, then where the reports are."""
    statuses = ", ".join(f"{run.count(s)} {s}" for s in Status if run.count(s))
    line = f"{counted(len(run.links), 'link')} in {counted(len(run.documents), 'file')}"
    line += f": {statuses}" if statuses else ""
    if run.offline:
        line += " (offline: remote links not checked)"
    elif run.scope is not None:
        line += f" (remote links checked on the lines changed since {visible(run.scope.ref)})"
    lines = [line]
    findings = [f for f in run.findings if f.severity is not Severity.OFF]
    if findings:
        by_severity = Counter(f.severity for f in findings)
        detail = ", ".join(counted(by_severity[s], _SEVERITY_WORDS[s])
                           for s in _SEVERITY_WORDS if by_severity[s])
        lines.append(f"{counted(len(findings), 'content finding')}: {detail}")
    if reports:
        lines.append("reports: " + ", ".join(visible(r) for r in reports))
    return lines
