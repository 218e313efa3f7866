"""Shared fixtures: the webs on loopback the tests check against, and stand-ins of the site
APIs."""

from __future__ import annotations

import pytest
from simweb import SimWeb
from site_apis import SiteApis
from statusweb import StatusWeb


@pytest.fixture(scope="module")
def simweb():
    web = SimWeb().start()
    yield web
    web.stop()


@pytest.fixture
def web():
    """A loopback web answering each path with the status the test sets (503 unless set)."""
    server = StatusWeb().start()
    yield server
    server.stop()


@pytest.fixture
def apis():
    """The GitHub API, GitHub's pages, YouTube oEmbed and the Wayback Machine, on loopback."""
    stand_ins = SiteApis().start()
    yield stand_ins
    stand_ins.stop()
