"""A verified replacement for a dead link: the Wayback Machine's closest snapshot of it from
before the link first failed, checked to answer like any other page.

The availability API (`/wayback/available?url=U&timestamp=YYYYMMDDhhmmss`) answers the capture
closest to the timestamp in either direction, as `archived_snapshots.closest` (`available`,
`url`, `timestamp`, `status`), or an empty `archived_snapshots`. A capture from after the
failure may be the error page itself, so only earlier ones are suggested; a capture whose own
status was not 200 is no replacement either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from ....models import Status
from .answers import json_body
from .base import Asker

AVAILABILITY_BYTES = 64 * 1024
_TIMESTAMP = re.compile(r"\d{14}")
_ARCHIVE_HOSTS = frozenset({"web.archive.org", "archive.org"})  # served over https too


@dataclass(frozen=True, slots=True)
class Lookup:
    """What one lookup found: a verified snapshot URL, or None. `settled` is False when the
    archive could not say this time (no answer, a snapshot that did not answer in time): such
    a lookup is not remembered, so the next run asks again; `answered` is False when the
    availability API itself did not answer, and the run asks it nothing more."""

    snapshot: str | None
    settled: bool = True
    answered: bool = True  # False: the availability API itself gave no usable answer


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


async def look_up(url: str, failed_since: datetime, api_url: str, asker: Asker) -> Lookup:
    """The closest verified snapshot of `url` from before `failed_since`."""
    before = timestamp(failed_since)
    query = f"{api_url}?url={quote(url, safe='')}&timestamp={before}"
    reply = await asker.ask(query, {"Accept": "application/json"}, AVAILABILITY_BYTES)
    data = json_body(reply)
    if not isinstance(data, dict) or getattr(reply, "status_code", None) != 200:
        return Lookup(None, settled=False, answered=False)
    snapshots = data.get("archived_snapshots")
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    snapshot = _usable(closest, before)
    if snapshot is None:
        return Lookup(None)
    verdict = await asker.verify(snapshot)
    if verdict in (Status.OK, Status.REDIRECTED):
        return Lookup(snapshot)
    return Lookup(None, settled=verdict == Status.BROKEN)


def _usable(closest: object, before: str) -> str | None:
    """The snapshot's URL when it is a good capture taken before the failure."""
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    when, where = closest.get("timestamp"), closest.get("url")
    if str(closest.get("status")) != "200" or not isinstance(when, str):
        return None
    if not (_TIMESTAMP.fullmatch(when) and when <= before and isinstance(where, str)):
        return None
    split = urlsplit(where)
    if split.scheme not in ("http", "https") or not split.hostname:
        return None
    if split.scheme == "http" and split.hostname in _ARCHIVE_HOSTS:
        where = "https" + where[len("http"):]  # the archive serves every snapshot over https
    return where
