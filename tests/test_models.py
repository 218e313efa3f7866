"""The records as they cross between processes: a check result survives pickling unchanged."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import pickle

import pytest

from linkcheck.check.remote.wire import frame, read_message
from linkcheck.models import CheckResult, Hop, Status, origin_not_answering

EVERY_FIELD = CheckResult(
    "https://a.test/old", Status.REDIRECTED, "moved permanently to https://a.test/new", 200,
    "https://a.test/new", (Hop("https://a.test/old", 301), Hop("https://a.test/mid", 308)),
    permanent=True, transient=True, from_cache=True, checked_at="2026-03-02T09:30:00Z",
    first_failed_at="2026-03-01T09:30:00Z", failed_runs=3, archived=True,
    suggestion="https://web.archive.org/web/2020/https://a.test/old",
)
RESULTS = [
    EVERY_FIELD,
    CheckResult("https://b.test/", Status.OK, "ok", 200),
    CheckResult("https://c.test/\x00é", Status.BROKEN, "HTTP 404 \u2028 \"x\"", 404),
    origin_not_answering("https://d.test:8080/x", "https://d.test:8080", "TLS error"),
]


def test_every_field_is_set_in_the_sample():
    defaults = CheckResult("", Status.OK, "")
    for f in dataclasses.fields(CheckResult):
        assert getattr(EVERY_FIELD, f.name) != getattr(defaults, f.name), f.name


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_check_results_round_trip_through_pickle(protocol):
    for result in RESULTS:
        back = pickle.loads(pickle.dumps(result, protocol=protocol))
        assert back == result and type(back) is CheckResult
        assert all(type(hop) is Hop for hop in back.redirects)
        assert back.status is result.status  # the enum member itself, not an equal string
        assert {f.name: getattr(back, f.name) for f in dataclasses.fields(back)} == {
            f.name: getattr(result, f.name) for f in dataclasses.fields(result)}


def test_check_results_round_trip_through_the_wire():
    outcome = {r.target: r for r in RESULTS}

    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(frame(("outcome", outcome)))
        reader.feed_eof()
        return await read_message(reader)

    assert asyncio.run(go()) == ("outcome", outcome)


def test_copies_are_equal_and_still_frozen():
    for result in RESULTS:
        assert copy.copy(result) == result == copy.deepcopy(result)
        with pytest.raises(dataclasses.FrozenInstanceError):
            copy.copy(result).reason = "changed"
