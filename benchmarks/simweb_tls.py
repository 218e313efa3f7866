"""The curriculum-shaped simulated web over https (and some http) on loopback, with counters.

    python benchmarks/simweb_tls.py TRUTH_JSON CA_DIR

Serves what curriculum_web.py planned: every host is a loopback address 127.77.x.y listening on
443 with a certificate from a local CA (trustme; the CA's PEM is written to CA_DIR/ca.pem so the
checkers can trust it through SSL_CERT_FILE) and, for hosts that have it, on 80. The refusing
host has no listener; the hanging host accepts TCP on 443 and never answers, so TLS never
completes. Every answer waits its URL's latency on a timer; the rate-limited host answers 429
with `Retry-After: 1` while more than `--limit` of its requests are in flight. It prints
`ready 443` and obeys the commands of simweb_fast.py (reset, stats, quit) on stdin.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import ssl
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import simweb_fast  # noqa: E402
from curriculum_web import Host, Role, latency_for, load_web, page_size_for  # noqa: E402
from simweb_fast import SimWeb  # noqa: E402

HTTPS_PORT, HTTP_PORT = 443, 80
PARAGRAPH = (b"<p>Lecture notes, worked examples and exercises; read the section before the "
             b"lab, then try the questions at the end.</p>\n")
FILLER = PARAGRAPH * 16000  # cut only between paragraphs: every page is well-formed HTML
NOT_FOUND = ("<!doctype html><html><head><title>Page not found</title></head><body>"
             "<h1>404</h1><p>" + "Sorry, nothing here. " * 150 + "</p></body></html>").encode()
SECTIONS = 8


class TlsWeb(SimWeb):
    """Routes per (host, scheme, path); counters per host address across both schemes."""

    def __init__(self, hosts: list[Host], limit: int) -> None:
        super().__init__([h.address for h in hosts], 0.0, limit)
        self.limited = {h.address for h in hosts if h.rate_limited}
        self.role = {h.address: h.role for h in hosts}
        self.tls_routes: dict[tuple[str, str, str], tuple[int, str | None]] = {}

    def reset(self) -> None:
        super().reset()
        self.hanging = 0  # connections the hanging host accepted

    def stats(self) -> dict:
        return {**super().stats(), "hanging_connections": self.hanging}

    def load(self, truth_path: str) -> int:
        _, targets = load_web(Path(truth_path))
        routes = {}
        for t in targets:
            routes[(t.host, t.scheme, t.path)] = (t.status, t.location)
            if t.location:
                scheme, rest = t.location.split("://", 1)
                routes[(t.host, scheme, "/" + rest.split("/", 1)[1])] = (200, None)
        self.tls_routes = routes
        return len(routes)

    def answer_for(self, host: str, scheme: str, path: str) -> tuple[int, str | None]:
        path = path.split("?", 1)[0]
        route = self.tls_routes.get((host, scheme, path))
        if route is not None:
            return route
        if path == "/":
            return 200, None
        if scheme == "http" and self.role.get(host) is not Role.HTTP_ONLY:
            return 301, f"https://{host}{path}"  # as real sites do: every http URL moves
        return 404, None

    def begin_tls(self, host: str, scheme: str, method: str, path: str) -> tuple[int, str | None]:
        self.requests += 1
        self.methods[method] += 1
        self.paths[(host, f"{scheme}:{path}")] += 1
        self.in_flight[host] += 1
        now = self.in_flight[host]
        self.max_in_flight[host] = max(self.max_in_flight[host], now)
        if host in self.limited and now > self.limit:
            status, location = 429, None
        else:
            status, location = self.answer_for(host, scheme, path)
        self.statuses[status] += 1
        return status, location


def page(path: str, size: int) -> bytes:
    """An HTML page of about `size` bytes: <title> and <h1> first, section anchors inside."""
    name = path.rsplit("/", 1)[-1]
    head = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{name} - Docs"
            f"</title></head><body><h1>{name}</h1>\n").encode()
    unit = len(PARAGRAPH)
    step = size // (2 * SECTIONS) // unit * unit  # anchors within the first half of the page
    parts = [head]
    for k in range(1, SECTIONS + 1):
        parts += [f"<h2 id=section-{k}>Section {k}</h2>\n".encode(), FILLER[:step]]
    rest = max(0, size - SECTIONS * step) // unit * unit
    parts.append(FILLER[:rest] + b"</body></html>\n")
    return b"".join(parts)


def render(method: str, status: int, location: str | None, path: str, host: str,
           close: bool) -> bytes:
    if status == 200:
        body = page(path, page_size_for(host, path))
    elif status == 404:
        body = NOT_FOUND
    else:
        body = b""
    return simweb_fast.message(method, status, location, body, close)


class Connection(simweb_fast.Connection):
    """One client connection of one scheme: requests are answered in order, one at a time."""

    def __init__(self, web: TlsWeb, scheme: str) -> None:
        super().__init__(web)
        self.scheme = scheme

    def respond(self, method: str, path: str, close: bool, status: int = 0) -> tuple[bytes, float]:
        location = None
        if not status:
            status, location = self.web.begin_tls(self.host, self.scheme, method, path)
        response = render(method, status, location, path, self.host, close)
        return response, latency_for(self.host, path.split("?", 1)[0])


class Silent(asyncio.Protocol):
    """The hanging host: accepts, reads and discards, never answers (the client gives up)."""

    def __init__(self, web: TlsWeb) -> None:
        self.web = web

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.web.connections += 1
        self.web.hanging += 1

    def data_received(self, data: bytes) -> None:
        pass


async def listen(web: TlsWeb, hosts: list[Host], context: ssl.SSLContext) -> list[asyncio.Server]:
    loop = asyncio.get_running_loop()
    servers = []
    for h in hosts:
        listeners = []
        if h.https:
            listeners.append((HTTPS_PORT, lambda: Connection(web, "https"), context))
        if h.http:
            listeners.append((HTTP_PORT, lambda: Connection(web, "http"), None))
        if h.role is Role.HANGING:
            listeners.append((HTTPS_PORT, lambda: Silent(web), None))
        for port, factory, tls in listeners:
            servers.append(await loop.create_server(factory, h.address, port, ssl=tls,
                                                    backlog=1024, reuse_address=True,
                                                    ssl_handshake_timeout=30 if tls else None))
    return servers


def tls_context(hosts: list[Host], ca_dir: Path) -> ssl.SSLContext:
    import trustme  # the test extra has it; imported here so planning needs no crypto

    ca = trustme.CA(organization_name="linkcheck benchmark CA")
    cert = ca.issue_cert(*(h.address for h in hosts if h.https))
    ca_dir.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_dir / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


async def serve(args: argparse.Namespace) -> None:
    hosts, _ = load_web(Path(args.truth))
    web = TlsWeb(hosts, args.limit)
    web.load(args.truth)
    servers = await listen(web, hosts, tls_context(hosts, Path(args.ca_dir)))
    await simweb_fast.obey(web, servers, HTTPS_PORT)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("truth")
    parser.add_argument("ca_dir")
    parser.add_argument("--limit", type=int, default=4, help="in flight per host before 429")
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
