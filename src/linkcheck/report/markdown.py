"""The markdown report, for people reviewing a pull request.

What needs action comes first: one line saying what fails the run, the totals, then one table
per file (files with something that fails the run first; in a table, what fails first), each
problem once, with the section as a column and its change since the last report (*new*,
*still broken*) as a column; identical rows (the same problem on several lines) are one row,
and so are a file's information findings of one rule (each is in the JSON report).
Problems fixed since the last report are one table; files with nothing to report, one line.
Every value from the curriculum or a server goes through `cells` (inert in a table cell).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter

from ..models import Change, Changes, Finding, RunResult, Severity, Status
from ..rules import find_rule
from .cells import ZWJ, code_cell, escape_cell  # noqa: F401 (the cell helpers' home is cells)
from .problems import LINK_LABELS, Problem, ProblemKind, problems, remote_urls
from .terminal import counted as plural  # `1 file`, `2 files`

_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_SECTION_LIMIT = 80
_RANK_AND_PLACE = attrgetter("rank", "place")
_FILE_AND_TARGET = attrgetter("file", "resolved_url")
_HEADER = ["| Line | Problem | Change | Section | Link | Detail |",
           "| --- | --- | --- | --- | --- | --- |"]


@dataclass(slots=True)  # not frozen: one per problem, made five times as fast
class _Row:
    """One table row: a problem, or the same problem on several lines."""

    rank: int  # 0 fails the run, 1 a warning, 2 information
    place: tuple[int, ...]  # of the first line, to sort by: (line, column), (line,) or (0,)
    lines: tuple[str, ...]
    cells: tuple[str, ...]  # problem, change, section, link, detail (rendered)


def render(run: RunResult, strict: bool = False) -> str:
    found = problems(run)
    fails = [_fails(problem, strict) for problem in found]
    lines = ["# Link check report", "", _verdict(found, fails), "", _scope_line(run)]
    lines += _notes(run)
    lines += _totals(run)
    lines += _by_file(run, found, fails)
    lines += _fixed(run.changes)
    lines += _quiet_files(run, found)
    return ended(lines)


def ended(lines: list[str]) -> str:
    """`"\\n".join(lines).rstrip("\\n") + "\\n"`, joined once (the report of 200,000 links is
    4.5 MB: one copy fewer). Takes `lines` over."""
    while lines and not lines[-1].rstrip("\n"):
        lines.pop()
    if not lines:
        return "\n"
    lines[-1] = lines[-1].rstrip("\n")
    lines.append("")
    return "\n".join(lines)


def _fails(problem: Problem, strict: bool) -> bool:
    if problem.kind is ProblemKind.LINK:
        return problem.result is not None and problem.result.status is Status.BROKEN
    return problem.severity is Severity.ERROR or (strict and problem.severity is Severity.WARNING)


def _verdict(found: list[Problem], fails: list[bool]) -> str:
    failing = list(compress(found, fails))
    if not failing:
        return "**Nothing needs action.**" + (" Some links to review below." if found else "")
    kinds = defaultdict(int)
    for problem in failing:
        kinds[{ProblemKind.LINK: "broken link", ProblemKind.INPUT: "input problem",
               ProblemKind.FINDING: "finding"}[problem.kind]] += 1
    parts = [f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in kinds.items()]
    return f"**Needs action: {', '.join(parts)}** (listed first below)."


def _scope_line(run: RunResult) -> str:
    links = run.links
    line = (f"{plural(len(links), 'link')} in {plural(len(run.documents), 'file')} "
            f"({remote_urls(run)} distinct remote URLs).")
    if run.offline:
        line += " Remote links were not checked (offline run)."
    if run.scope is not None:
        line += (f" Only lines changed since {code_cell(run.scope.ref)} were judged; "
                 "links on other lines were not checked.")
    changes = run.changes
    if changes is not None and changes.baseline is None:
        line += " No previous report to compare with: every problem is new."
    elif changes is not None:
        # a change is one target of one file: counted at each place, as the rows mark them
        places = Counter(map(_FILE_AND_TARGET, links))
        new, still = (sum(places[c.file, c.target] for c in kind)
                      for kind in (changes.new, changes.still_broken))
        line += (f" Since the last report: {new} new, {still} still broken, "
                 f"{len(changes.fixed)} fixed.")
    return line


def _notes(run: RunResult) -> list[str]:
    lines: list[str] = []
    if run.network_down:
        lines += ["", "> **No network:** remote links could not be checked and are marked "
                  "unverifiable; nothing was reported broken because of it."]
    for note in run.notes:
        lines += ["", f"> {escape_cell(note, 1000)}"]
    return lines


def _totals(run: RunResult) -> list[str]:
    counted = [(str(s), run.count(s)) for s in Status if run.count(s)]
    findings = [f for f in run.findings if f.severity is not Severity.OFF]
    if findings:
        by_severity = defaultdict(int)
        for finding in findings:
            by_severity[str(finding.severity)] += 1
        detail = ", ".join(f"{n} {s}" for s, n in by_severity.items())
        counted.append(("findings", f"{len(findings)} ({detail})"))
    if not counted:  # a table needs a column
        return ["", "## Totals", "", "No links and no findings."]
    head = " | ".join(name for name, _ in counted)
    lines = ["", "## Totals", "", f"| {head} |", "| " + " | ".join("---:" for _ in counted) + " |",
             "| " + " | ".join(str(n) for _, n in counted) + " |"]
    if run.count(Status.NEW_FAILURE):
        lines += ["", "A *new failure* is a remote link that failed in this run but not yet in "
                  "enough runs in a row to be called broken; it does not fail the job."]
    return lines


def _by_file(run: RunResult, found: list[Problem], fails: list[bool]) -> list[str]:
    markers = _change_markers(run.changes)
    sections = _sections(run, found)
    information: dict[str, tuple[str, ...]] = {}  # rule id -> the cells of its row
    rows: dict[str, list[_Row]] = defaultdict(list)
    for problem, failing in zip(found, fails, strict=True):
        rows[problem.file].append(_row(problem, failing, markers, sections, information))
    links: dict[str, int] = defaultdict(int)
    for document in run.documents:
        links[document.file] += len(document.links)
    order = sorted(rows, key=lambda f: (min(r.rank for r in rows[f]), f))
    lines = []
    for file in order:
        grouped = _grouped(rows[file])
        fixing = sum(len(r.lines) for r in grouped if r.rank == 0)
        lines += ["", f"## {escape_cell(file)}", "",
                  f"{links[file]} links; {fixing} to fix, {len(rows[file]) - fixing} to review.",
                  ""]
        lines += _HEADER
        lines += [f"| {_lines(r.lines)} | " + " | ".join(r.cells) + " |" for r in grouped]
    return lines


def _grouped(rows: list[_Row]) -> list[_Row]:
    """Rows ordered by rank then line; identical rows (but for the line) made one."""
    merged: dict[tuple, list[str]] = {}
    for row in sorted(rows, key=_RANK_AND_PLACE):
        merged.setdefault((row.rank, row.cells), []).extend(row.lines)
    return [_Row(rank, (), tuple(lines), cells) for (rank, cells), lines in merged.items()]


def _lines(lines: tuple[str, ...], shown: int = 12) -> str:
    if len(lines) <= shown:
        return ", ".join(lines)
    return ", ".join(lines[:shown]) + f" … ({len(lines)} lines)"


def _sections(run: RunResult, found: list[Problem]) -> dict[tuple[str, int], str]:
    """(file, line) -> the section of the first link on that line, for the lines of the
    problems that are not a link's (a link problem has its own): where a finding is."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for problem in found:
        if problem.link is None:
            wanted[problem.file].add(problem.line or 0)
    sections: dict[tuple[str, int], str] = {}
    for document in run.documents:
        lines = wanted.get(document.file)
        for link in document.links if lines else ():
            if link.line in lines:
                sections.setdefault((link.file, link.line), link.section)
    return sections


def _row(problem: Problem, failing: bool, markers: dict[tuple[str, str], str],
         sections: dict[tuple[str, int], str], information: dict[str, tuple[str, ...]]) -> _Row:
    """`information`: the cells of each rule's information row, made once per report."""
    rank = 0 if failing else _RANK[problem.severity] or 1
    line, column = problem.line, problem.column
    # lines and columns count from 1: a problem without them sorts first
    where, place = (f"{line}:{column}", (line, column)) if line and column else \
        (str(line), (line,)) if line else ("", (0,))
    if problem.link is not None and problem.result is not None:
        section, link = problem.link.section, code_cell(problem.link.url)
        what, detail = LINK_LABELS[problem.result.status], _link_detail(problem)
        change = markers.get((problem.file, problem.link.resolved_url), "")
    elif problem.finding is not None and rank == 2:  # information: one row per rule and file
        cells = information.get(problem.finding.rule_id)
        if cells is None:
            cells = information[problem.finding.rule_id] = _information(problem.finding)
        return _Row(rank, place, (where,), cells)
    elif problem.finding is not None:
        finding = problem.finding
        what, change = f"{finding.rule_id} {code_cell(finding.rule)}", ""
        link, detail = code_cell(finding.url) if finding.url else "", escape_cell(problem.message)
        if finding.replacement is not None:
            detail += f" Fix: {code_cell(finding.replacement)}"
        section = sections.get((problem.file, problem.line or 0), "")
    else:
        what, detail = f"input: {escape_cell(problem.identity)}", escape_cell(problem.message)
        link, change, section = "", "", sections.get((problem.file, problem.line or 0), "")
    what = f"**{what}**" if rank == 0 else what
    section = escape_cell(section, _SECTION_LIMIT) if section else ""
    return _Row(rank, place, (where,), (what, change, section, link, detail))


def _information(finding: Finding) -> tuple[str, ...]:
    """The cells of a rule's information row: what, change, section, link, detail."""
    rule = find_rule(finding.rule_id)
    title = escape_cell(rule.title) if rule else ""
    return (f"{finding.rule_id} {code_cell(finding.rule)}", "", "", "",
            f"{title} (information; each one is in linkcheck.json)")


def _link_detail(problem: Problem) -> str:
    result = problem.result
    assert result is not None
    detail = escape_cell(result.reason)
    if result.status is Status.REDIRECTED and result.final_url:
        detail += f" → {code_cell(result.final_url)}"
    if result.suggestion:
        detail += f"; archived copy: {code_cell(result.suggestion)}"
    return detail


def _change_markers(changes: Changes | None) -> dict[tuple[str, str], str]:
    if changes is None:
        return {}
    markers = {(c.file, c.target): "*new*" for c in changes.new}
    markers.update({(c.file, c.target): f"still broken ({_since(c)})"
                    for c in changes.still_broken})
    return markers


def _since(change: Change) -> str:
    """`since DATE, N runs` from the result store; other problems only predate the last report."""
    runs = f"{change.failed_runs} run{'s' if change.failed_runs != 1 else ''}"
    if change.since is None:
        return runs if change.failed_runs else "before the last report"
    return f"since {escape_cell(change.since[:10])}" + (f", {runs}" if change.failed_runs else "")


def _fixed(changes: Changes | None) -> list[str]:
    if changes is None or not changes.fixed:
        return []
    lines = ["", f"## Fixed since the last report ({len(changes.fixed)})", "",
             "| File | Line | Link | Was | Now |", "| --- | ---: | --- | --- | --- |"]
    lines += [f"| {escape_cell(c.file)} | {c.line} | {code_cell(c.url)} | "
              f"{_label(c.previous_status or '')} | {_label(c.status)} |" for c in changes.fixed]
    return lines


def _label(status: str) -> str:
    known = Status._value2member_map_.get(status)
    return LINK_LABELS.get(known, escape_cell(status)) if known else escape_cell(status)


def _quiet_files(run: RunResult, found: list[Problem]) -> list[str]:
    with_problems = {p.file for p in found}
    quiet = sorted(doc.file for doc in run.documents if doc.file not in with_problems)
    if not quiet:
        return []
    names = ", ".join(escape_cell(f) for f in quiet)
    return ["", f"Files with nothing to report ({len(quiet)}): {names}."]
