"""The JSON report: the project's public interface (documented in the README)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Any, TextIO

from .. import __version__
from ..models import Change, Changes, CheckResult, Diagnostic, Finding, Link, RunResult, Status
from .json_text import Streamed, Written, dump_indented
from .problems import remote_urls, sorted_links
from .text import cap, json_visible

SCHEMA_VERSION = 1
# the `$id` of linkcheck.schema.json beside this module, which describes the report
SCHEMA_ID = "urn:curriculum-linkcheck:report:1"
# Contributor-written values are capped so one hostile line cannot bloat the report.
TEXT_LIMIT = 1000
URL_LIMIT = 8192


# The keys of link_entry and finding_entry: the writer's fast path relies on them. A link's
# entry is its own values, then its verdict's (VERDICT_KEYS), which the links to one target share.
LINK_KEYS = (
    "file", "line", "column", "url", "resolved_url", "text", "kind", "section", "status",
    "reason", "status_code", "final_url", "permanent", "redirects", "from_cache",
    "first_failed_at", "failed_runs", "archived", "suggestion",
)
VERDICT_KEYS = LINK_KEYS[8:]
FINDING_KEYS = (
    "rule", "rule_id", "severity", "file", "line", "column", "message", "url", "replacement",
    "related",
)


def link_entry(link: Link, result: CheckResult) -> dict[str, Any]:
    return dict(zip(LINK_KEYS, (*link_values(link), *verdict_values(result)), strict=True))


def link_values(link: Link) -> tuple[Any, ...]:
    """The link's own values in its entry, in the order of LINK_KEYS."""
    return (
        link.file, link.line, link.column, cap(link.url, URL_LIMIT),
        cap(link.resolved_url, URL_LIMIT), cap(link.text, TEXT_LIMIT), str(link.kind),
        link.section,
    )


# What of a verdict a link's entry shows: verdicts alike in these have the same values.
_SHOWN = attrgetter("status", "reason", "status_code", "final_url", "permanent", "redirects",
                    "from_cache", "first_failed_at", "failed_runs", "archived", "suggestion")


def verdict_values(result: CheckResult) -> tuple[Any, ...]:
    """The verdict's values in a link's entry, in the order of VERDICT_KEYS: made of what
    it shows (_SHOWN) alone."""
    (status, reason, status_code, final_url, permanent, redirects, from_cache, first_failed_at,
     failed_runs, archived, suggestion) = _SHOWN(result)
    return (
        str(status), reason, status_code, final_url and cap(final_url, URL_LIMIT), permanent,
        [{"url": h.url, "status_code": h.status_code} for h in redirects], from_cache,
        first_failed_at, failed_runs, archived, suggestion and cap(suggestion, URL_LIMIT),
    )


def finding_entry(finding: Finding) -> dict[str, Any]:
    return dict(zip(FINDING_KEYS, finding_values(finding), strict=True))


def finding_values(finding: Finding) -> tuple[Any, ...]:
    """The finding's values in its entry, in the order of FINDING_KEYS."""
    return (
        finding.rule, finding.rule_id, str(finding.severity), finding.file, finding.line,
        finding.column, finding.message, finding.url, finding.replacement,
        [{"file": f, "line": line} for f, line in finding.related],
    )


def diagnostic_entry(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "file": diagnostic.file,
        "line": diagnostic.line,
        "code": diagnostic.code,
        "message": diagnostic.message,
    }


def summary(run: RunResult) -> dict[str, Any]:
    counts = {str(status): run.count(status) for status in Status}
    return {
        "files": len(run.documents),
        "links": len(run.links),
        "unique_remote_urls": remote_urls(run),
        "statuses": counts,
        "findings": len(run.findings),
        "diagnostics": sum(len(doc.diagnostics) for doc in run.documents),
        "offline": run.offline,
        "network_down": run.network_down,
        "changed_since": run.scope.ref if run.scope is not None else None,
    }


def change_entry(change: Change) -> dict[str, Any]:
    return {
        "file": change.file,
        "line": change.line,
        "url": cap(change.url, URL_LIMIT),
        "resolved_url": cap(change.target, URL_LIMIT),
        "status": change.status,
        "previous_status": change.previous_status,
        "reason": change.reason,
        "since": change.since,
        "failed_runs": change.failed_runs,
    }


def changes_entry(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "baseline": changes.baseline,
        "new": [change_entry(c) for c in changes.new],
        "still_broken": [change_entry(c) for c in changes.still_broken],
        "fixed": [change_entry(c) for c in changes.fixed],
    }


def items(run: RunResult, findings: Callable[[], str] | None = None
          ) -> Iterator[tuple[str, Any]]:
    """The report's top-level items in order; links and findings are streamed, each entry
    made as it is written (a report of 200,000 links is never held whole). `findings`: the
    findings' text, made elsewhere (`findings_text`), asked for when the writer gets there."""
    diagnostics = sorted(
        (d for doc in run.documents for d in doc.diagnostics),
        key=lambda d: (d.file, d.line or 0, d.code, d.message),
    )
    yield "$schema", SCHEMA_ID
    yield "schema_version", SCHEMA_VERSION
    yield "tool", {"name": "linkcheck", "version": __version__}
    yield "summary", summary(run)
    yield "notes", list(run.notes)
    yield "changes", changes_entry(run.changes)
    yield "diagnostics", [diagnostic_entry(d) for d in diagnostics]
    yield "links", Streamed(_link_rows(run), LINK_KEYS[:8], nested=("redirects",), rows=True,
                            shared=VERDICT_KEYS)
    yield "findings", _findings(run) if findings is None else Written(findings)


def _findings(run: RunResult) -> Streamed:
    return Streamed(map(finding_values, run.findings), FINDING_KEYS, nested=("related",),
                    rows=True)


def findings_text(run: RunResult) -> str:
    """The findings as `write` writes them (before json_visible): made by one process while
    another writes the rest of the report (cli.py)."""
    buffer = io.StringIO()
    dump_indented([("findings", _findings(run))], buffer)
    text = buffer.getvalue()  # '{' newline '  "findings": ' the value newline '}'
    return text[text.index(": ") + 2:-2]


def _link_rows(run: RunResult) -> Iterator[tuple[Any, ...]]:
    """Each link's values, the last one the tuple of its verdict's: one tuple for all the
    verdicts that show alike (most of a run's), so that the writer makes its text once."""
    results = run.results
    alike: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # what a verdict shows -> its values
    by_target: dict[str, tuple[Any, ...]] = {}
    for link in sorted_links(run):
        verdict = by_target.get(link.resolved_url)
        if verdict is None:
            result = results[link.resolved_url]
            verdict = alike.get(shown := _SHOWN(result))
            if verdict is None:
                verdict = alike[shown] = verdict_values(result)
            by_target[link.resolved_url] = verdict
        yield link_values(link) + (verdict,)


def build(run: RunResult) -> dict[str, Any]:
    """The whole report as one dict (what `write` writes, held in memory)."""
    return {key: list(value.entries()) if isinstance(value, Streamed) else value
            for key, value in items(run)}


def write(run: RunResult, out: TextIO, findings: Callable[[], str] | None = None) -> None:
    """The text json.dumps(build(run), indent=2) gives, written piece by piece, faster; the
    characters a terminal would obey written as escapes (text.json_visible). `findings`: see
    `items`."""
    dump_indented(items(run, findings), _Visible(out))
    out.write("\n")


class _Visible:
    """A text stream that passes what it is given through json_visible."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(json_visible(text))


def render(run: RunResult) -> str:
    buffer = io.StringIO()
    write(run, buffer)
    return buffer.getvalue()
