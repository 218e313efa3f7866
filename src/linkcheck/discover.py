"""Which markdown files to read: paths, directories and globs, minus excluded paths.

A directory is searched the way its repository sees it: inside a git checkout, only the files
git tracks or could add (`.gitignore` honoured, so `node_modules/` or a build folder is not
read); elsewhere every file but hidden ones. Never linkcheck's own output directory, so a
second run does not read the first run's `linkcheck.md`. A file named explicitly is read.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import subprocess
from pathlib import Path

from .config import ConfigError

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
GIT_TIMEOUT = 30  # seconds for `git ls-files`; beyond it the directory is searched without git


def discover(paths: tuple[str, ...] | list[str], exclude_paths: tuple[str, ...] = (),
             output_dir: str | None = None) -> list[str]:
    """Return the markdown files under `paths`, sorted, as POSIX paths relative to the cwd.

    A path may be a file, a directory (searched recursively) or a glob. A path that matches
    nothing is a usage error: silently checking nothing would look like a clean run.
    """
    skip = os.path.abspath(output_dir) if output_dir else None
    found: set[str] = set()
    for raw in paths:
        matches = _expand(raw, skip)
        if not matches:
            problem = "no such file or directory"
            if Path(raw).is_dir():
                problem = "no markdown files in it"
            raise ConfigError(f"{raw}: {problem}")
        found.update(matches)
    return sorted(p for p in found if not _excluded(p, exclude_paths))


def _expand(raw: str, skip: str | None) -> set[str]:
    if glob.has_magic(raw):
        candidates = [Path(p) for p in glob.glob(raw, recursive=True)]
    else:
        candidates = [Path(raw)] if Path(raw).exists() else []
    files: set[str] = set()
    for candidate in candidates:
        if candidate.is_dir():
            files.update(_search(candidate, skip))
        elif not glob.has_magic(raw):
            files.add(_posix(candidate))  # named: read as given (`<(...)` is a pipe)
        elif _readable_kind(candidate) and not _inside(candidate, skip):
            files.add(_posix(candidate))  # matched: as a directory search, no pipe or device
    return files


def _search(directory: Path, skip: str | None) -> set[str]:
    listed = _git_files(directory)
    found = set()
    for path in directory.rglob("*"):
        if path.suffix.lower() not in MARKDOWN_SUFFIXES or not _readable_kind(path):
            continue
        if _inside(path, skip):
            continue
        if listed is None:
            if _hidden(path.relative_to(directory)):  # the path given may be hidden itself
                continue
        elif os.path.abspath(path) not in listed:
            continue
        found.add(_posix(path))
    return found


def _git_files(directory: Path) -> set[str] | None:
    """Absolute paths of the files under `directory` git tracks or could add (not ignored);
    None outside a git checkout, or without git."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=directory, capture_output=True, timeout=GIT_TIMEOUT, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    base = os.path.abspath(directory)
    names = [name for name in os.fsdecode(done.stdout).split("\0") if name]
    # nothing git would add: a directory the user named although git ignores it, searched whole
    return {os.path.normpath(os.path.join(base, name)) for name in names} or None


def _inside(path: Path, directory: str | None) -> bool:
    if directory is None:
        return False
    absolute = os.path.abspath(path)
    return absolute == directory or absolute.startswith(directory.rstrip(os.sep) + os.sep)


def _readable_kind(path: Path) -> bool:
    # a dangling symlink is kept so that extraction names it; a directory called x.md is not a file
    return path.is_file() or (path.is_symlink() and not path.exists())


def _hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


def _posix(path: Path) -> str:
    return path.as_posix()


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)
