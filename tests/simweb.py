"""A simulated web on loopback: one small HTTP/1.1 server answering on several 127.0.0.x hosts,
each path a real-world server behaviour (refused HEAD, rate limits, redirects, hangs, resets,
gzip bombs...). It records every request so tests can assert what was sent.

Use the `simweb` fixture; `simweb.url("/ok")` is a URL on the first host, `simweb.url("/ok", 2)`
on the second. Paths take `?k=...` so stateful behaviours (a 503 once) are per test.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import gzip
import random
import socket
import struct
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from loopback import AsyncLoopback

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
CROWD_LIMIT = 2  # requests in flight on one host before /crowded answers 429
_BOMB = gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9)  # ~16 KiB on the wire


@functools.cache
def _bad_gzip() -> bytes:
    """A page whose anchor #late comes after ~200 KB of gzip that breaks off into an invalid
    block: the first part decodes, the rest cannot (so the anchor is unknown, not missing)."""
    letters = "abcdefghijklmnopqrstuvwxyz0123456789 "
    rng = random.Random(0)
    filler = "".join(rng.choice(letters) for _ in range(300_000))
    page = html("Late", f'<p>{filler}</p><h1 id="late">Late</h1>')
    good = gzip.compress(page)
    return good[:120_000] + b"\xfe" * (len(good) - 120_000)



@dataclass(frozen=True)
class Seen:
    host: str
    method: str
    path: str  # with query
    headers: dict[str, str]  # lower-case names


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # before the status line
    close: bool = False  # close the connection once answered


def html(title: str, body: str = "") -> bytes:
    page = f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
    return page.encode()


class SimWeb(AsyncLoopback):
    """The server and its state. Start with `start()`, stop with `stop()`."""

    addresses = HOSTS

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Seen] = []
        self.counts: Counter[str] = Counter()  # per path+query: stateful behaviours
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.path_in_flight: Counter[str] = Counter()  # per path, across every host
        self.max_path_in_flight: dict[str, int] = defaultdict(int)  # (the global limit)
        self.bytes_sent: Counter[str] = Counter()
        self.connections: Counter[str] = Counter()  # per host: keep-alive reuse shows here
        self.closed_port = _free_port()  # nothing listens there: connections are refused
        self._routes: dict[str, Callable[[Seen], Answer | str]] = _routes(self)

    def url(self, path: str, host: int = 1) -> str:
        return f"http://{HOSTS[host - 1]}:{self.port}{path}"

    def seen(self, path_prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        self.connections[host] += 1
        try:
            while await self._one(host, reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one(self, host: str, reader, writer) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        seen = Seen(host, method, target, headers)
        self.requests.append(seen)
        self.counts[target] += 1
        route = self._routes.get(urlsplit(target).path.rstrip("/") or "/")
        key = f"{host}{urlsplit(target).path}"
        self.in_flight[key] += 1
        path = urlsplit(target).path
        self.path_in_flight[path] += 1
        self.max_in_flight[key] = max(self.max_in_flight[key], self.in_flight[key])
        self.max_path_in_flight[path] = max(self.max_path_in_flight[path],
                                            self.path_in_flight[path])
        finished = []

        def finish() -> None:  # before the answer is written: the client may reuse its slot
            if not finished:  # as soon as it has read it, before this coroutine resumes
                finished.append(True)
                self.in_flight[key] -= 1
                self.path_in_flight[path] -= 1

        try:
            answer = route(seen) if route else Answer(404, body=html("Not Found"))
            return await self._send(answer, seen, writer, key, finish)
        finally:
            finish()

    async def _send(self, answer: Answer | str, seen: Seen, writer, key: str, finish) -> bool:
        if answer == "hang":
            await asyncio.sleep(3600)
        if answer == "reset":  # RST instead of FIN: the client sees a reset connection
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if answer == "endless":
            return await self._endless(writer, key)
        assert isinstance(answer, Answer)
        await asyncio.sleep(answer.delay)
        finish()
        body = b"" if seen.method == "HEAD" else answer.body
        headers = {"content-length": str(len(answer.body)), **answer.headers}
        lines = [f"HTTP/1.1 {answer.status} X"] + [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        self.bytes_sent[key] += len(body)
        return not answer.close

    async def _endless(self, writer, key: str) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n"
                     b"content-length: 1000000000\r\n\r\n<html><body>")
        chunk = b"<p>" + b"x" * 16381
        for _ in range(1000000000 // len(chunk)):  # ends when the client goes away
            writer.write(chunk)
            await writer.drain()
            self.bytes_sent[key] += len(chunk)
        return False


def _routes(web: SimWeb) -> dict[str, Callable[[Seen], Answer | str]]:
    def once(seen: Seen, first: Answer, then: Answer) -> Answer:
        return first if web.counts[seen.path] == 1 else then

    ok = Answer(200, {"content-type": "text/html"},
                html("Welcome", '<h1 id="intro">Intro</h1><a name="legacy"></a>'))

    def http_date(seconds: float) -> str:
        return email.utils.formatdate(time.time() + seconds, usegmt=True)

    def crowded(seen: Seen) -> Answer:  # a host that serves only CROWD_LIMIT requests at once
        if web.in_flight[f"{seen.host}/crowded"] > CROWD_LIMIT:
            return Answer(429, {"retry-after": "1"})
        return Answer(200, {"content-type": "application/pdf"}, b"%PDF", delay=0.05)

    return {
        "/": lambda s: Answer(200, {"content-type": "text/html"}, html("Home")),
        "/ok": lambda s: ok,
        "/file.pdf": lambda s: Answer(200, {"content-type": "application/pdf"}, b"%PDF-1.4"),
        "/head-refused.pdf": lambda s: Answer(405) if s.method == "HEAD" else
        Answer(200, {"content-type": "application/pdf"}, b"%PDF"),
        "/429-seconds": lambda s: once(s, Answer(429, {"retry-after": "1"}), ok),
        "/429-date": lambda s: once(s, Answer(429, {"retry-after": http_date(2)}), ok),
        "/429-long": lambda s: Answer(429, {"retry-after": "3600"}),
        "/503-once": lambda s: once(s, Answer(503), ok),
        "/500": lambda s: Answer(500),
        "/404": lambda s: Answer(404, {"content-type": "text/html"}, html("Not Found")),
        "/perm": lambda s: Answer(301, {"location": "/ok"}),
        "/perm308": lambda s: Answer(308, {"location": web.url("/ok", 2)}),
        "/temp": lambda s: Answer(302, {"location": "/ok"}),
        "/chain/3": lambda s: Answer(302, {"location": "/chain/2"}),
        "/chain/2": lambda s: Answer(307, {"location": "/chain/1"}),
        "/chain/1": lambda s: Answer(302, {"location": "/ok"}),
        "/loop-a": lambda s: Answer(302, {"location": "/loop-b"}),
        "/loop-b": lambda s: Answer(302, {"location": "/loop-a"}),
        "/rel/deep/start": lambda s: Answer(302, {"location": "../../ok"}),
        "/cookie-check": lambda s: ok if "session=1" in s.headers.get("cookie", "")
        else Answer(302, {"location": "/cookie-start"}),
        "/cookie-start": lambda s: Answer(302, {"location": "/cookie-check",
                                                "set-cookie": "session=1; Path=/"}),
        "/soft-404": lambda s: Answer(200, {"content-type": "text/html"},
                                      html("Page Not Found | Example")),
        "/old/deep/page": lambda s: Answer(301, {"location": "/"}),
        "/challenge": lambda s: Answer(
            403, {"content-type": "text/html", "cf-mitigated": "challenge"},
            html("Just a moment..."),
        ),
        "/challenge-body": lambda s: Answer(503, {"content-type": "text/html"},
                                            html("Just a moment...")),
        "/999": lambda s: Answer(999),
        "/401": lambda s: Answer(401),
        "/browser-only": lambda s: ok if "Mozilla" in s.headers.get("user-agent", "")
        else Answer(403),
        "/slow": lambda s: Answer(200, {"content-type": "text/html"}, html("Slow"), delay=0.3),
        "/hang": lambda s: "hang",
        "/reset": lambda s: "reset",
        "/huge": lambda s: "endless",
        "/bomb": lambda s: Answer(200, {"content-type": "text/html", "content-encoding": "gzip"},
                                  _BOMB),
        "/bad-gzip": lambda s: Answer(
            200, {"content-type": "text/html", "content-encoding": "gzip"}, _bad_gzip()
        ),
        "/echo": lambda s: ok,
        # Says it closes, then does; or closes an idle keep-alive connection without a word.
        "/closing": lambda s: Answer(200, {"connection": "close"}, close=True),
        "/idle-close": lambda s: Answer(200, close=True),
        "/to-host2": lambda s: Answer(302, {"location": web.url("/echo", 2)}),
        "/busy": lambda s: Answer(200, {"content-type": "application/pdf"}, b"%PDF", delay=0.05),
        "/crowded": crowded,
        "/busy-too": lambda s: Answer(200, {"content-type": "application/pdf"}, b"%", delay=0.05),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
