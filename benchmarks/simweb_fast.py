"""A simulated web on loopback for the benchmark: many hosts, fixed latency, rate limits, counters.

Run as its own process (`python benchmarks/simweb_fast.py --hosts 100`). It listens on
127.0.0.2, 127.0.0.3, ... with one port, prints `ready PORT` on stdout, and then obeys one
command per line on stdin, answering each with one JSON line:

    load PATH   read the truth file written by corpus.py (what each path answers)
    reset       zero the counters
    stats       requests, statuses, most requests in flight per host, CPU seconds used
    quit        stop

Each response is sent after `--latency` seconds (a timer, never a blocking sleep). Every tenth
host answers 429 with `Retry-After: 1` while more than `--limit` of its requests are in flight.
It speaks just enough HTTP/1.1 (keep-alive, HEAD and GET) for clients, using asyncio protocols
rather than streams because the server must stay far cheaper than the clients it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import host_addresses, is_rate_limited, load_targets  # noqa: E402

MAX_HEADER_BYTES = 16 * 1024
PAGE = (
    "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
    "<p>{filler}</p></body></html>"
)
FILLER = "Lecture notes, exercises and further reading for this resource. " * 12
NOT_FOUND = (
    "<!doctype html><html><head><title>404 Not Found</title></head><body>Not found</body></html>"
)
REASONS = {200: "OK", 301: "Moved Permanently", 308: "Permanent Redirect", 400: "Bad Request",
           404: "Not Found", 429: "Too Many Requests"}


class SimWeb:
    """The routing table and the counters, shared by every connection."""

    def __init__(self, hosts: list[str], latency: float, limit: int) -> None:
        self.latency = latency
        self.limit = limit
        self.limited = {h for i, h in enumerate(hosts) if is_rate_limited(i)}
        self.routes: dict[tuple[str, str], tuple[int, str | None]] = {}
        self.in_flight: Counter[str] = Counter()
        self.reset()

    def load(self, truth_path: str) -> int:
        self.routes = {}
        for t in load_targets(Path(truth_path)):
            self.routes[(t.host, t.path)] = (t.status, t.location)
            if t.location:
                host, path = t.location.split("://", 1)[1].split("/", 1)
                self.routes[(host.split(":")[0], "/" + path)] = (200, None)
        return len(self.routes)

    def reset(self) -> None:
        self.requests = 0
        self.methods: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.paths: Counter[tuple[str, str]] = Counter()
        self.connections = 0
        self.not_http = 0  # connections that sent something other than HTTP
        self.started = time.monotonic()
        self.first_at: float | None = None  # when the first request came (time.monotonic)
        self.last_at: float | None = None  # when the last answer went

    def begin(self, host: str, method: str, path: str) -> tuple[int, str | None]:
        """Count one request and choose its answer."""
        self.requests += 1
        if self.first_at is None:
            self.first_at = time.monotonic()
        self.methods[method] += 1
        self.paths[(host, path)] += 1
        self.in_flight[host] += 1
        now = self.in_flight[host]
        if now > self.max_in_flight[host]:
            self.max_in_flight[host] = now
        if host in self.limited and now > self.limit:
            status, location = 429, None
        else:
            status, location = self.routes.get((host, path.split("?", 1)[0]), (404, None))
        self.statuses[status] += 1
        return status, location

    def end(self, host: str) -> None:
        self.in_flight[host] -= 1
        self.last_at = time.monotonic()

    def stats(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        repeated = sum(n - 1 for n in self.paths.values() if n > 1)
        return {
            "requests": self.requests,
            "methods": dict(self.methods),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "max_in_flight": max(self.max_in_flight.values(), default=0),
            "max_in_flight_host": self.max_in_flight.most_common(1)[0][0]
            if self.max_in_flight else None,
            "hosts_over_limit": sorted(h for h, n in self.max_in_flight.items() if n > self.limit),
            "distinct_paths": len(self.paths),
            "repeated_requests": repeated,
            "connections": self.connections,
            "not_http": self.not_http,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "since_reset": time.monotonic() - self.started,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


def render(method: str, status: int, location: str | None, path: str, close: bool) -> bytes:
    if status == 200:
        body = PAGE.format(title=path.rsplit("/", 1)[-1], filler=FILLER)
    elif status == 404:
        body = NOT_FOUND
    else:
        body = ""
    return message(method, status, location, body.encode(), close)


def message(method: str, status: int, location: str | None, data: bytes, close: bool) -> bytes:
    """The bytes of one response: headers, and the body unless the request was HEAD."""
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
            "Content-Type: text/html; charset=utf-8", f"Content-Length: {len(data)}"]
    if location:
        head.append(f"Location: {location}")
    if status == 429:
        head.append("Retry-After: 1")
    if close:
        head.append("Connection: close")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode()
    return raw if method == "HEAD" else raw + data


class Connection(asyncio.Protocol):
    """One client connection: requests are answered in order, one at a time."""

    def __init__(self, web: SimWeb) -> None:
        self.web = web
        self.buffer = bytearray()
        self.busy = False
        self.transport: asyncio.Transport | None = None
        self.host = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.host = transport.get_extra_info("sockname")[0]
        self.web.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def _next(self) -> None:
        if self.busy or self.transport is None:
            return
        if self.buffer and not self.buffer[:1].isupper():
            # Not HTTP (a TLS hello to this plain-HTTP port): refuse at once, as servers do,
            # so that a client's https:// probe fails fast instead of waiting for a timeout.
            self.web.not_http += 1
            self.transport.write(self.respond("GET", "/", close=True, status=400)[0])
            self.transport.close()
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEADER_BYTES:
                self.transport.close()
            return
        head = bytes(self.buffer[:end]).decode("latin-1")
        lines = head.split("\r\n")
        fields = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        body_len = int(headers.get("content-length", "0") or 0)
        if len(self.buffer) < end + 4 + body_len:
            return
        del self.buffer[: end + 4 + body_len]
        method, path, version = (lines[0].split(" ") + ["", "", ""])[:3]
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        self.busy = True
        response, delay = self.respond(method, path, close)
        asyncio.get_running_loop().call_later(delay, self._finish, response, close)

    def respond(self, method: str, path: str, close: bool, status: int = 0) -> tuple[bytes, float]:
        """The response to one request (`status` forces one) and when to send it."""
        location = None
        if not status:
            status, location = self.web.begin(self.host, method, path)
        return render(method, status, location, path, close), self.web.latency

    def _finish(self, response: bytes, close: bool) -> None:
        self.web.end(self.host)
        self.busy = False
        if self.transport is None:
            return
        self.transport.write(response)
        if close:
            self.transport.close()
        else:
            self._next()


async def listen(web: SimWeb, hosts: list[str], port: int) -> tuple[list[asyncio.Server], int]:
    """Listen on every host address with one port; a busy port means another try."""
    loop = asyncio.get_running_loop()
    for _attempt in range(20):
        servers: list[asyncio.Server] = []
        try:
            for host in hosts:
                server = await loop.create_server(
                    lambda: Connection(web), host, port, backlog=1024, reuse_address=True
                )
                servers.append(server)
                port = port or server.sockets[0].getsockname()[1]
            return servers, port
        except OSError:
            for server in servers:
                server.close()
            port = 0
    raise OSError("no port free on every loopback host address")


def command_reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> None:
    """Read stdin in a thread: the event loop stays free for the clients."""
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line.strip())
    loop.call_soon_threadsafe(queue.put_nowait, "quit")


def answer(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def serve(args: argparse.Namespace) -> None:
    hosts = host_addresses(args.hosts)
    web = SimWeb(hosts, args.latency, args.limit)
    servers, port = await listen(web, hosts, args.port)
    await obey(web, servers, port)


async def obey(web: SimWeb, servers: list[asyncio.Server], port: int) -> None:
    """Say `ready PORT`, then answer the harness's commands until `quit`."""
    answer({"ready": port})
    queue: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=command_reader, args=(loop, queue), daemon=True).start()
    while True:
        command, _, argument = (await queue.get()).partition(" ")
        if command == "load":
            answer({"routes": web.load(argument)})
        elif command == "reset":
            web.reset()
            answer({"reset": True})
        elif command == "stats":
            answer(web.stats())
        elif command == "quit":
            break
        else:
            answer({"error": f"unknown command {command!r}"})
    for server in servers:
        server.close()
    answer({"bye": True})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument("--limit", type=int, default=4, help="in flight per host before 429")
    args = parser.parse_args(argv)
    # Listening sockets are plenty; raising the descriptor limit lets many clients connect.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(serve(args))


class ServerProcess:
    """The harness's handle on a server process: start it, send commands, stop it."""

    def __init__(self, argv: list[str], reply_timeout: float = 30.0) -> None:
        self.reply_timeout = reply_timeout
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            start_new_session=True,
        )
        try:
            self.port = int(self._reply()["ready"])
        except (TimeoutError, RuntimeError, KeyError, ValueError):
            self.close()
            raise

    def command(self, line: str) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._reply()

    def _reply(self) -> dict:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(self.reply_timeout):
                raise TimeoutError("the simulated web did not answer")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the simulated web exited (code {self.proc.poll()})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.command("quit")
                self.proc.wait(timeout=10)
            except (OSError, TimeoutError, RuntimeError, ValueError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimWebProcess(ServerProcess):
    """This module's plain-HTTP web in its own process."""

    def __init__(self, hosts: int, latency: float, limit: int, reply_timeout: float = 30.0):
        super().__init__([sys.executable, __file__, "--hosts", str(hosts), "--latency",
                          str(latency), "--limit", str(limit)], reply_timeout)


if __name__ == "__main__":
    main()
