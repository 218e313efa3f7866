"""LC102 inconsistent-link-text: one resource under unrelated names, one name for two resources."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import compress

from ..models import Finding, Link, LinkKind
from .base import Context, Rule, Settings, places, plain_text, text_is_url
from .duplicate_url import keys_for
from .non_descriptive_link_text import GENERIC_TEXTS

_WRITTEN_TEXT = (LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.HTML_LINK)
_WORD = re.compile(r"[^\W_]+")
# Words that say nothing about which resource a link is: two texts sharing only these are unrelated.
_FILLER = frozenset(
    "a an and the of for to in on with by at from your how what is are guide tutorial tutorials "
    "course courses documentation docs official introduction intro learn learning basics book "
    "article video page".split()
)


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    generic = {plain_text(t) for t in GENERIC_TEXTS}
    links = context.unsuppressed(settings.rule, [
        link for document in context.documents for link in document.links
        if link.kind in _WRITTEN_TEXT and link.is_remote
    ])
    # the links named by their text, and their texts (two lists: not a pair per link)
    texts = [plain_text(link.text) for link in links]
    chosen = [text not in generic and not text_is_url(link)
              for link, text in zip(links, texts, strict=True)]
    named, texts = list(compress(links, chosen)), list(compress(texts, chosen))
    keys = keys_for(context, settings.options["follow_redirects"], named)
    pairs = set(zip(keys, texts, strict=True))  # (resource, text), each once
    texts_of = Counter(key for key, _ in pairs)  # resource -> its number of texts
    urls_of = Counter(text for _, text in pairs)  # text -> its number of resources
    if len(pairs) == len(texts_of) == len(urls_of):  # one text per resource, and vice versa
        return
    by_url: dict[str, list[Link]] = defaultdict(list)
    by_text: dict[str, list[tuple[Link, str]]] = defaultdict(list)  # text -> (link, key)
    for link, text, key in zip(named, texts, keys, strict=True):
        if texts_of[key] > 1:
            by_url[key].append(link)
        if urls_of[text] > 1:
            by_text[text].append((link, key))
    for group in by_url.values():
        finding = _names_for_one_url(group, settings)
        if finding is not None:
            yield finding
    for text, keyed in by_text.items():
        yield _urls_for_one_name(keyed, urls_of[text], settings)


def _names_for_one_url(group: list[Link], settings: Settings) -> Finding | None:
    """The first link (by place) under a text unrelated to the first link's: once per URL."""
    group = sorted(group, key=lambda link: (link.file, link.line, link.column))
    first = group[0]
    for link in group[1:]:
        if _unrelated(first.text, link.text, settings.options["only_unrelated"]):
            others = [(other.file, other.line) for other in group if other is not link]
            return settings.finding(
                link.file, link.line, link.column,
                f"{link.url} is linked as {link.text.strip()!r} here but as "
                f"{first.text.strip()!r} at {first.file}:{first.line}: is one of them mislabelled?",
                url=link.url, related=tuple(others),
            )
    return None


def _urls_for_one_name(keyed: list[tuple[Link, str]], urls: int, settings: Settings) -> Finding:
    """`keyed`: the links sharing one text, each with its resource key, `urls` keys in all."""
    keyed = sorted(keyed, key=lambda pair: (pair[0].file, pair[0].line, pair[0].column))
    group = [link for link, _ in keyed]
    first, first_key = keyed[0]
    anchor = next(link for link, key in keyed if key != first_key)
    others = [(link.file, link.line) for link in group if link is not anchor]
    return settings.finding(
        anchor.file, anchor.line, anchor.column,
        f"the link text {anchor.text.strip()!r} points at {urls} different URLs: "
        f"{anchor.url} here, {first.url} at {first.file}:{first.line}; all uses: {places(others)}",
        url=anchor.url, related=tuple(others),
    )


def _unrelated(a: str, b: str, only_unrelated: bool) -> bool:
    if plain_text(a) == plain_text(b):
        return False
    if not only_unrelated:
        return True
    words_a, words_b = _words(a), _words(b)
    # texts made only of filler words ("Guide", "The guide") say too little to disagree
    return bool(words_a and words_b) and not (words_a & words_b)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _FILLER}


RULE = Rule(
    id="LC102",
    slug="inconsistent-link-text",
    title="One resource under unrelated names, or one name for different resources",
    finds="A URL linked under texts that share no meaningful word (e.g. `Python programming` and "
    "`Pytest`), and one link text that points at different URLs across the curriculum. Generic "
    "texts and links whose text is the URL are ignored.",
    why="Either is usually a mislabelled resource: the reader clicks `Pytest` and lands on a "
    "Python course, or two different pages pretend to be the same thing.",
    example="[Python programming](https://x.test/python) ... [Pytest](https://x.test/python)",
    instead="[Python programming](https://x.test/python) ... [Pytest](https://docs.pytest.org/)",
    check=check,
    options={"only_unrelated": True, "follow_redirects": True},
)
