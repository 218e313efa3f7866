"""Reading site API answers: JSON bodies, rate-limit headers, and shared-once lookups."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from ....http.outcome import Outcome, Reply


def json_body(outcome: Outcome) -> Any:
    """The JSON document of an answer, or None when it is not one (truncated, not JSON)."""
    if not isinstance(outcome, Reply) or outcome.truncated or outcome.undecodable:
        return None
    try:
        return json.loads(outcome.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def budget_exhausted(outcome: Outcome) -> bool:
    """The answer says the API's request budget is spent (GitHub's `x-ratelimit-remaining`)."""
    return isinstance(outcome, Reply) and outcome.headers.get("x-ratelimit-remaining") == "0"


class Once:
    """Each key's lookup runs once per run, however many pages ask for it at the same time."""

    def __init__(self) -> None:
        self._futures: dict[str, asyncio.Future] = {}

    async def get(self, key: str, lookup: Callable[[], Awaitable[Any]]) -> Any:
        future = self._futures.get(key)
        if future is None:
            future = self._futures[key] = asyncio.ensure_future(lookup())
        # not shielded: lookups are only cancelled when the whole run stops (deadline, no
        # network), and then every page waiting on them stops too
        return await future
