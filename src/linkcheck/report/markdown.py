"""The markdown report, for people reviewing a pull request: counts, then problems by file."""

from __future__ import annotations

from collections import defaultdict

from ..models import Link, Status
from ..pipeline import RunResult
from .json_report import sorted_links

PROBLEM_STATUSES = (Status.BROKEN, Status.REDIRECTED, Status.UNVERIFIABLE)
_TITLES = {
    Status.BROKEN: "Broken",
    Status.REDIRECTED: "Moved permanently",
    Status.UNVERIFIABLE: "Could not verify (not counted as broken; please look)",
}


def escape_cell(value: str, limit: int = 200) -> str:
    """Make contributor text safe inside a markdown table cell."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    out = value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "[]<>`*_@":
        out = out.replace(ch, "\\" + ch)
    return out


def code_cell(value: str, limit: int = 200) -> str:
    """A URL shown as code, never as a clickable link."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("|", "%7C").replace("\n", " ")
    fence = "``" if "`" in value else "`"
    return f"{fence} {value} {fence}" if fence == "``" else f"`{value}`"


def render(run: RunResult) -> str:
    lines = ["# Link check report", ""]
    lines += _summary_table(run)
    if run.network_down:
        lines += ["", "> **No network:** remote links could not be checked and are marked "
                  "unverifiable; nothing was reported broken because of it.", ""]
    lines += _diagnostics(run)
    for status in PROBLEM_STATUSES:
        lines += _problems(run, status)
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary_table(run: RunResult) -> list[str]:
    links = run.links
    lines = [
        f"{len(run.documents)} files, {len(links)} links "
        f"({len({link.resolved_url for link in links if link.is_remote})} distinct remote URLs)."
        + (" Remote links were not checked (offline run)." if run.offline else ""),
        "",
        "| Status | Links |",
        "| --- | ---: |",
    ]
    for status in Status:
        count = run.count(status)
        if count:
            lines.append(f"| {status} | {count} |")
    if run.findings:
        lines.append(f"| findings | {len(run.findings)} |")
    return lines


def _diagnostics(run: RunResult) -> list[str]:
    diagnostics = sorted(
        (d for doc in run.documents for d in doc.diagnostics),
        key=lambda d: (d.file, d.line or 0, d.message),
    )
    if not diagnostics:
        return []
    lines = ["", "## Input problems", "", "| File | Line | Problem |", "| --- | ---: | --- |"]
    for d in diagnostics:
        lines.append(f"| {escape_cell(d.file)} | {d.line or ''} | {escape_cell(d.message)} |")
    return lines


def _problems(run: RunResult, status: Status) -> list[str]:
    by_file: dict[str, list[Link]] = defaultdict(list)
    for link in sorted_links(run):
        if run.result_for(link).status == status:
            by_file[link.file].append(link)
    if not by_file:
        return []
    lines = ["", f"## {_TITLES[status]}"]
    for file, links in sorted(by_file.items()):
        lines += ["", f"### {escape_cell(file)}", "", "| Line | Text | URL | Reason |",
                  "| ---: | --- | --- | --- |"]
        for link in links:
            result = run.result_for(link)
            reason = escape_cell(result.reason)
            if status == Status.REDIRECTED and result.final_url:
                reason += f" → {code_cell(result.final_url)}"
            lines.append(
                f"| {link.line}:{link.column} | {escape_cell(link.text)} | {code_cell(link.url)} | "
                f"{reason} |"
            )
    return lines
