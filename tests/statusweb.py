"""A loopback web whose answers a test sets per path and changes between runs; requests counted."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StatusWeb:
    """A loopback server: path -> status, changed by the test between runs; requests counted."""

    def __init__(self) -> None:
        self.answers: dict[str, int] = {}
        self.requests: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bool) -> None:
                web.requests.append(self.path)
                status = web.answers.get(self.path, 503)  # unset: a transient failure
                page = f"<html><head><title>Page {self.path}</title></head><body>{'x' * 600}"
                data = page.encode() if status == 200 else b"gone"
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                self._answer(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(False)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def start(self) -> StatusWeb:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
