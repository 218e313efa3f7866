"""Site-aware checks: pages whose health a site's API knows better than the page itself.

A site claims the pages it knows (`claims`) and checks one page through its API (`check`),
asking through the remote checker (`Asker`) so its requests get the same politeness, retries,
deadline and network watch as every other request. A site answers None when its API cannot
help this time (no budget left, token refused): the page is then checked as any other page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from ....http.outcome import Outcome
from ....models import CheckResult, Status

if TYPE_CHECKING:
    from ....config import Config


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


def sites_for(config: Config) -> tuple[Site, ...]:
    """The site checks this run uses, as configured (GitHub only with a token)."""
    from . import github, youtube  # each site module is small; import only what is used

    found = (github.from_config(config.sites.github), youtube.from_config(config.sites.youtube))
    return tuple(site for site in found if site is not None)


def claim(sites: tuple[Site, ...], page: str) -> Site | None:
    return next((site for site in sites if site.claims(page)), None)
