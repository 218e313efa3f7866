"""The JSON report: the project's public interface (documented in the README)."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..models import Change, Changes, CheckResult, Diagnostic, Finding, Link, RunResult, Status
from .json_text import dumps_indented
from .problems import sorted_links
from .text import cap

SCHEMA_VERSION = 1
# Contributor-written values are capped so one hostile line cannot bloat the report.
TEXT_LIMIT = 1000
URL_LIMIT = 8192


def link_entry(link: Link, result: CheckResult) -> dict[str, Any]:
    return {
        "file": link.file,
        "line": link.line,
        "column": link.column,
        "url": cap(link.url, URL_LIMIT),
        "resolved_url": cap(link.resolved_url, URL_LIMIT),
        "text": cap(link.text, TEXT_LIMIT),
        "kind": str(link.kind),
        "section": link.section,
        "status": str(result.status),
        "reason": result.reason,
        "status_code": result.status_code,
        "final_url": result.final_url and cap(result.final_url, URL_LIMIT),
        "permanent": result.permanent,
        "redirects": [{"url": h.url, "status_code": h.status_code} for h in result.redirects],
        "from_cache": result.from_cache,
        "first_failed_at": result.first_failed_at,
        "failed_runs": result.failed_runs,
        "archived": result.archived,
        "suggestion": result.suggestion and cap(result.suggestion, URL_LIMIT),
    }


def finding_entry(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "rule_id": finding.rule_id,
        "severity": str(finding.severity),
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "url": finding.url,
        "replacement": finding.replacement,
        "related": [{"file": f, "line": line} for f, line in finding.related],
    }


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
        "unique_remote_urls": len({link.resolved_url for link in run.links if link.is_remote}),
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


def build(run: RunResult) -> dict[str, Any]:
    diagnostics = sorted(
        (d for doc in run.documents for d in doc.diagnostics),
        key=lambda d: (d.file, d.line or 0, d.code, d.message),
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "linkcheck", "version": __version__},
        "summary": summary(run),
        "notes": list(run.notes),
        "changes": changes_entry(run.changes),
        "diagnostics": [diagnostic_entry(d) for d in diagnostics],
        "links": [link_entry(link, run.result_for(link)) for link in sorted_links(run)],
        "findings": [finding_entry(f) for f in run.findings],
    }


def render(run: RunResult) -> str:
    return dumps_indented(build(run)) + "\n"  # the text json.dumps(indent=2) writes, faster
