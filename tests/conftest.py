"""Shared fixtures: the webs on loopback the tests check against, and stand-ins of the site
APIs."""

from __future__ import annotations

import io
import json

import pytest
from report_schema import schema_errors
from simweb import SimWeb
from site_apis import SiteApis
from statusweb import StatusWeb

# What linkcheck reads from a CI runner's environment: a test sets what it needs, so a suite run
# inside GitHub Actions (a token there would send site checks to the real API) behaves as here.
_RUNNER_ENVIRONMENT = ("GITHUB_TOKEN", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT",
                       "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_SERVER_URL",
                       "GITHUB_WORKSPACE", "NO_COLOR")


@pytest.fixture(autouse=True)
def _no_runner_environment(monkeypatch):
    for variable in _RUNNER_ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _every_json_report_matches_its_schema(monkeypatch):
    """Each linkcheck.json a test writes (in-process) is validated against the schema in the
    package, so the two cannot drift apart."""
    from linkcheck.report import json_report

    original = json_report.write

    def write(run, out, findings=None) -> None:
        buffer = io.StringIO()
        original(run, buffer, findings)
        errors = schema_errors(json.loads(buffer.getvalue()))
        assert not errors, "the report does not match linkcheck.schema.json: " + "; ".join(errors)
        out.write(buffer.getvalue())

    monkeypatch.setattr(json_report, "write", write)


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
