"""Shared fixtures: the simulated web on loopback."""

from __future__ import annotations

import pytest
from simweb import SimWeb


@pytest.fixture(scope="module")
def simweb():
    web = SimWeb().start()
    yield web
    web.stop()
