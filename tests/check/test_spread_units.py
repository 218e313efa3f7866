"""The pieces between a spread run's processes: the wire format and the shared network watch."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from linkcheck.check.remote.network import NetworkState, NetworkWatch, WatchPeers
from linkcheck.check.remote.spread import host_key
from linkcheck.check.remote.wire import WireError, frame, read_message
from linkcheck.http.outcome import Failure, FailureKind


def read_all(data: bytes, count: int = 1):
    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return [await read_message(reader) for _ in range(count)]
    return asyncio.run(go())


def test_messages_round_trip_and_end_cleanly():
    assert read_all(frame(("add", ["u1", "u2"])) + frame(("close", frozenset({"o"}))), 2) == [
        ("add", ["u1", "u2"]), ("close", frozenset({"o"}))]
    with pytest.raises(EOFError):
        read_all(frame(("up", "")), 2)  # the other end closed between messages


@pytest.mark.parametrize("data, says", [
    (frame(("up", ""))[:-1], "cut short"),
    (b"\x00\x00", "cut short"),
    (struct.pack(">I", 1 << 31), "bytes"),
    (struct.pack(">I", 3) + b"abc", "unreadable"),
])
def test_what_is_not_a_message_is_refused(data, says):
    with pytest.raises(WireError, match=says):
        read_all(data)


@pytest.mark.parametrize("page", [
    "http://Docs.Example.org:8080/a", "https://docs.example.org", "https://x.example.org?q=1",
    "https://x.example.org#top", "http://user:pw@Host.example.org/p", "https://[::1]:8443/x",
    "https://例え.jp/パス", "http://127.0.0.2:5000/doc/1", "https://EXAMPLE.org.:443/",
    "https://a_b.example.org/", "http://-bad-.example.org/", "https://x.example.org:99999/",
])
def test_host_key_of_a_plain_authority_is_that_of_the_whole_url(page):
    assert host_key(page) == (urlsplit(page).hostname or "").lower()


def test_host_key_joins_a_hosts_schemes():
    assert host_key("http://Docs.Example.org:8080/a") == host_key("https://docs.example.org/b")
    assert host_key("https://a.example.org/") != host_key("https://b.example.org/")


class _Host:
    def __init__(self, origin: str) -> None:
        self.origin, self.silent = origin, False


def _linked(origins: frozenset[str]) -> tuple[NetworkWatch, NetworkWatch]:
    """Two processes' watches, each telling the other what it sees (as spread.py relays)."""
    told: dict[str, WatchPeers] = {}
    first = WatchPeers(origins, lambda kind, origin: told["second"].receive(kind, origin))
    second = WatchPeers(origins, lambda kind, origin: told["first"].receive(kind, origin))
    told.update(first=first, second=second)
    watches = (NetworkWatch(origins), NetworkWatch(origins))
    first.attach(watches[0])
    second.attach(watches[1])
    return watches


def test_every_origin_silent_across_processes_is_no_network():
    async def go():
        a, b = _linked(frozenset({"http://a", "http://b"}))
        a.observe(_Host("http://a"), Failure(FailureKind.CONNECT_TIMEOUT))
        assert a.state is b.state is NetworkState.UNKNOWN  # b's origin may still answer
        b.observe(_Host("http://b"), Failure(FailureKind.CONNECT_TIMEOUT))
        return a.state, b.state
    assert asyncio.run(go()) == (NetworkState.DOWN, NetworkState.DOWN)


def test_an_answer_in_one_process_proves_the_network_to_the_other():
    async def go():
        a, b = _linked(frozenset({"http://a", "http://b"}))
        b.connected()
        a.observe(_Host("http://a"), Failure(FailureKind.CONNECT_TIMEOUT))
        return a.state, b.state
    assert asyncio.run(go()) == (NetworkState.UP, NetworkState.UP)


def test_a_streamed_watch_waits_for_every_origin():
    async def go():
        watch = NetworkWatch(frozenset({"http://a"}), whole=False)
        watch.observe(_Host("http://a"), Failure(FailureKind.CONNECT_TIMEOUT))
        early = watch.state
        watch.know_every_origin(frozenset({"http://a"}))
        return early, watch.state
    assert asyncio.run(go()) == (NetworkState.UNKNOWN, NetworkState.DOWN)


def test_what_peers_tell_before_the_watch_exists_is_kept():
    async def go():
        peers = WatchPeers(frozenset({"http://a"}), lambda kind, origin: None)
        peers.receive("up", "")
        watch = NetworkWatch(frozenset({"http://a"}))
        peers.attach(watch)
        return watch.state
    assert asyncio.run(go()) is NetworkState.UP




def test_the_cycle_collector_runs_while_checking_and_is_paused_again_after():
    import gc

    from linkcheck.pipeline import _run_loop

    async def seen() -> bool:
        return gc.isenabled()

    was = gc.isenabled()
    gc.disable()  # as the command leaves it (cli._cycle_collector_paused)
    try:
        assert _run_loop(seen()) is True
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        (gc.enable if was else gc.disable)()


def test_files_read_aside_arrive_in_order_and_a_failure_is_raised_here(tmp_path, monkeypatch):
    import threading

    from linkcheck.extract import background

    paths = []
    for i in range(5):
        (tmp_path / f"{i}.md").write_text(f"# File {i}\n\n[x](https://example.org/{i})\n",
                                          encoding="utf-8")
        paths.append(str(tmp_path / f"{i}.md"))
    threads = []

    async def read_all():
        return [d.file async for d in background.documents_read_aside(paths, None)]

    real = background.extract_each

    def watched(files, cache):
        threads.append(threading.current_thread().name)
        yield from real(files, cache)

    monkeypatch.setattr(background, "extract_each", watched)
    assert asyncio.run(read_all()) == paths
    assert threads == ["linkcheck-read"]

    def failing(files, cache):
        yield from real(files[:1], cache)
        raise RuntimeError("disk gone")

    monkeypatch.setattr(background, "extract_each", failing)
    with pytest.raises(RuntimeError, match="disk gone"):
        asyncio.run(read_all())


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux gives a thread its own nice value")
def test_the_first_file_is_read_at_full_priority_the_others_at_a_lower_one(monkeypatch):
    import os
    import threading

    from linkcheck.extract import background
    from linkcheck.models import Document

    seen = []  # the reading thread's nice value as it reads each file

    def reading(files, cache):
        for file in files:
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            yield Document(file)

    async def read_all():
        return [d.file async for d in background.documents_read_aside(["a", "b", "c"], None)]

    monkeypatch.setattr(background, "extract_each", reading)
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert asyncio.run(read_all()) == ["a", "b", "c"]
    lowered = min(19, own + background.NICER_BY)
    assert seen == [own, lowered, lowered]


def test_a_run_checked_by_workers_does_not_load_the_http_stack_in_the_main_process():
    """Workers are forked before the HTTP stack is loaded, and load it themselves, on their own
    core: the main process, which only hands URLs over and reads outcomes, never needs it."""
    code = (
        "import sys, linkcheck.cli, linkcheck.pipeline, linkcheck.check.remote.spread\n"
        "heavy = [m for m in ('httpcore', 'h11', 'anyio', 'tenacity',\n"
        "         'linkcheck.check.remote.checker', 'linkcheck.http.fetch') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == ""



@pytest.mark.parametrize("map_from", [0, 1 << 20])
def test_the_urls_named_are_counted_and_found_in_files_mapped_or_read(tmp_path, monkeypatch,
                                                                     map_from):
    """A streamed run first counts the URLs its files name (a long file's bytes mapped, not
    read; an empty one cannot be mapped and is read) and, after a failing run, finds them as
    written."""
    from linkcheck import pipeline
    from linkcheck.pipeline import _urls_named

    monkeypatch.setattr(pipeline, "_MAP_FROM", map_from)
    (tmp_path / "a.md").write_bytes(b"[a](https://x.test/a) <http://y.test/b>\nftp://z\n")
    (tmp_path / "b.md").write_bytes(b"https://x.test/a again\n")
    (tmp_path / "empty.md").write_bytes(b"")
    files = [str(tmp_path / name) for name in ("a.md", "b.md", "empty.md", "gone.md")]
    assert _urls_named(files, False) == (4, set())
    assert _urls_named(files, True) == (4, {b"https://x.test/a", b"http://y.test/b"})
