"""Shared fixtures of the report tests: a run with one problem of each kind, hostile text in it."""

from __future__ import annotations

import pytest

from linkcheck.models import (
    CheckResult,
    Diagnostic,
    Document,
    Finding,
    Link,
    LinkKind,
    RunResult,
    Severity,
    Status,
)


@pytest.fixture
def sample_run() -> RunResult:
    hostile = "https://x.test/a,b:c%41\r\n::error file=evil::pwned"
    links = (
        Link("docs/a, b.md", 4, 7, hostile, hostile, "t", LinkKind.INLINE, "S"),
        Link("docs/a, b.md", 9, 2, "https://x.test/moved", "https://x.test/moved", "t",
             LinkKind.INLINE, "S"),
        Link("docs/a, b.md", 11, 1, "https://x.test/new", "https://x.test/new", "t",
             LinkKind.INLINE, "S"),
        Link("docs/a, b.md", 12, 1, "https://x.test/ok", "https://x.test/ok", "t",
             LinkKind.INLINE, "S"),
    )
    results = {
        hostile: CheckResult(hostile, Status.BROKEN, "HTTP 404\nNot Found"),
        "https://x.test/moved": CheckResult("https://x.test/moved", Status.REDIRECTED,
                                            "moved permanently", 200, "https://x.test/new-home"),
        "https://x.test/new": CheckResult("https://x.test/new", Status.NEW_FAILURE, "HTTP 500"),
        "https://x.test/ok": CheckResult("https://x.test/ok", Status.OK, "HTTP 200"),
    }
    diagnostics = (Diagnostic("docs/a, b.md", 2, "invalid UTF-8", "decode-error"),)
    findings = (Finding("bare-url", "LC105", Severity.INFO, "docs/a, b.md", 20, 3, "bare URL"),)
    return RunResult((Document("docs/a, b.md", links, diagnostics=diagnostics),), results,
                     findings)
