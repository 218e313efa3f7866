"""The JSON report: the project's public interface (documented in the README)."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..models import CheckResult, Diagnostic, Finding, Link, Status
from ..pipeline import RunResult

SCHEMA_VERSION = 1


def link_entry(link: Link, result: CheckResult) -> dict[str, Any]:
    return {
        "file": link.file,
        "line": link.line,
        "column": link.column,
        "url": link.url,
        "resolved_url": link.resolved_url,
        "text": link.text,
        "kind": str(link.kind),
        "section": link.section,
        "status": str(result.status),
        "reason": result.reason,
        "status_code": result.status_code,
        "final_url": result.final_url,
        "permanent": result.permanent,
        "redirects": [{"url": h.url, "status_code": h.status_code} for h in result.redirects],
        "from_cache": result.from_cache,
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


def sorted_links(run: RunResult) -> list[Link]:
    return sorted(run.links, key=lambda link: (link.file, link.line, link.column, link.url))


def summary(run: RunResult) -> dict[str, Any]:
    counts = {str(status): 0 for status in Status}
    for link in run.links:
        counts[str(run.result_for(link).status)] += 1
    return {
        "files": len(run.documents),
        "links": len(run.links),
        "unique_remote_urls": len({link.resolved_url for link in run.links if link.is_remote}),
        "statuses": counts,
        "findings": len(run.findings),
        "diagnostics": sum(len(doc.diagnostics) for doc in run.documents),
        "offline": run.offline,
        "network_down": run.network_down,
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
        "diagnostics": [diagnostic_entry(d) for d in diagnostics],
        "links": [link_entry(link, run.result_for(link)) for link in sorted_links(run)],
        "findings": [finding_entry(f) for f in run.findings],
    }


def render(run: RunResult) -> str:
    return json.dumps(build(run), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
