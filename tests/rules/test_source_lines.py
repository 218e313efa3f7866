"""A source's lines are read from its text on demand, exactly as splitting the text gives them."""

from __future__ import annotations

import re

import pytest

from linkcheck.rules.source import Source

TEXTS = ["", "one", "one\n", "one\ntwo", "a\r\nb\rc\n\nd", "\ufeff# BOM\r\n\r\nx", "\n\n", "\r"]


@pytest.mark.parametrize("text", TEXTS)
def test_lines_are_the_text_split_at_line_breaks(text):
    source = Source("page.md", text)
    expected = tuple(re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")))
    assert source.lines == expected
    assert tuple(source.iter_lines()) == expected
    assert [source.line(n) for n in range(1, len(expected) + 1)] == list(expected)
    assert source.line(0) == source.line(len(expected) + 1) == ""
