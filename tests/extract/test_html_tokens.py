"""The linear HTML tokenizer (extract/html.py) and the page reader built on it (page.py)."""

from __future__ import annotations

import pytest

from linkcheck.check.remote.page import parse_page
from linkcheck.check.remote.verdict import classify_fragment
from linkcheck.extract.html import (
    END,
    START,
    TEXT,
    Skip,
    attributes,
    parse_html,
    skip_pattern,
    text_of,
    tokens,
)
from linkcheck.extract.walker import extract_text
from linkcheck.http.outcome import Reply
from linkcheck.models import CheckResult, Status


def kinds(html: str) -> list[tuple[str, str]]:
    return [(t.kind, t.name or html[t.start:t.end]) for t in tokens(html)]


def test_tags_text_and_what_is_left_out():
    html = '<!doctype html><p class="a>b">x &amp; y</p><!-- <a href="no"> --><?pi?>z'
    assert kinds(html) == [(START, "p"), (TEXT, "x &amp; y"), (END, "p"), (TEXT, "z")]
    text = next(t for t in tokens(html) if t.kind is TEXT)
    assert text_of(html, text) == "x & y"


def test_attributes_as_a_browser_reads_them():
    raw = next(t for t in tokens("<A HREF='x&amp;y' id=a/b ID=c checked title=\"q>\">")).raw_attrs
    assert attributes(raw) == {"href": "x&y", "id": "a/b", "checked": None, "title": "q>"}


@pytest.mark.parametrize("html", [
    "<script>if (a < b) { x = '<a id=no>' }</script>",
    "<style>a::after { content: '<h1>' }</style>",
    "<title>A <b>bold</b> title</title>",
])
def test_raw_text_elements_hold_no_tags(html):
    names = [t.name for t in tokens(html) if t.kind is START]
    assert len(names) == 1


@pytest.mark.parametrize("html", ["<a" * 1000, "<a " * 1000, '<a title="' * 1000, "<!--" * 1000,
                                  "<p>ok</p><div class='open"])
def test_a_construct_left_open_ends_the_document(html):
    # Everything after an unclosed tag or comment belongs to it, as in a browser: no tag
    # is read out of it (html.parser rescans it from each `<`, which is quadratic).
    assert [t.name for t in tokens(html) if t.kind is START] in ([], ["p"])


def test_empty_comments_and_a_lone_less_than_are_read_as_browsers_do():
    html = "<!--><p>1</p><!---><p>2</p> a < b <3 </ > <é>"
    assert [t.name for t in tokens(html) if t.kind is START] == ["p", "p"]


def test_the_skip_pattern_passes_over_only_what_the_reader_does_not_need():
    html = '<div class=x><!-- c --><b>t</b><h1 id=h>H</h1><span id="s">x</span><i>y</i>'
    skip = Skip(skip_pattern({"h1"}, ("id",), text=True))
    seen = [(t.kind, t.name or html[t.start:t.end]) for t in tokens(html, skip=skip)]
    assert seen == [(START, "h1"), (END, "h1"), (START, "span")]  # text is skipped too


def test_markdown_html_keeps_offsets_link_text_and_first_attributes():
    html = '<p>see <a href="a" href="b">the <em>docs</em></a> <img src=i alt=x/>'
    tags = parse_html(html)
    assert [(t.name, t.offset) for t in tags] == [
        ("p", 0), ("a", html.index("<a")), ("em", html.index("<em")), ("img", html.index("<img"))]
    assert tags[1].attrs == {"href": "a"} and tags[1].text == "the docs"


@pytest.mark.parametrize("block", ["<a " * 20_000, '<a href="x"' * 20_000, '<a title="' * 20_000,
                                   "<!--" * 20_000])
def test_a_long_run_of_unclosed_tags_in_an_html_block_extracts_nothing_quickly(block):
    # These inputs took html.parser 20-40 s at this size (benchmarks/bench_html.py).
    document = extract_text(f"<div>\n{block}\n\n[after](https://example.test/a)\n", "x.md")
    assert [link.url for link in document.links] == ["https://example.test/a"]


def page(body: str) -> bytes:
    return body.encode()


def test_title_heading_and_anchors():
    info = parse_page(page(
        "<html><head><title>The &amp; title</title></head><body>"
        '<h1 class="t">Main <code>h</code><script>x</script></h1>'
        '<a name="n">n</a><div id="d" name="not-an-anchor"></div><map name="m"></map>'
    ))
    assert (info.title, info.heading) == ("The & title", "Main h")
    assert info.anchors == {"n", "d", "m"}
    assert info.complete and not info.challenge


def test_without_anchors_reading_stops_at_the_title_and_heading():
    info = parse_page(page("<title>T</title><h1>H</h1>" + '<p id="late">x</p>' * 100),
                      anchors=False)
    assert (info.title, info.heading, info.anchors, info.complete) == ("T", "H", frozenset(), False)


def test_shape_signals_tell_a_script_shell_from_a_page_with_text():
    shell = parse_page(page('<html><head><title>App</title><script src="/app.js"></script>'
                            "</head><body><div id=root></div><noscript>You need to enable "
                            "JavaScript to run this app.</noscript></body></html>"))
    assert shell.script_only and shell.scripts == 1 and shell.text_chars == 0
    article = parse_page(page("<title>A</title><script></script><p>" + "words " * 50 + "</p>"))
    assert not article.script_only and article.text_chars > 200


def test_a_head_without_its_end_tag_ends_at_the_first_text():
    info = parse_page(page("<html><head><title>T</title><meta charset=utf-8>Hello world"))
    assert info.text_chars == len("Hello world")


def test_bot_challenges_are_recognised_by_title_or_script():
    assert parse_page(page("<title>Just a moment...</title>")).challenge
    wall = '<title>x</title><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/x.js">'
    assert parse_page(page(wall)).challenge


class StepClock:
    """CPU time that advances a fixed step at every look: the budget runs out on schedule."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_page_past_its_cpu_budget_leaves_its_fragments_unverifiable():
    body = page("<title>Slow</title>" + "<b>x</b>" * 10_000 + '<h2 id="end">end</h2>')
    info = parse_page(body, budget=0.25, clock=StepClock(0.1))
    assert info.over_budget and not info.complete and "end" not in info.anchors
    ok = CheckResult("https://example.test/p", Status.OK, "ok", 200)
    reply = Reply("https://example.test/p", 200, {"content-type": "text/html"}, body)
    verdict = classify_fragment(ok, "https://example.test/p#end", "end", reply, info)
    assert verdict.status == Status.UNVERIFIABLE
    assert "CPU budget" in verdict.reason and "#end" in verdict.reason
    whole = parse_page(body)  # the real clock: this page reads in milliseconds
    assert "end" in whole.anchors and not whole.over_budget
