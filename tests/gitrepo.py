"""`git(cwd, *args)` for tests that build a repository: an identity of its own, no signing, and
a bound in time, so the user's git configuration changes nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                "-c", "commit.gpgsign=false"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=30)
    return done.stdout
