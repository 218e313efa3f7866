"""Documents reused from an earlier run must equal a fresh extraction, and only then be reused."""

from __future__ import annotations

import io
import json

import pytest

from linkcheck.extract import cache as extract_cache
from linkcheck.extract import extract_file
from linkcheck.extract.cache import extract_all

PAGE = """---
title: Page
links:
  - https://front.test/a
---
# Title

See [docs](https://x.test/docs "t") and <https://y.test/> or https://z.test/bare.

```md
[in code](https://code.test/)
```

[ref][r] ![img](./pic.png) <a href="https://html.test/">html</a>

[r]: https://ref.test/
[unused]: https://unused.test/
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.md").write_text("# B\n\n[a](a.md#title) [bad][nope]\n", encoding="utf-8")
    return ["a.md", "b.md"]


def _no_parsing(monkeypatch):
    def refuse(decoded, path):
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(extract_cache, "extract_decoded", refuse)


def test_second_run_reuses_documents_equal_to_a_fresh_extraction(files, tmp_path, monkeypatch):
    cache = tmp_path / ".linkcheck" / "extract-cache.json"
    first = extract_all(files, cache)
    assert cache.is_file()
    _no_parsing(monkeypatch)
    second = extract_all(files, cache)
    fresh = tuple(extract_file(f) for f in files)
    assert first == second == fresh
    assert second[0].code_lines == fresh[0].code_lines and second[0].code_lines
    assert second[0].front_matter == {"title": "Page", "links": ["https://front.test/a"]}


def test_a_long_document_is_written_a_batch_of_rows_at_a_time_and_read_back_whole(
        tmp_path, monkeypatch):
    """A fresh document's links become rows only as they are written, _LINK_BATCH at a time;
    a later run reads the same document (and writes it again the same, from its rows)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(extract_cache, "_LINK_BATCH", 7)
    (tmp_path / "long.md").write_text(
        PAGE + "".join(f"- [item {n}](https://x.test/{n % 5})\n" for n in range(30)),
        encoding="utf-8")
    (tmp_path / "short.md").write_text("[a](https://x.test/a)\n", encoding="utf-8")
    cache = tmp_path / ".linkcheck" / "extract-cache.json"
    first = extract_all(["long.md", "short.md"], cache)
    assert len(first[0].links) > 30
    text = cache.read_text(encoding="utf-8")
    _no_parsing(monkeypatch)
    assert extract_all(["long.md", "short.md"], cache) == first
    entries = json.loads(text)["files"]
    assert [len(entries[f]["document"]["links"]) for f in ("long.md", "short.md")] == [
        len(first[0].links), 1]
    out = io.StringIO()
    extract_cache._write_entries(out, json.loads(text)["fingerprint"], entries)
    assert json.loads(out.getvalue()) == json.loads(text)


def test_a_changed_file_is_extracted_again(files, tmp_path):
    cache = tmp_path / "extract-cache.json"
    extract_all(files, cache)
    (tmp_path / "b.md").write_text("# B\n\n[new](https://new.test/)\n", encoding="utf-8")
    documents = extract_all(files, cache)
    assert [link.url for link in documents[1].links] == ["https://new.test/"]


def test_a_damaged_or_foreign_cache_is_ignored(files, tmp_path):
    cache = tmp_path / "extract-cache.json"
    fresh = tuple(extract_file(f) for f in files)
    for content in ("not json", "[]", json.dumps({"fingerprint": "other", "files": {}})):
        cache.write_text(content, encoding="utf-8")
        assert extract_all(files, cache) == fresh
    extract_all(files, cache)
    data = json.loads(cache.read_text(encoding="utf-8"))
    row = data["files"]["a.md"]["document"]["links"][0]
    for damaged in (["too", "short"], [*row, "one more"], [row[0], row[1], row[2], 7, *row[4:]],
                    [*row[:6], "no such kind", *row[7:]]):
        data["files"]["a.md"]["document"]["links"][0] = damaged
        cache.write_text(json.dumps(data), encoding="utf-8")
        assert extract_all(files, cache) == fresh


def test_front_matter_json_cannot_hold_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.md").write_text("---\nupdated: 2024-01-02\n---\n# D\n", encoding="utf-8")
    cache = tmp_path / "extract-cache.json"
    first = extract_all(["d.md"], cache)
    assert str(first[0].front_matter["updated"]) == "2024-01-02"
    assert extract_all(["d.md"], cache) == first  # extracted again, the date intact
    assert not cache.exists() or "d.md" not in json.loads(cache.read_text())["files"]


def test_unreadable_files_keep_their_diagnostic(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.md").mkdir()
    [document] = extract_all(["dir.md"], tmp_path / "extract-cache.json")
    assert [d.code for d in document.diagnostics] == ["unreadable"]


def test_fingerprint_covers_every_module_of_the_extraction_package() -> None:
    import pkgutil

    import linkcheck.extract as package

    names = {path.stem for path in extract_cache._code_files()}
    modules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert modules | {"__init__", "models", "urls"} == names
    assert all(path.is_file() for path in extract_cache._code_files())


def test_the_cache_file_is_written_in_pieces_that_read_back_whole():
    import io
    import json

    from linkcheck.extract import cache

    entries = {
        "big.md": {"sha256": "x", "document": {
            "file": "big.md", "links": [[i, "é\n\"", None, True] for i in range(2500)],
            "anchors": ["a"]}},
        "small.md": {"sha256": "y", "document": {"file": "small.md", "links": [[1]]}},
        "links-only.md": {"document": {"links": list(range(1500))}},
    }
    out = io.StringIO()
    cache._write_entries(out, "print", entries)
    assert json.loads(out.getvalue()) == {"fingerprint": "print", "files": entries}


def test_a_run_from_the_cache_never_imports_the_parser_and_keeps_its_fingerprint(files):
    """In fresh interpreters: a second run, answered by the cache, loads neither markdown-it
    nor YAML, and the fingerprint does not depend on whether they were imported."""
    import subprocess
    import sys

    child = """if True:
        import sys
        from linkcheck import cli
        from linkcheck.extract import cache
        before = cache._fingerprint()
        cli.main(["run", "--offline", "-q", "a.md", "b.md"])
        print(sorted(m for m in ("markdown_it", "yaml") if m in sys.modules))
        import markdown_it, yaml
        print(cache._fingerprint() == before)
    """
    runs = [subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                           timeout=60) for _ in range(2)]
    assert [r.stdout.split("\n")[-3:] for r in runs] == [
        ["['markdown_it', 'yaml']", "True", ""], ["[]", "True", ""]], [r.stderr for r in runs]
