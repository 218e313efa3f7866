"""Inline and block HTML read with html.parser: the tags, their attributes and link text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

A_TAG = re.compile(r"</?a[\s/>]", re.IGNORECASE)  # <a ...> or </a>, not <abbr> or </abbr>


@dataclass
class Tag:
    name: str
    attrs: dict[str, str | None]
    offset: int  # offset of `<` in the HTML fragment
    text: str = ""  # for <a>: the text up to </a> within the same fragment


class _TagCollector(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        for index, char in enumerate(fragment):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.tags: list[Tag] = []
        self._open_link: Tag | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        first_wins: dict[str, str | None] = {}
        for name, value in attrs:  # browsers keep the first of repeated attributes
            first_wins.setdefault(name, value)
        found = Tag(tag, first_wins, self._line_starts[line - 1] + column)
        self.tags.append(found)
        if tag == "a":
            self._close_link()
            self._open_link = found

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self._close_link()

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_link()

    def handle_data(self, data: str) -> None:
        if self._open_link is not None:
            self._text.append(data)

    def _close_link(self) -> None:
        if self._open_link is not None:
            self._open_link.text = "".join(self._text)
        self._open_link, self._text = None, []


def parse_html(fragment: str) -> list[Tag]:
    collector = _TagCollector(fragment)
    collector.feed(fragment)
    collector.close()
    collector._close_link()
    return collector.tags

