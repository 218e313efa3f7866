"""Documents extracted by an earlier run, reused while the file and the extractor are unchanged.

Parsing is most of a warm run's fixed cost (the result store answers the network part), so the
documents are kept next to the result store, in JSON (never pickle: the file may sit in a
checkout anyone can commit to). An entry is used only when the file's SHA-256, its path as
discovered, and a fingerprint of the extraction code, the libraries it relies on and Python all
match; anything unreadable or unexpected in the cache means extracting again, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from sys import intern
from typing import Any, TextIO

from .. import __version__, models, urls
from ..config import make_dir
from ..models import Diagnostic, Document, Link, LinkKind, ReferenceDefinition

CACHE_NAME = "extract-cache.json"
MAX_ENTRIES = 5000  # files kept; the oldest entries go first
_FORMAT = 1
# Code that decides what extraction returns, besides this package's own files: a change to any
# of it empties the cache.
_SHARED_MODULES = (models, urls)
# module -> distribution of the libraries whose behaviour shapes a document
_LIBRARIES = {
    "markdown_it": "markdown_it_py", "mdit_py_plugins": "mdit_py_plugins", "ada_url": "ada_url",
    "yaml": "pyyaml",
}
_LINK_BATCH = 1000  # links written to the cache file at once
_DOCUMENT_FIELDS = (
    "file", "links", "anchors", "definitions", "unused_definitions", "undefined_references",
    "front_matter", "diagnostics", "line_count", "code_lines", "heading_ids",
)


def extract_all(files: Iterable[str], cache_file: Path | None) -> tuple[Document, ...]:
    """Extract every file, reusing `cache_file`'s documents for unchanged files when given."""
    return tuple(extract_each(files, cache_file))


def extract_each(files: Iterable[str], cache_file: Path | None) -> Iterator[Document]:
    """extract_all's documents one at a time, as each file is read (a streamed run checks the
    first file's links while the next is read); the cache is written after the last."""
    files = list(files)
    if cache_file is None or not _cacheable_model():
        yield from map(extract_file, files)
        return
    fingerprint = _fingerprint()
    entries = _load(cache_file, fingerprint)
    fresh = {}
    for path in files:
        document, entry = _extract_one(path, entries.get(path))
        if entry is not None:
            fresh[path] = entry
        yield document
    if any(entries.get(path) is not entry for path, entry in fresh.items()):
        kept = {p: e for p, e in entries.items() if p not in fresh}
        _save(cache_file, fingerprint, {**kept, **fresh})


def _extract_one(path: str, entry: dict | None) -> tuple[Document, dict | None]:
    """The document, and the cache entry to keep for it (None: not cacheable)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return extract_file(path), None  # the extractor words the diagnostic
    digest = hashlib.sha256(data).hexdigest()
    if isinstance(entry, dict) and entry.get("sha256") == digest:
        try:
            return _decode(entry["document"]), entry
        except (KeyError, IndexError, TypeError, ValueError):
            pass  # a damaged entry: extract again
    decoded = decode_text(data, path)
    del data  # a long file's bytes are not held beside its text while it is parsed
    document = extract_decoded(decoded, path)
    if document.front_matter is not None and not _survives_json(document.front_matter):
        return document, None
    # encoded as it is written (_write_entries): its rows are never all held beside its links
    return document, {"sha256": digest, "document": document}


def extract_file(path: str) -> Document:
    """The parser's reading of a file, which imports the parser on the first file the cache
    does not answer."""
    from .read import extract_file as extract

    return extract(path)


def decode_text(data: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    """The file's text (read.decode), which imports the parser: it is read next."""
    from .read import decode

    return decode(data, path)


def extract_decoded(decoded: tuple[str | None, Diagnostic | None], path: str) -> Document:
    from .read import extract_decoded as extract

    return extract(decoded, path)


# -- the cache file ------------------------------------------------------------------------


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{_FORMAT} {__version__} {sys.version}".encode())
    for name, distribution in _LIBRARIES.items():
        digest.update(_library_version(name, distribution).encode())
    for path in _code_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _code_files() -> list[Path]:
    """Every module of the extraction package (found, not listed) and the shared ones it uses."""
    package = sorted(Path(__file__).parent.glob("*.py"))
    return package + [Path(module.__file__) for module in _SHARED_MODULES]


def _library_version(name: str, distribution: str) -> str:
    """The installed version, read from the dist-info directory's name beside the package,
    found without importing it (a run from the cache never loads the parser; importlib.metadata
    would cost more than the whole cached extraction)."""
    spec = importlib.util.find_spec(name)
    where = Path((spec.origin if spec else None) or ".")
    try:
        listing = os.listdir(where.parent.parent)
    except OSError:
        listing = []
    found = sorted(
        entry for entry in listing
        if entry.lower().startswith(distribution + "-") and entry.endswith(".dist-info")
    )
    return f" {name} {where} {found}"


def _load(cache_file: Path, fingerprint: str) -> dict[str, dict]:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
        return {}
    entries = data.get("files")
    return entries if isinstance(entries, dict) else {}


def _save(cache_file: Path, fingerprint: str, entries: dict[str, dict]) -> None:
    """Write atomically (a concurrent run reads the old file or the new one, never half);
    a cache that cannot be written is simply not there next time."""
    if len(entries) > MAX_ENTRIES:
        entries = dict(list(entries.items())[-MAX_ENTRIES:])
    # a name of our own rather than mkstemp's, whose 0600 mode would differ from the store's
    temporary = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        make_dir(cache_file.parent)
        with open(temporary, "x", encoding="utf-8") as out:
            _write_entries(out, fingerprint, entries)
        os.replace(temporary, cache_file)
    except (OSError, ValueError):  # ValueError: a value JSON cannot hold; no cache then
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _write_entries(out: TextIO, fingerprint: str, entries: dict[str, dict]) -> None:
    """The cache's JSON, written an entry (and a batch of a document's links) at a time: the
    text of a file of 200,000 links, or the rows of its links, are never held whole. An entry's
    document is a Document (extracted this run) or its JSON form (read from the cache)."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    out.write(f'{{"fingerprint": {dumps(fingerprint)}, "files": {{')
    for number, (path, entry) in enumerate(entries.items()):
        out.write((", " if number else "") + dumps(path) + ": ")
        document = entry.get("document") if isinstance(entry, dict) else None
        if isinstance(document, Document):
            _write_in_batches(out, entry, _encode(document), document.links, dumps)
            continue
        links = document.get("links") if isinstance(document, dict) else None
        if isinstance(links, list) and len(links) > _LINK_BATCH:
            _write_in_batches(out, entry, document, links, dumps)
        else:
            out.write(dumps(entry))
    out.write("}}")


def _write_in_batches(out: TextIO, entry: dict, document: dict, links: list | tuple,
                      dumps: Callable[[Any], str]) -> None:
    """An entry whose document's links are written _LINK_BATCH at a time: `links` are rows
    (read from the cache) or the Links of a Document, made rows a batch at a time."""
    rest = {key: value for key, value in entry.items() if key != "document"}
    others = {key: value for key, value in document.items() if key != "links"}
    out.write('{"document": {"links": [')
    for start in range(0, len(links), _LINK_BATCH):
        batch = links[start:start + _LINK_BATCH]
        rows = [_row(link) for link in batch] if isinstance(batch, tuple) else batch
        out.write((", " if start else "") + dumps(rows)[1:-1])
    out.write("]" + (", " + dumps(others)[1:] if others else "}"))
    out.write((", " + dumps(rest)[1:]) if rest else "}")


# -- documents to JSON and back ------------------------------------------------------------


def _cacheable_model() -> bool:
    """Only the Document this module knows how to write: a field added later disables the
    cache until this module learns it, rather than losing the field."""
    return (tuple(f.name for f in fields(Document)) == _DOCUMENT_FIELDS
            and tuple(f.name for f in fields(Link)) == _LINK_FIELDS)


def _encode(document: Document) -> dict[str, Any]:
    """The document's JSON form but its links (written a batch at a time, as their rows)."""
    return {
        "file": document.file,
        "anchors": sorted(document.anchors),
        "definitions": [_row(d) for d in document.definitions],
        "unused_definitions": [_row(d) for d in document.unused_definitions],
        "undefined_references": [_row(link) for link in document.undefined_references],
        "front_matter": document.front_matter,
        "diagnostics": [_row(d) for d in document.diagnostics],
        "line_count": document.line_count,
        "code_lines": None if document.code_lines is None else sorted(document.code_lines),
        "heading_ids": [list(pair) for pair in document.heading_ids],
    }


def _survives_json(value: Any) -> bool:
    """YAML dates, sets, NaN or non-string keys would not come back the same: not cached."""
    try:
        return json.loads(json.dumps(value, allow_nan=False)) == value
    except (TypeError, ValueError):
        return False


def _row(record: Any) -> list:
    return [getattr(record, f.name) for f in fields(record)]


_KINDS = {kind.value: kind for kind in LinkKind}
_LINK_FIELDS = ("file", "line", "column", "url", "resolved_url", "text", "kind", "section", "key")


def _link(row: list) -> Link:
    """A link from its cached row; its strings interned (JSON gives each its own copy). A row
    of another length or a string that is not one (a damaged cache) raises: extracted again."""
    file, line, column, url, resolved_url, text, kind, section, key = row
    return Link(intern(file), line, column, intern(url), intern(resolved_url), intern(text),
                _KINDS[kind], intern(section), intern(key))


def _decode(data: dict[str, Any]) -> Document:
    code_lines = data["code_lines"]
    return Document(
        file=data["file"],
        links=tuple(_link(row) for row in data["links"]),
        anchors=frozenset(data["anchors"]),
        definitions=tuple(ReferenceDefinition(*row) for row in data["definitions"]),
        unused_definitions=tuple(ReferenceDefinition(*row) for row in data["unused_definitions"]),
        undefined_references=tuple(_link(row) for row in data["undefined_references"]),
        front_matter=data["front_matter"],
        diagnostics=tuple(Diagnostic(*row) for row in data["diagnostics"]),
        line_count=data["line_count"],
        code_lines=None if code_lines is None else frozenset(code_lines),
        heading_ids=tuple((slug, ident) for slug, ident in data["heading_ids"]),
    )
