"""Bot walls recognised by their shape: a challenge or robot-check page, a status such as 999,
a WAF header asking for a challenge. Whoever sells the wall, it hides the page: the link may
well be fine, so it is never judged broken (nor retried as an overloaded server)."""

from __future__ import annotations

import re
from collections.abc import Mapping

WALL_STATUSES = frozenset({999})  # LinkedIn's and others' "request denied" to robots
_WALL_TITLE = re.compile(
    r"just a moment|attention required|checking (your|the|if the site connection is secure)"
    r"|verify(ing)? (that )?you are (a )?human|are you (a )?(robot|human)|robot check"
    r"|(human|bot|browser) (verification|check)|security check|captcha|ddos[- ](protection|guard)"
    r"|pardon our interruption|please wait while (we verify|your request is being verified)"
    r"|access to this page has been denied|request unsuccessful\. incapsula",
    re.IGNORECASE,
)
# The scripts challenge pages load, whatever their title.
WALL_SCRIPTS = ("/cdn-cgi/challenge-platform/", "challenges.cloudflare.com",
                "captcha-delivery.com", "/_incapsula_resource")
# What an error page that is a wall carries: those scripts, or the captcha widgets.
_WALL_MARKERS = (*(s.encode() for s in WALL_SCRIPTS), b"/cdn-cgi/challenge", b"g-recaptcha",
                 b"h-captcha", b"hcaptcha.com", b"cf-turnstile", b"px-captcha", b"awswaf")
_TITLE = re.compile(rb"<title[^>]*>([^<]{0,300})", re.IGNORECASE)
_SCANNED = 16 * 1024  # challenge pages are small; their marks come early
SMALL_PAGE = 8 * 1024  # a 2xx wall is a small page; an article about captchas is not


def is_wall_title(title: str) -> bool:
    """A title that bot walls give their challenge pages ("Just a moment...")."""
    return bool(_WALL_TITLE.search(title))


def is_bot_wall(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether an answer is a bot wall rather than the page asked for."""
    if status in WALL_STATUSES or _challenge_header(headers):
        return True
    if not body:
        return False
    head = body[:_SCANNED]
    lowered = head.lower()
    match = _TITLE.search(head)
    title = match.group(1).decode("utf-8", "replace") if match else ""
    titled = is_wall_title(title)
    if 200 <= status < 300:  # only a small page that says so, never a page that mentions it
        return titled and len(body) < SMALL_PAGE
    return titled or any(marker in lowered for marker in _WALL_MARKERS)


def _challenge_header(headers: Mapping[str, str]) -> bool:
    """`cf-mitigated: challenge`, `x-amzn-waf-action: captcha` and their kind."""
    for name, value in headers.items():
        if name.endswith(("-mitigated", "waf-action")):
            lowered = value.lower()
            if "challenge" in lowered or "captcha" in lowered:
                return True
    return False
