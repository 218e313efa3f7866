"""PR scope: the lines added or changed since a git revision (`--changed-since REF`).

Lines come from `git diff -U0 REF` (the working tree against REF, so uncommitted edits count),
plus every line of files git does not track yet. Paths are compared after resolving them, so
`curriculum/a.md`, `./curriculum/a.md` and an absolute path name the same file.
"""

from __future__ import annotations

import codecs
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from .config import ConfigError
from .models import ChangeScope

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
GIT_TIMEOUT = 60.0

Runner = Callable[..., subprocess.CompletedProcess]


def changed_since(
    ref: str, cwd: Path | None = None, runner: Runner = subprocess.run
) -> ChangeScope:
    """Ask git what changed since `ref`; a usage error (exit 2) if that cannot be answered."""
    cwd = (cwd or Path.cwd()).resolve()
    if not ref or ref.startswith("-"):
        raise ConfigError(f"--changed-since {ref!r}: expected a git revision such as origin/main")
    _git(runner, cwd, ["rev-parse", "--show-toplevel"], "not inside a git repository")
    _git(runner, cwd, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
         f"unknown revision {ref!r} (fetch it first, e.g. `git fetch origin {ref}`)")
    diff = _git(runner, cwd, [
        "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--relative",
        "-U0", "--src-prefix=a/", "--dst-prefix=b/", ref, "--",
    ], f"git diff against {ref!r} failed")
    untracked = _git(runner, cwd, ["ls-files", "--others", "--exclude-standard", "-z"],
                     "git ls-files failed")
    lines = {str((cwd / path).resolve()): found for path, found in parse_diff(diff).items()}
    new = frozenset(
        str((cwd / _decode(name)).resolve()) for name in untracked.split(b"\0") if name
    )
    return ChangeScope(ref, lines, new)


def _git(runner: Runner, cwd: Path, args: list[str], problem: str) -> bytes:
    try:
        done = runner(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT)
    except FileNotFoundError as exc:
        raise ConfigError("--changed-since needs git, which is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(f"--changed-since: git took longer than {GIT_TIMEOUT:g}s") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError(f"--changed-since: {problem}" + (f" ({detail[-1]})" if detail else ""))
    return done.stdout


def parse_diff(diff: bytes) -> dict[str, frozenset[int]]:
    """Lines added or changed per file (new-side path, new-side line numbers) in a -U0 diff."""
    found: dict[str, set[int]] = {}
    current: set[int] | None = None
    for raw in diff.split(b"\n"):
        if raw.startswith(b"+++ "):
            path = _new_side_path(raw[4:])
            current = found.setdefault(path, set()) if path is not None else None
        elif raw.startswith(b"@@") and current is not None:
            match = _HUNK.match(raw)
            if match:
                start, count = int(match[1]), int(match[2]) if match[2] is not None else 1
                current.update(range(start, start + count))  # count 0: a pure deletion
    return {path: frozenset(lines) for path, lines in found.items()}


def _new_side_path(raw: bytes) -> str | None:
    # git ends the name with a tab when it contains a space
    raw = raw.rstrip(b"\r").removesuffix(b"\t")
    if raw.startswith(b'"') and raw.endswith(b'"'):
        # git C-quotes names with special characters: "b/a\"b.md"
        raw = codecs.escape_decode(raw[1:-1])[0]
    if raw == b"/dev/null" or not raw.startswith(b"b/"):
        return None  # the file was deleted: nothing on the new side to check
    return _decode(raw[2:])


def _decode(name: bytes) -> str:
    return name.decode("utf-8", "surrogateescape")
