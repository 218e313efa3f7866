"""Content-quality rules, one small module per rule, and the registry that runs them."""

from __future__ import annotations

from ..config import Config
from ..models import CheckResult, Document, Finding


def apply_rules(
    documents: tuple[Document, ...], results: dict[str, CheckResult], config: Config
) -> list[Finding]:
    """Run every enabled rule over the documents; findings sorted by file, line, column, rule."""
    return []
