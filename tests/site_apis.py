"""Loopback stand-ins of the site APIs linkcheck asks: the GitHub REST API (and GitHub's web
pages), YouTube's oEmbed endpoint and the Wayback Machine availability API with its snapshots.

They answer with the recorded response shapes in tests/data/sites/ (SOURCES.md there says
where each shape comes from). Two small HTTP servers share one state: 127.0.0.1 serves the APIs
and the snapshots, 127.0.0.2 plays the GitHub web host (a GitHub Enterprise-style base URL), so
nothing a test does leaves the machine. Every request is recorded.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DATA = Path(__file__).parent / "data" / "sites"
API_HOST, WEB_HOST = "127.0.0.1", "127.0.0.2"


def shape(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Seen:
    host: str
    path: str  # with query
    headers: dict[str, str]  # lower-case names


@dataclass
class SiteState:
    repos: dict[str, dict] = field(default_factory=dict)  # lower full name -> repository
    moved: dict[str, int] = field(default_factory=dict)  # lower old full name -> repository id
    files: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (repo, ref) -> paths
    videos: dict[str, str] = field(default_factory=dict)  # id -> ok|removed|private|...
    snapshots: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)  # url -> (ts, live)
    token: str | None = None  # the token the API accepts; None: no authentication asked
    rate_remaining: int = 5000
    rate_reset: int = 4_000_000_000  # epoch seconds
    wayback_delay: float = 0.0  # seconds the availability API takes to answer
    requests: list[Seen] = field(default_factory=list)

    def add_repo(self, full_name: str, **fields) -> dict:
        repo = copy.deepcopy(shape("github-repository.json"))
        owner, name = full_name.split("/")
        repo.update(id=len(self.repos) + 1000, name=name, full_name=full_name,
                    html_url=f"https://github.com/{full_name}",
                    url=f"https://api.github.com/repos/{full_name}")
        repo["owner"]["login"] = owner
        repo.update(fields)
        self.repos[full_name.lower()] = repo
        return repo

    def count(self, prefix: str, host: str = API_HOST) -> int:
        return sum(1 for r in self.requests if r.host == host and r.path.startswith(prefix))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a client that gave up on a slow answer (a test's short timeout) is no error here
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SiteApis:
    """`start()` it; `api_url`, `oembed_url`, `wayback_url` and `web_url` go into the config."""

    def __init__(self) -> None:
        self.state = SiteState()
        self._servers: list[ThreadingHTTPServer] = []

    def start(self) -> SiteApis:
        state = self.state
        for host in (API_HOST, WEB_HOST):
            handler = type("Handler", (_Handler,), {"state": state, "host": host})
            server = _Server((host, 0 if host == API_HOST else self.port), handler)
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    @property
    def port(self) -> int:
        return self._servers[0].server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://{API_HOST}:{self.port}/gh-api"

    @property
    def web_url(self) -> str:
        return f"http://{WEB_HOST}:{self.port}"

    @property
    def oembed_url(self) -> str:
        return f"http://{API_HOST}:{self.port}/oembed"

    @property
    def wayback_url(self) -> str:
        return f"http://{API_HOST}:{self.port}/wayback/available"

    def snapshot_url(self, timestamp: str, url: str) -> str:
        return f"http://{API_HOST}:{self.port}/web/{timestamp}/{url}"


class _Handler(BaseHTTPRequestHandler):
    state: SiteState
    host: str
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.state.requests.append(
            Seen(self.host, self.path, {k.lower(): v for k, v in self.headers.items()})
        )
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        if self.host == WEB_HOST:
            return self._web_page(split.path)
        if split.path.startswith("/gh-api/"):
            return self._github(split.path[len("/gh-api/"):], query)
        if split.path == "/oembed":
            return self._oembed(query)
        if split.path == "/wayback/available":
            return self._available(query)
        if split.path.startswith("/web/"):
            return self._snapshot(split.path[len("/web/"):])
        self._send(404, b"not found", "text/plain")

    # -- GitHub ---------------------------------------------------------------------------
    def _github(self, path: str, query: dict[str, str]) -> None:
        state = self.state
        if state.token is not None and self.headers.get("Authorization") != f"Bearer {state.token}":
            return self._json(401, {"message": "Bad credentials",
                                    "documentation_url": "https://docs.github.com/rest"})
        if state.rate_remaining <= 0:
            return self._json(403, {"message": "API rate limit exceeded for user ID 1.",
                                    "documentation_url": "https://docs.github.com/rest/overview/"
                                    "rate-limits-for-the-rest-api"})
        state.rate_remaining -= 1
        parts = [unquote(p) for p in path.split("/")]
        if parts[0] == "repositories" and len(parts) == 2:
            repo = next((r for r in state.repos.values() if str(r["id"]) == parts[1]), None)
            return self._json(200, repo) if repo else self._not_found()
        if parts[0] != "repos" or len(parts) < 3:
            return self._json(404, shape("github-not-found.json"))
        full = f"{parts[1]}/{parts[2]}".lower()
        if full in state.moved:
            body = shape("github-moved.json")
            body["url"] = f"http://{API_HOST}:{self.server.server_address[1]}/gh-api/" \
                          f"repositories/{state.moved[full]}"
            return self._json(301, body, {"Location": body["url"]})
        repo = state.repos.get(full)
        if repo is None:
            return self._json(404, shape("github-not-found.json"))
        rest = parts[3:]
        if not rest:
            return self._json(200, repo)
        if rest[0] == "commits" and len(rest) >= 2:
            ref = "/".join(rest[1:])
            if any(r == ref for (name, r) in state.files if name == full):
                return self._json(200, {"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"})
            body = shape("github-no-commit.json")
            body["message"] = f"No commit found for SHA: {ref}"
            return self._json(422, body)
        if rest[0] == "contents":
            ref = query.get("ref", repo["default_branch"])
            return self._contents(full, "/".join(rest[1:]), ref)
        return self._json(404, shape("github-not-found.json"))

    def _contents(self, full: str, path: str, ref: str) -> None:
        paths = self.state.files.get((full, ref))
        if paths is None or (path and path not in paths and
                             not any(p.startswith(path + "/") for p in paths)):
            return self._json(404, shape("github-not-found.json"))
        if path in paths:
            item = shape("github-content-file.json")
            item.update(name=path.rsplit("/", 1)[-1], path=path)
            return self._json(200, item)
        return self._json(200, [{"type": "file", "name": p, "path": p} for p in sorted(paths)])

    def _web_page(self, path: str) -> None:
        """GitHub's web pages: a repository page, or the 404 page. Rate-limit headers as
        GitHub sends them on an exhausted budget."""
        parts = [p for p in path.split("/") if p]
        full = "/".join(parts[:2]).lower()
        state = self.state
        if state.rate_remaining <= 0:
            headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(state.rate_reset)}
            return self._send(429, b"<html><title>Too many requests</title></html>", "text/html",
                              headers)
        state.rate_remaining -= 1
        if full in state.repos:
            title = f"GitHub - {state.repos[full]['full_name']}"
            return self._send(200, f"<html><head><title>{title}</title></head></html>".encode(),
                              "text/html")
        self._send(404, b"<html><head><title>Page not found</title></head></html>", "text/html")

    # -- YouTube oEmbed -------------------------------------------------------------------
    def _oembed(self, query: dict[str, str]) -> None:
        url = query.get("url", "")
        video = parse_qs(urlsplit(url).query).get("v", [""])[0]
        kind = self.state.videos.get(video, "removed")
        if query.get("format") != "json":
            return self._send(501, b"Not Implemented", "text/plain")
        if kind == "ok":
            return self._json(200, shape("youtube-oembed.json"))
        if kind == "private":
            return self._send(401, b"Unauthorized", "text/html")
        if kind == "forbidden":
            return self._send(403, b"Forbidden", "text/html")
        if kind == "forbidden-body":  # ruby-oembed issue #79: HTTP 200 with "Forbidden"
            return self._send(200, b"Forbidden", "text/html")
        if kind == "bad":
            return self._send(400, b"Bad Request", "text/html")
        self._send(404, b"Not Found", "text/html")

    # -- Wayback Machine ------------------------------------------------------------------
    def _available(self, query: dict[str, str]) -> None:
        time.sleep(self.state.wayback_delay)  # a slow archive (bounded by the test's value)
        url = query.get("url", "")
        wanted = query.get("timestamp", "99999999999999").ljust(14, "0")
        snapshots = self.state.snapshots.get(url, [])
        if not snapshots:
            return self._json(200, {"url": url, "archived_snapshots": {}})
        # like the real API: the closest capture in either direction
        timestamp, _live = min(snapshots, key=lambda s: abs(int(s[0]) - int(wanted)))
        closest = dict(shape("wayback-available.json")["archived_snapshots"]["closest"])
        port = self.server.server_address[1]
        closest.update(url=f"http://{API_HOST}:{port}/web/{timestamp}/{url}",
                       timestamp=timestamp)
        self._json(200, {"url": url, "archived_snapshots": {"closest": closest}})

    def _snapshot(self, rest: str) -> None:
        timestamp, _, url = rest.partition("/")
        for ts, live in self.state.snapshots.get(url, []):
            if ts == timestamp and live:
                page = f"<html><head><title>Archived {url}</title></head></html>"
                return self._send(200, page.encode(), "text/html")
        self._send(404, b"<html><head><title>Not found</title></head></html>", "text/html")

    # -- plumbing -------------------------------------------------------------------------
    def _not_found(self) -> None:
        self._json(404, shape("github-not-found.json"))

    def _json(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        state = self.state
        headers = dict(headers or {})
        headers.update({
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(max(0, state.rate_remaining)),
            "x-ratelimit-reset": str(state.rate_reset),
        })
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
