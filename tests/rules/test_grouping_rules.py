"""duplicate-url and inconsistent-link-text group the run's links in bulk: on varied runs they
find exactly what the plain per-link reading of their definitions finds, in the same order."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from linkcheck.config import Config, RuleConfig
from linkcheck.models import CheckResult, Document, Link, LinkKind, Severity, Status
from linkcheck.rules import build_context, duplicate_url, enabled_rules, inconsistent_link_text
from linkcheck.rules.base import plain_text, resource_links, text_is_url
from linkcheck.rules.non_descriptive_link_text import GENERIC_TEXTS
from linkcheck.rules.source import Source
from linkcheck.rules.urls import normalise

URLS = ["https://a.test/x", "http://a.test/x/", "https://www.a.test/x#f", "https://b.test/",
        "https://b.test/index.html", "https://c.test/y?utm_source=z", "https://c.test/y",
        "https://d.test/moved", "./local.md", "../other.md#part", "mailto:someone@x.test"]
TEXTS = ["Docs", "docs", "The docs!", "Guide", "Pytest", "Python programming", "here",
         "https://a.test/x", "a.test/x", "B site", "  B  site ", "Kubeflow documentation"]
KINDS = [LinkKind.INLINE, LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.AUTOLINK, LinkKind.BARE,
         LinkKind.HTML_LINK, LinkKind.IMAGE]
RESULTS = {
    "https://d.test/moved": CheckResult("https://d.test/moved", Status.REDIRECTED, "moved",
                                        301, "https://b.test/", permanent=True),
    "https://c.test/y": CheckResult("https://c.test/y", Status.OK, "200", 200, "https://a.test/x"),
    "https://b.test/": CheckResult("https://b.test/", Status.BROKEN, "404", 404),
}


def _run(rng: random.Random) -> tuple[list[Document], dict[str, Source]]:
    documents, sources = [], {}
    for number in range(rng.randint(1, 4)):
        file = f"doc-{number}.md"
        links = []
        for line in sorted(rng.sample(range(1, 40), rng.randint(0, 12))):
            for column in sorted(rng.sample(range(1, 30), rng.choice([1, 1, 2]))):
                url = rng.choice(URLS)
                links.append(Link(file, line, column, url, url, rng.choice(TEXTS),
                                  rng.choice(KINDS), "Section"))
        documents.append(Document(file, tuple(links)))
        lines = [rng.choice(["text", "text", "<!-- linkcheck-disable-line duplicate-url -->",
                             "<!-- linkcheck-disable-line inconsistent-link-text -->"])
                 for _ in range(40)]
        sources[file] = Source(file, "\n".join(lines) + "\n")
    return documents, sources


def _key(link: Link, results: dict, follow: bool) -> str:
    result = results.get(link.resolved_url)
    if follow and result and result.status in (Status.OK, Status.REDIRECTED) and result.final_url:
        return normalise(result.final_url)
    return normalise(link.resolved_url)


def _plain_duplicates(context, settings):
    """duplicate-url's definition, one link at a time."""
    options = settings.options
    groups = defaultdict(list)
    for document in context.documents:
        for link in resource_links(document):
            if not (link.is_remote or options["include_local"]):
                continue
            if context.suppressions[link.file].covers(link.line, ("duplicate-url", "LC101")):
                continue
            groups[_key(link, context.results, options["follow_redirects"])].append(link)
    across = Severity(options["across_files"])
    for links in groups.values():
        if len(links) > 1:
            links = sorted(links, key=lambda k: (k.file, k.line, k.column))
            finding = duplicate_url._finding(links, settings, across)
            if finding is not None:
                yield finding


def _plain_inconsistencies(context, settings):
    """inconsistent-link-text's definition, one group at a time."""
    generic = {plain_text(t) for t in GENERIC_TEXTS}
    names = ("inconsistent-link-text", "LC102")
    links = [link for document in context.documents for link in document.links
             if link.kind in (LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.HTML_LINK)
             and link.is_remote and plain_text(link.text) not in generic
             and not text_is_url(link)
             and not context.suppressions[link.file].covers(link.line, names)]
    by_url, by_text = defaultdict(list), defaultdict(list)
    for link in links:
        key = _key(link, context.results, settings.options["follow_redirects"])
        by_url[key].append(link)
        by_text[plain_text(link.text)].append((link, key))
    for group in by_url.values():
        if len(group) > 1:
            finding = inconsistent_link_text._names_for_one_url(group, settings)
            if finding is not None:
                yield finding
    for keyed in by_text.values():
        urls = len({key for _, key in keyed})
        if urls > 1:
            yield inconsistent_link_text._urls_for_one_name(keyed, urls, settings)


@pytest.mark.parametrize("options", [
    {}, {"follow_redirects": False}, {"include_local": True, "across_files": "off"},
    {"only_unrelated": False},
])
def test_the_rules_find_what_their_plain_definition_finds(options):
    rng = random.Random(20261202)
    rules = {slug: RuleConfig(options={k: v for k, v in options.items() if k in rule.options})
             for slug, rule in (("duplicate-url", duplicate_url.RULE),
                                ("inconsistent-link-text", inconsistent_link_text.RULE))}
    config = Config(rules=rules)
    settings = {s.rule.slug: s for s in enabled_rules(config)}
    found = defaultdict(int)
    for _ in range(100):
        documents, sources = _run(rng)
        context = build_context(tuple(documents), RESULTS, config, sources)
        for slug, plain in (("duplicate-url", _plain_duplicates),
                            ("inconsistent-link-text", _plain_inconsistencies)):
            rule = settings[slug]
            expected = list(plain(context, rule))
            assert list(rule.rule.check(context, rule)) == expected
            found[slug] += len(expected)
    assert min(found.values()) > 50  # the runs do have duplicates and inconsistencies
