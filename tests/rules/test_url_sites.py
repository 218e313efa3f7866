"""Each place a URL is written, once, in order of place: the link itself, or the definition
its reference link uses."""

from __future__ import annotations

import pytest

from linkcheck.extract import extract_text
from linkcheck.models import Document, Link, LinkKind, ReferenceDefinition
from linkcheck.rules.base import UrlSite, url_sites


def places(document: Document) -> list[tuple[str, int, int, str, str]]:
    return [(s.file, s.line, s.column, s.url, s.resolved_url) for s in url_sites(document)]


def expected(document: Document) -> list[tuple[str, int, int, str, str]]:
    """What the rules mean by the sites, written out: links grouped by where their URL is
    written (the first definition of a reference link's label, else the link's own place),
    sorted by that place, each with the resolved URL of its first link."""
    first = {}
    for d in document.definitions:
        first.setdefault(d.label, d)
    groups: dict[tuple[int, int, str], list[Link]] = {}
    for link in document.links:
        d = first.get(link.key) if link.kind in (LinkKind.REFERENCE,
                                                 LinkKind.REFERENCE_IMAGE) else None
        where = (d.line, d.column, link.url) if d else (link.line, link.column, link.url)
        groups.setdefault(where, []).append(link)
    return [(document.file, *where, links[0].resolved_url)
            for where, links in sorted(groups.items(), key=lambda item: item[0])]


TEXTS = [
    "# T\n\n[a](https://x.test/a) ![i](https://x.test/i.png) <https://x.test/b>\n"
    "https://x.test/c and <a href=\"https://x.test/d\">d</a>\n",
    "---\nhome: https://x.test/home\n---\n[one][r] and [two][r] and [three][R]\n\n"
    "[r]: https://x.test/r\n[r]: https://x.test/ignored\n[z]: https://x.test/unused\n"
    "[before](https://x.test/early)\n",
    "[x][later] [y](https://x.test/y)\n\n[later]: <https://x.test/l>\n",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_sites_of_extracted_documents(text):
    document = extract_text(text, "docs/a.md")
    assert document.links or not text
    assert places(document) == expected(document)


def test_links_out_of_order_or_at_one_place_are_sorted_and_made_one():
    def link(line: int, column: int, url: str, resolved: str = "") -> Link:
        return Link("a.md", line, column, url, resolved or url, "t", LinkKind.INLINE, "")

    links = (link(5, 1, "https://x.test/b"), link(2, 3, "https://x.test/a"),
             link(5, 1, "https://x.test/b", "https://x.test/other"), link(5, 1, "https://x.test/a"))
    document = Document("a.md", links)
    assert places(document) == expected(document) == [
        ("a.md", 2, 3, "https://x.test/a", "https://x.test/a"),
        ("a.md", 5, 1, "https://x.test/a", "https://x.test/a"),
        ("a.md", 5, 1, "https://x.test/b", "https://x.test/b"),
    ]
    in_order = Document("a.md", (links[1], links[0]))
    assert url_sites(in_order) == [links[1], links[0]]  # the links themselves: nothing made


def test_a_reference_link_s_site_is_its_definition():
    definition = ReferenceDefinition("a.md", 9, 1, "r", "https://x.test/r")
    uses = tuple(Link("a.md", line, 1, "https://x.test/r", "https://x.test/r", "t",
                      LinkKind.REFERENCE, "", "r") for line in (1, 3))
    sites = url_sites(Document("a.md", uses, definitions=(definition,)))
    assert sites == [UrlSite("a.md", 9, 1, "https://x.test/r", "https://x.test/r")]
