"""YouTube video links through the public oEmbed endpoint: the watch page answers 200 for a
removed or private video alike, the oEmbed answer does not.

oEmbed answers 200 with the video's JSON when it plays; 404 when the video was removed (or
never existed); 401 when it is private or its owner forbids embedding; 403 when YouTube
refuses the request. A 200 whose body is not JSON (YouTube has answered private videos with
the word "Forbidden") is treated like a 401. Each video is asked about once per run, however
many URL forms link to it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from ....config import YouTubeSiteConfig
from ....http.outcome import Failure, Reply
from ....models import CheckResult, Status
from .answers import Once, json_body
from .base import Asker

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
OEMBED_BYTES = 64 * 1024
WATCH_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
EMBED_HOSTS = WATCH_HOSTS | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
_PATH_FORMS = ("embed", "shorts", "live", "v")  # /embed/ID, /shorts/ID, ...


def video_id(url: str) -> str | None:
    """The video a watch, short (youtu.be), embed or shorts URL plays; None for other URLs."""
    if "youtu" not in url.lower():  # every host above holds it: most URLs end here, unsplit
        return None
    try:
        split = urlsplit(url)
        host = (split.hostname or "").lower()
    except ValueError:  # not a URL the checker can fetch either: the page check says so
        return None
    parts = [p for p in split.path.split("/") if p]
    candidate = None
    if host == "youtu.be" and len(parts) == 1:
        candidate = parts[0]
    elif host in WATCH_HOSTS and parts == ["watch"]:
        candidate = parse_qs(split.query).get("v", [""])[0]
    elif host in EMBED_HOSTS and len(parts) == 2 and parts[0] in _PATH_FORMS:
        candidate = parts[1]
    return candidate if candidate and VIDEO_ID.fullmatch(candidate) else None


def from_config(settings: YouTubeSiteConfig) -> YouTube | None:
    return YouTube(settings.oembed_url) if settings.enabled else None


class YouTube:
    name = "youtube"

    def __init__(self, oembed_url: str) -> None:
        self.oembed_url = oembed_url
        self._videos = Once()

    def claims(self, page: str) -> bool:
        return video_id(page) is not None

    async def check(self, page: str, asker: Asker) -> CheckResult | None:
        video = video_id(page)
        if video is None:
            return None
        answer = await self._videos.get(video, lambda: self._ask(video, asker))
        return CheckResult(page, *answer) if answer else None

    async def _ask(self, video: str, asker: Asker) -> tuple[Status, str, int | None] | None:
        watch = f"https://www.youtube.com/watch?v={video}"
        url = f"{self.oembed_url}?url={quote(watch, safe='')}&format=json"
        outcome = await asker.ask(url, {"Accept": "application/json"}, OEMBED_BYTES)
        if isinstance(outcome, Failure):
            return None  # oEmbed did not answer, which says nothing of the video: page check
        return _verdict(outcome)


def _verdict(reply: Reply) -> tuple[Status, str, int | None] | None:
    code = reply.status_code
    if code == 200:
        if isinstance(json_body(reply), dict):
            return Status.OK, "video available (oEmbed)", 200
        return Status.UNVERIFIABLE, "private video (oEmbed answered without the video)", 200
    if code == 404:
        return Status.BROKEN, "video removed", 404
    if code == 400:
        return Status.BROKEN, "no such video (oEmbed HTTP 400)", 400
    if code == 401:
        return Status.UNVERIFIABLE, "private or not embeddable video (oEmbed HTTP 401)", 401
    if code in (403, 429) or code >= 500:
        return Status.UNVERIFIABLE, f"oEmbed could not say (HTTP {code})", code
    return None  # an answer oEmbed does not document: the watch page is checked instead
