"""The site modules' pure parts, and their API answers given by a stub asker (no sockets)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from linkcheck.check.remote.retry import RetryPolicy, retry_after, should_retry
from linkcheck.check.remote.sites import github, wayback, youtube
from linkcheck.config import GitHubSiteConfig
from linkcheck.http.outcome import Reply
from linkcheck.models import Status

API = "https://api.github.com"


class StubAsker:
    """Answers GETs from a dict of URL -> Reply; records what was asked and with which headers."""

    def __init__(self, answers: dict[str, Reply], verdicts: dict[str, Status] | None = None):
        self.answers, self.verdicts = answers, verdicts or {}
        self.asked: list[tuple[str, dict]] = []
        self.notes: list[str] = []

    async def ask(self, url, headers, limit):
        self.asked.append((url, dict(headers)))
        return self.answers.get(url, Reply(url, 404, {}, b"{}"))

    async def verify(self, url):
        self.asked.append((url, {}))
        return self.verdicts.get(url, Status.BROKEN)

    def note(self, text):
        self.notes.append(text)


def reply(url: str, status: int, body: object, **headers: str) -> Reply:
    return Reply(url, status, {k.replace("_", "-"): v for k, v in headers.items()},
                 json.dumps(body).encode())


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/octocat/Hello-World", ("octocat", "Hello-World", "repo", ())),
    ("https://github.com/octocat/Hello-World.git", ("octocat", "Hello-World", "repo", ())),
    ("https://github.com/o/r/blob/main/a/b.md", ("o", "r", "blob", ("main", "a", "b.md"))),
    ("https://github.com/o/r/tree/feature/x", ("o", "r", "tree", ("feature", "x"))),
    ("https://github.com/o/r/issues/3", None),  # the page is checked instead
    ("https://github.com/orgs/someone", None),
    ("https://github.com/octocat", None),
    ("https://gist.github.com/octocat/abc", None),
    ("http://[::1", None),
])
def test_repository_links(url, expected):
    link = github.parse(url, "https://github.com:443")
    assert (link and (link.owner, link.name, link.kind, link.rest)) == expected


def test_no_token_no_api(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert github.from_config(GitHubSiteConfig()) is None
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    assert github.from_config(GitHubSiteConfig()) is not None
    assert github.from_config(GitHubSiteConfig(enabled=False)) is None


def test_a_move_off_the_api_origin_is_not_followed_with_the_token(monkeypatch):
    moved = reply(f"{API}/repos/o/r", 301, {"message": "Moved Permanently",
                                            "url": "https://elsewhere.example/repositories/1"})
    asker = StubAsker({f"{API}/repos/o/r": moved})
    site = github.GitHub(GitHubSiteConfig(), "secret-token")
    assert asyncio.run(site.check("https://github.com/o/r", asker)) is None  # page check
    assert [url for url, _ in asker.asked] == [f"{API}/repos/o/r"]


def test_a_spent_budget_turns_the_api_off_with_a_note():
    spent = reply(f"{API}/repos/o/r", 403, {"message": "API rate limit exceeded"},
                  x_ratelimit_remaining="0", x_ratelimit_reset="1700000000")
    asker = StubAsker({f"{API}/repos/o/r": spent})
    site = github.GitHub(GitHubSiteConfig(), "t")
    assert asyncio.run(site.check("https://github.com/o/r", asker)) is None
    assert not site.claims("https://github.com/o/other")
    (note,) = asker.notes
    assert "rate limit is spent until 22:13 UTC" in note


def test_repository_answers_not_in_the_documented_shape_leave_it_to_the_page():
    odd = reply(f"{API}/repos/o/r", 200, ["not", "a", "repository"])
    site = github.GitHub(GitHubSiteConfig(), "t")
    assert asyncio.run(site.check("https://github.com/o/r", StubAsker({odd.url: odd}))) is None


@pytest.mark.parametrize(("url", "video"), [
    ("https://www.youtube.com/watch?v=M3r2XDceM6A", "M3r2XDceM6A"),
    ("https://youtube.com/watch?feature=share&v=M3r2XDceM6A", "M3r2XDceM6A"),
    ("https://m.youtube.com/watch?v=M3r2XDceM6A&t=10", "M3r2XDceM6A"),
    ("https://youtu.be/M3r2XDceM6A", "M3r2XDceM6A"),
    ("https://www.youtube.com/embed/M3r2XDceM6A", "M3r2XDceM6A"),
    ("https://www.youtube-nocookie.com/embed/M3r2XDceM6A", "M3r2XDceM6A"),
    ("https://www.youtube.com/shorts/M3r2XDceM6A", "M3r2XDceM6A"),
    ("https://www.youtube.com/watch?v=short", None),
    ("https://www.youtube.com/playlist?list=PL123", None),
    ("https://www.youtube.com/@channel", None),
    ("https://example.com/watch?v=M3r2XDceM6A", None),
])
def test_video_links(url, video):
    assert youtube.video_id(url) == video


FAILED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
AVAILABLE = "https://archive.org/wayback/available"


def availability(closest: dict | None) -> Reply:
    body = {"archived_snapshots": {"closest": closest} if closest else {}}
    return Reply("x", 200, {"content-type": "application/json"}, json.dumps(body).encode())


def closest(timestamp: str, status: str = "200") -> dict:
    return {"available": True, "timestamp": timestamp, "status": status,
            "url": f"http://web.archive.org/web/{timestamp}/https://gone.example/"}


@pytest.mark.parametrize(("answer", "verdict", "expected"), [
    (closest("20240101000000"), Status.OK,
     wayback.Lookup("https://web.archive.org/web/20240101000000/https://gone.example/")),
    (closest("20240601000000"), Status.OK, wayback.Lookup(None)),  # after the failure
    (closest("20240101000000", status="404"), Status.OK, wayback.Lookup(None)),
    (None, Status.OK, wayback.Lookup(None)),
    (closest("20240101000000"), Status.BROKEN, wayback.Lookup(None)),
    (closest("20240101000000"), Status.UNVERIFIABLE, wayback.Lookup(None, settled=False)),
])
def test_wayback_lookups(answer, verdict, expected):
    query = f"{AVAILABLE}?url=https%3A%2F%2Fgone.example%2F&timestamp=20240501120000"
    snapshot = "https://web.archive.org/web/20240101000000/https://gone.example/"
    asker = StubAsker({query: availability(answer)}, {snapshot: verdict})
    assert asyncio.run(wayback.look_up("https://gone.example/", FAILED, AVAILABLE, asker)) \
        == expected


def test_wayback_without_an_answer_is_not_settled():
    asker = StubAsker({})  # every lookup answers 404 with "{}"
    found = asyncio.run(wayback.look_up("https://gone.example/", FAILED, AVAILABLE, asker))
    assert found == wayback.Lookup(None, settled=False, answered=False)


def test_a_spent_budget_waits_for_its_reset_within_the_cap():
    now = 1_700_000_000.0
    policy = RetryPolicy(attempts=4, max_retry_after=60)
    soon = Reply("u", 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(now) + 30)})
    late = Reply("u", 429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(now) + 900)})
    plain = Reply("u", 403, {})
    assert retry_after(soon, now) == 30 and should_retry(soon, 1, policy, now)
    assert not should_retry(late, 1, policy, now)  # reported as rate limited instead
    assert retry_after(plain, now) is None and not should_retry(plain, 1, policy, now)


def test_the_store_keeps_archived_flags_and_archive_lookups(tmp_path):
    from linkcheck.history.store import ArchiveLookup, open_store
    from linkcheck.models import CheckResult

    store, notes = open_store(tmp_path / "history.sqlite")
    assert store is not None and notes == ()
    now = datetime(2024, 5, 1, tzinfo=UTC)
    store.record({"https://github.com/o/r": CheckResult("https://github.com/o/r", Status.OK,
                                                        "ok", 200, archived=True)}, now)
    (reused,) = store.reusable(["https://github.com/o/r"], now, {"ok": 60}).values()
    assert reused.archived and reused.from_cache
    lookup = ArchiveLookup("https://gone.example/", "2024-04-01T00:00:00Z",
                           "2024-05-01T00:00:00Z", None)
    store.record_archive_lookups([lookup])
    assert store.archive_lookups(["https://gone.example/", "https://other/"]) == {
        "https://gone.example/": lookup}
    store.close()


def test_an_api_that_does_not_answer_leaves_the_link_to_its_page():
    from linkcheck.http.outcome import Failure, FailureKind

    class Silent(StubAsker):
        async def ask(self, url, headers, limit):
            self.asked.append((url, dict(headers)))
            return Failure(FailureKind.REFUSED)

    github_site = github.GitHub(GitHubSiteConfig(), "t")
    assert asyncio.run(github_site.check("https://github.com/o/r", Silent({}))) is None
    assert asyncio.run(github_site.check("https://github.com/o/r/blob/main/x", Silent({}))) \
        is None
    video = youtube.YouTube("https://www.youtube.com/oembed")
    assert asyncio.run(video.check("https://youtu.be/M3r2XDceM6A", Silent({}))) is None
