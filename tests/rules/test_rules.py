"""Content-quality rules: markdown fixtures with inline expectations, and the real curriculum."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from locations import ROOT, TESTS

from linkcheck.config import Config, ConfigError, RuleConfig, load_config
from linkcheck.extract import extract_file
from linkcheck.models import CheckResult, Diagnostic, Document, Severity, Status
from linkcheck.pipeline import run
from linkcheck.rules import (
    apply_rules,
    build_context,
    extra_targets,
    validate_rule_config,
    without_replaced_diagnostics,
)

FIXTURES = TESTS / "fixtures" / "rules"
CURRICULUM = ROOT / "curriculum"
# `<!-- expect: a, b -->` on the offending line, `<!-- expect-next-line: a -->` on the line before
# (for lines that cannot carry a comment, such as reference definitions), `# expect: a` in YAML.
EXPECT = re.compile(r"expect(-next-line)?:\s*([a-z0-9, -]+?)\s*(?:-->|$)")


def expected(path: Path) -> set[tuple[int, str]]:
    marks = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        for match in EXPECT.finditer(line):
            target = number + 1 if match.group(1) else number
            marks |= {(target, slug.strip()) for slug in match.group(2).split(",") if slug.strip()}
    return marks


def findings_for(*paths: str, config: Config | None = None, results=None):
    documents = tuple(extract_file(p) for p in paths)
    return apply_rules(documents, results or {}, config or Config())


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.md")), ids=lambda p: p.stem)
def test_fixture_findings_are_exactly_the_expected_ones(fixture: Path, monkeypatch):
    monkeypatch.chdir(fixture.parent)
    marks = expected(fixture)
    assert marks, "a fixture without expectations tests nothing"
    found = {(f.line, f.rule) for f in findings_for(fixture.name)}
    assert found == marks


def test_duplicate_is_reported_once_with_every_other_place(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    (finding,) = [f for f in findings_for("duplicate-url.md") if f.rule == "duplicate-url"]
    assert finding.line == 4 and finding.severity == Severity.WARNING
    assert finding.related == (("duplicate-url.md", 3), ("duplicate-url.md", 5))
    assert "duplicate-url.md:3" in finding.message and "duplicate-url.md:5" in finding.message


def test_duplicates_across_files_are_information(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("[Guide](https://x.test/guide)\n")
    Path("b.md").write_text("# B\n\n[The guide](https://www.x.test/guide/#part)\n")
    (finding,) = findings_for("a.md", "b.md")
    assert (finding.rule, finding.file, finding.line) == ("duplicate-url", "b.md", 3)
    assert finding.severity == Severity.INFO and finding.related == (("a.md", 1),)
    rules = {"duplicate-url": RuleConfig(options={"across_files": "off"})}
    assert findings_for("a.md", "b.md", config=Config(rules=rules)) == []


def test_duplicates_after_redirects_to_the_same_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("[One](https://x.test/old)\n\n[Two](https://x.test/new)\n")
    results = {
        "https://x.test/old": CheckResult("https://x.test/old", Status.REDIRECTED, "301",
                                          final_url="https://x.test/new", permanent=True),
        "https://x.test/new": CheckResult("https://x.test/new", Status.OK, "200"),
    }
    rules = {f.rule for f in findings_for("a.md", results=results)}
    assert "duplicate-url" in rules and "moved-permanently" in rules
    assert "duplicate-url" not in {f.rule for f in findings_for("a.md")}  # offline: no evidence


def test_moved_permanently_offers_the_final_url_keeping_the_fragment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("[Docs](https://x.test/old#setup)\n")
    target = "https://x.test/old#setup"
    documents = (extract_file("a.md"),)
    target = documents[0].links[0].resolved_url
    moved = CheckResult(target, Status.REDIRECTED, "308", final_url="https://x.test/new",
                        permanent=True)
    temporary = replace(moved, permanent=False)
    (finding,) = apply_rules(documents, {target: moved}, Config())
    assert finding.rule == "moved-permanently"
    assert finding.replacement == "https://x.test/new#setup"
    assert apply_rules(documents, {target: temporary}, Config()) == []


def test_extra_targets_obey_the_exclude_patterns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text(
        "[Scrum](http://scrum.test/guide) [Caf\u00e9](https://intranet.test/caf\u00c3\u00a9)\n",
        encoding="utf-8",
    )
    documents = (extract_file("a.md"),)
    assert extra_targets(build_context(documents, {}, Config())) == [
        "https://intranet.test/caf%C3%A9", "https://scrum.test/guide"
    ]
    # the repaired URL (mojibake) and the https twin (insecure-http) alike
    assert extra_targets(build_context(documents, {}, Config(exclude=("intranet", "scrum")))) == []


def test_a_repeated_definition_is_not_where_the_url_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text(
        "[x][a]\n\n[a]: https://one.test/?utm_source=x\n[a]: https://two.test/\n"
    )
    # the first definition of a label is the one links use, as in CommonMark
    found = [(f.rule, f.line, f.column) for f in findings_for("a.md")]
    assert ("tracking-params", 3, 1) in found


def test_insecure_http_only_with_a_verified_https_twin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("[Scrum](http://scrum.test/guide)\n")
    documents = (extract_file("a.md"),)
    assert extra_targets(build_context(documents, {}, Config())) == ["https://scrum.test/guide"]
    ok = {"https://scrum.test/guide": CheckResult("https://scrum.test/guide", Status.OK, "200")}
    (finding,) = apply_rules(documents, ok, Config())
    assert (finding.rule, finding.replacement) == ("insecure-http", "https://scrum.test/guide")
    broken = {"https://scrum.test/guide": replace(ok["https://scrum.test/guide"],
                                                  status=Status.BROKEN)}
    assert apply_rules(documents, broken, Config()) == []
    assert apply_rules(documents, {}, Config()) == []
    # offline, the rule says so only when asked, and never when the twin was checked
    asked = Config(rules={"insecure-http": RuleConfig(options={"report_unverified": True})})
    (unverified,) = apply_rules(documents, {}, asked)
    assert (unverified.severity, unverified.replacement) == (Severity.INFO, None)
    assert "was not checked" in unverified.message
    assert apply_rules(documents, broken, asked) == []
    assert [f.replacement for f in apply_rules(documents, ok, asked)] == [
        "https://scrum.test/guide"]


def test_front_matter_finding_replaces_the_diagnostic(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    document = extract_file("front-matter.md")
    assert [d.code for d in document.diagnostics] == ["front-matter"]
    (finding,) = apply_rules((document,), {}, Config())
    assert finding.message == document.diagnostics[0].message
    (cleaned,) = without_replaced_diagnostics((document,), Config())
    assert cleaned.diagnostics == ()
    off = Config(rules={"front-matter": RuleConfig(severity="off")})
    assert without_replaced_diagnostics((document,), off) == (document,)


def test_required_front_matter_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("---\ntitle: A\n---\n\n# A\n")
    Path("b.md").write_text("# B\n")
    config = Config(required_front_matter=("title",),
                    rules={"front-matter": RuleConfig(options={"required": ["date"]})})
    found = {(f.file, f.message) for f in findings_for("a.md", "b.md", config=config)}
    assert found == {("a.md", "front matter: missing required key date"),
                     ("b.md", "no front matter: missing required keys title, date")}


def test_path_ignores_and_severity_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("See https://x.test/a and [here](https://x.test/b).\n")
    rules = {"bare-url": RuleConfig(ignore_paths=("a.*",)),
             "non-descriptive-link-text": RuleConfig(severity="error")}
    (finding,) = findings_for("a.md", config=Config(rules=rules))
    assert (finding.rule, finding.severity) == ("non-descriptive-link-text", Severity.ERROR)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"duplicate-urls": {}}, "unknown rule 'rules.duplicate-urls'"),
        ({"LC101": {}}, "did you mean 'duplicate-url'"),
        ({"bare-url": {"severity": "fatal"}}, "'rules.bare-url.severity' must be one of"),
        ({"bare-url": {"options": {"x": 1}}}, "'rules.bare-url.options.x': unknown option"),
        ({"tracking-params": {"options": {"params": "fbclid"}}}, "must be list"),
        ({"duplicate-url": {"options": {"across_files": "loud"}}}, "must be one of"),
    ],
)
def test_bad_rule_configuration_names_key_and_file(tmp_path, rules, message):
    import yaml

    (tmp_path / "linkcheck.yml").write_text(yaml.safe_dump({"rules": rules}))
    with pytest.raises(ConfigError) as error:
        validate_rule_config(load_config(root=tmp_path))
    assert "linkcheck.yml" in str(error.value) and message in str(error.value)


def test_unrelated_diagnostics_are_kept():
    document = Document("a.md", diagnostics=(Diagnostic("a.md", 2, "bad byte", "decode-error"),))
    assert without_replaced_diagnostics((document,), Config()) == (document,)


# The real curriculum, offline: the findings the issue names, each at its file and line.


@pytest.fixture(scope="module")
def curriculum(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(CURRICULUM, root / "curriculum")
    cwd = Path.cwd()
    try:
        import os

        os.chdir(root)
        result = run(Config(offline=True, store=replace(Config().store, enabled=False)))
    finally:
        os.chdir(cwd)
    return {(f.rule, f.file.removeprefix("curriculum/"), f.line): f for f in result.findings}


@pytest.mark.parametrize(
    ("rule", "file", "line"),
    [
        # duplicates inside one file (warnings)
        ("duplicate-url", "mlops-roadmap-2024.md", 14),  # datacamp python-programming, also 12
        ("duplicate-url", "mlops-roadmap-2024.md", 78),  # full-stack 7-steps, also 61
        ("duplicate-url", "mlops-roadmap-2024.md", 84),  # udemy end-to-end, also 62 and 91
        ("duplicate-url", "00-prerequisites.md", 213),  # docker get-started, also 43
        ("duplicate-url", "getting-started.md", 131),  # mlops maturity model, also 17
        ("duplicate-url", "mlops-study-resources.md", 13),  # huyenchip mlops, also 12
        # resources linked from several files (information)
        ("duplicate-url", "mlops-roadmap-2024.md", 29),  # roadmap.sh/docker
        ("duplicate-url", "getting-started.md", 59),  # mlops-zoomcamp, three files
        ("duplicate-url", "mlops-study-resources.md", 104),  # rules-of-ml
        ("tracking-params", "mlops-roadmap-2024.md", 97),
        ("mojibake", "mlops-engineer-skillset.md", 56),
        ("mojibake", "mlops-study-resources.md", 63),
        ("mojibake", "mlops-roadmap-2024.md", 14),  # the garbled emoji in the IDE usage URL
        ("bare-url", "mlops-roadmap-2024.md", 8),
        ("bare-url", "mlops-roadmap-2024.md", 71),
        ("bare-url", "mlops-study-resources.md", 13),
        ("bare-url", "mlops-study-resources.md", 15),
        ("inconsistent-link-text", "mlops-roadmap-2024.md", 14),  # "Pytest" = Python programming
        ("inconsistent-link-text", "00-prerequisites.md", 203),  # one name, two SRE books
        ("non-descriptive-link-text", "mlops-engineer-skillset.md", 36),  # the URL as text
    ],
)
def test_curriculum_findings_named_in_the_issue(curriculum, rule, file, line):
    assert (rule, file, line) in curriculum


def test_curriculum_details(curriculum):
    inside = curriculum[("duplicate-url", "00-prerequisites.md", 213)]
    assert inside.severity == Severity.WARNING
    assert ("curriculum/00-prerequisites.md", 43) in inside.related
    assert "is linked 4 times (2 in this file): " in inside.message  # 2 more in other files
    alone = curriculum[("duplicate-url", "getting-started.md", 131)]
    assert "is linked 2 times (in this file): " in alone.message
    across = curriculum[("duplicate-url", "getting-started.md", 59)]
    assert across.severity == Severity.INFO
    assert set(across.related) == {("curriculum/00-prerequisites.md", 191),
                                   ("curriculum/mlops-study-resources.md", 39)}
    tracking = curriculum[("tracking-params", "mlops-roadmap-2024.md", 97)]
    assert tracking.replacement == (
        "https://www.datacamp.com/tutorial/"
        "kubeflow-tutorial-building-and-deploying-machine-learning-pipelines"
    )
    assert curriculum[("mojibake", "mlops-study-resources.md", 63)].replacement == "—"
    assert curriculum[("mojibake", "mlops-engineer-skillset.md", 56)].replacement == "𝖺𝗇𝖽"
    assert curriculum[("mojibake", "mlops-roadmap-2024.md", 14)].replacement is None  # unverified
    named = curriculum[("inconsistent-link-text", "mlops-roadmap-2024.md", 14)]
    assert "'Pytest'" in named.message and "'Python programming'" in named.message
    assert not any(rule == "tracking-params" and line != 97 for rule, _, line in curriculum)


def test_run_exit_codes_and_reports_carry_the_findings(tmp_path, monkeypatch):
    import json

    from linkcheck import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "linkcheck.yml").write_text("paths: [docs/]\nstore: {enabled: false}\n")
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "a.md"
    page.write_text("# A\n\nSee https://x.test/a?utm_source=n for more.\n")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_OK  # warnings only
    assert cli.main(["run", "--offline", "-q", "--strict"]) == cli.EXIT_BROKEN
    report = json.loads((tmp_path / "reports" / "linkcheck.json").read_text())
    entries = {(f["rule"], f["rule_id"], f["line"], f["column"]): f for f in report["findings"]}
    assert set(entries) == {("bare-url", "LC106", 3, 5), ("tracking-params", "LC103", 3, 5)}
    assert entries[("tracking-params", "LC103", 3, 5)]["replacement"] == "https://x.test/a"
    markdown = (tmp_path / "reports" / "linkcheck.md").read_text()
    assert "| **LC103 `tracking-params`** |" in markdown and "## docs/a.md" in markdown
    page.write_text("# A\n\nSee [the guide][nowhere].\n")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_BROKEN  # an error finding


def test_an_online_run_reads_each_source_file_once_for_the_rules(tmp_path, monkeypatch):
    import httpx
    from httpx_pool import httpx_pools

    from linkcheck import rules
    from linkcheck.config import CheckConfig, StoreConfig

    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text("[Scrum](http://scrum.test/guide) <https://x.test/>\n")
    Path("b.md").write_text("[x](https://x.test/)\n")
    reads: list[str] = []
    real_read = rules._read_sources

    def counting(documents):
        reads.extend(document.file for document in documents)
        return real_read(documents)

    monkeypatch.setattr(rules, "_read_sources", counting)
    pools = httpx_pools(httpx.MockTransport(lambda request: httpx.Response(200)))
    config = Config(paths=("a.md", "b.md"), store=StoreConfig(enabled=False),
                    check=CheckConfig(allow_private=True))  # *.test names: checked, not skipped
    result = run(config, pool_factory=pools)
    assert result.results["https://scrum.test/guide"].status is Status.OK  # the twin was asked
    assert sorted(reads) == ["a.md", "b.md"]


@pytest.mark.parametrize("text", [
    "# Plain\n\nno comment at all [a](https://x.test/)\n",
    "prose naming linkcheck-disable without a comment\n",
    "<!-- linkcheck-disable-next-line duplicate-url -->\n[a](https://x.test/)\n",
    "```md\n<!-- linkcheck-disable -->\n```\n", "",
])
def test_a_file_without_the_marker_gets_what_parsing_it_gives(text):
    from linkcheck import rules
    from linkcheck.rules.source import Source
    from linkcheck.rules.suppress import parse

    source = Source("a.md", text)
    assert rules.suppressions(source) == parse(source.iter_lines(), source.code_lines,
                                               rules._canonical)


def test_the_rules_keep_the_text_of_non_ascii_files_only_and_every_file_s_comments(tmp_path):
    """mojibake reads the text of files with non-ASCII characters, and no rule the text of
    others: those are not kept (nor decoded without a suppression comment)."""
    from linkcheck.config import Config
    from linkcheck.extract import extract_text
    from linkcheck.rules import build_context, run_rules

    texts = {
        "plain.md": "[a](https://x.test/p) [b](https://x.test/p)\n",
        "marked.md": "<!-- linkcheck-disable-next-line duplicate-url -->\n"
                     "[a](https://x.test/m) [b](https://x.test/m)\n",
        "garbled.md": "# CafÃ©\n\n[a](https://x.test/g) [b](https://x.test/g)\n",
        "latin1.md": "caf\xe9 [a](https://x.test/l)\n",  # not UTF-8: no text, no comments
    }
    for name, text in texts.items():
        (tmp_path / name).write_bytes(text.encode("latin-1" if name == "latin1.md" else "utf-8"))
    documents = tuple(extract_text(texts[name], str(tmp_path / name)) for name in sorted(texts))
    context = build_context(documents, {}, Config())
    assert sorted(context.sources) == [str(tmp_path / "garbled.md")]
    assert sorted(context.suppressions) == [str(tmp_path / n) for n in
                                            ("garbled.md", "marked.md", "plain.md")]
    assert context.suppressions[str(tmp_path / "marked.md")].lines
    found = {(Path(f.file).name, f.rule) for f in run_rules(context)
             if f.rule in ("duplicate-url", "mojibake")}
    assert found == {("plain.md", "duplicate-url"), ("garbled.md", "duplicate-url"),
                     ("garbled.md", "mojibake")}


class _NoVerdicts(dict):
    """Results that may not be read: a rule marked reads_verdicts=False must not."""

    def __getitem__(self, key):
        raise AssertionError(f"read the verdict of {key}")

    get = __contains__ = __iter__ = __len__ = items = values = keys = __getitem__


def test_rules_that_read_no_verdict_do_not_and_merge_in_order(tmp_path):
    from linkcheck.config import Config
    from linkcheck.extract import extract_text
    from linkcheck.rules import build_context, enabled_rules, run_rules
    from linkcheck.rules.catalog import RULES

    text = ("# Title\n\n[click here](http://example.org/a?utm_source=x) https://example.org/b\n"
            "[Guide](https://example.org/c) [Guide](https://example.org/d) [ref][missing]\n"
            "[unused]: https://example.org/e\n")
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    documents = (extract_text(text, str(path)),)
    config = Config()
    context = build_context(documents, {}, config)
    free = [s for s in enabled_rules(config) if not s.rule.reads_verdicts]
    assert {s.rule.slug for s in free} >= {"tracking-params", "bare-url",
                                           "non-descriptive-link-text"}
    blind = context.with_results(_NoVerdicts())
    for settings in free:
        list(settings.rule.check(blind, settings))  # never looks at a verdict
    early = run_rules(context, reading_verdicts=False)
    assert early, "the sample trips some of them"
    assert run_rules(context, True, early) == run_rules(context)
    assert all(rule.reads_verdicts in (True, False) for rule in RULES)


@pytest.mark.parametrize(("text", "plain"), [
    ("ascii only", True), ("", True), ("caf\u00e9", False), ("a <!-- linkcheck-disable -->", False),
])
@pytest.mark.parametrize("block", [1, 3, 7, 1 << 20])
def test_a_file_is_told_ascii_and_unmarked_a_block_at_a_time(tmp_path, monkeypatch, text, plain,
                                                              block):
    """A marker straddling two blocks is found; so is a non-ASCII byte in any block."""
    from linkcheck import rules

    monkeypatch.setattr(rules, "_BLOCK", block)
    path = tmp_path / "a.md"
    path.write_text(("x" * 5 + text) * 3, encoding="utf-8")
    assert rules._ascii_unmarked(str(path)) is plain
