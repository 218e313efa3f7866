"""The fast link destination parser must agree with markdown-it's on every input."""

from __future__ import annotations

import random

import pytest
from markdown_it.helpers import parseLinkDestination

from linkcheck.extract.destination import parse_link_destination

CASES = [
    "https://x.test/a_(b)_c rest",
    "<https://x.test/a b> rest",
    "<https://x.test/a\nb>",
    "<a<b>",
    "<a\\>b>",
    "<unclosed",
    "a\\ b",
    "a\\(b",
    "trailing\\",
    "((((nested))))",
    "(" * 40 + ")" * 40,
    "unbalanced(",
    "ctl\x01x",
    "del\x7fx",
    "é/ü/中文?q=1#frag",
    "",
    " leading-space",
    ")",
    "&amp;\\*x",
]


def _same(string: str, pos: int, maximum: int) -> None:
    expected = parseLinkDestination(string, pos, maximum)
    got = parse_link_destination(string, pos, maximum)
    assert (got.ok, got.pos, got.str) == (expected.ok, expected.pos, expected.str), (
        string, pos, maximum
    )


@pytest.mark.parametrize("string", CASES)
def test_agrees_on_written_cases(string):
    for pos in range(len(string) + 1):
        for maximum in {pos, len(string), max(pos, len(string) - 1)}:
            _same(string, pos, maximum)


def test_agrees_on_random_strings():
    rng = random.Random(7)
    alphabet = "ab/:.<>()\\ \n\t\x00\x7f&;é#?"
    for _ in range(3000):
        string = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        pos = rng.randint(0, len(string))
        _same(string, pos, rng.randint(pos, len(string)))
