"""Inline suppression comments in markdown: which rules are silenced on which lines.

    <!-- linkcheck-disable-next-line duplicate-url LC103 -->   the next line only
    <!-- linkcheck-disable-line -->                            this line, every rule
    <!-- linkcheck-disable tracking-params -->                 from here ...
    <!-- linkcheck-enable tracking-params -->                  ... to here (or the end of the file)

A comment naming no rule covers every rule. Comments inside code blocks are examples, not
directives, and are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

ALL = "*"
_COMMENT = re.compile(
    r"<!--\s*linkcheck-(disable-next-line|disable-line|disable|enable)\b(.*?)-->", re.DOTALL
)
_NAME = re.compile(r"[A-Za-z0-9_-]+")
MARKER = "linkcheck-"  # every comment _COMMENT matches contains it


@dataclass(frozen=True, slots=True)
class UnknownRule:
    """A suppression comment naming a rule that does not exist."""

    line: int
    column: int
    name: str


@dataclass(frozen=True)
class Suppressions:
    """The suppressed (line, rule) pairs of one file; a rule is named by slug or id."""

    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    blocks: tuple[tuple[int, int, str], ...] = ()  # (first line, last line, rule or ALL)
    unknown: tuple[UnknownRule, ...] = ()

    def covers(self, line: int, names: Iterable[str]) -> bool:
        """Whether a finding of the rule known by `names` (slug and id) at `line` is silenced."""
        if not self.lines and not self.blocks:  # most files: no suppression comment
            return False
        keys = {ALL, *names}
        if keys & self.lines.get(line, frozenset()):
            return True
        return any(first <= line <= last and rule in keys for first, last, rule in self.blocks)


def parse(
    lines: Iterable[str], skip: frozenset[int], canonical: Callable[[str], str | None]
) -> Suppressions:
    """Read the suppression comments in `lines` (1-based numbering), ignoring lines in `skip`.

    `canonical` maps a slug or id to the rule's slug, or None when no rule has that name.
    """
    per_line: dict[int, set[str]] = {}
    open_blocks: dict[str, int] = {}
    blocks: list[tuple[int, int, str]] = []
    unknown: list[UnknownRule] = []
    number = 0
    for number, text in enumerate(lines, start=1):
        if MARKER not in text or number in skip:  # the substring test spares the regex
            continue
        for match in _COMMENT.finditer(text):
            names = _names(match, number, canonical, unknown)
            kind = match.group(1)
            if kind in ("disable-next-line", "disable-line"):
                target = number + 1 if kind == "disable-next-line" else number
                per_line.setdefault(target, set()).update(names)
            elif kind == "disable":
                for name in names:
                    open_blocks.setdefault(name, number)
            else:
                _close(open_blocks, blocks, names, number)
    _close(open_blocks, blocks, list(open_blocks), number)  # the last line
    frozen = {line: frozenset(names) for line, names in per_line.items()}
    return Suppressions(frozen, tuple(blocks), tuple(unknown))


def _names(
    match: re.Match[str], line: int, canonical: Callable[[str], str | None], unknown: list
) -> list[str]:
    words = list(_NAME.finditer(match.group(2)))
    if not words:
        return [ALL]
    names: list[str] = []
    for word in words:
        slug = canonical(word.group())
        if slug is None:  # a typo must not silence every rule: report it, silence nothing
            unknown.append(UnknownRule(line, match.start(2) + word.start() + 1, word.group()))
        else:
            names.append(slug)
    return names


def _close(open_blocks: dict[str, int], blocks: list, names: list[str], line: int) -> None:
    # `enable` with no rule closes every open block; `enable x` closes x's block, and also
    # x's share of an all-rules block would need splitting, which nobody writes: keep it simple.
    targets = list(open_blocks) if ALL in names else names
    for name in targets:
        first = open_blocks.pop(name, None)
        if first is not None:
            blocks.append((first, line, name))
