"""What a site module is given (an Asker) and what it offers (a Site)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ....http.outcome import Outcome
from ....models import CheckResult, Status


class Asker(Protocol):
    """What a site module may do: send a GET, check a page as any link is checked (redirects,
    soft 404s), and leave a note for the run's report."""

    async def ask(self, url: str, headers: Mapping[str, str], limit: int) -> Outcome: ...

    async def verify(self, url: str) -> Status: ...

    def note(self, text: str) -> None: ...


class Site(Protocol):
    name: str

    def claims(self, page: str) -> bool: ...

    async def check(self, page: str, asker: Asker) -> CheckResult | None: ...
