"""The cookies of one check, kept along its redirect chain."""

from __future__ import annotations

import email.message
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: most checks never meet a cookie
    import http.cookiejar




class CookieJar:
    """The cookies of one check, kept along its redirect chain (http.cookiejar's domain rules).

    Most checks never receive a cookie: the jar is made on the first Set-Cookie."""

    def __init__(self) -> None:
        self._jar: http.cookiejar.CookieJar | None = None

    def signature(self) -> tuple[tuple[str, str, str], ...]:
        """What the jar holds: a redirect back to a URL is a loop only if this did not change."""
        if not self._jar:
            return ()
        return tuple(sorted((c.domain, c.name, c.value or "") for c in self._jar))

    def header_for(self, url: str) -> str | None:
        """The Cookie header to send to `url`, if any cookie applies."""
        if not self._jar:
            return None
        import urllib.request

        request = urllib.request.Request(url)
        self._jar.add_cookie_header(request)
        return request.get_header("Cookie")

    def store(self, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        if not any(name.lower() == b"set-cookie" for name, _ in headers):
            return
        import http.cookiejar
        import urllib.request

        if self._jar is None:
            self._jar = http.cookiejar.CookieJar()
        self._jar.extract_cookies(_CookieResponse(headers), urllib.request.Request(url))


class _CookieResponse:
    """The one method http.cookiejar asks of a response."""

    def __init__(self, headers: list[tuple[bytes, bytes]]) -> None:
        self._message = email.message.Message()
        for name, value in headers:
            self._message[name.decode("latin-1")] = value.decode("latin-1")

    def info(self) -> email.message.Message:
        return self._message
