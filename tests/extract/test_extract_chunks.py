"""A long document parsed in parts gives exactly the Document the whole parse gives.

The parts are cut at every place chunks.py allows (one line per part at least), over the spec
files themselves, all their examples run together, and a document built to tempt a wrong cut.
"""

from __future__ import annotations

import pytest
from test_conformance_spec import SPEC_DIR, SPECS, read_examples

from linkcheck.extract import extract_text
from linkcheck.extract.chunks import chunk_starts

WHOLE = 10**9  # chunk_lines no document reaches: one part


def assert_same_in_parts(text: str, file: str = "docs/page.md") -> int:
    lines = text.replace("\r\n", "\n").split("\n")
    parts = len(chunk_starts(lines, 1))
    assert extract_text(text, file, chunk_lines=1) == extract_text(text, file, chunk_lines=WHOLE)
    return parts


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_a_spec_file_parses_the_same_in_parts(spec):
    text = (SPEC_DIR / SPECS[spec]).read_text(encoding="utf-8")
    assert assert_same_in_parts(text) > 20


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_every_example_run_together_parses_the_same_in_parts(spec):
    text = "\n\n".join(example.markdown for example in read_examples(spec))
    assert assert_same_in_parts(text) > 50


TEMPTING = """---
title: front matter
link: https://example.com/front
---

[used above][far]

```python
x = 1

[in code](https://example.com/in-fence)
```

<!-- a comment

[in comment](https://example.com/in-comment)
-->

<pre>

[in pre](https://example.com/in-pre)
</pre>

- a list item

  [in the item](https://example.com/item)

# Heading

[after](https://example.com/after) and [a heading link](#heading)

    indented code

[far]: https://example.com/far
"""


def test_no_cut_inside_fences_comments_or_front_matter():
    lines = TEMPTING.split("\n")
    starts = chunk_starts(lines, 1)
    cut_lines = {lines[i] for i in starts[1:]}
    assert cut_lines == {
        "[used above][far]", "```python", "<!-- a comment", "<pre>", "- a list item",
        "# Heading", "[after](https://example.com/after) and [a heading link](#heading)",
        "[far]: https://example.com/far"}
    document = extract_text(TEMPTING, "page.md", chunk_lines=1)
    assert document == extract_text(TEMPTING, "page.md", chunk_lines=WHOLE)
    urls = [link.resolved_url for link in document.links]
    assert "https://example.com/far" in urls  # a definition further down, used above
    assert "https://example.com/item" in urls
    assert not any("in-fence" in u or "in-comment" in u or "in-pre" in u for u in urls)
    after = next(n for n, line in enumerate(lines, 1) if line.startswith("[after]"))
    assert [(link.line, link.column, link.section) for link in document.links
            if "after" in link.url] == [(after, 1, "Heading")]


def test_short_documents_are_parsed_whole():
    assert chunk_starts(["[a](b)", "", "c"] * 10, 2000) == [0]
