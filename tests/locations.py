"""Where the tests find the checkout and their shared fixtures, from any stage folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout
TESTS = ROOT / "tests"  # fixtures/, data/ and conformance/ are shared by every stage's tests
