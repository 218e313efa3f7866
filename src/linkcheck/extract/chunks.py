"""Where a long markdown document can be cut into parts that parse exactly as the whole does.

markdown-it keeps every token of a document alive until the parse ends: about 4 KB per link,
so a file of 200,000 links would need 800 MB. A long document is therefore parsed in parts of
about `CHUNK_LINES` lines, each cut where nothing can carry over: before a line that starts at
column 0 with a visible character right after a blank line (every container and paragraph has
ended there) and is not `---` (which would open front matter), outside front matter, fenced
code and the HTML blocks that may hold blank lines (`<!--`, `<script`, `<pre`, `<style`,
`<textarea`, `<?`, `<!X`, `<![CDATA[`). The only state that crosses parts is the reference
definitions, which the walker collects in a first pass.
"""

from __future__ import annotations

import re

# Lines per part; a document of fewer than twice this is parsed whole. Small: the memory a
# part's tokens took stays with the process (the links made meanwhile share its pages), about
# 11 MB less at 100,000 links than with parts of 2,000 lines, at the same speed.
CHUNK_LINES = 500

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# HTML blocks of CommonMark's kinds 1-5 (they end at a marker, not at a blank line), and the
# marker each ends with.
_RAW_HTML = (
    (re.compile(r" {0,3}<(script|pre|style|textarea)(\s|>|$)", re.IGNORECASE),
     re.compile(r"</(script|pre|style|textarea)>", re.IGNORECASE)),
    (re.compile(r" {0,3}<!--"), re.compile(r"-->")),
    (re.compile(r" {0,3}<\?"), re.compile(r"\?>")),
    (re.compile(r" {0,3}<![A-Za-z]"), re.compile(r">")),
    (re.compile(r" {0,3}<!\[CDATA\["), re.compile(r"\]\]>")),
)


def chunk_starts(lines: list[str], chunk_lines: int = CHUNK_LINES) -> list[int]:
    """The 0-based first line of each part (always [0] for a short document)."""
    if len(lines) < 2 * chunk_lines:
        return [0]
    starts = [0]
    closing: re.Pattern[str] | None = None  # the end of the fence or HTML block we are in
    fence = ""
    index = _after_front_matter(lines)
    while index < len(lines):
        line = lines[index]
        if closing is not None:
            if _closes(line, closing, fence):
                closing, fence = None, ""
        elif (index - starts[-1] >= chunk_lines and _cuttable(lines, index)):
            starts.append(index)
            continue  # the same line may also open a fence: look at it again
        else:
            closing, fence, rest = _opens(line)
            if closing is not None and not fence and closing.search(line, rest):
                closing = None  # an HTML block that ends on its first line
        index += 1
    return starts


def _cuttable(lines: list[str], index: int) -> bool:
    """A part may start here; never with `---`, which would read as its front matter."""
    line = lines[index]
    return (bool(line) and not line[0].isspace() and lines[index - 1].strip() == ""
            and not line.startswith("---"))


def _opens(line: str) -> tuple[re.Pattern[str] | None, str, int]:
    """The end marker of the fence or HTML block the line opens, the fence, and where on the
    line the end marker may first be found."""
    fence = _FENCE.match(line)
    if fence is not None:
        marker = fence.group(1)
        if marker[0] == "~" or "`" not in line[fence.end():]:  # ``` info may not hold a `
            closing = re.compile(r" {0,3}" + re.escape(marker[0]) + "{" + str(len(marker))
                                 + r",}\s*$")
            return closing, marker, len(line)
    for start, end in _RAW_HTML:
        opened = start.match(line)
        if opened:
            return end, "", opened.end()
    return None, "", 0


def _closes(line: str, closing: re.Pattern[str], fence: str) -> bool:
    if fence:
        return closing.match(line) is not None
    return closing.search(line) is not None


def _after_front_matter(lines: list[str]) -> int:
    """The first line after YAML front matter, or 0 when there is none."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index + 1
    return len(lines)  # never closed: nothing is cut
