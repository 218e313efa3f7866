"""Helpers for the site-check tests: one run of `linkcheck run` in-process, reports read back.

The loopback stand-ins of the site APIs are the `apis` fixture (conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from linkcheck.cli import main


@dataclass
class Run:
    code: int
    report: dict
    markdown: str
    err: str

    def verdict(self, url: str) -> tuple[str, str]:
        (link,) = [link for link in self.report["links"] if link["url"] == url]
        return link["status"], link["reason"]

    def link(self, url: str) -> dict:
        return next(link for link in self.report["links"] if link["url"] == url)

    def findings(self, rule: str) -> list[dict]:
        return [f for f in self.report["findings"] if f["rule"] == rule]


# The stand-ins speak plain HTTP on loopback: the https twins insecure-http would try take a
# TLS handshake's timeout each, and are not what these tests are about.
NO_HTTPS_TWINS = 'rules:\n  insecure-http:\n    severity: "off"\n'
# The stand-ins are on loopback: checked, not skipped as placeholders (`run` and `fix` alike).
ON_LOOPBACK = "check:\n  allow_private: true\n"


def run_linkcheck(tmp_path: Path, capsys, config: str, doc: str, *flags: str) -> Run:
    """`linkcheck run doc.md` with this config (the insecure-http rule off) and document."""
    (tmp_path / "linkcheck.yml").write_text(config + NO_HTTPS_TWINS + ON_LOOPBACK,
                                            encoding="utf-8")
    (tmp_path / "doc.md").write_text(doc, encoding="utf-8")
    code = main(["run", "doc.md", "--output-dir", "out", "--timeout", "5", "-q", *flags])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "out" / "linkcheck.md").read_text(encoding="utf-8")
    return Run(code, report, markdown, capsys.readouterr().err)
