"""Site-aware checks: pages whose health a site's API knows better than the page itself.

A site claims the pages it knows (`claims`) and checks one page through its API (`check`),
asking through the remote checker (`base.Asker`) so its requests get the same politeness,
retries, deadline and network watch as every other request. A site answers None when its API
cannot help this time (no budget left, token refused): the page is then checked as any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Site

if TYPE_CHECKING:
    from ....config import Config


def sites_for(config: Config) -> tuple[Site, ...]:
    """The site checks this run uses, as configured (GitHub only with a token)."""
    from . import github, youtube  # each site module is small; import only what is used

    found = (github.from_config(config.sites.github, config.trusted),
             youtube.from_config(config.sites.youtube))
    return tuple(site for site in found if site is not None)


def claim(sites: tuple[Site, ...], page: str) -> Site | None:
    for site in sites:
        if site.claims(page):
            return site
    return None
