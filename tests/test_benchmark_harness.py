"""Smoke test of the benchmark's corpus generator and truth bookkeeping (no timing, no network)."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from corpus import (  # noqa: E402
    CorpusSpec,
    Truth,
    build_corpus,
    host_addresses,
    is_rate_limited,
    load_targets,
)
from score import read_linkcheck, read_lychee, score  # noqa: E402

SPEC = CorpusSpec(urls=200, files=4, hosts=10, port=8123, seed=7)
URL_IN_MARKDOWN = re.compile(r"\((http://[^)]+)\)|<(http://[^>]+)>")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("bench"), SPEC)


def test_corpus_links_every_url_twice_across_the_files(corpus):
    files = sorted(corpus.markdown_dir.glob("*.md"))
    assert [f.name for f in files] == [f"topic-{n:02d}.md" for n in range(1, 5)]
    found = Counter(
        a or b for f in files for a, b in URL_IN_MARKDOWN.findall(f.read_text("utf-8"))
    )
    assert set(found) == {t.url for t in corpus.targets}
    assert set(found.values()) == {2}


def test_truth_shares_hosts_and_redirects(corpus):
    truths = Counter(t.truth for t in corpus.targets)
    assert truths == {Truth.OK: 180, Truth.BROKEN: 10, Truth.REDIRECTED: 10}
    assert {t.host for t in corpus.targets} == set(host_addresses(10))
    assert all(t.url.startswith(f"http://{t.host}:8123/") for t in corpus.targets)
    for t in corpus.targets:
        expected = {Truth.OK: {200}, Truth.BROKEN: {404}, Truth.REDIRECTED: {301, 308}}
        assert t.status in expected[t.truth]
        assert (t.location is not None) == (t.truth is Truth.REDIRECTED)
        assert t.location is None or t.location.startswith(f"http://{t.host}:8123/")
    assert [i for i in range(10) if is_rate_limited(i)] == [9]


def test_truth_file_round_trips_and_is_deterministic(corpus, tmp_path):
    assert load_targets(corpus.truth_path) == list(corpus.targets)
    again = build_corpus(tmp_path, SPEC)
    assert again.targets == corpus.targets
    assert (tmp_path / "corpus" / "topic-01.md").read_text() == (
        corpus.markdown_dir / "topic-01.md"
    ).read_text()


def test_score_counts_false_alarms_and_misses(corpus):
    truth = corpus.truth
    perfect = {url: expected.value for url, expected in truth.items()}
    assert score(truth, perfect).false_alarms == ()
    assert score(truth, perfect).misses == ()

    by_truth = {kind: [u for u, t in truth.items() if t is kind] for kind in Truth}
    ok_url, broken_url = by_truth[Truth.OK][0], by_truth[Truth.BROKEN][0]
    moved_url, moved_too = by_truth[Truth.REDIRECTED][:2]
    wrong = {
        **perfect,
        ok_url: "broken",  # false alarm
        moved_url: "broken",  # false alarm: a permanent redirect to a working page is not broken
        broken_url: "unverifiable",  # miss
        moved_too: "ok",  # miss: the move is not reported
    }
    wrong.pop(by_truth[Truth.BROKEN][1])  # a URL the tool never reported: a miss
    result = score(truth, wrong)
    assert sorted(result.false_alarms) == sorted([ok_url, moved_url])
    assert sorted(result.misses) == sorted([broken_url, moved_too, by_truth[Truth.BROKEN][1]])
    assert result.reported["not-reported"] == 1


def test_reads_linkcheck_and_lychee_reports(tmp_path):
    linkcheck = {"links": [
        {"resolved_url": "http://127.0.0.2:1/a", "status": "ok"},
        {"resolved_url": "http://127.0.0.2:1/b", "status": "broken"},
        {"resolved_url": "http://127.0.0.2:1/c", "status": "redirected"},
    ]}
    (tmp_path / "lc.json").write_text(json.dumps(linkcheck))
    assert read_linkcheck(tmp_path / "lc.json") == {
        "http://127.0.0.2:1/a": "ok",
        "http://127.0.0.2:1/b": "broken",
        "http://127.0.0.2:1/c": "redirected",
    }
    lychee = {
        "success_map": {"f.md": [{"url": "http://127.0.0.2:1/a", "status": {"code": 200}},
                                 {"url": "http://127.0.0.2:1/c", "status": {"code": 200}},
                                 {"url": "http://127.0.0.2:1/t", "status": {"code": 200}}]},
        "error_map": {"f.md": [{"url": "http://127.0.0.2:1/b", "status": {"code": 404}}]},
        "timeout_map": {"g.md": [{"url": "http://127.0.0.2:1/d", "status": {}}]},
        "redirect_map": {"f.md": [
            {"origin": "http://127.0.0.2:1/c",
             "redirects": [{"url": "http://127.0.0.2:1/new", "code": 308}]},
            {"origin": "http://127.0.0.2:1/t",
             "redirects": [{"url": "http://127.0.0.2:1/tmp", "code": 302}]},
        ]},
    }
    (tmp_path / "ly.json").write_text(json.dumps(lychee))
    assert read_lychee(tmp_path / "ly.json") == {
        "http://127.0.0.2:1/a": "ok",
        "http://127.0.0.2:1/b": "broken",
        "http://127.0.0.2:1/c": "redirected",
        "http://127.0.0.2:1/d": "broken",
        "http://127.0.0.2:1/t": "ok",  # a temporary redirect is not a move
    }


def test_simulated_web_answers_as_the_truth_says(corpus):
    from simweb_fast import SimWeb  # no sockets: the routing table and counters only

    hosts = host_addresses(SPEC.hosts)
    web = SimWeb(hosts, latency=0.05, limit=4)
    web.load(str(corpus.truth_path))
    for t in corpus.targets:
        assert web.begin(t.host, "GET", t.path) == (t.status, t.location)
        web.end(t.host)
        if t.location:
            new_path = "/" + t.location.split("/", 3)[3]
            assert web.begin(t.host, "HEAD", new_path) == (200, None)
            web.end(t.host)
    limited, other = hosts[9], hosts[0]
    path = next(t.path for t in corpus.targets if t.host == limited and t.status == 200)
    answers = [web.begin(limited, "GET", path)[0] for _ in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]
    assert [web.begin(other, "GET", "/nowhere")[0] for _ in range(6)] == [404] * 6
    stats = web.stats()
    assert stats["max_in_flight"] == 6
    assert stats["hosts_over_limit"] == sorted([limited, other])
    assert stats["statuses"]["429"] == 2


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_a_measured_run_s_peak_is_its_own_not_the_harness_s(tmp_path):
    """A child's ru_maxrss would start at the peak of the process it was spawned from: the
    harness's peak (a big report read, here a big buffer) is not lent to the next run."""
    from harness import run_measured

    def resident_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    before = resident_mb()
    buffer = bytearray(300 * 1024 * 1024)  # touched: resident until freed
    buffer[::4096] = b"x" * len(range(0, len(buffer), 4096))
    del buffer
    measured = run_measured(["true"], tmp_path, 30, tmp_path / "true")
    assert measured.returncode == 0
    # at most what the harness holds now (the child starts as its copy), not its peak
    assert measured.max_rss_mb < max(before, resident_mb()) + 100, measured
