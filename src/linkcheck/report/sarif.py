"""SARIF 2.1.0 (reports/linkcheck.sarif) for GitHub code scanning: each problem on its line.

The log is deterministic like the other reports: no timestamps, results in a fixed order, and
fingerprints built from the rule, file and target, so a problem keeps its identity when its line
moves.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..models import Link, RunResult, Severity, Status
from ..rules.source import Source
from .problems import Problem, ProblemKind, problems
from .text import cap, json_visible, visible

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
MESSAGE_LIMIT = 2000
# The link statuses worth a result, as rules of their own: status -> (id, name, level, description)
LINK_RULES = {
    Status.BROKEN: ("LINK001", "broken-link", "error", "The link target does not exist."),
    Status.NEW_FAILURE: ("LINK002", "new-link-failure", "warning",
                         "A remote link failed in this run; it is broken if it keeps failing."),
    Status.REDIRECTED: ("LINK003", "moved-link", "warning",
                        "The link redirects permanently: use the final URL."),
    Status.UNVERIFIABLE: ("LINK004", "unverifiable-link", "note",
                          "The link could not be verified (bot wall, login, no answer)."),
}
INPUT_RULE = ("LINK000", "input-problem", "error", "A markdown file could not be read as expected.")
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule_id: str, name: str, level: str, description: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": description},
        "defaultConfiguration": {"level": level},
    }


def _result(rule_id: str, level: str, message: str, file: str, line: int | None,
            column: int | None, identity: str) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(line or 1, 1)}
    if column:
        region["startColumn"] = column
    fingerprint = hashlib.sha256(f"{rule_id}\0{file}\0{identity}".encode()).hexdigest()[:32]
    return {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": cap(visible(message), MESSAGE_LIMIT)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": quote(file, safe="/")},
            "region": region,
        }}],
        "partialFingerprints": {"linkcheck/v1": fingerprint},
    }


def _rule_of(problem: Problem) -> tuple[str, str, str, str]:
    """(id, name, level, description) of the SARIF rule a problem is a result of."""
    if problem.kind is ProblemKind.LINK:
        return LINK_RULES[problem.result.status]
    if problem.kind is ProblemKind.FINDING:
        f = problem.finding
        return f.rule_id, f.rule, _LEVELS[f.severity], f.rule
    return INPUT_RULE


def _fix(link: Link, replacement: str, sources: dict[str, Source | None]) -> dict | None:
    """A SARIF fix replacing the URL as written with `replacement`, if it can be found."""
    if link.file not in sources:
        sources[link.file] = Source.read(link.file)
    source = sources[link.file]
    at = source.locate_url(link.line, link.column, link.url) if source else None
    if source is None or at is None or visible(replacement) != replacement:
        return None  # (a server's replacement with controls in it is not offered)
    (line, column), end = source.position(at), source.position(at + len(link.url))
    region = {"startLine": line, "startColumn": column, "endLine": end[0], "endColumn": end[1]}
    return {
        "description": {"text": "Link the archived copy (a verified Wayback Machine snapshot)"},
        "artifactChanges": [{
            "artifactLocation": {"uri": quote(link.file, safe="/")},
            "replacements": [{"deletedRegion": region, "insertedContent": {"text": replacement}}],
        }],
    }


def build(run: RunResult) -> dict[str, Any]:
    rules = {INPUT_RULE[0]: _rule(*INPUT_RULE)}
    rules.update({spec[0]: _rule(*spec) for spec in LINK_RULES.values()})
    results = []
    sources: dict[str, Source | None] = {}  # read once per file, for the fixes
    for problem in problems(run):
        rule = _rule_of(problem)
        rules.setdefault(rule[0], _rule(*rule))
        result = _result(rule[0], _LEVELS[problem.severity], problem.message,
                         problem.file, problem.line, problem.column, problem.identity)
        if problem.link is not None and problem.result and problem.result.suggestion:
            fix = _fix(problem.link, problem.result.suggestion, sources)
            if fix is not None:
                result["fixes"] = [fix]
        results.append(result)
    ordered = sorted(rules)
    for result in results:
        result["ruleIndex"] = ordered.index(result["ruleId"])
    driver = {
        "name": "linkcheck",
        "version": __version__,
        "rules": [rules[rule_id] for rule_id in ordered],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}
        ],
    }


def render(run: RunResult) -> str:
    return json_visible(json.dumps(build(run), indent=2, ensure_ascii=False)) + "\n"
