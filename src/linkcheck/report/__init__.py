"""Report writers, one module per output format; none of them prints."""

from __future__ import annotations

from ..models import NO_NETWORK_REASON, CheckResult


def said_once(result: CheckResult) -> bool:
    """A verdict every report states once for the whole run instead of on each link.

    With no network every remote link is unverifiable for that one reason; listing each of them
    would bury the links a person should look at.
    """
    return result.reason == NO_NETWORK_REASON
