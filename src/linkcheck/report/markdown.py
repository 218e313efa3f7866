"""The markdown report, for people reviewing a pull request: counts, changes, then problems by file.

Link text and URLs come from contributors, so every value is escaped for a GitHub table cell:
no value can end the cell, open a link or an HTML tag, mention a user, or show up as a
clickable `javascript:` or `data:` URL (URLs are always shown as code, never as links).
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..models import Change, Changes, Finding, Link, RunResult, Status
from ..rules import find_rule
from .problems import LINK_PROBLEMS, Problem, ProblemKind, problems, sorted_links
from .text import cap, visible

PROBLEM_STATUSES = tuple(LINK_PROBLEMS)
_LABELS = {
    Status.BROKEN: "broken",
    Status.NEW_FAILURE: "new failure",
    Status.REDIRECTED: "moved",
    Status.UNVERIFIABLE: "unverifiable",
}
CELL_LIMIT = 200
_ESCAPED = "\\`*_[]<>()#!~|&"
_TO_ESCAPE = re.compile("[" + re.escape(_ESCAPED) + "]")  # a regex pass beats str.translate
ZWJ = "\u200d"
WORD_JOINER = "\u2060"
# What GitHub turns into links in plain text: scheme URLs and www. names
_AUTOLINKS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*:)(//)|\b(www)(\.)")


def _visible(value: str) -> str:
    """On one line (a table row), controls and invisible direction marks shown as U+XXXX."""
    value = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return visible(value)


def escape_cell(value: str, limit: int = CELL_LIMIT) -> str:
    """Make contributor text safe and literal inside a markdown table cell."""
    out = _TO_ESCAPE.sub(lambda m: "\\" + m.group(), _visible(cap(value, limit)))
    # an invisible joiner keeps GitHub from turning text into a link or a mention (which would
    # notify the user or team named)
    out = _AUTOLINKS.sub(lambda m: WORD_JOINER.join(g for g in m.groups() if g), out)
    return out.replace("@", "@" + ZWJ)


def code_cell(value: str, limit: int = CELL_LIMIT) -> str:
    """A URL shown as code, never as a clickable link, whatever backticks or pipes it holds."""
    value = _visible(cap(value, limit)).replace("|", "%7C")  # a pipe ends the cell even in code
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    fence = "`" * (longest + 1)
    # a space on each side stops a leading or trailing backtick from joining the fence
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def render(run: RunResult) -> str:
    found = problems(run)
    lines = ["# Link check report", "", _summary_line(run)]
    lines += _notes(run)
    lines += _changes(run.changes)  # what a reviewer wants first: what this run changed
    lines += _totals(run)
    lines += _diagnostics(found)
    lines += _file_health(run)
    lines += _problems_by_file(run, found)
    lines += _findings([p.finding for p in found if p.kind is ProblemKind.FINDING])
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary_line(run: RunResult) -> str:
    links = run.links
    line = (
        f"{len(run.documents)} files, {len(links)} links "
        f"({len({link.resolved_url for link in links if link.is_remote})} distinct remote URLs)."
    )
    if run.offline:
        line += " Remote links were not checked (offline run)."
    if run.scope is not None:
        line += (f" Only lines changed since {code_cell(run.scope.ref)} were judged; "
                 "links on other lines were not checked.")
    return line


def _totals(run: RunResult) -> list[str]:
    lines = ["", "## Totals", "", "| Status | Links |", "| --- | ---: |"]
    for status in Status:
        count = run.count(status)
        if count:
            lines.append(f"| {status} | {count} |")
    if run.findings:
        lines.append(f"| findings | {len(run.findings)} |")
    if run.count(Status.NEW_FAILURE):
        lines += ["", "A *new failure* is a remote link that failed in this run but not yet in "
                  "enough runs in a row to be called broken; it does not fail the job."]
    return lines


def _notes(run: RunResult) -> list[str]:
    lines: list[str] = []
    if run.network_down:
        lines += ["", "> **No network:** remote links could not be checked and are marked "
                  "unverifiable; nothing was reported broken because of it."]
    for note in run.notes:
        lines += ["", f"> {escape_cell(note, 1000)}"]
    return lines


def _changes(changes: Changes | None) -> list[str]:
    if changes is None:
        return []
    lines = ["", "## Changes since the last report"]
    if changes.baseline is None:
        lines += ["", "No previous report to compare with: every problem is new."]
    elif not (changes.new or changes.still_broken or changes.fixed):
        return lines + ["", "No change since the last report."]
    if changes.new:
        lines += ["", f"### New ({len(changes.new)})", "",
                  "| File | Line | Status | URL | Reason |", "| --- | ---: | --- | --- | --- |"]
        lines += [f"| {escape_cell(c.file)} | {c.line} | {_label(c.status)} | {code_cell(c.url)} | "
                  f"{escape_cell(c.reason)} |" for c in changes.new]
    if changes.still_broken:
        lines += ["", f"### Still broken ({len(changes.still_broken)})", "",
                  "| File | Line | Status | URL | Failing | Reason |",
                  "| --- | ---: | --- | --- | --- | --- |"]
        lines += [f"| {escape_cell(c.file)} | {c.line} | {_label(c.status)} | {code_cell(c.url)} | "
                  f"{_since(c)} | {escape_cell(c.reason)} |" for c in changes.still_broken]
    if changes.fixed:
        lines += ["", f"### Fixed ({len(changes.fixed)})", "", "| File | Line | URL | Was | Now |",
                  "| --- | ---: | --- | --- | --- |"]
        lines += [f"| {escape_cell(c.file)} | {c.line} | {code_cell(c.url)} | "
                  f"{_label(c.previous_status or '')} | {_label(c.status)} |"
                  for c in changes.fixed]
    return lines


def _label(status: str) -> str:
    known = Status._value2member_map_.get(status)
    return _LABELS.get(known, escape_cell(status)) if known else escape_cell(status)


def _since(change: Change) -> str:
    """`since DATE, N runs` from the result store; other problems only predate the last report."""
    runs = f"{change.failed_runs} run{'s' if change.failed_runs != 1 else ''}"
    if change.since is None:
        return runs if change.failed_runs else "before the last report"
    return f"since {escape_cell(change.since[:10])}" + (f", {runs}" if change.failed_runs else "")


def _diagnostics(found: list[Problem]) -> list[str]:
    diagnostics = sorted(
        (p.diagnostic for p in found if p.diagnostic is not None),
        key=lambda d: (d.file, d.line or 0, d.message),
    )
    if not diagnostics:
        return []
    lines = ["", "## Input problems", "", "| File | Line | Problem |", "| --- | ---: | --- |"]
    for d in diagnostics:
        lines.append(f"| {escape_cell(d.file)} | {d.line or ''} | {escape_cell(d.message)} |")
    return lines


def _health_counts(run: RunResult, links: list[Link]) -> dict[Status, int]:
    counts = dict.fromkeys(PROBLEM_STATUSES, 0)
    for link in links:
        status = run.result_for(link).status
        if status in counts:
            counts[status] += 1
    return counts


def health_line(run: RunResult, links: list[Link]) -> str:
    """One file's health in a sentence: links, broken, new failures, moved, unverifiable."""
    counts = _health_counts(run, links)
    parts = [f"{counts[Status.BROKEN]} broken"]
    if counts[Status.NEW_FAILURE]:
        parts.append(f"{counts[Status.NEW_FAILURE]} new failure"
                     + ("s" if counts[Status.NEW_FAILURE] != 1 else ""))
    parts += [f"{counts[Status.REDIRECTED]} moved", f"{counts[Status.UNVERIFIABLE]} unverifiable"]
    return f"{len(links)} links: " + ", ".join(parts)


def _links_by_file(run: RunResult) -> dict[str, list[Link]]:
    by_file: dict[str, list[Link]] = {doc.file: [] for doc in run.documents}
    for link in sorted_links(run):
        by_file.setdefault(link.file, []).append(link)
    return dict(sorted(by_file.items()))


def _file_health(run: RunResult) -> list[str]:
    if not run.documents:
        return []
    lines = ["", "## Files", "", "| File | Links | Broken | New failures | Moved | Unverifiable |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for file, links in _links_by_file(run).items():
        c = _health_counts(run, links)
        counts = " | ".join(str(c[status]) for status in PROBLEM_STATUSES)
        lines.append(f"| {escape_cell(file)} | {len(links)} | {counts} |")
    return lines


def _problems_by_file(run: RunResult, found: list[Problem]) -> list[str]:
    """Problems as the curriculum reads: by file, then by section heading, in line order."""
    lines: list[str] = []
    listed: dict[str, list[Link]] = defaultdict(list)
    for problem in found:
        if problem.link is not None:
            listed[problem.file].append(problem.link)
    for file, links in _links_by_file(run).items():
        if file not in listed:
            continue
        if not lines:
            lines = ["", "## Problems by file"]
        lines += ["", f"### {escape_cell(file)}", "", health_line(run, links)]
        by_section: dict[str, list[Link]] = defaultdict(list)
        for link in listed[file]:
            by_section[link.section].append(link)
        for section, section_links in by_section.items():  # first appearance: document order
            title = escape_cell(section) if section else "(before the first heading)"
            lines += ["", f"#### {title}", "", "| Line | Status | Text | URL | Reason |",
                      "| ---: | --- | --- | --- | --- |"]
            lines += [_problem_row(run, link) for link in section_links]
    return lines


def _problem_row(run: RunResult, link: Link) -> str:
    result = run.result_for(link)
    reason = escape_cell(result.reason)
    if result.status == Status.REDIRECTED and result.final_url:
        reason += f" → {code_cell(result.final_url)}"
    if result.suggestion:
        reason += f"; archived copy: {code_cell(result.suggestion)}"
    return (
        f"| {link.line}:{link.column} | {_LABELS[result.status]} | {escape_cell(link.text)} | "
        f"{code_cell(link.url)} | {reason} |"
    )


def _findings(found: list[Finding]) -> list[str]:
    """Content-quality findings: a section per rule, grouped by file, with line numbers."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in found:
        by_rule[finding.rule_id].append(finding)
    if not by_rule:
        return []
    lines = ["", "## Content findings"]
    for rule_id, findings in sorted(by_rule.items()):
        rule = find_rule(rule_id)
        title = f": {escape_cell(rule.title)}" if rule else ""
        lines += ["", f"### {rule_id} {code_cell(findings[0].rule)}{title} ({len(findings)})"]
        by_file: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            by_file[finding.file].append(finding)
        for file, in_file in sorted(by_file.items()):
            lines += ["", f"#### {escape_cell(file)}", "", "| Line | Severity | Finding | Fix |",
                      "| ---: | --- | --- | --- |"]
            lines += [
                f"| {f.line}:{f.column} | {f.severity} | {escape_cell(f.message)} | "
                f"{code_cell(f.replacement) if f.replacement is not None else ''} |"
                for f in sorted(in_file, key=lambda f: (f.line, f.column))
            ]
    return lines
