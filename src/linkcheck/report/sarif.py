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
from ..models import RunResult, Severity, Status
from . import said_once
from .json_report import sorted_links

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


def _cap(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


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
        "message": {"text": _cap(message)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": quote(file, safe="/")},
            "region": region,
        }}],
        "partialFingerprints": {"linkcheck/v1": fingerprint},
    }


def _link_results(run: RunResult) -> list[dict[str, Any]]:
    results = []
    for link in sorted_links(run):
        check = run.result_for(link)
        if check.status not in LINK_RULES or said_once(check):
            continue
        rule_id, _, level, _ = LINK_RULES[check.status]
        message = f"{link.url}: {check.reason}"
        if check.status == Status.REDIRECTED and check.final_url:
            message += f"; use {check.final_url}"
        results.append(_result(rule_id, level, message, link.file, link.line, link.column,
                               link.resolved_url))
    return results


def build(run: RunResult) -> dict[str, Any]:
    rules = {INPUT_RULE[0]: _rule(*INPUT_RULE)}
    rules.update({spec[0]: _rule(*spec) for spec in LINK_RULES.values()})
    results = []
    for doc in run.documents:
        for d in doc.diagnostics:
            results.append(_result(INPUT_RULE[0], "error", d.message, d.file, d.line, None, d.code))
    results += _link_results(run)
    for f in run.findings:
        if f.severity not in _LEVELS:
            continue
        rules.setdefault(f.rule_id, _rule(f.rule_id, f.rule, _LEVELS[f.severity], f.rule))
        results.append(_result(f.rule_id, _LEVELS[f.severity], f.message, f.file, f.line,
                               f.column, f"{f.url or ''}\0{f.message}"))
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
    return json.dumps(build(run), indent=2, ensure_ascii=False) + "\n"
