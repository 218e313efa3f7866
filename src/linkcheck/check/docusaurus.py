"""Local links and anchors as a Docusaurus site serves them (`site: docusaurus`).

Docusaurus' docs plugin gives each doc a URL: the route base (`/docs`), the folders and the
file name with number prefixes stripped (`01-intro.md` is `intro`), an `id:` front matter
replacing the file name, a `slug:` replacing the whole path (absolute from the route base, or
relative to the folder), and `index.md`/`README.md` or a file named like its folder standing
for the folder. A link written as a URL path (`./intro`, `/docs/intro`, no `.md`) is resolved
by the browser against the page's URL, not the file; a file path (`./01-intro.md`) is resolved
against the file as on GitHub, and `/intro.md` from the docs root. A heading written
`## Title {#custom-id}` has the anchor `custom-id`; other headings get GitHub's slugs. Anchors
are matched exactly: a browser has no `user-content-` prefix or case folding to fall back on.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from ..config import Config
from ..models import Document, Link

# Docusaurus' default number prefix parser: `01-intro`, `1_intro`, `1. intro`; not a date or
# a version (`2021-01-01-post`, `1.2.3-notes`)
NUMBER_PREFIX = re.compile(r"^(\d+)\s*[-_.]+\s*([^-_.\s].*)$")
NOT_A_PREFIX = re.compile(r"^\d+[-_.]\d+")
DOC_SUFFIXES = (".md", ".mdx")
INDEX_NAMES = ("index", "readme")


def strip_number_prefix(name: str) -> str:
    if NOT_A_PREFIX.match(name):
        return name
    match = NUMBER_PREFIX.match(name)
    return match.group(2) if match else name


class DocusaurusSite:
    """The docs' routes and Docusaurus' anchors for the scanned documents."""

    def __init__(self, documents: Iterable[Document], config: Config) -> None:
        self.root = PurePosixPath(_docs_dir(config))
        self.base = "/" + config.docusaurus.route_base_path.strip("/")
        self.routes: dict[str, str] = {}  # URL path (no trailing slash) -> file
        self.pages: dict[str, str] = {}  # file -> its URL path
        for document in documents:
            route = self.route_of(document)
            if route is not None:
                self.routes.setdefault(route, document.file)
                self.pages[document.file] = route

    def route_of(self, document: Document) -> str | None:
        """The URL path Docusaurus serves a doc at; None for a file outside the docs root."""
        path = PurePosixPath(document.file)
        if path.suffix.lower() not in DOC_SUFFIXES or not _under(path, self.root):
            return None
        relative = path.relative_to(self.root)
        folders = [strip_number_prefix(part) for part in relative.parent.parts]
        front = document.front_matter if isinstance(document.front_matter, dict) else {}
        slug, ident = front.get("slug"), front.get("id")
        if isinstance(slug, str) and slug.strip():
            where = slug if slug.startswith("/") else "/".join([*folders, slug])
        else:
            name = strip_number_prefix(relative.stem)
            stands_for_folder = name.lower() in INDEX_NAMES or (
                folders and name.lower() == folders[-1].lower())
            if isinstance(ident, str) and ident.strip():
                name, stands_for_folder = ident.strip(), False
            where = "/".join(folders if stands_for_folder else [*folders, name])
        return _normal(f"{self.base}/{where.lstrip('/')}")

    @staticmethod
    def by_url(link: Link) -> bool:
        """The link is a URL path Docusaurus leaves to the browser (no scheme, no extension) or
        a `/x.md` file path from the docs root: one that may open a doc no file is named for."""
        written = urlsplit(link.url)
        if written.scheme or written.netloc or not written.path:
            return False
        suffix = PurePosixPath(unquote(written.path)).suffix.lower()
        return suffix == "" or (suffix in DOC_SUFFIXES and written.path.startswith("/"))

    def resolve(self, link: Link) -> str | None:
        """The doc a link written as a URL path (or a `/x.md` docs-root path) opens, or None."""
        written = urlsplit(link.url)
        if written.scheme or written.netloc or not written.path:
            return None
        path = unquote(written.path)
        if path.lower().endswith(DOC_SUFFIXES):
            if path.startswith("/"):  # absolute file paths start at the docs root
                candidate = self.root / path.lstrip("/")
                return str(candidate) if Path(candidate).is_file() else None
            return None  # a relative file path: the file itself, checked as on GitHub
        page = self.pages.get(link.file)
        if page is None:
            return None
        return self.routes.get(_normal(posixpath.join(posixpath.dirname(page), path)
                                       if not path.startswith("/") else path))

    @staticmethod
    def anchored(document: Document) -> Document:
        """The document with the anchors Docusaurus renders: explicit heading ids replace the
        GitHub slugs of the headings that carry them."""
        if not document.heading_ids:
            return document
        slugs = {slug for slug, _ in document.heading_ids}
        ids = {ident for _, ident in document.heading_ids}
        return replace(document, anchors=frozenset((document.anchors - slugs) | ids))


def _docs_dir(config: Config) -> str:
    if config.docusaurus.docs_dir:
        return config.docusaurus.docs_dir.rstrip("/") or "."
    folders = [p for p in config.paths if Path(p).is_dir()]
    return folders[0].rstrip("/") if folders else "."


def _under(path: PurePosixPath, root: PurePosixPath) -> bool:
    return str(root) == "." or path.is_relative_to(root)


def _normal(url_path: str) -> str:
    """A URL path as routes are keyed: dot segments resolved, no trailing slash."""
    normal = posixpath.normpath(url_path)
    return "/" + normal.strip("/") if normal not in ("/", ".") else "/"
