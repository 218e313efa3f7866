"""Offline checks of every non-remote link: local files, directories, anchors and schemes."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from ..discover import MARKDOWN_SUFFIXES
from ..models import CheckResult, Document, Link, Status
from ..urls import TargetKind, split_fragment, target_kind
from .docusaurus import DocusaurusSite

GITHUB_ANCHOR_PREFIX = "user-content-"


def _extract_file(path: str) -> Document:
    """A markdown file outside the run, read for its anchors (the parser is imported here:
    a run without such a link never loads it)."""
    from ..extract import extract_file

    return extract_file(path)


def check_local(
    documents: Iterable[Document],
    extract: Callable[[str], Document] | None = None,
    site: DocusaurusSite | None = None,
) -> dict[str, CheckResult]:
    """A verdict per distinct target (Link.resolved_url) of every link that is not fetched.

    Malformed remote URLs are judged here too, so the remote checker never sees them.
    Markdown files outside the scanned set are extracted on demand to check their anchors.
    With a Docusaurus `site`, its routes and anchors are the rules instead of GitHub's.
    """
    documents = list(documents)
    anchors = _AnchorIndex({doc.file: doc for doc in documents}, extract or _extract_file, site)
    results: dict[str, CheckResult] = {}
    remote: set[str] = set()  # targets classified remote already (the checker's, not ours)
    for document in documents:
        for link in document.links:
            target = link.resolved_url
            if target in results or target in remote:
                continue
            kind = target_kind(target)
            if kind is TargetKind.REMOTE:
                remote.add(target)
            else:
                results[target] = _verdict(target, kind, anchors, link.file)
                if site is not None and results[target].reason == "file not found":
                    results[target] = _docusaurus_route(link, site, anchors, results[target])
    return results


def _docusaurus_route(link: Link, site: DocusaurusSite, anchors: _AnchorIndex,
                      missing: CheckResult) -> CheckResult:
    """A missing file may still be a page Docusaurus serves (a URL path to a doc)."""
    if not site.by_url(link):
        return missing  # a file path: Docusaurus needs the file as GitHub does
    doc = site.resolve(link)
    if doc is None:
        return replace(missing, reason="file not found (and no Docusaurus doc at that URL)")
    target = link.resolved_url
    result = _check_path(target, doc, split_fragment(target)[1], anchors)
    if result.reason == "file exists":
        return replace(result, reason=f"Docusaurus doc {doc}")
    return result


def _verdict(target: str, kind: TargetKind, anchors: _AnchorIndex, source: str) -> CheckResult:
    scheme = target.split(":", 1)[0].lower()
    if kind is TargetKind.SKIPPED:
        return CheckResult(target, Status.SKIPPED, f"{scheme}: links are not checked")
    if kind is TargetKind.UNSUPPORTED:
        return CheckResult(target, Status.BROKEN, f"unsupported scheme {scheme}:")
    if kind is TargetKind.INVALID:
        return CheckResult(target, Status.BROKEN, "invalid URL")
    path, fragment = split_fragment(target)
    if _outside_root(path, source):
        return CheckResult(target, Status.BROKEN, "outside the repository: no reader can open it")
    return _check_path(target, path, fragment, anchors)


def _outside_root(path: str, source: str) -> bool:
    """Whether a target escapes the repository its source file is in (the git work tree around
    the working directory, else the working directory); a source outside it is not judged."""
    root = repository_root(os.path.abspath(os.curdir))
    return _within(os.path.abspath(source), root) and not _within(os.path.abspath(path), root)


@functools.lru_cache(maxsize=8)
def repository_root(cwd: str) -> str:
    """The nearest folder at or above `cwd` holding `.git`, else `cwd` itself."""
    for folder in (Path(cwd), *Path(cwd).parents):
        if (folder / ".git").exists():
            return str(folder)
    return cwd


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _check_path(
    target: str, path: str, fragment: str | None, anchors: _AnchorIndex
) -> CheckResult:
    try:
        exists, is_dir = Path(path).exists(), Path(path).is_dir()
    except (OSError, ValueError) as exc:  # name too long, NUL byte: no such file can exist
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return CheckResult(target, Status.BROKEN, f"invalid path ({reason})")
    if not exists:
        return CheckResult(target, Status.BROKEN, "file not found")
    if not fragment:
        return CheckResult(target, Status.OK, "directory exists" if is_dir else "file exists")
    if fragment.lower() == "top":  # a browser scrolls to the top when no element has that id
        return CheckResult(target, Status.OK, "top of the page")
    if is_dir:
        return _check_folder_fragment(target, path, fragment, anchors)
    return _check_anchor(target, path, fragment, anchors.of(path), anchors.exact)


def _check_folder_fragment(
    target: str, path: str, fragment: str, anchors: _AnchorIndex
) -> CheckResult:
    """`folder#x`: GitHub shows the folder's README below its listing; #x is looked up there."""
    readmes = sorted(p for p in Path(path).iterdir() if p.stem.lower() == "readme" and p.is_file())
    markdown = [p for p in readmes if p.suffix.lower() in MARKDOWN_SUFFIXES]
    if markdown:  # the first by name, as remark-validate-links picks among several
        return _check_anchor(target, markdown[0].as_posix(), fragment,
                             anchors.of(str(markdown[0])), anchors.exact)
    if readmes:
        return CheckResult(target, Status.OK, "folder exists (its README is not markdown: "
                           "fragment not checked)")
    return CheckResult(target, Status.BROKEN, f"folder {path} has no README to hold #{fragment}")


def _check_anchor(
    target: str, path: str, fragment: str, document: Document | None, exact: bool = False
) -> CheckResult:
    if document is None:  # not markdown: anchors such as GitHub's #L10 cannot be verified offline
        return CheckResult(target, Status.OK, "file exists (fragment not checked)")
    if any(d.code == "unreadable" for d in document.diagnostics):
        return CheckResult(target, Status.UNVERIFIABLE, f"cannot read {path} to find #{fragment}")
    found = fragment in document.anchors if exact else anchor_exists(fragment, document.anchors)
    if found:
        return CheckResult(target, Status.OK, "anchor found")
    return CheckResult(target, Status.BROKEN, f"anchor #{fragment} not found in {path}")


def anchor_exists(fragment: str, anchors: frozenset[str]) -> bool:
    """Whether a (percent-decoded) fragment reaches one of a page's anchors as on GitHub.

    GitHub prefixes rendered ids with `user-content-` and its page script accepts the bare
    name; it also retries the lowercased fragment, which is how `#Books` reaches a heading
    whose slug is `books`.
    """
    if fragment.startswith(GITHUB_ANCHOR_PREFIX):
        fragment = fragment[len(GITHUB_ANCHOR_PREFIX) :]
    return fragment in anchors or fragment.lower() in anchors


class _AnchorIndex:
    """Anchors per markdown file: from the scanned documents, else extracted once on demand."""

    def __init__(self, documents: dict[str, Document], extract: Callable[[str], Document],
                 site: DocusaurusSite | None = None):
        self._documents = {_key(name): doc for name, doc in documents.items()}
        self._extract = extract
        self._site = site
        self.exact = site is not None  # Docusaurus: ids as the browser matches them

    def of(self, path: str) -> Document | None:
        """The markdown file's document (its anchors); None when the file is not markdown."""
        if Path(path).suffix.lower() not in MARKDOWN_SUFFIXES or not Path(path).is_file():
            return None
        key = _key(path)
        if key not in self._documents:
            self._documents[key] = self._extract(path)
        document = self._documents[key]
        return self._site.anchored(document) if self._site else document


def _key(path: str) -> str:
    # os.path.realpath, not Path.resolve: on Python 3.11 that raises on a symlink loop
    return Path(os.path.realpath(path)).as_posix()
