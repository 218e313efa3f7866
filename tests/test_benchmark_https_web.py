"""The HTTPS benchmark web: its plan has the curriculum's shape and the server routes as planned.

No sockets and no timing: the plan, the routing table and the scoring only.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from corpus import Truth  # noqa: E402
from curriculum_web import (  # noqa: E402
    Role,
    WebSpec,
    build_web,
    latency_for,
    load_web,
    page_size_for,
)
from score import score  # noqa: E402
from simweb_tls import TlsWeb, page, render  # noqa: E402


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    return build_web(tmp_path_factory.mktemp("https-web"), WebSpec())


def test_plan_is_a_curriculum_at_ten_times(web):
    assert len(web.targets) == 2000
    assert len({t.url for t in web.targets}) == 2000
    per_host = Counter(t.host for t in web.targets)
    roles = {h.address: h.role for h in web.hosts}
    limited = [h.address for h in web.hosts if h.rate_limited]
    assert len(limited) == 1 and per_host[limited[0]] == 500  # a quarter of the URLs
    assert sum(1 for n in per_host.values() if n <= 10) >= 80  # a long tail of small hosts
    dead = {role: per_host[a] for a, role in roles.items()
            if role in (Role.REFUSING, Role.HANGING)}
    assert dead == {Role.REFUSING: 30, Role.HANGING: 30}
    schemes = Counter(t.scheme for t in web.targets)
    assert schemes["https"] / 2000 > 0.9
    truths = Counter(t.truth for t in web.targets)
    assert 0.02 <= truths[Truth.BROKEN] / 2000 <= 0.04
    assert 0.04 <= truths[Truth.REDIRECTED] / 2000 <= 0.07
    assert web.extra["links"] > 2000  # some URLs are linked more than once
    markdown = "".join(f.read_text("utf-8") for f in web.markdown_dir.glob("*.md"))
    assert all(t.url in markdown for t in web.targets)


def test_latency_and_page_sizes_are_lognormal_and_stable(web):
    latencies = sorted(latency_for(t.host, t.path) for t in web.targets)
    assert 0.06 <= statistics.median(latencies) <= 0.10
    assert 1.0 <= latencies[int(0.99 * len(latencies))] <= 2.2
    assert latency_for("127.77.0.2", "/a") == latency_for("127.77.0.2", "/a")
    sizes = [page_size_for(t.host, t.path) for t in web.targets]
    assert 20_000 <= statistics.median(sizes) <= 45_000
    assert len(page("/docs/x", 40_000)) == pytest.approx(40_000, rel=0.05)
    body = page("/docs/x", 13_505).decode()  # cut between paragraphs only: well-formed
    assert body.count("<p>") == body.count("</p>") and "<p<" not in body and "</p<" not in body


def test_truth_round_trips(web):
    hosts, targets = load_web(web.truth_path)
    assert tuple(hosts) == web.hosts and tuple(targets) == web.targets


def test_server_answers_as_the_truth_says(web):
    tls = TlsWeb(list(web.hosts), limit=4)
    tls.load(str(web.truth_path))
    for t in web.targets:
        if t.truth is Truth.DEAD:
            continue
        assert tls.begin_tls(t.host, t.scheme, "GET", t.path) == (t.status, t.location)
        tls.end(t.host)
        if t.location:
            scheme, rest = t.location.split("://", 1)
            assert tls.begin_tls(t.host, scheme, "GET", "/" + rest.split("/", 1)[1])[0] == 200
            tls.end(t.host)
    limited = next(h.address for h in web.hosts if h.rate_limited)
    path = next(t.path for t in web.targets if t.host == limited and t.status == 200)
    answers = [tls.begin_tls(limited, "https", "GET", path)[0] for _ in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]
    assert b"Retry-After: 1" in render("GET", 429, None, path, limited, close=False)
    tail = next(h.address for h in web.hosts if h.role is Role.TAIL)
    assert tls.answer_for(tail, "http", "/x") == (301, f"https://{tail}/x")
    assert tls.answer_for(tail, "https", "/nowhere") == (404, None)


def test_dead_hosts_count_as_missed_only_when_reported_working():
    truth = {"https://a/1": Truth.DEAD, "https://a/2": Truth.DEAD, "https://a/3": Truth.DEAD,
             "https://b/1": Truth.BROKEN, "https://b/2": Truth.OK}
    reported = {"https://a/1": "broken", "https://a/2": "unverifiable", "https://a/3": "ok",
                "https://b/1": "new-failure", "https://b/2": "new-failure"}
    result = score(truth, reported)
    assert result.misses == ("https://a/3",)
    assert result.false_alarms == ("https://b/2",)
