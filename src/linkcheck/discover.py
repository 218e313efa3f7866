"""Which markdown files to read: paths, directories and globs, minus excluded paths."""

from __future__ import annotations

import fnmatch
import glob
from pathlib import Path

from .config import ConfigError

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")


def discover(paths: tuple[str, ...] | list[str], exclude_paths: tuple[str, ...] = ()) -> list[str]:
    """Return the markdown files under `paths`, sorted, as POSIX paths relative to the cwd.

    A path may be a file, a directory (searched recursively) or a glob. A path that matches
    nothing is a usage error: silently checking nothing would look like a clean run.
    """
    found: set[str] = set()
    for raw in paths:
        matches = _expand(raw)
        if not matches:
            problem = "no such file or directory"
            if Path(raw).is_dir():
                problem = "no markdown files in it"
            raise ConfigError(f"{raw}: {problem}")
        found.update(matches)
    return sorted(p for p in found if not _excluded(p, exclude_paths))


def _expand(raw: str) -> set[str]:
    if glob.has_magic(raw):
        candidates = [Path(p) for p in glob.glob(raw, recursive=True)]
    else:
        candidates = [Path(raw)] if Path(raw).exists() else []
    files: set[str] = set()
    for candidate in candidates:
        if candidate.is_dir():
            files.update(
                _posix(p)
                for p in candidate.rglob("*")
                if p.suffix.lower() in MARKDOWN_SUFFIXES
                and _readable_kind(p)
                and not _hidden(p.relative_to(candidate))  # the path given may be hidden itself
            )
        else:
            files.add(_posix(candidate))
    return files


def _readable_kind(path: Path) -> bool:
    # a dangling symlink is kept so that extraction names it; a directory called x.md is not a file
    return path.is_file() or (path.is_symlink() and not path.exists())


def _hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


def _posix(path: Path) -> str:
    return path.as_posix()


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)
