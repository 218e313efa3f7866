"""GitHub heading slugs: the anchor GitHub gives each heading of a rendered markdown file.

GitHub (like github-slugger) lowercases the heading text, removes punctuation and symbols
except `-` and `_`, keeps letters, digits and combining marks of any script, turns each space
into `-`, and numbers repeated slugs `-1`, `-2`, ... in document order.
"""

from __future__ import annotations

import unicodedata


def github_slug(text: str) -> str:
    """The slug of one heading's text, before de-duplication."""
    kept = "".join(ch for ch in text.lower() if _kept(ch))
    return kept.replace(" ", "-")


def _kept(ch: str) -> bool:
    if ch in "-_ ":
        return True
    # Letters (L*), digits and other numbers (N*) and combining marks (M*) survive;
    # punctuation, symbols (emoji included), controls and other spaces do not.
    return unicodedata.category(ch)[0] in "LNM"


class Slugger:
    """Hands out unique slugs for the headings of one document, in order."""

    def __init__(self) -> None:
        self._occurrences: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = github_slug(text)
        result = base
        # github-slugger keeps counting from the base slug until it finds an unused one,
        # so a heading literally named "a-1" pushes the second "a" to "a-2".
        while result in self._occurrences:
            self._occurrences[base] += 1
            result = f"{base}-{self._occurrences[base]}"
        self._occurrences[result] = 0
        return result
