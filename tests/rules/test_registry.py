"""The rule registry: complete documentation, and the docs table generated from it."""

from __future__ import annotations

import re

from locations import ROOT, TESTS

from linkcheck import cli
from linkcheck.models import Severity
from linkcheck.rules import RULES, find_rule
from linkcheck.rules.catalog import BEGIN, END, markdown

RULES_DOC = ROOT / "docs" / "rules.md"
FIXTURES = TESTS / "fixtures" / "rules"


def test_every_rule_is_documented_and_uniquely_named():
    assert len({r.id for r in RULES}) == len({r.slug for r in RULES}) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"LC1\d\d", rule.id), rule.id
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.slug), rule.slug
        for text in (rule.title, rule.finds, rule.why, rule.example, rule.instead):
            assert text.strip() and "\n" not in text, (rule.slug, text)
        assert rule.severity in Severity and rule.severity != Severity.OFF
        assert find_rule(rule.slug) is rule and find_rule(rule.id.lower()) is rule


def test_docs_rule_table_is_the_generated_one():
    text = RULES_DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] + "\n" == markdown(), "run `linkcheck rules --markdown` and paste it"


def test_every_rule_without_network_needs_has_a_fixture():
    expected = " ".join(p.read_text(encoding="utf-8") for p in FIXTURES.glob("*.md"))
    # tested with check results instead (archived-repository: tests/test_site_github.py)
    needs_results = {"insecure-http", "moved-permanently", "archived-repository"}
    for rule in RULES:
        if rule.slug not in needs_results:
            assert re.search(rf"expect(-next-line)?:[^>\n]*\b{rule.slug}\b", expected), rule.slug


def test_rules_command_lists_and_prints_the_table(capsys):
    assert cli.main(["rules"]) == cli.EXIT_OK
    listing = capsys.readouterr().out
    assert all(rule.slug in listing and rule.id in listing for rule in RULES)
    assert cli.main(["rules", "--markdown"]) == cli.EXIT_OK
    assert capsys.readouterr().out == markdown()
