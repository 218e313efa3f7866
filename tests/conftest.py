"""Shared fixtures: the webs on loopback the tests check against."""

from __future__ import annotations

import pytest
from simweb import SimWeb
from statusweb import StatusWeb


@pytest.fixture(scope="module")
def simweb():
    web = SimWeb().start()
    yield web
    web.stop()


@pytest.fixture
def web():
    """A loopback web answering each path with the status the test sets (404 unless set)."""
    server = StatusWeb().start()
    yield server
    server.stop()
