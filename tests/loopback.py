"""A threaded http.server on 127.0.0.1 for one test: `with serving(Handler) as base:` gives its
base URL and stops it (and its thread) when the block ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that answers HEAD as GET and logs nothing (pytest shows stderr)."""

    def do_HEAD(self) -> None:  # noqa: N802 - the name http.server calls
        self.do_GET()  # type: ignore[attr-defined]

    def log_message(self, *args) -> None:
        pass
