"""LC105 mojibake: text or a URL decoded with the wrong encoding (`â€”` for `—`).

Prose is scanned line by line outside code blocks, so the positions are those of the source.
ftfy finds and repairs the common cases; a second check catches UTF-8 read as Mac Roman or
Windows-1252 that ftfy's heuristics pass over, including text whose UTF-8 lead bytes were lost
(then the likely reading is named, but nothing is changed: the repair is a guess).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..models import Finding, Status
from ..urls import resolve
from .base import Context, Rule, Settings, Site
from .source import Source

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_LEGACY = ("mac_roman", "cp1252")


@dataclass(frozen=True, slots=True)
class Garble:
    start: int  # offset in the line
    end: int
    repair: str | None  # unambiguous repair, if any
    reading: str | None  # the likely intended text, when only guessable
    how: str


def garbles(line: str) -> list[Garble]:
    """The garbled spans of one line, ftfy's first, then the legacy-decoding check's."""
    if line.isascii():  # both checks look for non-ASCII characters only: skip the bulk cheaply
        return []
    # imported here: ftfy costs a noticeable share of start-up, and most runs never get here
    from ftfy.badness import is_bad

    found = _ftfy_garbles(line) if is_bad(line) else []
    for match in _NON_ASCII_RUN.finditer(line):
        if any(g.start < match.end() and match.start() < g.end for g in found):
            continue
        garble = _legacy_garble(match)
        if garble:
            found.append(garble)
    return sorted(found, key=lambda g: g.start)


def _ftfy_garbles(line: str) -> list[Garble]:
    import ftfy
    from ftfy.badness import BADNESS_RE

    fixed, steps = ftfy.fix_encoding_and_explain(line)
    if fixed == line:
        match = BADNESS_RE.search(line)
        start = match.start() if match else 0
        end = match.end() if match else len(line)
        return [Garble(start, end, None, None, "looks garbled, no unambiguous repair")]
    matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
    return [
        Garble(i1, i2, fixed[j1:j2], None, _describe(steps))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _describe(steps) -> str:
    wrong = [step[1] for step in steps or () if step[0] == "encode"]
    return f"UTF-8 read as {wrong[0]}" if wrong else "garbled characters"


def _legacy_garble(match: re.Match[str]) -> Garble | None:
    run = match.group()
    for encoding in _LEGACY:
        try:
            raw = run.encode(encoding)
        except UnicodeEncodeError:
            continue
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = None
        if decoded is not None and decoded != run and not decoded.isascii():
            return Garble(match.start(), match.end(), decoded, None, f"UTF-8 read as {encoding}")
        reading = _lost_lead_bytes(raw)
        if reading:
            return Garble(match.start(), match.end(), None, reading,
                          f"UTF-8 read as {encoding}, with the first byte of each character lost")
    return None


def _lost_lead_bytes(raw: bytes) -> str | None:
    """4-byte UTF-8 characters (U+10000...) whose lead byte was dropped leave runs of 3
    continuation bytes; put the only lead byte that makes assigned characters back."""
    if len(raw) < 3 or len(raw) % 3 or not all(0x80 <= b <= 0xBF for b in raw):
        return None
    try:
        return b"".join(b"\xf0" + raw[i : i + 3] for i in range(0, len(raw), 3)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for document in context.documents:
        source = context.sources.get(document.file)
        # A finding needs non-ASCII text in the file (a URL counts only where it is found in
        # the text), and locating every URL is not free: skip ASCII files whole.
        if source is None or source.text.isascii():
            continue
        sites = context.url_sites(document)
        for site in sites:
            if garbles(site.url):
                at = source.locate_url(site.line, site.column, site.url)
                if at is not None:
                    yield _url_finding(context, settings, source, at, site.url)
        yield from _text_findings(settings, source, sites)


def _text_findings(settings: Settings, source: Source, sites: list[Site]) -> Iterator[Finding]:
    urls = None  # located on the first garble: most files have none
    code_lines = source.code_lines
    for number, line in enumerate(source.iter_lines(), start=1):
        if number in code_lines or line.isascii():
            continue
        line_start = source.offset(number, 1)
        for garble in garbles(line):
            start, end = line_start + garble.start, line_start + garble.end
            urls = _url_spans(source, sites) if urls is None else urls
            if not any(u_start <= start and end <= u_end for u_start, u_end in urls):
                yield _text_finding(settings, source, number, garble)


def _url_spans(source: Source, sites: list[Site]) -> list[tuple[int, int]]:
    spans = []
    for site in sites:
        at = source.locate_url(site.line, site.column, site.url)
        if at is not None:
            spans.append((at, at + len(site.url)))
    return spans


def _text_finding(settings: Settings, source: Source, number: int, garble: Garble) -> Finding:
    bad = source.line(number)[garble.start : garble.end]
    hint = f" (probably {garble.reading!r})" if garble.reading else ""
    fix = {"original": bad, "replacement": garble.repair} if garble.repair else {}
    return settings.finding(
        source.file, number, garble.start + 1,
        f"garbled text {bad!r}: {garble.how}{hint}"
        + (f"; should read {garble.repair!r}" if garble.repair else ""),
        **fix,
    )


def _url_finding(
    context: Context, settings: Settings, source: Source, start: int, written: str
) -> Finding:
    repaired = _repair_url(written)
    verified = repaired is not None and _answers(context, resolve(repaired, source.file))
    line, column = source.position(start)
    if verified:
        note = f"the repaired URL {repaired} answers"
        fix = {"original": written, "replacement": repaired}
    elif repaired:
        note, fix = f"probably {repaired} (not verified by a check, so not fixed)", {}
    else:
        note, fix = "no unambiguous repair", {}
    return settings.finding(
        source.file, line, column, f"garbled URL {written}: {note}", url=written, **fix
    )


def _answers(context: Context, target: str) -> bool:
    result = context.results.get(target)
    return result is not None and result.status in (Status.OK, Status.REDIRECTED)


def targets(context: Context, settings: Settings) -> Iterator[str]:
    """Repaired forms of garbled URLs, so a fix can be verified before it is offered."""
    for document in context.documents:
        for link in document.links:
            if not link.is_remote or link.url.isascii():  # (an ASCII URL holds no garble)
                continue
            repaired = _repair_url(link.url)
            if repaired:
                yield resolve(repaired, document.file)


def _repair_url(url: str) -> str | None:
    fixed = url
    for garble in reversed(garbles(url)):
        if garble.repair is None:
            return None
        fixed = fixed[: garble.start] + garble.repair + fixed[garble.end :]
    return fixed if fixed != url else None


RULE = Rule(
    id="LC105",
    slug="mojibake",
    title="Garbled text from a wrong character encoding",
    finds="Text or URLs where UTF-8 was decoded as another encoding (`â€”` for `—`, "
    "`ùñ∫ùóáùñΩ` for `𝖺𝗇𝖽`), in prose outside code blocks, front matter and link targets.",
    why="Readers see nonsense, search does not find the words, and a garbled URL is a "
    "different address. Prose repairs are applied only when unambiguous; URL repairs only "
    "when the repaired URL was checked and answers.",
    example="[unittest â€” Unit testing framework](https://docs.python.org/3/library/unittest.html)",
    instead="[unittest — Unit testing framework](https://docs.python.org/3/library/unittest.html)",
    check=check,
    targets=targets,
    fixable=True,
)
