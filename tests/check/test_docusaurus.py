"""`site: docusaurus`: local links and anchors as a Docusaurus docs site serves them.

The fixture site (tests/fixtures/docusaurus) lists each link with its expected verdict under
GitHub's rules and under Docusaurus' in a table beside it; one test runs both.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from linkcheck.check.docusaurus import strip_number_prefix
from linkcheck.cli import main

SITE = Path(__file__).parent.parent / "fixtures" / "docusaurus"
ROW = re.compile(r"^\| \[[^\]]*\]\(([^)]*)\) \| (\w+) \| (\w+) \|$", re.M)


def expected(column: int) -> dict[str, str]:
    text = (SITE / "docs" / "links.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(column) for m in ROW.finditer(text)}


@pytest.mark.parametrize(("site", "column"), [("github", 2), ("docusaurus", 3)])
def test_links_follow_the_sites_rules(tmp_path, monkeypatch, site, column):
    shutil.copytree(SITE / "docs", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "linkcheck.yml").write_text(f"paths: [docs/]\nsite: {site}\n", encoding="utf-8")
    main(["run", "--offline", "--no-cache", "--output-dir", "out", "-q"])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    found = {link["url"]: link["status"] for link in report["links"]
             if link["file"] == "docs/links.md"}
    wanted = expected(column)
    assert len(wanted) == 16
    assert found == wanted


def test_reasons_name_the_doc_a_route_opens(tmp_path, monkeypatch):
    shutil.copytree(SITE / "docs", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "linkcheck.yml").write_text("paths: [docs/]\nsite: docusaurus\n",
                                            encoding="utf-8")
    main(["run", "--offline", "--no-cache", "--output-dir", "out", "-q"])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    reasons = {link["url"]: link["reason"] for link in report["links"]}
    assert reasons["./guide/installation"] == "Docusaurus doc docs/guide/02-install.md"
    assert reasons["./missing"] == "file not found (and no Docusaurus doc at that URL)"
    assert reasons["#Local-Anchor"] == "anchor #Local-Anchor not found in docs/links.md"


def test_an_unknown_site_is_a_configuration_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "linkcheck.yml").write_text("site: hugo\n", encoding="utf-8")
    assert main(["run", "--offline"]) == 2
    assert "'site' must be one of github, docusaurus" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "stripped"), [
    ("01-intro", "intro"), ("1_intro", "intro"), ("1. intro", "intro"), ("10-a-b", "a-b"),
    ("2021-01-01-post", "2021-01-01-post"), ("1.2.3-notes", "1.2.3-notes"), ("intro", "intro"),
    ("01", "01"),
])
def test_number_prefixes(name, stripped):
    assert strip_number_prefix(name) == stripped
